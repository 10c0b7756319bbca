//! A configuration error: a message at a span of the TOML file it is
//! about, drawn by miette like any finding.

use std::borrow::Cow;

use miette::{GraphicalReportHandler, GraphicalTheme};

use crate::diagnostics::{Diagnostic, Rendered, Severity};
use crate::source::{SourceFile, Span};

/// A problem with a configuration file (or an option that names one);
/// fwlint stops with exit code 2.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// The TOML file, when the problem is inside one.
    pub file: Option<SourceFile>,
    pub diagnostic: Box<Diagnostic>,
}

impl ConfigError {
    /// A problem at `span` of `file`; `kind` names it (`unknown-key`).
    #[must_use]
    pub fn at(file: &SourceFile, span: Span, kind: &'static str, message: String) -> Self {
        ConfigError {
            file: Some(file.clone()),
            diagnostic: diagnostic(kind, span, message),
        }
    }

    /// A problem that is not inside a file (a missing `--config` file).
    #[must_use]
    pub fn plain(kind: &'static str, message: String) -> Self {
        ConfigError {
            file: None,
            diagnostic: diagnostic(kind, Span::empty_at(0), message),
        }
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.diagnostic.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn with_label(mut self, label: impl Into<std::borrow::Cow<'static, str>>) -> Self {
        self.diagnostic.label = Some(label.into());
        self
    }

    /// The error as users see it: drawn over the TOML source when there is
    /// one, else one line.
    #[must_use]
    pub fn render(&self, color: bool) -> String {
        let Some(file) = &self.file else {
            let mut text = format!("fwlint: error: {}", self.diagnostic.message);
            if let Some(help) = &self.diagnostic.help {
                text.push_str(&format!("\n  help: {help}"));
            }
            return text + "\n";
        };
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(100)
            .with_context_lines(1)
            .without_syntax_highlighting();
        let rendered = Rendered::new(&self.diagnostic, file, &[], None);
        let mut text = String::new();
        if handler.render_report(&mut text, &rendered).is_err() {
            let at = file.line_col(self.diagnostic.span.start);
            text = format!(
                "{}:{}:{}: {}",
                file.name(),
                at.line,
                at.column,
                self.diagnostic.message
            );
        }
        text.trim_end().to_string() + "\n"
    }
}

fn diagnostic(kind: &'static str, span: Span, message: String) -> Box<Diagnostic> {
    Box::new(Diagnostic {
        code: Cow::Borrowed("config"),
        name: Cow::Borrowed(kind),
        severity: Severity::Error,
        message,
        span,
        label: None,
        labels: Vec::new(),
        help: None,
        suppressed: false,
    })
}
