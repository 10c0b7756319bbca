//! The ruleset as the kernel would hold it after `iptables-restore` ran the
//! file: tables, chains with their policies, and rules with typed matches and
//! targets. Every node carries the byte span it came from.
//!
//! The model is plain data. It knows nothing about how it was parsed, about
//! lints or about output; the packet-flow analysis and the lints read it.

pub(crate) mod addr;
mod extension;
pub mod graph;
pub mod print;
mod rule;
mod table;
mod value;

pub use addr::{AddrMask, Address, Addresses, Interface};
pub use extension::{ExtOption, Extension, ExtensionKind, Termination};
pub use rule::{
    AddressMatch, Counters, Negatable, Protocol, Rule, SeldomFields, Target, TargetKind, Verdict,
    fetch_together, in_fetched_blocks,
};
pub use table::{Chain, ChainNames, Family, Hook, Policy, Ruleset, Table, TableKind};
pub use value::{IcmpType, NatRange, PortRange, Rate, RateUnit, Value};
