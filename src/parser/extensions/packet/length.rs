//! `-m length --length min[:max]` (libxt_length.c): matches the length of
//! the layer-3 packet (IPv4: the whole packet; IPv6: the payload plus the
//! header). Both ends are 16-bit C numbers; an empty first end is 0 and an
//! empty last end 65535. iptables 1.8.9 and the kernel accept a reversed
//! range, which matches nothing. The kernel has no restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec, generic};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("length", 0, ArgType::UInt16Range)
    .mandatory()
    .invert()];

pub static LENGTH: ExtensionDef = ExtensionDef {
    name: "length",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    generic::int_range(call, "packet")
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    fn length(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "length")
            .option("length")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn ranges_with_default_ends() {
        assert_eq!(length("-m length --length 1"), Value::Range(1, 1));
        assert_eq!(length("-m length --length :2"), Value::Range(0, 2));
        assert_eq!(length("-m length --length 4:"), Value::Range(4, 65535));
        assert_eq!(length("-m length --length :"), Value::Range(0, 65535));
        assert_eq!(length("-m length --length 0x10:020"), Value::Range(16, 16));
        let rule = accepts6("-m length ! --length 0:65535");
        assert!(
            match_named(&rule, "length")
                .option("length")
                .unwrap()
                .negated
        );
    }

    #[test]
    fn reversed_ranges_load_with_a_warning() {
        assert_eq!(length("-m length --length 4:3"), Value::Range(4, 3));
        let found = warnings(Family::V4, "-m length --length 4:3");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches no packet")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-m length --length 3:4").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m length --length 0:65536",
            "needs numbers from 0 to 65535",
        );
        refuses(
            "-m length --length -1:65535",
            "needs numbers from 0 to 65535",
        );
        refuses("-m length --length 1:2:3", "too many parts");
        refuses("-m length --length ::", "too many parts");
        refuses("-m length --length 5x", "unexpected characters");
        refuses("-m length", "`length` needs `--length`");
    }
}
