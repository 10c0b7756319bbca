//! `-m quota` (libxt_quota.c): matches until the rule has seen a number of
//! bytes, `[!] --quota BYTES` (a 64-bit number, mandatory). The kernel
//! accepts it in every table and chain.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("quota", 0, ArgType::UInt64)
    .mandatory()
    .invert()];

pub static QUOTA: ExtensionDef = ExtensionDef {
    name: "quota",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn quotas() {
        let rule = accepts("-m quota ! --quota 18446744073709551615 -j DROP");
        let quota = match_named(&rule, "quota").option("quota").unwrap();
        assert!(quota.negated);
        assert_eq!(quota.value, Value::UInt(u64::MAX));
        let rule = accepts6("-m quota --quota 0x10");
        assert_eq!(
            match_named(&rule, "quota").option("quota").unwrap().value,
            Value::UInt(16)
        );
        refuses("-m quota --quota 18446744073709551616", "--quota");
        refuses("-m quota --quota -1", "--quota");
        refuses("-m quota", "needs `--quota`");
    }
}
