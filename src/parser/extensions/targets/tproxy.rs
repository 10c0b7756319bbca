//! `-j TPROXY` (libxt_TPROXY.c): hands the packet to a local socket
//! listening on `--on-port` (and `--on-ip`, by default the packet's
//! destination) without changing the packet, optionally marking it. The
//! packet is accepted when such a socket exists and dropped otherwise.
//!
//! The kernel accepts TPROXY only in the mangle table, in chains reached
//! from PREROUTING, and only with `-p tcp` or `-p udp` (not negated).

use crate::model::{ExtensionKind, Hook, TableKind};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptSpec, Termination,
};

const O_PORT: u8 = 0;
const O_ADDR: u8 = 1;
const O_MARK: u8 = 2;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("on-port", O_PORT, ArgType::Port).mandatory(),
    OptSpec::new("on-ip", O_ADDR, ArgType::Host),
    OptSpec::new("tproxy-mark", O_MARK, ArgType::MarkMask32),
];

pub static TPROXY: ExtensionDef = ExtensionDef {
    name: "TPROXY",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        hooks: Hook::Prerouting.bit(),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Terminal,
    ..ExtensionDef::BASE
};

/// `tproxy_tg4_check` / `tproxy_tg6_check`.
fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    if matches!(call.protocol(), Some(6 | 17)) {
        return Ok(());
    }
    Err(call
        .error("`TPROXY` works only with `-p tcp` or `-p udp`: the kernel refuses this rule")
        .help("add `-p tcp` or `-p udp` (not negated) to the rule"))
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn mangle(family: Family, rule: &str) -> crate::model::Rule {
        accepts_in(family, "mangle", "PREROUTING", rule)
    }

    #[test]
    fn ports_addresses_and_marks() {
        let rule = mangle(
            Family::V4,
            "-p tcp -m tcp --dport 2342 -j TPROXY --on-port 12345 --on-ip 10.0.0.1 --tproxy-mark 0x23/0xff",
        );
        let tproxy = target(&rule);
        assert_eq!(tproxy.option("on-port").unwrap().value, Value::Port(12345));
        assert_eq!(
            tproxy.option("on-ip").unwrap().value,
            Value::Host("10.0.0.1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            tproxy.option("tproxy-mark").unwrap().value,
            Value::MarkMask {
                value: 0x23,
                mask: 0xff
            }
        );
        let short = mangle(
            Family::V4,
            "-p udp -j TPROXY --on-port http --on-ip 10.1 --tproxy-mark 1",
        );
        assert_eq!(
            target(&short).option("on-port").unwrap().value,
            Value::Port(80)
        );
        assert_eq!(
            target(&short).option("on-ip").unwrap().value,
            Value::Host("10.0.0.1".parse::<IpAddr>().unwrap())
        );
        assert_eq!(
            target(&short).option("tproxy-mark").unwrap().value,
            Value::MarkMask {
                value: 1,
                mask: u32::MAX
            }
        );
        let v6 = mangle(
            Family::V6,
            "-p udp -j TPROXY --on-port 0 --on-ip 2001:db8::1",
        );
        assert_eq!(
            target(&v6).option("on-ip").unwrap().value,
            Value::Host("2001:db8::1".parse::<IpAddr>().unwrap())
        );
    }

    #[test]
    fn wrapped_ports_and_host_names_get_warnings() {
        let (loadable, diagnostics, _) = load(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-p tcp -j TPROXY --on-port 70000 --on-ip localhost",
        );
        assert!(loadable);
        assert!(
            diagnostics.iter().any(|d| d.message.contains("port 4464")),
            "{diagnostics:?}"
        );
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("`localhost` is a host name")),
            "{diagnostics:?}"
        );
        // What glibc's getaddrinfo makes of odd numbers.
        for (text, port) in [
            ("+5", 5),
            ("\" 5\"", 5),
            ("005", 5),
            ("\"\"", 0),
            ("4294967297", 1),
            ("-4294967295", 1),
            ("domain", 53),
        ] {
            let rule = mangle(Family::V4, &format!("-p tcp -j TPROXY --on-port {text}"));
            assert_eq!(
                target(&rule).option("on-port").unwrap().value,
                Value::Port(port),
                "{text}"
            );
        }
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuse =
            |family, rule, message| refuses_in(family, "mangle", "PREROUTING", rule, message);
        refuse(
            Family::V4,
            "-j TPROXY --on-port 1",
            "works only with `-p tcp` or `-p udp`",
        );
        refuse(
            Family::V4,
            "! -p tcp -j TPROXY --on-port 1",
            "works only with `-p tcp` or `-p udp`",
        );
        refuse(
            Family::V6,
            "-p sctp -j TPROXY --on-port 1",
            "works only with `-p tcp` or `-p udp`",
        );
        refuse(Family::V4, "-p tcp -j TPROXY", "needs `--on-port`");
        refuse(Family::V4, "-p tcp -j TPROXY --on-port 0x10", "port `0x10`");
        refuse(Family::V4, "-p tcp -j TPROXY --on-port 5x", "port `5x`");
        refuse(Family::V4, "-p tcp -j TPROXY --on-port -2", "port `-2`");
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port -99999999999999999999",
            "port `-99999999999999999999`",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port 4294967295",
            "port `4294967295`",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port 2147483648",
            "port `2147483648`",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port 99999999999999999999999",
            "port `99999999999999999999999`",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port 1 --tproxy-mark 1/2/3",
            "--tproxy-mark",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY --on-port 1 --on-ip 1.2.3.4 --on-ip 1.2.3.5",
            "only be given once",
        );
        refuse(
            Family::V4,
            "-p tcp -j TPROXY ! --on-port 1",
            "cannot be negated",
        );
        refuse(
            Family::V6,
            "-p udp -j TPROXY --on-port 1 --on-ip 1.2.3.4",
            "not an IPv6 address",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "INPUT",
            "-p tcp -j TPROXY --on-port 1",
            "works only in chains reached from PREROUTING",
        );
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-p tcp -j TPROXY --on-port 1",
            "works only in the mangle table",
        );
    }
}
