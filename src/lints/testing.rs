//! Helpers for the unit tests of lint files.

use crate::diagnostics::Diagnostic;
use crate::engine::{Settings, check_source};
use crate::source::SourceFile;

/// The findings of the lint `name` on `text` (read as `test.rules`, or with
/// the family the name `test.v6` implies when the text says `# ipv6`).
#[must_use]
pub fn findings(name: &str, text: &str) -> Vec<Diagnostic> {
    let file_name = if text.starts_with("# ipv6") {
        "test.v6"
    } else {
        "test.v4"
    };
    let report = check_source(SourceFile::new(file_name, text), &Settings::default());
    report
        .diagnostics
        .into_iter()
        .filter(|d| d.name == name)
        .collect()
}

#[track_caller]
pub fn fails(name: &str, text: &str) {
    assert!(
        !findings(name, text).is_empty(),
        "expected `{name}` to report on:\n{text}"
    );
}

#[track_caller]
pub fn passes(name: &str, text: &str) {
    let found = findings(name, text);
    assert!(
        found.is_empty(),
        "expected `{name}` to stay silent on:\n{text}\nbut it said: {:?}",
        found.iter().map(|d| &d.message).collect::<Vec<_>>()
    );
}
