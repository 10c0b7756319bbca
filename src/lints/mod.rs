//! The lints: one file per lint, each with its code, name, category and
//! documentation (the doc comment above its `declare_code!`), and a check
//! over the model. The engine runs the enabled lints as an ordered
//! pipeline of passes over each file (rule, chain, table, file) and then
//! over all files of a run together.
//!
//! Lints read only the model and the source; they know nothing of parsing
//! or of output formats. Adding a lint means writing its file and adding
//! one line to [`ALL`].

mod chain_loop;
mod context;
mod deprecated_state_match;
mod duplicate_rule;
mod filtering_in_nat_table;
mod flow;
mod forward_matches_pre_nat_address;
mod forward_rule_for_local_service;
mod hostname_in_address;
mod icmp_blocked;
mod input_rule_for_forwarded_port;
mod ipv6_weaker_than_ipv4;
mod local_service_exposed;
mod log_without_limit;
mod missing_established_accept;
mod missing_loopback_accept;
mod permissive_policy;
mod port_range_reversed;
mod redundant_rule;
mod reject_misuse;
mod rules;
mod shadowed_rule;
#[cfg(test)]
pub(crate) mod testing;
mod undefined_chain;
mod unreachable_rule;
mod unused_chain;
pub(crate) mod unused_suppression;

pub use context::{FileContext, FileFacts, RunContext, RunFile};
pub use flow::describe_addresses;
pub use ipv6_weaker_than_ipv4::{pair_key, v6_sibling};

use crate::diagnostics::LintMeta;
use crate::model::{Chain, Rule, Table};

/// A lint. Every hook has an empty default; a lint implements the passes
/// it needs.
pub trait Lint: Sync {
    fn meta(&self) -> &'static LintMeta;

    /// Whether the lint reads the packet-flow analysis
    /// ([`FileContext::analysis`]). The other lints run while the analysis
    /// is being built.
    fn uses_analysis(&self) -> bool {
        false
    }

    /// Once per rule, in file order.
    fn check_rule(&self, _cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, _rule: &Rule) {}

    /// Once per chain, after its rules.
    fn check_chain(&self, _cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain) {}

    /// Once per table, after its chains.
    fn check_table(&self, _cx: &mut FileContext<'_>, _table: &Table) {}

    /// Once per file, after its tables.
    fn check_file(&self, _cx: &mut FileContext<'_>) {}

    /// Once per run, over all files (pairing IPv4 and IPv6 files of a host).
    fn check_run(&self, _cx: &mut RunContext<'_>) {}
}

/// Every lint, in the order of `fwlint rule --all`.
pub static ALL: &[&dyn Lint] = &[
    &undefined_chain::UndefinedChain,
    &chain_loop::ChainLoop,
    &unreachable_rule::UnreachableRule,
    &shadowed_rule::ShadowedRule,
    &redundant_rule::RedundantRule,
    &forward_rule_for_local_service::ForwardRuleForLocalService,
    &forward_matches_pre_nat_address::ForwardMatchesPreNatAddress,
    &input_rule_for_forwarded_port::InputRuleForForwardedPort,
    &duplicate_rule::DuplicateRule,
    &unused_chain::UnusedChain,
    &port_range_reversed::PortRangeReversed,
    &reject_misuse::RejectMisuse,
    &filtering_in_nat_table::FilteringInNatTable,
    &permissive_policy::PermissivePolicy,
    &local_service_exposed::LocalServiceExposed,
    &missing_loopback_accept::MissingLoopbackAccept,
    &missing_established_accept::MissingEstablishedAccept,
    &icmp_blocked::IcmpBlocked,
    &log_without_limit::LogWithoutLimit,
    &hostname_in_address::HostnameInAddress,
    &ipv6_weaker_than_ipv4::Ipv6WeakerThanIpv4,
    &deprecated_state_match::DeprecatedStateMatch,
    &unused_suppression::UnusedSuppression,
];

/// Runs the per-file passes of `lints` on one file.
pub fn run_file(lints: &[&dyn Lint], cx: &mut FileContext<'_>) {
    let ruleset = cx.ruleset;
    for table in &ruleset.tables {
        for chain in &table.chains {
            for rule in &chain.rules {
                for lint in lints {
                    cx.current = lint.meta();
                    lint.check_rule(cx, table, chain, rule);
                }
            }
            for lint in lints {
                cx.current = lint.meta();
                lint.check_chain(cx, table, chain);
            }
        }
        for lint in lints {
            cx.current = lint.meta();
            lint.check_table(cx, table);
        }
    }
    for lint in lints {
        cx.current = lint.meta();
        lint.check_file(cx);
    }
}

/// Runs the cross-file pass of `lints` over a whole run.
pub fn run_all_files(lints: &[&dyn Lint], cx: &mut RunContext<'_>) {
    for lint in lints {
        cx.current = lint.meta();
        lint.check_run(cx);
    }
}
