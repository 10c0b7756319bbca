//! `-m cpu` (libxt_cpu.c): matches the number of the CPU handling the
//! packet, `[!] --cpu N` (32 bits, mandatory). The kernel accepts any
//! number, in every table and chain.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("cpu", 0, ArgType::UInt32).mandatory().invert()];

pub static CPU: ExtensionDef = ExtensionDef {
    name: "cpu",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn cpu_numbers() {
        let rule = accepts("-m cpu ! --cpu 0 -j ACCEPT");
        let cpu = match_named(&rule, "cpu").option("cpu").unwrap();
        assert!(cpu.negated);
        assert_eq!(cpu.value, Value::UInt(0));
        accepts6("-m cpu --cpu 4294967295");
        refuses("-m cpu --cpu 4294967296", "--cpu");
        refuses("-m cpu --cpu -0", "--cpu");
        refuses("-m cpu", "needs `--cpu`");
    }
}
