//! Parsing of argument values exactly as libxtables does: integers with C's
//! `strtoul` rules, ports and service names, protocols, IPv4 and IPv6
//! addresses with masks, interface names and MAC addresses.
//!
//! Service and protocol names come from tables built into fwlint (Debian's
//! netbase lists), so that the result never depends on the machine fwlint
//! runs on. Host names are never resolved: they are reported as such.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use crate::model::{AddrMask, Family};

/// Parses an unsigned integer the way C's `strtoumax(s, &end, 0)` does:
/// leading whitespace, an optional `+`, then hex (`0x`), octal (leading `0`)
/// or decimal digits. Returns the value (saturated on overflow), whether it
/// overflowed, and the number of bytes consumed; `None` when no digit was
/// read or the text starts with `-` (which libxtables refuses).
#[must_use]
pub fn c_strtoul(text: &str) -> Option<(u64, bool, usize)> {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() && matches!(bytes[index], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    {
        index += 1;
    }
    if bytes.get(index) == Some(&b'-') {
        return None;
    }
    if bytes.get(index) == Some(&b'+') {
        index += 1;
    }
    let mut radix = 10;
    if bytes.get(index) == Some(&b'0') {
        if matches!(bytes.get(index + 1), Some(b'x' | b'X'))
            && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            radix = 16;
            index += 2;
        } else {
            radix = 8;
        }
    }
    let digits_start = index;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(digit) = bytes
        .get(index)
        .and_then(|byte| (*byte as char).to_digit(radix))
    {
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(digit)))
        {
            Some(next) => value = next,
            None => {
                overflow = true;
                value = u64::MAX;
            }
        }
        index += 1;
    }
    if index == digits_start {
        return None;
    }
    Some((value, overflow, index))
}

/// `xtables_strtoul` with `end == NULL`: the whole text must be a number
/// within `min..=max` (`max == 0` meaning no upper bound).
#[must_use]
pub fn parse_uint(text: &str, min: u64, max: u64) -> Option<u64> {
    let (value, overflow, used) = c_strtoul(text)?;
    (!overflow && used == text.len() && value >= min && (max == 0 || value <= max)).then_some(value)
}

/// `xtables_strtoul` with an end pointer: a number within bounds at the start
/// of the text, and the rest of the text after it.
#[must_use]
pub fn parse_uint_prefix(text: &str, min: u64, max: u64) -> Option<(u64, &str)> {
    let (value, overflow, used) = c_strtoul(text)?;
    (!overflow && value >= min && (max == 0 || value <= max)).then(|| (value, &text[used..]))
}

struct NamedNumbers {
    entries: Vec<(String, u16, String)>,
}

fn services() -> &'static NamedNumbers {
    static SERVICES: OnceLock<NamedNumbers> = OnceLock::new();
    SERVICES.get_or_init(|| {
        let mut entries = Vec::new();
        for line in include_str!("data/services.txt")
            .lines()
            .filter(|line| !line.starts_with('#'))
        {
            let mut fields = line.split_whitespace();
            let (Some(name), Some(port_proto)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Some((port, proto)) = port_proto.split_once('/') else {
                continue;
            };
            let Ok(port) = port.parse::<u16>() else {
                continue;
            };
            entries.push((name.to_string(), port, proto.to_string()));
            for alias in fields {
                entries.push((alias.to_string(), port, proto.to_string()));
            }
        }
        NamedNumbers { entries }
    })
}

/// Looks up a service name as `getservbyname(name, proto)` would in
/// Debian's `/etc/services`; `proto` `None` accepts any protocol.
#[must_use]
pub fn service_port(name: &str, proto: Option<&str>) -> Option<u16> {
    services()
        .entries
        .iter()
        .find(|(service, _, service_proto)| {
            service == name && proto.is_none_or(|p| p == service_proto)
        })
        .map(|(_, port, _)| *port)
}

/// `xtables_parse_port`: a number up to 65535 or a service name.
#[must_use]
pub fn parse_port(text: &str, proto: Option<&str>) -> Option<u16> {
    match parse_uint(text, 0, u64::from(u16::MAX)) {
        Some(port) => u16::try_from(port).ok(),
        None => service_port(text, proto),
    }
}

/// Protocol names iptables knows without `/etc/protocols`.
const CHAIN_PROTOCOLS: [(&str, u8); 13] = [
    ("tcp", 6),
    ("sctp", 132),
    ("udp", 17),
    ("udplite", 136),
    ("icmp", 1),
    ("ipv6-icmp", 58),
    ("icmpv6", 58),
    ("esp", 50),
    ("ah", 51),
    ("mobility-header", 135),
    ("ipv6-mh", 135),
    ("mh", 135),
    ("all", 0),
];

fn protocols() -> &'static Vec<(String, u8)> {
    static PROTOCOLS: OnceLock<Vec<(String, u8)>> = OnceLock::new();
    PROTOCOLS.get_or_init(|| {
        let mut entries = Vec::new();
        for line in include_str!("data/protocols.txt")
            .lines()
            .filter(|line| !line.starts_with('#'))
        {
            let mut fields = line.split_whitespace();
            let (Some(name), Some(number)) = (fields.next(), fields.next()) else {
                continue;
            };
            let Ok(number) = number.parse::<u8>() else {
                continue;
            };
            entries.push((name.to_string(), number));
            for alias in fields {
                entries.push((alias.to_string(), number));
            }
        }
        entries
    })
}

/// `xtables_parse_protocol`: a number up to 255, one of iptables' own names,
/// or a name from `/etc/protocols`.
#[must_use]
pub fn parse_protocol(text: &str) -> Option<u8> {
    if let Some(number) = parse_uint(text, 0, 255) {
        return u8::try_from(number).ok();
    }
    CHAIN_PROTOCOLS
        .iter()
        .find(|(name, _)| *name == text)
        .map(|(_, number)| *number)
        .or_else(|| {
            protocols()
                .iter()
                .find(|(name, _)| name == text)
                .map(|(_, number)| *number)
        })
}

/// The name iptables-save prints for a protocol number.
#[must_use]
pub fn protocol_name(number: u8) -> Option<&'static str> {
    if number == 0 {
        return Some("all");
    }
    CHAIN_PROTOCOLS
        .iter()
        .find(|(_, n)| *n == number)
        .map(|(name, _)| *name)
        .or_else(|| {
            protocols()
                .iter()
                .find(|(_, n)| *n == number)
                .map(|(name, _)| name.as_str())
        })
}

/// `__numeric_to_ipaddr`: dotted IPv4 with C's number rules per byte. A
/// short address is completed with zeros (`10` is `10.0.0.0`) unless it is a
/// mask.
#[must_use]
pub fn parse_ipv4_numeric(text: &str, is_mask: bool) -> Option<Ipv4Addr> {
    // iptables copies the text into a 20-byte buffer first.
    let text = truncate_bytes(text, 19);
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (index, octet) in octets.iter_mut().enumerate().take(3) {
        match rest.split_once('.') {
            Some((part, tail)) => {
                *octet = u8::try_from(parse_uint(part, 0, 255)?).ok()?;
                rest = tail;
            }
            None => {
                if is_mask {
                    return None;
                }
                *octet = u8::try_from(parse_uint(rest, 0, 255)?).ok()?;
                let _ = index;
                return Some(Ipv4Addr::from(octets));
            }
        }
    }
    octets[3] = u8::try_from(parse_uint(rest, 0, 255)?).ok()?;
    Some(Ipv4Addr::from(octets))
}

fn truncate_bytes(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// Names in Debian's default `/etc/networks`.
fn network_by_name(name: &str) -> Option<Ipv4Addr> {
    match name {
        "default" => Some(Ipv4Addr::UNSPECIFIED),
        "loopback" => Some(Ipv4Addr::new(127, 0, 0, 0)),
        "link-local" => Some(Ipv4Addr::new(169, 254, 0, 0)),
        _ => None,
    }
}

/// Why an address could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AddressError {
    InvalidMask(String),
    /// Not an address, and not a name that could be resolved either.
    InvalidAddress(String),
    /// Longer than the 255-byte buffer iptables copies it into.
    TooLong,
}

/// One parsed element of an address list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParsedAddress {
    Net(AddrMask),
    /// A host name iptables would resolve at load time; the mask as given.
    Hostname {
        name: String,
        prefix: Option<u8>,
        mask: IpAddr,
    },
}

/// Could `name` be looked up as a host name? (Letters, digits, `-`, `.`,
/// `_`, and not all digits and dots.)
#[must_use]
pub fn is_plausible_hostname(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 253
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'))
        && name.bytes().any(|b| b.is_ascii_alphabetic())
        && !name.starts_with('-')
        && !name.starts_with('.')
        && !name.contains("..")
}

fn parse_mask(mask: Option<&str>, family: Family) -> Result<IpAddr, AddressError> {
    match family {
        Family::V4 => {
            let Some(mask) = mask else {
                return Ok(IpAddr::V4(Ipv4Addr::BROADCAST));
            };
            if let Some(dotted) = parse_ipv4_numeric(mask, true) {
                return Ok(IpAddr::V4(dotted));
            }
            let bits = parse_uint(mask, 0, 32)
                .ok_or_else(|| AddressError::InvalidMask(mask.to_string()))?;
            let value = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            Ok(IpAddr::V4(Ipv4Addr::from(value)))
        }
        Family::V6 => {
            let Some(mask) = mask else {
                return Ok(IpAddr::V6(Ipv6Addr::from(u128::MAX)));
            };
            if let Ok(address) = mask.parse::<Ipv6Addr>() {
                return Ok(IpAddr::V6(address));
            }
            let bits = parse_uint(mask, 0, 128)
                .ok_or_else(|| AddressError::InvalidMask(mask.to_string()))?;
            let value = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            Ok(IpAddr::V6(Ipv6Addr::from(value)))
        }
    }
}

fn apply_mask(addr: IpAddr, mask: IpAddr) -> IpAddr {
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (addr, _) => addr,
    }
}

fn mask_prefix(mask: IpAddr) -> Option<u8> {
    AddrMask { addr: mask, mask }.prefix_len()
}

/// Parses one `address[/mask]` as `xtables_ipparse_multiple` does for one
/// element of a comma-separated list.
pub fn parse_address(text: &str, family: Family) -> Result<ParsedAddress, AddressError> {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if text.len() > 255 {
        return Err(AddressError::TooLong);
    }
    let (host, mask_text) = match text.rfind('/') {
        Some(slash) => (&text[..slash], Some(&text[slash + 1..])),
        None => (text, None),
    };
    let mask = parse_mask(mask_text, family)?;
    let zero_mask = match mask {
        IpAddr::V4(m) => m.is_unspecified(),
        IpAddr::V6(m) => m.is_unspecified(),
    };
    // "if a null mask is given, the name is ignored, like in any/0"
    let host = if zero_mask {
        match family {
            Family::V4 => "0.0.0.0",
            Family::V6 => "::",
        }
    } else {
        host
    };
    let numeric = match family {
        Family::V4 => parse_ipv4_numeric(host, false)
            .or_else(|| network_by_name(host))
            .map(IpAddr::V4),
        Family::V6 => host.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    };
    match numeric {
        Some(addr) => Ok(ParsedAddress::Net(AddrMask {
            addr: apply_mask(addr, mask),
            mask,
        })),
        None if is_plausible_hostname(host) => Ok(ParsedAddress::Hostname {
            name: host.to_string(),
            prefix: mask_prefix(mask),
            mask,
        }),
        None => Err(AddressError::InvalidAddress(host.to_string())),
    }
}

/// `xtables_parse_interface`: at most 15 bytes; a trailing `+` is a
/// wildcard. Returns a warning when the name holds `/` or a space.
pub fn check_interface(name: &str) -> Result<Option<&'static str>, String> {
    if name.len() + 1 > 16 {
        return Err(format!(
            "interface name `{name}` must be shorter than IFNAMSIZ (15)"
        ));
    }
    if name.contains(['/', ' ']) {
        return Ok(Some(
            "'/' and ' ' are not allowed in interface names by the kernel",
        ));
    }
    Ok(None)
}

/// C's `strtoul(text, &end, radix)` for radix 16: returns the value
/// (wrapped to 64 bits) and the bytes consumed, 0 when nothing was read.
fn c_strtoul_hex(text: &str) -> (u64, usize) {
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() && matches!(bytes[index], b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
    {
        index += 1;
    }
    let negative = bytes.get(index) == Some(&b'-');
    if matches!(bytes.get(index), Some(b'-' | b'+')) {
        index += 1;
    }
    if bytes.get(index) == Some(&b'0')
        && matches!(bytes.get(index + 1), Some(b'x' | b'X'))
        && bytes.get(index + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        index += 2;
    }
    let digits_start = index;
    let mut value: u64 = 0;
    while let Some(digit) = bytes
        .get(index)
        .and_then(|byte| (*byte as char).to_digit(16))
    {
        value = value.wrapping_mul(16).wrapping_add(u64::from(digit));
        index += 1;
    }
    if index == digits_start {
        return (0, 0);
    }
    (
        if negative {
            value.wrapping_neg()
        } else {
            value
        },
        index,
    )
}

/// `XTTYPE_ETHERMAC`: six hexadecimal parts separated by colons, each read
/// with `strtoul(..., 16)` and at most two characters long.
#[must_use]
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut rest = text;
    for (index, byte) in mac.iter_mut().enumerate() {
        let (value, used) = c_strtoul_hex(rest);
        if used > 2 {
            return None;
        }
        // The kernel structure keeps the low byte.
        *byte = (value & 0xff) as u8;
        let after = &rest[used..];
        if index < 5 {
            rest = after.strip_prefix(':')?;
        } else if !after.is_empty() {
            return None;
        }
    }
    Some(mac)
}

/// glibc's `inet_aton` on the whole text, as `getaddrinfo` with a numeric
/// host reads IPv4: one to four parts in C notation (decimal, `0x` hex,
/// `0` octal), the last part filling the bytes the others leave (`33` is
/// `0.0.0.33`, `10.1` is `10.0.0.1`).
#[must_use]
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    let mut parts = Vec::with_capacity(4);
    for part in text.split('.') {
        let bytes = part.as_bytes();
        if !bytes.first().is_some_and(u8::is_ascii_digit) || parts.len() == 4 {
            return None;
        }
        let (radix, digits) = match bytes {
            [b'0', b'x' | b'X', rest @ ..] => (16, rest),
            [b'0', rest @ ..] => (8, rest),
            _ => (10, bytes),
        };
        if radix == 16 && digits.is_empty() {
            return None;
        }
        let mut value: u64 = 0;
        for &digit in digits {
            let digit = char::from(digit).to_digit(radix)?;
            value = value * u64::from(radix) + u64::from(digit);
            if value > u64::from(u32::MAX) {
                return None;
            }
        }
        parts.push(value);
    }
    let (last, leading) = parts.split_last()?;
    let last_bits = 8 * (4 - leading.len());
    if leading.iter().any(|&part| part > 0xff) || *last >> last_bits != 0 {
        return None;
    }
    let mut address: u64 = *last;
    for (index, &part) in leading.iter().enumerate() {
        address |= part << (8 * (3 - index));
    }
    Some(Ipv4Addr::from(u32::try_from(address).ok()?))
}

/// How `getaddrinfo(NULL, text)` reads a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// A number; `wrapped` when it did not fit in 16 bits and lost its high
    /// bits.
    Number { port: u16, wrapped: bool },
    /// A service name.
    Name(u16),
}

/// The protocols glibc's `getaddrinfo` tries, in order, for a service name
/// when no socket type is given.
const SERVICE_PROTOCOLS: [&str; 5] = ["tcp", "udp", "dccp", "udplite", "sctp"];

/// glibc's `strtoul(text, &end, 10)` when it consumes the whole text:
/// leading white space, an optional sign (a minus negates modulo 2^64),
/// decimal digits; saturates at `u64::MAX` on overflow. An empty text reads
/// as 0, as glibc does.
fn strtoul_decimal(text: &str) -> Option<u64> {
    if text.is_empty() {
        return Some(0);
    }
    let body = text.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
    let (negative, digits) = match body.as_bytes().first() {
        Some(b'-') => (true, &body[1..]),
        Some(b'+') => (false, &body[1..]),
        _ => (false, body),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let value = digits.bytes().try_fold(0u64, |acc, digit| {
        acc.checked_mul(10)?.checked_add(u64::from(digit - b'0'))
    });
    Some(match value {
        None => u64::MAX,
        Some(value) if negative => value.wrapping_neg(),
        Some(value) => value,
    })
}

/// `xtables_getportbyname` of libxtables 1.8.9 (glibc's `getaddrinfo`
/// service lookup): a decimal number kept in an `int` and cut to 16 bits,
/// or a service name of any protocol.
#[must_use]
pub fn getportbyname(text: &str) -> Option<Service> {
    if let Some(value) = strtoul_decimal(text) {
        // glibc keeps the number in an `int`; a negative one is taken for a
        // name, which no service has.
        #[allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap)]
        let number = value as u32 as i32;
        if let Ok(number) = u32::try_from(number) {
            let port = (number & 0xffff) as u16;
            return Some(Service::Number {
                port,
                wrapped: value != u64::from(port),
            });
        }
    }
    SERVICE_PROTOCOLS
        .iter()
        .find_map(|protocol| service_port(text, Some(protocol)))
        .map(Service::Name)
}

/// `xtopt_parse_plen`: a prefix length from 0 to the family's width, or a
/// numeric mask of the family (IPv4 in any notation `inet_aton` reads). A
/// mask whose bits are not contiguous gives 255, iptables' `-1` in a byte,
/// which `XTTYPE_PLENMASK` turns into the full width.
#[must_use]
pub fn parse_plen(text: &str, family: Family) -> Option<u8> {
    let width = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    if let Some(length) = parse_uint(text, 0, width) {
        return u8::try_from(length).ok();
    }
    let bits: u128 = match family {
        Family::V4 => u128::from(u32::from(inet_aton(text)?)) << 96,
        Family::V6 => u128::from(text.parse::<Ipv6Addr>().ok()?),
    };
    let ones = bits.leading_ones();
    if bits.checked_shl(ones).unwrap_or(0) != 0 {
        return Some(255);
    }
    u8::try_from(ones.min(u32::try_from(width).unwrap_or(128))).ok()
}

/// What `getaddrinfo` makes of one host for options of type `XTTYPE_HOST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostLookup {
    Addr(IpAddr),
    /// A host name, which iptables resolves when the rule is loaded.
    Name,
    Invalid,
}

/// `getaddrinfo` on one host of `family`: numeric forms (IPv4 as
/// `inet_aton` reads them; IPv6 with an optional `%scope`, which is
/// dropped) or a name.
#[must_use]
pub fn lookup_host(text: &str, family: Family) -> HostLookup {
    let numeric = match family {
        Family::V4 => inet_aton(text).map(IpAddr::V4),
        Family::V6 => match text.split_once('%') {
            Some((addr, scope)) if !scope.is_empty() => addr.parse::<Ipv6Addr>().ok(),
            Some(_) => None,
            None => text.parse::<Ipv6Addr>().ok(),
        }
        .map(IpAddr::V6),
    };
    match numeric {
        Some(addr) => HostLookup::Addr(addr),
        None if is_plausible_hostname(text) => HostLookup::Name,
        None => HostLookup::Invalid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strtoul_follows_c_rules() {
        assert_eq!(parse_uint("22", 0, 65535), Some(22));
        assert_eq!(parse_uint("0x16", 0, 65535), Some(22));
        assert_eq!(parse_uint("026", 0, 65535), Some(22));
        assert_eq!(parse_uint("08", 0, 65535), None);
        assert_eq!(parse_uint("-1", 0, 65535), None);
        assert_eq!(parse_uint(" 5", 0, 9), Some(5));
        assert_eq!(parse_uint("+5", 0, 9), Some(5));
        assert_eq!(parse_uint("65536", 0, 65535), None);
        assert_eq!(parse_uint("", 0, 9), None);
        assert_eq!(parse_uint("99999999999999999999999", 0, 0), None);
        assert_eq!(parse_uint("0x", 0, 9), None);
    }

    #[test]
    fn ports_accept_numbers_and_service_names() {
        assert_eq!(parse_port("ssh", Some("tcp")), Some(22));
        assert_eq!(parse_port("https", None), Some(443));
        assert_eq!(parse_port("65535", Some("tcp")), Some(65535));
        assert_eq!(parse_port("nosuchservice", Some("tcp")), None);
    }

    #[test]
    fn protocols_by_number_and_name() {
        assert_eq!(parse_protocol("tcp"), Some(6));
        assert_eq!(parse_protocol("all"), Some(0));
        assert_eq!(parse_protocol("gre"), Some(47));
        assert_eq!(parse_protocol("ipv6-icmp"), Some(58));
        assert_eq!(parse_protocol("bogus"), None);
        assert_eq!(protocol_name(17), Some("udp"));
    }

    #[test]
    fn ipv4_addresses_complete_like_iptables() {
        assert_eq!(
            parse_ipv4_numeric("10", false),
            Some(Ipv4Addr::new(10, 0, 0, 0))
        );
        assert_eq!(
            parse_ipv4_numeric("10.1", false),
            Some(Ipv4Addr::new(10, 1, 0, 0))
        );
        assert_eq!(parse_ipv4_numeric("10.1", true), None);
        assert_eq!(parse_ipv4_numeric("1.2.3.256", false), None);
        assert_eq!(
            parse_ipv4_numeric("010.0.0.1", false),
            Some(Ipv4Addr::new(8, 0, 0, 1))
        );
    }

    #[test]
    fn addresses_with_masks() {
        let parsed = parse_address("192.168.1.77/24", Family::V4).unwrap();
        let ParsedAddress::Net(net) = parsed else {
            panic!()
        };
        assert_eq!(net.to_string(), "192.168.1.0/24");
        assert!(matches!(
            parse_address("10.0.0.0/33", Family::V4),
            Err(AddressError::InvalidMask(_))
        ));
        assert!(matches!(
            parse_address("example.com", Family::V4),
            Ok(ParsedAddress::Hostname { .. })
        ));
        assert!(matches!(
            parse_address("1.2.3.999", Family::V4),
            Err(AddressError::InvalidAddress(_))
        ));
        let ParsedAddress::Net(any) = parse_address("anything/0", Family::V4).unwrap() else {
            panic!()
        };
        assert!(any.is_any());
        let ParsedAddress::Net(v6) = parse_address("2001:db8::1/64", Family::V6).unwrap() else {
            panic!()
        };
        assert_eq!(v6.to_string(), "2001:db8::/64");
    }

    #[test]
    fn mac_addresses_need_six_hex_bytes() {
        assert_eq!(
            parse_mac("00:11:22:aa:BB:cc"),
            Some([0, 0x11, 0x22, 0xaa, 0xbb, 0xcc])
        );
        assert_eq!(parse_mac("XX:XX:XX:XX:XX:XX"), None);
        assert_eq!(parse_mac("00:11:22:aa:bb"), None);
        assert_eq!(parse_mac("0:1:2:3:4:5"), Some([0, 1, 2, 3, 4, 5]));
        assert_eq!(parse_mac("000:11:22:33:44:55"), None);
    }

    #[test]
    fn inet_aton_reads_c_forms() {
        let ip = |text: &str| inet_aton(text).map(|addr| addr.to_string());
        assert_eq!(ip("10.1").as_deref(), Some("10.0.0.1"));
        assert_eq!(ip("33").as_deref(), Some("0.0.0.33"));
        assert_eq!(ip("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(ip("010.0.0.1").as_deref(), Some("8.0.0.1"));
        assert_eq!(ip("1.2.3.256"), None);
        assert_eq!(ip("1.2.3.4.5"), None);
    }

    #[test]
    fn getportbyname_follows_glibc() {
        let number = |port, wrapped| Some(Service::Number { port, wrapped });
        assert_eq!(getportbyname("22"), number(22, false));
        assert_eq!(getportbyname("+22"), number(22, false));
        assert_eq!(getportbyname(" 22"), number(22, false));
        assert_eq!(getportbyname(""), number(0, false));
        assert_eq!(getportbyname("65536"), number(0, true));
        assert_eq!(getportbyname("4294967318"), number(22, true));
        assert_eq!(getportbyname("2147483648"), None);
        assert_eq!(getportbyname("-1"), None);
        assert_eq!(getportbyname("0x16"), None);
        assert_eq!(getportbyname("ssh"), Some(Service::Name(22)));
    }

    #[test]
    fn prefix_lengths_and_masks() {
        assert_eq!(parse_plen("24", Family::V4), Some(24));
        assert_eq!(parse_plen("255.255.0.0", Family::V4), Some(16));
        assert_eq!(parse_plen("33", Family::V4), Some(255));
        assert_eq!(parse_plen("64", Family::V6), Some(64));
        assert_eq!(parse_plen("x", Family::V4), None);
    }

    #[test]
    fn interface_names_are_limited_to_15_bytes() {
        assert!(check_interface("eth0").is_ok());
        assert!(check_interface("a-very-long-name").is_err());
        assert!(check_interface("eth0/1").unwrap().is_some());
    }
}
