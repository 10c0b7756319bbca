//! Packet-flow analysis: what the rules of a ruleset do to every packet.
//!
//! The analysis models the netfilter traversal (`packet-flow.md`): each
//! table's built-in chains are run with every packet their hook can see,
//! chains call chains with jump, goto and RETURN, built-in chains end in
//! their policy, NAT targets rewrite, and unknown matches and targets make
//! results uncertain rather than wrong. The lints of the packet-flow kind
//! and `fwlint trace` read it; it knows nothing about how the model was
//! parsed or how findings are printed.

pub mod eval;
pub mod exposure;
pub mod host;
pub mod index;
pub mod interfaces;
pub mod matcher;
pub mod nat;
pub mod packed;
pub mod probe;
pub mod space;
pub mod trace;

use eval::Evaluator;
use interfaces::{Atoms, EMPTY};
use packed::{PackedMatches, Packer};
use rayon::prelude::*;
use space::{Cube, PacketSet, misc};

use crate::model::{Family, Hook, Ruleset, Table, TableKind};

pub use eval::{Decision, Flow, Place, Rewrite};
pub use host::{Host, HostProfile, Service};

/// The analysis of one table: every built-in chain run with every packet
/// its hook can see.
pub struct TableAnalysis<'r> {
    pub kind: TableKind,
    pub evaluator: Evaluator<'r>,
}

/// The analysis of a whole ruleset.
pub struct Analysis<'r> {
    pub ruleset: &'r Ruleset,
    pub family: Family,
    pub atoms: Atoms,
    pub host: Host,
    pub tables: Vec<TableAnalysis<'r>>,
    /// The `DNAT` and `REDIRECT` rules of nat `PREROUTING`, computed the
    /// first time a lint or command asks.
    destination_nats: std::sync::OnceLock<Vec<nat::DestinationNat>>,
    /// What raw's notrack rules take, computed the first time a lint or
    /// command asks.
    untracked_by_raw: std::sync::OnceLock<UntrackedByRaw>,
}

/// The packets raw's `CT --notrack` (or `NOTRACK`) rules take out of
/// connection tracking (see [`Analysis::after_raw`]).
struct UntrackedByRaw {
    /// What some notrack rule may take: an upper bound, every such rule of
    /// the table wherever it is, in every state.
    may: PacketSet,
    /// What the rules of raw `PREROUTING` surely take: a lower bound.
    sure_prerouting: PacketSet,
    /// What the rules of raw `OUTPUT` surely take.
    sure_output: PacketSet,
}

impl<'r> Analysis<'r> {
    /// Analyses every table of `ruleset` on the host `host`.
    #[must_use]
    pub fn new(ruleset: &'r Ruleset, host: Host) -> Analysis<'r> {
        let atoms = Atoms::of(ruleset, &[]);
        let mut analysis = Analysis {
            ruleset,
            family: ruleset.family,
            atoms,
            host,
            tables: Vec::new(),
            destination_nats: std::sync::OnceLock::new(),
            untracked_by_raw: std::sync::OnceLock::new(),
        };
        let universe = analysis.universe();
        let hook_universes = Hook::ALL.map(|hook| analysis.hook_universe(hook));
        let (family, atoms) = (analysis.family, &analysis.atoms);
        // Tables are independent: each is analysed on its own thread.
        analysis.tables = ruleset
            .tables
            .par_iter()
            .map(|table| analyse_table(table, family, atoms, &universe, &hook_universes))
            .collect();
        analysis
    }

    /// Every packet of the ruleset's family, on any interface.
    #[must_use]
    pub fn universe(&self) -> Cube {
        let mut cube = Cube::universe(matcher::address_bits(self.family));
        cube.iif = self.atoms.all();
        cube.oif = self.atoms.all();
        cube
    }

    /// Every packet hook `hook` can see.
    #[must_use]
    pub fn hook_universe(&self, hook: Hook) -> Cube {
        let mut cube = self.universe();
        let all = self.atoms.all();
        match hook {
            Hook::Prerouting => {
                cube.iif = all & !EMPTY;
            }
            Hook::Input => {
                cube.iif = all & !EMPTY;
                // On the way to a local socket there is no output
                // interface: `-o eth0` never matches, `! -o eth0` always.
                cube.oif = EMPTY;
                // Local delivery takes the host's own addresses, and also
                // broadcast and multicast, which `addrtype` does not call
                // LOCAL: both kinds reach INPUT.
                cube.misc = misc::ALL;
            }
            Hook::Forward => {
                cube.iif = all & !EMPTY;
                cube.oif = all & !EMPTY;
                // An address of the host is always delivered locally.
                cube.misc = misc::FRAGMENTS | misc::DST_REMOTE;
            }
            Hook::Output => {
                cube.iif = EMPTY;
                cube.oif = all & !EMPTY;
            }
            Hook::Postrouting => {
                cube.oif = all & !EMPTY;
            }
        }
        cube
    }

    #[must_use]
    pub fn table(&self, kind: TableKind) -> Option<&TableAnalysis<'r>> {
        self.tables.iter().find(|table| table.kind == kind)
    }

    pub fn table_mut(&mut self, kind: TableKind) -> Option<&mut TableAnalysis<'r>> {
        self.tables.iter_mut().find(|table| table.kind == kind)
    }

    /// What raw's `CT --notrack` (or `NOTRACK`) rules do to `packets`, which
    /// are asked about on `hook` in a tracked state (NEW, ESTABLISHED...):
    /// a packet they take meets every later table in state UNTRACKED, and
    /// nat never sees it. The packets come back in three parts.
    #[must_use]
    pub fn after_raw(&self, hook: Hook, packets: &PacketSet) -> AfterRaw {
        let raw = self
            .untracked_by_raw
            .get_or_init(|| self.find_untracked_by_raw());
        let sure = match hook {
            Hook::Prerouting | Hook::Input | Hook::Forward => &raw.sure_prerouting,
            Hook::Output => &raw.sure_output,
            // Reached from either raw chain: nothing is sure.
            Hook::Postrouting => &PacketSet::empty(),
        };
        AfterRaw {
            tracked: packets.subtract(&raw.may),
            untracked: restated(&packets.intersect(sure), |_| space::state::UNTRACKED),
            undecided: packets.intersect(&raw.may).subtract(sure),
        }
    }

    /// The packets raw's notrack rules may take, and those that the rules
    /// of its `PREROUTING` and `OUTPUT` surely take: rules that match
    /// exactly, with nothing before them in their chain but rules that let
    /// every packet go on. Both in every state: the state a packet would
    /// have had does not matter.
    fn find_untracked_by_raw(&self) -> UntrackedByRaw {
        let mut found = UntrackedByRaw {
            may: PacketSet::empty(),
            sure_prerouting: PacketSet::empty(),
            sure_output: PacketSet::empty(),
        };
        let Some(raw) = self.table(TableKind::Raw) else {
            return found;
        };
        let evaluator = &raw.evaluator;
        for (chain_index, chain) in evaluator.table.chains.iter().enumerate() {
            let mut sure = match chain.hook {
                Some(Hook::Prerouting) => Some(&mut found.sure_prerouting),
                Some(Hook::Output) => Some(&mut found.sure_output),
                _ => None,
            };
            for (rule_index, rule) in chain.rules.iter().enumerate() {
                if untracks(rule) {
                    let matched = evaluator.rule_match(chain_index, rule_index);
                    if let Some(sure) = sure.as_deref_mut()
                        && matched.certain
                        && matched.cube.state == space::state::ALL
                    {
                        sure.extend(PacketSet::from_cube(matched.cube.clone()));
                    }
                    let mut every_state = matched.cube;
                    every_state.state = space::state::ALL;
                    found.may.extend(PacketSet::from_cube(every_state));
                }
                if !matches!(
                    evaluator.action(chain_index, rule_index).0,
                    eval::Action::Continue
                ) {
                    sure = None;
                }
            }
        }
        found
    }
}

/// `set` with the state of each of its cubes changed by `state`.
fn restated(set: &PacketSet, state: impl Fn(u8) -> u8) -> PacketSet {
    let mut changed = PacketSet::empty();
    for cube in set.cubes() {
        let mut cube = cube.clone();
        cube.state = state(cube.state);
        changed.extend(PacketSet::from_cube(cube));
    }
    changed
}

/// A set of packets as connection tracking hands it to the tables after
/// raw (see [`Analysis::after_raw`]).
pub struct AfterRaw {
    /// No notrack rule takes them: they keep their state.
    pub tracked: PacketSet,
    /// A notrack rule surely takes them: in state UNTRACKED.
    pub untracked: PacketSet,
    /// A notrack rule may take them or not: either state, in their own.
    pub undecided: PacketSet,
}

impl AfterRaw {
    /// The packets whose state after raw is known, in that state: what a
    /// claim about every packet of a set may be made of.
    #[must_use]
    pub fn surely_seen(self) -> PacketSet {
        self.tracked.union(self.untracked)
    }

    /// Every packet the later tables may see, the undecided ones in both
    /// their own state and UNTRACKED: what a claim about some packet (or
    /// none) must look at. The undecided ones come back apart, in both
    /// states, to be left out of what is sure.
    #[must_use]
    pub fn maybe_seen(self) -> (PacketSet, PacketSet) {
        let undecided = restated(&self.undecided, |state| state | space::state::UNTRACKED);
        (
            self.tracked.union(self.untracked).union(undecided.clone()),
            undecided,
        )
    }
}

/// True when `rule` takes the packets it matches out of connection
/// tracking (`-j CT --notrack`, or `-j NOTRACK`, its old name).
pub(crate) fn untracks(rule: &crate::model::Rule) -> bool {
    match &rule.target.kind {
        crate::model::TargetKind::Extension(target) => {
            target.name.as_ref() == "NOTRACK"
                || (target.name.as_ref() == "CT" && target.has_option("notrack"))
        }
        _ => false,
    }
}

/// Runs every built-in chain of `table` with every packet its hook can see
/// (`hook_universes`, in the order of [`Hook::ALL`]).
fn analyse_table<'r>(
    table: &'r Table,
    family: Family,
    atoms: &Atoms,
    universe: &Cube,
    hook_universes: &[Cube; 5],
) -> TableAnalysis<'r> {
    let matches = pack_table(table, family, atoms, universe);
    let mut evaluator = Evaluator::new(table, matches, universe);
    evaluator.run_builtins(&builtin_inputs(table, hook_universes));
    TableAnalysis {
        kind: table.kind,
        evaluator,
    }
}

/// The matches of every chain of `table`, packed.
fn pack_table(table: &Table, family: Family, atoms: &Atoms, universe: &Cube) -> Vec<PackedMatches> {
    // Packed rule by rule: only one unpacked match per thread is alive.
    table
        .chains
        .par_iter()
        .map(|chain| {
            let mut packer = Packer::new(universe, chain.rules.len());
            for rules in crate::model::in_fetched_blocks(&chain.rules) {
                for rule in rules {
                    packer.push(&matcher::rule_match(rule, family, atoms, universe));
                }
            }
            packer.finish()
        })
        .collect()
}

/// Each built-in chain of `table`, with every packet its hook sees.
fn builtin_inputs(table: &Table, hook_universes: &[Cube; 5]) -> Vec<(usize, PacketSet)> {
    table
        .chains
        .iter()
        .enumerate()
        .filter_map(|(index, chain)| {
            let hook = chain.hook?;
            let hook_universe = &hook_universes[Hook::ALL
                .iter()
                .position(|known| *known == hook)
                .expect("every hook is in Hook::ALL")];
            Some((index, PacketSet::from_cube(hook_universe.clone())))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::{self, ReadOptions};
    use crate::source::SourceFile;

    /// Records of built-in chains run on both cores are exactly those of
    /// running them in turn: where they share no chain (run together) and
    /// where they do (run in turn).
    #[test]
    fn built_in_chains_run_together_record_what_they_record_in_turn() {
        let apart = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:IN_SVC - [0:0]\n:FWD_SVC - [0:0]\n\
            -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\n-A INPUT -d 10.0.0.0/24 -j IN_SVC\n-A INPUT -p tcp --dport 22 -j ACCEPT\n\
            -A FORWARD -d 10.0.1.0/24 -j FWD_SVC\n-A FORWARD -p udp -j DROP\n-A OUTPUT -o lo -j ACCEPT\n\
            -A IN_SVC -p tcp --dport 80 -j ACCEPT\n-A IN_SVC -s 192.0.2.0/24 -j RETURN\n-A IN_SVC -p tcp --dport 443 -j ACCEPT\n\
            -A FWD_SVC -p tcp -m multiport --dports 25,587 -j ACCEPT\n-A FWD_SVC -j DROP\nCOMMIT\n";
        let shared = apart.replace(
            "-A FORWARD -d 10.0.1.0/24 -j FWD_SVC",
            "-A FORWARD -d 10.0.1.0/24 -j IN_SVC",
        );
        for text in [apart, shared.as_str()] {
            let source = SourceFile::new("test.rules", text);
            let ruleset = parser::read(&source, &ReadOptions::default()).ruleset;
            let analysis = Analysis::new(&ruleset, Host::new(&ruleset, &HostProfile::default()));
            let universe = analysis.universe();
            let hook_universes = Hook::ALL.map(|hook| analysis.hook_universe(hook));
            let table = &ruleset.tables[0];
            let matches = pack_table(table, analysis.family, &analysis.atoms, &universe);
            let mut in_turn = Evaluator::new(table, matches, &universe);
            for (chain, input) in builtin_inputs(table, &hook_universes) {
                in_turn.run_builtin(chain, &input);
            }
            let together = &analysis.tables[0].evaluator;
            assert_eq!(
                format!("{:?}", together.recording),
                format!("{:?}", in_turn.recording)
            );
            assert!(together.reached(3, 1));
        }
    }
}
