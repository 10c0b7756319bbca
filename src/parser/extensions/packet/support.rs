//! Helpers shared by the extensions of this group: `value[/mask]` numbers
//! that may also be names from an iproute2 table (`devgroup`, `realm`), and
//! the hooks a rule is known to be reached from, for the kernel checks that
//! depend on an extension's options.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{AddrMask, Family, Hook, Value};
use crate::parser::extensions::{Arg, ExtError, KernelCall, OptCall};
use crate::parser::values;
use crate::source::Span;

/// An iproute2 name table (`/etc/iproute2/group`, `/etc/iproute2/rt_realms`)
/// as Debian ships it: only the names present in the default file.
pub struct NameMap {
    /// The file iptables reads the names from.
    pub file: &'static str,
    pub names: &'static [(&'static str, u32)],
}

/// `xtables_parse_val_mask` with a name map: `value[/mask]` of 32-bit C
/// numbers, or a name of the map (without a mask). Names fwlint does not
/// know are taken as defined on the machine that loads the rules: they give
/// a warning and a [`Value::Symbol`]; numbers give a [`Value::MarkMask`].
pub fn parse_val_mask_named(call: &mut OptCall<'_, '_>, map: &NameMap) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let name = call.spec.name;
    let max = u64::from(u32::MAX);
    if let Some((value, rest)) = values::parse_uint_prefix(text, 0, max) {
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        if rest.is_empty() {
            return Ok(Value::MarkMask {
                value,
                mask: u32::MAX,
            });
        }
        if let Some(mask_text) = rest.strip_prefix('/') {
            return values::parse_uint(mask_text, 0, max)
                .map(|mask| Value::MarkMask {
                    value,
                    mask: u32::try_from(mask).unwrap_or(u32::MAX),
                })
                .ok_or_else(|| {
                    call.error(format!(
                        "bad mask `{mask_text}` for `--{name}`: it needs a 32-bit number"
                    ))
                });
        }
    }
    if let Some((_, value)) = map.names.iter().find(|(known, _)| *known == text) {
        return Ok(Value::MarkMask {
            value: *value,
            mask: u32::MAX,
        });
    }
    let plausible = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'#');
    if !plausible {
        return Err(call
            .error(format!(
                "`{text}` is neither a 32-bit `value[/mask]` nor a name for `--{name}`"
            ))
            .help(format!(
                "write a number such as `0x1` or `0x1/0xf`, or a name from {}",
                map.file
            )));
    }
    call.warn(format!(
        "`{text}` is not in the default {}: iptables looks it up when the rule is loaded and fails if it is not there",
        map.file
    ));
    Ok(Value::Symbol(text.to_string()))
}

/// glibc's `inet_aton_exact`, which `getaddrinfo` uses for numeric IPv4
/// hosts: one to four parts separated by dots, each a C number (`0x` hex,
/// leading `0` octal), the last part filling the remaining bytes (`10.1` is
/// `10.0.0.1`, `1` is `0.0.0.1`); nothing else around it.
#[must_use]
pub fn inet_aton_exact(text: &str) -> Option<Ipv4Addr> {
    let mut parts: Vec<u32> = Vec::with_capacity(4);
    let mut rest = text;
    loop {
        if !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let (value, overflow, used) = values::c_strtoul(rest)?;
        if overflow || value > u64::from(u32::MAX) {
            return None;
        }
        parts.push(u32::try_from(value).ok()?);
        rest = &rest[used..];
        match rest.strip_prefix('.') {
            Some(next) => {
                if parts.len() > 3 || value > 0xff {
                    return None;
                }
                rest = next;
            }
            None => break,
        }
    }
    if !rest.is_empty() {
        return None;
    }
    let last = *parts.last()?;
    let leading = parts.len() - 1;
    let width = 32 - 8 * u32::try_from(leading).ok()?;
    if width < 32 && last >> width != 0 {
        return None;
    }
    let high = parts[..leading]
        .iter()
        .enumerate()
        .fold(0u32, |word, (index, byte)| {
            word | (byte << (24 - 8 * index))
        });
    Some(Ipv4Addr::from(high | last))
}

/// A numeric host as `getaddrinfo` reads it for `family`.
fn numeric_host(text: &str, family: Family) -> Option<IpAddr> {
    match family {
        Family::V4 => inet_aton_exact(text).map(IpAddr::V4),
        Family::V6 => text.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    }
}

/// The mask of a prefix length; `None` (a mask that is not a prefix) is the
/// full mask, as `xtopt_parse_plenmask` makes it.
fn prefix_mask(prefix: Option<u32>, family: Family) -> IpAddr {
    match family {
        Family::V4 => {
            let bits = match prefix {
                Some(0) => 0,
                Some(length @ 1..=32) => u32::MAX << (32 - length),
                _ => u32::MAX,
            };
            IpAddr::V4(Ipv4Addr::from(bits))
        }
        Family::V6 => {
            let bits = match prefix {
                Some(0) => 0,
                Some(length @ 1..=128) => u128::MAX << (128 - length),
                _ => u128::MAX,
            };
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

/// `XTTYPE_HOSTMASK` as libxtables 1.8.9 parses it (which is not how `-s`
/// does): `host[/mask]`, the host as `getaddrinfo` reads it (so `10.1` is
/// `10.0.0.1`; a name is resolved when the rule is loaded), the mask a
/// prefix length (a C number) or a numeric address; a mask that is not a
/// prefix (`255.0.255.0`, `33` read as `0.0.0.33`) becomes the full mask.
/// The value has the host bits cleared, as the kernel compares it.
pub fn parse_host_mask(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let name = call.spec.name;
    let (host, mask_text) = match text.split_once('/') {
        Some((host, mask)) => (host, Some(mask)),
        None => (text, None),
    };
    let width: u64 = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    let mask = match mask_text {
        None => prefix_mask(None, family),
        Some(mask_text) => match values::parse_uint(mask_text, 0, width) {
            Some(length) => prefix_mask(u32::try_from(length).ok(), family),
            None => {
                let mask = numeric_host(mask_text, family).ok_or_else(|| {
                    call.error(format!(
                        "bad mask `{mask_text}` for `--{name}`: neither a prefix length (0-{width}) nor a network mask"
                    ))
                })?;
                let prefix = AddrMask { addr: mask, mask }.prefix_len().map(u32::from);
                if prefix.is_none() {
                    call.warn(format!(
                        "mask `{mask_text}` is not a prefix: iptables uses the full mask (/{width}) instead"
                    ));
                }
                prefix_mask(prefix, family)
            }
        },
    };
    let addr = match numeric_host(host, family) {
        Some(addr) => addr,
        None if values::is_plausible_hostname(host) => {
            call.warn(format!(
                "`{host}` is a host name: iptables resolves it once, when the rule is loaded"
            ));
            match family {
                Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
                Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
            }
        }
        None => {
            return Err(call.error(format!(
                "`{host}` is not an {} address in `--{name}`",
                match family {
                    Family::V4 => "IPv4",
                    Family::V6 => "IPv6",
                }
            )));
        }
    };
    let addr = match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (addr, _) => addr,
    };
    Ok(Value::HostMask(AddrMask { addr, mask }))
}

/// The span of bytes `range` of an argument: exact when the argument was
/// written without quotes or escapes (its text is then as long as its
/// span), the whole argument otherwise.
#[must_use]
pub fn arg_sub_span(arg: Arg<'_>, range: std::ops::Range<usize>) -> Span {
    if arg.span.len() as usize == arg.text.len() {
        arg.span.part(range)
    } else {
        arg.span
    }
}

/// The hooks the rule's chain is reached from; `None` when no built-in
/// chain reaches it (the kernel then checks nothing hook-related).
#[must_use]
pub fn known_hooks(call: &KernelCall<'_>) -> Option<u8> {
    (call.hooks != 0).then_some(call.hooks)
}

/// The chain names of the hooks in `mask`, for messages.
#[must_use]
pub fn hook_names(mask: u8) -> String {
    Hook::ALL
        .iter()
        .filter(|hook| mask & hook.bit() != 0)
        .map(|hook| format!("`{}`", hook.chain_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails when the rule's chain is reached from a hook in `forbidden`.
pub fn refuse_hooks(call: &KernelCall<'_>, forbidden: u8, what: &str) -> Result<(), ExtError> {
    let Some(reached) = known_hooks(call) else {
        return Ok(());
    };
    if reached & forbidden == 0 {
        return Ok(());
    }
    Err(call.error(format!(
        "{what} is not allowed in chains reached from {}: the kernel refuses this rule",
        hook_names(reached & forbidden)
    )))
}

pub const PREROUTING: u8 = 1 << 0;
pub const INPUT: u8 = 1 << 1;
pub const FORWARD: u8 = 1 << 2;
pub const OUTPUT: u8 = 1 << 3;
pub const POSTROUTING: u8 = 1 << 4;

/// For tests: the source text an error of `rule` (in `filter INPUT`)
/// points at.
#[cfg(test)]
pub fn error_text(family: Family, rule: &str) -> String {
    use crate::diagnostics::Severity;
    use crate::parser::extensions::testing::load;
    let text = format!("*filter\n-A INPUT {rule}\nCOMMIT\n");
    let (_, diagnostics, _) = load(family, "filter", "INPUT", rule);
    diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .and_then(|d| text.get(d.span.range()))
        .unwrap_or("")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inet_aton_forms() {
        let aton = |text: &str| inet_aton_exact(text).map(|addr| addr.to_string());
        assert_eq!(aton("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(aton("1").as_deref(), Some("0.0.0.1"));
        assert_eq!(aton("0x0a.0.0.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(aton("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(aton("1.2.65535").as_deref(), Some("1.2.255.255"));
        assert_eq!(aton("4294967295").as_deref(), Some("255.255.255.255"));
        for bad in [
            "08.0.0.1",
            "1.2.3.256",
            "1.2.3.4 ",
            " 1.2.3.4",
            "1.2.3.4.5",
            "1.2.65536",
            "+1",
            "",
            "1..2",
            "1.",
        ] {
            assert_eq!(aton(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn hook_bits_follow_the_model() {
        assert_eq!(PREROUTING, Hook::Prerouting.bit());
        assert_eq!(INPUT, Hook::Input.bit());
        assert_eq!(FORWARD, Hook::Forward.bit());
        assert_eq!(OUTPUT, Hook::Output.bit());
        assert_eq!(POSTROUTING, Hook::Postrouting.bit());
        assert_eq!(hook_names(INPUT | OUTPUT), "`INPUT`, `OUTPUT`");
    }
}
