//! `-m ttl` (libipt_ttl.c, IPv4 only): compares the IPv4 time-to-live with
//! an 8-bit number: `--ttl-eq` (or its old spelling `--ttl`; negated, it
//! means "not equal"), `--ttl-lt` or `--ttl-gt`, exactly one of them. The
//! IPv6 counterpart is `hl` (see [`super::hl`]), defined with the functions
//! below. The kernel has no restriction.

use crate::model::ExtensionKind;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, OptSpec, bit,
};

const O_EQ: u8 = 0;
const O_LT: u8 = 1;
const O_GT: u8 = 2;
const ANY: u32 = bit(O_EQ) | bit(O_LT) | bit(O_GT);

/// The options of `ttl` or `hl`: equal (and its old spelling), less than,
/// greater than. The old spelling shares the id of "equal": iptables looks
/// options up by id, so it may be negated too.
pub(super) const fn options(
    eq: &'static str,
    lt: &'static str,
    gt: &'static str,
    old: &'static str,
) -> [OptSpec; 4] {
    [
        OptSpec::new(lt, O_LT, ArgType::UInt8).excl(ANY),
        OptSpec::new(gt, O_GT, ArgType::UInt8).excl(ANY),
        OptSpec::new(eq, O_EQ, ArgType::UInt8).excl(ANY).invert(),
        OptSpec::new(old, O_EQ, ArgType::UInt8).excl(ANY),
    ]
}

/// The definition of `ttl` or `hl`, which differ only in their names and
/// family.
pub(super) const fn definition(
    name: &'static str,
    families: Families,
    options: &'static [OptSpec],
) -> ExtensionDef {
    ExtensionDef {
        name,
        kind: ExtensionKind::Match,
        families,
        options,
        final_check: Some(final_check),
        ..ExtensionDef::BASE
    }
}

static OPTIONS: [OptSpec; 4] = options("ttl-eq", "ttl-lt", "ttl-gt", "ttl");

pub static TTL: ExtensionDef = definition("ttl", Families::V4, &OPTIONS);

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let lt = call.def.option_by_id(O_LT).map_or("", |spec| spec.name);
    call.require_one_of(ANY, &format!("-m {} --{lt} 5", call.def.name))
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, match_named, refuses, refuses6};

    #[test]
    fn comparisons() {
        let rule = accepts("-m ttl --ttl-eq 255");
        assert_eq!(
            match_named(&rule, "ttl").option("ttl-eq").unwrap().value,
            Value::UInt(255)
        );
        let rule = accepts("-m ttl ! --ttl 5");
        let option = match_named(&rule, "ttl").option("ttl-eq").unwrap();
        assert!(option.negated);
        assert_eq!(option.value, Value::UInt(5));
        let rule = accepts("-m ttl --ttl-gt 0x10");
        assert_eq!(
            match_named(&rule, "ttl").option("ttl-gt").unwrap().value,
            Value::UInt(16)
        );
        accepts("-m ttl --ttl-lt 0");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m ttl --ttl-eq 256", "needs a number from 0 to 255");
        refuses("-m ttl --ttl-eq -1", "needs a number from 0 to 255");
        refuses(
            "-m ttl",
            "needs one of `--ttl-lt`, `--ttl-gt` or `--ttl-eq`",
        );
        refuses("-m ttl ! --ttl-lt 5", "cannot be negated");
        refuses("-m ttl --ttl-eq 5 --ttl 5", "only be given once");
        refuses("-m ttl --ttl-lt 5 --ttl-gt 1", "cannot be used together");
        refuses6("-m ttl --ttl-eq 5", "exists only in iptables");
    }
}
