//! Splitting a file into the lines `iptables-restore` sees.
//!
//! iptables-restore reads with `fgets` into a 10,240-byte buffer: a longer
//! line arrives in pieces, each treated as a line of its own. C string
//! functions stop at a NUL byte, so a line ends there too. fwlint keeps the
//! real line number of every piece for its messages.

use crate::source::Span;

/// The size of iptables-restore's line buffer; a line may hold one byte
/// less (the terminating NUL).
pub const LINE_BUFFER: usize = 10_240;

/// One line as iptables-restore sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhysicalLine<'a> {
    /// The content without the newline (and without anything after a NUL).
    pub text: &'a str,
    /// Where `text` starts in the file.
    pub start: u32,
    /// True when iptables sees a newline at the end of this piece.
    pub newline: bool,
    /// True for the second and later pieces of an over-long line.
    pub continuation: bool,
    /// True for the first piece of a line that iptables splits.
    pub split: bool,
    /// The whole line in the file, for messages.
    pub line_span: Span,
}

impl PhysicalLine<'_> {
    #[must_use]
    pub fn span(&self) -> Span {
        Span::from_range(self.start as usize..self.start as usize + self.text.len())
    }
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    while index > 0 && !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Splits `text` into the lines iptables-restore reads.
pub fn physical_lines(text: &str) -> impl Iterator<Item = PhysicalLine<'_>> + '_ {
    let mut offset = 0usize;
    std::iter::from_fn(move || {
        if offset >= text.len() {
            return None;
        }
        let rest = &text[offset..];
        let (line, newline) = match memchr::memchr(b'\n', rest.as_bytes()) {
            Some(end) => (&rest[..end], true),
            None => (rest, false),
        };
        let line_start = offset;
        offset += line.len() + usize::from(newline);
        let line_span = Span::from_range(line_start..line_start + line.len());
        let mut pieces = Vec::new();
        // fgets keeps up to LINE_BUFFER - 1 bytes per call, newline included.
        // When only the newline is left over, the next call reads it as an
        // empty line, which iptables-restore skips: the line is whole, but
        // iptables sees no newline at its end.
        let capacity = LINE_BUFFER - 1;
        let mut piece_start = 0usize;
        loop {
            let remaining = line.len() - piece_start;
            let last = remaining <= capacity;
            let newline_fits = remaining < capacity;
            let piece_end = if last {
                line.len()
            } else {
                floor_char_boundary(line, piece_start + capacity)
            };
            let piece = &line[piece_start..piece_end];
            let (content, nul) = match memchr::memchr(0, piece.as_bytes()) {
                Some(position) => (&piece[..position], true),
                None => (piece, false),
            };
            pieces.push(PhysicalLine {
                text: content,
                start: u32::try_from(line_start + piece_start).unwrap_or(u32::MAX),
                newline: last && newline_fits && newline && !nul,
                continuation: piece_start > 0,
                split: !last || piece_start > 0,
                line_span,
            });
            if last || piece_end == piece_start {
                break;
            }
            piece_start = piece_end;
        }
        Some(pieces)
    })
    .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_at_newlines() {
        let lines: Vec<_> = physical_lines("*filter\nCOMMIT\n").collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].text, "COMMIT");
        assert!(lines[1].newline);
        assert_eq!(lines[1].start, 8);
    }

    #[test]
    fn last_line_without_newline() {
        let lines: Vec<_> = physical_lines("COMMIT").collect();
        assert_eq!(lines.len(), 1);
        assert!(!lines[0].newline);
    }

    #[test]
    fn long_lines_are_split_like_fgets() {
        let long = format!("# {}\n", "x".repeat(LINE_BUFFER));
        let lines: Vec<_> = physical_lines(&long).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text.len(), LINE_BUFFER - 1);
        assert!(lines[1].continuation);
        let fits = format!("{}\n", "x".repeat(LINE_BUFFER - 2));
        assert_eq!(physical_lines(&fits).count(), 1);
    }

    /// A line that fills the buffer exactly leaves only its newline to the
    /// next read: iptables-restore 1.8.9 loads such a line (checked with
    /// iptables-legacy-restore), one byte more and it does not.
    #[test]
    fn a_line_that_fills_the_buffer_is_whole() {
        let full = format!("-A INPUT {}\n", "x".repeat(LINE_BUFFER - 1 - 9));
        let lines: Vec<_> = physical_lines(&full).collect();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].text.len(), LINE_BUFFER - 1);
        assert!(!lines[0].split && !lines[0].newline);
        let over = format!("-A INPUT {}\n", "x".repeat(LINE_BUFFER - 9));
        let lines: Vec<_> = physical_lines(&over).collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].split && lines[1].continuation);
        assert_eq!(lines[1].text, "x");
    }

    #[test]
    fn nul_ends_a_line() {
        let lines: Vec<_> = physical_lines("-A INPUT\0junk\n").collect();
        assert_eq!(lines[0].text, "-A INPUT");
        assert!(!lines[0].newline);
    }
}
