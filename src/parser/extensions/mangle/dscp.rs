//! `-j DSCP` (libxt_DSCP.c): sets the DiffServ code point, the upper six
//! bits of the IPv4 TOS or IPv6 traffic-class byte. `--set-dscp` takes a
//! number from 0 to 63, `--set-dscp-class` a class name (`EF`, `BE`, `CS0`
//! to `CS7`, `AF11` to `AF43`, see
//! [`crate::parser::extensions::dscp_helper`]); both are stored as the
//! number. iptables compares only as many characters as the class name has,
//! so `EFX` is `EF`.
//!
//! The kernel accepts DSCP only in the mangle table.

use crate::model::{ExtensionKind, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelReqs, OptCall, OptSpec, Termination, bit,
    dscp_helper,
};

const O_SET_DSCP: u8 = 0;
const O_SET_DSCP_CLASS: u8 = 1;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("set-dscp", O_SET_DSCP, ArgType::UInt8)
        .range(0, 0x3f)
        .excl(bit(O_SET_DSCP_CLASS)),
    OptSpec::new("set-dscp-class", O_SET_DSCP_CLASS, ArgType::String).excl(bit(O_SET_DSCP)),
];

pub static DSCP: ExtensionDef = ExtensionDef {
    name: "DSCP",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id != O_SET_DSCP_CLASS {
        return call.generic();
    }
    dscp_helper::parse_class(call)
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-j DSCP --set-dscp-class EF")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn dscp(family: Family, rule: &str) -> Value {
        let rule = accepts_in(family, "mangle", "PREROUTING", rule);
        let dscp = target(&rule);
        dscp.options[0].value.clone()
    }

    #[test]
    fn numbers_and_classes() {
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp 0x3f"),
            Value::UInt(0x3f)
        );
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp 077"),
            Value::UInt(0x3f)
        );
        assert_eq!(
            dscp(Family::V6, "-j DSCP --set-dscp-class EF"),
            Value::UInt(0x2e)
        );
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp-class af11"),
            Value::UInt(0x0a)
        );
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp-class AF11x"),
            Value::UInt(0x0a)
        );
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp-class BEST"),
            Value::UInt(0)
        );
        assert_eq!(
            dscp(Family::V4, "-j DSCP --set-dscp-class cs7"),
            Value::UInt(0x38)
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "INPUT", rule, expected);
        refuses("-j DSCP", "needs `--set-dscp`");
        refuses("-j DSCP --set-dscp -1", "from 0 to 63");
        refuses("-j DSCP --set-dscp 0x40", "from 0 to 63");
        refuses("-j DSCP --set-dscp-class CS", "unknown DSCP class");
        refuses("-j DSCP --set-dscp-class AF4", "unknown DSCP class");
        refuses(
            "-j DSCP --set-dscp 0x3f --set-dscp-class CS0",
            "cannot be used together",
        );
        refuses("-j DSCP --set-dscp 1 --set-dscp 2", "only be given once");
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j DSCP --set-dscp 1",
            "only in the mangle table",
        );
    }
}
