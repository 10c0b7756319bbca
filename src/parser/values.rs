//! Parsing of argument values exactly as libxtables does: integers with C's
//! `strtoul` rules, ports and service names, protocols, IPv4 and IPv6
//! addresses with masks, prefix lengths, interface names and MAC addresses;
//! and the C library functions iptables and its extensions read values
//! with (`strtoul`, `atoi`, `strtod`, glibc's `inet_aton` and IPv6 zones),
//! emulated exactly. Everything here is a pure function of the text.
//!
//! Service and protocol names come from tables built into fwlint (Debian's
//! netbase lists), so that the result never depends on the machine fwlint
//! runs on. Host names are never resolved: they are reported as such.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use crate::model::{AddrMask, Family};

/// C's `isspace` in the "C" locale.
#[must_use]
pub fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// What the C number parsers skip before the digits: white space, then a
/// sign. Returns where the digits start and whether the sign was `-`.
fn space_and_sign(text: &[u8]) -> (usize, bool) {
    let mut index = 0;
    while text.get(index).copied().is_some_and(is_c_space) {
        index += 1;
    }
    let negative = text.get(index) == Some(&b'-');
    if matches!(text.get(index), Some(b'-' | b'+')) {
        index += 1;
    }
    (index, negative)
}

/// C's `strtoul(text, &end, base)` on a 64-bit machine, for base 0, 8, 10
/// or 16: leading white space, a sign, an optional `0x` prefix (base 0 and
/// 16; base 0 reads a leading `0` as octal), digits. Returns the value C
/// returns (a `-` negates it modulo 2^64; an overflow gives `u64::MAX`,
/// whatever the sign), whether it overflowed, and the number of bytes
/// read; `None` when no digit was read (`end` is then the start).
#[must_use]
pub fn strtoul_full(text: &[u8], base: u32) -> Option<(u64, bool, usize)> {
    let (mut index, negative) = space_and_sign(text);
    let mut radix = if base == 0 { 10 } else { base };
    if matches!(base, 0 | 16) && text.get(index) == Some(&b'0') {
        if matches!(text.get(index + 1), Some(b'x' | b'X'))
            && text.get(index + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            radix = 16;
            index += 2;
        } else if base == 0 {
            radix = 8;
        }
    }
    let start = index;
    let mut value: u64 = 0;
    let mut overflow = false;
    while let Some(digit) = text
        .get(index)
        .and_then(|byte| char::from(*byte).to_digit(radix))
    {
        match value
            .checked_mul(u64::from(radix))
            .and_then(|v| v.checked_add(u64::from(digit)))
        {
            Some(next) => value = next,
            None => overflow = true,
        }
        index += 1;
    }
    if index == start {
        return None;
    }
    let value = match (overflow, negative) {
        (true, _) => u64::MAX,
        (false, true) => value.wrapping_neg(),
        (false, false) => value,
    };
    Some((value, overflow, index))
}

/// C's `strtoul(text, &end, base)` (see [`strtoul_full`]): the value and
/// the number of bytes read, `(0, 0)` when no digit was read.
#[must_use]
pub fn strtoul(text: &[u8], base: u32) -> (u64, usize) {
    strtoul_full(text, base).map_or((0, 0), |(value, _, used)| (value, used))
}

/// Does `text` start with `prefix`, ignoring ASCII case? This is C's
/// `strncasecmp(text, prefix, strlen(prefix)) == 0`, with which iptables
/// lets any abbreviation of a name stand for it.
#[must_use]
pub fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.len() >= prefix.len()
        && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Parses an unsigned integer the way libxtables' `xtables_strtoul` does
/// with C's `strtoumax(s, &end, 0)`: leading whitespace, an optional `+`,
/// then hex (`0x`), octal (leading `0`) or decimal digits. Returns the
/// value (saturated on overflow), whether it overflowed, and the number of
/// bytes consumed; `None` when no digit was read or the text starts with
/// `-` (which libxtables refuses).
#[must_use]
pub fn c_strtoul(text: &str) -> Option<(u64, bool, usize)> {
    let bytes = text.as_bytes();
    if bytes.iter().copied().find(|byte| !is_c_space(*byte)) == Some(b'-') {
        return None;
    }
    strtoul_full(bytes, 0)
}

/// `xtables_strtoul` with `end == NULL`: the whole text must be a number
/// within `min..=max` (`max == 0` meaning no upper bound).
#[must_use]
pub fn parse_uint(text: &str, min: u64, max: u64) -> Option<u64> {
    let value = match plain_decimal(text) {
        Some(value) => value,
        None => {
            let (value, overflow, used) = c_strtoul(text)?;
            if overflow || used != text.len() {
                return None;
            }
            value
        }
    };
    (value >= min && (max == 0 || value <= max)).then_some(value)
}

/// The value of `text` when it is a number written the plain way, as nearly
/// every port, address byte and mask is: 1 to 19 decimal digits without a
/// leading zero, or `0`. Such a number means the same to `strtoul` in any
/// base it guesses, and cannot overflow; anything else is left to
/// [`c_strtoul`].
fn plain_decimal(text: &str) -> Option<u64> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || bytes.len() > 19 || (bytes[0] == b'0' && bytes.len() > 1) {
        return None;
    }
    let mut value: u64 = 0;
    for &byte in bytes {
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 {
            return None;
        }
        value = value * 10 + u64::from(digit);
    }
    Some(value)
}

/// `text.split_once(separator)` for an ASCII separator, by a plain loop:
/// the values split are a few bytes long, too short for the vectorised
/// search of `str::split_once` to pay for setting itself up.
#[must_use]
pub fn split_once_ascii(text: &str, separator: u8) -> Option<(&str, &str)> {
    debug_assert!(separator.is_ascii());
    let position = text.bytes().position(|byte| byte == separator)?;
    Some((&text[..position], &text[position + 1..]))
}

/// `text.split(separator)` for an ASCII separator, by a plain loop (see
/// [`split_once_ascii`]).
pub fn split_ascii(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        match split_once_ascii(current, separator) {
            Some((part, tail)) => {
                rest = Some(tail);
                Some(part)
            }
            None => {
                rest = None;
                Some(current)
            }
        }
    })
}

/// `xtables_strtoul` with an end pointer: a number within bounds at the start
/// of the text, and the rest of the text after it.
#[must_use]
pub fn parse_uint_prefix(text: &str, min: u64, max: u64) -> Option<(u64, &str)> {
    let (value, overflow, used) = c_strtoul(text)?;
    (!overflow && value >= min && (max == 0 || value <= max)).then(|| (value, &text[used..]))
}

/// The names of a netdb file (`/etc/services`, `/etc/protocols`, as
/// fwlint's copies have them, without comments after the fields): each name
/// and alias of a line with the line's second field.
fn netdb_names(file: &'static str) -> impl Iterator<Item = (&'static str, &'static str)> {
    file.lines()
        .filter(|line| !line.starts_with('#'))
        .flat_map(|line| {
            let mut fields = line.split_whitespace();
            let name = fields.next();
            let value = fields.next().unwrap_or("");
            name.into_iter()
                .chain(fields)
                .map(move |name| (name, value))
        })
        .filter(|(_, value)| !value.is_empty())
}

/// Debian's `/etc/services`: name, port and protocol of every name and
/// alias, in the file's order.
fn services() -> &'static [(&'static str, u16, &'static str)] {
    static SERVICES: OnceLock<Vec<(&str, u16, &str)>> = OnceLock::new();
    SERVICES.get_or_init(|| {
        netdb_names(include_str!("data/services.txt"))
            .filter_map(|(name, port_proto)| {
                let (port, proto) = port_proto.split_once('/')?;
                Some((name, port.parse().ok()?, proto))
            })
            .collect()
    })
}

/// Looks up a service name as `getservbyname(name, proto)` would in
/// Debian's `/etc/services`; `proto` `None` accepts any protocol.
#[must_use]
pub fn service_port(name: &str, proto: Option<&str>) -> Option<u16> {
    services()
        .iter()
        .find(|(service, _, service_proto)| {
            *service == name && proto.is_none_or(|p| p == *service_proto)
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

/// Debian's `/etc/protocols`: name and number of every name and alias.
fn protocols() -> &'static [(&'static str, u8)] {
    static PROTOCOLS: OnceLock<Vec<(&str, u8)>> = OnceLock::new();
    PROTOCOLS.get_or_init(|| {
        netdb_names(include_str!("data/protocols.txt"))
            .filter_map(|(name, number)| Some((name, number.parse().ok()?)))
            .collect()
    })
}

/// Every protocol name iptables knows, in the order it looks them up:
/// its own names, then `/etc/protocols`.
fn protocol_names() -> impl Iterator<Item = (&'static str, u8)> {
    CHAIN_PROTOCOLS
        .iter()
        .copied()
        .chain(protocols().iter().copied())
}

/// `xtables_parse_protocol`: a number up to 255, one of iptables' own names,
/// or a name from `/etc/protocols`.
#[must_use]
pub fn parse_protocol(text: &str) -> Option<u8> {
    if let Some(number) = parse_uint(text, 0, 255) {
        return u8::try_from(number).ok();
    }
    protocol_names()
        .find(|(name, _)| *name == text)
        .map(|(_, number)| number)
}

/// The name iptables-save prints for a protocol number.
#[must_use]
pub fn protocol_name(number: u8) -> Option<&'static str> {
    if number == 0 {
        return Some("all");
    }
    protocol_names()
        .find(|(_, n)| *n == number)
        .map(|(name, _)| name)
}

/// `__numeric_to_ipaddr`: dotted IPv4 with C's number rules per byte. A
/// short address is completed with zeros (`10` is `10.0.0.0`) unless it is a
/// mask.
#[must_use]
pub fn parse_ipv4_numeric(text: &str, is_mask: bool) -> Option<Ipv4Addr> {
    plain_dotted_quad(text).or_else(|| ipv4_numeric_any(text, is_mask))
}

/// [`parse_ipv4_numeric`] for any text.
fn ipv4_numeric_any(text: &str, is_mask: bool) -> Option<Ipv4Addr> {
    // iptables copies the text into a 20-byte buffer first.
    let text = truncate_bytes(text, 19);
    let mut octets = [0u8; 4];
    let mut rest = text;
    for (index, octet) in octets.iter_mut().enumerate().take(3) {
        match split_once_ascii(rest, b'.') {
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

/// `text` when it is an address written the plain way, four bytes of one
/// to three decimal digits without a leading zero, each at most 255: what
/// [`parse_ipv4_numeric`] reads the same way, found in one pass. Anything
/// else gives `None`, and the long way decides.
fn plain_dotted_quad(text: &str) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut index = 0;
    let mut value: u16 = 0;
    let mut digits = 0;
    for &byte in text.as_bytes() {
        if byte == b'.' {
            if digits == 0 || index == 3 {
                return None;
            }
            octets[index] = u8::try_from(value).ok()?;
            index += 1;
            value = 0;
            digits = 0;
            continue;
        }
        let digit = byte.wrapping_sub(b'0');
        if digit > 9 || digits == 3 || (digits == 1 && value == 0) {
            return None;
        }
        value = value * 10 + u16::from(digit);
        digits += 1;
    }
    if index != 3 || digits == 0 {
        return None;
    }
    octets[3] = u8::try_from(value).ok()?;
    Some(Ipv4Addr::from(octets))
}

/// The first `max` bytes of `text`, cut back to a character boundary: what
/// iptables keeps of a string it copies into a fixed-size field.
#[must_use]
pub fn truncate_bytes(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
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
    let Some(mask) = mask else {
        return Ok(prefix_mask(address_width(family), family));
    };
    let dotted = match family {
        Family::V4 => parse_ipv4_numeric(mask, true).map(IpAddr::V4),
        Family::V6 => mask.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    };
    if let Some(dotted) = dotted {
        return Ok(dotted);
    }
    let bits = parse_uint(mask, 0, u64::from(address_width(family)))
        .ok_or_else(|| AddressError::InvalidMask(mask.to_string()))?;
    Ok(prefix_mask(u8::try_from(bits).unwrap_or(u8::MAX), family))
}

/// The number of bits of an address of `family`.
#[must_use]
pub fn address_width(family: Family) -> u8 {
    match family {
        Family::V4 => 32,
        Family::V6 => 128,
    }
}

/// `IPv4` or `IPv6`, for messages.
#[must_use]
pub fn family_name(family: Family) -> &'static str {
    match family {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// The unspecified address of `family` (`0.0.0.0`, `::`), which stands for
/// the addresses fwlint cannot know (host names).
#[must_use]
pub fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

/// The mask of a prefix length; a length above the family's width (a
/// non-contiguous mask, see [`parse_plen`]) leaves every bit set, as
/// `xtopt_parse_plenmask` does.
#[must_use]
pub fn prefix_mask(length: u8, family: Family) -> IpAddr {
    match family {
        Family::V4 => {
            let bits = match length {
                0 => 0,
                1..=32 => u32::MAX << (32 - length),
                _ => u32::MAX,
            };
            IpAddr::V4(Ipv4Addr::from(bits))
        }
        Family::V6 => {
            let bits = match length {
                0 => 0,
                1..=128 => u128::MAX << (128 - length),
                _ => u128::MAX,
            };
            IpAddr::V6(Ipv6Addr::from(bits))
        }
    }
}

/// `addr` with the bits outside `mask` cleared, as the kernel compares it.
#[must_use]
pub fn apply_mask(addr: IpAddr, mask: IpAddr) -> IpAddr {
    match (addr, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (addr, _) => addr,
    }
}

/// The prefix length of a mask, or `None` when it is not contiguous.
#[must_use]
pub fn mask_prefix(mask: IpAddr) -> Option<u8> {
    AddrMask { addr: mask, mask }.prefix_len()
}

/// Parses one `address[/mask]` as `xtables_ipparse_multiple` does for one
/// element of a comma-separated list.
pub fn parse_address(text: &str, family: Family) -> Result<ParsedAddress, AddressError> {
    let text = text.trim_start_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    if text.len() > 255 {
        return Err(AddressError::TooLong);
    }
    let (host, mask_text) = match text.bytes().rposition(|byte| byte == b'/') {
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

/// `XTTYPE_ETHERMAC`: six hexadecimal parts separated by colons, each read
/// with `strtoul(..., 16)` and at most two characters long.
#[must_use]
pub fn parse_mac(text: &str) -> Option<[u8; 6]> {
    let mut mac = [0u8; 6];
    let mut rest = text;
    for (index, byte) in mac.iter_mut().enumerate() {
        let (value, used) = strtoul(rest.as_bytes(), 16);
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
    strtoul_full(text.as_bytes(), 10)
        .filter(|(_, _, used)| *used == text.len())
        .map(|(value, _, _)| value)
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

/// An IPv6 address as `getaddrinfo` reads it, with an optional zone after
/// `%` (glibc's `__inet6_scopeid_pton`): a decimal number up to 2^32-1 for
/// any address, or an interface name for link-local and link- or
/// node-local multicast addresses. Returns the interface name when one was
/// used: it must exist on the machine that loads the rules.
#[must_use]
pub fn parse_ipv6(text: &str) -> Option<(Ipv6Addr, Option<&str>)> {
    let Some((address, zone)) = text.split_once('%') else {
        return text.parse().ok().map(|address| (address, None));
    };
    let address: Ipv6Addr = address.parse().ok()?;
    let segments = address.segments();
    let link_local = segments[0] & 0xffc0 == 0xfe80;
    let local_multicast = segments[0] & 0xff00 == 0xff00 && matches!(segments[0] & 0x000f, 1 | 2);
    if zone.starts_with(|c: char| c.is_ascii_digit()) {
        // A number (fwlint takes no interface name to start with a digit).
        let (number, used) = strtoul(zone.as_bytes(), 10);
        return (used == zone.len() && number <= u64::from(u32::MAX)).then_some((address, None));
    }
    let name_ok = !zone.is_empty() && check_interface(zone).is_ok_and(|warning| warning.is_none());
    ((link_local || local_multicast) && name_ok).then_some((address, Some(zone)))
}

/// A numeric address of `family`, as `getaddrinfo` reads it (IPv4 as
/// [`inet_aton`] does); an IPv6 zone may name only `lo`, the one interface
/// every machine has.
#[must_use]
pub fn numeric_address(text: &str, family: Family) -> Option<IpAddr> {
    match family {
        Family::V4 => inet_aton(text).map(IpAddr::V4),
        Family::V6 => parse_ipv6(text)
            .filter(|(_, zone)| zone.is_none_or(|zone| zone == "lo"))
            .map(|(address, _)| IpAddr::V6(address)),
    }
}

/// `xtopt_parse_plen`: a prefix length up to the family's width (a C
/// number), or a mask written as a numeric address (which `getaddrinfo`
/// reads, so `255` is the IPv4 mask `0.0.0.255`). A mask that is not
/// contiguous gives 255, as iptables stores `-1` in an 8-bit field, which
/// `XTTYPE_PLENMASK` turns into the full width (see [`prefix_mask`]).
/// `None` when neither reads.
#[must_use]
pub fn parse_plen(text: &str, family: Family) -> Option<u8> {
    let width = address_width(family);
    if let Some(length) = parse_uint(text, 0, u64::from(width)) {
        return u8::try_from(length).ok();
    }
    numeric_address(text, family).map(|mask| mask_prefix(mask).unwrap_or(u8::MAX))
}

/// What `getaddrinfo` makes of one host for options of type `XTTYPE_HOST`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostLookup<'t> {
    Addr(IpAddr),
    /// An IPv6 address whose zone names an interface (not `lo`): the
    /// machine that loads the rules must have it.
    Zoned(Ipv6Addr, &'t str),
    /// A host name, which iptables resolves when the rule is loaded.
    Name,
    Invalid,
}

/// `getaddrinfo` on one host of `family`: a numeric address (IPv4 as
/// [`inet_aton`] reads it, IPv6 with an optional zone, see
/// [`parse_ipv6`]) or a name.
#[must_use]
pub fn lookup_host(text: &str, family: Family) -> HostLookup<'_> {
    if family == Family::V6 {
        if let Some((address, zone)) = parse_ipv6(text) {
            return match zone.filter(|zone| *zone != "lo") {
                Some(interface) => HostLookup::Zoned(address, interface),
                None => HostLookup::Addr(IpAddr::V6(address)),
            };
        }
    }
    match numeric_address(text, family) {
        Some(address) => HostLookup::Addr(address),
        None if is_plausible_hostname(text) => HostLookup::Name,
        None => HostLookup::Invalid,
    }
}

/// C's `strtod` on the whole text (`end` must reach its end).
#[must_use]
pub fn strtod(text: &str) -> Option<f64> {
    strtod_prefix(text)
        .filter(|(_, used)| *used == text.len())
        .map(|(value, _)| value)
}

/// C's `strtod(text, &end)`: leading white space, a sign, then a decimal
/// number with an optional exponent, a hexadecimal one (`0x1.8p-1`), `inf`,
/// `infinity` or `nan`. Returns the value and the bytes read, `None` when
/// no number starts the text.
#[must_use]
pub fn strtod_prefix(text: &str) -> Option<(f64, usize)> {
    let (index, negative) = space_and_sign(text.as_bytes());
    let sign = if negative { -1.0 } else { 1.0 };
    let body = &text[index..];
    let lower = body.to_ascii_lowercase();
    if lower.starts_with("infinity") {
        return Some((sign * f64::INFINITY, index + 8));
    }
    if lower.starts_with("inf") {
        return Some((sign * f64::INFINITY, index + 3));
    }
    if let Some(after) = lower.strip_prefix("nan") {
        let mut used = 3;
        if let Some(inside) = after.strip_prefix('(') {
            if let Some(close) = inside.find(')') {
                if inside[..close]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_')
                {
                    used = 4 + close + 1;
                }
            }
        }
        return Some((f64::NAN, index + used));
    }
    let digits_at = |from: usize, hex: bool| {
        body.as_bytes()[from.min(body.len())..]
            .iter()
            .take_while(|b| {
                if hex {
                    b.is_ascii_hexdigit()
                } else {
                    b.is_ascii_digit()
                }
            })
            .count()
    };
    let is_hex = lower.starts_with("0x") && {
        let whole = digits_at(2, true);
        whole > 0 || (body.as_bytes().get(2) == Some(&b'.') && digits_at(3, true) > 0)
    };
    let (start, hex) = if is_hex { (2, true) } else { (0, false) };
    let whole = digits_at(start, hex);
    let mut end = start + whole;
    let mut fraction = 0;
    if body.as_bytes().get(end) == Some(&b'.') {
        fraction = digits_at(end + 1, hex);
        if whole + fraction > 0 {
            end += 1 + fraction;
        }
    }
    if whole + fraction == 0 {
        return None;
    }
    let exponent_mark: &[u8] = if hex { b"pP" } else { b"eE" };
    if body
        .as_bytes()
        .get(end)
        .is_some_and(|b| exponent_mark.contains(b))
    {
        let mut at = end + 1;
        if matches!(body.as_bytes().get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent_digits = digits_at(at, false);
        if exponent_digits > 0 {
            end = at + exponent_digits;
        }
    }
    let number = &body[..end];
    let magnitude = if hex {
        parse_hex_float(&number[2..].to_ascii_lowercase())?
    } else {
        number.parse::<f64>().ok()?
    };
    Some((sign * magnitude, index + end))
}

/// The part of a hexadecimal float after `0x`: hex digits with an optional
/// point, then an optional binary exponent `p[+-]N`.
fn parse_hex_float(text: &str) -> Option<f64> {
    let (mantissa, exponent) = match text.split_once('p') {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0f64;
    for digit in whole.chars() {
        value = value * 16.0 + f64::from(digit.to_digit(16)?);
    }
    let mut scale = 1f64 / 16.0;
    for digit in fraction.chars() {
        value += f64::from(digit.to_digit(16)?) * scale;
        scale /= 16.0;
    }
    let exponent: i32 = match exponent {
        Some(exponent) => {
            let digits = exponent.trim_start_matches(['+', '-']);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            exponent.parse().unwrap_or(if exponent.starts_with('-') {
                i32::MIN
            } else {
                i32::MAX
            })
        }
        None => 0,
    };
    Some(value * 2f64.powi(exponent))
}

/// C's `strtoll(text, NULL, 10)`, which `atoll` is: saturates at the
/// bounds of a 64-bit signed integer.
#[must_use]
pub fn atoll(text: &[u8]) -> i64 {
    let (mut index, negative) = space_and_sign(text);
    let mut value: i64 = 0;
    let mut overflow = false;
    while let Some(digit) = text.get(index).filter(|byte| byte.is_ascii_digit()) {
        let digit = i64::from(digit - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        });
        match next {
            Some(next) => value = next,
            None => overflow = true,
        }
        index += 1;
    }
    if overflow {
        return if negative { i64::MIN } else { i64::MAX };
    }
    value
}

/// C's `atoi` as glibc implements it: `(int) strtol(text, NULL, 10)`, so a
/// value beyond 32 bits keeps its low 32 bits.
#[must_use]
pub fn atoi(text: &[u8]) -> i32 {
    // Truncation to the low 32 bits is what glibc's `(int)` cast does.
    atoll(text) as i32
}

/// C's conversion of a `double` to an unsigned 32-bit integer as gcc does it
/// on x86-64: through a signed 64-bit integer (beyond its range, and for
/// NaN, that gives `i64::MIN`), keeping the low 32 bits.
#[must_use]
pub fn c_double_to_u32(value: f64) -> u32 {
    // 2^63.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    let wide = if value.is_nan() || !(-LIMIT..LIMIT).contains(&value) {
        i64::MIN
    } else {
        value as i64
    };
    wide as u32
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

    proptest::proptest! {
        #[test]
        fn plain_numbers_read_as_strtoul_reads_them(text in "[0-9x+ .-]{0,24}") {
            let long_way = c_strtoul(&text)
                .filter(|&(_, overflow, used)| !overflow && used == text.len())
                .map(|(value, _, _)| value);
            if let Some(value) = plain_decimal(&text) {
                proptest::prop_assert_eq!(Some(value), long_way);
            }
        }

        #[test]
        fn plain_addresses_read_as_the_long_way(
            text in "[0-9]{0,4}\\.[0-9]{0,4}\\.?[0-9]{0,4}\\.[0-9.]{0,5}",
        ) {
            if let Some(address) = plain_dotted_quad(&text) {
                proptest::prop_assert_eq!(Some(address), ipv4_numeric_any(&text, false));
                proptest::prop_assert_eq!(Some(address), ipv4_numeric_any(&text, true));
            }
        }
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
    fn strtoul_follows_glibc() {
        assert_eq!(strtoul(b"12:30", 10), (12, 2));
        assert_eq!(strtoul(b"", 10), (0, 0));
        assert_eq!(strtoul(b" +7x", 10), (7, 3));
        assert_eq!(strtoul(b"-1", 10), (u64::MAX, 2));
        assert_eq!(strtoul(b"-4294967296", 10).0 as u32, 0);
        assert_eq!(strtoul(b"0x1f", 0), (31, 4));
        assert_eq!(strtoul(b"0x", 0), (0, 1));
        assert_eq!(strtoul(b"08", 0), (0, 1));
        assert_eq!(strtoul(b"0x1f", 16), (31, 4));
        assert_eq!(strtoul(b"1f", 16), (31, 2));
        assert_eq!(strtoul(b"010", 10), (10, 3));
        assert_eq!(strtoul(b"99999999999999999999999", 10).0, u64::MAX);
        assert_eq!(
            strtoul_full(b"-99999999999999999999999", 0),
            Some((u64::MAX, true, 24))
        );
        assert_eq!(strtoul_full(b"+", 10), None);
    }

    #[test]
    fn atoi_keeps_the_low_32_bits() {
        assert_eq!(atoi(b"10abc"), 10);
        assert_eq!(atoi(b" +7/h"), 7);
        assert_eq!(atoi(b"4294967297"), 1);
        assert_eq!(atoi(b"2147483648"), i32::MIN);
        assert_eq!(atoi(b"99999999999999999999"), -1);
        assert_eq!(atoi(b"abc"), 0);
        assert_eq!(atoll(b"-99999999999999999999"), i64::MIN);
    }

    #[test]
    fn strtod_reads_what_c_reads() {
        assert_eq!(strtod("0.5"), Some(0.5));
        assert_eq!(strtod(" .5"), Some(0.5));
        assert_eq!(strtod("1e-1"), Some(0.1));
        assert_eq!(strtod("+1."), Some(1.0));
        assert_eq!(strtod("0x0.8"), Some(0.5));
        assert_eq!(strtod("0x1p-2"), Some(0.25));
        assert_eq!(strtod("-INF"), Some(f64::NEG_INFINITY));
        assert!(strtod("nan").is_some_and(f64::is_nan));
        assert_eq!(strtod("0.5x"), None);
        assert_eq!(strtod(""), None);
        assert_eq!(strtod("0x"), None);
        assert_eq!(strtod("e5"), None);
        assert_eq!(strtod_prefix("1e3kbit"), Some((1000.0, 3)));
        assert_eq!(strtod_prefix("5e"), Some((5.0, 1)));
        assert_eq!(strtod_prefix("0x10bit"), Some((267.0, 5)));
        assert_eq!(strtod_prefix("bit"), None);
        assert_eq!(strtod_prefix("."), None);
        assert_eq!(strtod_prefix("250.0ms"), Some((250.0, 5)));
        assert_eq!(strtod_prefix(" 1e6us"), Some((1e6, 4)));
        assert_eq!(strtod_prefix("0x10000"), Some((65536.0, 7)));
        assert_eq!(strtod_prefix("0x1.8p1s"), Some((3.0, 7)));
        assert_eq!(strtod_prefix("0xg"), Some((0.0, 1)));
        assert_eq!(strtod_prefix(".5s"), Some((0.5, 2)));
        assert_eq!(strtod_prefix("\x0b1"), Some((1.0, 2)));
    }

    #[test]
    fn doubles_convert_to_u32_as_on_x86_64() {
        assert_eq!(c_double_to_u32(1.9), 1);
        assert_eq!(c_double_to_u32(-1.0), u32::MAX);
        assert_eq!(c_double_to_u32(4_294_967_296.0), 0);
        assert_eq!(c_double_to_u32(f64::INFINITY), 0);
        assert_eq!(c_double_to_u32(f64::NAN), 0);
    }

    #[test]
    fn inet_aton_short_forms() {
        assert_eq!(inet_aton("10.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(inet_aton("10.1.2"), Some(Ipv4Addr::new(10, 1, 0, 2)));
        assert_eq!(inet_aton("0x01020304"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(
            inet_aton("0xffffff00"),
            Some(Ipv4Addr::new(255, 255, 255, 0))
        );
        assert_eq!(inet_aton("0x0a.0.0.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(inet_aton("1.2.3.04"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(inet_aton("1.2.65535"), Some(Ipv4Addr::new(1, 2, 255, 255)));
        assert_eq!(inet_aton("255.255.0"), Some(Ipv4Addr::new(255, 255, 0, 0)));
        assert_eq!(inet_aton("4294967295"), Some(Ipv4Addr::BROADCAST));
        assert_eq!(inet_aton("0x20"), Some(Ipv4Addr::new(0, 0, 0, 32)));
        assert_eq!(inet_aton("1"), Some(Ipv4Addr::new(0, 0, 0, 1)));
        for bad in [
            "",
            "08",
            "0x",
            "1.2.3.08",
            "1.2.3.256",
            "256.1",
            "1.256.0.0",
            "1.16777216",
            "1.2.65536",
            "1..2",
            "1.",
            "1.2.3.",
            "1.2.3.4.5",
            " 1.2.3.4",
            " 1",
            "1.2.3.4 ",
            "+1",
            "4294967296",
            "a",
        ] {
            assert_eq!(inet_aton(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn prefix_masks() {
        assert_eq!(parse_plen("0x18", Family::V4), Some(24));
        assert_eq!(parse_plen("255.0.255.0", Family::V4), Some(255));
        assert_eq!(parse_plen("", Family::V4), None);
        assert_eq!(parse_plen("ffff:ff00::", Family::V6), Some(24));
        assert_eq!(parse_plen("ffff::", Family::V6), Some(16));
        assert_eq!(parse_plen("ffff::1", Family::V6), Some(255));
        assert_eq!(parse_plen("129", Family::V6), None);
        assert_eq!(
            prefix_mask(255, Family::V4),
            IpAddr::V4(Ipv4Addr::BROADCAST)
        );
        assert_eq!(
            prefix_mask(24, Family::V4),
            IpAddr::V4(Ipv4Addr::new(255, 255, 255, 0))
        );
        assert_eq!(
            prefix_mask(0, Family::V6),
            IpAddr::V6(Ipv6Addr::UNSPECIFIED)
        );
    }

    #[test]
    fn ipv6_zones() {
        let link_local: Ipv6Addr = "fe80::1".parse().unwrap();
        assert_eq!(parse_ipv6("fe80::1%5"), Some((link_local, None)));
        assert_eq!(parse_ipv6("fe80::1%4294967295"), Some((link_local, None)));
        assert_eq!(parse_ipv6("fe80::1%lo"), Some((link_local, Some("lo"))));
        assert!(parse_ipv6("ff02::1%eth0").is_some());
        assert!(parse_ipv6("2001:db8::1%7").is_some());
        assert_eq!(parse_ipv6("2001:db8::1%lo"), None);
        assert_eq!(parse_ipv6("fe80::1%4294967296"), None);
        assert_eq!(parse_ipv6("fe80::1%0x5"), None);
        assert_eq!(parse_ipv6("fe80::1%"), None);
        // A name: it depends on the interfaces of the machine.
        assert_eq!(parse_ipv6("fe80::1%-1"), Some((link_local, Some("-1"))));
        assert_eq!(
            lookup_host("fe80::1%eth0", Family::V6),
            HostLookup::Zoned(link_local, "eth0")
        );
        assert_eq!(
            lookup_host("fe80::1%lo", Family::V6),
            HostLookup::Addr(IpAddr::V6(link_local))
        );
        assert_eq!(lookup_host("example.com", Family::V6), HostLookup::Name);
        assert_eq!(lookup_host("1.2.3.4", Family::V6), HostLookup::Invalid);
        assert_eq!(
            lookup_host("10.1", Family::V4),
            HostLookup::Addr(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
        );
    }

    #[test]
    fn prefixes_compare_like_strncasecmp() {
        assert!(starts_with_ignore_case("tcp-reset", "TCP"));
        assert!(starts_with_ignore_case("tcp-reset", ""));
        assert!(!starts_with_ignore_case("tcp-reset", "tcp-reset-x"));
        assert!(!starts_with_ignore_case("e", "é"));
    }

    #[test]
    fn interface_names_are_limited_to_15_bytes() {
        assert!(check_interface("eth0").is_ok());
        assert!(check_interface("a-very-long-name").is_err());
        assert!(check_interface("eth0/1").unwrap().is_some());
    }
}
