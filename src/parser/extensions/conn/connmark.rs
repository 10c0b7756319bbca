//! `-m connmark` (libxt_connmark.c): matches the mark of the packet's
//! connection, `[!] --mark value[/mask]` (32-bit numbers, the mask all ones
//! by default). The kernel needs connection tracking and accepts it in every
//! table and chain.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("mark", 0, ArgType::MarkMask32)
    .mandatory()
    .invert()];

pub static CONNMARK: ExtensionDef = ExtensionDef {
    name: "connmark",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn marks_with_masks() {
        let rule = accepts("-m connmark ! --mark 0x10/0xf0 -j ACCEPT");
        let mark = match_named(&rule, "connmark").option("mark").unwrap();
        assert!(mark.negated);
        assert_eq!(
            mark.value,
            Value::MarkMask {
                value: 0x10,
                mask: 0xf0
            }
        );
        let rule = accepts6("-m connmark --mark 7");
        assert_eq!(
            match_named(&rule, "connmark").option("mark").unwrap().value,
            Value::MarkMask {
                value: 7,
                mask: u32::MAX
            }
        );
        accepts("-m connmark --mark 0xffffffff/0x0");
    }

    #[test]
    fn refuses_bad_marks() {
        refuses("-m connmark --mark -1", "--mark");
        refuses("-m connmark --mark 0xfffffffff", "--mark");
        refuses("-m connmark --mark 1/2/3", "--mark");
        refuses("-m connmark", "needs `--mark`");
    }
}
