//! What goes wrong with a pack: a file that cannot be read, TOML that does
//! not parse or does not fit the schema, a value that makes no sense (a
//! port above 65535, a network that is not one, a condition fwlint does
//! not know). Every error that has a place in the TOML points at it, and
//! renders as a miette report.

use std::fmt;
use std::ops::Range;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceCode};

/// An error in one pack file.
#[derive(Debug, Clone)]
pub struct PackError(Box<Inner>);

#[derive(Debug, Clone)]
struct Inner {
    /// The pack's path as shown, or `rules.d/NAME.toml` for a shipped one.
    origin: String,
    message: String,
    help: Option<String>,
    /// The place in the TOML, when there is one.
    span: Option<Range<usize>>,
    source: Option<NamedSource<String>>,
}

impl PackError {
    /// An error at `span` of the TOML text `text`.
    #[must_use]
    pub fn at(origin: &str, text: &str, span: Range<usize>, message: impl Into<String>) -> Self {
        let end = span.end.min(text.len());
        let start = span.start.min(end);
        PackError(Box::new(Inner {
            origin: origin.to_string(),
            message: message.into(),
            help: None,
            span: Some(start..end),
            source: Some(NamedSource::new(origin, text.to_string()).with_language("TOML")),
        }))
    }

    /// An error about the file as a whole (it cannot be read).
    #[must_use]
    pub fn file(origin: &str, message: impl Into<String>) -> Self {
        PackError(Box::new(Inner {
            origin: origin.to_string(),
            message: message.into(),
            help: None,
            span: None,
            source: None,
        }))
    }

    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.0.help = Some(help.into());
        self
    }

    /// The pack's path as shown, or `rules.d/NAME.toml` for a shipped one.
    #[must_use]
    pub fn origin(&self) -> &str {
        &self.0.origin
    }

    #[must_use]
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The byte range in the TOML, when the error has a place.
    #[must_use]
    pub fn span(&self) -> Option<Range<usize>> {
        self.0.span.clone()
    }

    /// The 1-based line of the error, when it has a place.
    #[must_use]
    pub fn line(&self) -> Option<usize> {
        let (span, source) = (self.0.span.as_ref()?, self.0.source.as_ref()?);
        let text = source.inner();
        Some(text[..span.start.min(text.len())].matches('\n').count() + 1)
    }

    /// The error as miette draws it, without colours.
    #[must_use]
    pub fn render(&self, width: usize) -> String {
        let mut out = String::new();
        let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
            .with_width(width)
            .with_links(false);
        if handler.render_report(&mut out, self).is_err() {
            return format!("{}: {}", self.0.origin, self.0.message);
        }
        out
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line() {
            Some(line) => write!(f, "{}:{line}: {}", self.0.origin, self.0.message),
            None => write!(f, "{}: {}", self.0.origin, self.0.message),
        }
    }
}

impl std::error::Error for PackError {}

impl miette::Diagnostic for PackError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new("bad-rule-pack"))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.0
            .source
            .as_ref()
            .map(|source| source as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.0.span.clone()?;
        self.0.source.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("here".to_string()), span),
        )))
    }
}
