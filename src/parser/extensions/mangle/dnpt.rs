//! `-j DNPT` (libip6t_DNPT.c, IPv6 only): stateless IPv6-to-IPv6 network
//! prefix translation (RFC 6296) of destination addresses; `SNPT` (see
//! [`super::snpt`]) is its counterpart for source addresses. Both
//! `--src-pfx` and `--dst-pfx` are mandatory: an address with an optional
//! `/length` or `/mask`, stored as [`Value::HostMask`] with the address as
//! written (host bits included, since the kernel checks them).
//!
//! The kernel accepts the NPT targets only in the mangle table, DNPT in
//! chains reached from PREROUTING and OUTPUT, and refuses prefixes longer
//! than 64 bits or with bits set after the prefix (`dead::1/64`); an
//! address without a length is a /128 prefix, refused too.

use std::net::{IpAddr, Ipv6Addr};

use crate::model::{AddrMask, ExtensionKind, Family, Hook, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelCall, KernelReqs, OptCall, OptSpec,
    Termination,
};
use crate::parser::values;

use crate::parser::extensions::generic;

// iptables uses the flag values 1 and 2 as ids.
const O_SRC_PFX: u8 = 1;
const O_DST_PFX: u8 = 2;

/// The longest prefix the kernel translates.
const MAX_PREFIX: u8 = 64;

pub(crate) static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("src-pfx", O_SRC_PFX, ArgType::HostMask).mandatory(),
    OptSpec::new("dst-pfx", O_DST_PFX, ArgType::HostMask).mandatory(),
];

pub static DNPT: ExtensionDef = ExtensionDef {
    name: "DNPT",
    kind: ExtensionKind::Target,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse_prefix),
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        hooks: Hook::Prerouting.bit() | Hook::Output.bit(),
        check: Some(check_prefixes),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// `xtopt_parse_hostmask` for IPv6: `address[/length-or-mask]`, split at
/// the first `/`. Unlike the generic parser, the address keeps its host
/// bits and a mask that is not contiguous is kept as written, as iptables
/// hands both to the kernel (which then refuses them).
pub(crate) fn parse_prefix(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let name = call.spec.name;
    let (host, length) = match text.split_once('/') {
        Some((host, length)) => (host, Some(length)),
        None => (text, None),
    };
    let addr = generic::parse_host(call, host)?;
    let mask = match length {
        None => values::prefix_mask(128, Family::V6),
        Some(length) => match values::parse_plen(length, Family::V6) {
            Some(255) => values::numeric_address(length, Family::V6)
                .unwrap_or_else(|| values::unspecified(Family::V6)),
            Some(length) => values::prefix_mask(length, Family::V6),
            None => {
                return Err(call
                    .part_error(
                        length,
                        format!(
                            "`--{name}` needs a prefix length from 0 to 128 or a network mask after `/`, not `{length}`"
                        ),
                    )
                    .help("write the prefix as `2001:db8::/48`"));
            }
        },
    };
    Ok(Value::HostMask(Box::new(AddrMask { addr, mask })))
}

/// The kernel's `ip6t_npt_checkentry`: prefixes of at most 64 bits, with
/// no bits set after them.
pub(crate) fn check_prefixes(call: &KernelCall<'_>) -> Result<(), ExtError> {
    for option in &call.extension.options {
        let Value::HostMask(prefix) = &option.value else {
            continue;
        };
        let (IpAddr::V6(addr), IpAddr::V6(mask)) = (prefix.addr, prefix.mask) else {
            continue;
        };
        let Some(length) = prefix.prefix_len() else {
            return Err(ExtError::new(format!(
                "`--{}` has a mask whose bits are not contiguous: the kernel refuses it",
                option.name
            ))
            .at(option.span)
            .help("write the prefix with a length, as `2001:db8::/48`"));
        };
        if length > MAX_PREFIX {
            return Err(ExtError::new(format!(
                "`--{}` is a /{length} prefix: the kernel translates prefixes of at most 64 bits",
                option.name
            ))
            .at(option.span)
            .help("give the prefix length, as `2001:db8::/48`"));
        }
        let clean = Ipv6Addr::from(u128::from(addr) & u128::from(mask));
        if clean != addr {
            return Err(ExtError::new(format!(
                "`--{}` has bits set after its /{length} prefix: the kernel refuses it",
                option.name
            ))
            .at(option.span)
            .help(format!("write `{clean}/{length}`")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{AddrMask, Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn prefix(text: &str, length: u8) -> Value {
        let addr: IpAddr = text.parse().unwrap();
        let mask = crate::parser::values::prefix_mask(length, Family::V6);
        Value::HostMask(Box::new(AddrMask { addr, mask }))
    }

    fn accepts(chain: &str, rule: &str) -> crate::model::Rule {
        accepts_in(Family::V6, "mangle", chain, rule)
    }

    fn refuses(chain: &str, rule: &str, expected: &str) {
        refuses_in(Family::V6, "mangle", chain, rule, expected);
    }

    #[test]
    fn translates_prefixes() {
        let rule = accepts(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
        );
        let dnpt = target(&rule);
        assert_eq!(dnpt.option("src-pfx").unwrap().value, prefix("dead::", 64));
        assert_eq!(dnpt.option("dst-pfx").unwrap().value, prefix("1c3::", 64));
        let rule = accepts(
            "OUTPUT",
            "-j DNPT --src-pfx dead::/ffff:ffff:: --dst-pfx 1c3::/064",
        );
        assert_eq!(
            target(&rule).option("src-pfx").unwrap().value,
            prefix("dead::", 32)
        );
        assert_eq!(
            target(&rule).option("dst-pfx").unwrap().value,
            prefix("1c3::", 52)
        );
        accepts("PREROUTING", "-j DNPT --src-pfx ::/64 --dst-pfx ::/0x40");
        accepts(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/48 --dst-pfx 1c3::/64",
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("PREROUTING", "-j DNPT", "needs `--src-pfx`");
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/64",
            "needs `--dst-pfx`",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --dst-pfx dead::/64",
            "needs `--src-pfx`",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::beef --dst-pfx 1c3::/64",
            "/128 prefix",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/65 --dst-pfx 1c3::/64",
            "/65 prefix",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::1/64 --dst-pfx 1c3::/64",
            "bits set after",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/0 --dst-pfx ::/0",
            "bits set after",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/ffff:0:ffff:: --dst-pfx 1c3::/64",
            "not contiguous",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64/1",
            "prefix length from 0 to 128",
        );
        refuses(
            "PREROUTING",
            "-j DNPT --src-pfx 1.2.3.4/24 --dst-pfx 1c3::/64",
            "not an IPv6 address",
        );
        refuses(
            "INPUT",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "PREROUTING, OUTPUT",
        );
        refuses(
            "POSTROUTING",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "PREROUTING, OUTPUT",
        );
        refuses_in(
            Family::V6,
            "nat",
            "PREROUTING",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "mangle",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j DNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "exists only in ip6tables",
        );
    }
}
