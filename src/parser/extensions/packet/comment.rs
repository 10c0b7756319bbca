//! `-m comment --comment TEXT` (libxt_comment.c): matches every packet and
//! carries a note. The option is mandatory, cannot be negated or repeated,
//! and may be empty. The kernel keeps at most 255 bytes of it; iptables
//! 1.8.9 cuts longer comments silently, so the value is the text the kernel
//! keeps (cut at a character boundary).

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
    let kept = call.kept_text(MAX_COMMENT, "comment");
    Ok(Value::Text(kept.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    #[test]
    fn comments_are_kept() {
        let rule = accepts("-p tcp -m tcp --dport 22 -m comment --comment foo -j ACCEPT");
        assert_eq!(
            match_named(&rule, "comment")
                .option("comment")
                .unwrap()
                .value,
            Value::Text("foo".into())
        );
        let rule = accepts6("-m comment --comment \"allow ssh\"");
        assert_eq!(
            match_named(&rule, "comment")
                .option("comment")
                .unwrap()
                .value,
            Value::Text("allow ssh".into())
        );
        accepts("-m comment --comment \"\"");
        let exact = "x".repeat(255);
        accepts(&format!("-m comment --comment {exact}"));
        assert!(warnings(Family::V4, &format!("-m comment --comment {exact}")).is_empty());
    }

    #[test]
    fn long_comments_are_cut() {
        let long = "x".repeat(300);
        let rule = accepts(&format!("-m comment --comment {long}"));
        assert_eq!(
            match_named(&rule, "comment")
                .option("comment")
                .unwrap()
                .value,
            Value::Text("x".repeat(255).into())
        );
        let found = warnings(Family::V4, &format!("-m comment --comment {long}"));
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("keeps only the first 255")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m comment", "`comment` needs `--comment`");
        refuses("-m comment --comment", "needs an argument");
        refuses("-m comment ! --comment x", "cannot be negated");
        refuses("-m comment --comment x --comment y", "only be given once");
    }
}
