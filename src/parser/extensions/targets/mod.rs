//! Targets that decide or observe a packet's fate: the standard verdicts,
//! REJECT, logging, queueing, NAT, and connection-tracking targets.

mod audit;
mod ct;
mod log;
mod nat;
mod netmap;
mod nflog;
mod nfqueue;
mod reject;
mod reject6;
mod standard;
mod synproxy;
mod tee;
mod tproxy;
mod trace;
mod ulog;

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::{ExtError, ExtensionDef, OptCall};
use crate::model::{Family, Hook};
use crate::parser::values;

pub static DEFS: &[&ExtensionDef] = &[
    &standard::STANDARD,
    &log::LOG,
    &nflog::NFLOG,
    &ulog::ULOG,
    &reject::REJECT,
    &reject6::REJECT6,
    &nat::SNAT,
    &nat::DNAT,
    &nat::MASQUERADE,
    &nat::REDIRECT,
    &netmap::NETMAP,
    &ct::CT,
    &ct::NOTRACK,
    &tproxy::TPROXY,
    &tee::TEE,
    &synproxy::SYNPROXY,
    &nfqueue::NFQUEUE,
    &trace::TRACE,
    &audit::AUDIT,
];

/// A hook mask for [`super::KernelReqs::hooks`].
const fn hooks(list: &[Hook]) -> u8 {
    let mut mask = 0;
    let mut index = 0;
    while index < list.len() {
        mask |= 1 << (list[index] as u8);
        index += 1;
    }
    mask
}

/// The text an option copies into a fixed-size field of `size` bytes
/// (`XTOPT_PUT` strings): iptables keeps the first `size - 1` bytes and
/// drops the rest silently, so a longer argument gets a warning.
fn kept_text(call: &mut OptCall<'_, '_>, size: usize) -> String {
    let text = call.arg_text();
    let keep = size - 1;
    if text.len() <= keep {
        return text.to_string();
    }
    let kept = String::from_utf8_lossy(&text.as_bytes()[..keep]).into_owned();
    let name = call.spec.name;
    call.warn(format!(
        "`--{name}` is {} bytes long: the kernel keeps only the first {keep}, `{kept}`",
        text.len()
    ));
    kept
}

/// An error about `part`, a slice of the option's argument: it points at
/// that part when the argument is written as is (not quoted), else at the
/// whole argument.
fn part_error(call: &OptCall<'_, '_>, part: &str, message: impl Into<String>) -> ExtError {
    let text = call.arg_text();
    let span = call.arg_span();
    // Both are slices of the same string, so the addresses give the offset.
    let offset = (part.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    let inside = offset <= text.len() && part.len() <= text.len() - offset;
    let at = if inside && span.len() as usize == text.len() {
        span.part(offset..offset + part.len())
    } else {
        span
    };
    ExtError::new(message).at(at)
}

/// Is `name` a prefix of `full`, ignoring ASCII case (`strncasecmp(full,
/// name, strlen(name)) == 0`)?
fn is_prefix_ignore_case(name: &str, full: &str) -> bool {
    full.len() >= name.len() && full.as_bytes()[..name.len()].eq_ignore_ascii_case(name.as_bytes())
}

/// An address as `getaddrinfo` reads it for `XTTYPE_HOST` options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Host {
    Addr(IpAddr),
    /// A host name, resolved by iptables when the rule is loaded.
    Name,
}

impl Host {
    /// The address for the model; a host name is the unspecified address,
    /// as the generic parser stores it.
    fn addr(self, family: Family) -> IpAddr {
        match (self, family) {
            (Host::Addr(addr), _) => addr,
            (Host::Name, Family::V4) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            (Host::Name, Family::V6) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }
}

/// `getaddrinfo` on one host of the rule's family: numeric forms (IPv4 as
/// `inet_aton` reads them, so `10.1` is 10.0.0.1), or a host name, which
/// gets a warning as fwlint does not resolve it.
fn lookup_host(call: &mut OptCall<'_, '_>, text: &str) -> Result<Host, ExtError> {
    match values::lookup_host(text, call.rule.family) {
        values::HostLookup::Addr(addr) => Ok(Host::Addr(addr)),
        values::HostLookup::Name => {
            call.warn(format!(
                "`{text}` is a host name: iptables resolves it once, when the rule is loaded"
            ));
            Ok(Host::Name)
        }
        values::HostLookup::Invalid => {
            let kind = match call.rule.family {
                Family::V4 => "IPv4",
                Family::V6 => "IPv6",
            };
            Err(part_error(
                call,
                text,
                format!("`{text}` is not an {kind} address"),
            ))
        }
    }
}

pub(super) use crate::parser::values::inet_aton;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_reads_c_forms() {
        let ip = |text: &str| inet_aton(text).map(|addr| addr.to_string());
        assert_eq!(ip("1.2.3.4").as_deref(), Some("1.2.3.4"));
        assert_eq!(ip("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("10.1.2").as_deref(), Some("10.1.0.2"));
        assert_eq!(ip("33").as_deref(), Some("0.0.0.33"));
        assert_eq!(ip("0xffffff00").as_deref(), Some("255.255.255.0"));
        assert_eq!(ip("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(ip("4294967295").as_deref(), Some("255.255.255.255"));
        for bad in [
            "",
            "08",
            "1.2.3.4.5",
            "256.1.1.1",
            "1.16777216",
            "1.2.3.256",
            "1.2.3.",
            " 1.2.3.4",
            "+1.2.3.4",
            "1.2.3.4 ",
            "4294967296",
            "a",
        ] {
            assert_eq!(ip(bad), None, "{bad}");
        }
    }

    #[test]
    fn every_target_says_how_it_ends_traversal() {
        use crate::parser::extensions::Termination::{Continues, Depends, Terminal};
        for def in DEFS {
            let expected = match def.name {
                "LOG" | "NFLOG" | "ULOG" | "TEE" | "CT" | "NOTRACK" | "TRACE" | "AUDIT" => {
                    Continues
                }
                "SYNPROXY" => Depends,
                _ => Terminal,
            };
            assert_eq!(def.termination, expected, "{}", def.name);
            assert_eq!(
                def.kind,
                crate::model::ExtensionKind::Target,
                "{}",
                def.name
            );
        }
    }

    #[test]
    fn hook_masks_follow_the_kernel_numbering() {
        assert_eq!(hooks(&[Hook::Prerouting]), 1);
        assert_eq!(hooks(&[Hook::Input, Hook::Forward, Hook::Output]), 0b1110);
        assert_eq!(hooks(&[Hook::Postrouting]), Hook::Postrouting.bit());
    }

    #[test]
    fn prefixes_compare_like_strncasecmp() {
        assert!(is_prefix_ignore_case("TCP", "tcp-reset"));
        assert!(is_prefix_ignore_case("", "tcp-reset"));
        assert!(!is_prefix_ignore_case("tcp-reset-x", "tcp-reset"));
        assert!(!is_prefix_ignore_case("é", "e"));
    }
}
