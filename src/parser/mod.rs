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
    /// The spans of every rule line, in file order, whether or not the
    /// rule is in the final ruleset.
    pub rule_lines: Vec<Span>,
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

/// Vectors of at least this many bytes are shrunk where they lie by
/// [`exact`].
const MOVE_BELOW_BYTES: usize = 1 << 20;

/// `items` in an allocation of exactly their size, for the model, which
/// keeps them for as long as the file is checked. A small vector shrunk
/// where it lies may keep its whole block (an allocator reuses a block for
/// any size down to half of it): a vector of room for four that holds two
/// or three would stay as large as before, so it moves to a new one. A
/// large one is shrunk where it lies, which gives its tail back, rather
/// than copied whole while the original is still held.
pub(crate) fn exact<T>(mut items: Vec<T>) -> Box<[T]> {
    if items.capacity() == items.len() || items.len() * std::mem::size_of::<T>() >= MOVE_BELOW_BYTES
    {
        return items.into_boxed_slice();
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    exact.into_boxed_slice()
}

#[cfg(test)]
mod tests {
    #[test]
    fn exact_keeps_the_items_in_order_and_no_spare_room() {
        let mut items = Vec::with_capacity(4);
        items.extend([3, 1, 2]);
        let boxed = super::exact(items);
        assert_eq!(&*boxed, &[3, 1, 2]);
        assert_eq!(boxed.into_vec().capacity(), 3);
        assert!(super::exact(Vec::<u8>::new()).is_empty());
        // A large vector is shrunk where it lies, to its exact size too.
        let mut large = Vec::with_capacity(2 * super::MOVE_BELOW_BYTES);
        large.resize(super::MOVE_BELOW_BYTES + 1, 7u8);
        let boxed = super::exact(large);
        assert_eq!(boxed.len(), super::MOVE_BELOW_BYTES + 1);
        assert_eq!(boxed.into_vec().capacity(), super::MOVE_BELOW_BYTES + 1);
    }
}
