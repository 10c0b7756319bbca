//! Applying pack rules to one file.
//!
//! A selector becomes a cube of the packet space (the analysis's own
//! representation), and each condition reads the packet-flow analysis:
//! claims that something is open, accepted or dropped rest only on the
//! lower bounds (`sure`) of the analysis, so that matches and targets
//! fwlint does not know make a pack rule silent rather than wrong.

use std::collections::BTreeMap;

use super::{
    Addresses, Check, Fate, Interface, PackRule, Ports, Reach, SPECIAL_USE, Selector, VerdictMatch,
    finding, parse_network,
};
use crate::analysis::eval::{Action, Decided, Evaluator};
use crate::analysis::space::{Cube, Intervals, PacketSet, misc, state};
use crate::analysis::{Analysis, Decision, Flow, Place};
use crate::diagnostics::Diagnostic;
use crate::lints::FileContext;
use crate::model::graph::ends_unconditionally;
use crate::model::{Chain, Family, Hook, Table, TableKind, TargetKind, Verdict};
use crate::source::Span;

/// Candidate slices tried per port when looking for an open port: enough
/// for real rulesets, and a bound on the work of a pathological one.
const MAX_CANDIDATES: usize = 16;

/// Accepted pieces that may together cover a slice: past this, the check
/// gives up (and says nothing).
const MAX_COVER: usize = 256;

/// Tables with more rules than this get no flow condition: the queries
/// would cost seconds, and silence is the honest answer to "too much".
pub const MAX_FLOW_RULES: usize = 3000;

/// The findings of `packs` in the file of `cx`.
#[must_use]
pub fn check(packs: &[super::Pack], cx: &FileContext<'_>) -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for pack in packs {
        for rule in &pack.rules {
            check_rule(rule, cx, &mut found);
        }
    }
    found
}

/// The findings of one rule.
pub(super) fn check_rule(rule: &PackRule, cx: &FileContext<'_>, found: &mut Vec<Diagnostic>) {
    let selector = &rule.selector;
    let family = cx.ruleset.family;
    if selector.family.is_some_and(|wanted| wanted != family) {
        return;
    }
    let Some(table) = cx.ruleset.table(selector.table) else {
        return;
    };
    if cx.facts.incomplete(table.kind) {
        return;
    }
    // A fragment's policies and chains live elsewhere: only what its own
    // rules say can be judged.
    if cx.ruleset.fragment && rule.check != Check::EachRule {
        return;
    }
    let analysis = cx.analysis();
    let Some(evaluator) = analysis.table(table.kind).map(|t| &t.evaluator) else {
        return;
    };
    if evaluator.recording.exhausted {
        return;
    }
    let table_rules: usize = table.chains.iter().map(|chain| chain.rules.len()).sum();
    if rule.check != Check::EachRule && table_rules > MAX_FLOW_RULES {
        return;
    }
    let Some(constraint) = constraint(selector, analysis) else {
        return;
    };
    let Some(items) = port_items(selector, analysis) else {
        return;
    };
    let report = Reporter {
        rule,
        cx,
        evaluator,
        table,
    };
    match &rule.check {
        Check::EachRule => each_rule(&report, &constraint, &items, found),
        Check::Reachable(reaches) => {
            for reach in reaches {
                reachable(&report, analysis, *reach, &constraint, &items, found);
            }
        }
        Check::Fate(fate) => fate_of(&report, analysis, *fate, &constraint, &items, found),
        Check::DefaultAccept => default_accept(&report, found),
        Check::MissingRule => missing_rule(&report, &constraint, &items, found),
        Check::Uncovered => uncovered(&report, analysis, &constraint, &items, found),
    }
}

struct Reporter<'a, 'r> {
    rule: &'a PackRule,
    cx: &'a FileContext<'r>,
    evaluator: &'a Evaluator<'r>,
    table: &'a Table,
}

impl Reporter<'_, '_> {
    fn line(&self, span: Span) -> usize {
        self.cx.source.line_col(span.start).line
    }

    fn describe(&self, place: Place) -> String {
        let line = self.line(self.evaluator.span_of(place));
        match place {
            Place::Rule { chain, .. } => {
                format!("line {line} in `{}`", self.table.chains[chain].name)
            }
            Place::Policy { chain } => {
                format!(
                    "the policy of `{}` (line {line})",
                    self.table.chains[chain].name
                )
            }
        }
    }

    fn emit(
        &self,
        span: Span,
        chain: &str,
        place: &str,
        ports: &[String],
        label: String,
        found: &mut Vec<Diagnostic>,
    ) {
        let ports = if ports.is_empty() {
            "every port".to_string()
        } else {
            ports.join(", ")
        };
        let message = fill(
            &self.rule.message,
            &[
                ("chain", chain),
                ("table", self.table.kind.as_str()),
                ("ports", &ports),
                ("place", place),
                ("family", self.cx.ruleset.family.as_str()),
            ],
        );
        let mut diagnostic = finding(self.rule, span, message);
        diagnostic.label = Some(label.into());
        found.push(diagnostic);
    }
}

/// Fills `{name}` placeholders (checked when the pack was loaded).
fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let Some(close) = after.find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let name = &after[..close];
        match values.iter().find(|(key, _)| *key == name) {
            Some((_, value)) => out.push_str(value),
            None => out.push_str(&rest[open..=open + close + 1]),
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// One destination port (or range) of one protocol, checked on its own.
#[derive(Debug, Clone)]
struct PortItem {
    label: String,
    protocol: Option<u8>,
    ports: Option<(u16, u16)>,
    address: Option<u128>,
}

impl PortItem {
    /// The packets of this item within `cube`.
    fn restrict(&self, cube: &Cube) -> Option<Cube> {
        let mut item = cube.clone();
        if let Some(protocol) = self.protocol {
            item.proto = item.proto.intersect(&Intervals::point(u32::from(protocol)));
        }
        if let Some((first, last)) = self.ports {
            item.dport = item
                .dport
                .intersect(&Intervals::range(u32::from(first), u32::from(last)));
            // Later fragments carry no ports.
            item.misc &= misc::UNFRAGMENTED | misc::LOCALITY;
        }
        if let Some(address) = self.address {
            item.dst = item.dst.intersect(&Intervals::point(address));
        }
        (!item.is_empty()).then_some(item)
    }
}

fn protocol_label(protocol: u8) -> String {
    crate::parser::protocol_name(protocol).map_or_else(|| protocol.to_string(), str::to_string)
}

fn range_label(first: u16, last: u16) -> String {
    if first == last {
        first.to_string()
    } else {
        format!("{first}-{last}")
    }
}

/// The ports a rule checks one by one; `None` when it cannot apply (it
/// asks for the host's listening ports and nobody gave them).
fn port_items(selector: &Selector, analysis: &Analysis<'_>) -> Option<Vec<PortItem>> {
    let family = analysis.family;
    let protocols: Vec<u8> = selector
        .protocols
        .iter()
        .filter(|(_, only)| only.is_none_or(|only| only == family))
        .map(|(number, _)| *number)
        .collect();
    match &selector.ports {
        Ports::Any => Some(vec![PortItem {
            label: String::new(),
            protocol: None,
            ports: None,
            address: None,
        }]),
        Ports::Ranges(ranges) => Some(
            protocols
                .iter()
                .flat_map(|&protocol| {
                    ranges.iter().map(move |&(first, last)| PortItem {
                        label: format!("{}/{}", protocol_label(protocol), range_label(first, last)),
                        protocol: Some(protocol),
                        ports: Some((first, last)),
                        address: None,
                    })
                })
                .collect(),
        ),
        Ports::Listening => {
            if !analysis.host.services_given {
                return None;
            }
            Some(
                analysis
                    .host
                    .services
                    .iter()
                    .filter_map(|service| {
                        let address = match (service.address, family) {
                            (None, _) => None,
                            (Some(address @ std::net::IpAddr::V4(_)), Family::V4)
                            | (Some(address @ std::net::IpAddr::V6(_)), Family::V6) => {
                                Some(Some(crate::analysis::matcher::address_value(address)))
                            }
                            // A socket of the other family.
                            _ => return None,
                        };
                        Some(PortItem {
                            label: service.to_string(),
                            protocol: Some(service.protocol),
                            ports: Some((service.port, service.port)),
                            address: address.flatten(),
                        })
                    })
                    .collect(),
            )
        }
    }
}

fn max_address(family: Family) -> u128 {
    match family {
        Family::V4 => u128::from(u32::MAX),
        Family::V6 => u128::MAX,
    }
}

fn special_use(family: Family) -> Intervals {
    Intervals::from_ranges(
        SPECIAL_USE
            .iter()
            .filter_map(|text| parse_network(text))
            .filter(|network| network.family == family)
            .map(|network| (network.first, network.last))
            .collect(),
    )
}

/// The addresses `addresses` means in a file of `family`; `None` when
/// it names no network of that family.
fn address_set(addresses: &Addresses, family: Family) -> Option<Intervals> {
    let all = Intervals::range(0, max_address(family));
    match addresses {
        Addresses::Any => Some(all),
        Addresses::Public => Some(match family {
            Family::V4 => all.subtract(&special_use(family)),
            // Global unicast, 2000::/3.
            Family::V6 => Intervals::range(0x2000 << 112, (0x4000 << 112) - 1),
        }),
        Addresses::Private => Some(special_use(family)),
        Addresses::Networks(networks) => {
            let ranges: Vec<(u128, u128)> = networks
                .iter()
                .filter(|network| network.family == family)
                .map(|network| (network.first, network.last))
                .collect();
            (!ranges.is_empty()).then(|| Intervals::from_ranges(ranges))
        }
    }
}

fn interface_bits(interface: &Interface, analysis: &Analysis<'_>) -> Option<u128> {
    let (bits, exact) = analysis.atoms.pattern(&interface.name);
    if !exact {
        return None;
    }
    Some(if interface.negated {
        analysis.atoms.all() & !bits
    } else {
        bits
    })
}

/// The packets the selector names, ports aside; `None` when it cannot
/// apply to this file.
fn constraint(selector: &Selector, analysis: &Analysis<'_>) -> Option<Cube> {
    let family = analysis.family;
    let mut cube = analysis.universe();
    if !selector.protocols.is_empty() {
        let ranges: Vec<(u32, u32)> = selector
            .protocols
            .iter()
            .filter(|(_, only)| only.is_none_or(|only| only == family))
            .map(|(number, _)| (u32::from(*number), u32::from(*number)))
            .collect();
        if ranges.is_empty() {
            return None;
        }
        cube.proto = Intervals::from_ranges(ranges);
    }
    cube.src = address_set(&selector.source, family)?;
    cube.dst = address_set(&selector.destination, family)?;
    if let Some(interface) = &selector.in_interface {
        cube.iif &= interface_bits(interface, analysis)?;
    }
    if let Some(interface) = &selector.out_interface {
        cube.oif &= interface_bits(interface, analysis)?;
    }
    if let Some(bits) = selector.state {
        cube.state = bits;
    }
    (!cube.is_empty()).then_some(cube)
}

fn verdict_matches(wanted: Option<VerdictMatch>, target: &TargetKind) -> bool {
    let Some(wanted) = wanted else { return true };
    let reject = matches!(target, TargetKind::Extension(extension) if extension.name == "REJECT");
    let drop = matches!(target, TargetKind::Verdict(Verdict::Drop));
    match wanted {
        VerdictMatch::Accept => matches!(target, TargetKind::Verdict(Verdict::Accept)),
        VerdictMatch::Drop => drop,
        VerdictMatch::Reject => reject,
        VerdictMatch::Deny => drop || reject,
    }
}

fn selected_chain(selector: &Selector, chain: &Chain) -> bool {
    selector.chains.is_empty() || selector.chains.contains(&chain.name)
}

/// No condition: every rule that surely matches all the selected packets
/// (of at least one of its ports).
fn each_rule(
    report: &Reporter<'_, '_>,
    constraint: &Cube,
    items: &[PortItem],
    found: &mut Vec<Diagnostic>,
) {
    let evaluator = report.evaluator;
    for (chain_index, chain) in report.table.chains.iter().enumerate() {
        if !selected_chain(&report.rule.selector, chain) {
            continue;
        }
        for (rule_index, rule) in chain.rules.iter().enumerate() {
            if !verdict_matches(report.rule.selector.verdict, &rule.target.kind) {
                continue;
            }
            let rule_match = evaluator.rule_match(chain_index, rule_index);
            if !rule_match.certain {
                continue;
            }
            let labels: Vec<String> = items
                .iter()
                .filter(|item| {
                    item.restrict(constraint)
                        .is_some_and(|packets| rule_match.cube.contains(&packets))
                })
                .map(|item| item.label.clone())
                .filter(|label| !label.is_empty())
                .collect();
            let any_port = items.iter().all(|item| item.ports.is_none());
            if labels.is_empty() && !(any_port && rule_match.cube.contains(constraint)) {
                continue;
            }
            let line = report.line(rule.span);
            report.emit(
                rule.span,
                &chain.name,
                &format!("line {line} in `{}`", chain.name),
                &labels,
                "matches".to_string(),
                found,
            );
        }
    }
}

/// The hooks whose other tables a packet passes before it reaches the
/// filter table's chain of `hook`, and after it (security).
fn other_hooks(hook: Hook) -> &'static [Hook] {
    match hook {
        Hook::Input => &[Hook::Prerouting, Hook::Input],
        Hook::Forward => &[Hook::Prerouting, Hook::Forward],
        Hook::Output => &[Hook::Output],
        Hook::Prerouting | Hook::Postrouting => &[],
    }
}

/// True when the raw, mangle and security tables surely let every
/// packet on the way through `hook` pass: no rule in their chains there
/// can drop, reject or divert one. Only then is "the filter table accepts
/// it" the packet's fate.
fn other_tables_pass(analysis: &Analysis<'_>, hook: Hook) -> bool {
    let hooks = other_hooks(hook);
    analysis
        .tables
        .iter()
        .filter(|table| {
            matches!(
                table.kind,
                TableKind::Raw | TableKind::Mangle | TableKind::Security
            )
        })
        .all(|table| {
            let evaluator = &table.evaluator;
            evaluator
                .table
                .chains
                .iter()
                .enumerate()
                .filter(|(_, chain)| chain.hook.is_some_and(|h| hooks.contains(&h)))
                .all(|(index, chain)| {
                    chain
                        .policy
                        .as_ref()
                        .is_none_or(|policy| policy.verdict == Verdict::Accept)
                        && (0..chain.rules.len()).all(|rule| {
                            matches!(
                                evaluator.action(index, rule).0,
                                Action::Continue | Action::Decide(Decision::Accept)
                            )
                        })
                })
        })
}

fn lowest_bit(bits: u128) -> u128 {
    bits & bits.wrapping_neg()
}

/// The packets surely accepted, of a query's decisions.
fn surely(decided: &[Decided], wanted: impl Fn(&Decision) -> bool) -> PacketSet {
    let mut set = PacketSet::empty();
    for entry in decided.iter().filter(|entry| wanted(&entry.decision)) {
        set.extend(entry.flow.sure.clone());
    }
    set
}

/// `reachable`: new connections from every selected source, to one port
/// of one address on one interface, are surely accepted.
fn reachable(
    report: &Reporter<'_, '_>,
    analysis: &Analysis<'_>,
    reach: Reach,
    constraint: &Cube,
    items: &[PortItem],
    found: &mut Vec<Diagnostic>,
) {
    let hook = match reach {
        Reach::InputFromAnywhere => Hook::Input,
        Reach::ForwardFromAnywhere => Hook::Forward,
    };
    let chain_name = hook.chain_name();
    let Some(chain) = report.table.chain_index(chain_name) else {
        return;
    };
    if !other_tables_pass(analysis, hook) {
        return;
    }
    let Some(mut base) = analysis.hook_universe(hook).intersect(constraint) else {
        return;
    };
    base.state &= state::NEW;
    // Packets on `lo` come from the host itself, whatever their source
    // address says: they are not "from anywhere".
    let loopback = analysis.atoms.atom_of("lo");
    if loopback != crate::analysis::interfaces::OTHER {
        base.iif &= !loopback;
    }
    if base.is_empty() {
        return;
    }
    let mut open: BTreeMap<(u32, u32), (Place, Vec<String>)> = BTreeMap::new();
    // One query for all the ports of the rule; each port is then looked
    // at within its answer.
    let mut all = PacketSet::empty();
    for item in items {
        if let Some(packets) = item.restrict(&base) {
            all.extend(PacketSet::from_cube(packets));
        }
    }
    // Asked about as raw hands them on: what raw surely takes out of
    // connection tracking in state UNTRACKED, what it may take left out.
    let all = analysis.after_raw(hook, &all).surely_seen();
    if all.is_empty() {
        return;
    }
    let Some(decided) = report.evaluator.query_builtin(chain, Flow::exact(all)) else {
        return;
    };
    let accepted_all = surely(&decided, |decision| *decision == Decision::Accept);
    for item in items {
        let Some(mut query) = item.restrict(&base) else {
            continue;
        };
        query.state |= state::UNTRACKED;
        let accepted = accepted_all.intersect_cube(&query);
        for candidate in accepted.cubes().iter().take(MAX_CANDIDATES) {
            let (Some(dst), Some(dport), Some(proto)) = (
                candidate.dst.first(),
                candidate.dport.first(),
                candidate.proto.first(),
            ) else {
                continue;
            };
            let mut slice = candidate.clone();
            slice.src = query.src.clone();
            slice.dst = Intervals::point(dst);
            slice.dport = Intervals::point(dport);
            slice.proto = Intervals::point(proto);
            // Every input interface but `lo`: fwlint does not know which
            // one faces the internet, so a rule for one interface (a
            // trusted LAN, say) is not "from anywhere".
            slice.iif = query.iif;
            slice.oif = lowest_bit(candidate.oif);
            if slice.is_empty() {
                continue;
            }
            // Only the accepted cubes that meet the slice can cover it;
            // too many of them is more work than a finding is worth.
            let meeting = accepted.intersect_cube(&slice);
            if meeting.len() > MAX_COVER
                || !meeting.contains_set(&PacketSet::from_cube(slice.clone()))
            {
                continue;
            }
            for entry in &decided {
                if entry.decision == Decision::Accept && entry.flow.sure.overlaps_cube(&slice) {
                    let span = report.evaluator.span_of(entry.place);
                    let slot = open
                        .entry((span.start, span.end))
                        .or_insert_with(|| (entry.place, Vec::new()));
                    if !slot.1.contains(&item.label) {
                        slot.1.push(item.label.clone());
                    }
                }
            }
            break;
        }
    }
    for ((start, end), (place, labels)) in open {
        let labels: Vec<String> = labels.into_iter().filter(|l| !l.is_empty()).collect();
        report.emit(
            Span::new(start, end),
            chain_name,
            &report.describe(place),
            &labels,
            format!("accepts new connections from anywhere ({chain_name})"),
            found,
        );
    }
}

/// `fate`: some selected packets are surely accepted, or surely dropped
/// or rejected, in the chain.
fn fate_of(
    report: &Reporter<'_, '_>,
    analysis: &Analysis<'_>,
    fate: Fate,
    constraint: &Cube,
    items: &[PortItem],
    found: &mut Vec<Diagnostic>,
) {
    for chain_name in &report.rule.selector.chains {
        let Some(chain) = report.table.chain_index(chain_name) else {
            continue;
        };
        let Some(hook) = report.table.chains[chain].hook else {
            continue;
        };
        if fate == Fate::Accepted
            && report.table.kind == TableKind::Filter
            && !other_tables_pass(analysis, hook)
        {
            continue;
        }
        let Some(base) = analysis.hook_universe(hook).intersect(constraint) else {
            continue;
        };
        // Rules before the policy: the first rule that takes the packets is
        // where the fix goes.
        let mut places: BTreeMap<(bool, u32, u32), (Place, Vec<String>)> = BTreeMap::new();
        for item in items {
            let Some(query) = item.restrict(&base) else {
                continue;
            };
            let Some(decided) = report
                .evaluator
                .query_builtin(chain, Flow::exact(PacketSet::from_cube(query)))
            else {
                continue;
            };
            for entry in &decided {
                let meets = match fate {
                    Fate::Accepted => entry.decision == Decision::Accept,
                    Fate::Denied => matches!(entry.decision, Decision::Drop | Decision::Reject),
                    Fate::DeniedByDefault => {
                        matches!(entry.decision, Decision::Drop | Decision::Reject)
                            && match entry.place {
                                Place::Policy { .. } => true,
                                Place::Rule { chain, rule } => {
                                    report.table.chains[chain].rules[rule].is_unconditional()
                                }
                            }
                    }
                };
                if !meets || entry.flow.sure.is_empty() {
                    continue;
                }
                let span = report.evaluator.span_of(entry.place);
                let slot = places
                    .entry((
                        matches!(entry.place, Place::Policy { .. }),
                        span.start,
                        span.end,
                    ))
                    .or_insert_with(|| (entry.place, Vec::new()));
                if !item.label.is_empty() && !slot.1.contains(&item.label) {
                    slot.1.push(item.label.clone());
                }
            }
        }
        let label = match fate {
            Fate::Accepted => "accepts them",
            Fate::Denied => "drops or rejects them",
            Fate::DeniedByDefault => "drops or rejects them by default",
        };
        // One finding per chain, at the first place: one rule fixes it,
        // and the other places are shown beside it.
        let mut places = places.into_iter();
        let Some(((_, start, end), (place, mut labels))) = places.next() else {
            continue;
        };
        let mut also = Vec::new();
        for ((_, other_start, other_end), (other, other_labels)) in places {
            for item in other_labels {
                if !labels.contains(&item) {
                    labels.push(item);
                }
            }
            also.push((Span::new(other_start, other_end), report.describe(other)));
        }
        report.emit(
            Span::new(start, end),
            chain_name,
            &report.describe(place),
            &labels,
            label.to_string(),
            found,
        );
        if let Some(diagnostic) = found.last_mut() {
            for (span, _) in also.iter().take(4) {
                diagnostic.secondary(*span, "and here");
            }
            if also.len() > 4 {
                diagnostic
                    .message
                    .push_str(&format!(" (and at {} other places)", also.len()));
            } else if !also.is_empty() {
                let names: Vec<&str> = also.iter().map(|(_, name)| name.as_str()).collect();
                diagnostic
                    .message
                    .push_str(&format!(" (also {})", names.join(", ")));
            }
        }
    }
}

/// Does `chain` end, for every packet that gets that far, in a drop or
/// reject, following unconditional jumps and gotos?
fn ends_denying(table: &Table, chain: &Chain) -> bool {
    ends_unconditionally(table, chain, &|rule| match &rule.target.kind {
        TargetKind::Jump(_) | TargetKind::Goto(_) | TargetKind::None => None,
        TargetKind::Extension(extension) if extension.name == "REJECT" => Some(true),
        TargetKind::Extension(extension) if !extension.known => Some(false),
        TargetKind::Extension(_) => matches!(
            crate::analysis::eval::action_of(table, rule).0,
            Action::Decide(_) | Action::Return | Action::Unknown
        )
        .then_some(false),
        TargetKind::Verdict(verdict) => Some(*verdict == Verdict::Drop),
    })
}

/// `default = "accept"`: the chain's policy accepts and no catch-all rule
/// refuses what the other rules leave.
fn default_accept(report: &Reporter<'_, '_>, found: &mut Vec<Diagnostic>) {
    for chain_name in &report.rule.selector.chains {
        let Some(index) = report.table.chain_index(chain_name) else {
            continue;
        };
        let chain = &report.table.chains[index];
        let Some(policy) = &chain.policy else {
            continue;
        };
        // A file that never touches the chain leaves it as it finds it.
        if policy.span.is_none() && chain.rules.is_empty() {
            continue;
        }
        if policy.verdict != Verdict::Accept || ends_denying(report.table, chain) {
            continue;
        }
        let place = Place::Policy { chain: index };
        report.emit(
            report.evaluator.span_of(place),
            chain_name,
            &report.describe(place),
            &[],
            "default: accept".to_string(),
            found,
        );
    }
}

/// `missing-rule`: no rule of the chain may match all the selected
/// packets (of a port) with the selected verdict.
fn missing_rule(
    report: &Reporter<'_, '_>,
    constraint: &Cube,
    items: &[PortItem],
    found: &mut Vec<Diagnostic>,
) {
    for chain_name in &report.rule.selector.chains {
        let Some(index) = report.table.chain_index(chain_name) else {
            continue;
        };
        let chain = &report.table.chains[index];
        let mut missing = Vec::new();
        let mut any_missing = false;
        for item in items {
            let Some(packets) = item.restrict(constraint) else {
                continue;
            };
            // An upper bound: a rule that may match counts, so that the
            // finding holds whatever unknown matches do.
            let present = chain.rules.iter().enumerate().any(|(rule_index, rule)| {
                verdict_matches(report.rule.selector.verdict, &rule.target.kind)
                    && report.evaluator.cube(index, rule_index).contains(&packets)
            });
            if !present {
                any_missing = true;
                if !item.label.is_empty() {
                    missing.push(item.label.clone());
                }
            }
        }
        if !any_missing {
            continue;
        }
        let span = chain
            .policy
            .as_ref()
            .and_then(|policy| policy.span)
            .or(chain.declared)
            .unwrap_or(report.table.span);
        let line = report.line(span);
        report.emit(
            span,
            chain_name,
            &format!("`{chain_name}` (line {line})"),
            &missing,
            "no such rule in this chain".to_string(),
            found,
        );
    }
}

/// `uncovered`: new connections to a port meet no rule of the chain but
/// catch-all ones: only the policy or a closing rule decides them.
fn uncovered(
    report: &Reporter<'_, '_>,
    analysis: &Analysis<'_>,
    constraint: &Cube,
    items: &[PortItem],
    found: &mut Vec<Diagnostic>,
) {
    for chain_name in &report.rule.selector.chains {
        let Some(index) = report.table.chain_index(chain_name) else {
            continue;
        };
        let Some(hook) = report.table.chains[index].hook else {
            continue;
        };
        let Some(mut base) = analysis.hook_universe(hook).intersect(constraint) else {
            continue;
        };
        base.state &= state::NEW;
        let mut missing = Vec::new();
        for item in items {
            let Some(query) = item.restrict(&base) else {
                continue;
            };
            // Whether some rule meets the packets, as raw hands them on
            // (in state UNTRACKED too, where raw may take them).
            let (packets, _) = analysis
                .after_raw(hook, &PacketSet::from_cube(query))
                .maybe_seen();
            let Some(decided) = report.evaluator.query_builtin(index, Flow::exact(packets)) else {
                continue;
            };
            let covered = decided.iter().any(|entry| {
                !entry.flow.may.is_empty()
                    && match entry.place {
                        Place::Rule { chain, rule } => {
                            !report.table.chains[chain].rules[rule].is_unconditional()
                        }
                        Place::Policy { .. } => false,
                    }
            });
            if !covered && !decided.is_empty() {
                missing.push(item.label.clone());
            }
        }
        if missing.is_empty() {
            continue;
        }
        let place = Place::Policy { chain: index };
        report.emit(
            report.evaluator.span_of(place),
            chain_name,
            &report.describe(place),
            &missing,
            "decides them with no rule of their own".to_string(),
            found,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::fill;

    #[test]
    fn placeholders_are_filled() {
        assert_eq!(
            fill(
                "{ports} open on {chain}",
                &[("ports", "tcp/22"), ("chain", "INPUT")]
            ),
            "tcp/22 open on INPUT"
        );
        assert_eq!(fill("no {such}", &[]), "no {such}");
    }
}
