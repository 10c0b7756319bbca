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

#[cfg(test)]
mod tests {
    use super::DEFS;
    use crate::model::ExtensionKind;
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
