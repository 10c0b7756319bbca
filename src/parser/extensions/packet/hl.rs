//! `-m hl` (libip6t_hl.c, IPv6 only): compares the IPv6 hop limit with an
//! 8-bit number: `--hl-eq` (or `--hl`; negated, it means "not equal"),
//! `--hl-lt` or `--hl-gt`, exactly one of them. The IPv4 counterpart is
//! `ttl`. The kernel has no restriction.

use crate::model::ExtensionKind;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, OptSpec, bit,
};

const O_EQ: u8 = 0;
const O_LT: u8 = 1;
const O_GT: u8 = 2;
const ANY: u32 = bit(O_EQ) | bit(O_LT) | bit(O_GT);

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("hl-lt", O_LT, ArgType::UInt8).excl(ANY),
    OptSpec::new("hl-gt", O_GT, ArgType::UInt8).excl(ANY),
    OptSpec::new("hl-eq", O_EQ, ArgType::UInt8)
        .excl(ANY)
        .invert(),
    OptSpec::new("hl", O_EQ, ArgType::UInt8).excl(ANY),
];

pub static HL: ExtensionDef = ExtensionDef {
    name: "hl",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen & ANY == 0 {
        return Err(call
            .error("`hl` needs one of `--hl-eq`, `--hl-lt` and `--hl-gt`")
            .help("for example `-m hl --hl-eq 255`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6};

    #[test]
    fn comparisons() {
        let rule = accepts6("-m hl --hl-eq 42");
        assert_eq!(
            match_named(&rule, "hl").option("hl-eq").unwrap().value,
            Value::UInt(42)
        );
        let rule = accepts6("-m hl ! --hl 42");
        assert!(match_named(&rule, "hl").option("hl-eq").unwrap().negated);
        let rule = accepts6("-m hl --hl-lt 42");
        assert_eq!(
            match_named(&rule, "hl").option("hl-lt").unwrap().value,
            Value::UInt(42)
        );
        accepts6("-m hl --hl-gt 42");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses6("-m hl", "needs one of `--hl-eq`");
        refuses6("-m hl --hl-gt 42 --hl-eq 42", "cannot be used together");
        refuses6("-m hl --hl-gt", "needs an argument");
        refuses6("-m hl --hl-eq 256", "needs a number from 0 to 255");
        refuses6("-m hl ! --hl-gt 4", "cannot be negated");
        refuses("-m hl --hl-eq 5", "exists only in ip6tables");
    }
}
