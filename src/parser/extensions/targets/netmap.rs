//! `-j NETMAP --to addr[/mask]` (libipt_NETMAP.c and libip6t_NETMAP.c,
//! which differ only in the address family): maps a whole network onto
//! another one of the same size, keeping the host part. In the PREROUTING
//! and OUTPUT chains it rewrites the destination, in POSTROUTING and INPUT
//! the source. The kernel accepts it only in the nat table.
//!
//! The value is the target network, its address masked as iptables does.

use std::net::{IpAddr, Ipv6Addr};

use crate::model::{AddrMask, ExtensionKind, Family, Hook, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};
use crate::parser::values;

use super::{hooks, inet_aton, lookup_host, part_error};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("to", 0, ArgType::HostMask).mandatory()];

pub static NETMAP: ExtensionDef = ExtensionDef {
    name: "NETMAP",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        table: Some(TableKind::Nat),
        hooks: hooks(&[
            Hook::Prerouting,
            Hook::Input,
            Hook::Output,
            Hook::Postrouting,
        ]),
        ..KernelReqs::NONE
    },
    termination: Termination::Terminal,
    ..ExtensionDef::BASE
};

/// `xtopt_parse_hostmask`: a host as `getaddrinfo` reads it, then after the
/// first `/` a prefix length, or a mask in address form. A mask with holes
/// (or a number beyond the prefix length, read as an address: `/33` is
/// `0.0.0.33`) becomes a full-length mask, as in iptables.
fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let (host_text, mask_text) = match text.split_once('/') {
        Some((host, mask)) => (host, Some(mask)),
        None => (text, None),
    };
    let addr = lookup_host(call, host_text)?.addr(family);
    let width: u8 = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let prefix = match mask_text {
        None => width,
        Some(mask_text) => parse_mask(call, mask_text, width)?,
    };
    let mask = mask_of(family, prefix);
    Ok(Value::HostMask(AddrMask {
        addr: masked(addr, mask),
        mask,
    }))
}

fn parse_mask(call: &mut OptCall<'_, '_>, text: &str, width: u8) -> Result<u8, ExtError> {
    if let Some(length) = values::parse_uint(text, 0, u64::from(width)) {
        return Ok(u8::try_from(length).unwrap_or(width));
    }
    let mask = match call.rule.family {
        Family::V4 => inet_aton(text).map(IpAddr::V4),
        Family::V6 => text.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    };
    let Some(mask) = mask else {
        return Err(part_error(
            call,
            text,
            format!("`{text}` is neither a prefix length from 0 to {width} nor a network mask"),
        )
        .help("write the network as `address/length`, such as `10.0.0.0/24`"));
    };
    Ok(match (AddrMask { addr: mask, mask }).prefix_len() {
        Some(length) => length,
        None => {
            call.warn(format!(
                "mask `{text}` is not a prefix: iptables maps single addresses (`/{width}`) instead"
            ));
            width
        }
    })
}

fn mask_of(family: Family, prefix: u8) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(
            u32::MAX
                .checked_shl(32 - u32::from(prefix))
                .unwrap_or(0)
                .into(),
        ),
        Family::V6 => IpAddr::V6(
            u128::MAX
                .checked_shl(128 - u32::from(prefix))
                .unwrap_or(0)
                .into(),
        ),
    }
}

fn masked(addr: IpAddr, mask: IpAddr) -> IpAddr {
    match (addr, mask) {
        (IpAddr::V4(addr), IpAddr::V4(mask)) => {
            IpAddr::V4((u32::from(addr) & u32::from(mask)).into())
        }
        (IpAddr::V6(addr), IpAddr::V6(mask)) => {
            IpAddr::V6((u128::from(addr) & u128::from(mask)).into())
        }
        (addr, _) => addr,
    }
}

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
            Value::HostMask(net) => *net,
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
