//! `-j REJECT` for IPv6 (libip6t_REJECT.c): drops the packet and answers
//! with an ICMPv6 error or a TCP reset. The types, their aliases and the
//! prefix matching are those of the IPv4 target (see [`super::reject`],
//! which defines both) with the ICMPv6 names. The kernel's rules are the
//! same: filter table only, chains reached from INPUT, FORWARD and OUTPUT,
//! `tcp-reset` only with `-p tcp`.

use super::reject::{RejectType, definition, parse_type, ty};
use crate::model::Value;
use crate::parser::extensions::{ExtError, ExtensionDef, Families, OptCall};

/// The IPv6 types in the order of ip6tables' table.
static TYPES: [RejectType; 7] = [
    ty("icmp6-no-route", "no-route"),
    ty("icmp6-adm-prohibited", "adm-prohibited"),
    ty("icmp6-addr-unreachable", "addr-unreach"),
    ty("icmp6-port-unreachable", "port-unreach"),
    ty("tcp-reset", "tcp-reset"),
    ty("icmp6-policy-fail", "policy-fail"),
    ty("icmp6-reject-route", "reject-route"),
];

pub static REJECT6: ExtensionDef = definition(Families::V6, parse);

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_type(call, &TYPES, false)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts6, refuses_in, refuses6, target, warnings};

    fn reject_with(rule: &str) -> Value {
        target(&accepts6(rule))
            .option("reject-with")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn types_aliases_and_prefixes() {
        for name in [
            "icmp6-no-route",
            "icmp6-adm-prohibited",
            "icmp6-addr-unreachable",
            "icmp6-port-unreachable",
            "icmp6-policy-fail",
            "icmp6-reject-route",
        ] {
            assert_eq!(
                reject_with(&format!("-j REJECT --reject-with {name}")),
                Value::Symbol(name.into())
            );
        }
        assert_eq!(
            reject_with("-p tcp -j REJECT --reject-with tcp-reset"),
            Value::Symbol("tcp-reset".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with adm"),
            Value::Symbol("icmp6-adm-prohibited".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with policy"),
            Value::Symbol("icmp6-policy-fail".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with addr-unreach"),
            Value::Symbol("icmp6-addr-unreachable".into())
        );
        assert!(target(&accepts6("-j REJECT")).options.is_empty());
        let found = warnings(Family::V6, "-j REJECT --reject-with icmp6");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("iptables takes `icmp6-no-route`")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses6(
            "-j REJECT --reject-with icmp-port-unreachable",
            "unknown reject type",
        );
        refuses6(
            "-j REJECT --reject-with not-neighbor",
            "unknown reject type",
        );
        refuses6(
            "-j REJECT --reject-with tcp-reset",
            "works only with `-p tcp`",
        );
        refuses6(
            "! -p tcp -j REJECT --reject-with tcp-reset",
            "works only with `-p tcp`",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "INPUT",
            "-j REJECT",
            "works only in the filter table",
        );
    }
}
