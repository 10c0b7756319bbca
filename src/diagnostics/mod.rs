//! The one diagnostic type of fwlint, and the metadata of every code.
//!
//! Every stage (the reader, the lints, the rule packs) reports problems as a
//! [`Diagnostic`]: a code and name, a severity, a message, a primary span,
//! secondary labels, and help. Output formats read only this type. The module
//! also defines [`LintMeta`], the documentation and default severity of a
//! code, so that reader errors and lints are described the same way. It knows
//! nothing about how diagnostics are produced or printed.

mod meta;
mod render;

use std::borrow::Cow;

use serde::Serialize;

pub use meta::{Category, LintMeta};
pub use render::Rendered;

use crate::source::Span;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    /// Parses `error`, `warning` or `info` (also `warn`).
    #[must_use]
    pub fn parse(text: &str) -> Option<Severity> {
        match text {
            "error" => Some(Severity::Error),
            "warning" | "warn" => Some(Severity::Warning),
            "info" => Some(Severity::Info),
            _ => None,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location that explains a finding: the earlier rule, the
/// policy line. `path` is set only when it lies in another file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: Cow<'static, str>,
    pub path: Option<String>,
}

/// One finding at one place in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub code: Cow<'static, str>,
    pub name: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub span: Span,
    /// Text shown under the primary span. Labels and help are most often
    /// fixed texts, kept without a copy: a file can have 100,000 findings.
    pub label: Option<Cow<'static, str>>,
    pub labels: Vec<Label>,
    pub help: Option<Cow<'static, str>>,
    /// Set when a suppression comment or configuration silenced it; such
    /// findings stay in machine-readable output.
    pub suppressed: bool,
}

impl Diagnostic {
    /// A diagnostic of the code described by `meta`, at its default severity.
    #[must_use]
    pub fn new(meta: &'static LintMeta, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code: Cow::Borrowed(meta.code),
            name: Cow::Borrowed(meta.name),
            severity: meta.default_severity(),
            message: message.into(),
            span,
            label: None,
            labels: Vec::new(),
            help: None,
            suppressed: false,
        }
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<Cow<'static, str>>) -> Self {
        self.label = Some(label.into());
        self
    }

    #[must_use]
    pub fn with_secondary(mut self, span: Span, message: impl Into<Cow<'static, str>>) -> Self {
        self.add_label(Label {
            span,
            message: message.into(),
            path: None,
        });
        self
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<Cow<'static, str>>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a secondary label. Most findings have one or none: the list
    /// grows by one at a time rather than by `Vec`'s first four.
    pub fn add_label(&mut self, label: Label) {
        self.labels.reserve_exact(1);
        self.labels.push(label);
    }

    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
}

/// Counts of diagnostics per severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

impl Summary {
    pub fn add(&mut self, severity: Severity) {
        match severity {
            Severity::Error => self.errors += 1,
            Severity::Warning => self.warnings += 1,
            Severity::Info => self.infos += 1,
        }
    }
}
