//! `-j TTL` (libipt_TTL.c, IPv4 only): sets, increments or decrements the
//! time-to-live. Exactly one of `--ttl-set` (0-255), `--ttl-inc` and
//! `--ttl-dec` (1-255) is required; the value is the number. The kernel
//! stops at 0 and 255 rather than wrapping, and accepts TTL only in the
//! mangle table. The IPv6 counterpart is `HL` (see [`super::hl`]), defined
//! with the functions below.

use crate::model::{ExtensionKind, TableKind};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, KernelReqs, OptSpec, Termination, bit,
};

const O_SET: u8 = 0;
const O_INC: u8 = 1;
const O_DEC: u8 = 2;

const ANY: u32 = bit(O_SET) | bit(O_INC) | bit(O_DEC);

/// The options of `TTL` or `HL`: set (0-255), decrement and increment
/// (1-255).
pub(super) const fn options(
    set: &'static str,
    dec: &'static str,
    inc: &'static str,
) -> [OptSpec; 3] {
    [
        OptSpec::new(set, O_SET, ArgType::UInt8).excl(ANY),
        OptSpec::new(dec, O_DEC, ArgType::UInt8).min(1).excl(ANY),
        OptSpec::new(inc, O_INC, ArgType::UInt8).min(1).excl(ANY),
    ]
}

/// The definition of `TTL` or `HL`, which differ only in their names and
/// family.
pub(super) const fn definition(
    name: &'static str,
    families: Families,
    options: &'static [OptSpec],
) -> ExtensionDef {
    ExtensionDef {
        name,
        kind: ExtensionKind::Target,
        families,
        options,
        final_check: Some(final_check),
        kernel: KernelReqs {
            table: Some(TableKind::Mangle),
            ..KernelReqs::NONE
        },
        termination: Termination::Continues,
        ..ExtensionDef::BASE
    }
}

static OPTIONS: [OptSpec; 3] = options("ttl-set", "ttl-dec", "ttl-inc");

pub static TTL: ExtensionDef = definition("TTL", Families::V4, &OPTIONS);

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let set = call.def.option_by_id(O_SET).map_or("", |spec| spec.name);
    call.require_one_of(ANY, &format!("-j {} --{set} 64", call.def.name))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn set_increment_decrement() {
        let rule = accepts_in(Family::V4, "mangle", "PREROUTING", "-j TTL --ttl-set 42");
        assert_eq!(
            target(&rule).option("ttl-set").unwrap().value,
            Value::UInt(42)
        );
        let rule = accepts_in(Family::V4, "mangle", "POSTROUTING", "-j TTL --ttl-dec 0x1");
        assert_eq!(
            target(&rule).option("ttl-dec").unwrap().value,
            Value::UInt(1)
        );
        accepts_in(Family::V4, "mangle", "FORWARD", "-j TTL --ttl-inc 255");
        accepts_in(Family::V4, "mangle", "INPUT", "-j TTL --ttl-set 0");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "INPUT", rule, expected);
        refuses(
            "-j TTL",
            "needs one of `--ttl-set`, `--ttl-dec` or `--ttl-inc`",
        );
        refuses("-j TTL --ttl-set 256", "from 0 to 255");
        refuses("-j TTL --ttl-inc 0", "from 1 to 255");
        refuses("-j TTL --ttl-dec 0", "from 1 to 255");
        refuses("-j TTL --ttl-dec 1 --ttl-inc 1", "cannot be used together");
        refuses("-j TTL --ttl-set --ttl-inc 1", "from 0 to 255");
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j TTL --ttl-set 1",
            "only in the mangle table",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "INPUT",
            "-j TTL --ttl-set 1",
            "exists only in iptables",
        );
    }
}
