//! Printing rules back in `iptables-save` syntax: core matches first, then
//! each extension with its options, then the target. The text is
//! deterministic, so it also serves as the identity of a rule's content
//! (duplicates, fingerprints).

use std::fmt::{self, Write};

use std::net::IpAddr;

use super::addr::{AddrMask, AddressKind};
use super::{AddressMatch, Extension, Rule, TargetKind, Value};

/// `xtables_save_string`: bare when only `[_-0-9a-zA-Z]`, else quoted with
/// `"`, `\` and `'` escaped.
pub fn quote(text: &str, out: &mut String) {
    if !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        out.push_str(text);
        return;
    }
    out.push('"');
    // Copied a run at a time: comments and log prefixes are printed for
    // every rule of a large file (see `duplicate-rule`).
    let mut rest = text;
    while let Some(at) = rest.find(['"', '\\', '\'']) {
        out.push_str(&rest[..at]);
        out.push('\\');
        out.push_str(&rest[at..=at]);
        rest = &rest[at + 1..];
    }
    out.push_str(rest);
    out.push('"');
}

const STATES: [(u16, &str); 7] = Value::STATE_NAMES;

fn tcp_flags(flags: u8, out: &mut String) {
    const NAMES: [(u8, &str); 6] = [
        (0x01, "FIN"),
        (0x02, "SYN"),
        (0x04, "RST"),
        (0x08, "PSH"),
        (0x10, "ACK"),
        (0x20, "URG"),
    ];
    if flags == 0 {
        out.push_str("NONE");
        return;
    }
    if flags & 0x3f == 0x3f {
        out.push_str("ALL");
        return;
    }
    let names: Vec<&str> = NAMES
        .iter()
        .filter(|(bit, _)| flags & bit != 0)
        .map(|(_, name)| *name)
        .collect();
    out.push_str(&names.join(","));
}

/// Writes `value` as an argument.
pub fn value(value: &Value, out: &mut String) {
    match value {
        Value::Flag => {}
        Value::UInt(number) => number_into(*number, out),
        Value::Range(first, last) if first == last => number_into(*first, out),
        Value::Range(first, last) => {
            number_into(*first, out);
            out.push(':');
            number_into(*last, out);
        }
        Value::Double(number) => {
            let _ = write!(out, "{number}");
        }
        Value::Text(text) => quote(text, out),
        Value::TosMask { value, mask } => {
            let _ = write!(out, "0x{value:02x}/0x{mask:02x}");
        }
        Value::MarkMask { value, mask } if *mask == u32::MAX => {
            let _ = write!(out, "0x{value:x}");
        }
        Value::MarkMask { value, mask } => {
            let _ = write!(out, "0x{value:x}/0x{mask:x}");
        }
        Value::SyslogLevel(level) | Value::Plen(level) => {
            let _ = write!(out, "{level}");
        }
        Value::Protocol(number) => protocol_into(*number, out),
        Value::Host(addr) => {
            let _ = write!(out, "{addr}");
        }
        Value::HostMask(net) => {
            let _ = write!(out, "{net}");
        }
        Value::Port(port) => number_into(*port, out),
        Value::PortRange(range) => port_range_into(*range, out),
        Value::Mac(mac) => {
            let parts: Vec<String> = mac.iter().map(|byte| format!("{byte:02x}")).collect();
            out.push_str(&parts.join(":"));
        }
        Value::Ports(ranges) => {
            for (index, range) in ranges.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                port_range_into(*range, out);
            }
        }
        Value::TcpFlags { mask, compare } => {
            tcp_flags(*mask, out);
            out.push(' ');
            tcp_flags(*compare, out);
        }
        Value::States(bits) => {
            let names = STATES.iter().filter(|(bit, _)| bits & bit != 0);
            for (index, (_, name)) in names.enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(name);
            }
        }
        Value::Icmp(icmp) if icmp.is_any() => out.push_str("any"),
        Value::Icmp(icmp) if icmp.code_min == 0 && icmp.code_max == 255 => {
            let _ = write!(out, "{}", icmp.kind);
        }
        Value::Icmp(icmp) => {
            let _ = write!(out, "{}/{}", icmp.kind, icmp.code_min);
        }
        Value::Rate(rate) => {
            let unit = match rate.unit {
                super::RateUnit::Second => "second",
                super::RateUnit::Minute => "minute",
                super::RateUnit::Hour => "hour",
                super::RateUnit::Day => "day",
            };
            let _ = write!(
                out,
                "{}{}/{unit}",
                rate.amount,
                if rate.bytes { "b" } else { "" }
            );
        }
        Value::AddrRange(range) => {
            let _ = write!(out, "{}-{}", range.0, range.1);
        }
        Value::Nat(range) => {
            if let Some(first) = range.first {
                let _ = write!(out, "{first}");
                if let Some(last) = range.last.filter(|last| *last != first) {
                    let _ = write!(out, "-{last}");
                }
            }
            if let Some(ports) = range.ports {
                if ports.first == ports.last {
                    let _ = write!(out, ":{}", ports.first);
                } else {
                    let _ = write!(out, ":{}-{}", ports.first, ports.last);
                }
            }
        }
        Value::Interface(interface) => out.push_str(&interface.name),
        Value::Symbol(text) => out.push_str(text),
        Value::List(items) => out.push_str(&items.join(",")),
        Value::Raw(items) => {
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(' ');
                }
                quote(item, out);
            }
        }
    }
}

fn addresses(letter: char, addresses: &AddressMatch, out: &mut String) {
    if addresses.negated {
        out.push_str(" !");
    }
    out.push_str(" -");
    out.push(letter);
    out.push(' ');
    for (index, address) in addresses.value.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        match &address.kind {
            AddressKind::Net(net) => net_into(net, out),
            AddressKind::Hostname { name, prefix } => {
                out.push_str(name);
                if let Some(prefix) = prefix {
                    let _ = write!(out, "/{prefix}");
                }
            }
        }
    }
}

/// An address and its mask as [`AddrMask`]'s `Display` writes them. IPv4
/// is written by hand: every rule of a long blocklist is printed for the
/// duplicate check, and the formatting machinery took most of that time.
fn net_into(net: &AddrMask, out: &mut String) {
    let (IpAddr::V4(addr), Some(prefix)) = (net.addr, net.prefix_len()) else {
        let _ = write!(out, "{net}");
        return;
    };
    for (index, octet) in addr.octets().into_iter().enumerate() {
        if index > 0 {
            out.push('.');
        }
        decimal_into(octet, out);
    }
    out.push('/');
    decimal_into(prefix, out);
}

fn protocol_into(number: u8, out: &mut String) {
    match crate::parser::protocol_name(number) {
        Some(name) => out.push_str(name),
        None => number_into(number, out),
    }
}

fn number_into(value: impl itoa::Integer, out: &mut String) {
    out.push_str(itoa::Buffer::new().format(value));
}

/// A port range as [`super::PortRange`]'s `Display` writes it.
fn port_range_into(range: super::PortRange, out: &mut String) {
    number_into(range.first, out);
    if range.first != range.last {
        out.push(':');
        number_into(range.last, out);
    }
}

fn decimal_into(value: u8, out: &mut String) {
    if value >= 100 {
        out.push(char::from(b'0' + value / 100));
    }
    if value >= 10 {
        out.push(char::from(b'0' + value / 10 % 10));
    }
    out.push(char::from(b'0' + value % 10));
}

fn extension(extension: &Extension, out: &mut String) {
    for option in &extension.options {
        if option.negated {
            out.push_str(" !");
        }
        // `--syn` is only a shorthand: the kernel keeps the flags, and
        // iptables-save prints `--tcp-flags FIN,SYN,RST,ACK SYN`. `--syn`
        // takes no argument, so printing the flags after it would not load.
        let name = match (&*option.name, &option.value) {
            ("syn", Value::TcpFlags { .. }) => "tcp-flags",
            (name, _) => name,
        };
        out.push_str(" --");
        out.push_str(name);
        if !matches!(option.value, Value::Flag) {
            out.push(' ');
            value(&option.value, out);
        }
    }
}

/// The rule as `iptables-save` would print it after `-A CHAIN`.
#[must_use]
pub fn rule(rule: &Rule) -> String {
    let mut out = String::with_capacity(64);
    rule_into(rule, &mut out);
    out
}

/// [`rule`] into `out`, which is cleared first: a loop over many rules
/// reuses one buffer.
pub fn rule_into(rule: &Rule, out: &mut String) {
    out.clear();
    if let Some(source) = &rule.source {
        addresses('s', source, out);
    }
    if let Some(destination) = &rule.destination {
        addresses('d', destination, out);
    }
    for (letter, interface) in [('i', rule.in_interface()), ('o', rule.out_interface())] {
        if let Some(interface) = interface {
            if interface.negated {
                out.push_str(" !");
            }
            out.push_str(" -");
            out.push(letter);
            out.push(' ');
            out.push_str(&interface.value.name);
        }
    }
    if let Some(protocol) = &rule.protocol {
        if protocol.negated {
            out.push_str(" !");
        }
        out.push_str(" -p ");
        protocol_into(protocol.value.0, out);
    }
    if let Some(fragment) = rule.fragment() {
        out.push_str(if fragment.negated { " ! -f" } else { " -f" });
    }
    for m in &rule.matches {
        out.push_str(" -m ");
        out.push_str(&m.name);
        extension(m, out);
    }
    match &rule.target.kind {
        TargetKind::None => {}
        TargetKind::Verdict(verdict) => {
            out.push_str(" -j ");
            out.push_str(verdict.as_str());
        }
        TargetKind::Jump(chain) => {
            out.push_str(" -j ");
            out.push_str(chain);
        }
        TargetKind::Goto(chain) => {
            out.push_str(" -g ");
            out.push_str(chain);
        }
        TargetKind::Extension(target) => {
            out.push_str(" -j ");
            out.push_str(&target.name);
            extension(target, out);
        }
    }
    if out.starts_with(' ') {
        out.remove(0);
    }
}

/// Displays a rule in `iptables-save` syntax.
pub struct Display<'a>(pub &'a Rule);

impl fmt::Display for Display<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&rule(self.0))
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Family;
    use crate::model::addr::AddrMask;
    use crate::parser::extensions::testing::{accepts, load};
    use proptest::prelude::*;
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

    proptest! {
        /// The hand-written IPv4 form is what `Display` writes, for
        /// contiguous and other masks alike.
        #[test]
        fn addresses_print_as_display_writes_them(
            addr in any::<u32>(),
            mask in prop_oneof![(0u32..=32).prop_map(|len| u32::MAX.checked_shl(32 - len).unwrap_or(0)), any::<u32>()],
            v6 in any::<u128>(),
        ) {
            for net in [
                AddrMask { addr: IpAddr::V4(Ipv4Addr::from(addr & mask)), mask: IpAddr::V4(Ipv4Addr::from(mask)) },
                AddrMask { addr: IpAddr::V6(Ipv6Addr::from(v6)), mask: IpAddr::V6(Ipv6Addr::from(u128::MAX << 64)) },
            ] {
                let mut printed = String::new();
                super::net_into(&net, &mut printed);
                prop_assert_eq!(printed, net.to_string());
            }
        }
    }

    proptest! {
        /// Ports and numbers written by hand read as `Display` writes them.
        #[test]
        fn numbers_print_as_display_writes_them(first in any::<u16>(), last in any::<u16>(), number in any::<u64>()) {
            let range = crate::model::PortRange { first, last };
            let mut printed = String::new();
            super::value(&crate::model::Value::Ports(vec![range, range].into()), &mut printed);
            prop_assert_eq!(printed, format!("{range},{range}"));
            let mut printed = String::new();
            super::value(&crate::model::Value::UInt(number), &mut printed);
            prop_assert_eq!(printed, number.to_string());
        }
    }

    proptest! {
        /// Quoting a run at a time writes what escaping each character
        /// does.
        #[test]
        fn quotes_as_one_character_at_a_time(text in "[a-z \"'\\\\_-]{0,12}|\\PC{0,12}") {
            let mut expected = String::from('"');
            for character in text.chars() {
                if matches!(character, '"' | '\\' | '\'') {
                    expected.push('\\');
                }
                expected.push(character);
            }
            expected.push('"');
            let bare = !text.is_empty()
                && text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if bare {
                expected = text.clone();
            }
            let mut printed = String::new();
            super::quote(&text, &mut printed);
            prop_assert_eq!(printed, expected);
        }
    }

    /// iptables-save 1.8.9 prints `-p tcp --syn` and `-p tcp ! --syn`
    /// (checked with iptables-legacy-restore and iptables-legacy-save in a
    /// network namespace) with `--tcp-flags`.
    #[test]
    fn syn_prints_as_iptables_save_prints_it() {
        let printed = super::rule(&accepts("-p tcp --syn -j ACCEPT"));
        assert_eq!(
            printed,
            "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j ACCEPT"
        );
        let printed = super::rule(&accepts("-p tcp ! --syn --dport 22 -j ACCEPT"));
        assert_eq!(
            printed,
            "-p tcp -m tcp ! --tcp-flags FIN,SYN,RST,ACK SYN --dport 22 -j ACCEPT"
        );
        let (loadable, diagnostics, reread) = load(Family::V4, "filter", "INPUT", &printed);
        assert!(loadable, "{printed}: {diagnostics:?}");
        assert_eq!(super::rule(&reread.expect("one rule")), printed);
    }
}
