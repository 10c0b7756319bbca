//! `-m udp` (libxt_udp.c): source and destination ports. `-p udp` loads it
//! by itself when one of its options follows. The kernel accepts it only
//! with `-p udp` (not negated), in every table and chain.
//!
//! Ports are `XTTYPE_PORTRC`: glibc reads a decimal number and keeps its
//! low 16 bits (`65536` is port 0), or a service name of any protocol; hex
//! is not a number here (`0x16` is refused). A reversed range is accepted
//! and matches no port.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, KernelReqs, OptSpec};

const O_SPORT: u8 = 0;
const O_DPORT: u8 = 1;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("sport", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("source-port", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("dport", O_DPORT, ArgType::PortRange).invert(),
    OptSpec::new("destination-port", O_DPORT, ArgType::PortRange).invert(),
];

pub static UDP: ExtensionDef = ExtensionDef {
    name: "udp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    kernel: KernelReqs {
        proto: Some(17),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::{Family, PortRange, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    fn dport(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "udp")
            .option("dport")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn ports_as_glibc_reads_them() {
        let range = |first, last| Value::PortRange(PortRange { first, last });
        assert_eq!(dport("-p udp --dport 53 -j ACCEPT"), range(53, 53));
        assert_eq!(
            dport("-p udp -m udp --destination-port domain -j ACCEPT"),
            range(53, 53)
        );
        assert_eq!(dport("-p udp --dport +22 -j ACCEPT"), range(22, 22));
        assert_eq!(dport("-p udp --dport \" 22\" -j ACCEPT"), range(22, 22));
        assert_eq!(dport("-p udp --dport ssh:http -j ACCEPT"), range(22, 80));
        assert_eq!(dport("-p udp --dport 1: -j ACCEPT"), range(1, 65535));
        assert_eq!(dport("-p udp --dport : -j ACCEPT"), range(0, 65535));
        assert_eq!(dport("-p udp --dport \"\" -j ACCEPT"), range(0, 0));
        assert_eq!(dport("-p udp --dport 65536 -j ACCEPT"), range(0, 0));
        assert_eq!(dport("-p udp --dport 4294967318 -j ACCEPT"), range(22, 22));
        assert_eq!(
            dport("-p udp --dport 2000:1000 -j ACCEPT"),
            range(2000, 1000)
        );
        let rule = accepts6("-p udp ! --sport 7 -j ACCEPT");
        assert!(match_named(&rule, "udp").option("sport").unwrap().negated);
    }

    #[test]
    fn wrapped_and_reversed_ports_are_reported() {
        let found = warnings(Family::V4, "-p udp --dport 65536 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("this is port 0")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p udp --dport 2000:1000 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("matches no port")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p udp --dport 1000:2000 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p udp --dport 0x16 -j ACCEPT",
            "neither a number nor a known service",
        );
        refuses(
            "-p udp --dport -1 -j ACCEPT",
            "neither a number nor a known service",
        );
        refuses(
            "-p udp --dport 2147483648 -j ACCEPT",
            "neither a number nor a known service",
        );
        refuses(
            "-p udp --dport rtmp -j ACCEPT",
            "neither a number nor a known service",
        );
        refuses(
            "-p udp --dport 1:2:3 -j ACCEPT",
            "takes `port` or `first:last`",
        );
        refuses(
            "-p udp --dport 1 --dport 2 -j ACCEPT",
            "can only be given once",
        );
        refuses("-m udp --dport 53 -j ACCEPT", "works only with `-p udp`");
        refuses6(
            "-p tcp -m udp --dport 53 -j ACCEPT",
            "works only with `-p udp`",
        );
    }
}
