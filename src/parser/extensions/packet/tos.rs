//! `-m tos --tos value[/mask]` (libxt_tos.c, revision 1): matches the IPv4
//! TOS byte or the IPv6 traffic class, ANDed with the mask. A number without
//! a mask compares all 8 bits (`/0xff`); the symbolic names
//! (`Minimize-Delay`, `Maximize-Throughput`, `Maximize-Reliability`,
//! `Minimize-Cost`, `Normal-Service`, in any case) compare only the 6 bits
//! of the old TOS field (`/0x3f`). The kernel has no restriction.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, OptSpec};

// `max` is the mask the symbolic names get, as in libxt_tos.c.
static OPTIONS: [OptSpec; 1] = [OptSpec::new("tos", 1, ArgType::TosMask)
    .invert()
    .mandatory()
    .max(0x3f)];

pub static TOS: ExtensionDef = ExtensionDef {
    name: "tos",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    fn tos(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "tos")
            .option("tos")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn names_get_the_six_bit_mask_and_numbers_the_full_one() {
        assert_eq!(
            tos("-m tos --tos Minimize-Delay"),
            Value::TosMask {
                value: 0x10,
                mask: 0x3f
            }
        );
        assert_eq!(
            tos("-m tos --tos minimize-cost"),
            Value::TosMask {
                value: 0x02,
                mask: 0x3f
            }
        );
        assert_eq!(
            tos("-m tos --tos Normal-Service"),
            Value::TosMask {
                value: 0,
                mask: 0x3f
            }
        );
        assert_eq!(
            tos("-m tos --tos 0x0f"),
            Value::TosMask {
                value: 0x0f,
                mask: 0xff
            }
        );
        assert_eq!(
            tos("-m tos --tos 0x0f/0x0f"),
            Value::TosMask {
                value: 0x0f,
                mask: 0x0f
            }
        );
        assert_eq!(
            tos("-m tos --tos 020/0377"),
            Value::TosMask {
                value: 0x10,
                mask: 0xff
            }
        );
        let rule = accepts6("-m tos ! --tos 0xff");
        assert!(match_named(&rule, "tos").option("tos").unwrap().negated);
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m tos --tos wrong", "symbolic TOS name `wrong` is unknown");
        refuses("-m tos --tos 256", "symbolic TOS name `256` is unknown");
        refuses("-m tos --tos 0x10/0x100", "illegal value");
        refuses("-m tos --tos 0x10/", "illegal value");
        refuses("-m tos", "`tos` needs `--tos`");
    }
}
