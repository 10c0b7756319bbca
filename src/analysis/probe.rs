//! The packet of `fwlint trace`: what the user says about one packet, read
//! from a one-line spec such as
//! `tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0 state=new`.
//!
//! The spec names the protocol (a name or number; `icmp` and `icmpv6` take an
//! optional `TYPE[/CODE]`), the source and destination (`[v6]:port` for IPv6
//! with a port), and `key=value` fields: `in=`, `out=`, `from=local`,
//! `state=`, `mark=`, `flags=`. Whatever the spec leaves out (a port, the
//! TCP flags, the output interface) stays open: rules that test it make the
//! trace uncertain instead of guessing. Errors point at the part of the spec
//! that is wrong. This module knows nothing about rules or tables.

use std::fmt;
use std::net::IpAddr;
use std::ops::Range;

use crate::model::Family;

/// The connection-tracking state of the traced packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeState {
    New,
    Established,
    Related,
    Invalid,
    Untracked,
}

impl ProbeState {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ProbeState::New => "new",
            ProbeState::Established => "established",
            ProbeState::Related => "related",
            ProbeState::Invalid => "invalid",
            ProbeState::Untracked => "untracked",
        }
    }
}

/// One packet, as the user described it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    pub family: Family,
    /// Layer-4 protocol number.
    pub protocol: u8,
    /// ICMP type and, when given, code.
    pub icmp: Option<(u8, Option<u8>)>,
    pub source: IpAddr,
    pub source_port: Option<u16>,
    pub destination: IpAddr,
    pub destination_port: Option<u16>,
    /// `in=`: the interface it arrives on.
    pub in_interface: Option<String>,
    /// `out=`: the interface it leaves by, when the user knows the route.
    pub out_interface: Option<String>,
    /// `from=local`: the host itself sends it (the OUTPUT path).
    pub local: bool,
    pub state: ProbeState,
    /// The packet mark; a packet arriving from the wire carries 0.
    pub mark: u32,
    /// TCP flags (FIN 0x01 .. URG 0x20), when given.
    pub tcp_flags: Option<u8>,
}

/// A mistake in a packet spec, with the byte range of the spec it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeError {
    pub span: Range<usize>,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ProbeError {}

fn error(span: Range<usize>, message: impl Into<String>, help: Option<&str>) -> ProbeError {
    ProbeError {
        span,
        message: message.into(),
        help: help.map(str::to_string),
    }
}

/// ICMP (v4) type names as iptables spells them, with their type and code.
const ICMP_NAMES: [(&str, u8, Option<u8>); 14] = [
    ("echo-reply", 0, None),
    ("destination-unreachable", 3, None),
    ("network-unreachable", 3, Some(0)),
    ("host-unreachable", 3, Some(1)),
    ("protocol-unreachable", 3, Some(2)),
    ("port-unreachable", 3, Some(3)),
    ("fragmentation-needed", 3, Some(4)),
    ("source-quench", 4, None),
    ("redirect", 5, None),
    ("echo-request", 8, None),
    ("time-exceeded", 11, None),
    ("parameter-problem", 12, None),
    ("timestamp-request", 13, None),
    ("timestamp-reply", 14, None),
];

const ICMPV6_NAMES: [(&str, u8, Option<u8>); 9] = [
    ("destination-unreachable", 1, None),
    ("no-route", 1, Some(0)),
    ("port-unreachable", 1, Some(4)),
    ("packet-too-big", 2, None),
    ("time-exceeded", 3, None),
    ("parameter-problem", 4, None),
    ("echo-request", 128, None),
    ("echo-reply", 129, None),
    ("neighbour-solicitation", 135, None),
];

/// The whitespace-separated words of `text` with their byte ranges; `->`
/// is a word of its own even without spaces around it.
fn words(text: &str) -> Vec<(Range<usize>, &str)> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, ch) in text.char_indices() {
        if ch.is_whitespace() {
            if let Some(begin) = start.take() {
                out.push((begin..at, &text[begin..at]));
            }
        } else if start.is_none() {
            start = Some(at);
        }
    }
    if let Some(begin) = start {
        out.push((begin..text.len(), &text[begin..]));
    }
    let mut split = Vec::with_capacity(out.len());
    for (range, word) in out {
        match word.find("->") {
            Some(at) if word != "->" => {
                let arrow = range.start + at;
                if at > 0 {
                    split.push((range.start..arrow, &word[..at]));
                }
                split.push((arrow..arrow + 2, "->"));
                if at + 2 < word.len() {
                    split.push((arrow + 2..range.end, &word[at + 2..]));
                }
            }
            _ => split.push((range, word)),
        }
    }
    split
}

fn has_ports(protocol: u8) -> bool {
    matches!(protocol, 6 | 17 | 33 | 132 | 136)
}

/// Reads `ADDRESS`, `ADDRESS:PORT` (IPv4) or `[ADDRESS]:PORT` (IPv6).
fn endpoint(
    word: &str,
    range: &Range<usize>,
    protocol: u8,
) -> Result<(IpAddr, Option<u16>), ProbeError> {
    let (address, port, port_at) = if let Some(rest) = word.strip_prefix('[') {
        let Some(close) = rest.find(']') else {
            return Err(error(
                range.clone(),
                format!("`{word}` opens `[` but never closes it"),
                Some("write an IPv6 address with a port as `[2001:db8::1]:80`"),
            ));
        };
        let after = &rest[close + 1..];
        let port = match after.strip_prefix(':') {
            Some(port) => Some(port),
            None if after.is_empty() => None,
            None => {
                return Err(error(
                    range.clone(),
                    format!("unexpected `{after}` after the address"),
                    Some("write an IPv6 address with a port as `[2001:db8::1]:80`"),
                ));
            }
        };
        (&rest[..close], port, range.start + close + 3)
    } else if word.matches(':').count() == 1 {
        let (address, port) = word.split_once(':').unwrap_or((word, ""));
        (address, Some(port), range.start + address.len() + 1)
    } else {
        (word, None, range.end)
    };
    let address_range = range.start..range.start + word.len().min(address.len() + 2);
    let Ok(parsed) = address.parse::<IpAddr>() else {
        return Err(error(
            address_range,
            format!("`{address}` is not an IP address"),
            Some("write a numeric address: `198.51.100.7`, `2001:db8::1`, `[2001:db8::1]:443`"),
        ));
    };
    let port = match port {
        None => None,
        Some(text) => {
            let port_range = port_at.min(range.end)..range.end;
            if !has_ports(protocol) {
                return Err(error(
                    port_range,
                    "this protocol has no ports",
                    Some("only tcp, udp, sctp, dccp and udplite packets have ports"),
                ));
            }
            match text.parse::<u16>() {
                Ok(port) => Some(port),
                Err(_) => {
                    return Err(error(
                        port_range,
                        format!("`{text}` is not a port (0 to 65535)"),
                        None,
                    ));
                }
            }
        }
    };
    Ok((parsed, port))
}

fn icmp_type(
    word: &str,
    range: &Range<usize>,
    protocol: u8,
) -> Result<Option<(u8, Option<u8>)>, ProbeError> {
    let names: &[(&str, u8, Option<u8>)] = if protocol == 58 {
        &ICMPV6_NAMES
    } else {
        &ICMP_NAMES
    };
    if let Some((_, kind, code)) = names
        .iter()
        .find(|(name, _, _)| name.eq_ignore_ascii_case(word))
    {
        return Ok(Some((*kind, *code)));
    }
    let (kind, code) = match word.split_once('/') {
        Some((kind, code)) => (kind, Some(code)),
        None => (word, None),
    };
    let Ok(kind) = kind.parse::<u8>() else {
        return Ok(None);
    };
    let code = match code.map(str::parse::<u8>) {
        None => None,
        Some(Ok(code)) => Some(code),
        Some(Err(_)) => {
            return Err(error(
                range.clone(),
                format!("`{word}` is not an ICMP type: the code must be 0 to 255"),
                Some("write `TYPE`, `TYPE/CODE` or a name such as `echo-request`"),
            ));
        }
    };
    Ok(Some((kind, code)))
}

fn tcp_flags(text: &str, range: &Range<usize>) -> Result<u8, ProbeError> {
    let mut flags = 0u8;
    if text.eq_ignore_ascii_case("none") {
        return Ok(0);
    }
    for name in text.split(',') {
        flags |= match name.to_ascii_uppercase().as_str() {
            "FIN" => 0x01,
            "SYN" => 0x02,
            "RST" => 0x04,
            "PSH" => 0x08,
            "ACK" => 0x10,
            "URG" => 0x20,
            _ => {
                return Err(error(
                    range.clone(),
                    format!("`{name}` is not a TCP flag"),
                    Some(
                        "write flags as `flags=SYN` or `flags=SYN,ACK` (FIN SYN RST PSH ACK URG, or none)",
                    ),
                ));
            }
        };
    }
    Ok(flags)
}

fn family_of(address: IpAddr) -> Family {
    match address {
        IpAddr::V4(_) => Family::V4,
        IpAddr::V6(_) => Family::V6,
    }
}

/// Reads a packet spec.
///
/// # Errors
///
/// A [`ProbeError`] pointing at the first part of `text` that is wrong.
pub fn parse(text: &str) -> Result<Probe, ProbeError> {
    let words = words(text);
    let Some((first_range, first)) = words.first().cloned() else {
        return Err(error(
            0..text.len(),
            "the packet spec is empty",
            Some("write e.g. `tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0`"),
        ));
    };
    let Some(protocol) = crate::parser::values::parse_protocol(&first.to_ascii_lowercase()) else {
        return Err(error(
            first_range,
            format!("`{first}` is not a protocol"),
            Some("start with the protocol: tcp, udp, icmp, icmpv6, or a number"),
        ));
    };
    if protocol == 0 {
        return Err(error(
            first_range,
            "a packet has one protocol, not `all`",
            Some("start with the protocol: tcp, udp, icmp, icmpv6, or a number"),
        ));
    }
    let mut at = 1;
    let mut icmp = None;
    if matches!(protocol, 1 | 58) {
        if let Some((range, word)) = words.get(at) {
            if let Some(found) = icmp_type(word, range, protocol)? {
                icmp = Some(found);
                at += 1;
            }
        }
    }
    let Some(arrow) = words.iter().position(|(_, word)| *word == "->") else {
        return Err(error(
            text.len()..text.len(),
            "no `->` between source and destination",
            Some("write `SOURCE[:PORT] -> DESTINATION[:PORT]`"),
        ));
    };
    if arrow != at + 1 {
        let span = words
            .get(at)
            .map_or(text.len()..text.len(), |w| w.0.clone());
        return Err(error(
            span,
            "expected one source address before `->`",
            Some("write `PROTOCOL SOURCE[:PORT] -> DESTINATION[:PORT]`"),
        ));
    }
    let (source_range, source_word) = words[at].clone();
    let (source, source_port) = endpoint(source_word, &source_range, protocol)?;
    let Some((destination_range, destination_word)) = words.get(arrow + 1).cloned() else {
        return Err(error(
            words[arrow].0.end..text.len(),
            "no destination after `->`",
            Some("write `SOURCE[:PORT] -> DESTINATION[:PORT]`"),
        ));
    };
    let (destination, destination_port) = endpoint(destination_word, &destination_range, protocol)?;
    let family = family_of(source);
    if family_of(destination) != family {
        return Err(error(
            source_range.start..destination_range.end,
            "the source and the destination are of different families",
            Some("an IPv4 packet has IPv4 addresses, an IPv6 packet IPv6 ones"),
        ));
    }
    if protocol == 58 && family == Family::V4 || protocol == 1 && family == Family::V6 {
        return Err(error(
            first_range,
            format!("`{first}` does not go with {} addresses", family.as_str()),
            Some("use icmp for IPv4 and icmpv6 for IPv6"),
        ));
    }
    let mut probe = Probe {
        family,
        protocol,
        icmp,
        source,
        source_port,
        destination,
        destination_port,
        in_interface: None,
        out_interface: None,
        local: false,
        state: ProbeState::New,
        mark: 0,
        tcp_flags: None,
    };
    for (range, word) in &words[arrow + 2..] {
        let Some((key, value)) = word.split_once('=') else {
            return Err(error(
                range.clone(),
                format!("`{word}` is not a `key=value` field"),
                Some(
                    "fields: in=IF out=IF from=local state=new|established|related|invalid|untracked mark=N flags=SYN,ACK",
                ),
            ));
        };
        let value_range = range.start + key.len() + 1..range.end;
        match key {
            "in" | "out" => {
                if value.is_empty() || value.len() > 15 || value.contains(['/', '+']) {
                    return Err(error(
                        value_range,
                        format!("`{value}` is not an interface name"),
                        Some("name one interface, at most 15 characters, without `+`"),
                    ));
                }
                if key == "in" {
                    probe.in_interface = Some(value.to_string());
                } else {
                    probe.out_interface = Some(value.to_string());
                }
            }
            "from" => {
                if value != "local" {
                    return Err(error(
                        value_range,
                        format!("`from={value}`: only `from=local` is known"),
                        Some(
                            "`from=local` traces a packet the host itself sends; for an arriving packet, give `in=IF`",
                        ),
                    ));
                }
                probe.local = true;
            }
            "state" => {
                probe.state = match value.to_ascii_lowercase().as_str() {
                    "new" => ProbeState::New,
                    "established" => ProbeState::Established,
                    "related" => ProbeState::Related,
                    "invalid" => ProbeState::Invalid,
                    "untracked" => ProbeState::Untracked,
                    _ => {
                        return Err(error(
                            value_range,
                            format!("`{value}` is not a connection state"),
                            Some("states: new, established, related, invalid, untracked"),
                        ));
                    }
                };
            }
            "mark" => {
                let parsed = match value
                    .strip_prefix("0x")
                    .or_else(|| value.strip_prefix("0X"))
                {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => value.parse::<u32>().ok(),
                };
                let Some(mark) = parsed else {
                    return Err(error(
                        value_range,
                        format!("`{value}` is not a 32-bit mark"),
                        Some("write the mark in decimal or hex (`mark=0x10`)"),
                    ));
                };
                probe.mark = mark;
            }
            "flags" => {
                if protocol != 6 {
                    return Err(error(
                        range.clone(),
                        "only TCP packets have TCP flags",
                        None,
                    ));
                }
                probe.tcp_flags = Some(tcp_flags(value, &value_range)?);
            }
            _ => {
                return Err(error(
                    range.start..range.start + key.len(),
                    format!("`{key}` is not a field of a packet spec"),
                    Some(
                        "fields: in=IF out=IF from=local state=new|established|related|invalid|untracked mark=N flags=SYN,ACK",
                    ),
                ));
            }
        }
    }
    if probe.local && probe.in_interface.is_some() {
        return Err(error(
            0..text.len(),
            "a packet the host sends (`from=local`) arrives on no interface",
            Some(
                "drop `in=` to trace a locally generated packet, or `from=local` for an arriving one",
            ),
        ));
    }
    Ok(probe)
}

impl fmt::Display for Probe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match crate::parser::values::protocol_name(self.protocol) {
            Some(name) => f.write_str(name)?,
            None => write!(f, "{}", self.protocol)?,
        }
        if let Some((kind, code)) = self.icmp {
            write!(f, " {kind}")?;
            if let Some(code) = code {
                write!(f, "/{code}")?;
            }
        }
        let endpoint = |f: &mut fmt::Formatter<'_>, address: IpAddr, port: Option<u16>| match (
            address, port,
        ) {
            (IpAddr::V6(v6), Some(port)) => write!(f, "[{v6}]:{port}"),
            (address, Some(port)) => write!(f, "{address}:{port}"),
            (address, None) => write!(f, "{address}"),
        };
        f.write_str(" ")?;
        endpoint(f, self.source, self.source_port)?;
        f.write_str(" -> ")?;
        endpoint(f, self.destination, self.destination_port)?;
        if let Some(interface) = &self.in_interface {
            write!(f, " in={interface}")?;
        }
        if let Some(interface) = &self.out_interface {
            write!(f, " out={interface}")?;
        }
        if self.local {
            f.write_str(" from=local")?;
        }
        write!(f, " state={}", self.state.as_str())?;
        if self.mark != 0 {
            write!(f, " mark={:#x}", self.mark)?;
        }
        if let Some(flags) = self.tcp_flags {
            let names: Vec<&str> = ["FIN", "SYN", "RST", "PSH", "ACK", "URG"]
                .iter()
                .enumerate()
                .filter(|(bit, _)| flags & (1 << bit) != 0)
                .map(|(_, name)| *name)
                .collect();
            if names.is_empty() {
                f.write_str(" flags=none")?;
            } else {
                write!(f, " flags={}", names.join(","))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_full_spec() {
        let probe = parse("tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0 state=new flags=SYN")
            .expect("a valid spec");
        assert_eq!(probe.protocol, 6);
        assert_eq!(probe.source_port, Some(40000));
        assert_eq!(probe.destination_port, Some(80));
        assert_eq!(probe.in_interface.as_deref(), Some("eth0"));
        assert_eq!(probe.tcp_flags, Some(0x02));
        assert_eq!(
            probe.to_string(),
            "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0 state=new flags=SYN"
        );
    }

    #[test]
    fn reads_ipv6_and_icmp() {
        let probe = parse("tcp [2001:db8::7]:5000->[2001:db8::1]:443 in=eth0").expect("valid");
        assert_eq!(probe.family, Family::V6);
        assert_eq!(probe.destination_port, Some(443));
        let probe = parse("icmp echo-request 10.0.0.1 -> 10.0.0.2 in=eth1").expect("valid");
        assert_eq!(probe.icmp, Some((8, None)));
        let probe = parse("icmp 3/3 10.0.0.1 -> 10.0.0.2").expect("valid");
        assert_eq!(probe.icmp, Some((3, Some(3))));
        let probe = parse("icmpv6 2001:db8::1 -> 2001:db8::2").expect("valid");
        assert_eq!(probe.icmp, None);
    }

    #[test]
    fn errors_point_at_the_wrong_part() {
        let text = "tcp 198.51.100.7:40000 -> 203.0.113.1:99999";
        let wrong = parse(text).expect_err("bad port");
        assert_eq!(&text[wrong.span.clone()], "99999");
        let text = "tcp 198.51.100.7 -> 203.0.113.1 colour=red";
        let wrong = parse(text).expect_err("bad key");
        assert_eq!(&text[wrong.span.clone()], "colour");
        let text = "icmp 10.0.0.1:5 -> 10.0.0.2";
        let wrong = parse(text).expect_err("icmp has no ports");
        assert_eq!(&text[wrong.span.clone()], "5");
        assert!(parse("tcp 10.0.0.1 -> 2001:db8::1").is_err());
        assert!(parse("").is_err());
        assert!(parse("bogus 1.2.3.4 -> 1.2.3.5").is_err());
        assert!(parse("tcp 1.2.3.4 1.2.3.5").is_err());
    }
}
