//! `-m comment --comment TEXT` (libxt_comment.c): matches every packet and
//! carries a note. The kernel keeps at most 255 bytes of it; iptables 1.8.9
//! cuts longer comments silently.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};

/// The longest comment the kernel stores (`XT_MAX_COMMENT_LEN` - 1).
pub const MAX_COMMENT: usize = 255;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("comment", 0, ArgType::String).mandatory()];

pub static COMMENT: ExtensionDef = ExtensionDef {
    name: "comment",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    if text.len() > MAX_COMMENT {
        call.warn(format!(
            "comment is {} bytes long: iptables keeps only the first {MAX_COMMENT}",
            text.len()
        ));
    }
    Ok(Value::Text(text.to_string()))
}
