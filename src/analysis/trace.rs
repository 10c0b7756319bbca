//! `fwlint trace`: the way one packet takes through the tables of a
//! ruleset, hook by hook, as the kernel walks it (`packet-flow.md`,
//! `kernel-semantics.md`).
//!
//! The packet ([`Probe`]) becomes a cube of the packet space whose open
//! fields (a port the user left out, the output interface before routing is
//! known) are whole ranges. Each rule's match ([`RuleMatch`]) is then
//! decided for it: certainly matched, certainly not, or undecided (an
//! unknown match, a field the packet leaves open, a mark fwlint cannot
//! know). An undecided rule forks the walk, and every branch is followed to
//! its end within a bound, so the result lists every possible outcome and
//! never states a certain answer that depends on something unknown.
//!
//! The walk itself follows netfilter: raw, mangle, nat (first packet of a
//! connection only, and only when connection tracking is on), filter and
//! security on each hook; DNAT and REDIRECT before the routing decision,
//! which is taken on the translated destination; SNAT and MASQUERADE in
//! POSTROUTING; jumps, gotos (no return address), RETURN (the policy in a
//! built-in chain), policies, marks set by MARK and CONNMARK and tested by
//! `-m mark`/`-m connmark`, the virtual DNAT/SNAT connection states, and
//! `CT --notrack` (or `NOTRACK`) in raw, after which the packet is in state
//! UNTRACKED, has no connection mark, and skips nat.
//! This module computes; `cli::trace` prints.

use std::collections::VecDeque;
use std::net::IpAddr;

use super::eval::{Action, Decision, Rewrite, action_of};
use super::interfaces::{Atoms, EMPTY};
use super::matcher::{RuleMatch, address_bits, address_of, address_value, rule_match_explained};
use super::probe::{Probe, ProbeState};
use super::space::{Cube, Endpoint, Intervals, NarrowIntervals, misc, state};
use crate::model::{
    Family, Hook, NatRange, Rule, Ruleset, Table, TableKind, TargetKind, Value, Verdict,
};
use crate::source::{SourceFile, Span};

/// The most outcomes one trace follows; past it the trace says it gave up.
pub const MAX_OUTCOMES: usize = 64;

/// Calls nested deeper than this are not followed (the kernel refuses
/// loops; a chain this deep is unknown territory).
const MAX_DEPTH: usize = 64;

/// The host's own addresses, as the trace's routing decision uses them.
#[derive(Debug, Clone, Default)]
pub struct LocalAddresses {
    /// Addresses the user gave (`--local-address`, `[host] addresses`).
    pub given: Vec<IpAddr>,
    /// Broadcast addresses of the networks the user gave with a prefix
    /// (`203.0.113.1/24` makes 203.0.113.255 local too).
    pub broadcasts: Vec<IpAddr>,
    /// Addresses inferred from the rules (the destination a DNAT rule
    /// matches, the address of SNAT).
    pub inferred: Vec<IpAddr>,
}

impl LocalAddresses {
    /// Adds `address/prefix` as `ip addr` shows it: the address, and the
    /// broadcast address of its network (IPv4 only).
    pub fn add_given(&mut self, address: IpAddr, prefix: Option<u8>) {
        self.given.push(address);
        if let (IpAddr::V4(v4), Some(prefix)) = (address, prefix) {
            if prefix < 31 {
                let host_bits = u32::MAX >> prefix;
                self.broadcasts
                    .push(IpAddr::V4((u32::from(v4) | host_bits).into()));
            }
        }
    }

    /// The single addresses `ruleset`'s nat table shows to be the host's.
    pub fn infer(&mut self, ruleset: &Ruleset) {
        let host = super::Host::new(ruleset, &super::HostProfile::default());
        for net in host.addresses {
            if net.prefix_len() == Some(address_width(net.addr))
                && !self.inferred.contains(&net.addr)
            {
                self.inferred.push(net.addr);
            }
        }
    }
}

fn address_width(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    }
}

/// How the packet's fate ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceVerdict {
    /// It went through every hook: delivered, forwarded or sent.
    Accept,
    Drop,
    Reject,
    /// Handed to user space (`QUEUE`, `NFQUEUE`).
    Queue,
    /// Another target that ends traversal, by name (`TPROXY`...).
    Other(String),
    /// Not known: an unknown target, a policy the file does not set, a
    /// chain too deep to follow.
    Unknown,
}

impl TraceVerdict {
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            TraceVerdict::Accept => "ACCEPT",
            TraceVerdict::Drop => "DROP",
            TraceVerdict::Reject => "REJECT",
            TraceVerdict::Queue => "QUEUE",
            TraceVerdict::Other(name) => name,
            TraceVerdict::Unknown => "UNKNOWN",
        }
    }
}

/// Where the packet ends up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Disposition {
    /// Delivered to a local socket (it passed INPUT).
    Local,
    /// Forwarded, out of `out` when known.
    Forwarded { out: Option<String> },
    /// Sent by the host, out of `out` when known.
    Sent { out: Option<String> },
    /// Stopped on `hook` by the verdict.
    Stopped { hook: Hook },
    /// Dropped by the kernel as a martian (a source that is the host's own
    /// or loopback, arriving from outside), before filter sees it.
    Martian,
    /// Not known.
    Unknown,
}

impl Disposition {
    #[must_use]
    pub fn as_str(&self) -> &'static str {
        match self {
            Disposition::Local => "local",
            Disposition::Forwarded { .. } => "forwarded",
            Disposition::Sent { .. } => "sent",
            Disposition::Stopped { .. } => "stopped",
            Disposition::Martian => "martian",
            Disposition::Unknown => "unknown",
        }
    }

    #[must_use]
    pub fn out(&self) -> Option<&str> {
        match self {
            Disposition::Forwarded { out } | Disposition::Sent { out } => out.as_deref(),
            _ => None,
        }
    }
}

/// What a rule or policy on the path did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepAction {
    /// A rule that matched and let traversal go on (no target, LOG, MARK...).
    Matched,
    /// `-j CHAIN`.
    Jump(String),
    /// `-g CHAIN`.
    Goto(String),
    /// `-j RETURN`.
    Return,
    /// A rule whose target decided the packet in this table (ACCEPT, DROP,
    /// REJECT, DNAT...), with the target's text.
    Decide(String),
    /// A built-in chain's policy, with its verdict.
    Policy(String),
}

impl StepAction {
    /// The name of the action in the JSON contract.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            StepAction::Matched => "matched",
            StepAction::Jump(_) => "jump",
            StepAction::Goto(_) => "goto",
            StepAction::Return => "return",
            StepAction::Decide(_) => "decide",
            StepAction::Policy(_) => "policy",
        }
    }
}

/// One rule or policy the packet met and that counted it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub hook: Hook,
    pub table: TableKind,
    pub chain: String,
    /// The rule's position in its chain; `None` for the policy.
    pub rule: Option<usize>,
    /// The 1-based line of the rule or policy, when the file has one.
    pub line: Option<usize>,
    pub span: Option<Span>,
    /// The rule as `iptables-save` prints it (empty for a policy).
    pub text: String,
    pub action: StepAction,
}

/// A NAT rewrite on the path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RewriteStep {
    /// `DNAT`, `REDIRECT`, `SNAT`, `MASQUERADE`, `NETMAP`.
    pub kind: String,
    pub hook: Hook,
    pub line: Option<usize>,
    /// The address (and port) before and after, as text.
    pub before: String,
    pub after: String,
}

/// Something the trace could not decide, and which way this outcome took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assumption {
    pub table: Option<TableKind>,
    pub chain: Option<String>,
    pub line: Option<usize>,
    pub span: Option<Span>,
    /// Why it could not be decided.
    pub reason: String,
    /// What this outcome assumed.
    pub assumed: String,
    /// True when the other possibilities were followed too (then the
    /// outcomes together cover them); false when fwlint took one without
    /// following the others.
    pub explored: bool,
}

/// One point of the story of an outcome, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The packet reaches a hook.
    Hook(Hook),
    /// A table starts on the current hook.
    Table(TableKind),
    /// `steps[index]`.
    Step(usize),
    /// A fact of the walk (routing, a skipped table, a rewrite).
    Note(String),
}

/// One possible way of the packet, to its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: TraceVerdict,
    pub disposition: Disposition,
    pub hooks: Vec<Hook>,
    pub steps: Vec<Step>,
    pub rewrites: Vec<RewriteStep>,
    /// The undecided points this outcome went through, and its choices.
    pub assumptions: Vec<Assumption>,
    pub events: Vec<Event>,
}

/// Every way the packet may take.
#[derive(Debug, Clone)]
pub struct Trace {
    pub probe: Probe,
    pub outcomes: Vec<Outcome>,
    /// More than [`MAX_OUTCOMES`] ways: the list is incomplete.
    pub truncated: bool,
}

impl Trace {
    /// True when there is exactly one way, decided at every point.
    #[must_use]
    pub fn is_certain(&self) -> bool {
        !self.truncated && self.outcomes.len() == 1 && self.outcomes[0].assumptions.is_empty()
    }

    /// True when the outcomes cover every possibility.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        !self.truncated
            && self
                .outcomes
                .iter()
                .all(|outcome| outcome.assumptions.iter().all(|a| a.explored))
    }

    /// The verdict, when every possible outcome has the same known one;
    /// [`TraceVerdict::Unknown`] otherwise.
    #[must_use]
    pub fn verdict(&self) -> TraceVerdict {
        let Some(first) = self.outcomes.first() else {
            return TraceVerdict::Unknown;
        };
        if !self.is_complete() || self.outcomes.iter().any(|o| o.verdict != first.verdict) {
            return TraceVerdict::Unknown;
        }
        first.verdict.clone()
    }

    /// The disposition, when every possible outcome has the same one.
    #[must_use]
    pub fn disposition(&self) -> Disposition {
        let Some(first) = self.outcomes.first() else {
            return Disposition::Unknown;
        };
        if !self.is_complete()
            || self
                .outcomes
                .iter()
                .any(|o| o.disposition != first.disposition)
        {
            return Disposition::Unknown;
        }
        first.disposition.clone()
    }

    /// The steps every outcome shares from the start: the whole path when
    /// the trace is certain.
    #[must_use]
    pub fn common_steps(&self) -> &[Step] {
        let Some(first) = self.outcomes.first() else {
            return &[];
        };
        let mut length = first.steps.len();
        for outcome in &self.outcomes[1..] {
            length = first.steps[..length]
                .iter()
                .zip(&outcome.steps)
                .take_while(|(a, b)| a == b)
                .count();
        }
        &first.steps[..length]
    }

    /// The hooks every outcome shares from the start.
    #[must_use]
    pub fn common_hooks(&self) -> &[Hook] {
        let Some(first) = self.outcomes.first() else {
            return &[];
        };
        let mut length = first.hooks.len();
        for outcome in &self.outcomes[1..] {
            length = first.hooks[..length]
                .iter()
                .zip(&outcome.hooks)
                .take_while(|(a, b)| a == b)
                .count();
        }
        &first.hooks[..length]
    }

    /// The rewrites of the trace when every outcome makes the same ones.
    #[must_use]
    pub fn common_rewrites(&self) -> &[RewriteStep] {
        match self.outcomes.first() {
            Some(first) if self.outcomes.iter().all(|o| o.rewrites == first.rewrites) => {
                &first.rewrites
            }
            _ => &[],
        }
    }

    /// Every undecided point, once each, in the order first met.
    #[must_use]
    pub fn undecided(&self) -> Vec<&Assumption> {
        let mut seen: Vec<&Assumption> = Vec::new();
        for assumption in self.outcomes.iter().flat_map(|o| &o.assumptions) {
            if !seen.iter().any(|s| {
                s.table == assumption.table
                    && s.chain == assumption.chain
                    && s.line == assumption.line
                    && s.reason == assumption.reason
            }) {
                seen.push(assumption);
            }
        }
        seen
    }
}

/// A rule, ready for the walk.
struct PreparedRule {
    matched: RuleMatch,
    /// The match that makes the rule uncertain, for the walk's messages.
    uncertain_because: Option<String>,
    /// `-m mark` (false) and `-m connmark` (true) tests, decided on the
    /// marks the walk tracks: `(connection, value, mask, negated)`.
    marks: Vec<(bool, u32, u32, bool)>,
    action: Action,
    rewrite: Option<Rewrite>,
    line: usize,
    text: String,
}

struct PreparedTable<'r> {
    table: &'r Table,
    rules: Vec<Vec<PreparedRule>>,
}

/// Whether connection tracking runs (kernel-semantics 7).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Conntrack {
    On,
    Off,
    /// An extension fwlint does not know may or may not need it.
    Unsure(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Table(Hook, TableKind),
    /// The routing decision of an arriving packet, after nat PREROUTING.
    Route,
    /// After nat OUTPUT: a changed destination is routed again.
    Reroute,
    /// The end of POSTROUTING for a locally generated packet: out, or
    /// back in through `lo` when it is for the host itself.
    Deliver,
    Finish,
}

#[derive(Debug, Clone, Copy)]
struct Frame {
    chain: usize,
    next: usize,
}

/// Where the walk stands inside a table.
#[derive(Debug, Clone)]
struct Current {
    hook: Hook,
    kind: TableKind,
    /// The built-in chain whose policy ends the table.
    builtin: usize,
    /// The chains entered, innermost last, each with the next rule.
    frames: Vec<Frame>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RouteClass {
    Local,
    Remote,
}

/// One branch of the walk.
#[derive(Debug, Clone)]
struct Walk {
    packet: Cube,
    /// The packet's and the connection's mark, when known.
    mark: Option<u32>,
    ctmark: Option<u32>,
    /// The interface atoms of the packet's in and out interface.
    iif: u128,
    oif: u128,
    out_name: Option<String>,
    plan: VecDeque<Stage>,
    route: Option<RouteClass>,
    /// The destination changed since the last routing decision.
    rerouted: bool,
    /// A local packet came back in through `lo`: nat is done with it.
    looped: bool,
    redirected: bool,
    /// A `CT --notrack` rule took the packet out of connection tracking.
    untracked: bool,
    /// The table being walked, when the walk is inside one.
    current: Option<Current>,
    finished: Option<(TraceVerdict, Disposition)>,
    outcome: Outcome,
}

impl Walk {
    fn note(&mut self, text: impl Into<String>) {
        self.outcome.events.push(Event::Note(text.into()));
    }

    /// `CT --notrack` (raw table, before conntrack sees the packet): the
    /// packet belongs to no connection, whatever state it would have had.
    /// From here on only `--ctstate UNTRACKED` matches it, it has no
    /// connection mark, and nat never sees it.
    fn untrack(&mut self) {
        if self.untracked {
            return;
        }
        self.untracked = true;
        self.packet.state = state::UNTRACKED;
        self.ctmark = None;
        self.note(
            "from here on the packet is not tracked: its state is UNTRACKED, and nat skips it",
        );
    }

    fn assume(&mut self, assumption: Assumption) {
        self.outcome.assumptions.push(assumption);
    }

    fn finish(&mut self, verdict: TraceVerdict, disposition: Disposition) {
        self.finished = Some((verdict, disposition));
    }
}

enum Tri {
    Yes,
    No,
    Maybe(String),
}

/// The names of a cube's fields, for "the packet leaves X open".
fn open_fields(packet: &Cube, rule: &Cube) -> Vec<&'static str> {
    let mut open = Vec::new();
    fn interval<T: Endpoint>(a: &Intervals<T>, b: &Intervals<T>) -> bool {
        !a.is_subset(b) && a.overlaps(b)
    }
    let bits = |a: u128, b: u128| a & !b != 0 && a & b != 0;
    if interval(&packet.src, &rule.src) {
        open.push("the source address");
    }
    if interval(&packet.dst, &rule.dst) {
        open.push("the destination address");
    }
    if interval(&packet.sport, &rule.sport) {
        open.push("the source port");
    }
    if interval(&packet.dport, &rule.dport) {
        open.push("the destination port");
    }
    if interval(&packet.icmp, &rule.icmp) {
        open.push("the ICMP type");
    }
    if bits(packet.iif, rule.iif) {
        open.push("the input interface");
    }
    if bits(packet.oif, rule.oif) {
        open.push("the output interface");
    }
    if bits(u128::from(packet.state), u128::from(rule.state)) {
        open.push("the connection state");
    }
    if bits(u128::from(packet.nat), u128::from(rule.nat)) {
        open.push("whether the connection was NATed");
    }
    if bits(u128::from(packet.tcp_flags), u128::from(rule.tcp_flags)) {
        open.push("the TCP flags");
    }
    if bits(u128::from(packet.misc), u128::from(rule.misc)) {
        open.push("whether the destination is local");
    }
    open
}

/// The extensions that switch connection tracking on when a rule uses
/// them.
const CONNTRACK_MATCHES: [&str; 7] = [
    "conntrack",
    "state",
    "connmark",
    "connlimit",
    "connbytes",
    "connlabel",
    "helper",
];
const CONNTRACK_TARGETS: [&str; 9] = [
    "DNAT",
    "SNAT",
    "MASQUERADE",
    "REDIRECT",
    "NETMAP",
    "CONNMARK",
    "CT",
    "NOTRACK",
    "CONNSECMARK",
];

fn conntrack_of(ruleset: &Ruleset) -> Conntrack {
    let mut unsure = None;
    for rule in ruleset
        .tables
        .iter()
        .flat_map(|table| &table.chains)
        .flat_map(|chain| &chain.rules)
    {
        for extension in &rule.matches {
            if CONNTRACK_MATCHES.contains(&extension.name.as_ref()) {
                return Conntrack::On;
            }
            if !extension.known && unsure.is_none() {
                unsure = Some(format!("`-m {}`", extension.name));
            }
        }
        if let TargetKind::Extension(target) = &rule.target.kind {
            if CONNTRACK_TARGETS.contains(&target.name.as_ref()) {
                return Conntrack::On;
            }
            if !target.known && unsure.is_none() {
                unsure = Some(format!("`-j {}`", target.name));
            }
        }
    }
    unsure.map_or(Conntrack::Off, Conntrack::Unsure)
}

fn mark_tests(rule: &Rule) -> (Rule, Vec<(bool, u32, u32, bool)>) {
    let mut stripped = rule.clone();
    let mut tests = Vec::new();
    let mut matches = std::mem::take(&mut stripped.matches).into_vec();
    matches.retain(|extension| {
        let connection = match extension.name.as_ref() {
            "mark" => false,
            "connmark" => true,
            _ => return true,
        };
        if !extension.known {
            return true;
        }
        let parsed: Vec<_> = extension
            .options
            .iter()
            .filter_map(|option| match (&*option.name, &option.value) {
                ("mark", Value::MarkMask { value, mask }) => {
                    Some((connection, *value, *mask, option.negated))
                }
                _ => None,
            })
            .collect();
        if parsed.len() != extension.options.len() {
            return true;
        }
        tests.extend(parsed);
        false
    });
    stripped.matches = matches.into_boxed_slice();
    (stripped, tests)
}

/// Formats a set of addresses (one, a range, or "several").
fn describe_addresses(set: &Intervals, family: Family) -> String {
    match set.ranges() {
        [(lo, hi)] if lo == hi => address_of(*lo, family).to_string(),
        [(lo, hi)] => format!("{}-{}", address_of(*lo, family), address_of(*hi, family)),
        _ => "one of several addresses".to_string(),
    }
}

fn describe_ports(set: &NarrowIntervals) -> Option<String> {
    match set.ranges() {
        [(lo, hi)] if lo == hi => Some(lo.to_string()),
        [(0, 65535)] => None,
        [(lo, hi)] => Some(format!("{lo}-{hi}")),
        _ => Some("several ports".to_string()),
    }
}

fn endpoint_text(
    addresses: &Intervals,
    ports: &NarrowIntervals,
    family: Family,
    with_ports: bool,
) -> String {
    let address = describe_addresses(addresses, family);
    match (with_ports, describe_ports(ports)) {
        (true, Some(port)) if family == Family::V6 && !address.contains(' ') => {
            format!("[{address}]:{port}")
        }
        (true, Some(port)) => format!("{address}:{port}"),
        _ => address,
    }
}

/// Traces packets through one ruleset.
pub struct Tracer<'r> {
    family: Family,
    atoms: Atoms,
    tables: Vec<PreparedTable<'r>>,
    local: LocalAddresses,
    conntrack: Conntrack,
    /// The nat table has a DNAT, REDIRECT, SNAT, MASQUERADE or NETMAP rule.
    nat_rewrites: bool,
}

impl<'r> Tracer<'r> {
    /// Prepares `ruleset` (read from `source`) for tracing packets that
    /// use the interfaces `interfaces`, on a host with addresses `local`.
    #[must_use]
    pub fn new(
        ruleset: &'r Ruleset,
        source: &SourceFile,
        local: LocalAddresses,
        interfaces: &[&str],
    ) -> Tracer<'r> {
        let mut extra: Vec<&str> = interfaces.to_vec();
        extra.push("lo");
        let atoms = Atoms::of(ruleset, &extra);
        let mut universe = Cube::universe(address_bits(ruleset.family));
        universe.iif = atoms.all();
        universe.oif = atoms.all();
        let tables = ruleset
            .tables
            .iter()
            .map(|table| PreparedTable {
                table,
                rules: table
                    .chains
                    .iter()
                    .map(|chain| {
                        chain
                            .rules
                            .iter()
                            .map(|rule| {
                                let (stripped, marks) = mark_tests(rule);
                                let (action, rewrite) = action_of(table, rule);
                                let (matched, uncertain_because) = rule_match_explained(
                                    &stripped,
                                    ruleset.family,
                                    &atoms,
                                    &universe,
                                );
                                PreparedRule {
                                    matched,
                                    uncertain_because,
                                    marks,
                                    action,
                                    rewrite,
                                    line: source.line_col(rule.span.start).line,
                                    text: crate::model::print::rule(rule),
                                }
                            })
                            .collect()
                    })
                    .collect(),
            })
            .collect();
        let nat_rewrites = ruleset.table(TableKind::Nat).is_some_and(|nat| {
            nat.chains.iter().flat_map(|c| &c.rules).any(|rule| {
                matches!(&rule.target.kind, TargetKind::Extension(t)
                    if matches!(t.name.as_ref(), "DNAT" | "REDIRECT" | "SNAT" | "MASQUERADE" | "NETMAP"))
            })
        });
        Tracer {
            family: ruleset.family,
            atoms,
            tables,
            local,
            conntrack: conntrack_of(ruleset),
            nat_rewrites,
        }
    }

    fn line_of(&self, source: &SourceFile, span: Option<Span>) -> Option<usize> {
        span.map(|span| source.line_col(span.start).line)
    }

    fn prepared(&self, kind: TableKind) -> Option<&PreparedTable<'r>> {
        self.tables.iter().find(|t| t.table.kind == kind)
    }

    /// The packet `probe` as a cube, before any hook.
    fn packet(&self, probe: &Probe) -> Cube {
        let mut cube = Cube::universe(address_bits(self.family));
        cube.src = Intervals::point(address_value(probe.source));
        cube.dst = Intervals::point(address_value(probe.destination));
        cube.proto = Intervals::point(u32::from(probe.protocol));
        if let Some(port) = probe.source_port {
            cube.sport = Intervals::point(u32::from(port));
        }
        if let Some(port) = probe.destination_port {
            cube.dport = Intervals::point(u32::from(port));
        }
        if let Some((kind, code)) = probe.icmp {
            let base = u32::from(kind) * 256;
            cube.icmp = match code {
                Some(code) => Intervals::point(base + u32::from(code)),
                None => Intervals::range(base, base + 255),
            };
        }
        if let Some(flags) = probe.tcp_flags {
            cube.tcp_flags = 1 << (flags & 0x3f);
        }
        cube.state = match probe.state {
            ProbeState::New => state::NEW,
            ProbeState::Established => state::ESTABLISHED,
            ProbeState::Related => state::RELATED,
            ProbeState::Invalid => state::INVALID,
            ProbeState::Untracked => state::UNTRACKED,
        };
        // A new connection is not NATed until a NAT rule says so; for
        // other packets it depends on the connection's first packet.
        cube.nat = if probe.state == ProbeState::New {
            1
        } else {
            0xf
        };
        cube.misc = misc::UNFRAGMENTED | self.locality(&cube.dst);
        cube.iif = self.atoms.all();
        cube.oif = self.atoms.all();
        cube
    }

    fn is_loopback(&self, value: u128) -> bool {
        match self.family {
            Family::V4 => value >> 24 == 127,
            Family::V6 => value == 1,
        }
    }

    fn is_multicast(&self, value: u128) -> bool {
        match self.family {
            Family::V4 => value >> 28 == 0xe,
            Family::V6 => value >> 120 == 0xff,
        }
    }

    fn contains(list: &[IpAddr], value: u128) -> bool {
        list.iter().any(|a| address_value(*a) == value)
    }

    /// Is `value` an address of the host: `Some(true)` yes, `Some(false)`
    /// no, `None` not known.
    fn is_local(&self, value: u128) -> Option<bool> {
        if self.is_loopback(value)
            || Self::contains(&self.local.given, value)
            || Self::contains(&self.local.inferred, value)
        {
            return Some(true);
        }
        (!self.local.given.is_empty()).then_some(false)
    }

    /// The `addrtype --dst-type LOCAL` bits of a destination.
    fn locality(&self, dst: &Intervals) -> u8 {
        match dst.ranges() {
            [(lo, hi)] if lo == hi => match self.is_local(*lo) {
                Some(true) => misc::DST_LOCAL,
                Some(false) => misc::DST_REMOTE,
                None => misc::LOCALITY,
            },
            _ => misc::LOCALITY,
        }
    }

    /// Where the routing decision sends a packet for `dst`.
    fn route_of(&self, dst: &Intervals, out_given: bool) -> Result<(RouteClass, String), String> {
        let [(lo, hi)] = dst.ranges() else {
            return Err("the destination is one of several addresses".into());
        };
        if lo != hi {
            let all_remote = (*lo..=*hi)
                .take(65536)
                .all(|v| self.is_local(v) == Some(false))
                && hi - lo < 65536;
            return if all_remote {
                Ok((
                    RouteClass::Remote,
                    "no address of the range is this host's".into(),
                ))
            } else {
                Err("the destination range may hold addresses of this host".into())
            };
        }
        let value = *lo;
        let address = address_of(value, self.family);
        if self.is_loopback(value) {
            return Ok((
                RouteClass::Local,
                format!("{address} is a loopback address"),
            ));
        }
        if Self::contains(&self.local.given, value) {
            return Ok((
                RouteClass::Local,
                format!("{address} is an address of this host"),
            ));
        }
        if self.family == Family::V4
            && (value == u128::from(u32::MAX) || Self::contains(&self.local.broadcasts, value))
        {
            return Ok((
                RouteClass::Local,
                format!("{address} is a broadcast address of this host"),
            ));
        }
        if self.is_multicast(value) {
            return Err(format!(
                "{address} is a multicast address: it reaches INPUT only if the host joined the group"
            ));
        }
        if Self::contains(&self.local.inferred, value) {
            return Ok((
                RouteClass::Local,
                format!("{address} is an address of this host (inferred from the nat rules)"),
            ));
        }
        if !self.local.given.is_empty() {
            return Ok((
                RouteClass::Remote,
                format!("{address} is not an address of this host"),
            ));
        }
        if out_given {
            return Ok((
                RouteClass::Remote,
                format!("{address} is routed out as `out=` says"),
            ));
        }
        Err(format!(
            "fwlint does not know whether {address} is an address of this host: give `--local-address`"
        ))
    }

    /// Traces `probe` through the ruleset.
    #[must_use]
    pub fn trace(&self, probe: &Probe, source: &SourceFile) -> Trace {
        let mut packet = self.packet(probe);
        let known = |name: &Option<String>| name.as_deref().map(|n| self.atoms.atom_of(n));
        let any_interface = self.atoms.all() & !EMPTY;
        let (iif, plan) = if probe.local {
            packet.iif = EMPTY;
            (
                EMPTY,
                vec![
                    Stage::Table(Hook::Output, TableKind::Raw),
                    Stage::Table(Hook::Output, TableKind::Mangle),
                    Stage::Table(Hook::Output, TableKind::Nat),
                    Stage::Reroute,
                    Stage::Table(Hook::Output, TableKind::Filter),
                    Stage::Table(Hook::Output, TableKind::Security),
                    Stage::Table(Hook::Postrouting, TableKind::Mangle),
                    Stage::Table(Hook::Postrouting, TableKind::Nat),
                    Stage::Deliver,
                ],
            )
        } else {
            (
                known(&probe.in_interface).unwrap_or(any_interface),
                vec![
                    Stage::Table(Hook::Prerouting, TableKind::Raw),
                    Stage::Table(Hook::Prerouting, TableKind::Mangle),
                    Stage::Table(Hook::Prerouting, TableKind::Nat),
                    Stage::Route,
                ],
            )
        };
        let walk = Walk {
            packet,
            mark: Some(probe.mark),
            ctmark: (probe.state == ProbeState::New).then_some(0),
            iif,
            oif: known(&probe.out_interface).unwrap_or(any_interface),
            out_name: probe.out_interface.clone(),
            plan: plan.into(),
            route: None,
            rerouted: probe.local,
            looped: false,
            redirected: false,
            untracked: false,
            current: None,
            finished: None,
            outcome: Outcome {
                verdict: TraceVerdict::Unknown,
                disposition: Disposition::Unknown,
                hooks: Vec::new(),
                steps: Vec::new(),
                rewrites: Vec::new(),
                assumptions: Vec::new(),
                events: Vec::new(),
            },
        };
        let mut pending = vec![walk];
        let mut outcomes = Vec::new();
        let mut truncated = false;
        while let Some(walk) = pending.pop() {
            if outcomes.len() + pending.len() >= MAX_OUTCOMES {
                truncated = true;
                break;
            }
            outcomes.push(self.advance(walk, probe, source, &mut pending));
        }
        Trace {
            probe: probe.clone(),
            outcomes,
            truncated,
        }
    }

    /// Walks one branch to its end; forks go to `pending`.
    fn advance(
        &self,
        mut walk: Walk,
        probe: &Probe,
        source: &SourceFile,
        pending: &mut Vec<Walk>,
    ) -> Outcome {
        while walk.finished.is_none() {
            if walk.current.is_some() {
                self.run_table(&mut walk, source, pending);
                continue;
            }
            let Some(stage) = walk.plan.pop_front() else {
                walk.finish(TraceVerdict::Unknown, Disposition::Unknown);
                break;
            };
            match stage {
                Stage::Table(hook, kind) => self.table_stage(&mut walk, hook, kind, probe),
                Stage::Route => self.route_stage(&mut walk, probe, pending),
                Stage::Reroute => self.reroute_stage(&mut walk, probe, pending),
                Stage::Deliver => self.deliver_stage(&mut walk, probe, pending),
                Stage::Finish => {
                    let disposition = match (probe.local, walk.route) {
                        (_, Some(RouteClass::Local)) => Disposition::Local,
                        (true, _) => Disposition::Sent {
                            out: walk.out_name.clone(),
                        },
                        (false, _) => Disposition::Forwarded {
                            out: walk.out_name.clone(),
                        },
                    };
                    walk.finish(TraceVerdict::Accept, disposition);
                }
            }
        }
        let (verdict, disposition) = walk
            .finished
            .take()
            .unwrap_or((TraceVerdict::Unknown, Disposition::Unknown));
        walk.outcome.verdict = verdict;
        walk.outcome.disposition = disposition;
        walk.outcome
    }

    /// Forks `walk` on an undecided route: the walk is delivered
    /// locally, a copy that is forwarded (or sent out) goes to `pending`.
    fn fork_route(
        &self,
        walk: &mut Walk,
        reason: &str,
        arriving: bool,
        pending: &mut Vec<Walk>,
    ) -> RouteClass {
        let assumption = |assumed: &str| Assumption {
            table: None,
            chain: None,
            line: None,
            span: None,
            reason: reason.to_string(),
            assumed: assumed.to_string(),
            explored: true,
        };
        let mut other = walk.clone();
        other.assume(assumption("the routing decision sends it to another host"));
        other.note(format!(
            "routing: {reason}; assumed it goes to another host"
        ));
        other.route = Some(RouteClass::Remote);
        if arriving {
            self.plan_route(&mut other, RouteClass::Remote);
        }
        pending.push(other);
        walk.assume(assumption("the routing decision delivers it locally"));
        walk.note(format!("routing: {reason}; assumed delivered locally"));
        RouteClass::Local
    }

    /// The hooks after the routing decision of an arriving packet.
    fn plan_route(&self, walk: &mut Walk, class: RouteClass) {
        walk.route = Some(class);
        match class {
            RouteClass::Local => {
                walk.oif = EMPTY;
                walk.out_name = None;
                walk.plan.extend([
                    Stage::Table(Hook::Input, TableKind::Mangle),
                    Stage::Table(Hook::Input, TableKind::Filter),
                    Stage::Table(Hook::Input, TableKind::Security),
                    Stage::Table(Hook::Input, TableKind::Nat),
                    Stage::Finish,
                ]);
            }
            RouteClass::Remote => {
                walk.packet.misc = (walk.packet.misc & !misc::LOCALITY) | misc::DST_REMOTE;
                walk.plan.extend([
                    Stage::Table(Hook::Forward, TableKind::Mangle),
                    Stage::Table(Hook::Forward, TableKind::Filter),
                    Stage::Table(Hook::Forward, TableKind::Security),
                    Stage::Table(Hook::Postrouting, TableKind::Mangle),
                    Stage::Table(Hook::Postrouting, TableKind::Nat),
                    Stage::Finish,
                ]);
            }
        }
    }

    fn route_stage(&self, walk: &mut Walk, probe: &Probe, pending: &mut Vec<Walk>) {
        // A source that is the host's own, or loopback, arriving from
        // outside is a martian: dropped before filter (kernel-semantics 12).
        let source = address_value(probe.source);
        let from_lo = probe.in_interface.as_deref() == Some("lo");
        if !from_lo && (self.is_loopback(source) || Self::contains(&self.local.given, source)) {
            walk.note(format!(
                "routing: the source {} is this host's own address, arriving from outside: the kernel drops it as a martian",
                probe.source
            ));
            walk.finish(TraceVerdict::Drop, Disposition::Martian);
            return;
        }
        let class = if walk.redirected {
            walk.note("routing: REDIRECT sent it to this host");
            RouteClass::Local
        } else {
            match self.route_of(&walk.packet.dst, probe.out_interface.is_some()) {
                Ok((class, why)) => {
                    let what = match class {
                        RouteClass::Local => "delivered locally",
                        RouteClass::Remote => "forwarded",
                    };
                    walk.note(format!("routing: {why}: {what}"));
                    class
                }
                Err(reason) => self.fork_route(walk, &reason, true, pending),
            }
        };
        self.plan_route(walk, class);
    }

    fn reroute_stage(&self, walk: &mut Walk, probe: &Probe, pending: &mut Vec<Walk>) {
        if !walk.rerouted {
            return;
        }
        walk.rerouted = false;
        let class = match self.route_of(&walk.packet.dst, probe.out_interface.is_some()) {
            Ok((class, why)) => {
                let what = match class {
                    RouteClass::Local => "to this host, through `lo`",
                    RouteClass::Remote => "out of the host",
                };
                walk.note(format!("routing: {why}: {what}"));
                class
            }
            Err(reason) => self.fork_route(walk, &reason, false, pending),
        };
        walk.route = Some(class);
        if class == RouteClass::Local {
            walk.oif = self.atoms.atom_of("lo");
            walk.out_name = Some("lo".into());
        }
    }

    fn deliver_stage(&self, walk: &mut Walk, _probe: &Probe, _pending: &mut Vec<Walk>) {
        if walk.route != Some(RouteClass::Local) {
            walk.plan.push_back(Stage::Finish);
            return;
        }
        // Back in through `lo`: PREROUTING and INPUT, with nat done (the
        // connection's translations were set up on the way out).
        walk.note("the packet comes back in through `lo`");
        walk.looped = true;
        walk.iif = self.atoms.atom_of("lo");
        walk.oif = EMPTY;
        walk.out_name = None;
        walk.plan.extend([
            Stage::Table(Hook::Prerouting, TableKind::Raw),
            Stage::Table(Hook::Prerouting, TableKind::Mangle),
            Stage::Table(Hook::Input, TableKind::Mangle),
            Stage::Table(Hook::Input, TableKind::Filter),
            Stage::Table(Hook::Input, TableKind::Security),
            Stage::Finish,
        ]);
    }

    /// Does the nat table see this packet? `Err` with the reason when not.
    fn nat_consulted(&self, walk: &mut Walk, probe: &Probe) -> Result<(), String> {
        match &self.conntrack {
            Conntrack::Off => {
                return Err(
                    "no rule needs connection tracking, so the nat chains are never consulted"
                        .into(),
                );
            }
            Conntrack::Unsure(what) => walk.assume(Assumption {
                table: Some(TableKind::Nat),
                chain: None,
                line: None,
                span: None,
                reason: format!("whether connection tracking runs depends on {what}"),
                assumed: "connection tracking runs".into(),
                explored: false,
            }),
            Conntrack::On => {}
        }
        if walk.looped {
            return Err("the connection's translations were set up on the way out".into());
        }
        if walk.untracked {
            return Err("a packet in state UNTRACKED skips nat (`CT --notrack` above)".into());
        }
        match probe.state {
            ProbeState::New => Ok(()),
            ProbeState::Invalid | ProbeState::Untracked => Err(format!(
                "a packet in state {} skips nat",
                probe.state.as_str().to_ascii_uppercase()
            )),
            ProbeState::Established | ProbeState::Related => {
                Err("nat sees only the first packet of a connection".into())
            }
        }
    }

    /// Starts table `kind` on `hook`, when the packet meets it.
    fn table_stage(&self, walk: &mut Walk, hook: Hook, kind: TableKind, probe: &Probe) {
        if walk.outcome.hooks.last() != Some(&hook) {
            walk.outcome.hooks.push(hook);
            walk.outcome.events.push(Event::Hook(hook));
        }
        let Some(prepared) = self.prepared(kind) else {
            return;
        };
        let Some(chain) = prepared.table.chain_index(hook.chain_name()) else {
            return;
        };
        if kind == TableKind::Nat {
            if let Err(reason) = self.nat_consulted(walk, probe) {
                walk.note(format!("nat {} skipped: {reason}", hook.chain_name()));
                if matches!(probe.state, ProbeState::Established | ProbeState::Related)
                    && self.nat_rewrites
                    && !walk.looped
                    && !walk.untracked
                    && self.conntrack != Conntrack::Off
                    && hook != Hook::Postrouting
                    && hook != Hook::Input
                {
                    walk.assume(Assumption {
                        table: Some(TableKind::Nat),
                        chain: Some(hook.chain_name().into()),
                        line: None,
                        span: None,
                        reason: "an established connection keeps the translation its first packet got (or undoes it for replies), which fwlint does not know".into(),
                        assumed: "the connection was not translated".into(),
                        explored: false,
                    });
                }
                return;
            }
        }
        let (iif, oif) = match hook {
            Hook::Prerouting | Hook::Input => (walk.iif, EMPTY),
            Hook::Forward => (walk.iif, walk.oif),
            Hook::Output | Hook::Postrouting => (EMPTY, walk.oif),
        };
        walk.packet.iif = iif;
        walk.packet.oif = oif;
        walk.outcome.events.push(Event::Table(kind));
        walk.current = Some(Current {
            hook,
            kind,
            builtin: chain,
            frames: vec![Frame { chain, next: 0 }],
        });
    }

    /// Walks the current table from where the walk stands, until it
    /// decides, falls to a policy, or forks (the other branch goes to
    /// `pending` and resumes from the same place).
    fn run_table(&self, walk: &mut Walk, source: &SourceFile, pending: &mut Vec<Walk>) {
        let Some(mut current) = walk.current.take() else {
            return;
        };
        let hook = current.hook;
        let kind = current.kind;
        let Some(prepared) = self.prepared(kind) else {
            return;
        };
        loop {
            let Some(frame) = current.frames.last_mut() else {
                return;
            };
            let chain_index = frame.chain;
            let chain_rules = &prepared.rules[chain_index];
            if frame.next >= chain_rules.len() {
                current.frames.pop();
                if current.frames.is_empty() {
                    self.policy(walk, hook, prepared, current.builtin, source);
                    return;
                }
                continue;
            }
            let position = frame.next;
            frame.next += 1;
            let rule = &chain_rules[position];
            let model_chain = &prepared.table.chains[chain_index];
            let rule_model = &model_chain.rules[position];
            let assumption = |reason: &str, assumed: &str| Assumption {
                table: Some(kind),
                chain: Some(model_chain.name.clone()),
                line: Some(rule.line),
                span: Some(rule_model.span),
                reason: reason.to_string(),
                assumed: assumed.to_string(),
                explored: true,
            };
            match self.decide(walk, rule) {
                Tri::No => continue,
                Tri::Yes => {}
                Tri::Maybe(reason) => {
                    let mut other = walk.clone();
                    other.assume(assumption(&reason, "the rule does not match"));
                    if rule.matched.certain && rule.marks.is_empty() {
                        if let [piece] = other.packet.subtract(&rule.matched.cube).as_slice() {
                            other.packet = piece.clone();
                        }
                    }
                    other.current = Some(current.clone());
                    pending.push(other);
                    walk.assume(assumption(&reason, "the rule matches"));
                    if rule.matched.certain {
                        if let Some(narrowed) = walk.packet.intersect(&rule.matched.cube) {
                            walk.packet = narrowed;
                        }
                    }
                }
            }
            let step = |action: StepAction| Step {
                hook,
                table: kind,
                chain: model_chain.name.clone(),
                rule: Some(position),
                line: Some(rule.line),
                span: Some(rule_model.span),
                text: rule.text.clone(),
                action,
            };
            match &rule.action {
                Action::Continue => {
                    push_step(walk, step(StepAction::Matched));
                    self.side_effects(walk, rule_model);
                }
                Action::Return => {
                    push_step(walk, step(StepAction::Return));
                    current.frames.pop();
                    if current.frames.is_empty() {
                        self.policy(walk, hook, prepared, current.builtin, source);
                        return;
                    }
                }
                Action::Jump(target) => {
                    let name = prepared.table.chains[*target].name.clone();
                    push_step(walk, step(StepAction::Jump(name)));
                    if current.frames.len() >= MAX_DEPTH {
                        walk.note("calls nest too deep to follow");
                        walk.finish(TraceVerdict::Unknown, Disposition::Unknown);
                        return;
                    }
                    current.frames.push(Frame {
                        chain: *target,
                        next: 0,
                    });
                }
                Action::Goto(target) => {
                    let name = prepared.table.chains[*target].name.clone();
                    push_step(walk, step(StepAction::Goto(name)));
                    // No return address: the frame is replaced.
                    if let Some(top) = current.frames.last_mut() {
                        *top = Frame {
                            chain: *target,
                            next: 0,
                        };
                    }
                }
                Action::Decide(decision) => {
                    push_step(walk, step(StepAction::Decide(decision.describe())));
                    let stopped = Disposition::Stopped { hook };
                    match decision {
                        Decision::Accept => {}
                        Decision::Nat(_) => self.rewrite(walk, hook, rule, rule_model),
                        Decision::Drop => walk.finish(TraceVerdict::Drop, stopped),
                        Decision::Reject => walk.finish(TraceVerdict::Reject, stopped),
                        Decision::Queue => walk.finish(TraceVerdict::Queue, stopped),
                        Decision::Other(text) => {
                            let name = text.split_whitespace().next().unwrap_or("").to_string();
                            walk.finish(TraceVerdict::Other(name), stopped);
                        }
                        Decision::Unknown => {
                            walk.finish(TraceVerdict::Unknown, Disposition::Unknown);
                        }
                    }
                    return;
                }
                Action::Unknown => {
                    let reason = match rule_model.target_name() {
                        Some(name) => format!("fwlint does not know what `{name}` does"),
                        None => "fwlint does not know what the target does".to_string(),
                    };
                    push_step(walk, step(StepAction::Matched));
                    let mut other = walk.clone();
                    other.assume(assumption(&reason, "the target lets the packet go on"));
                    other.current = Some(current.clone());
                    pending.push(other);
                    walk.assume(assumption(&reason, "the target decides the packet"));
                    walk.finish(TraceVerdict::Unknown, Disposition::Unknown);
                    return;
                }
            }
        }
    }

    fn policy(
        &self,
        walk: &mut Walk,
        hook: Hook,
        prepared: &PreparedTable<'_>,
        chain: usize,
        source: &SourceFile,
    ) {
        let model = &prepared.table.chains[chain];
        let verdict = model.policy.as_ref().map(|policy| policy.verdict);
        let span = model
            .policy
            .as_ref()
            .and_then(|policy| policy.span)
            .or(model.declared);
        let name = verdict.map_or("unknown", Verdict::as_str);
        push_step(
            walk,
            Step {
                hook,
                table: prepared.table.kind,
                chain: model.name.clone(),
                rule: None,
                line: self.line_of(source, span),
                span,
                text: String::new(),
                action: StepAction::Policy(name.to_string()),
            },
        );
        match verdict {
            Some(Verdict::Accept) => {}
            Some(Verdict::Drop) => walk.finish(TraceVerdict::Drop, Disposition::Stopped { hook }),
            _ => {
                walk.note(format!(
                    "the policy of {} is not set in this file",
                    model.name
                ));
                walk.finish(TraceVerdict::Unknown, Disposition::Unknown);
            }
        }
    }

    /// Does `rule` match the walk's packet?
    fn decide(&self, walk: &Walk, rule: &PreparedRule) -> Tri {
        let cube = &rule.matched.cube;
        if !walk.packet.overlaps(cube) {
            return Tri::No;
        }
        let mut reasons = Vec::new();
        if !cube.contains(&walk.packet) || !rule.matched.certain {
            if let (false, Some(because)) = (rule.matched.certain, &rule.uncertain_because) {
                reasons.push(format!("the rule uses {because}"));
            } else if !rule.matched.certain {
                reasons.push("fwlint cannot decide all of the rule's matches".to_string());
            }
            let open = open_fields(&walk.packet, cube);
            if !open.is_empty() {
                reasons.push(format!("the packet leaves {} open", open.join(", ")));
            }
        }
        for &(connection, value, mask, negated) in &rule.marks {
            let mark = if connection { walk.ctmark } else { walk.mark };
            match mark {
                Some(mark) => {
                    if ((mark & mask) == value) == negated {
                        return Tri::No;
                    }
                }
                None => reasons.push(if connection {
                    "the connection mark is not known".to_string()
                } else {
                    "the packet mark is not known".to_string()
                }),
            }
        }
        if reasons.is_empty() {
            Tri::Yes
        } else {
            Tri::Maybe(reasons.join("; "))
        }
    }

    /// What a target that lets the packet go on changes: the marks, and
    /// whether connection tracking follows the packet.
    fn side_effects(&self, walk: &mut Walk, rule: &Rule) {
        let TargetKind::Extension(target) = &rule.target.kind else {
            return;
        };
        if super::untracks(rule) {
            walk.untrack();
            return;
        }
        let xmark = |mark: Option<u32>, value: u32, mask: u32| mark.map(|m| (m & !mask) ^ value);
        match target.name.as_ref() {
            "MARK" => {
                for option in &target.options {
                    if let Value::MarkMask { value, mask } = option.value {
                        walk.mark = xmark(walk.mark, value, mask);
                    }
                }
            }
            "CONNMARK" => {
                let uint = |name: &str| {
                    target
                        .option(name)
                        .and_then(|o| o.value.as_uint())
                        .and_then(|v| u32::try_from(v).ok())
                };
                let shifted =
                    target.has_option("left-shift-mark") || target.has_option("right-shift-mark");
                let nfmask = uint("nfmask").or(uint("mask")).unwrap_or(u32::MAX);
                let ctmask = uint("ctmask").or(uint("mask")).unwrap_or(u32::MAX);
                for option in &target.options {
                    match (&*option.name, &option.value) {
                        (_, Value::MarkMask { value, mask }) => {
                            walk.ctmark = xmark(walk.ctmark, *value, *mask);
                        }
                        ("save-mark", _) => {
                            walk.ctmark = match (walk.ctmark, walk.mark, shifted) {
                                (Some(ct), Some(mark), false) => {
                                    Some((ct & !ctmask) ^ (mark & nfmask))
                                }
                                _ => None,
                            };
                        }
                        ("restore-mark", _) => {
                            walk.mark = match (walk.ctmark, walk.mark, shifted) {
                                (Some(ct), Some(mark), false) => {
                                    Some((mark & !nfmask) ^ (ct & ctmask))
                                }
                                _ => None,
                            };
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }

    /// Applies a NAT target's rewrite to the walk's packet.
    fn rewrite(&self, walk: &mut Walk, hook: Hook, rule: &PreparedRule, model: &Rule) {
        let with_ports = walk
            .packet
            .proto
            .ranges()
            .first()
            .is_some_and(|(p, _)| matches!(*p, 6 | 17 | 33 | 132 | 136));
        let family = self.family;
        let destination = |cube: &Cube| endpoint_text(&cube.dst, &cube.dport, family, with_ports);
        let source = |cube: &Cube| endpoint_text(&cube.src, &cube.sport, family, with_ports);
        let name = model.target_name().unwrap_or_default().to_string();
        let record = |walk: &mut Walk, before: String, after: String| {
            walk.note(format!("{name} rewrites {before} to {after}"));
            walk.outcome.rewrites.push(RewriteStep {
                kind: name.clone(),
                hook,
                line: Some(rule.line),
                before,
                after,
            });
        };
        match &rule.rewrite {
            Some(Rewrite::Destination(range)) => {
                let before = destination(&walk.packet);
                self.apply_range(&mut walk.packet.dst, &mut walk.packet.dport, range);
                walk.packet.nat = 1 << 1;
                walk.packet.misc =
                    (walk.packet.misc & !misc::LOCALITY) | self.locality(&walk.packet.dst);
                walk.route = None;
                walk.rerouted = true;
                let after = destination(&walk.packet);
                record(walk, before, after);
            }
            Some(Rewrite::Redirect(ports)) => {
                let before = destination(&walk.packet);
                let interface = match hook {
                    Hook::Output => "the host's loopback address".to_string(),
                    _ => "the primary address of the incoming interface".to_string(),
                };
                // The address is one of the host's, which one fwlint
                // cannot tell: rules testing it stay undecided.
                let mut owned: Vec<(u128, u128)> = self
                    .local
                    .given
                    .iter()
                    .map(|a| (address_value(*a), address_value(*a)))
                    .collect();
                if owned.is_empty() || hook == Hook::Output {
                    owned = vec![(0, u128::MAX >> (128 - address_bits(family)))];
                }
                walk.packet.dst = Intervals::from_ranges(owned);
                if let Some(ports) = ports {
                    walk.packet.dport =
                        Intervals::range(u32::from(ports.first), u32::from(ports.last));
                }
                walk.packet.nat = 1 << 1;
                walk.packet.misc = (walk.packet.misc & !misc::LOCALITY) | misc::DST_LOCAL;
                walk.redirected = true;
                walk.route = Some(RouteClass::Local);
                if hook == Hook::Output {
                    walk.rerouted = false;
                    walk.oif = self.atoms.atom_of("lo");
                    walk.out_name = Some("lo".into());
                }
                let port = describe_ports(&walk.packet.dport)
                    .filter(|_| with_ports)
                    .map(|p| format!(":{p}"))
                    .unwrap_or_default();
                record(walk, before, format!("{interface}{port}"));
            }
            Some(Rewrite::Source) => {
                let before = source(&walk.packet);
                let after = match &model.target.kind {
                    TargetKind::Extension(target) => match target
                        .option("to-source")
                        .map(|o| &o.value)
                    {
                        Some(Value::Nat(range)) => {
                            self.apply_range(&mut walk.packet.src, &mut walk.packet.sport, range);
                            source(&walk.packet)
                        }
                        _ => match walk.out_name.as_deref() {
                            Some(out) => format!("the primary address of {out}"),
                            None => "the primary address of the outgoing interface".to_string(),
                        },
                    },
                    _ => "another address".to_string(),
                };
                record(walk, before, after);
            }
            None => {}
        }
    }

    fn apply_range(
        &self,
        addresses: &mut Intervals,
        ports: &mut NarrowIntervals,
        range: &NatRange,
    ) {
        if let Some(first) = range.first {
            let last = range.last.unwrap_or(first);
            *addresses = Intervals::range(address_value(first), address_value(last));
        }
        if let Some(port_range) = range.ports {
            *ports = Intervals::range(u32::from(port_range.first), u32::from(port_range.last));
        }
    }
}

fn push_step(walk: &mut Walk, step: Step) {
    walk.outcome.steps.push(step);
    let index = walk.outcome.steps.len() - 1;
    walk.outcome.events.push(Event::Step(index));
}

/// Traces `probe` through `ruleset` (read from `source`) on a host with
/// the addresses `local`.
#[must_use]
pub fn trace(
    ruleset: &Ruleset,
    source: &SourceFile,
    local: LocalAddresses,
    probe: &Probe,
) -> Trace {
    let mut interfaces = Vec::new();
    interfaces.extend(probe.in_interface.as_deref());
    interfaces.extend(probe.out_interface.as_deref());
    Tracer::new(ruleset, source, local, &interfaces).trace(probe, source)
}
