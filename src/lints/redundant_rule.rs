//! FW302 `redundant-rule`: a rule whose removal changes no packet's fate.

use super::flow::{Dead, decided_the_same_below, judged_rules, name_place, own_decision};
use super::rules::join_lines as join;
use super::{FileContext, Lint};
use crate::analysis::Place;
use crate::analysis::eval::Evaluator;
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::print;

declare_code! {
    /// ## What it does
    /// Reports a rule that could be deleted without changing what happens
    /// to any packet: either every packet it matches was already decided,
    /// with the same verdict, by the rules before it; or every packet it
    /// decides would be decided the same way by the rules after it (or by a
    /// `DROP` policy, for a `DROP` rule).
    ///
    /// fwlint reports this only when it holds whatever the matches and
    /// targets it does not know do, follows jumps and gotos, and leaves
    /// out rules with side effects after the rule (logging, marking,
    /// jumps), whose removal would change more than the verdict.
    ///
    /// ## Why is this bad?
    /// It does no harm, but it costs a comparison per packet and makes
    /// the ruleset longer to read; often it is a leftover of an edit, or a
    /// sign that a rule meant something narrower or broader.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT
    /// -A INPUT -s 192.0.2.10 -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -s 192.0.2.0/24 -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static REDUNDANT_RULE = {
        code: "FW302",
        name: "redundant-rule",
        category: Style,
        summary: "a rule whose removal changes no packet's fate",
    };
}

pub struct RedundantRule;

impl Lint for RedundantRule {
    fn meta(&self) -> &'static LintMeta {
        &REDUNDANT_RULE
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_file(&self, cx: &mut FileContext<'_>) {
        let mut findings = Vec::new();
        {
            let analysis = cx.analysis();
            for (evaluator, chain_index, _, rule_index, rule) in judged_rules(analysis, cx.facts) {
                let own = own_decision(evaluator, chain_index, rule_index);
                // The deciding places with their spans and names, as the
                // finding shows them.
                let named = |places: Vec<Place>| -> Vec<_> {
                    places
                        .into_iter()
                        .map(|place| {
                            (
                                evaluator.span_of(place),
                                name_place(evaluator, cx.source, place, chain_index),
                            )
                        })
                        .collect()
                };
                match cx.dead_rule(evaluator.table.kind, chain_index, rule_index) {
                    Some(Dead::Taken { by, returned, .. }) => {
                        let same = own.is_some()
                            && !returned
                            && !by.is_empty()
                            && !repeats(evaluator, chain_index, rule_index, by)
                            && by
                                .iter()
                                .all(|(_, decision)| Some(decision) == own.as_ref());
                        if same {
                            let places: Vec<Place> = by.iter().map(|(place, _)| *place).collect();
                            findings.push((rule.span, true, own.clone(), named(places)));
                        }
                    }
                    Some(Dead::NeverEntered) => {}
                    None => {
                        if let Some(places) =
                            decided_the_same_below(evaluator, chain_index, rule_index)
                            && !covers_a_later_copy(evaluator, chain_index, rule_index, &places)
                        {
                            findings.push((rule.span, false, own.clone(), named(places)));
                        }
                    }
                }
            }
        }
        for (span, above, decision, places) in findings {
            let verdict = decision.map_or_else(|| "decided".to_string(), |d| d.describe());
            let lines: Vec<String> = places.iter().map(|(_, name)| name.clone()).collect();
            let message = if above {
                format!(
                    "this rule changes nothing: every packet it matches already gets {verdict} from {}",
                    join(&lines)
                )
            } else {
                format!(
                    "this rule changes nothing: without it, every packet it decides would get {verdict} from {}",
                    join(&lines)
                )
            };
            let diagnostic = cx.report(span, message);
            diagnostic.label("redundant");
            for (place, _) in places.into_iter().take(4) {
                diagnostic.secondary(
                    place,
                    if above {
                        "decides these packets first, the same way"
                    } else {
                        "would decide them the same way"
                    },
                );
            }
            diagnostic
                .help("delete it; if it was meant to apply to other packets, change its matches");
        }
    }
}

/// True when the one rule that takes this rule's packets first is a copy
/// of it: `duplicate-rule` reports that, with a clearer message.
fn repeats(
    evaluator: &Evaluator<'_>,
    chain: usize,
    rule: usize,
    by: &[(Place, crate::analysis::Decision)],
) -> bool {
    let [
        (
            Place::Rule {
                chain: taker_chain,
                rule: taker,
            },
            _,
        ),
    ] = by
    else {
        return false;
    };
    let rules = &evaluator.table.chains[chain].rules;
    *taker_chain == chain && print::rule(&rules[*taker]) == print::rule(&rules[rule])
}

/// True when the later rule that would decide this rule's packets matches
/// nothing more than this rule does: the two are equivalent, and the later
/// one is the one to delete (it is reported as redundant itself).
fn covers_a_later_copy(
    evaluator: &Evaluator<'_>,
    chain: usize,
    rule: usize,
    places: &[Place],
) -> bool {
    let [
        Place::Rule {
            chain: later_chain,
            rule: later,
        },
    ] = places
    else {
        return false;
    };
    *later_chain == chain
        && evaluator
            .cube(chain, rule)
            .contains(&evaluator.cube(chain, *later))
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn decided_the_same_before_or_after() {
        fails(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\n-A INPUT -s 192.0.2.10 -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.10 -j ACCEPT\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 23 -j DROP\nCOMMIT\n",
        );
        // The default reply, left out or written out, is the same reply.
        fails(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p udp -j REJECT\n-A INPUT -j REJECT --reject-with icmp-port-unreachable\nCOMMIT\n",
        );
    }

    /// Removing a REJECT would change the reply the sender gets, when the
    /// later REJECT answers differently (a real home router's file did
    /// this: UDP got port-unreachable, the rest proto-unreachable).
    #[test]
    fn rejects_with_other_replies_stay_silent() {
        passes(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p udp -j REJECT --reject-with icmp-port-unreachable\n-A INPUT -j REJECT --reject-with icmp-proto-unreachable\nCOMMIT\n",
        );
        passes(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -j REJECT --reject-with tcp-reset\n-A INPUT -j REJECT\nCOMMIT\n",
        );
    }

    #[test]
    fn different_fates_and_side_effects_stay_silent() {
        passes(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.10 -j DROP\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "redundant-rule",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "redundant-rule",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -s 192.0.2.10 -j ACCEPT\n-A INPUT -j LOG\n-A INPUT -s 192.0.2.0/24 -j ACCEPT\nCOMMIT\n",
        );
    }
}
