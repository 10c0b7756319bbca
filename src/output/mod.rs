//! Output formats. Each format is one file and reads only diagnostics, the
//! source files they point into, and a few facts per file (family,
//! predicted loadability, rule count).

mod concise;
mod full;
mod json;

use std::io::{self, Write};

use crate::diagnostics::{Diagnostic, Summary};
use crate::source::SourceFile;

/// The formats fwlint can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Json,
}

/// One file of a run, as the output formats see it.
#[derive(Debug, Clone, Copy)]
pub struct FileOutput<'a> {
    pub source: &'a SourceFile,
    pub family: &'static str,
    pub loadable: bool,
    pub rules: usize,
    pub diagnostics: &'a [Diagnostic],
}

/// Everything a format needs.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub files: &'a [FileOutput<'a>],
    /// All sources of the run, for labels that point into other files.
    pub sources: &'a [SourceFile],
}

impl Run<'_> {
    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for diagnostic in self
            .files
            .iter()
            .flat_map(|file| file.diagnostics)
            .filter(|d| !d.suppressed)
        {
            summary.add(diagnostic.severity);
        }
        summary
    }

    fn source(&self, path: &str) -> Option<&SourceFile> {
        self.sources.iter().find(|source| source.name() == path)
    }
}

/// How the human formats look.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    pub width: usize,
}

/// Writes `run` in `format`.
pub fn write(format: Format, run: &Run<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Full => full::write(run, style, out),
        Format::Concise => concise::write(run, out),
        Format::Json => json::write(run, out),
    }
}

/// The 1-based `(line, column, end_line, end_column)` of a span, with
/// `end_column` just after the last character.
#[must_use]
pub fn position(source: &SourceFile, span: crate::source::Span) -> (usize, usize, usize, usize) {
    let start = source.line_col(span.start);
    let end = source.line_col(span.end);
    (start.line, start.column, end.line, end.column)
}
