//! Output formats. Each format is one file and reads only diagnostics, the
//! source files they point into, and a few facts per file (family,
//! predicted loadability, rule count, which findings a baseline matched).
//! Beside the formats live what several of them share: report paths
//! ([`location`]), fingerprints ([`fingerprint`]) and baselines
//! ([`baseline`]). Choosing a format, colour or destination is the
//! command line's.

pub mod baseline;
mod concise;
pub mod fingerprint;
mod full;
pub mod github;
mod json;
pub mod location;
mod sarif;
pub mod statistics;

use std::io::{self, Write};
use std::path::Path;

use crate::diagnostics::{Diagnostic, Summary};
use crate::source::SourceFile;

/// The formats fwlint can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Full,
    Concise,
    Json,
    Sarif,
    Github,
    /// Counts per code, as text.
    Statistics,
    /// Counts per code, as JSON.
    JsonStatistics,
}

/// One file of a run, as the output formats see it.
#[derive(Debug, Clone, Copy)]
pub struct FileOutput<'a> {
    pub source: &'a SourceFile,
    pub family: &'static str,
    pub loadable: bool,
    pub rules: usize,
    pub diagnostics: &'a [Diagnostic],
    /// Parallel to `diagnostics`: `true` for the findings a baseline
    /// matched (they are also `suppressed`). Empty when there was none.
    pub baselined: &'a [bool],
}

/// Why a finding is suppressed, for the formats that keep suppressed
/// findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Suppression {
    /// A suppression in the rule file or the configuration.
    InSource,
    /// The baseline file lists it.
    Baseline,
}

impl FileOutput<'_> {
    /// Why the finding at `index` of `diagnostics` is suppressed, if it is.
    #[must_use]
    pub fn suppression(&self, index: usize) -> Option<Suppression> {
        if !self.diagnostics.get(index)?.suppressed {
            return None;
        }
        if self.baselined.get(index).copied().unwrap_or(false) {
            Some(Suppression::Baseline)
        } else {
            Some(Suppression::InSource)
        }
    }
}

/// Everything a format needs.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    pub files: &'a [FileOutput<'a>],
    /// All sources of the run, for labels that point into other files.
    pub sources: &'a [SourceFile],
    /// The directory machine formats make paths relative to (the current
    /// directory); `None` keeps paths as given.
    pub root: Option<&'a Path>,
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
        Format::Sarif => sarif::write(run, out),
        Format::Github => github::write(run, out),
        Format::Statistics => statistics::write_text(run, out),
        Format::JsonStatistics => statistics::write_json(run, out),
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
