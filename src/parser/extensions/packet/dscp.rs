//! `-m dscp` (libxt_dscp.c): matches the 6-bit DSCP field of the IPv4 TOS
//! byte or IPv6 traffic class, given as a number (`--dscp 0-63`) or as a
//! class name (`--dscp-class`: `CS0`-`CS7`, `BE`, `AF11`-`AF43`, `EF`; the
//! value is the DSCP number it stands for; see
//! [`crate::parser::extensions::dscp_helper`]). iptables compares only the
//! start of the argument with each class name, in any case, so `AF111` is
//! `AF11`. The kernel has no restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, bit, dscp_helper,
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

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id == O_DSCP {
        return call.generic();
    }
    dscp_helper::parse_class(call)
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-m dscp --dscp-class EF")?;
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
