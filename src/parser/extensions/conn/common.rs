//! Helpers shared by the extensions of this group: the C library functions
//! iptables relies on (`atoi`, `strtoul`, `inet_aton` through `getaddrinfo`)
//! emulated exactly, and the libxtables address types `XTTYPE_HOST`,
//! `XTTYPE_HOSTMASK`, `XTTYPE_PLEN` and `XTTYPE_PLENMASK`, whose quirks
//! (short IPv4 forms, non-contiguous masks) the generic parsers do not
//! follow.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{AddrMask, Family, RateUnit};
use crate::parser::extensions::{ExtError, OptCall};
use crate::parser::values;

/// C's `isspace` in the "C" locale.
fn is_c_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// C's `strtoul(text, &end, base)` for base 0 or 10 on a 64-bit machine:
/// leading white space, a sign (a `-` negates the result modulo 2^64), an
/// optional `0x`/`0` prefix in base 0, digits; an overflow gives
/// `u64::MAX`. Returns the value and the number of bytes read, 0 when no
/// digit was read (then `end` is the start of the text).
#[must_use]
pub fn strtoul(text: &[u8], base: u32) -> (u64, usize) {
    let mut index = 0;
    while text.get(index).copied().is_some_and(is_c_space) {
        index += 1;
    }
    let negative = text.get(index) == Some(&b'-');
    if matches!(text.get(index), Some(b'-' | b'+')) {
        index += 1;
    }
    let mut radix = if base == 0 { 10 } else { base };
    if base == 0 && text.get(index) == Some(&b'0') {
        if matches!(text.get(index + 1), Some(b'x' | b'X'))
            && text.get(index + 2).is_some_and(u8::is_ascii_hexdigit)
        {
            radix = 16;
            index += 2;
        } else {
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
        return (0, 0);
    }
    if overflow {
        return (u64::MAX, index);
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

/// C's `strtoll(text, NULL, 10)`, which `atoll` is: saturates at the
/// bounds of a 64-bit signed integer.
#[must_use]
pub fn atoll(text: &[u8]) -> i64 {
    let mut index = 0;
    while text.get(index).copied().is_some_and(is_c_space) {
        index += 1;
    }
    let negative = text.get(index) == Some(&b'-');
    if matches!(text.get(index), Some(b'-' | b'+')) {
        index += 1;
    }
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

/// The unit of a rate (`/second`, `/minute`, `/hour`, `/day`): any prefix
/// of these words, in any case, as `strncasecmp(unit, word, strlen(unit))`
/// finds it, tried in that order.
#[must_use]
pub fn rate_unit(unit: &str) -> Option<(RateUnit, u64)> {
    if unit.is_empty() {
        return None;
    }
    [
        ("second", RateUnit::Second, 1),
        ("minute", RateUnit::Minute, 60),
        ("hour", RateUnit::Hour, 3600),
        ("day", RateUnit::Day, 86400),
    ]
    .into_iter()
    .find(|(word, _, _)| {
        word.len() >= unit.len()
            && word.as_bytes()[..unit.len()].eq_ignore_ascii_case(unit.as_bytes())
    })
    .map(|(_, unit, seconds)| (unit, seconds))
}

/// glibc's `inet_aton` as `getaddrinfo` uses it (`__inet_aton_exact`):
/// one to four parts separated by dots, each a C number (decimal, octal
/// with a leading `0`, hexadecimal with `0x`); the last part fills the
/// bytes left (`10.1` is `10.0.0.1`), and nothing may follow.
#[must_use]
pub fn inet_aton(text: &str) -> Option<Ipv4Addr> {
    const LAST_MAX: [u64; 4] = [0xffff_ffff, 0xff_ffff, 0xffff, 0xff];
    let bytes = text.as_bytes();
    let mut parts: Vec<u64> = Vec::with_capacity(3);
    let mut index = 0;
    loop {
        if !bytes.get(index).is_some_and(u8::is_ascii_digit) {
            return None;
        }
        let (value, used) = strtoul(&bytes[index..], 0);
        if value > 0xffff_ffff {
            return None;
        }
        index += used;
        if bytes.get(index) == Some(&b'.') {
            if parts.len() > 2 || value > 0xff {
                return None;
            }
            parts.push(value);
            index += 1;
        } else {
            if index != bytes.len() || value > LAST_MAX[parts.len()] {
                return None;
            }
            let mut address = value;
            for (position, part) in parts.iter().enumerate() {
                address |= part << (24 - 8 * position);
            }
            return u32::try_from(address).ok().map(Ipv4Addr::from);
        }
    }
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
    let name_ok =
        !zone.is_empty() && values::check_interface(zone).is_ok_and(|warning| warning.is_none());
    ((link_local || local_multicast) && name_ok).then_some((address, Some(zone)))
}

/// A numeric address of `family`, as `getaddrinfo` reads it; an IPv6 zone
/// may name only `lo`, the one interface every machine has.
#[must_use]
pub fn numeric_address(text: &str, family: Family) -> Option<IpAddr> {
    match family {
        Family::V4 => inet_aton(text).map(IpAddr::V4),
        Family::V6 => parse_ipv6(text)
            .filter(|(_, zone)| zone.is_none_or(|zone| zone == "lo"))
            .map(|(address, _)| IpAddr::V6(address)),
    }
}

fn family_width(family: Family) -> u8 {
    match family {
        Family::V4 => 32,
        Family::V6 => 128,
    }
}

fn unspecified(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
        Family::V6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
    }
}

fn family_name(family: Family) -> &'static str {
    match family {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// `XTTYPE_HOST`: one address, which `getaddrinfo` reads; a host name is
/// resolved when the rule is loaded, which fwlint does not do: it warns
/// and gives the unspecified address.
pub fn parse_host(call: &mut OptCall<'_, '_>, text: &str) -> Result<IpAddr, ExtError> {
    let family = call.rule.family;
    if family == Family::V6 {
        if let Some((address, zone)) = parse_ipv6(text) {
            if let Some(interface) = zone.filter(|zone| *zone != "lo") {
                call.warn(format!(
                    "`{text}` names interface `{interface}`: the machine that loads the rules must have it"
                ));
            }
            return Ok(IpAddr::V6(address));
        }
    }
    if let Some(address) = numeric_address(text, family) {
        return Ok(address);
    }
    if values::is_plausible_hostname(text) {
        call.warn(format!(
            "`{text}` is a host name: iptables resolves it once, when the rule is loaded"
        ));
        return Ok(unspecified(family));
    }
    Err(call
        .error(format!(
            "`{text}` is not an {} address",
            family_name(family)
        ))
        .help(match family {
            Family::V4 => "write an IPv4 address such as `192.0.2.1`",
            Family::V6 => "write an IPv6 address such as `2001:db8::1`",
        }))
}

/// The prefix length of a mask, or `None` when it is not contiguous.
fn mask_prefix(mask: IpAddr) -> Option<u8> {
    AddrMask { addr: mask, mask }.prefix_len()
}

/// `xtopt_parse_plen`: a prefix length up to the family's width, or a
/// mask written as an address (which `getaddrinfo` reads, so `255` is the
/// IPv4 mask `0.0.0.255`). A mask that is not contiguous gives 255, as
/// iptables stores `-1` in an 8-bit field. `None` when neither reads.
#[must_use]
pub fn parse_plen(text: &str, family: Family) -> Option<u8> {
    let width = family_width(family);
    if let Some(length) = values::parse_uint(text, 0, u64::from(width)) {
        return u8::try_from(length).ok();
    }
    numeric_address(text, family).map(|mask| mask_prefix(mask).unwrap_or(u8::MAX))
}

/// The mask of a prefix length; a length above the family's width (a
/// non-contiguous mask, see [`parse_plen`]) leaves every bit set, as
/// `xtopt_parse_plenmask` does.
#[must_use]
pub fn plen_mask(length: u8, family: Family) -> IpAddr {
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

fn apply_mask(address: IpAddr, mask: IpAddr) -> IpAddr {
    match (address, mask) {
        (IpAddr::V4(a), IpAddr::V4(m)) => IpAddr::V4(Ipv4Addr::from(u32::from(a) & u32::from(m))),
        (IpAddr::V6(a), IpAddr::V6(m)) => IpAddr::V6(Ipv6Addr::from(u128::from(a) & u128::from(m))),
        (address, _) => address,
    }
}

/// `XTTYPE_PLEN` or `XTTYPE_PLENMASK` of option `call`: the prefix length
/// as iptables stores it (255 for a non-contiguous mask).
pub fn parse_plen_option(call: &mut OptCall<'_, '_>) -> Result<u8, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    parse_plen(text, family).ok_or_else(|| {
        let width = family_width(family);
        call.error(format!(
            "`--{}` needs a prefix length from 0 to {width} or a network mask, not `{text}`",
            call.spec.name
        ))
    })
}

/// `XTTYPE_HOSTMASK`: `address[/mask]`, split at the first `/`; the mask is
/// a prefix length or an address-form mask. iptables turns a
/// non-contiguous mask (or a number it reads as one, as `/33`) into a
/// full-length mask without a word: fwlint warns. The address of the
/// result has its host bits cleared, as the kernel compares it.
pub fn parse_host_mask(call: &mut OptCall<'_, '_>) -> Result<AddrMask, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let (host, mask_text) = match text.split_once('/') {
        Some((host, mask)) => (host, Some(mask)),
        None => (text, None),
    };
    let address = parse_host(call, host)?;
    let width = family_width(family);
    let length = match mask_text {
        None => width,
        Some(mask_text) => {
            let length = parse_plen(mask_text, family).ok_or_else(|| {
                call.error(format!(
                    "`/{mask_text}` in `--{}` is neither a prefix length from 0 to {width} nor a network mask",
                    call.spec.name
                ))
            })?;
            if length > width {
                call.warn(format!(
                    "`/{mask_text}` is not a contiguous network mask: iptables silently uses /{width}, matching this one address only"
                ));
            }
            length
        }
    };
    let mask = plen_mask(length, family);
    Ok(AddrMask {
        addr: apply_mask(address, mask),
        mask,
    })
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
    let bytes = text.as_bytes();
    let mut index = 0;
    while bytes.get(index).copied().is_some_and(is_c_space) {
        index += 1;
    }
    let negative = bytes.get(index) == Some(&b'-');
    if matches!(bytes.get(index), Some(b'-' | b'+')) {
        index += 1;
    }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(strtoul(b"99999999999999999999999", 10).0, u64::MAX);
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
    }

    #[test]
    fn rate_units_are_prefixes() {
        assert_eq!(rate_unit("s"), Some((RateUnit::Second, 1)));
        assert_eq!(rate_unit("MIN"), Some((RateUnit::Minute, 60)));
        assert_eq!(rate_unit("h"), Some((RateUnit::Hour, 3600)));
        assert_eq!(rate_unit("day"), Some((RateUnit::Day, 86400)));
        assert_eq!(rate_unit("seconds"), None);
        assert_eq!(rate_unit(""), None);
    }

    #[test]
    fn inet_aton_short_forms() {
        assert_eq!(inet_aton("10.1"), Some(Ipv4Addr::new(10, 0, 0, 1)));
        assert_eq!(inet_aton("10.1.2"), Some(Ipv4Addr::new(10, 1, 0, 2)));
        assert_eq!(inet_aton("0x01020304"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(inet_aton("1.2.3.04"), Some(Ipv4Addr::new(1, 2, 3, 4)));
        assert_eq!(inet_aton("33"), Some(Ipv4Addr::new(0, 0, 0, 33)));
        assert_eq!(inet_aton("1.2.3.08"), None);
        assert_eq!(inet_aton("1.2.3.256"), None);
        assert_eq!(inet_aton("256.1"), None);
        assert_eq!(inet_aton("1..2"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton(" 1.2.3.4"), None);
        assert_eq!(inet_aton("1.2.3.4 "), None);
        assert_eq!(inet_aton(""), None);
    }

    #[test]
    fn prefix_lengths_and_masks() {
        assert_eq!(parse_plen("24", Family::V4), Some(24));
        assert_eq!(parse_plen("0x18", Family::V4), Some(24));
        assert_eq!(parse_plen("255.255.0.0", Family::V4), Some(16));
        assert_eq!(parse_plen("255.0.255.0", Family::V4), Some(255));
        assert_eq!(parse_plen("33", Family::V4), Some(255));
        assert_eq!(parse_plen("", Family::V4), None);
        assert_eq!(parse_plen("ffff:ff00::", Family::V6), Some(24));
        assert_eq!(parse_plen("129", Family::V6), None);
        assert_eq!(plen_mask(255, Family::V4), IpAddr::V4(Ipv4Addr::BROADCAST));
        assert_eq!(plen_mask(0, Family::V6), IpAddr::V6(Ipv6Addr::UNSPECIFIED));
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
    }
}
