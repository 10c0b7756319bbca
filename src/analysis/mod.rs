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
use packed::Packer;
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
    // Packed rule by rule: only one unpacked match per thread is alive.
    let matches = table
        .chains
        .par_iter()
        .map(|chain| {
            let mut packer = Packer::new(universe, chain.rules.len());
            for rule in &chain.rules {
                packer.push(&matcher::rule_match(rule, family, atoms, universe));
            }
            packer.finish()
        })
        .collect();
    let mut evaluator = Evaluator::new(table, matches, universe);
    for (index, chain) in table.chains.iter().enumerate() {
        let Some(hook) = chain.hook else { continue };
        let hook_universe = &hook_universes[Hook::ALL
            .iter()
            .position(|known| *known == hook)
            .expect("every hook is in Hook::ALL")];
        evaluator.run_builtin(index, &PacketSet::from_cube(hook_universe.clone()));
    }
    TableAnalysis {
        kind: table.kind,
        evaluator,
    }
}
