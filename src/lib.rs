//! fwlint: a linter for Linux firewall rule files in the
//! `iptables-save` / `iptables-restore` format.
//!
//! The stages, each in its own module: [`source`] holds the text and spans,
//! [`parser`] reads a file exactly as `iptables-restore` does into the
//! [`model`], and [`diagnostics`] is the one type every finding takes. The
//! binary's command line lives in `cli`, the output formats in `output`,
//! the packet-flow diagram in [`graph`].

#![forbid(unsafe_code)]

pub mod analysis;
pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod engine;
pub mod exact;
pub mod graph;
pub mod lints;
pub mod model;
pub mod output;
pub mod packs;
pub mod parser;
pub mod registry;
pub mod source;
pub mod suppression;
