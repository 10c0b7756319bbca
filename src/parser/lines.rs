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
pub fn physical_lines(text: &str) -> PhysicalLines<'_> {
    PhysicalLines {
        text,
        offset: 0,
        current: None,
    }
}

/// The iterator of [`physical_lines`]. It hands out the pieces of one line
/// at a time, without collecting them: nearly every line is one piece.
pub struct PhysicalLines<'a> {
    text: &'a str,
    /// Where the next line starts.
    offset: usize,
    /// The line being split, and where its next piece starts.
    current: Option<LineInPieces<'a>>,
}

struct LineInPieces<'a> {
    line: &'a str,
    start: usize,
    newline: bool,
    piece_start: usize,
}

impl<'a> Iterator for PhysicalLines<'a> {
    type Item = PhysicalLine<'a>;

    fn next(&mut self) -> Option<PhysicalLine<'a>> {
        let current = match &mut self.current {
            Some(current) => current,
            None => {
                if self.offset >= self.text.len() {
                    return None;
                }
                let rest = &self.text[self.offset..];
                let (line, newline) = match memchr::memchr(b'\n', rest.as_bytes()) {
                    Some(end) => (&rest[..end], true),
                    None => (rest, false),
                };
                let start = self.offset;
                self.offset += line.len() + usize::from(newline);
                self.current.insert(LineInPieces {
                    line,
                    start,
                    newline,
                    piece_start: 0,
                })
            }
        };
        let LineInPieces {
            line,
            start,
            newline,
            piece_start,
        } = *current;
        // fgets keeps up to LINE_BUFFER - 1 bytes per call, newline included.
        // When only the newline is left over, the next call reads it as an
        // empty line, which iptables-restore skips: the line is whole, but
        // iptables sees no newline at its end.
        let capacity = LINE_BUFFER - 1;
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
        if last || piece_end == piece_start {
            self.current = None;
        } else {
            current.piece_start = piece_end;
        }
        Some(PhysicalLine {
            text: content,
            start: u32::try_from(start + piece_start).unwrap_or(u32::MAX),
            newline: last && newline_fits && newline && !nul,
            continuation: piece_start > 0,
            split: !last || piece_start > 0,
            line_span: Span::from_range(start..start + line.len()),
        })
    }
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
