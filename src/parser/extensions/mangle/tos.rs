//! `-j TOS` (libxt_TOS.c, revision 1, for both families): changes the IPv4
//! TOS or IPv6 traffic-class byte. Every operation comes down to the
//! kernel's `tos = (tos & !mask) ^ value` and is stored in that form as
//! [`Value::TosMask`]:
//!
//! - `--set-tos value[/mask]`: as written, the mask defaulting to `0xff`; a
//!   symbolic name (`Minimize-Delay`, ...) uses the mask `0x3f`, which
//!   leaves the precedence bits alone;
//! - `--and-tos bits`: `0`, `!bits`;
//! - `--or-tos bits`: `bits`, `bits`;
//! - `--xor-tos bits`: `bits`, `0`.
//!
//! The kernel accepts TOS only in the mangle table.

use crate::model::{ExtensionKind, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelReqs, OptCall, OptSpec, Termination, bit,
};

const O_SET_TOS: u8 = 0;
const O_AND_TOS: u8 = 1;
const O_OR_TOS: u8 = 2;
const O_XOR_TOS: u8 = 3;

const ANY: u32 = bit(O_SET_TOS) | bit(O_AND_TOS) | bit(O_OR_TOS) | bit(O_XOR_TOS);

// `max` of `--set-tos` is the mask a symbolic name gets.
static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("set-tos", O_SET_TOS, ArgType::TosMask)
        .max(0x3f)
        .excl(ANY),
    OptSpec::new("and-tos", O_AND_TOS, ArgType::UInt8).excl(ANY),
    OptSpec::new("or-tos", O_OR_TOS, ArgType::UInt8).excl(ANY),
    OptSpec::new("xor-tos", O_XOR_TOS, ArgType::UInt8).excl(ANY),
];

pub static TOS: ExtensionDef = ExtensionDef {
    name: "TOS",
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
    let id = call.spec.id;
    let value = call.generic()?;
    if id == O_SET_TOS {
        return Ok(value);
    }
    let bits = value
        .as_uint()
        .and_then(|bits| u8::try_from(bits).ok())
        .unwrap_or(0);
    let (value, mask) = match id {
        O_AND_TOS => (0, !bits),
        O_OR_TOS => (bits, bits),
        _ => (bits, 0),
    };
    Ok(Value::TosMask { value, mask })
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(ANY, "-j TOS --set-tos 0x10")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn tos(rule: &str) -> Value {
        let rule = accepts_in(Family::V4, "mangle", "PREROUTING", rule);
        target(&rule).options[0].value.clone()
    }

    #[test]
    fn every_operation_is_stored_as_the_kernel_pair() {
        let tm = |value, mask| Value::TosMask { value, mask };
        assert_eq!(tos("-j TOS --set-tos 0x1f"), tm(0x1f, 0xff));
        assert_eq!(tos("-j TOS --set-tos 0xff"), tm(0xff, 0xff));
        assert_eq!(tos("-j TOS --set-tos 0x1f/0x1f"), tm(0x1f, 0x1f));
        assert_eq!(tos("-j TOS --set-tos Minimize-Delay"), tm(0x10, 0x3f));
        assert_eq!(tos("-j TOS --set-tos minimize-cost"), tm(0x02, 0x3f));
        assert_eq!(tos("-j TOS --set-tos Normal-Service"), tm(0, 0x3f));
        assert_eq!(tos("-j TOS --and-tos 0x12"), tm(0, 0xed));
        assert_eq!(tos("-j TOS --or-tos 0x12"), tm(0x12, 0x12));
        assert_eq!(tos("-j TOS --xor-tos 0x12"), tm(0x12, 0));
        accepts_in(
            Family::V6,
            "mangle",
            "INPUT",
            "-j TOS --set-tos Minimize-Cost",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "OUTPUT", rule, expected);
        refuses("-j TOS", "needs one of");
        refuses("-j TOS --set-tos 256", "unknown");
        refuses("-j TOS --set-tos 1/256", "illegal value");
        refuses("-j TOS --set-tos 0x1/", "illegal value");
        refuses("-j TOS --set-tos 1x", "illegal value");
        refuses("-j TOS --set-tos Minimize-Delay/0xff", "unknown");
        refuses("-j TOS --and-tos 256", "from 0 to 255");
        refuses("-j TOS --set-tos 1 --or-tos 2", "cannot be used together");
        refuses("-j TOS ! --set-tos 1", "cannot be negated");
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j TOS --set-tos 1",
            "only in the mangle table",
        );
    }
}
