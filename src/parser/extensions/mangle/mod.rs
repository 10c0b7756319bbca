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

pub(crate) use crate::parser::values::parse_plen;

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
    use super::{DEFS, parse_plen};
    use crate::model::{ExtensionKind, Family};
    use crate::parser::extensions::Termination;
    use crate::parser::values::inet_aton;

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
