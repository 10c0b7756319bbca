//! Tables, chains, hooks and address families.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use crate::source::Span;

use super::{Rule, Verdict};

/// The address family of a rule file: `iptables` or `ip6tables`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    V4,
    V6,
}

impl Family {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Family::V4 => "ipv4",
            Family::V6 => "ipv6",
        }
    }

    /// The restore program of this family, as named in messages.
    #[must_use]
    pub fn restore_program(self) -> &'static str {
        match self {
            Family::V4 => "iptables-restore",
            Family::V6 => "ip6tables-restore",
        }
    }
}

/// A netfilter hook: where in the kernel's path a built-in chain is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hook {
    Prerouting,
    Input,
    Forward,
    Output,
    Postrouting,
}

impl Hook {
    pub const ALL: [Hook; 5] = [
        Hook::Prerouting,
        Hook::Input,
        Hook::Forward,
        Hook::Output,
        Hook::Postrouting,
    ];

    /// The name of the built-in chain on this hook.
    #[must_use]
    pub fn chain_name(self) -> &'static str {
        match self {
            Hook::Prerouting => "PREROUTING",
            Hook::Input => "INPUT",
            Hook::Forward => "FORWARD",
            Hook::Output => "OUTPUT",
            Hook::Postrouting => "POSTROUTING",
        }
    }

    #[must_use]
    pub fn from_chain_name(name: &str) -> Option<Hook> {
        Hook::ALL.into_iter().find(|hook| hook.chain_name() == name)
    }

    /// The bit of this hook in a hook mask.
    #[must_use]
    pub const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The five iptables tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    Filter,
    Nat,
    Mangle,
    Raw,
    Security,
}

impl TableKind {
    pub const ALL: [TableKind; 5] = [
        TableKind::Filter,
        TableKind::Nat,
        TableKind::Mangle,
        TableKind::Raw,
        TableKind::Security,
    ];

    #[must_use]
    pub fn parse(name: &str) -> Option<TableKind> {
        TableKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            TableKind::Filter => "filter",
            TableKind::Nat => "nat",
            TableKind::Mangle => "mangle",
            TableKind::Raw => "raw",
            TableKind::Security => "security",
        }
    }

    /// The hooks this table registers, in kernel order.
    #[must_use]
    pub fn hooks(self) -> &'static [Hook] {
        match self {
            TableKind::Filter | TableKind::Security => &[Hook::Input, Hook::Forward, Hook::Output],
            TableKind::Nat => &[
                Hook::Prerouting,
                Hook::Input,
                Hook::Output,
                Hook::Postrouting,
            ],
            TableKind::Mangle => &Hook::ALL,
            TableKind::Raw => &[Hook::Prerouting, Hook::Output],
        }
    }

    /// The built-in chain named `name` in this table, if there is one.
    #[must_use]
    pub fn builtin_hook(self, name: &str) -> Option<Hook> {
        Hook::from_chain_name(name).filter(|hook| self.hooks().contains(hook))
    }
}

/// The policy of a built-in chain and where it was set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    pub verdict: Verdict,
    /// The `:CHAIN POLICY` line or `-P` command that set it; `None` when the
    /// file never set it and the kernel default (ACCEPT) applies.
    pub span: Option<Span>,
}

/// A chain: built-in (with a hook and a policy) or user-defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    pub name: String,
    pub hook: Option<Hook>,
    /// Only built-in chains have one.
    pub policy: Option<Policy>,
    /// Where the chain was declared (`:NAME`, `-N NAME`), if the file did.
    pub declared: Option<Span>,
    /// The first place the file used the chain (`-A NAME`) while it did not
    /// exist; iptables-restore fails there. `None` for fragments, where the
    /// chain is assumed to exist elsewhere.
    pub undeclared_use: Option<Span>,
    pub rules: Vec<Rule>,
}

impl Chain {
    #[must_use]
    pub fn is_builtin(&self) -> bool {
        self.hook.is_some()
    }
}

/// One table: its built-in chains first, then user chains in the order they
/// were created.
#[derive(Debug, Clone)]
pub struct Table {
    pub kind: TableKind,
    /// The `*table` line.
    pub span: Span,
    pub chains: Vec<Chain>,
    /// Chain names to positions in `chains`, so that lookups stay constant
    /// on tables with tens of thousands of chains (kube-proxy's).
    names: ChainNames,
}

/// An index of chain names to positions in a list of chains. It holds the
/// positions only, found by the hash of the name, and four bytes a chain:
/// the names stay in the chains, where a map of names would copy each.
#[derive(Debug, Clone, Default)]
pub struct ChainNames {
    positions: HashTable<u32>,
}

impl ChainNames {
    /// Indexes the chain at `position` of `chains`, whose name no other
    /// indexed chain has.
    pub fn add(&mut self, chains: &[Chain], position: usize) {
        self.positions.insert_unique(
            name_hash(&chains[position].name),
            u32::try_from(position).unwrap_or(u32::MAX),
            |&other| name_hash(&chains[other as usize].name),
        );
    }

    /// The position of the chain named `name` in `chains`.
    #[must_use]
    pub fn find(&self, chains: &[Chain], name: &str) -> Option<usize> {
        self.positions
            .find(name_hash(name), |&position| {
                chains
                    .get(position as usize)
                    .is_some_and(|chain| chain.name == name)
            })
            .map(|&position| position as usize)
    }
}

/// Tables are equal when their chains are; the index of names follows.
impl PartialEq for Table {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.span == other.span && self.chains == other.chains
    }
}

impl Eq for Table {}

fn name_hash(name: &str) -> u64 {
    foldhash::fast::FixedState::with_seed(0).hash_one(name)
}

impl Table {
    /// A table of `chains`, whose names are unique.
    #[must_use]
    pub fn new(kind: TableKind, span: Span, mut chains: Vec<Chain>) -> Table {
        // Chains were added one by one; the table keeps them as they are.
        chains.shrink_to_fit();
        let mut names = ChainNames::default();
        for position in 0..chains.len() {
            names.add(&chains, position);
        }
        Table {
            kind,
            span,
            chains,
            names,
        }
    }

    #[must_use]
    pub fn chain(&self, name: &str) -> Option<&Chain> {
        self.chain_index(name).map(|index| &self.chains[index])
    }

    #[must_use]
    pub fn chain_index(&self, name: &str) -> Option<usize> {
        self.names.find(&self.chains, name)
    }
}

/// Everything one rule file loads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ruleset {
    pub family: Family,
    pub tables: Vec<Table>,
    /// True when the file was read as a `--noflush` fragment: chains and
    /// policies may be defined elsewhere.
    pub fragment: bool,
}

impl Ruleset {
    #[must_use]
    pub fn table(&self, kind: TableKind) -> Option<&Table> {
        self.tables.iter().find(|table| table.kind == kind)
    }

    /// Number of rules in all tables.
    #[must_use]
    pub fn rule_count(&self) -> usize {
        self.tables
            .iter()
            .flat_map(|table| &table.chains)
            .map(|chain| chain.rules.len())
            .sum()
    }
}
