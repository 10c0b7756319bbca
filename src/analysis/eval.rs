//! What the chains of one table do to sets of packets.
//!
//! A chain is evaluated as the kernel walks it: each rule takes the packets
//! it matches out of the flow and decides them (ACCEPT, DROP, a NAT target),
//! sends them into another chain (`-j`, which may send some back, or `-g`,
//! whose returns go to the caller's caller), returns them (`RETURN`), or
//! lets them go on (LOG, MARK...). Flows carry two sets: every packet that
//! *may* be there (an upper bound) and every packet that *surely* is (a
//! lower bound); unknown matches and targets widen the first and narrow the
//! second, so claims built on them stay true whatever the unknown parts do.

use super::matcher::RuleMatch;
use super::space::{Bound, PacketSet};
use crate::model::{
    Chain, NatRange, PortRange, Rule, Table, TargetKind, Termination, Value, Verdict,
};
use crate::source::Span;

/// Calls nested deeper than this are treated as unknown, so that no
/// ruleset can exhaust the stack.
pub const MAX_DEPTH: usize = 1000;

/// A set of packets with an upper and a lower bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Flow {
    pub may: PacketSet,
    pub sure: PacketSet,
}

impl Flow {
    #[must_use]
    pub fn exact(set: PacketSet) -> Flow {
        Flow {
            sure: set.clone(),
            may: set,
        }
    }

    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.may.is_empty()
    }

    pub fn extend(&mut self, other: Flow) {
        self.may.extend(other.may);
        self.sure.extend(other.sure);
    }
}

/// How a decided packet's fate reads, for comparing verdicts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Accept,
    Drop,
    Reject,
    Queue,
    /// A NAT target (`DNAT`, `SNAT`, `MASQUERADE`, `REDIRECT`, `NETMAP`)
    /// with its canonical text.
    Nat(String),
    /// Another target that ends traversal, with its canonical text.
    Other(String),
    /// Not known: an unknown target, or one whose effect depends on
    /// options fwlint cannot judge.
    Unknown,
}

impl Decision {
    #[must_use]
    pub fn describe(&self) -> String {
        match self {
            Decision::Accept => "ACCEPT".into(),
            Decision::Drop => "DROP".into(),
            Decision::Reject => "REJECT".into(),
            Decision::Queue => "QUEUE".into(),
            Decision::Nat(text) | Decision::Other(text) => text.clone(),
            Decision::Unknown => "an unknown target".into(),
        }
    }

    /// True for decisions that let the packet go on (to the next table).
    #[must_use]
    pub fn passes(&self) -> bool {
        matches!(self, Decision::Accept | Decision::Nat(_))
    }
}

/// What a rule does, for the evaluator.
#[derive(Debug, Clone)]
pub enum Action {
    /// No target, or one that lets traversal go on.
    Continue,
    Decide(Decision),
    Return,
    Jump(usize),
    Goto(usize),
    /// A target fwlint does not know, or a jump to a chain that does not
    /// exist: the packets may go on or not.
    Unknown,
}

/// A NAT rewrite a decision makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// `DNAT --to-destination`.
    Destination(NatRange),
    /// `REDIRECT [--to-ports]`: to the host itself.
    Redirect(Option<PortRange>),
    /// SNAT, MASQUERADE, NETMAP and the like: the source changes.
    Source,
}

/// Where a decision was taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Place {
    Rule {
        chain: usize,
        rule: usize,
    },
    /// The policy of a built-in chain.
    Policy {
        chain: usize,
    },
}

/// One decision taken on part of a flow.
#[derive(Debug, Clone)]
pub struct Decided {
    pub place: Place,
    pub decision: Decision,
    pub rewrite: Option<Rewrite>,
    pub flow: Flow,
}

/// What happened to the packets that entered a built-in chain.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub decided: Vec<Decided>,
}

/// The target of a rule as an action, with its rewrite.
#[must_use]
pub fn action_of(table: &Table, rule: &Rule) -> (Action, Option<Rewrite>) {
    let chain_index = |name: &str| table.chains.iter().position(|chain| chain.name == name);
    match &rule.target.kind {
        TargetKind::None => (Action::Continue, None),
        TargetKind::Verdict(Verdict::Accept) => (Action::Decide(Decision::Accept), None),
        TargetKind::Verdict(Verdict::Drop) => (Action::Decide(Decision::Drop), None),
        TargetKind::Verdict(Verdict::Queue) => (Action::Decide(Decision::Queue), None),
        TargetKind::Verdict(Verdict::Return) => (Action::Return, None),
        TargetKind::Jump(name) => (
            chain_index(name).map_or(Action::Unknown, Action::Jump),
            None,
        ),
        TargetKind::Goto(name) => (
            chain_index(name).map_or(Action::Unknown, Action::Goto),
            None,
        ),
        TargetKind::Extension(target) => {
            if !target.known {
                return (Action::Unknown, None);
            }
            match target.termination {
                Termination::Continues => (Action::Continue, None),
                Termination::Depends | Termination::Unknown => (Action::Unknown, None),
                Termination::Terminal => {
                    let text = crate::model::print::rule(&Rule {
                        span: rule.span,
                        protocol: None,
                        source: None,
                        destination: None,
                        in_interface: None,
                        out_interface: None,
                        fragment: None,
                        matches: Vec::new(),
                        target: rule.target.clone(),
                        counters: None,
                    });
                    let text = text.trim_start_matches("-j ").to_string();
                    match target.name.as_str() {
                        "REJECT" => (Action::Decide(Decision::Reject), None),
                        "DNAT" => {
                            let range = target.option("to-destination").and_then(|option| {
                                match option.value {
                                    Value::Nat(range) => Some(range),
                                    _ => None,
                                }
                            });
                            let rewrite = range.map(Rewrite::Destination);
                            (Action::Decide(Decision::Nat(text)), rewrite)
                        }
                        "REDIRECT" => {
                            let ports =
                                target
                                    .option("to-ports")
                                    .and_then(|option| match option.value {
                                        Value::PortRange(range) => Some(range),
                                        _ => None,
                                    });
                            (
                                Action::Decide(Decision::Nat(text)),
                                Some(Rewrite::Redirect(ports)),
                            )
                        }
                        "SNAT" | "MASQUERADE" | "NETMAP" => {
                            (Action::Decide(Decision::Nat(text)), Some(Rewrite::Source))
                        }
                        _ => (Action::Decide(Decision::Other(text)), None),
                    }
                }
            }
        }
    }
}

/// What a run records: which packets reach which rules and enter which
/// chains, and how often it had to approximate.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// Per rule: every packet that may reach it and match it.
    pub reach: Vec<Vec<PacketSet>>,
    /// Per chain: every packet that may enter it.
    pub entered: Vec<PacketSet>,
    /// How many sets had to be approximated to stay within the budget.
    pub approximations: usize,
    /// Calls cut at [`MAX_DEPTH`] or in a loop.
    pub cut: usize,
    /// Off for replays, which only want the decisions.
    record: bool,
}

impl Recording {
    fn limit(&mut self, flow: &mut Flow) {
        if flow.may.limit(Bound::Upper) {
            self.approximations += 1;
        }
        if flow.sure.limit(Bound::Lower) {
            self.approximations += 1;
        }
    }
}

/// The evaluation of one table.
pub struct Evaluator<'t> {
    pub table: &'t Table,
    pub matches: Vec<Vec<RuleMatch>>,
    actions: Vec<Vec<(Action, Option<Rewrite>)>>,
    /// What the runs of the built-in chains recorded.
    pub recording: Recording,
}

impl<'t> Evaluator<'t> {
    /// Prepares the evaluation of `table`, whose rules match as `matches`
    /// says (one per rule, chain by chain).
    #[must_use]
    pub fn new(table: &'t Table, matches: Vec<Vec<RuleMatch>>) -> Self {
        let actions = table
            .chains
            .iter()
            .map(|chain| {
                chain
                    .rules
                    .iter()
                    .map(|rule| action_of(table, rule))
                    .collect()
            })
            .collect();
        Evaluator {
            recording: Recording {
                reach: table
                    .chains
                    .iter()
                    .map(|chain| vec![PacketSet::empty(); chain.rules.len()])
                    .collect(),
                entered: vec![PacketSet::empty(); table.chains.len()],
                approximations: 0,
                cut: 0,
                record: true,
            },
            table,
            matches,
            actions,
        }
    }

    /// What rule `rule` of chain `chain` does.
    #[must_use]
    pub fn action(&self, chain: usize, rule: usize) -> &(Action, Option<Rewrite>) {
        &self.actions[chain][rule]
    }

    /// Runs `input` through built-in chain `chain` and its policy, recording
    /// reach; every decision goes to `sink`.
    pub fn run_builtin(&mut self, chain: usize, input: Flow, sink: &mut Vec<Decided>) {
        let mut recording = std::mem::take(&mut self.recording);
        let mut path = vec![false; self.table.chains.len()];
        let returned = self.run_chain(chain, input, sink, &mut path, 0, None, &mut recording);
        self.recording = recording;
        self.policy(chain, returned, sink);
    }

    /// Sends what falls off the end of built-in chain `chain` to its policy.
    pub fn policy(&self, chain: usize, returned: Flow, sink: &mut Vec<Decided>) {
        if returned.is_empty() {
            return;
        }
        let decision = match self.table.chains[chain]
            .policy
            .as_ref()
            .map(|policy| policy.verdict)
        {
            Some(Verdict::Drop) => Decision::Drop,
            Some(Verdict::Accept) => Decision::Accept,
            _ => Decision::Unknown,
        };
        sink.push(Decided {
            place: Place::Policy { chain },
            decision,
            rewrite: None,
            flow: returned,
        });
    }

    /// Runs rules `rules` of chain `chain` on `input` without recording
    /// anything: what they decide, and the flow that leaves the range
    /// (falls through or returns).
    #[must_use]
    pub fn replay(
        &self,
        chain: usize,
        rules: std::ops::Range<usize>,
        input: Flow,
    ) -> (Vec<Decided>, Flow) {
        let mut scratch = Recording::default();
        let mut sink = Vec::new();
        let mut path = vec![false; self.table.chains.len()];
        let left = self.run_chain(
            chain,
            input,
            &mut sink,
            &mut path,
            0,
            Some(rules),
            &mut scratch,
        );
        (sink, left)
    }

    /// Runs `input` through chain `chain`; returns the flow that comes back
    /// to the caller (falls off the end or meets RETURN). With `rules`, only
    /// those rules of the chain run.
    #[allow(clippy::too_many_arguments)]
    pub fn run_chain(
        &self,
        chain: usize,
        input: Flow,
        sink: &mut Vec<Decided>,
        path: &mut Vec<bool>,
        depth: usize,
        rules: Option<std::ops::Range<usize>>,
        recording: &mut Recording,
    ) -> Flow {
        if recording.record {
            recording.entered[chain].extend(input.may.clone());
        }
        let mut current = input;
        let mut returned = Flow::default();
        path[chain] = true;
        let range = rules.unwrap_or(0..self.table.chains[chain].rules.len());
        for index in range {
            if current.may.is_empty() {
                break;
            }
            let rule_match = &self.matches[chain][index];
            let cube = &rule_match.cube;
            let certain = rule_match.certain;
            let hit_may = current.may.intersect_cube(cube);
            if hit_may.is_empty() {
                continue;
            }
            if recording.record {
                recording.reach[chain][index].extend(hit_may.clone());
            }
            let hit_sure = if certain {
                current.sure.intersect_cube(cube)
            } else {
                PacketSet::empty()
            };
            let hit = Flow {
                may: hit_may,
                sure: hit_sure,
            };
            // What stays in this chain after the rule, whatever it does.
            let leave = |current: &mut Flow| {
                if certain {
                    current.may = current.may.subtract_cube(cube);
                }
                current.sure = current.sure.subtract_cube(cube);
            };
            let (action, rewrite) = &self.actions[chain][index];
            match action {
                Action::Continue => {}
                Action::Decide(decision) => {
                    sink.push(Decided {
                        place: Place::Rule { chain, rule: index },
                        decision: decision.clone(),
                        rewrite: rewrite.clone(),
                        flow: hit,
                    });
                    leave(&mut current);
                }
                Action::Return => {
                    returned.extend(hit);
                    leave(&mut current);
                }
                Action::Unknown => {
                    sink.push(Decided {
                        place: Place::Rule { chain, rule: index },
                        decision: Decision::Unknown,
                        rewrite: None,
                        flow: Flow {
                            may: hit.may,
                            sure: PacketSet::empty(),
                        },
                    });
                    current.sure = current.sure.subtract_cube(cube);
                }
                Action::Jump(target) | Action::Goto(target) => {
                    let goto = matches!(action, Action::Goto(_));
                    let back = if path[*target] || depth >= MAX_DEPTH {
                        // A loop (which the kernel refuses) or a call too
                        // deep to follow: anything may happen.
                        recording.cut += 1;
                        sink.push(Decided {
                            place: Place::Rule { chain, rule: index },
                            decision: Decision::Unknown,
                            rewrite: None,
                            flow: Flow {
                                may: hit.may.clone(),
                                sure: PacketSet::empty(),
                            },
                        });
                        Flow {
                            may: hit.may,
                            sure: PacketSet::empty(),
                        }
                    } else {
                        self.run_chain(*target, hit, sink, path, depth + 1, None, recording)
                    };
                    leave(&mut current);
                    if goto {
                        returned.extend(back);
                    } else {
                        current.may.extend(back.may);
                        current.sure.extend(back.sure);
                    }
                    recording.limit(&mut current);
                }
            }
        }
        path[chain] = false;
        returned.extend(current);
        recording.limit(&mut returned);
        returned
    }

    /// True when some built-in chain's traversal entered chain `chain`.
    #[must_use]
    pub fn visited(&self, chain: usize) -> bool {
        !self.recording.entered[chain].is_empty()
    }

    #[must_use]
    pub fn chain(&self, index: usize) -> &'t Chain {
        &self.table.chains[index]
    }

    /// The span of a place: the rule, or the policy (or the chain's
    /// declaration when the file does not set the policy).
    #[must_use]
    pub fn span_of(&self, place: Place) -> Span {
        match place {
            Place::Rule { chain, rule } => self.table.chains[chain].rules[rule].span,
            Place::Policy { chain } => {
                let chain = &self.table.chains[chain];
                chain
                    .policy
                    .as_ref()
                    .and_then(|policy| policy.span)
                    .or(chain.declared)
                    .unwrap_or(self.table.span)
            }
        }
    }
}
