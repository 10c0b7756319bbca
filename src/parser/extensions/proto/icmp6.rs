//! `-m icmp6` (libip6t_icmp6.c, IPv6 only): the ICMPv6 type and code.
//! `-m icmpv6` and `-m ipv6-icmp` name the same match, and `-p icmpv6`,
//! `-p ipv6-icmp` or `-p 58` load it by themselves when `--icmpv6-type`
//! follows. `--icmpv6-type` must be given. The kernel accepts the match only
//! with `-p icmpv6` (58, not negated), in every table and chain.
//!
//! The type is read as for `icmp` (see [`super::icmp`]) with the ICMPv6
//! names of iptables 1.8.9, which has no `any` and no MLD names: type 255
//! is the real type 255 here.

use super::icmp::{IcmpName, definition, entry, options, parse_icmp_type};
use crate::model::Value;
use crate::parser::extensions::{ExtError, ExtensionDef, Families, OptCall, OptSpec};

/// `icmpv6_codes` of iptables 1.8.9, in its order.
pub static ICMPV6_NAMES: [IcmpName; 28] = [
    entry("destination-unreachable", 1, 0, 0xff),
    entry("no-route", 1, 0, 0),
    entry("communication-prohibited", 1, 1, 1),
    entry("beyond-scope", 1, 2, 2),
    entry("address-unreachable", 1, 3, 3),
    entry("port-unreachable", 1, 4, 4),
    entry("failed-policy", 1, 5, 5),
    entry("reject-route", 1, 6, 6),
    entry("packet-too-big", 2, 0, 0xff),
    entry("time-exceeded", 3, 0, 0xff),
    entry("ttl-exceeded", 3, 0, 0xff),
    entry("ttl-zero-during-transit", 3, 0, 0),
    entry("ttl-zero-during-reassembly", 3, 1, 1),
    entry("parameter-problem", 4, 0, 0xff),
    entry("bad-header", 4, 0, 0),
    entry("unknown-header-type", 4, 1, 1),
    entry("unknown-option", 4, 2, 2),
    entry("echo-request", 128, 0, 0xff),
    entry("ping", 128, 0, 0xff),
    entry("echo-reply", 129, 0, 0xff),
    entry("pong", 129, 0, 0xff),
    entry("router-solicitation", 133, 0, 0xff),
    entry("router-advertisement", 134, 0, 0xff),
    entry("neighbour-solicitation", 135, 0, 0xff),
    entry("neighbor-solicitation", 135, 0, 0xff),
    entry("neighbour-advertisement", 136, 0, 0xff),
    entry("neighbor-advertisement", 136, 0, 0xff),
    entry("redirect", 137, 0, 0xff),
];

static OPTIONS: [OptSpec; 1] = options("icmpv6-type");

pub static ICMP6: ExtensionDef = definition("icmp6", Families::V6, &OPTIONS, parse, 58);

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_icmp_type(call, &ICMPV6_NAMES, "ICMPv6").map(Value::Icmp)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, IcmpType, Value};
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6, warnings};

    fn icmp6(rule: &str) -> IcmpType {
        let rule = accepts6(rule);
        match match_named(&rule, "icmp6")
            .option("icmpv6-type")
            .unwrap()
            .value
        {
            Value::Icmp(icmp) => icmp,
            ref other => panic!("not an ICMPv6 type: {other:?}"),
        }
    }

    fn typed(kind: u8, code_min: u8, code_max: u8) -> IcmpType {
        IcmpType {
            kind,
            code_min,
            code_max,
        }
    }

    #[test]
    fn names_numbers_and_aliases() {
        assert_eq!(
            icmp6("-p ipv6-icmp -m icmp6 --icmpv6-type 1/0 -j ACCEPT"),
            typed(1, 0, 0)
        );
        assert_eq!(
            icmp6("-p icmpv6 -m icmpv6 --icmpv6-type 2 -j ACCEPT"),
            typed(2, 0, 255)
        );
        assert_eq!(
            icmp6("-p icmpv6 -m ipv6-icmp --icmpv6-type neighbor-s -j ACCEPT"),
            typed(135, 0, 255)
        );
        assert_eq!(
            icmp6("-p 58 -m icmp6 --icmpv6-type ECHO-REQUEST -j ACCEPT"),
            typed(128, 0, 255)
        );
        assert_eq!(
            icmp6("-p icmpv6 -m icmp6 --icmpv6-type 1:1/3 -j ACCEPT"),
            typed(1, 3, 3)
        );
        assert_eq!(
            icmp6("-p icmpv6 -m icmp6 --icmpv6-type 255 -j ACCEPT"),
            typed(255, 0, 255)
        );
        let rule = accepts6("-p icmpv6 -m icmp6 ! --icmpv6-type no-route -j ACCEPT");
        assert!(
            match_named(&rule, "icmp6")
                .option("icmpv6-type")
                .unwrap()
                .negated
        );
    }

    // ip6tables 1.8.9 loads the match for these three; fwlint's implicit
    // loading (`load_proto` in command.rs) does not map the aliases yet.
    #[test]
    fn protocol_loads_the_match() {
        for protocol in ["icmpv6", "ipv6-icmp", "58"] {
            let rule = accepts6(&format!("-p {protocol} --icmpv6-type 1 -j ACCEPT"));
            assert!(match_named(&rule, "icmp6").implicit);
        }
    }

    #[test]
    fn reversed_codes_are_reported() {
        let found = warnings(
            Family::V6,
            "-p icmpv6 -m icmp6 --icmpv6-type 255/2:1 -j ACCEPT",
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches no ICMPv6 packet of type 255")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6(
            "-p icmpv6 -m icmp6 --icmpv6-type any -j ACCEPT",
            "unknown ICMPv6 type `any`",
        );
        refuses6(
            "-p icmpv6 -m icmp6 --icmpv6-type mld-listener-query -j ACCEPT",
            "unknown ICMPv6 type",
        );
        refuses6(
            "-p icmpv6 -m icmp6 --icmpv6-type neighbo -j ACCEPT",
            "could be `neighbour-solicitation` or `neighbor-solicitation`",
        );
        refuses6(
            "-p ipv6-icmp -m icmp6 --icmpv6-type no-route --icmpv6-type packet-too-big -j ACCEPT",
            "can only be given once",
        );
        refuses6("-p icmpv6 -m icmp6 -j ACCEPT", "needs `--icmpv6-type`");
        refuses6(
            "-m icmpv6 --icmpv6-type 1 -j ACCEPT",
            "works only with `-p ipv6-icmp`",
        );
        refuses6(
            "-p icmp -m icmp6 --icmpv6-type 1 -j ACCEPT",
            "works only with `-p ipv6-icmp`",
        );
        refuses(
            "-p icmp -m icmp6 --icmpv6-type 1 -j ACCEPT",
            "exists only in ip6tables",
        );
    }
}
