//! Targets that change packets or their metadata and let traversal go on:
//! marks, TOS/DSCP, TTL/hop limit, MSS clamping, checksums, security
//! contexts, set membership, and IPv6 prefix translation.

mod checksum;
mod classify;
mod clusterip;
mod connmark;
mod connsecmark;
mod dnpt;
mod dscp;
mod ecn;
mod hl;
mod hmark;
mod idletimer;
mod led;
mod mark;
mod rateest;
mod secmark;
mod set;
mod snpt;
mod tcpmss;
mod tcpoptstrip;
mod tos;
mod ttl;

use super::{ExtError, ExtensionDef, KernelCall};
use crate::model::TableKind;

pub static DEFS: &[&ExtensionDef] = &[
    &mark::MARK,
    &connmark::CONNMARK,
    &classify::CLASSIFY,
    &dscp::DSCP,
    &tos::TOS,
    &ttl::TTL,
    &hl::HL,
    &tcpmss::TCPMSS4,
    &tcpmss::TCPMSS6,
    &tcpoptstrip::TCPOPTSTRIP,
    &checksum::CHECKSUM,
    &ecn::ECN,
    &connsecmark::CONNSECMARK,
    &secmark::SECMARK,
    &idletimer::IDLETIMER,
    &led::LED,
    &rateest::RATEEST,
    &hmark::HMARK,
    &set::SET,
    &dnpt::DNPT,
    &snpt::SNPT,
    &clusterip::CLUSTERIP,
];

/// [`crate::model::Hook::bit`] in a constant context (the framework's
/// method is not `const`).
pub(crate) const fn hook_bit(hook: crate::model::Hook) -> u8 {
    1 << hook as u8
}

/// The kernel check of the security-context targets: they work only in the
/// mangle and security tables.
pub(crate) fn mangle_or_security(call: &KernelCall<'_>) -> Result<(), ExtError> {
    if matches!(call.table, TableKind::Mangle | TableKind::Security) {
        return Ok(());
    }
    Err(call
        .error(format!(
            "`{}` works only in the mangle and security tables, not in {}",
            call.extension.name,
            call.table.as_str()
        ))
        .help("move the rule to the security table (or mangle)"))
}

/// glibc's `inet_aton` on the whole text, as `getaddrinfo` with
/// `AI_NUMERICHOST` uses it for IPv4: one to four parts in C notation
/// (decimal, `0x` hex, `0` octal), the last part filling the remaining
/// bytes (`33` is `0.0.0.33`, `10.1` is `10.0.0.1`).
pub(crate) fn inet_aton(text: &str) -> Option<std::net::Ipv4Addr> {
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
    // The last part fills the bytes the others leave.
    let last_bits = 8 * (4 - leading.len());
    if leading.iter().any(|&part| part > 0xff) || *last >> last_bits != 0 {
        return None;
    }
    let mut address: u64 = *last;
    for (index, &part) in leading.iter().enumerate() {
        address |= part << (8 * (3 - index));
    }
    Some(std::net::Ipv4Addr::from(u32::try_from(address).ok()?))
}

/// `xtopt_parse_plen`: a prefix length from 0 to the family's width, or a
/// numeric mask of the family (any IPv4 notation `inet_aton` reads). A mask
/// whose bits are not contiguous gives 255, as iptables' `-1` in a byte.
pub(crate) fn parse_plen(text: &str, family: crate::model::Family) -> Option<u8> {
    use crate::model::Family;
    let width = match family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    if let Some(length) = crate::parser::values::parse_uint(text, 0, width) {
        return u8::try_from(length).ok();
    }
    let bits: u128 = match family {
        Family::V4 => u128::from(u32::from(inet_aton(text)?)) << 96,
        Family::V6 => u128::from(text.parse::<std::net::Ipv6Addr>().ok()?),
    };
    let ones = bits.leading_ones();
    if bits.checked_shl(ones).unwrap_or(0) != 0 {
        return Some(255);
    }
    u8::try_from(ones.min(u32::try_from(width).unwrap_or(128))).ok()
}

/// The first `max` bytes of `text` (cut back to a character boundary): what
/// iptables keeps of a string it copies into a fixed-size field.
pub(crate) fn kept_bytes(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::{DEFS, inet_aton, parse_plen};
    use crate::model::{ExtensionKind, Family};
    use crate::parser::extensions::Termination;

    #[test]
    fn every_target_lets_traversal_go_on_but_clusterip() {
        for def in DEFS {
            assert_eq!(def.kind, ExtensionKind::Target, "{}", def.name);
            let expected = if def.name == "CLUSTERIP" {
                Termination::Depends
            } else {
                Termination::Continues
            };
            assert_eq!(def.termination, expected, "{}", def.name);
        }
    }

    #[test]
    fn numeric_ipv4_and_prefix_lengths() {
        assert_eq!(inet_aton("33"), Some([0, 0, 0, 33].into()));
        assert_eq!(inet_aton("10.1"), Some([10, 0, 0, 1].into()));
        assert_eq!(inet_aton("0x20"), Some([0, 0, 0, 32].into()));
        assert_eq!(inet_aton("4294967295"), Some([255, 255, 255, 255].into()));
        assert_eq!(inet_aton("255.255.0"), Some([255, 255, 0, 0].into()));
        assert_eq!(inet_aton("4294967296"), None);
        assert_eq!(inet_aton("1.256.0.0"), None);
        assert_eq!(inet_aton("1.2.3.4.5"), None);
        assert_eq!(inet_aton("0x"), None);
        assert_eq!(inet_aton("08"), None);
        assert_eq!(inet_aton(" 1"), None);
        assert_eq!(parse_plen("24", Family::V4), Some(24));
        assert_eq!(parse_plen("255.255.0.0", Family::V4), Some(16));
        assert_eq!(parse_plen("33", Family::V4), Some(255));
        assert_eq!(parse_plen("129", Family::V6), None);
        assert_eq!(parse_plen("ffff::", Family::V6), Some(16));
        assert_eq!(parse_plen("ffff::1", Family::V6), Some(255));
    }
}

#[cfg(test)]
mod robustness {
    use proptest::prelude::*;

    use crate::model::Family;
    use crate::parser::extensions::testing::load;

    const RULES: [&str; 12] = [
        "-j MARK --set-mark",
        "-j CLASSIFY --set-class",
        "-j DSCP --set-dscp-class",
        "-j TOS --set-tos",
        "-p tcp -j TCPOPTSTRIP --strip-options",
        "-j RATEEST --rateest-name a --rateest-ewmalog 1s --rateest-interval",
        "-j HMARK --hmark-rnd 1 --hmark-mod 2 --hmark-tuple",
        "-j HMARK --hmark-rnd 1 --hmark-mod 2 --hmark-src-prefix",
        "-j SET --add-set a",
        "-j DNPT --dst-pfx ::/64 --src-pfx",
        "-j IDLETIMER --timeout 1 --label",
        "-j LED --led-trigger-id a --led-delay",
    ];

    proptest! {
        #[test]
        fn arguments_never_panic(index in 0..RULES.len(), argument in "[ -~]{0,40}|\\PC{0,12}") {
            let argument = argument.replace(['"', '\'', '\\'], "x");
            for family in [Family::V4, Family::V6] {
                let _ = load(family, "mangle", "PREROUTING", &format!("{} \"{argument}\"", RULES[index]));
            }
        }
    }
}
