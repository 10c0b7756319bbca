//! `-j AUDIT --type accept|drop|reject` (libxt_AUDIT.c): writes an audit
//! record about the packet, labelled with the given action, and goes on
//! with the next rule (the label decides nothing). The type is read without
//! regard to case. The kernel accepts AUDIT in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec, Termination};

const TYPES: [&str; 3] = ["accept", "drop", "reject"];

static OPTIONS: [OptSpec; 1] = [OptSpec::new("type", 0, ArgType::String).mandatory()];

pub static AUDIT: ExtensionDef = ExtensionDef {
    name: "AUDIT",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    call.symbol(&TYPES, true)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts_in, refuses, refuses6, target};

    #[test]
    fn types() {
        for name in ["accept", "drop", "reject"] {
            let rule = accepts(&format!("-j AUDIT --type {name}"));
            assert_eq!(
                target(&rule).option("type").unwrap().value,
                Value::Symbol(name.into())
            );
        }
        let upper = accepts("-j AUDIT --type ACCEPT");
        assert_eq!(
            target(&upper).option("type").unwrap().value,
            Value::Symbol("accept".into())
        );
        accepts_in(Family::V4, "nat", "PREROUTING", "-j AUDIT --type drop");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j AUDIT", "needs `--type`");
        refuses(
            "-j AUDIT --type wrong",
            "unknown value `wrong` for `--type`",
        );
        refuses("-j AUDIT --type acc", "unknown value `acc`");
        refuses6(r#"-j AUDIT --type """#, "unknown value ``");
        refuses("-j AUDIT --type drop --type drop", "only be given once");
    }
}
