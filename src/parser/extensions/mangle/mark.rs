//! `-j MARK` (libxt_MARK.c, revision 2, the one the kernel uses for both
//! families): sets the packet's netfilter mark. Every operation comes down
//! to the kernel's single one, `mark = (mark & !mask) ^ value`, and every
//! option's value is stored in that form as [`Value::MarkMask`]:
//!
//! - `--set-xmark value[/mask]`: as written (mask defaults to all ones);
//! - `--set-mark value[/mask]`: `value`, `value | mask` (clear the mask bits,
//!   then set the value bits);
//! - `--and-mark bits`: `0`, `!bits`;
//! - `--or-mark bits`: `bits`, `bits`;
//! - `--xor-mark bits`: `bits`, `0`.
//!
//! Exactly one operation is required. The kernel accepts MARK in every
//! table and chain; traversal goes on after it.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, Termination, bit,
    parse_value_mask,
};

const O_SET_MARK: u8 = 0;
const O_AND_MARK: u8 = 1;
const O_OR_MARK: u8 = 2;
const O_XOR_MARK: u8 = 3;
const O_SET_XMARK: u8 = 4;

/// Every operation excludes every other, and itself.
const ANY: u32 =
    bit(O_SET_MARK) | bit(O_AND_MARK) | bit(O_OR_MARK) | bit(O_XOR_MARK) | bit(O_SET_XMARK);

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("set-xmark", O_SET_XMARK, ArgType::MarkMask32).excl(ANY),
    OptSpec::new("set-mark", O_SET_MARK, ArgType::MarkMask32).excl(ANY),
    OptSpec::new("and-mark", O_AND_MARK, ArgType::UInt32).excl(ANY),
    OptSpec::new("or-mark", O_OR_MARK, ArgType::UInt32).excl(ANY),
    OptSpec::new("xor-mark", O_XOR_MARK, ArgType::UInt32).excl(ANY),
];

pub static MARK: ExtensionDef = ExtensionDef {
    name: "MARK",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// The kernel's `(value, mask)` pair for one of the mark operations shared
/// by `MARK` and `CONNMARK`; `kind` is the option's name.
pub(crate) fn xmark_pair(kind: &str, value: u32, mask: u32) -> (u32, u32) {
    match kind {
        "set-mark" => (value, value | mask),
        "and-mark" => (0, !value),
        "or-mark" => (value, value),
        "xor-mark" => (value, 0),
        _ => (value, mask),
    }
}

/// Parses a `value[/mask]` or a plain 32-bit number and returns it as the
/// kernel's `(value, mask)` pair.
pub(crate) fn parse_mark_operation(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let name = call.spec.name;
    let (value, mask) = match call.spec.ty {
        ArgType::MarkMask32 => {
            let text = call.arg_text();
            parse_value_mask(text).ok_or_else(|| {
                call.error(format!("`--{name}` needs `value[/mask]` with 32-bit numbers, not `{text}`"))
                    .help("write numbers from 0 to 0xffffffff, in decimal, hex (`0x`) or octal (leading `0`)")
            })?
        }
        _ => {
            let Value::UInt(bits) = call.generic()? else {
                return Err(call.error(format!("`--{name}` needs a 32-bit number")));
            };
            (u32::try_from(bits).unwrap_or(u32::MAX), u32::MAX)
        }
    };
    let (value, mask) = xmark_pair(name, value, mask);
    Ok(Value::MarkMask { value, mask })
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_mark_operation(call)
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-j MARK --set-xmark 0x1/0xff")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts_in, accepts6, refuses, target};

    fn pair(rule: &str, option: &str) -> Value {
        let rule = accepts(rule);
        let mark = target(&rule);
        assert_eq!(mark.name, "MARK");
        mark.option(option).unwrap().value.clone()
    }

    #[test]
    fn every_operation_is_stored_as_the_kernel_pair() {
        let mm = |value, mask| Value::MarkMask { value, mask };
        assert_eq!(
            pair("-j MARK --set-xmark 0xfeedcafe/0xfeedcafe", "set-xmark"),
            mm(0xfeed_cafe, 0xfeed_cafe)
        );
        assert_eq!(
            pair("-j MARK --set-xmark 4294967295", "set-xmark"),
            mm(u32::MAX, u32::MAX)
        );
        assert_eq!(pair("-j MARK --set-mark 1/2", "set-mark"), mm(1, 3));
        assert_eq!(pair("-j MARK --set-mark 010", "set-mark"), mm(8, u32::MAX));
        assert_eq!(
            pair("-j MARK --and-mark 0xff", "and-mark"),
            mm(0, 0xffff_ff00)
        );
        assert_eq!(pair("-j MARK --or-mark 3", "or-mark"), mm(3, 3));
        assert_eq!(pair("-j MARK --xor-mark 4", "xor-mark"), mm(4, 0));
        assert_eq!(pair("-j MARK --set-mark +1", "set-mark"), mm(1, u32::MAX));
        accepts6("-j MARK --set-xmark=5");
        accepts_in(
            crate::model::Family::V4,
            "nat",
            "OUTPUT",
            "-j MARK --set-mark 1",
        );
        accepts_in(
            crate::model::Family::V4,
            "raw",
            "PREROUTING",
            "-j MARK --set-mark 1",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j MARK", "needs one of `--set-xmark`");
        refuses("-j MARK --set-xmark 4294967296", "32-bit numbers");
        refuses("-j MARK --set-xmark -1", "32-bit numbers");
        refuses("-j MARK --set-xmark 08", "32-bit numbers");
        refuses("-j MARK --set-mark 0x1/", "32-bit numbers");
        refuses("-j MARK --set-mark 1/0x", "32-bit numbers");
        refuses("-j MARK --set-mark 1x", "32-bit numbers");
        refuses("-j MARK --and-mark 1/2", "needs a number");
        refuses("-j MARK --and-mark 0x100000000", "needs a number");
        refuses("-j MARK --set-mark 1 --set-mark 2", "only be given once");
        refuses(
            "-j MARK --set-mark 1 --and-mark 2",
            "cannot be used together",
        );
        refuses("-j MARK ! --set-mark 1", "cannot be negated");
    }
}
