//! Inline suppressions: `# fwlint: ignore[CODE-OR-NAME, ...] reason` on a
//! comment line applies to the next line that is neither blank nor a
//! comment; `# fwlint: file-ignore[...]` applies to the whole file; and the
//! `ignore[...]` text inside `-m comment --comment "..."` applies to its own
//! rule, so that it survives `iptables-save`. A finding is suppressed when
//! its primary span starts on that line and a listed code or name is its.
//!
//! This layer reads only the source text and the finished diagnostics of a
//! file: lints know nothing of it. Suppressed findings are marked, never
//! dropped. What could not be read, named an unknown code, or suppressed
//! nothing comes back as `unused-suppression` (FW303) findings.

use crate::diagnostics::{Diagnostic, LintMeta};
use crate::lints::unused_suppression as fw303;
use crate::parser::tokens;
use crate::registry;
use crate::source::{SourceFile, Span};

/// One code or name in a suppression's list.
#[derive(Debug, Clone)]
pub struct Key {
    pub text: String,
    pub span: Span,
    /// `None` when fwlint has no such code or name.
    pub meta: Option<&'static LintMeta>,
}

/// Where a suppression applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The findings that start on this 1-based line; `None` when no rule
    /// follows the comment.
    Line(Option<usize>),
    File,
}

/// One readable suppression.
#[derive(Debug, Clone)]
pub struct Directive {
    pub scope: Scope,
    /// The directive's text.
    pub span: Span,
    pub keys: Vec<Key>,
    pub reason: Option<String>,
}

/// The suppressions of one file, and the attempts that could not be read.
#[derive(Debug, Clone, Default)]
pub struct Directives {
    pub directives: Vec<Directive>,
    /// (span, what is wrong)
    pub malformed: Vec<(Span, String)>,
}

/// What a directive's text says, with byte ranges relative to the text.
enum Parsed {
    NotDirective,
    Malformed(std::ops::Range<usize>, String),
    Directive {
        file: bool,
        keys: Vec<(String, std::ops::Range<usize>)>,
        reason: Option<String>,
        whole: std::ops::Range<usize>,
    },
}

fn parse(text: &str) -> Parsed {
    let start = text.len() - text.trim_start().len();
    let body = text[start..].trim_end();
    let whole = start..start + body.len();
    let Some(after) = body.strip_prefix("fwlint:") else {
        let rest = body.strip_prefix("fwlint").map(str::trim_start);
        if rest.is_some_and(|rest| rest.starts_with("ignore") || rest.starts_with("file-ignore")) {
            return Parsed::Malformed(whole, "write `fwlint:` with a colon".into());
        }
        return Parsed::NotDirective;
    };
    let trimmed_after = after.trim_start();
    let word_start = start + "fwlint:".len() + (after.len() - trimmed_after.len());
    let after = trimmed_after;
    let word_len = after
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-'))
        .unwrap_or(after.len());
    let word = &after[..word_len];
    let file = match word {
        "ignore" => false,
        "file-ignore" => true,
        _ => {
            return Parsed::Malformed(
                whole,
                format!(
                    "unknown directive `{word}`: fwlint knows `ignore[...]` and `file-ignore[...]`"
                ),
            );
        }
    };
    let rest = &after[word_len..];
    let Some(list) = rest.strip_prefix('[') else {
        return Parsed::Malformed(
            whole,
            format!("`{word}` must be followed by `[` and the codes or names to suppress"),
        );
    };
    let Some(close) = list.find(']') else {
        return Parsed::Malformed(whole, "the list of codes has no closing `]`".into());
    };
    let list_start = word_start + word_len + 1;
    let mut keys = Vec::new();
    let mut offset = list_start;
    for item in list[..close].split(',') {
        let trimmed = item.trim();
        let item_start = offset + (item.len() - item.trim_start().len());
        offset += item.len() + 1;
        if trimmed.is_empty() {
            return Parsed::Malformed(whole, "empty entry in the list of codes".into());
        }
        if !trimmed
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Parsed::Malformed(
                item_start..item_start + trimmed.len(),
                format!("`{trimmed}` is not a code or name (separate several with commas)"),
            );
        }
        keys.push((trimmed.to_string(), item_start..item_start + trimmed.len()));
    }
    let reason = list[close + 1..].trim();
    Parsed::Directive {
        file,
        keys,
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        whole,
    }
}

/// A piece of text inside the file: where its byte `i` is in the file, when
/// the text is written there verbatim.
#[derive(Clone, Copy)]
struct Place {
    start: u32,
    /// The span of the whole token, used when the text is not verbatim.
    fallback: Option<Span>,
}

impl Place {
    fn span(self, range: std::ops::Range<usize>) -> Span {
        match self.fallback {
            Some(span) => span,
            None => {
                Span::from_range(self.start as usize + range.start..self.start as usize + range.end)
            }
        }
    }
}

/// Finds the suppressions of `source`.
#[must_use]
pub fn find(source: &SourceFile) -> Directives {
    let text = source.text();
    let index = source.index();
    let mut found = Directives::default();
    // Only the lines that mention fwlint are looked at: a list of every
    // line of a 100,000-line file cost 4 MB, the largest allocation after
    // the analysis was done.
    let content_of = |line: usize| {
        let start = index.line_start(line) as usize;
        let end = index.line_end(text, line) as usize;
        let content = &text[start..end];
        (start, content.strip_suffix('\r').unwrap_or(content))
    };
    let is_rule_line = |content: &str| !content.starts_with('#') && !content.trim().is_empty();
    let mut last_line = None;
    for hit in memchr::memmem::find_iter(text.as_bytes(), b"fwlint") {
        let line = index.line_of(u32::try_from(hit).unwrap_or(u32::MAX));
        if last_line == Some(line) {
            continue;
        }
        last_line = Some(line);
        let number = line + 1;
        let (start, content) = content_of(line);
        if let Some(comment) = content.strip_prefix('#') {
            let place = Place {
                start: u32::try_from(start + 1).unwrap_or(u32::MAX),
                fallback: None,
            };
            let target = (line + 1..index.line_count())
                .find(|&later| is_rule_line(content_of(later).1))
                .map(|later| later + 1);
            record(&mut found, comment, place, Scope::Line(target), true);
        } else if is_rule_line(content) {
            let (tokens, _) =
                tokens::tokenize(content, u32::try_from(start).unwrap_or(u32::MAX), false);
            for pair in tokens.windows(2) {
                if pair[0].text != "--comment" || !pair[1].text.contains("fwlint") {
                    continue;
                }
                let value = &pair[1];
                let written = source.slice(value.span);
                let place = if written == value.text {
                    Place {
                        start: value.span.start,
                        fallback: None,
                    }
                } else if written.len() == value.text.len() + 2
                    && written[1..written.len() - 1] == *value.text
                {
                    Place {
                        start: value.span.start + 1,
                        fallback: None,
                    }
                } else {
                    Place {
                        start: value.span.start,
                        fallback: Some(value.span),
                    }
                };
                record(
                    &mut found,
                    &value.text,
                    place,
                    Scope::Line(Some(number)),
                    false,
                );
            }
        }
    }
    found
}

fn record(found: &mut Directives, text: &str, place: Place, scope: Scope, comment_line: bool) {
    match parse(text) {
        Parsed::NotDirective => {}
        Parsed::Malformed(range, problem) => found.malformed.push((place.span(range), problem)),
        Parsed::Directive {
            file,
            keys,
            reason,
            whole,
        } => {
            if file && !comment_line {
                found.malformed.push((
                    place.span(whole),
                    "`file-ignore` works only on a `#` comment line; in a rule's comment use `ignore[...]`".into(),
                ));
                return;
            }
            found.directives.push(Directive {
                scope: if file { Scope::File } else { scope },
                span: place.span(whole),
                keys: keys
                    .into_iter()
                    .map(|(text, range)| Key {
                        meta: registry::find(&text),
                        span: place.span(range),
                        text,
                    })
                    .collect(),
                reason,
            });
        }
    }
}

/// Marks the findings of `diagnostics` that a suppression of `source`
/// covers (unless `inline` is off, for `--no-ignores`), and returns the
/// `unused-suppression` findings. `enabled` tells whether a code is on
/// for this file.
pub fn apply(
    source: &SourceFile,
    diagnostics: &mut [Diagnostic],
    inline: bool,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let found = find(source);
    let mut used: Vec<Vec<bool>> = found
        .directives
        .iter()
        .map(|directive| vec![false; directive.keys.len()])
        .collect();
    if inline && !found.directives.is_empty() {
        for diagnostic in diagnostics.iter_mut() {
            let line = source.line_col(diagnostic.span.start).line;
            suppress(&found, &mut used, diagnostic, line);
        }
    }
    let mut reports: Vec<Diagnostic> = found
        .malformed
        .iter()
        .map(|(span, problem)| fw303::malformed(*span, problem))
        .collect();
    for (directive, used) in found.directives.iter().zip(&used) {
        if inline && directive.scope == Scope::Line(None) {
            reports.push(fw303::dangling(directive.span));
            continue;
        }
        for (key, &was_used) in directive.keys.iter().zip(used) {
            let Some(meta) = key.meta else {
                let suggestion = crate::config::select::suggest(&key.text);
                reports.push(fw303::unknown(key.span, &key.text, suggestion.as_deref()));
                continue;
            };
            if !inline || was_used {
                continue;
            }
            let own = meta.code == fw303::UNUSED_SUPPRESSION.code;
            match directive.scope {
                Scope::Line(_) if own => reports.push(fw303::not_on_a_line(key.span)),
                // Judged below, against the findings of this code.
                Scope::File if own => {}
                scope => reports.push(fw303::unused(
                    key.span,
                    meta,
                    scope == Scope::File,
                    enabled(meta.code),
                )),
            }
        }
    }
    if inline {
        for report in &mut reports {
            let line = source.line_col(report.span.start).line;
            suppress(&found, &mut used, report, line);
        }
    }
    reports
}

/// Marks `diagnostic` suppressed when a directive covers it.
fn suppress(found: &Directives, used: &mut [Vec<bool>], diagnostic: &mut Diagnostic, line: usize) {
    let own = diagnostic.code == fw303::UNUSED_SUPPRESSION.code;
    for (directive, used) in found.directives.iter().zip(used.iter_mut()) {
        let applies = match directive.scope {
            Scope::File => true,
            // `unused-suppression` is never silenced by a line.
            Scope::Line(target) => !own && target == Some(line),
        };
        if !applies {
            continue;
        }
        for (key, used) in directive.keys.iter().zip(used.iter_mut()) {
            if key.meta.is_some_and(|meta| meta.code == diagnostic.code) {
                diagnostic.suppressed = true;
                *used = true;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(text: &str) -> Directives {
        find(&SourceFile::new("test.rules", text))
    }

    #[test]
    fn comment_lines_apply_to_the_next_rule() {
        let text = "*filter\n# fwlint: ignore[FW107, shadowed-rule] kept on purpose\n\n# more words\n-A INPUT -j ACCEPT\nCOMMIT\n";
        let found = directives(text);
        assert!(found.malformed.is_empty());
        let directive = &found.directives[0];
        assert_eq!(directive.scope, Scope::Line(Some(5)));
        assert_eq!(directive.reason.as_deref(), Some("kept on purpose"));
        let keys: Vec<&str> = directive
            .keys
            .iter()
            .map(|k| &text[k.span.range()])
            .collect();
        assert_eq!(keys, ["FW107", "shadowed-rule"]);
    }

    #[test]
    fn rule_comments_apply_to_their_rule() {
        let text = "*filter\n-A INPUT -p tcp -m comment --comment \"fwlint: ignore[FW107] legacy\" -j ACCEPT\nCOMMIT\n";
        let found = directives(text);
        let directive = &found.directives[0];
        assert_eq!(directive.scope, Scope::Line(Some(2)));
        assert_eq!(&text[directive.keys[0].span.range()], "FW107");
    }

    #[test]
    fn malformed_directives_are_found() {
        for (text, problem) in [
            ("# fwlint: ignore FW107\n", "must be followed by `[`"),
            ("# fwlint: ignore[FW107\n", "no closing `]`"),
            ("# fwlint: ignore[]\n", "empty entry"),
            ("# fwlint: disable[FW107]\n", "unknown directive `disable`"),
            ("# fwlint ignore[FW107]\n", "with a colon"),
            (
                "# fwlint: ignore[FW107 FW302]\n",
                "separate several with commas",
            ),
        ] {
            let found = directives(text);
            assert!(found.directives.is_empty(), "{text}");
            assert!(
                found.malformed[0].1.contains(problem),
                "{text}: {:?}",
                found.malformed
            );
        }
        assert!(
            directives("# fwlint found these in 2024\n")
                .malformed
                .is_empty()
        );
    }
}
