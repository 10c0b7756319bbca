//! `-m dscp` (libxt_dscp.c): matches the 6-bit DSCP field of the IPv4 TOS
//! byte or IPv6 traffic class, given as a number (`--dscp 0-63`) or as a
//! class name (`--dscp-class`: `CS0`-`CS7`, `BE`, `AF11`-`AF43`, `EF`; the
//! value is the DSCP number it stands for). iptables compares only the
//! start of the argument with each class name, in any case, so `AF111` is
//! `AF11`. The kernel has no restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, bit,
};

const O_DSCP: u8 = 0;
const O_CLASS: u8 = 1;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("dscp", O_DSCP, ArgType::UInt8)
        .range(0, 0x3f)
        .invert()
        .excl(bit(O_CLASS)),
    OptSpec::new("dscp-class", O_CLASS, ArgType::String)
        .invert()
        .excl(bit(O_DSCP)),
];

pub static DSCP: ExtensionDef = ExtensionDef {
    name: "dscp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

/// The DiffServ class names and their DSCP values, in the order iptables
/// tries them.
pub const CLASSES: [(&str, u8); 22] = [
    ("CS0", 0x00),
    ("CS1", 0x08),
    ("CS2", 0x10),
    ("CS3", 0x18),
    ("CS4", 0x20),
    ("CS5", 0x28),
    ("CS6", 0x30),
    ("CS7", 0x38),
    ("BE", 0x00),
    ("AF11", 0x0a),
    ("AF12", 0x0c),
    ("AF13", 0x0e),
    ("AF21", 0x12),
    ("AF22", 0x14),
    ("AF23", 0x16),
    ("AF31", 0x1a),
    ("AF32", 0x1c),
    ("AF33", 0x1e),
    ("AF41", 0x22),
    ("AF42", 0x24),
    ("AF43", 0x26),
    ("EF", 0x2e),
];

/// `class_to_dscp`: the first class whose name starts the argument, and
/// its DSCP value.
#[must_use]
pub fn class_to_dscp(text: &str) -> Option<(&'static str, u8)> {
    CLASSES.iter().copied().find(|(name, _)| {
        text.get(..name.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(name))
    })
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id == O_DSCP {
        return call.generic();
    }
    let text = call.arg_text();
    let (name, dscp) = class_to_dscp(text).ok_or_else(|| {
        call.error(format!("unknown DSCP class `{text}`"))
            .help("classes are CS0-CS7, BE, AF11-AF13, AF21-AF23, AF31-AF33, AF41-AF43 and EF")
    })?;
    if text.len() > name.len() {
        call.warn(format!(
            "iptables reads only the start of `{text}`: this is class `{name}`"
        ));
    }
    Ok(Value::UInt(u64::from(dscp)))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call.error("`dscp` needs `--dscp` or `--dscp-class`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    #[test]
    fn numbers_and_classes() {
        let rule = accepts("-m dscp --dscp 0x3f");
        assert_eq!(
            match_named(&rule, "dscp").option("dscp").unwrap().value,
            Value::UInt(63)
        );
        let rule = accepts("-m dscp --dscp-class EF");
        assert_eq!(
            match_named(&rule, "dscp")
                .option("dscp-class")
                .unwrap()
                .value,
            Value::UInt(0x2e)
        );
        let rule = accepts6("-m dscp ! --dscp-class cs1");
        let option = match_named(&rule, "dscp").option("dscp-class").unwrap();
        assert!(option.negated);
        assert_eq!(option.value, Value::UInt(8));
        let found = warnings(Family::V4, "-m dscp --dscp-class AF111");
        assert!(
            found.iter().any(|w| w.message.contains("class `AF11`")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-m dscp --dscp-class af11").is_empty());
        let rule = accepts("-m dscp --dscp-class AF111");
        assert_eq!(
            match_named(&rule, "dscp")
                .option("dscp-class")
                .unwrap()
                .value,
            Value::UInt(0x0a)
        );
        let rule = accepts("-m dscp --dscp-class BE");
        assert_eq!(
            match_named(&rule, "dscp")
                .option("dscp-class")
                .unwrap()
                .value,
            Value::UInt(0)
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m dscp --dscp -1", "needs a number from 0 to 63");
        refuses("-m dscp --dscp 0x40", "needs a number from 0 to 63");
        refuses(
            "-m dscp --dscp 0x3f --dscp-class CS0",
            "cannot be used together",
        );
        refuses("-m dscp --dscp-class CS8", "unknown DSCP class `CS8`");
        refuses("-m dscp --dscp-class C", "unknown DSCP class");
        refuses("-m dscp", "`dscp` needs `--dscp` or `--dscp-class`");
    }
}
