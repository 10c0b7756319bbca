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

use std::cell::{Cell, OnceCell};
use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::index::ChainIndex;
use super::matcher::RuleMatch;
use super::packed::PackedMatches;
use super::space::{Bound, Cube, PacketSet};
use crate::model::{
    Chain, NatRange, PortRange, Rule, Table, TargetKind, Termination, Value, Verdict,
};
use crate::source::Span;
use hashbrown::HashTable;
use rayon::prelude::*;
use std::hash::BuildHasher;

/// Calls nested deeper than this are treated as unknown, so that no
/// ruleset can exhaust the stack.
pub const MAX_DEPTH: usize = 256;

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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Decision {
    Accept,
    Drop,
    Reject,
    Queue,
    /// A NAT target (`DNAT`, `SNAT`, `MASQUERADE`, `REDIRECT`, `NETMAP`)
    /// with its canonical text.
    Nat(Box<str>),
    /// Another target that ends traversal, with its canonical text.
    Other(Box<str>),
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
            Decision::Nat(text) | Decision::Other(text) => text.to_string(),
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
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
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

/// What one rule does, and the NAT rewrite of its decision, if any.
pub type RuleAction = (Action, Option<Box<Rewrite>>);

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

/// The target of a rule as an action, with its rewrite.
#[must_use]
pub fn action_of(table: &Table, rule: &Rule) -> (Action, Option<Rewrite>) {
    let chain_index = |name: &str| table.chain_index(name);
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
                        seldom: None,
                        matches: Box::default(),
                        target: rule.target.clone(),
                    });
                    let text: Box<str> = text.trim_start_matches("-j ").into();
                    match target.name.as_ref() {
                        "REJECT" => (Action::Decide(Decision::Reject), None),
                        "DNAT" => {
                            let range = target.option("to-destination").and_then(|option| {
                                match &option.value {
                                    Value::Nat(range) => Some(**range),
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

/// What the full runs of the built-in chains record: which rules some
/// packet reaches and matches, which packets enter which chains, and how
/// often the analysis had to approximate.
#[derive(Debug, Clone, Default)]
pub struct Recording {
    /// Per chain, per rule: some packet may reach it and match it.
    pub reached: Vec<Vec<bool>>,
    /// Per chain: every packet that may enter it (an upper bound).
    pub entered: Vec<PacketSet>,
    /// Per built-in chain: may some packet fall through to its policy?
    /// `Some(false)` is proven (the upper bound of what falls through is
    /// empty); `None` for chains not run as built-ins.
    pub policy_reached: Vec<Option<bool>>,
    /// How many sets had to be approximated to stay within the budgets.
    pub approximations: usize,
    /// Calls cut at [`MAX_DEPTH`] or in a loop.
    pub cut: usize,
    /// The runs stopped at [`TABLE_WORK`]: nothing recorded may be used.
    pub exhausted: bool,
}

impl Recording {
    /// Nothing recorded yet, for the chains of `table`.
    fn empty(table: &Table) -> Recording {
        Recording {
            reached: table
                .chains
                .iter()
                .map(|chain| vec![false; chain.rules.len()])
                .collect(),
            entered: vec![PacketSet::empty(); table.chains.len()],
            policy_reached: vec![None; table.chains.len()],
            approximations: 0,
            cut: 0,
            exhausted: false,
        }
    }

    /// Takes in what `other` recorded on the chains `own` marks, which
    /// nothing recorded here touched.
    fn merge(&mut self, other: Recording, own: &[bool]) {
        let chains = other
            .reached
            .into_iter()
            .zip(other.entered)
            .zip(other.policy_reached);
        for (chain, ((reached, entered), policy_reached)) in chains.enumerate() {
            if own[chain] {
                self.reached[chain] = reached;
                self.entered[chain] = entered;
                self.policy_reached[chain] = policy_reached;
            }
        }
        self.approximations += other.approximations;
        self.cut += other.cut;
        self.exhausted |= other.exhausted;
    }
}

/// The most cubes one rule's share of a flow may hold.
const SET_BUDGET: usize = 64;

/// The most earlier rules subtracted from one rule's share; more are
/// skipped, which leaves an upper bound.
const EARLIER_LIMIT: usize = 4096;

/// The work (cube operations) one full run of a table, or one query, may
/// spend. Past it the run stops and its results are not used: the lints
/// that need them stay silent on the table rather than guess.
pub const TABLE_WORK: usize = 30_000_000;
const QUERY_WORK: usize = 3_000_000;
const QUERIES_WORK: usize = 60_000_000;

/// The most cubes the flow entering or leaving a chain may hold.
const FLOW_BUDGET: usize = 256;

/// The most cube subtractions spent on one rule's share of a flow; past
/// it the upper bound keeps what it has (it stays an upper bound) and the
/// lower bound is given up.
const WORK_BUDGET: usize = 1024;

/// What a rule takes out of the flow that goes on in its chain, for the
/// rules after it.
#[derive(Debug, Clone)]
enum Removal<Back> {
    /// Nothing: the packets go on.
    Nothing,
    /// Every packet of the rule's cube.
    Cube,
    /// The rule's cube except these packets, which came back from a jump.
    CubeExcept(Back),
}

/// What an earlier rule of the same run removed, from the upper and from
/// the lower bound of the flow. Sixteen bytes: a run keeps one per rule it
/// met, a million on the longest chains, and few are jumps, the only ones
/// with packets that came back.
#[derive(Debug)]
struct Removed {
    rule: u32,
    may: Removal<()>,
    sure: Removal<()>,
    /// What came back from the jump, for the upper and the lower bound.
    back: Option<Box<CameBack>>,
}

/// What came back from a jump: known, or still to be worked out from what
/// the called chain left ([`Back`]) the first time a later rule asks.
#[derive(Default)]
struct CameBack {
    pending: Cell<Option<Back>>,
    settled: OnceCell<Flow>,
}

impl std::fmt::Debug for CameBack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.settled.get() {
            Some(flow) => f.debug_tuple("CameBack").field(flow).finish(),
            None => f.write_str("CameBack(pending)"),
        }
    }
}

impl CameBack {
    fn known(flow: Flow) -> CameBack {
        CameBack {
            pending: Cell::new(None),
            settled: OnceCell::from(flow),
        }
    }

    fn pending(back: Back) -> CameBack {
        CameBack {
            pending: Cell::new(Some(back)),
            settled: OnceCell::new(),
        }
    }

    /// What came back, worked out now if no one asked before; the work
    /// goes to `spent`.
    fn flow(&self, evaluator: &Evaluator<'_>, spent: &mut Spent) -> &Flow {
        self.settled.get_or_init(|| {
            // Every `CameBack` is made known or pending.
            let back = self.pending.take().unwrap_or_default();
            evaluator.settle(back, spent)
        })
    }

    fn into_flow(self, evaluator: &Evaluator<'_>, spent: &mut Spent) -> Flow {
        match self.settled.into_inner() {
            Some(flow) => flow,
            None => evaluator.settle(self.pending.take().unwrap_or_default(), spent),
        }
    }
}

/// What a chain gives back to its caller before [`Evaluator::settle`]: what
/// its rules returned, and what it takes to work out what falls off its
/// end.
#[derive(Debug, Default)]
struct Back {
    returned: Flow,
    fell: Option<Box<Fell>>,
}

impl Back {
    /// Whether to leave what falls off the end for a later rule to work
    /// out: only after a chain of many removals. A short chain's is cheap
    /// to work out at once, and its input and removals would be kept until
    /// the caller's run ends: kube-proxy's tens of thousands of calls to
    /// chains of a rule or two held 70 MB more that way.
    fn worth_deferring(&self) -> bool {
        self.fell
            .as_ref()
            .is_some_and(|fell| fell.removed.len() >= DEFER_FROM)
    }
}

/// How many removals a called chain makes before what falls off its end
/// is worked out only when asked.
const DEFER_FROM: usize = 32;

/// What falls off the end of a chain, still to be worked out: its input
/// less what its rules removed.
#[derive(Debug)]
struct Fell {
    chain: usize,
    input: Flow,
    removed: Vec<Removed>,
    track_sure: bool,
}

impl Removed {
    fn new(rule: u32, may: Removal<()>, sure: Removal<()>, back: Option<CameBack>) -> Removed {
        Removed {
            rule,
            may,
            sure,
            back: back.map(Box::new),
        }
    }

    /// The removal from the upper (`may`) or the lower bound.
    fn removal(&self, may: bool) -> Removal<&CameBack> {
        match (if may { &self.may } else { &self.sure }, &self.back) {
            (Removal::Nothing, _) => Removal::Nothing,
            (Removal::Cube, _) => Removal::Cube,
            (Removal::CubeExcept(()), Some(back)) => Removal::CubeExcept(back),
            // `new` never leaves a jump without what came back; were it
            // missing, each bound errs the way it may: the upper bound
            // removes nothing, the lower bound everything.
            (Removal::CubeExcept(()), None) if may => Removal::Nothing,
            (Removal::CubeExcept(()), None) => Removal::Cube,
        }
    }
}

/// The state of one run through chains.
struct Run<'a> {
    /// Record reach and entry (the full runs) or not (queries).
    record: Option<&'a mut Recording>,
    /// Compute lower bounds (queries) or leave them empty (full runs,
    /// which only need upper bounds and save half the work).
    track_sure: bool,
    /// Where decisions go, as they are taken; `None` when nobody reads
    /// them.
    sink: Option<&'a mut dyn FnMut(Decided)>,
    /// Chains on the current call path.
    path: Vec<bool>,
    cut: usize,
    scratch: Vec<Vec<u32>>,
    spent: Spent,
    /// The most work the run may spend.
    budget: usize,
    exhausted: bool,
}

/// What a run spent: work (cube operations), and how many sets it had to
/// approximate to stay within the budgets.
#[derive(Debug, Default)]
struct Spent {
    work: usize,
    approximations: usize,
}

impl Run<'_> {
    fn decide(&mut self, decided: Decided) {
        if let Some(sink) = self.sink.as_mut() {
            sink(decided);
        }
    }
}

/// Where each earlier rule's removal is in a run's list of removals,
/// filled as the list grows.
#[derive(Default)]
enum RemovalIndex {
    #[default]
    Unused,
    /// By rule, from the start of the range: where most of a long range's
    /// rules are met, 4 bytes a rule is less than a map of them.
    Dense {
        start: u32,
        at: Vec<u32>,
        filled: usize,
    },
    Sparse(foldhash::HashMap<u32, u32>),
}

impl RemovalIndex {
    /// Adds the removals of `removed` not yet indexed; the run's range is
    /// `range`, and it meets `met` rules in all.
    fn fill(&mut self, removed: &[Removed], range: &Range<usize>, met: usize) {
        if let RemovalIndex::Unused = self {
            *self = if met.saturating_mul(4) >= range.len() {
                RemovalIndex::Dense {
                    start: u32::try_from(range.start).unwrap_or(u32::MAX),
                    at: vec![u32::MAX; range.len()],
                    filled: 0,
                }
            } else {
                let mut map = foldhash::HashMap::default();
                map.reserve(met);
                RemovalIndex::Sparse(map)
            };
        }
        match self {
            RemovalIndex::Unused => {}
            RemovalIndex::Dense { start, at, filled } => {
                for (position, removal) in removed.iter().enumerate().skip(*filled) {
                    if let Some(slot) = at.get_mut(removal.rule.wrapping_sub(*start) as usize) {
                        *slot = u32::try_from(position).unwrap_or(u32::MAX);
                    }
                }
                *filled = removed.len();
            }
            RemovalIndex::Sparse(map) => {
                for (position, removal) in removed.iter().enumerate().skip(map.len()) {
                    map.insert(removal.rule, u32::try_from(position).unwrap_or(u32::MAX));
                }
            }
        }
    }

    /// Where rule `rule`'s removal is, if it removed anything.
    fn get(&self, rule: u32) -> Option<u32> {
        match self {
            RemovalIndex::Unused => None,
            RemovalIndex::Dense { start, at, .. } => at
                .get(rule.wrapping_sub(*start) as usize)
                .copied()
                .filter(|&position| position != u32::MAX),
            RemovalIndex::Sparse(map) => map.get(&rule).copied(),
        }
    }
}

/// In [`Evaluator::copy_of`]'s table: the rule copies no earlier rule.
const NO_COPY: u32 = u32::MAX;

/// What each rule of a table does, in 4 bytes a rule: the position of its
/// action in a list of the table's distinct actions. Nearly every rule of a
/// large file does one of a few things (ACCEPT, DROP, a jump to a chain),
/// and a million rules each holding their own 32-byte action took 32 MB.
struct Actions {
    /// Per chain, per rule: where its action is in `distinct`.
    of_rule: Vec<Box<[u32]>>,
    /// Each action without a rewrite once, and each with one (every NAT
    /// rule's is its own).
    distinct: Vec<RuleAction>,
}

impl Actions {
    fn new(table: &Table) -> Actions {
        let mut distinct: Vec<RuleAction> = Vec::new();
        let mut position_of: foldhash::HashMap<Action, u32> = foldhash::HashMap::default();
        let of_rule = table
            .chains
            .iter()
            .map(|chain| {
                let positions: Vec<u32> = chain
                    .rules
                    .iter()
                    .map(|rule| {
                        let (action, rewrite) = action_of(table, rule);
                        let next = u32::try_from(distinct.len()).unwrap_or(u32::MAX);
                        if let Some(rewrite) = rewrite {
                            distinct.push((action, Some(Box::new(rewrite))));
                            return next;
                        }
                        *position_of.entry(action).or_insert_with_key(|action| {
                            distinct.push((action.clone(), None));
                            next
                        })
                    })
                    .collect();
                crate::exact::exact(positions)
            })
            .collect();
        Actions { of_rule, distinct }
    }

    fn of(&self, chain: usize, rule: usize) -> &RuleAction {
        &self.distinct[self.of_rule[chain][rule] as usize]
    }
}

/// The evaluation of one table.
pub struct Evaluator<'t> {
    pub table: &'t Table,
    /// What each rule matches, packed, in the packet space `universe`.
    matches: Vec<PackedMatches>,
    universe: Cube,
    /// What each rule does.
    actions: Actions,
    indexes: Vec<ChainIndex>,
    /// Per chain, per rule: an earlier rule of the chain with the same
    /// cube that takes every packet it matches, if any. Copies are common
    /// (a generator run twice) and are then settled without any search.
    /// Empty for a chain without copies.
    copy_of: Vec<Box<[u32]>>,
    /// What the full runs of the built-in chains recorded.
    pub recording: Recording,
    recording_work: usize,
    /// Work all queries spent so far: lints ask many questions of big
    /// tables, and together they get [`QUERIES_WORK`].
    query_work: AtomicUsize,
}

impl<'t> Evaluator<'t> {
    /// Prepares the evaluation of `table`, whose rules match as `matches`
    /// says (chain by chain), packed in the packet space `universe`.
    #[must_use]
    pub fn new(table: &'t Table, matches: Vec<PackedMatches>, universe: &Cube) -> Self {
        let actions = Actions::new(table);
        // Chains are indexed on both cores: on a large file this is a
        // fifth of the analysis.
        let indexes = matches
            .par_iter()
            .map(|rules| {
                ChainIndex::new(
                    rules.len(),
                    |rule, each| rules.restricted_fields(rule, each),
                    universe,
                )
            })
            .collect();
        let copy_of = matches
            .par_iter()
            .enumerate()
            .map(|(chain, rules)| {
                // The first rule of each cube, by position only (4 bytes a
                // rule: a map from the cubes' bytes took 50 MB on a chain of
                // a million rules); cubes are told apart by their bytes.
                let hashing = foldhash::fast::FixedState::default();
                let hash = |rule: u32| hashing.hash_one(rules.cube_key(rule as usize));
                let mut first: HashTable<u32> = HashTable::with_capacity(rules.len());
                (0..rules.len())
                    .map(|position| {
                        let key = rules.cube_key(position);
                        let key_hash = hashing.hash_one(key);
                        let earlier = first
                            .find(key_hash, |&other| rules.cube_key(other as usize) == key)
                            .copied();
                        let takes_all = rules.certain(position)
                            && matches!(
                                actions.of(chain, position).0,
                                Action::Decide(_) | Action::Return | Action::Goto(_)
                            );
                        if takes_all && earlier.is_none() {
                            let position = u32::try_from(position).unwrap_or(NO_COPY);
                            first.insert_unique(key_hash, position, |&rule| hash(rule));
                        }
                        earlier.unwrap_or(NO_COPY)
                    })
                    .collect::<Box<[u32]>>()
            })
            // Most chains copy nothing; theirs is the empty table.
            .map(|copies| {
                if copies.iter().all(|&copy| copy == NO_COPY) {
                    Box::default()
                } else {
                    copies
                }
            })
            .collect();
        Evaluator {
            recording_work: 0,
            query_work: AtomicUsize::new(0),
            copy_of,
            recording: Recording::empty(table),
            table,
            matches,
            universe: universe.clone(),
            actions,
            indexes,
        }
    }

    /// What rule `rule` of chain `chain` does.
    #[must_use]
    pub fn action(&self, chain: usize, rule: usize) -> &RuleAction {
        self.actions.of(chain, rule)
    }

    /// Runs each built-in chain of `runs` on its packets, as
    /// [`Evaluator::run_builtin`] one after the other. Built-in chains
    /// that share no chain they may jump to are run on both cores: their
    /// records touch different chains, so they merge into exactly what
    /// running them in order records.
    pub fn run_builtins(&mut self, runs: &[(usize, PacketSet)]) {
        let reachable: Vec<Vec<bool>> = runs
            .iter()
            .map(|(chain, _)| self.reachable_from(*chain))
            .collect();
        let disjoint = reachable.iter().enumerate().all(|(at, own)| {
            reachable[at + 1..]
                .iter()
                .all(|other| own.iter().zip(other).all(|(a, b)| !(a & b)))
        });
        if runs.len() < 2 || !disjoint {
            for (chain, input) in runs {
                self.run_builtin(*chain, input);
            }
            return;
        }
        let this = &*self;
        let records: Vec<(Recording, usize)> = runs
            .par_iter()
            .map(|(chain, input)| {
                let mut recording = Recording::empty(this.table);
                let work = this.record_builtin(*chain, input, &mut recording, 0);
                (recording, work)
            })
            .collect();
        for ((recording, work), own) in records.into_iter().zip(&reachable) {
            self.recording.merge(recording, own);
            self.recording_work += work;
        }
        if self.recording_work > TABLE_WORK {
            // Run in order, the later chains would have stopped where the
            // work of all passed the budget.
            self.recording.exhausted = true;
        }
    }

    /// The chains that built-in chain `chain` reaches through jumps and
    /// gotos, itself included, whatever the rules match.
    fn reachable_from(&self, chain: usize) -> Vec<bool> {
        let mut reached = vec![false; self.table.chains.len()];
        let mut pending = vec![chain];
        reached[chain] = true;
        while let Some(from) = pending.pop() {
            for rule in 0..self.table.chains[from].rules.len() {
                if let &Action::Jump(target) | &Action::Goto(target) =
                    &self.actions.of(from, rule).0
                    && !reached[target]
                {
                    reached[target] = true;
                    pending.push(target);
                }
            }
        }
        reached
    }

    /// Runs every packet of `input` through built-in chain `chain` and its
    /// policy, recording which rules they reach. Only upper bounds are
    /// computed; decisions are not kept (queries give them).
    pub fn run_builtin(&mut self, chain: usize, input: &PacketSet) {
        let mut recording = std::mem::take(&mut self.recording);
        self.recording_work =
            self.record_builtin(chain, input, &mut recording, self.recording_work);
        self.recording = recording;
    }

    /// [`Evaluator::run_builtin`] into `recording`, with `work` already
    /// spent of the table's budget; returns the work spent in all.
    fn record_builtin(
        &self,
        chain: usize,
        input: &PacketSet,
        recording: &mut Recording,
        work: usize,
    ) -> usize {
        let mut run = Run {
            record: Some(recording),
            track_sure: false,
            sink: None,
            path: vec![false; self.table.chains.len()],
            cut: 0,
            scratch: Vec::new(),
            spent: Spent {
                work,
                approximations: 0,
            },
            budget: TABLE_WORK,
            exhausted: false,
        };
        let flow = Flow {
            may: input.clone(),
            sure: PacketSet::empty(),
        };
        let left = self.run_chain(chain, flow, None, &mut run, 0);
        let (approximations, cut, work, exhausted) = (
            run.spent.approximations,
            run.cut,
            run.spent.work,
            run.exhausted,
        );
        recording.policy_reached[chain] = Some(!left.may.is_empty());
        recording.approximations += approximations;
        recording.cut += cut;
        recording.exhausted |= exhausted;
        work
    }

    /// What built-in chain `chain` and its policy do to `input`: every
    /// decision, with upper and lower bounds; `None` when that would take
    /// more than a query's budget.
    #[must_use]
    pub fn query_builtin(&self, chain: usize, input: Flow) -> Option<Vec<Decided>> {
        let (mut decided, returned) = self.query(chain, None, input)?;
        self.policy(chain, returned, &mut decided);
        Some(decided)
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

    /// Runs rules `rules` of chain `chain` (all when `None`) on `input`
    /// without recording anything: what they decide, and the flow that
    /// leaves the range (falls through or returns); `None` when that would
    /// take more than a query's budget.
    #[must_use]
    pub fn query(
        &self,
        chain: usize,
        rules: Option<Range<usize>>,
        input: Flow,
    ) -> Option<(Vec<Decided>, Flow)> {
        let mut decided = Vec::new();
        let left = self.run_query(chain, rules, input, Some(&mut |d| decided.push(d)))?;
        Some((decided, left))
    }

    /// Runs built-in chain `chain` on `input` without recording anything,
    /// handing each decision of its rules to `each` as it is taken, so
    /// that a caller who keeps a little of each never holds them all;
    /// false when that would take more than a query's budget (then `each`
    /// has seen only some of them). The policy's decision is not given.
    pub fn query_each(&self, chain: usize, input: Flow, each: &mut dyn FnMut(Decided)) -> bool {
        self.run_query(chain, None, input, Some(each)).is_some()
    }

    /// The flow that falls off the end of built-in chain `chain` to its
    /// policy when `input` enters it; `None` when that would take more
    /// than a query's budget. Keeps none of the decisions on the way,
    /// which on a long chain would be most of the memory.
    #[must_use]
    pub fn reaching_policy(&self, chain: usize, input: Flow) -> Option<Flow> {
        self.run_query(chain, None, input, None)
    }

    fn run_query(
        &self,
        chain: usize,
        rules: Option<Range<usize>>,
        input: Flow,
        sink: Option<&mut dyn FnMut(Decided)>,
    ) -> Option<Flow> {
        let mut run = Run {
            record: None,
            track_sure: true,
            sink,
            path: vec![false; self.table.chains.len()],
            cut: 0,
            scratch: Vec::new(),
            spent: Spent::default(),
            budget: QUERY_WORK
                .min(QUERIES_WORK.saturating_sub(self.query_work.load(Ordering::Relaxed))),
            exhausted: false,
        };
        let left = self.run_chain(chain, input, rules, &mut run, 0);
        let (exhausted, work) = (run.exhausted, run.spent.work);
        self.query_work.fetch_add(work, Ordering::Relaxed);
        (!exhausted).then_some(left)
    }

    /// Runs rules `rules` of chain `chain` on `input`.
    #[must_use]
    pub fn replay(
        &self,
        chain: usize,
        rules: Range<usize>,
        input: Flow,
    ) -> Option<(Vec<Decided>, Flow)> {
        self.query(chain, Some(rules), input)
    }

    /// What rule `rule` of chain `chain` matches.
    #[must_use]
    pub fn rule_match(&self, chain: usize, rule: usize) -> RuleMatch {
        self.matches[chain].get(rule, &self.universe)
    }

    /// The cube of rule `rule` of chain `chain`.
    #[must_use]
    pub fn cube(&self, chain: usize, rule: usize) -> Cube {
        self.matches[chain].cube(rule, &self.universe)
    }

    /// The first value rule `rule` of chain `chain` allows in the interval
    /// field `field`, when it restricts the field at all (`None` when the
    /// rule leaves it as the packet space has it), without unpacking the
    /// rule's cube.
    #[must_use]
    pub fn first_restricted(
        &self,
        chain: usize,
        rule: usize,
        field: super::packed::Field,
    ) -> Option<Option<u128>> {
        let mut first = None;
        self.matches[chain]
            .restricted_ranges(rule, field, |lo, _| {
                first.get_or_insert(lo);
            })
            .then_some(first)
    }

    /// Does the cube of rule `rule` of chain `chain` meet `cube`?
    #[must_use]
    pub fn rule_meets(&self, chain: usize, rule: usize, cube: &Cube) -> bool {
        self.matches[chain]
            .meeting(cube, &self.universe)
            .meets(rule)
    }

    /// Runs `input` through chain `chain`; returns the flow that comes back
    /// to the caller (falls off the end or meets RETURN). With `rules`, only
    /// those rules of the chain run.
    fn run_chain(
        &self,
        chain: usize,
        input: Flow,
        rules: Option<Range<usize>>,
        run: &mut Run<'_>,
        depth: usize,
    ) -> Flow {
        let back = self.run_chain_rules(chain, input, rules, run, depth);
        self.settle(back, &mut run.spent)
    }

    /// [`Evaluator::run_chain`] but for what falls off the end of the
    /// chain, which is left to [`Evaluator::settle`]: a jump's caller needs
    /// it only where a later rule of its own meets the jump, and the input
    /// less every rule of a long chain is much of the work of a run.
    ///
    /// Each rule's share is computed from the chain's input and what the
    /// earlier rules that meet it removed, found through the chain's index:
    /// the cost follows how much rules overlap, not how long chains are.
    fn run_chain_rules(
        &self,
        chain: usize,
        input: Flow,
        rules: Option<Range<usize>>,
        run: &mut Run<'_>,
        depth: usize,
    ) -> Back {
        if let Some(recording) = run.record.as_mut() {
            let entered = &mut recording.entered[chain];
            entered.extend(input.may.clone());
            if entered.limit_to(Bound::Upper, FLOW_BUDGET) {
                run.spent.approximations += 1;
            }
        }
        let Some(hull) = input.may.hull() else {
            return Back::default();
        };
        let matches = &self.matches[chain];
        let range = rules.unwrap_or(0..matches.len());
        let mut candidates = run.scratch.pop().unwrap_or_default();
        let meeting_hull = matches.meeting(&hull, &self.universe);
        self.indexes[chain].meeting(
            |rule| meeting_hull.meets(rule),
            &hull,
            range.clone(),
            usize::MAX,
            &mut candidates,
        );
        run.spent.work += candidates.len();
        // At most one removal per rule met, so both lists below are made
        // at their final size: on a chain of a million rules, growing them
        // by doubling held the old and the new at once, at the peak.
        let mut removed: Vec<Removed> = Vec::with_capacity(candidates.len());
        // Where a rule's removal is in `removed`, once there are many: the
        // rules met are found through the index, and on a long chain a
        // search of `removed` for each was a tenth of the analysis. Filled
        // as it is needed; `removed` only grows.
        let mut removal_of = RemovalIndex::default();
        let mut earlier = run.scratch.pop().unwrap_or_default();
        let mut returned = Flow::default();
        run.path[chain] = true;
        for &position in &candidates {
            let index = position as usize;
            run.spent.work += 1;
            if run.spent.work > run.budget {
                run.exhausted = true;
                break;
            }
            if self
                .copy_of(chain, index)
                .is_some_and(|first| first >= range.start)
            {
                // The copy's first occurrence took all of these packets, or
                // none reached it.
                continue;
            }
            let RuleMatch { cube, certain } = self.rule_match(chain, index);
            let cube = &cube;
            let meeting_cube = matches.meeting(cube, &self.universe);
            let mut hit_may = input.may.intersect_cube(cube);
            if hit_may.is_empty() {
                continue;
            }
            // The earlier rules of this run whose removals meet the share.
            earlier.clear();
            if removed.len() < 32 {
                earlier.extend(
                    removed
                        .iter()
                        .enumerate()
                        .filter(|(_, r)| meeting_cube.meets(r.rule as usize))
                        .map(|(at, _)| u32::try_from(at).unwrap_or(u32::MAX)),
                );
            } else {
                let mut meeting = run.scratch.pop().unwrap_or_default();
                if !self.indexes[chain].meeting(
                    |rule| meeting_cube.meets(rule),
                    cube,
                    range.start..index,
                    EARLIER_LIMIT,
                    &mut meeting,
                ) {
                    run.spent.approximations += 1;
                }
                run.spent.work += meeting.len();
                removal_of.fill(&removed, &range, candidates.len());
                earlier.extend(meeting.iter().filter_map(|&rule| removal_of.get(rule)));
                run.scratch.push(meeting);
            }
            let mut exact = true;
            hit_may = self.remove(
                chain,
                hit_may,
                earlier.iter().map(|&at| (&removed[at as usize], true)),
                &mut exact,
                &mut run.spent,
            );
            if !exact {
                // Still an upper bound: it only kept more packets.
                run.spent.approximations += 1;
            }
            if hit_may.is_empty() {
                continue;
            }
            if hit_may.limit_to(Bound::Upper, SET_BUDGET) {
                run.spent.approximations += 1;
            }
            if let Some(recording) = run.record.as_mut() {
                recording.reached[chain][index] = true;
            }
            let hit_sure = if run.track_sure && certain {
                let mut exact = true;
                let sure = self.remove(
                    chain,
                    input.sure.intersect_cube(cube),
                    earlier.iter().map(|&at| (&removed[at as usize], false)),
                    &mut exact,
                    &mut run.spent,
                );
                if exact {
                    sure
                } else {
                    run.spent.approximations += 1;
                    PacketSet::empty()
                }
            } else {
                PacketSet::empty()
            };
            let mut hit = Flow {
                may: hit_may,
                sure: hit_sure,
            };
            if hit.sure.limit_to(Bound::Lower, SET_BUDGET) {
                run.spent.approximations += 1;
            }
            let may_cube = if certain {
                Removal::Cube
            } else {
                Removal::Nothing
            };
            let place = Place::Rule { chain, rule: index };
            let (action, rewrite) = self.actions.of(chain, index);
            let removal = match action {
                Action::Continue => None,
                Action::Decide(decision) => {
                    run.decide(Decided {
                        place,
                        decision: decision.clone(),
                        rewrite: rewrite.as_deref().cloned(),
                        flow: hit,
                    });
                    Some((may_cube, Removal::Cube, None))
                }
                Action::Return => {
                    returned.extend(hit);
                    Some((may_cube, Removal::Cube, None))
                }
                Action::Unknown => {
                    hit.sure = PacketSet::empty();
                    run.decide(Decided {
                        place,
                        decision: Decision::Unknown,
                        rewrite: None,
                        flow: hit,
                    });
                    Some((Removal::Nothing, Removal::Cube, None))
                }
                Action::Jump(target) | Action::Goto(target) => {
                    let back = if run.path[*target] || depth >= MAX_DEPTH {
                        // A loop (which the kernel refuses) or a call too
                        // deep to follow: anything may happen.
                        run.cut += 1;
                        hit.sure = PacketSet::empty();
                        run.decide(Decided {
                            place,
                            decision: Decision::Unknown,
                            rewrite: None,
                            flow: hit.clone(),
                        });
                        CameBack::known(hit)
                    } else {
                        let back = self.run_chain_rules(*target, hit, None, run, depth + 1);
                        if back.worth_deferring() {
                            CameBack::pending(back)
                        } else {
                            CameBack::known(self.settle(back, &mut run.spent))
                        }
                    };
                    if matches!(action, Action::Goto(_)) {
                        returned.extend(back.into_flow(self, &mut run.spent));
                        Some((may_cube, Removal::Cube, None))
                    } else {
                        let may = if certain {
                            Removal::CubeExcept(())
                        } else {
                            Removal::Nothing
                        };
                        Some((may, Removal::CubeExcept(()), Some(back)))
                    }
                }
            };
            if let Some((may, sure, back)) = removal {
                removed.push(Removed::new(position, may, sure, back));
            }
        }
        run.path[chain] = false;
        run.scratch.push(candidates);
        run.scratch.push(earlier);
        Back {
            returned,
            fell: Some(Box::new(Fell {
                chain,
                input,
                removed,
                track_sure: run.track_sure,
            })),
        }
    }

    /// What comes back to the caller of a chain: what its rules returned,
    /// and what falls off its end, the chain's input less every removal.
    fn settle(&self, back: Back, spent: &mut Spent) -> Flow {
        let Back { mut returned, fell } = back;
        if let Some(fell) = fell {
            let Fell {
                chain,
                input,
                removed,
                track_sure,
            } = *fell;
            let mut exact = true;
            let left_may = self.remove(
                chain,
                input.may,
                removed.iter().map(|r| (r, true)),
                &mut exact,
                spent,
            );
            if !exact {
                spent.approximations += 1;
            }
            let left_sure = if track_sure {
                let mut exact = true;
                let sure = self.remove(
                    chain,
                    input.sure,
                    removed.iter().map(|r| (r, false)),
                    &mut exact,
                    spent,
                );
                if exact {
                    sure
                } else {
                    spent.approximations += 1;
                    PacketSet::empty()
                }
            } else {
                PacketSet::empty()
            };
            returned.extend(Flow {
                may: left_may,
                sure: left_sure,
            });
        }
        if returned.may.limit_to(Bound::Upper, FLOW_BUDGET)
            | returned.sure.limit_to(Bound::Lower, FLOW_BUDGET)
        {
            spent.approximations += 1;
        }
        returned
    }

    /// `set` less what `removals` removed from the upper (`may`) or lower
    /// bound. Stops at [`WORK_BUDGET`] subtractions or [`SET_BUDGET`]
    /// cubes with what it has and clears `exact`.
    fn remove<'r>(
        &self,
        chain: usize,
        mut set: PacketSet,
        removals: impl Iterator<Item = (&'r Removed, bool)>,
        exact: &mut bool,
        spent: &mut Spent,
    ) -> PacketSet {
        let mut work = 0;
        for (removed, may) in removals {
            if set.is_empty() {
                break;
            }
            if work >= WORK_BUDGET || set.len() > SET_BUDGET {
                *exact = false;
                break;
            }
            let rule = removed.rule as usize;
            match removed.removal(may) {
                Removal::Nothing => {}
                Removal::Cube => {
                    work += set.cost();
                    set.remove_cube(&self.cube(chain, rule));
                }
                Removal::CubeExcept(came_back) => {
                    let cube = self.cube(chain, rule);
                    if !set.overlaps_cube(&cube) {
                        continue;
                    }
                    let flow = came_back.flow(self, spent);
                    let back = if may { &flow.may } else { &flow.sure };
                    work += set.cost() * (1 + back.cost());
                    let kept = set.intersect(back);
                    set.remove_cube(&cube);
                    set.extend(kept);
                }
            }
        }
        spent.work += work;
        set
    }

    /// The rules of `range` in chain `chain` whose cube meets `cube`, in
    /// order.
    #[must_use]
    pub fn rules_meeting(&self, chain: usize, cube: &Cube, range: Range<usize>) -> Vec<usize> {
        let mut found = Vec::new();
        let meeting = self.matches[chain].meeting(cube, &self.universe);
        self.indexes[chain].meeting(
            |rule| meeting.meets(rule),
            cube,
            range,
            usize::MAX,
            &mut found,
        );
        found.into_iter().map(|rule| rule as usize).collect()
    }

    /// An earlier rule of chain `chain` with the same cube as rule `rule`,
    /// that takes every packet it matches.
    #[must_use]
    pub fn copy_of(&self, chain: usize, rule: usize) -> Option<usize> {
        let first = self.copy_of[chain].get(rule).copied().unwrap_or(NO_COPY);
        (first != NO_COPY).then_some(first as usize)
    }

    /// Whether some packet may fall through built-in chain `chain` to its
    /// policy, from the full run of the chain on every packet of its hook;
    /// `Some(false)` is proven. `None` when the chain was not run as a
    /// built-in or the runs stopped at their budget.
    #[must_use]
    pub fn policy_reached(&self, chain: usize) -> Option<bool> {
        if self.recording.exhausted {
            return None;
        }
        self.recording.policy_reached.get(chain).copied().flatten()
    }

    /// True when some built-in chain's traversal entered chain `chain`.
    #[must_use]
    pub fn visited(&self, chain: usize) -> bool {
        !self.recording.entered[chain].is_empty()
    }

    /// True when some packet may reach rule `rule` of chain `chain` and
    /// match it.
    #[must_use]
    pub fn reached(&self, chain: usize, rule: usize) -> bool {
        self.recording.reached[chain][rule]
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

#[cfg(test)]
mod tests {
    use super::*;

    fn removals(rules: &[u32]) -> Vec<Removed> {
        rules
            .iter()
            .map(|&rule| Removed::new(rule, Removal::Cube, Removal::Nothing, None))
            .collect()
    }

    /// What falls off the end of a called chain is worked out only when a
    /// later rule of the caller meets the jump (for a chain long enough to
    /// defer it) or at once (for a short one); either way the rule sees
    /// exactly what came back, in the full run and in a query.
    #[test]
    fn a_rule_after_a_jump_meets_what_the_called_chain_let_fall_through() {
        use crate::analysis::{Analysis, Host, HostProfile};
        use crate::model::Hook;
        use crate::parser::{self, ReadOptions};
        use crate::source::SourceFile;
        let cases = [
            (22, 0, false),
            (23, 0, true),
            (22, DEFER_FROM, false),
            (23, DEFER_FROM, true),
        ];
        for (service_port, other_rules, later_reached) in cases {
            // Rules for other ports first: the chain removes as many.
            let others: String = (0..other_rules)
                .map(|at| format!("-A SVC -p udp --dport {} -j ACCEPT\n", 1000 + at))
                .collect();
            let text = format!(
                "*filter\n:INPUT DROP [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:SVC - [0:0]\n\
                 -A INPUT -d 10.0.0.0/24 -j SVC\n-A INPUT -d 10.0.1.0/24 -j SVC\n\
                 -A INPUT -d 10.0.0.0/24 -p tcp --dport 22 -j ACCEPT\n\
                 {others}-A SVC -p tcp --dport {service_port} -j ACCEPT\nCOMMIT\n"
            );
            let source = SourceFile::new("test.rules", &text);
            let ruleset = parser::read(&source, &ReadOptions::default()).ruleset;
            let analysis = Analysis::new(&ruleset, Host::new(&ruleset, &HostProfile::default()));
            let evaluator = &analysis.tables[0].evaluator;
            assert_eq!(
                evaluator.reached(0, 2),
                later_reached,
                "port {service_port} after {other_rules} rules"
            );
            let input = Flow::exact(PacketSet::from_cube(analysis.hook_universe(Hook::Input)));
            let decided = evaluator
                .query_builtin(0, input)
                .expect("within the budget");
            let decides = |rule| {
                decided
                    .iter()
                    .any(|d| d.place == Place::Rule { chain: 0, rule } && !d.flow.sure.is_empty())
            };
            assert_eq!(
                decides(2),
                later_reached,
                "port {service_port} after {other_rules} rules"
            );
            assert!(
                decided
                    .iter()
                    .any(|d| d.place == Place::Rule { chain: 3, rule: 0 })
            );
        }
    }

    #[test]
    fn a_removal_is_found_by_its_rule_densely_or_by_a_map() {
        // Rules 100..200 of a chain; the run met some of them.
        let range = 100..200;
        let first = removals(&[101, 105, 150]);
        let mut all = first.iter().map(|r| r.rule).collect::<Vec<_>>();
        all.extend([151, 199]);
        let later = removals(&all);
        // Met by most of the range: one slot a rule. By few: a map.
        for met in [90, 3] {
            let mut index = RemovalIndex::default();
            index.fill(&first, &range, met);
            assert_eq!(matches!(index, RemovalIndex::Dense { .. }), met == 90);
            assert_eq!(index.get(105), Some(1));
            assert_eq!(index.get(151), None);
            // The list only grows: what was added since is indexed too.
            index.fill(&later, &range, met);
            assert_eq!(index.get(151), Some(3));
            assert_eq!(index.get(199), Some(4));
            assert_eq!(index.get(101), Some(0));
            // Rules outside the range, or that removed nothing, have none.
            assert_eq!(index.get(102), None);
            assert_eq!(index.get(99), None);
            assert_eq!(index.get(200), None);
        }
    }
}
