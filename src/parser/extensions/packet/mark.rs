//! `-m mark --mark value[/mask]` (libxt_mark.c): matches packets whose
//! netfilter mark, ANDed with the mask, equals the value. Both numbers are
//! 32-bit C numbers (`0x10`, `020`, `16`); the mask defaults to
//! `0xffffffff`. The kernel accepts it in every table and chain.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("mark", 0, ArgType::MarkMask32)
    .mandatory()
    .invert()];

pub static MARK: ExtensionDef = ExtensionDef {
    name: "mark",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn marks_with_and_without_mask() {
        let rule = accepts("-m mark --mark 0xfeedcafe/0xfeedcafe -j ACCEPT");
        let mark = match_named(&rule, "mark");
        assert_eq!(
            mark.option("mark").unwrap().value,
            Value::MarkMask {
                value: 0xfeed_cafe,
                mask: 0xfeed_cafe
            }
        );
        let rule = accepts("-m mark ! --mark 4294967295");
        let option = match_named(&rule, "mark").option("mark").unwrap();
        assert!(option.negated);
        assert_eq!(
            option.value,
            Value::MarkMask {
                value: u32::MAX,
                mask: u32::MAX
            }
        );
        let rule = accepts6("-m mark --mark 010/0x0ff0");
        assert_eq!(
            match_named(&rule, "mark").option("mark").unwrap().value,
            Value::MarkMask {
                value: 8,
                mask: 0xff0
            }
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m mark --mark 4294967296", "needs `value[/mask]`");
        refuses("-m mark --mark -1", "needs `value[/mask]`");
        refuses("-m mark --mark 1/", "needs `value[/mask]`");
        refuses("-m mark --mark 08", "needs `value[/mask]`");
        refuses("-m mark", "`mark` needs `--mark`");
        refuses("-m mark --mark 1 --mark 2", "only be given once");
    }
}
