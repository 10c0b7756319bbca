//! `-j HL` (libip6t_HL.c, IPv6 only): sets, increments or decrements the
//! hop limit. Exactly one of `--hl-set` (0-255), `--hl-inc` and
//! `--hl-dec` (1-255) is required; the value is the number. The kernel
//! stops at 0 and 255 rather than wrapping, and accepts HL only in the
//! mangle table. It is the IPv6 counterpart of `TTL` and shares its
//! definition (see [`super::ttl`]).

use super::ttl;
use crate::parser::extensions::{ExtensionDef, Families, OptSpec};

static OPTIONS: [OptSpec; 3] = ttl::options("hl-set", "hl-dec", "hl-inc");

pub static HL: ExtensionDef = ttl::definition("HL", Families::V6, &OPTIONS);

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn set_increment_decrement() {
        let rule = accepts_in(Family::V6, "mangle", "PREROUTING", "-j HL --hl-set 42");
        assert_eq!(
            target(&rule).option("hl-set").unwrap().value,
            Value::UInt(42)
        );
        let rule = accepts_in(Family::V6, "mangle", "POSTROUTING", "-j HL --hl-dec 0x1");
        assert_eq!(
            target(&rule).option("hl-dec").unwrap().value,
            Value::UInt(1)
        );
        accepts_in(Family::V6, "mangle", "FORWARD", "-j HL --hl-inc 255");
        accepts_in(Family::V6, "mangle", "INPUT", "-j HL --hl-set 0");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V6, "mangle", "INPUT", rule, expected);
        refuses("-j HL", "needs one of `--hl-set`, `--hl-dec` or `--hl-inc`");
        refuses("-j HL --hl-set 256", "from 0 to 255");
        refuses("-j HL --hl-inc 0", "from 1 to 255");
        refuses("-j HL --hl-dec 0", "from 1 to 255");
        refuses("-j HL --hl-dec 1 --hl-inc 1", "cannot be used together");
        refuses("-j HL --hl-set --hl-inc 1", "from 0 to 255");
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j HL --hl-set 1",
            "only in the mangle table",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "INPUT",
            "-j HL --hl-set 1",
            "exists only in ip6tables",
        );
    }
}
