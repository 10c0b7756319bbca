//! `-j NETMAP --to addr[/mask]` (libipt_NETMAP.c and libip6t_NETMAP.c,
//! which differ only in the address family): maps a whole network onto
//! another one of the same size, keeping the host part. In the PREROUTING
//! and OUTPUT chains it rewrites the destination, in POSTROUTING and INPUT
//! the source. The kernel accepts it only in the nat table.
//!
//! The value is the target network, its address masked as iptables does;
//! a mask whose bits are not contiguous silently becomes the full width
//! (a warning).

use crate::model::{ExtensionKind, Hook, TableKind};
use crate::parser::extensions::{ArgType, ExtensionDef, KernelReqs, OptSpec, Termination};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("to", 0, ArgType::HostMask).mandatory()];

pub static NETMAP: ExtensionDef = ExtensionDef {
    name: "NETMAP",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    kernel: KernelReqs {
        table: Some(TableKind::Nat),
        hooks: Hook::Prerouting.bit()
            | Hook::Input.bit()
            | Hook::Output.bit()
            | Hook::Postrouting.bit(),
        ..KernelReqs::NONE
    },
    termination: Termination::Terminal,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::{AddrMask, Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn to(family: Family, chain: &str, rule: &str) -> AddrMask {
        match &target(&accepts_in(family, "nat", chain, rule))
            .option("to")
            .unwrap()
            .value
        {
            Value::HostMask(net) => **net,
            other => panic!("not a network: {other:?}"),
        }
    }

    #[test]
    fn maps_networks_in_every_nat_chain() {
        for chain in ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"] {
            let net = to(Family::V4, chain, "-j NETMAP --to 1.2.3.0/24");
            assert_eq!(net.addr, "1.2.3.0".parse::<std::net::IpAddr>().unwrap());
            assert_eq!(net.prefix_len(), Some(24));
        }
        let host = to(Family::V4, "PREROUTING", "-j NETMAP --to 1.2.3.4");
        assert_eq!(host.prefix_len(), Some(32));
        let masked = to(Family::V6, "POSTROUTING", "-j NETMAP --to dead::beef/64");
        assert_eq!(masked.addr, "dead::".parse::<std::net::IpAddr>().unwrap());
        assert_eq!(
            to(Family::V6, "INPUT", "-j NETMAP --to dead::beef").prefix_len(),
            Some(128)
        );
        // iptables' own readings of odd masks.
        assert_eq!(
            to(Family::V4, "OUTPUT", "-j NETMAP --to 1.2.3.0/33").prefix_len(),
            Some(32)
        );
        assert_eq!(
            to(Family::V4, "OUTPUT", "-j NETMAP --to 1.2.3.4/255.255.0.255").prefix_len(),
            Some(32)
        );
        assert_eq!(
            to(Family::V4, "OUTPUT", "-j NETMAP --to 1.2.3.4/0xffffff00").prefix_len(),
            Some(24)
        );
        assert_eq!(
            to(Family::V4, "OUTPUT", "-j NETMAP --to 0/0").prefix_len(),
            Some(0)
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses_in(Family::V4, "nat", "PREROUTING", "-j NETMAP", "needs `--to`");
        refuses_in(
            Family::V4,
            "nat",
            "PREROUTING",
            "-j NETMAP --to 1.2.3.0/x",
            "neither a prefix length",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j NETMAP --to 1.2.3.0/24",
            "works only in the nat table",
        );
        refuses_in(
            Family::V6,
            "nat",
            "PREROUTING",
            "-j NETMAP --to 1.2.3.0/24",
            "not an IPv6 address",
        );
    }
}
