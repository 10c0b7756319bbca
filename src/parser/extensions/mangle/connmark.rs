//! `-j CONNMARK` (libxt_CONNMARK.c, revision 2, the one the kernel uses):
//! sets the connection's mark, or copies marks between packet and
//! connection.
//!
//! The operations on the connection mark are stored as the kernel's
//! `(value, mask)` pair, `ctmark = (ctmark & !mask) ^ value`, exactly as for
//! `MARK` (see [`super::mark`]): `--set-xmark`, `--set-mark`, `--and-mark`,
//! `--or-mark`, `--xor-mark`. `--save-mark` (packet mark into connection
//! mark) and `--restore-mark` (the other way) are flags, with `--nfmask`,
//! `--ctmask` (or `--mask`, both at once) as numbers and the shift of
//! `--left-shift-mark`/`--right-shift-mark` (the last one given wins). The
//! options apply in the order written: a `--ctmask` or `--mask` after a set
//! operation replaces its mask, as in iptables.
//!
//! The kernel accepts CONNMARK in every table and chain, but refuses shifts
//! of 32 bits.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec,
    Termination, bit,
};

use super::mark::parse_mark_operation;

const O_SET_MARK: u8 = 0;
const O_SAVE_MARK: u8 = 1;
const O_RESTORE_MARK: u8 = 2;
const O_AND_MARK: u8 = 3;
const O_OR_MARK: u8 = 4;
const O_XOR_MARK: u8 = 5;
const O_LEFT_SHIFT_MARK: u8 = 6;
const O_RIGHT_SHIFT_MARK: u8 = 7;
const O_SET_XMARK: u8 = 8;
const O_CTMASK: u8 = 9;
const O_NFMASK: u8 = 10;
const O_MASK: u8 = 11;

/// The operations: each excludes the others, and itself.
const OP_ANY: u32 = bit(O_SET_MARK)
    | bit(O_SAVE_MARK)
    | bit(O_RESTORE_MARK)
    | bit(O_AND_MARK)
    | bit(O_OR_MARK)
    | bit(O_XOR_MARK)
    | bit(O_SET_XMARK);

static OPTIONS: [OptSpec; 12] = [
    OptSpec::new("set-xmark", O_SET_XMARK, ArgType::MarkMask32).excl(OP_ANY),
    OptSpec::new("set-mark", O_SET_MARK, ArgType::MarkMask32).excl(OP_ANY),
    OptSpec::new("and-mark", O_AND_MARK, ArgType::UInt32).excl(OP_ANY),
    OptSpec::new("or-mark", O_OR_MARK, ArgType::UInt32).excl(OP_ANY),
    OptSpec::new("xor-mark", O_XOR_MARK, ArgType::UInt32).excl(OP_ANY),
    OptSpec::new("save-mark", O_SAVE_MARK, ArgType::None).excl(OP_ANY),
    OptSpec::new("restore-mark", O_RESTORE_MARK, ArgType::None).excl(OP_ANY),
    OptSpec::new("left-shift-mark", O_LEFT_SHIFT_MARK, ArgType::UInt8).range(0, 32),
    OptSpec::new("right-shift-mark", O_RIGHT_SHIFT_MARK, ArgType::UInt8).range(0, 32),
    OptSpec::new("ctmask", O_CTMASK, ArgType::UInt32).excl(bit(O_MASK)),
    OptSpec::new("nfmask", O_NFMASK, ArgType::UInt32).excl(bit(O_MASK)),
    OptSpec::new("mask", O_MASK, ArgType::UInt32).excl(bit(O_CTMASK) | bit(O_NFMASK)),
];

pub static CONNMARK: ExtensionDef = ExtensionDef {
    name: "CONNMARK",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_SET_XMARK | O_SET_MARK | O_AND_MARK | O_OR_MARK | O_XOR_MARK => {
            parse_mark_operation(call)
        }
        _ => call.generic(),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(OP_ANY, "-j CONNMARK --save-mark")?;
    Ok(())
}

/// The kernel shifts a 32-bit mark, and refuses a shift of 32.
fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    // Only the last shift option counts.
    let shift = call
        .extension
        .options
        .iter()
        .rev()
        .find(|option| option.name == "left-shift-mark" || option.name == "right-shift-mark");
    if let Some(option) = shift {
        if option.value.as_uint().is_some_and(|bits| bits > 31) {
            return Err(ExtError::new(format!(
                "`--{}` of 32 bits: the kernel refuses shifts of more than 31 bits",
                option.name
            ))
            .at(option.span)
            .help("shift by 0 to 31 bits"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn accepts(rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "mangle", "PREROUTING", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "mangle", "PREROUTING", rule, expected);
    }

    #[test]
    fn operations_and_masks() {
        let rule = accepts("-j CONNMARK --set-mark 1/2 --mask 4");
        let connmark = target(&rule);
        assert_eq!(
            connmark.option("set-mark").unwrap().value,
            Value::MarkMask { value: 1, mask: 3 }
        );
        assert_eq!(connmark.option("mask").unwrap().value, Value::UInt(4));
        let rule = accepts("-j CONNMARK --and-mark 1");
        assert_eq!(
            target(&rule).option("and-mark").unwrap().value,
            Value::MarkMask { value: 0, mask: !1 }
        );
        let rule = accepts("-j CONNMARK --save-mark --nfmask 0xfffffff --ctmask 0xffffffff");
        let connmark = target(&rule);
        assert_eq!(connmark.option("save-mark").unwrap().value, Value::Flag);
        assert_eq!(
            connmark.option("nfmask").unwrap().value,
            Value::UInt(0x0fff_ffff)
        );
        let rule = accepts("-j CONNMARK --restore-mark --left-shift-mark 3 --right-shift-mark 31");
        assert_eq!(
            target(&rule).option("right-shift-mark").unwrap().value,
            Value::UInt(31)
        );
        accepts_in(Family::V6, "filter", "INPUT", "-j CONNMARK --restore-mark");
        accepts_in(Family::V4, "nat", "OUTPUT", "-j CONNMARK --set-xmark 1");
        // The first shift is replaced by the second one.
        accepts("-j CONNMARK --save-mark --left-shift-mark 32 --right-shift-mark 1");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j CONNMARK", "needs one of");
        refuses("-j CONNMARK --mask 1", "needs one of");
        refuses("-j CONNMARK --left-shift-mark 3", "needs one of");
        refuses(
            "-j CONNMARK --save-mark --restore-mark",
            "cannot be used together",
        );
        refuses(
            "-j CONNMARK --save-mark --mask 1 --ctmask 2",
            "cannot be used together",
        );
        refuses(
            "-j CONNMARK --save-mark --nfmask 1 --nfmask 2",
            "only be given once",
        );
        refuses("-j CONNMARK --save-mark ! --ctmask 1", "cannot be negated");
        refuses(
            "-j CONNMARK --restore-mark --left-shift-mark 33",
            "from 0 to 32",
        );
        refuses(
            "-j CONNMARK --save-mark --right-shift-mark 32",
            "shifts of more than 31 bits",
        );
        refuses(
            "-j CONNMARK --set-mark 1 --left-shift-mark 32",
            "shifts of more than 31 bits",
        );
    }
}
