//! Byte spans into one source file.
//!
//! A [`Span`] is a half-open byte range `start..end`. Offsets are `u32`: rule
//! files are far below 4 GiB, and every node of the model carries one, so they
//! are kept small. This module does not know about lines; see
//! [`super::LineIndex`] for that.

use std::ops::Range;

/// A half-open byte range `start..end` in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    /// Creates a span; `end` is clamped so that it never precedes `start`.
    #[must_use]
    pub fn new(start: u32, end: u32) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    /// Builds a span from `usize` offsets, saturating at `u32::MAX`.
    #[must_use]
    pub fn from_range(range: Range<usize>) -> Self {
        let clamp = |value: usize| u32::try_from(value).unwrap_or(u32::MAX);
        Span::new(clamp(range.start), clamp(range.end))
    }

    /// An empty span at `offset`.
    #[must_use]
    pub fn empty_at(offset: u32) -> Self {
        Span::new(offset, offset)
    }

    #[must_use]
    pub fn len(self) -> u32 {
        self.end - self.start
    }

    #[must_use]
    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    /// The smallest span covering both `self` and `other`.
    #[must_use]
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    /// A sub-span given relative to the start of this one, clamped to it.
    #[must_use]
    pub fn part(self, relative: Range<usize>) -> Span {
        let len = self.len() as usize;
        let start = relative.start.min(len);
        let end = relative.end.clamp(start, len);
        Span::from_range(self.start as usize + start..self.start as usize + end)
    }

    #[must_use]
    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(span: Span) -> Self {
        miette::SourceSpan::new((span.start as usize).into(), span.len() as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_span_is_clamped_to_parent() {
        let span = Span::new(10, 20);
        assert_eq!(span.part(2..4), Span::new(12, 14));
        assert_eq!(span.part(8..40), Span::new(18, 20));
        assert_eq!(span.part(30..40), Span::new(20, 20));
    }

    #[test]
    fn cover_spans_both() {
        assert_eq!(Span::new(5, 7).cover(Span::new(1, 3)), Span::new(1, 7));
    }
}
