//! Source text: one rule file as read, its name, and its line index.
//!
//! [`SourceFile`] owns the text of one input and knows how to turn byte spans
//! into lines and columns. It implements [`miette::SourceCode`] with a binary
//! search over the line index, so every diagnostic is rendered without
//! rescanning the file. It knows nothing about iptables syntax.

mod line_index;
mod span;

use std::sync::Arc;

pub use line_index::{LineCol, LineIndex};
pub use span::Span;

/// One input file: its display name, its text and its line index.
#[derive(Debug, Clone)]
pub struct SourceFile {
    name: String,
    /// An `Arc<String>` rather than an `Arc<str>`: the text is read into a
    /// `String`, which the `Arc` then takes without copying the file.
    text: Arc<String>,
    index: Arc<LineIndex>,
}

impl SourceFile {
    /// Wraps `text` read from the file shown to users as `name`.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        let text = Arc::new(text.into());
        let index = Arc::new(LineIndex::new(&text));
        SourceFile {
            name: name.into(),
            text,
            index,
        }
    }

    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    #[must_use]
    pub fn index(&self) -> &LineIndex {
        &self.index
    }

    /// 1-based line and column of `offset`.
    #[must_use]
    pub fn line_col(&self, offset: u32) -> LineCol {
        self.index.line_col(&self.text, offset)
    }

    /// The text covered by `span`, or `""` when it falls outside the file.
    #[must_use]
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The span of the 1-based `line`, without its line terminator.
    #[must_use]
    pub fn line_span(&self, line: usize) -> Span {
        let zero_based = line.saturating_sub(1);
        Span::new(
            self.index.line_start(zero_based),
            self.index.line_end(&self.text, zero_based),
        )
    }
}

impl miette::SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text = self.text.as_bytes();
        let start = span.offset();
        let end = start + span.len();
        if start > text.len() || end > text.len() {
            return Err(miette::MietteError::OutOfBounds);
        }
        let clamp = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        let first_line = self.index.line_of(clamp(start));
        let last_line = self.index.line_of(clamp(end.saturating_sub(1).max(start)));
        let context_first = first_line.saturating_sub(context_lines_before);
        let context_last = (last_line + context_lines_after).min(self.index.line_count() - 1);
        let data_start = self.index.line_start(context_first) as usize;
        let data_end = (self.index.line_start(context_last + 1) as usize).min(text.len());
        let column = if context_lines_before == 0 {
            start - self.index.line_start(first_line) as usize
        } else {
            0
        };
        let data_start = if context_lines_before == 0 {
            start
        } else {
            data_start
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            &text[data_start..data_end.max(data_start)],
            (data_start, data_end.max(data_start) - data_start).into(),
            if context_lines_before == 0 {
                first_line
            } else {
                context_first
            },
            column,
            context_last - context_first + 1,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use miette::SourceCode;

    #[test]
    fn read_span_returns_whole_context_lines() {
        let file = SourceFile::new("x.rules", "*filter\n-A INPUT -j DROP\nCOMMIT\n");
        let contents = file
            .read_span(&Span::new(19, 23).into(), 1, 1)
            .expect("span inside the file");
        assert_eq!(
            std::str::from_utf8(contents.data()).unwrap(),
            "*filter\n-A INPUT -j DROP\nCOMMIT\n"
        );
        assert_eq!(contents.line(), 0);
        assert_eq!(contents.name(), Some("x.rules"));
    }

    #[test]
    fn read_span_outside_the_file_is_an_error() {
        let file = SourceFile::new("x.rules", "abc\n");
        assert!(file.read_span(&Span::new(2, 40).into(), 0, 0).is_err());
    }
}
