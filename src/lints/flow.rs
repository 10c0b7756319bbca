//! Shared reading of the packet-flow analysis for the lints about dead
//! and redundant rules: which earlier rules take a rule's packets.

use crate::analysis::eval::{Action, Decided, Evaluator};
use crate::analysis::nat::DestinationNat;
use crate::analysis::space::Cube;
use crate::analysis::space::{Intervals, NarrowIntervals, PacketSet};
use crate::analysis::{Analysis, Decision, Flow, Place};
use crate::lints::FileFacts;
use crate::lints::rules::first_catch_all;
use crate::model::{Chain, Hook, Rule, TableKind, TargetKind};

/// Why a rule never matches a packet.
pub enum Dead {
    /// No packet that enters its chain can match it.
    NeverEntered,
    /// Earlier rules decide every packet it would match.
    Taken {
        /// The decisions that take its packets, in rule order, without
        /// repeats.
        by: Vec<(Place, Decision)>,
        /// Some of its packets return to the caller before it.
        returned: bool,
        /// The packets it would match, as they enter its chain.
        packets: PacketSet,
    },
}

/// What the lints about destination NAT read: the filter and nat tables
/// as analysed, the `DNAT`/`REDIRECT` rules of nat `PREROUTING`, and which
/// filter chains `FORWARD` and `INPUT` reach.
pub struct DnatView<'a, 'r> {
    pub nats: &'a [DestinationNat],
    pub filter: &'a Evaluator<'r>,
    pub nat: &'a Evaluator<'r>,
    pub universe: Cube,
    /// Per chain of the filter table: reached from `FORWARD`, from `INPUT`.
    pub forward: Vec<bool>,
    pub input: Vec<bool>,
}

/// The [`DnatView`] of a file, when both tables were read whole and nat
/// `PREROUTING` rewrites destinations in a way fwlint can follow.
pub fn dnat_view<'a, 'r>(
    analysis: &'a Analysis<'r>,
    facts: &FileFacts,
) -> Option<DnatView<'a, 'r>> {
    if facts.incomplete(TableKind::Filter) || facts.incomplete(TableKind::Nat) {
        return None;
    }
    let nats = analysis.destination_nats();
    if nats.is_empty() {
        return None;
    }
    let filter = &analysis.table(TableKind::Filter)?.evaluator;
    let nat = &analysis.table(TableKind::Nat)?.evaluator;
    Some(DnatView {
        nats,
        filter,
        nat,
        universe: analysis.universe(),
        forward: chains_of_hook(filter, Hook::Forward),
        input: chains_of_hook(filter, Hook::Input),
    })
}

/// The rules `shadowed-rule` and `redundant-rule` judge, in file order:
/// those of every table the analysis saw whole, each chain up to and
/// including its first catch-all (the rules after one are
/// `unreachable-rule`'s), with the chain and rule indexes the evaluator
/// knows them by.
pub fn judged_rules<'a, 'r>(
    analysis: &'a Analysis<'r>,
    facts: &'a FileFacts,
) -> impl Iterator<Item = (&'a Evaluator<'r>, usize, &'r Chain, usize, &'r Rule)> + 'a {
    analysis
        .tables
        .iter()
        .filter(move |table| !facts.incomplete(table.kind))
        .flat_map(|table| {
            let evaluator = &table.evaluator;
            evaluator
                .table
                .chains
                .iter()
                .enumerate()
                .flat_map(move |(chain_index, chain)| {
                    let judged = first_catch_all(&chain.rules)
                        .map_or(chain.rules.len(), |(position, _)| position + 1);
                    chain.rules[..judged]
                        .iter()
                        .enumerate()
                        .map(move |(rule_index, rule)| {
                            (evaluator, chain_index, chain, rule_index, rule)
                        })
                })
        })
}

/// Why rule `rule` of chain `chain` is dead, if it is: no packet that may
/// reach it matches it, though its chain is entered.
#[must_use]
pub fn dead(evaluator: &Evaluator<'_>, chain: usize, rule: usize) -> Option<Dead> {
    if evaluator.recording.exhausted || !evaluator.visited(chain) || evaluator.reached(chain, rule)
    {
        return None;
    }
    let cube = evaluator.cube(chain, rule);
    let would = evaluator.recording.entered[chain].intersect_cube(&cube);
    if would.is_empty() {
        return Some(Dead::NeverEntered);
    }
    // A copy of an earlier rule that decides: that rule takes it all.
    if let Some(first) = evaluator.copy_of(chain, rule)
        && let Action::Decide(decision) = &evaluator.action(chain, first).0
    {
        return Some(Dead::Taken {
            by: vec![(Place::Rule { chain, rule: first }, decision.clone())],
            returned: false,
            packets: would,
        });
    }
    let (decided, left) = evaluator.replay(chain, 0..rule, Flow::exact(would.clone()))?;
    let returned = !left.is_empty();
    let mut by = takers(&decided);
    if !returned
        && let Some(place) = covering_rule(evaluator, by.iter().map(|(place, _)| *place), &would)
    {
        by.retain(|(taker, _)| *taker == place);
    }
    Some(Dead::Taken {
        by,
        returned,
        packets: would,
    })
}

/// The first of `places` that on its own matches every packet of
/// `packets`. Rules such as a loopback or an established accept take a
/// sliver of almost any rule's packets; naming them beside the rule that
/// takes the rest would hide the one that matters.
#[must_use]
pub fn covering_rule(
    evaluator: &Evaluator<'_>,
    places: impl IntoIterator<Item = Place>,
    packets: &PacketSet,
) -> Option<Place> {
    places.into_iter().find(|place| match *place {
        Place::Rule { chain, rule } => {
            let rule_match = evaluator.rule_match(chain, rule);
            rule_match.certain
                && packets
                    .cubes()
                    .iter()
                    .all(|packet| rule_match.cube.contains(packet))
        }
        Place::Policy { .. } => false,
    })
}

/// The places that decided some packets, in order, once each; unknown
/// decisions are left out (they take no packet for sure).
#[must_use]
pub fn takers(decided: &[Decided]) -> Vec<(Place, Decision)> {
    let mut takers: Vec<(Place, Decision)> = Vec::new();
    for entry in decided {
        if entry.decision == Decision::Unknown || entry.flow.may.is_empty() {
            continue;
        }
        if !takers.iter().any(|(place, _)| *place == entry.place) {
            takers.push((entry.place, entry.decision.clone()));
        }
    }
    takers
}

/// The decision a rule itself takes, when it takes one.
#[must_use]
pub fn own_decision(evaluator: &Evaluator<'_>, chain: usize, rule: usize) -> Option<Decision> {
    match &evaluator.action(chain, rule).0 {
        Action::Decide(decision) if *decision != Decision::Unknown => Some(decision.clone()),
        _ => None,
    }
}

/// Would removing rule `rule` of built-in chain `chain` change no packet's
/// fate? True when every packet it decides would be decided the same way
/// by the explicit rules after it (or a DROP policy), with no jump and no
/// rule with side effects on the way.
#[must_use]
pub fn decided_the_same_below(
    evaluator: &Evaluator<'_>,
    chain: usize,
    rule: usize,
) -> Option<Vec<Place>> {
    let decision = own_decision(evaluator, chain, rule)?;
    if !matches!(
        decision,
        Decision::Accept | Decision::Drop | Decision::Reject
    ) {
        return None;
    }
    let table = evaluator.table;
    if !table.chains[chain].is_builtin() {
        return None;
    }
    if evaluator.recording.exhausted || !evaluator.reached(chain, rule) {
        return None;
    }
    // More than the rule decides (its earlier rules took some), which
    // only makes the claim stronger.
    let taken: PacketSet =
        evaluator.recording.entered[chain].intersect_cube(&evaluator.cube(chain, rule));
    let count = table.chains[chain].rules.len();
    let hull = taken.hull()?;
    let later_rules = evaluator.rules_meeting(chain, &hull, rule + 1..count);
    for &later in &later_rules {
        let side_effect = match &evaluator.action(chain, later).0 {
            Action::Continue => !matches!(
                table.chains[chain].rules[later].target.kind,
                crate::model::TargetKind::None
            ),
            Action::Jump(_) | Action::Goto(_) | Action::Unknown => true,
            Action::Decide(_) | Action::Return => false,
        };
        if side_effect
            && taken
                .cubes()
                .iter()
                .any(|packets| evaluator.rule_meets(chain, later, packets))
        {
            return None;
        }
    }
    // When no later rule meets these packets, all of them fall through to
    // the policy: the replay would find just that (on a blocklist, where
    // this is every rule, it was a tenth of the time).
    let (decided, falls_through) = if later_rules.is_empty() {
        (Vec::new(), true)
    } else {
        let (decided, left) =
            evaluator.replay(chain, rule + 1..count, Flow::exact(taken.clone()))?;
        (decided, !left.is_empty())
    };
    let mut places = Vec::new();
    let reply = reject_reply(table, Place::Rule { chain, rule });
    for entry in &decided {
        // Two REJECTs with different replies (`icmp-port-unreachable`,
        // `tcp-reset`) do not decide a packet the same way: the sender sees
        // the difference.
        if entry.decision != decision
            || (decision == Decision::Reject && reject_reply(table, entry.place) != reply)
        {
            return None;
        }
        if !places.contains(&entry.place) {
            places.push(entry.place);
        }
    }
    if falls_through {
        let policy = table.chains[chain].policy.as_ref()?;
        // Relying on an ACCEPT policy is what `permissive-policy` reports;
        // a closing `-j DROP` beside a DROP policy is a deliberate guard
        // that keeps the chain closed when someone resets the policy.
        if policy.verdict != crate::model::Verdict::Drop
            || decision != Decision::Drop
            || table.chains[chain].rules[rule].is_unconditional()
        {
            return None;
        }
        places.push(Place::Policy { chain });
    }
    if let Some(place) = covering_rule(evaluator, places.iter().copied(), &taken) {
        places = vec![place];
    }
    (!places.is_empty()).then_some(places)
}

/// The reply of a REJECT at `place`: its `--reject-with` type, `None` for
/// the kernel's default (port unreachable), which may also be written out.
fn reject_reply(table: &crate::model::Table, place: Place) -> Option<&str> {
    let Place::Rule { chain, rule } = place else {
        return None;
    };
    let TargetKind::Extension(target) = &table.chains[chain].rules[rule].target.kind else {
        return None;
    };
    let reply = target.option("reject-with")?.value.as_text()?;
    (!matches!(reply, "icmp-port-unreachable" | "icmp6-port-unreachable")).then_some(reply)
}

/// How a message names a place, seen from chain `from`: "line 8", "line
/// 15 in `ADMIN`", "the policy of `INPUT` (line 2)".
#[must_use]
pub fn name_place(
    evaluator: &Evaluator<'_>,
    source: &crate::source::SourceFile,
    place: Place,
    from: usize,
) -> String {
    let line = source.line_col(evaluator.span_of(place).start).line;
    match place {
        Place::Rule { chain, .. } if chain == from => format!("line {line}"),
        Place::Rule { chain, .. } => {
            format!("line {line} in `{}`", evaluator.table.chains[chain].name)
        }
        Place::Policy { chain } => format!(
            "the policy of `{}` (line {line})",
            evaluator.table.chains[chain].name
        ),
    }
}

/// The chains reachable from chain `from` by jumps and gotos, `from`
/// included.
#[must_use]
pub fn reachable_from(evaluator: &Evaluator<'_>, from: usize) -> Vec<bool> {
    let mut seen = vec![false; evaluator.table.chains.len()];
    let mut stack = vec![from];
    seen[from] = true;
    while let Some(chain) = stack.pop() {
        for rule in 0..evaluator.table.chains[chain].rules.len() {
            if let Action::Jump(callee) | Action::Goto(callee) = evaluator.action(chain, rule).0
                && !seen[callee]
            {
                seen[callee] = true;
                stack.push(callee);
            }
        }
    }
    seen
}

/// How a decision taken in another chain reached rule `rule` of chain
/// `chain`: the first earlier jump or goto of `chain` that may send
/// packets of `packets` towards the chain that decided.
#[must_use]
pub fn via_jump(
    evaluator: &Evaluator<'_>,
    chain: usize,
    rule: usize,
    decided_in: usize,
    packets: &PacketSet,
) -> Option<(usize, usize)> {
    (0..rule).find_map(|earlier| {
        let (Action::Jump(callee) | Action::Goto(callee)) = evaluator.action(chain, earlier).0
        else {
            return None;
        };
        let meets = packets
            .cubes()
            .iter()
            .any(|cube| evaluator.rule_meets(chain, earlier, cube));
        (meets && reachable_from(evaluator, callee)[decided_in]).then_some((earlier, callee))
    })
}

/// The chains of `evaluator`'s table that the built-in chain of `hook`
/// reaches by jumps and gotos (itself included); all `false` when the
/// table has no such chain.
#[must_use]
pub fn chains_of_hook(evaluator: &Evaluator<'_>, hook: crate::model::Hook) -> Vec<bool> {
    evaluator
        .table
        .chains
        .iter()
        .position(|chain| chain.hook == Some(hook))
        .map_or_else(
            || vec![false; evaluator.table.chains.len()],
            |start| reachable_from(evaluator, start),
        )
}

/// `set` as an address list a reader can take in: `192.0.2.1`,
/// `10.0.0.0/8`, or a range.
#[must_use]
pub fn describe_addresses(set: &Intervals, family: crate::model::Family) -> String {
    use crate::analysis::matcher::{address_bits, address_of};
    let bits = address_bits(family);
    let parts: Vec<String> = set
        .ranges()
        .iter()
        .take(3)
        .map(|&(low, high)| {
            let size = high - low;
            if size == 0 {
                return address_of(low, family).to_string();
            }
            let host_bits = 128 - size.leading_zeros();
            let aligned = size.count_ones() == host_bits && low & size == 0;
            if aligned {
                format!("{}/{}", address_of(low, family), bits - host_bits)
            } else {
                format!("{}-{}", address_of(low, family), address_of(high, family))
            }
        })
        .collect();
    let more = if set.ranges().len() > 3 { ", ..." } else { "" };
    format!("{}{more}", parts.join(", "))
}

/// `set` as a port list: `443`, `8000:8080`.
#[must_use]
pub fn describe_ports(set: &NarrowIntervals) -> String {
    let parts: Vec<String> = set
        .ranges()
        .iter()
        .take(4)
        .map(|&(low, high)| {
            if low == high {
                low.to_string()
            } else {
                format!("{low}:{high}")
            }
        })
        .collect();
    let more = if set.ranges().len() > 4 { ",..." } else { "" };
    format!("{}{more}", parts.join(","))
}

/// `line N` for the line `span` starts on.
#[must_use]
pub fn line_name(source: &crate::source::SourceFile, span: crate::source::Span) -> String {
    format!("line {}", source.line_col(span.start).line)
}

/// The places of filter `INPUT` that surely accept some of `packets`,
/// with what they accept, INPUT's own rules first, then called chains,
/// then the policy. `None` when fwlint cannot tell: the query ran out of
/// budget, or another table on the way (raw, mangle, security) may refuse
/// packets. `packets` are asked about as raw hands them on: in state
/// UNTRACKED where a notrack rule surely takes them, and left out where it
/// may or may not.
#[must_use]
pub fn surely_accepted_in_input(
    analysis: &crate::analysis::Analysis<'_>,
    packets: PacketSet,
) -> Option<Vec<(Place, PacketSet)>> {
    use crate::model::{Hook, TableKind, Verdict};
    let filter = analysis.table(TableKind::Filter)?;
    let evaluator = &filter.evaluator;
    if evaluator.recording.exhausted {
        return None;
    }
    let input = evaluator
        .table
        .chains
        .iter()
        .position(|chain| chain.hook == Some(Hook::Input))?;
    for kind in [TableKind::Raw, TableKind::Mangle, TableKind::Security] {
        let Some(table) = analysis.table(kind) else {
            continue;
        };
        let other = &table.evaluator;
        let may_refuse = other.table.chains.iter().enumerate().any(|(chain, rules)| {
            rules
                .policy
                .as_ref()
                .is_some_and(|policy| policy.verdict != Verdict::Accept)
                || (0..rules.rules.len()).any(|rule| match &other.action(chain, rule).0 {
                    Action::Decide(decision) => !decision.passes(),
                    Action::Unknown => true,
                    _ => false,
                })
        });
        if may_refuse {
            return None;
        }
    }
    let packets = analysis.after_raw(Hook::Input, &packets).surely_seen();
    if packets.is_empty() {
        return Some(Vec::new());
    }
    let decided = evaluator.query_builtin(input, Flow::exact(packets))?;
    let mut accepted: Vec<(Place, PacketSet)> = Vec::new();
    for decided in decided {
        if decided.decision != Decision::Accept || decided.flow.sure.is_empty() {
            continue;
        }
        match accepted
            .iter_mut()
            .find(|(place, _)| *place == decided.place)
        {
            Some((_, set)) => set.extend(decided.flow.sure),
            None => accepted.push((decided.place, decided.flow.sure)),
        }
    }
    accepted.sort_by_key(|(place, _)| match *place {
        Place::Rule { chain, rule } => (chain != input, chain, rule),
        Place::Policy { .. } => (true, usize::MAX, usize::MAX),
    });
    Some(accepted)
}
