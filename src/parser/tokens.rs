//! Splitting a rule line into arguments exactly as `iptables-restore` does.
//!
//! This mirrors `add_param_to_argv()` of iptables: spaces, tabs and newlines
//! separate arguments; only double quotes group; a backslash escapes the next
//! character only inside quotes; a closing quote ends the argument at once
//! (`"ab"cd` gives `ab` and `cd`); an unterminated quote takes the rest of the
//! line, newline included. An argument may hold at most 1,023 bytes.

use crate::source::Span;

/// The longest argument iptables-restore accepts, in bytes (its buffer is
/// 1,024 bytes with room for the terminating NUL).
pub const MAX_TOKEN_BYTES: usize = 1023;

/// One argument of a rule line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token<'a> {
    /// The argument after quote removal; borrowed when it is spelled
    /// verbatim in the source.
    pub text: std::borrow::Cow<'a, str>,
    /// Where it was written, quotes included.
    pub span: Span,
    /// True when the text is the source slice itself, so sub-spans of the
    /// text are sub-spans of the source.
    pub verbatim: bool,
}

impl Token<'_> {
    /// The span of bytes `range` of the text, exact when the token is
    /// verbatim, the whole token otherwise.
    #[must_use]
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        if self.verbatim {
            self.span.part(range)
        } else {
            self.span
        }
    }
}

/// A problem found while splitting a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenProblem {
    /// An argument longer than [`MAX_TOKEN_BYTES`]: "Parameter too long!".
    TooLong(Span),
    /// A quote that is never closed; iptables takes the rest of the line.
    UnterminatedQuote(Span),
}

/// Splits `line` (whose first byte is at `offset` in the file) into
/// arguments. `line` must not contain its terminating newline; `newline`
/// says whether one followed, because an unterminated quote swallows it.
#[must_use]
pub fn tokenize(line: &str, offset: u32, newline: bool) -> (Vec<Token<'_>>, Vec<TokenProblem>) {
    split(line, offset, newline, true)
}

/// [`tokenize`], where `plain_words_at_once` lets a word without quotes be
/// found with one search; without it every byte is looked at in turn,
/// which the tests hold the shortcut to.
fn split(
    line: &str,
    offset: u32,
    newline: bool,
    plain_words_at_once: bool,
) -> (Vec<Token<'_>>, Vec<TokenProblem>) {
    let bytes = line.as_bytes();
    // Room for the arguments of nearly every rule line at once, and no
    // more than 1,024 bytes, the largest block an allocator such as
    // mimalloc hands out on its fast path.
    let mut tokens = Vec::with_capacity(24);
    let mut problems = Vec::new();
    let mut index = 0;
    let at = |position: usize| offset + u32::try_from(position).unwrap_or(u32::MAX);

    while index < bytes.len() {
        match bytes[index] {
            b' ' | b'\t' => index += 1,
            _ => {
                let start = index;
                // Nearly every token is a plain word: its end is found at
                // once, and only a quote takes the byte-by-byte way below.
                // A plain loop: words are a few bytes long, too short for a
                // vectorised search to pay for setting itself up.
                let plain_end = if plain_words_at_once {
                    let end = bytes[start..]
                        .iter()
                        .position(|&byte| matches!(byte, b' ' | b'\t' | b'"'))
                        .map_or(bytes.len(), |length| start + length);
                    (end == bytes.len() || bytes[end] != b'"').then_some(end)
                } else {
                    None
                };
                if let Some(end) = plain_end {
                    index = end;
                    let span = Span::new(at(start), at(end));
                    if end - start > MAX_TOKEN_BYTES {
                        problems.push(TokenProblem::TooLong(span));
                    }
                    tokens.push(Token {
                        text: std::borrow::Cow::Borrowed(&line[start..end]),
                        span,
                        verbatim: true,
                    });
                    continue;
                }
                let mut owned: Option<Vec<u8>> = None;
                let mut in_quote = false;
                let mut closed_by_quote = false;
                // Fast path: an unquoted run is a plain slice of the line.
                while index < bytes.len() {
                    let byte = bytes[index];
                    if in_quote {
                        // The quoted text up to the next quote or backslash
                        // is taken at once.
                        let run = bytes[index..]
                            .iter()
                            .position(|&byte| matches!(byte, b'"' | b'\\'))
                            .unwrap_or(bytes.len() - index);
                        if run > 0 {
                            owned
                                .get_or_insert_with(Vec::new)
                                .extend_from_slice(&bytes[index..index + run]);
                            index += run;
                            continue;
                        }
                        match byte {
                            b'\\' if index + 1 < bytes.len() => {
                                owned.get_or_insert_with(Vec::new).push(bytes[index + 1]);
                                index += 2;
                            }
                            b'\\' => {
                                // A backslash before the end of the line
                                // escapes the newline, which iptables keeps.
                                index += 1;
                                if newline {
                                    owned.get_or_insert_with(Vec::new).push(b'\n');
                                }
                            }
                            b'"' => {
                                index += 1;
                                closed_by_quote = true;
                                break;
                            }
                            _ => {
                                owned.get_or_insert_with(Vec::new).push(byte);
                                index += 1;
                            }
                        }
                    } else {
                        match byte {
                            b' ' | b'\t' => break,
                            b'"' => {
                                let prefix = &bytes[start..index];
                                owned.get_or_insert_with(|| prefix.to_vec());
                                in_quote = true;
                                index += 1;
                            }
                            _ => {
                                if let Some(buffer) = owned.as_mut() {
                                    buffer.push(byte);
                                }
                                index += 1;
                            }
                        }
                    }
                }
                if in_quote && !closed_by_quote {
                    problems.push(TokenProblem::UnterminatedQuote(Span::new(
                        at(start),
                        at(index),
                    )));
                    if newline {
                        owned.get_or_insert_with(Vec::new).push(b'\n');
                    }
                }
                let span = Span::new(at(start), at(index));
                if in_quote && !closed_by_quote && owned.as_ref().is_some_and(Vec::is_empty) {
                    // iptables emits nothing for a quote opened at the very
                    // end of a file that has no final newline.
                    break;
                }
                let token = match owned {
                    None => Token {
                        text: std::borrow::Cow::Borrowed(&line[start..index]),
                        span,
                        verbatim: true,
                    },
                    Some(buffer) => Token {
                        text: std::borrow::Cow::Owned(String::from_utf8(buffer).unwrap_or_else(
                            |error| String::from_utf8_lossy(error.as_bytes()).into_owned(),
                        )),
                        span,
                        verbatim: false,
                    },
                };
                if token.text.len() > MAX_TOKEN_BYTES {
                    problems.push(TokenProblem::TooLong(span));
                }
                tokens.push(token);
            }
        }
    }
    (tokens, problems)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn plain_words_are_split_as_byte_by_byte(
            line in "[ab \t\"\\\\é]{0,40}",
            newline in any::<bool>(),
        ) {
            prop_assert_eq!(tokenize(&line, 7, newline), split(&line, 7, newline, false));
        }
    }

    fn texts(line: &str) -> Vec<String> {
        tokenize(line, 0, true)
            .0
            .into_iter()
            .map(|token| token.text.into_owned())
            .collect()
    }

    #[test]
    fn splits_on_spaces_and_tabs() {
        assert_eq!(
            texts("-A  INPUT\t-j ACCEPT"),
            ["-A", "INPUT", "-j", "ACCEPT"]
        );
    }

    #[test]
    fn only_double_quotes_group() {
        assert_eq!(
            texts(r#"--comment "a b" 'c d'"#),
            ["--comment", "a b", "'c", "d'"]
        );
    }

    #[test]
    fn closing_quote_ends_the_token() {
        assert_eq!(texts(r#""ab"cd"#), ["ab", "cd"]);
        assert_eq!(texts(r#"ab"c d""#), ["abc d"]);
    }

    #[test]
    fn empty_quotes_give_an_empty_argument() {
        assert_eq!(texts(r#"--comment """#), ["--comment", ""]);
    }

    #[test]
    fn backslash_escapes_only_inside_quotes() {
        assert_eq!(texts(r#"a\b "c\"d" "e\\f""#), [r"a\b", "c\"d", r"e\f"]);
    }

    #[test]
    fn unterminated_quote_takes_the_rest_of_the_line() {
        let (tokens, problems) = tokenize(r#"--comment "a b"#, 0, true);
        assert_eq!(tokens[1].text, "a b\n");
        assert!(matches!(problems[..], [TokenProblem::UnterminatedQuote(_)]));
    }

    #[test]
    fn verbatim_tokens_keep_exact_spans() {
        let (tokens, _) = tokenize("-A INPUT", 10, true);
        assert_eq!(tokens[1].span, Span::new(13, 18));
        assert!(tokens[1].verbatim);
        assert_eq!(tokens[1].sub_span(1..3), Span::new(14, 16));
    }

    #[test]
    fn too_long_tokens_are_reported() {
        let long = "x".repeat(MAX_TOKEN_BYTES + 1);
        let (_, problems) = tokenize(&long, 0, true);
        assert!(matches!(problems[..], [TokenProblem::TooLong(_)]));
        let fits = "x".repeat(MAX_TOKEN_BYTES);
        assert!(tokenize(&fits, 0, true).1.is_empty());
    }
}
