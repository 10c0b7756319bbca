//! The reader: turns the text of one rule file into the [`Ruleset`] that
//! `iptables-restore` would load, and reports everything it would refuse.
//!
//! Reading follows iptables-restore step by step. Lines are classified by
//! their first column (`lines`); rule and command lines are split into
//! arguments (`tokens`) and parsed like the `iptables` command line
//! (`getopt`, `command`, `extensions`, `values`); then the commands run in
//! order against the tables (`load`), and the kernel's checks run when a
//! table is committed. Unlike iptables-restore, the reader never stops at
//! the first problem: every line is read and every problem reported.
//!
//! The reader knows nothing about lints or output formats.

pub mod codes;
mod command;
pub mod extensions;
pub mod family;
mod getopt;
mod lines;
mod load;
pub mod tokens;
pub mod values;

use crate::diagnostics::Diagnostic;
use crate::model::{Family, Ruleset};
use crate::source::{SourceFile, Span};

pub use family::FamilySource;
pub use values::protocol_name;

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// The family, when the user chose it; otherwise it is detected.
    pub family: Option<Family>,
    /// The file is a fragment for `iptables-restore --noflush`: chains and
    /// policies may be defined in the running ruleset.
    pub fragment: bool,
}

/// A comment line, kept for suppression directives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comment {
    pub span: Span,
    pub text: String,
}

/// Everything the reader learned about one file.
#[derive(Debug, Clone)]
pub struct ReadResult {
    pub ruleset: Ruleset,
    pub family_source: FamilySource,
    pub diagnostics: Vec<Diagnostic>,
    /// fwlint's prediction: would `iptables-restore` load this file?
    pub loadable: bool,
    pub comments: Vec<Comment>,
    /// Rule and command lines iptables would refuse, with the table they
    /// are in: what they would have done is missing from the model.
    pub failed_lines: Vec<(Span, Option<crate::model::TableKind>)>,
}

/// Reads one rule file.
#[must_use]
pub fn read(file: &SourceFile, options: &ReadOptions) -> ReadResult {
    let (family, family_source) = family::detect(options.family, file.name(), file.text());
    load::read_file(file, family, family_source, options.fragment)
}
