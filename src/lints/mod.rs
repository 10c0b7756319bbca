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
///
/// On a large file each pass is shared out between threads
/// ([`FileContext::in_tasks`]): the rules and chains of a table in runs of
/// chains, the table and file passes lint by lint. Each lint sees what it
/// would see one pass after another, and its findings come out in the
/// same order.
pub fn run_file(lints: &[&dyn Lint], cx: &mut FileContext<'_>) {
    // Each lint with its code, asked once rather than once per rule.
    let lints: Vec<(&dyn Lint, &'static LintMeta)> =
        lints.iter().map(|&lint| (lint, lint.meta())).collect();
    let analysed = lints.iter().any(|(lint, _)| lint.uses_analysis());
    let ruleset = cx.ruleset;
    for table in &ruleset.tables {
        let runs = runs_of_chains(table, rayon::current_num_threads());
        cx.in_tasks(&runs, analysed, |cx, run| {
            for chain in &table.chains[run.clone()] {
                // A block of rules at a time, each lint over the whole
                // block: the block's memory is fetched together first, and
                // every lint then finds it in the cache. The packet-flow
                // lints ask the analysis and read no rule here: fetching
                // would only wait for memory.
                for block in chain.rules.chunks(RULE_BLOCK) {
                    if !analysed {
                        crate::model::fetch_together(block);
                    }
                    for &(lint, meta) in &lints {
                        cx.current = meta;
                        for rule in block {
                            lint.check_rule(cx, table, chain, rule);
                        }
                    }
                }
                for &(lint, meta) in &lints {
                    cx.current = meta;
                    lint.check_chain(cx, table, chain);
                }
            }
        });
        cx.in_tasks(&lints, analysed, |cx, &(lint, meta)| {
            cx.current = meta;
            lint.check_table(cx, table);
        });
    }
    cx.in_tasks(&lints, analysed, |cx, &(lint, meta)| {
        cx.current = meta;
        lint.check_file(cx);
    });
}

/// How many rules of a chain each lint checks before the next lint: a
/// block of rules (with their matches) stays in the core's cache.
const RULE_BLOCK: usize = 256;

/// The chains of `table` in runs of about the same number of rules, a few
/// per thread so that a thread that finishes early takes another.
fn runs_of_chains(table: &Table, threads: usize) -> Vec<std::ops::Range<usize>> {
    let rules: usize = table.chains.iter().map(|chain| chain.rules.len()).sum();
    let per_run = rules.div_ceil(4 * threads.max(1)).max(1);
    let mut runs = Vec::new();
    let mut start = 0;
    let mut taken = 0;
    for (index, chain) in table.chains.iter().enumerate() {
        taken += chain.rules.len();
        if taken >= per_run {
            runs.push(start..index + 1);
            start = index + 1;
            taken = 0;
        }
    }
    if start < table.chains.len() {
        runs.push(start..table.chains.len());
    }
    runs
}

/// Runs the cross-file pass of `lints` over a whole run.
pub fn run_all_files(lints: &[&dyn Lint], cx: &mut RunContext<'_>) {
    for lint in lints {
        cx.current = lint.meta();
        lint.check_run(cx);
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::engine::{Settings, check_source};
    use crate::source::SourceFile;

    /// Rules that the lints of both passes find things in: copies, backward
    /// ranges, host names, shadowed and redundant rules, rules about the
    /// address a DNAT rewrites, rejects in the wrong place.
    const RULES: [&str; 12] = [
        "-p tcp -m tcp --dport 22 -j ACCEPT",
        "-s 10.0.0.0/8 -p udp -m udp --dport 2000:1000 -j ACCEPT",
        "-s backup.example.com -j ACCEPT",
        "-d 203.0.113.1/32 -p tcp -m tcp --dport 443 -j ACCEPT",
        "-p tcp -m multiport --dports 80,443 -m conntrack --ctstate NEW -j ACCEPT",
        "-j DROP",
        "-p tcp -m tcp --dport 22 -m comment --comment \"ssh \\\"in\\\"\" -j ACCEPT",
        "-i eth0 -o eth1 -j ACCEPT",
        "-i eth1 -o eth0 -j ACCEPT",
        "-p icmp -j REJECT --reject-with tcp-reset",
        "-m state --state ESTABLISHED -j ACCEPT",
        "-p tcp -m limit --limit 5/min -j LOG --log-prefix \"fw: \"",
    ];

    /// A file of at least `PARALLEL_RULES` rules: `chains` chains, each
    /// holding `picks` of [`RULES`] again and again, jumped to from INPUT
    /// and FORWARD.
    fn large_file(picks: &[usize], chains: usize) -> String {
        let mut text = String::from(
            "*nat\n-A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 443 -j DNAT --to-destination 192.168.1.2:8443\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n",
        );
        let per_chain = super::context::PARALLEL_RULES / chains + 1;
        for chain in 0..chains {
            text.push_str(&format!(":C{chain} - [0:0]\n"));
        }
        for chain in 0..chains {
            text.push_str(&format!("-A INPUT -j C{chain}\n-A FORWARD -j C{chain}\n"));
            for index in 0..per_chain {
                let rule = RULES[picks[index % picks.len()]];
                text.push_str(&format!("-A C{chain} {rule}\n"));
            }
        }
        text.push_str("COMMIT\n");
        text
    }

    fn check_on_threads(text: &str, threads: usize) -> Vec<crate::diagnostics::Diagnostic> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool");
        pool.install(|| {
            check_source(SourceFile::new("large.v4", text), &Settings::default()).diagnostics
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(6))]

        /// A large file checked on several threads reports exactly what
        /// it reports on one, in the same order.
        #[test]
        fn threads_change_no_finding(
            picks in proptest::collection::vec(0..RULES.len(), 1..40),
            chains in 1usize..60,
        ) {
            let text = large_file(&picks, chains);
            let alone = check_on_threads(&text, 1);
            prop_assert!(!alone.is_empty());
            prop_assert_eq!(check_on_threads(&text, 2), alone.clone());
            prop_assert_eq!(check_on_threads(&text, 3), alone);
        }
    }
}
