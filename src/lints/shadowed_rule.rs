//! FW107 `shadowed-rule`: a rule whose packets earlier rules all decide
//! otherwise, following jumps, gotos, RETURN and policies.

use super::flow::{Dead, judged_rules, name_place, own_decision, via_jump};
use super::rules::join_lines as join;
use super::{FileContext, Lint};
use crate::analysis::eval::{Action, Evaluator};
use crate::analysis::space::PacketSet;
use crate::analysis::{Decision, Place};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::source::{SourceFile, Span};

declare_code! {
    /// ## What it does
    /// Reports a rule that never matches a packet because the rules before
    /// it decide every packet it would match, with another verdict: no
    /// single earlier rule has to cover it, several together may. fwlint
    /// follows jumps, gotos, `RETURN` and user chains, and says which
    /// rules take the packets.
    ///
    /// A rule is reported only when this holds whatever the matches and
    /// targets fwlint does not know do; rules after a rule that matches
    /// everything are `unreachable-rule`'s.
    ///
    /// ## Why is this bad?
    /// The rule looks active but does nothing: the traffic it was written
    /// for is accepted (or dropped) elsewhere, usually because it was added
    /// below a broader rule.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -s 192.0.2.0/24 -j ACCEPT
    /// -A INPUT -s 192.0.2.66 -p tcp --dport 22 -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -s 192.0.2.66 -p tcp --dport 22 -j DROP
    /// -A INPUT -s 192.0.2.0/24 -j ACCEPT
    /// COMMIT
    /// ```
    pub static SHADOWED_RULE = {
        code: "FW107",
        name: "shadowed-rule",
        category: Correctness,
        summary: "a rule whose packets earlier rules all decide otherwise",
    };
}

pub struct ShadowedRule;

impl Lint for ShadowedRule {
    fn meta(&self) -> &'static LintMeta {
        &SHADOWED_RULE
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_file(&self, cx: &mut FileContext<'_>) {
        let mut findings = Vec::new();
        {
            let analysis = cx.analysis();
            for (evaluator, chain_index, chain, rule_index, rule) in
                judged_rules(analysis, cx.facts)
            {
                let Some(Dead::Taken {
                    by,
                    returned,
                    packets,
                }) = cx.dead_rule(evaluator.table.kind, chain_index, rule_index)
                else {
                    continue;
                };
                let own = own_decision(evaluator, chain_index, rule_index);
                let all_same = own.is_some()
                    && !returned
                    && by
                        .iter()
                        .all(|(_, decision)| Some(decision) == own.as_ref());
                if all_same {
                    // Decided the same way before: `redundant-rule`.
                    continue;
                }
                let takers =
                    name_takers(evaluator, cx.source, chain_index, rule_index, by, packets);
                let own_callee = match evaluator.action(chain_index, rule_index).0 {
                    Action::Jump(callee) | Action::Goto(callee) => Some(callee),
                    _ => None,
                };
                if !returned
                    && own_callee.is_some()
                    && takers.iter().all(|taker| taker.via == own_callee)
                {
                    // An earlier jump to the same chain already
                    // sends it every packet: a repeat, not a
                    // contradiction.
                    continue;
                }
                findings.push((rule.span, chain.name.clone(), takers, *returned));
            }
        }
        for (span, chain, takers, returned) in findings {
            let lines: Vec<String> = takers.iter().map(|taker| taker.name.clone()).collect();
            let by = match (lines.is_empty(), returned) {
                (false, false) => format!("by {}", join(&lines)),
                (false, true) => format!("by {} and by a `RETURN` before it", join(&lines)),
                (true, _) => "by a `RETURN` before it".to_string(),
            };
            let diagnostic = cx.report(span, format!("this rule never matches: every packet it would match in `{chain}` is decided earlier, {by}"));
            diagnostic.label("shadowed");
            for (taker_span, message) in takers.into_iter().flat_map(|taker| taker.labels).take(4) {
                diagnostic.secondary(taker_span, message);
            }
            diagnostic.help("move it above the rules that take its packets, or delete it if they decide as they should");
        }
    }
}

/// An earlier place that takes a shadowed rule's packets, as the message
/// names it.
struct Taker {
    name: String,
    labels: Vec<(Span, String)>,
    /// The chain an earlier jump of the rule's own chain sent the packets
    /// to, when the decision was taken there.
    via: Option<usize>,
}

/// Names the places that take a rule's packets from where the reader
/// stands: a decision taken in a called chain is named by the jump of the
/// rule's own chain that leads there, with the deciding line beside it.
fn name_takers(
    evaluator: &Evaluator<'_>,
    source: &SourceFile,
    chain: usize,
    rule: usize,
    by: &[(Place, Decision)],
    packets: &PacketSet,
) -> Vec<Taker> {
    let mut takers: Vec<Taker> = Vec::new();
    for (place, decision) in by {
        let decided_in = match *place {
            Place::Rule { chain, .. } | Place::Policy { chain } => chain,
        };
        let verdict = decision.describe();
        let via = (decided_in != chain)
            .then(|| via_jump(evaluator, chain, rule, decided_in, packets))
            .flatten();
        let Some((jump, callee)) = via else {
            let message = match place {
                Place::Rule { .. } => format!("takes these packets first ({verdict})"),
                Place::Policy { .. } => format!("the policy ({verdict})"),
            };
            takers.push(Taker {
                name: name_place(evaluator, source, *place, chain),
                labels: vec![(evaluator.span_of(*place), message)],
                via: None,
            });
            continue;
        };
        let inner = (
            evaluator.span_of(*place),
            format!("decides them here ({verdict})"),
        );
        if let Some(existing) = takers.iter_mut().find(|taker| taker.via == Some(callee)) {
            existing.labels.push(inner);
            continue;
        }
        let jump_place = Place::Rule { chain, rule: jump };
        let callee_name = &evaluator.table.chains[callee].name;
        takers.push(Taker {
            name: format!(
                "the jump at {} to `{callee_name}`",
                name_place(evaluator, source, jump_place, chain)
            ),
            labels: vec![
                (
                    evaluator.span_of(jump_place),
                    format!("sends these packets to `{callee_name}` first"),
                ),
                inner,
            ],
            via: Some(callee),
        });
    }
    takers
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn taken_by_earlier_rules() {
        fails(
            "shadowed-rule",
            "*filter\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\n-A INPUT -s 192.0.2.66 -p tcp --dport 22 -j DROP\nCOMMIT\n",
        );
        // Two rules together cover it.
        fails(
            "shadowed-rule",
            "*filter\n-A INPUT -p tcp --dport 1:1000 -j ACCEPT\n-A INPUT -p tcp --dport 1001:65535 -j ACCEPT\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n",
        );
        // Through a user chain.
        fails(
            "shadowed-rule",
            "*filter\n:SSH - [0:0]\n-A INPUT -p tcp -j SSH\n-A INPUT -p tcp --dport 22 -j DROP\n-A SSH -j ACCEPT\nCOMMIT\n",
        );
    }

    #[test]
    fn unknown_matches_and_partial_overlaps_are_not_claimed() {
        passes(
            "shadowed-rule",
            "*filter\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\n-A INPUT -s 198.51.100.1 -j DROP\nCOMMIT\n",
        );
        passes(
            "shadowed-rule",
            "*filter\n-A INPUT -s 192.0.2.0/24 -m geoip --src-cc XX -j ACCEPT\n-A INPUT -s 192.0.2.66 -j DROP\nCOMMIT\n",
        );
        passes(
            "shadowed-rule",
            "*filter\n-A INPUT -s 192.0.2.0/24 -m limit --limit 1/s -j ACCEPT\n-A INPUT -s 192.0.2.66 -j DROP\nCOMMIT\n",
        );
        passes(
            "shadowed-rule",
            "*filter\n-A INPUT -s 192.0.2.0/24 -j LOG\n-A INPUT -s 192.0.2.66 -j DROP\nCOMMIT\n",
        );
    }
}
