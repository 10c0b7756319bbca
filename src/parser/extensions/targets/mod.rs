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

use super::ExtensionDef;

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

#[cfg(test)]
mod tests {
    use super::DEFS;

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
}
