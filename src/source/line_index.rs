//! Turning byte offsets into 1-based lines and columns.
//!
//! The index stores the offset of every line start, found with `memchr`, and
//! answers each query with a binary search, so rendering many diagnostics in
//! a large file stays O(n log n) (miette's default `SourceCode` scans from the
//! start of the file for every span). Columns count characters, not bytes.

/// Offsets of the start of every line of one text.
#[derive(Debug, Clone)]
pub struct LineIndex {
    starts: Vec<u32>,
    len: u32,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl LineIndex {
    #[must_use]
    pub fn new(text: &str) -> Self {
        // Counted first so that the index of a large file is allocated once,
        // at its size, instead of doubling past it.
        let newlines = memchr::memchr_iter(b'\n', text.as_bytes()).count();
        let mut starts = Vec::with_capacity(newlines + 1);
        starts.push(0);
        starts.extend(
            memchr::memchr_iter(b'\n', text.as_bytes())
                .map(|newline| u32::try_from(newline + 1).unwrap_or(u32::MAX)),
        );
        LineIndex {
            starts,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    /// Number of lines; a final line without a newline counts, an empty
    /// remainder after the last newline does not.
    #[must_use]
    pub fn line_count(&self) -> usize {
        match self.starts.last() {
            Some(&last) if last == self.len && self.starts.len() > 1 => self.starts.len() - 1,
            _ => self.starts.len(),
        }
    }

    /// The 0-based line that contains `offset`.
    #[must_use]
    pub fn line_of(&self, offset: u32) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(line) => line,
            Err(next) => next - 1,
        }
    }

    /// Byte offset where the 0-based `line` starts.
    #[must_use]
    pub fn line_start(&self, line: usize) -> u32 {
        self.starts.get(line).copied().unwrap_or(self.len)
    }

    /// Byte offset just past the content of the 0-based `line` (before `\n`).
    #[must_use]
    pub fn line_end(&self, text: &str, line: usize) -> u32 {
        let next = self.starts.get(line + 1).copied().unwrap_or(self.len);
        let mut end = next;
        if end > self.line_start(line) && text.as_bytes().get(end as usize - 1) == Some(&b'\n') {
            end -= 1;
        }
        end
    }

    /// 1-based line and column (in characters) of `offset`.
    #[must_use]
    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(self.len);
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let mut end = offset as usize;
        while end > start && !text.is_char_boundary(end) {
            end -= 1;
        }
        let column = text[start..end].chars().count() + 1;
        LineCol {
            line: line + 1,
            column,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_lines_and_columns() {
        let text = "*filter\n-A INPUT\nCOMMIT\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 3);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 11), LineCol { line: 2, column: 4 });
        assert_eq!(index.line_col(text, 17), LineCol { line: 3, column: 1 });
    }

    #[test]
    fn counts_last_line_without_newline() {
        let text = "a\nb";
        assert_eq!(LineIndex::new(text).line_count(), 2);
        assert_eq!(LineIndex::new("").line_count(), 1);
    }

    #[test]
    fn columns_count_characters() {
        let text = "# é\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 4).column, 4);
    }
}
