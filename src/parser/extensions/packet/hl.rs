//! `-m hl` (libip6t_hl.c, IPv6 only): compares the IPv6 hop limit with an
//! 8-bit number: `--hl-eq` (or `--hl`; negated, it means "not equal"),
//! `--hl-lt` or `--hl-gt`, exactly one of them. It is the IPv6 counterpart
//! of `ttl` and shares its definition (see [`super::ttl`]). The kernel has
//! no restriction.

use super::ttl;
use crate::parser::extensions::{ExtensionDef, Families, OptSpec};

static OPTIONS: [OptSpec; 4] = ttl::options("hl-eq", "hl-lt", "hl-gt", "hl");

pub static HL: ExtensionDef = ttl::definition("hl", Families::V6, &OPTIONS);

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
        refuses6("-m hl", "needs one of `--hl-lt`, `--hl-gt` or `--hl-eq`");
        refuses6("-m hl --hl-gt 42 --hl-eq 42", "cannot be used together");
        refuses6("-m hl --hl-gt", "needs an argument");
        refuses6("-m hl --hl-eq 256", "needs a number from 0 to 255");
        refuses6("-m hl ! --hl-gt 4", "cannot be negated");
        refuses("-m hl --hl-eq 5", "exists only in ip6tables");
    }
}
