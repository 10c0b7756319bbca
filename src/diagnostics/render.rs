//! The bridge to miette: one hand-written `miette::Diagnostic` impl for
//! fwlint's [`Diagnostic`], borrowed together with its source file.
//!
//! Lints never build miette types; the output stage wraps each finding in a
//! [`Rendered`] when it prints it.

use std::fmt;

use super::{Diagnostic, Severity};
use crate::source::SourceFile;

/// A diagnostic together with the file it points into, ready for miette.
pub struct Rendered<'a> {
    diagnostic: &'a Diagnostic,
    file: &'a SourceFile,
    url: Option<String>,
    notes: Vec<Elsewhere<'a>>,
}

/// A label that points into another file, shown as a related note.
struct Elsewhere<'a> {
    message: &'a str,
    span: crate::source::Span,
    file: &'a SourceFile,
}

impl fmt::Debug for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rendered")
            .field("diagnostic", self.diagnostic)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Rendered<'_> {}

fn miette_severity(severity: Severity) -> miette::Severity {
    match severity {
        Severity::Error => miette::Severity::Error,
        Severity::Warning => miette::Severity::Warning,
        Severity::Info => miette::Severity::Advice,
    }
}

impl miette::Diagnostic for Rendered<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}/{}",
            self.diagnostic.code, self.diagnostic.name
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(miette_severity(self.diagnostic.severity))
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_deref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn url<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.url
            .as_deref()
            .map(|url| Box::new(url) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        let primary = miette::LabeledSpan::new_primary_with_span(
            self.diagnostic.label.as_deref().map(str::to_string),
            self.diagnostic.span,
        );
        let secondary = self
            .diagnostic
            .labels
            .iter()
            .filter(|label| label.path.is_none())
            .map(|label| {
                miette::LabeledSpan::new_with_span(Some(label.message.to_string()), label.span)
            });
        Some(Box::new(std::iter::once(primary).chain(secondary)))
    }

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.notes.is_empty() {
            return None;
        }
        Some(Box::new(
            self.notes
                .iter()
                .map(|note| note as &dyn miette::Diagnostic),
        ))
    }
}

impl fmt::Debug for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message)
    }
}

impl fmt::Display for Elsewhere<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "in {}: {}", self.file.name(), self.message)
    }
}

impl std::error::Error for Elsewhere<'_> {}

impl miette::Diagnostic for Elsewhere<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.file)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = miette::LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(
            miette::LabeledSpan::new_primary_with_span(Some(self.message.to_string()), self.span),
        )))
    }
}

impl<'a> Rendered<'a> {
    /// Wraps `diagnostic` of `file`; labels that point into one of `others`
    /// become notes of their own, since they cannot share this source.
    #[must_use]
    pub fn new(
        diagnostic: &'a Diagnostic,
        file: &'a SourceFile,
        others: &'a [SourceFile],
        url: Option<String>,
    ) -> Self {
        let notes = diagnostic
            .labels
            .iter()
            .filter_map(|label| {
                let path = label.path.as_deref()?;
                let file = others.iter().find(|file| file.name() == path)?;
                Some(Elsewhere {
                    message: &label.message,
                    span: label.span,
                    file,
                })
            })
            .collect();
        Rendered {
            diagnostic,
            file,
            url,
            notes,
        }
    }
}
