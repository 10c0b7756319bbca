//! `-m helper` (libxt_helper.c): matches connections whose conntrack helper
//! has the given name, `[!] --helper NAME`. iptables keeps at most 29 bytes
//! of the name and cuts longer ones silently. The kernel needs connection
//! tracking; it does not check that a helper of that name exists.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};

/// The longest name the kernel structure holds (`char name[30]`).
const MAX_NAME: usize = 29;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("helper", 0, ArgType::String)
    .mandatory()
    .invert()];

pub static HELPER: ExtensionDef = ExtensionDef {
    name: "helper",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let kept = call.kept_text(MAX_NAME, "helper name");
    Ok(Value::Text(kept.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, match_named, refuses, warnings};

    #[test]
    fn helper_names() {
        let rule = accepts("-m helper ! --helper ftp -j ACCEPT");
        let helper = match_named(&rule, "helper").option("helper").unwrap();
        assert!(helper.negated);
        assert_eq!(helper.value, Value::Text("ftp".into()));
        // Any name loads: the kernel does not look the helper up.
        accepts("-m helper --helper wrong");
        accepts("-m helper --helper \"\"");
        refuses("-m helper", "needs `--helper`");
    }

    #[test]
    fn long_names_are_cut() {
        let rule = accepts("-m helper --helper 0123456789012345678901234567890123");
        assert_eq!(
            match_named(&rule, "helper").option("helper").unwrap().value,
            Value::Text("01234567890123456789012345678".into())
        );
        assert!(
            warnings(
                Family::V4,
                "-m helper --helper 0123456789012345678901234567890123"
            )
            .iter()
            .any(|w| w.message.contains("keeps only the first 29"))
        );
    }
}
