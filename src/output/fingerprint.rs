//! Content-based fingerprints of findings, for SARIF `partialFingerprints`
//! and for baselines.
//!
//! A fingerprint hashes what a finding is about, not where it is: the code,
//! the text of the source lines its primary span covers (whitespace
//! normalised, packet counters dropped), the file's report path, and how
//! many identical (code, text, path) findings came before it in the file.
//! Moving a rule to another line keeps its fingerprint; editing the rule
//! changes it. The hash is SHA-256, stable across Rust versions and
//! platforms (std's `DefaultHasher` is neither). This module does not decide
//! which findings match a baseline; see [`super::baseline`].

use std::collections::HashMap;

use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostic;
use crate::source::{SourceFile, Span};

/// The key under which SARIF results carry the fingerprint. The version
/// changes whenever the recipe below does.
pub const SARIF_KEY: &str = "fwlintFingerprint/v1";

/// How many hex digits of the SHA-256 digest a fingerprint keeps: 128 bits,
/// far beyond any chance of two findings colliding.
const HEX_DIGITS: usize = 32;

/// The fingerprint of each of `diagnostics`, in order. `path` is the
/// file's report path (see [`super::location::report_path`]).
#[must_use]
pub fn fingerprints(path: &str, source: &SourceFile, diagnostics: &[Diagnostic]) -> Vec<String> {
    let mut seen: HashMap<(&str, String), usize> = HashMap::new();
    diagnostics
        .iter()
        .map(|diagnostic| {
            let text = covered_text(source, diagnostic.span);
            let fingerprint_of = |occurrence| hash(&diagnostic.code, &text, path, occurrence);
            let occurrence = seen.entry((&diagnostic.code, text.clone())).or_insert(0);
            let fingerprint = fingerprint_of(*occurrence);
            *occurrence += 1;
            fingerprint
        })
        .collect()
}

fn hash(code: &str, text: &str, path: &str, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    // NUL never occurs in a code or a path and separates the fields, so
    // that no two different tuples hash the same bytes.
    for field in [code, path, text, &occurrence.to_string()] {
        hasher.update(field.as_bytes());
        hasher.update([0]);
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(HEX_DIGITS);
    for byte in digest.iter().take(HEX_DIGITS / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The whole lines `span` touches, whitespace normalised. A span that ends
/// right after a line break does not take in the next line.
fn covered_text(source: &SourceFile, span: Span) -> String {
    let index = source.index();
    let first = index.line_of(span.start);
    let mut last = index.line_of(span.end);
    if last > first && index.line_start(last) == span.end {
        last -= 1;
    }
    let text = source.text();
    let start = index.line_start(first) as usize;
    let end = index.line_end(text, last) as usize;
    normalize(text.get(start..end).unwrap_or(""))
}

/// Collapses whitespace and drops `[packets:bytes]` counters, which
/// `iptables-save -c` rewrites on every save without the rule changing.
fn normalize(text: &str) -> String {
    text.split_whitespace()
        .filter(|word| !is_counter(word))
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_counter(word: &str) -> bool {
    let Some(inner) = word.strip_prefix('[').and_then(|w| w.strip_suffix(']')) else {
        return false;
    };
    inner.split_once(':').is_some_and(|(packets, bytes)| {
        [packets, bytes]
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::codes;

    fn finding(source: &SourceFile, line: usize) -> Diagnostic {
        Diagnostic::new(&codes::INVALID_VALUE, source.line_span(line), "bad")
    }

    fn of(text: &str, lines: &[usize]) -> Vec<String> {
        let source = SourceFile::new("rules.v4", text);
        let diagnostics: Vec<Diagnostic> =
            lines.iter().map(|&line| finding(&source, line)).collect();
        fingerprints("rules.v4", &source, &diagnostics)
    }

    #[test]
    fn a_moved_line_keeps_its_fingerprint() {
        let before = of("*filter\n-A INPUT -j X\nCOMMIT\n", &[2]);
        let after = of("*filter\n\n# a comment\n-A  INPUT   -j X\nCOMMIT\n", &[4]);
        assert_eq!(before, after);
        assert_eq!(before[0].len(), HEX_DIGITS);
    }

    #[test]
    fn content_path_and_code_change_it() {
        let base = of("*filter\n-A INPUT -j X\nCOMMIT\n", &[2]);
        assert_ne!(base, of("*filter\n-A INPUT -j Y\nCOMMIT\n", &[2]));
        let source = SourceFile::new("rules.v4", "*filter\n-A INPUT -j X\nCOMMIT\n");
        let diagnostic = finding(&source, 2);
        assert_ne!(
            base,
            fingerprints("other.v4", &source, std::slice::from_ref(&diagnostic))
        );
        let other_code = Diagnostic::new(&codes::INVALID_OPTION, diagnostic.span, "bad");
        assert_ne!(base, fingerprints("rules.v4", &source, &[other_code]));
    }

    #[test]
    fn identical_lines_are_told_apart_by_occurrence() {
        let twice = of("*filter\n-A INPUT -j X\n-A INPUT -j X\nCOMMIT\n", &[2, 3]);
        assert_ne!(twice[0], twice[1]);
        // The first of them is the finding a file with one such line has.
        assert_eq!(twice[0], of("*filter\n-A INPUT -j X\nCOMMIT\n", &[2])[0]);
    }

    #[test]
    fn packet_counters_do_not_count() {
        assert_eq!(
            of(
                "*filter\n:INPUT DROP [0:0]\n[3:180] -A INPUT -j X\nCOMMIT\n",
                &[2, 3]
            ),
            of(
                "*filter\n:INPUT DROP [912:48311]\n[7:420] -A INPUT -j X\nCOMMIT\n",
                &[2, 3]
            )
        );
        assert!(is_counter("[0:0]"));
        assert!(!is_counter("[0:]"));
        assert!(!is_counter("[a:1]"));
    }

    #[test]
    fn a_span_ending_at_a_line_break_covers_one_line() {
        let source = SourceFile::new("r", "-A INPUT -j X\n-A INPUT -j Y\n");
        assert_eq!(covered_text(&source, Span::new(0, 14)), "-A INPUT -j X");
        assert_eq!(
            covered_text(&source, Span::new(0, 15)),
            "-A INPUT -j X -A INPUT -j Y"
        );
    }

    #[test]
    fn the_recipe_is_stable() {
        // Pinned so that a change to the recipe cannot go unnoticed: it
        // would silently invalidate every baseline written before it.
        let mut expected = Sha256::new();
        // code, path, text and occurrence, each ended by NUL.
        expected.update(b"FW003\x00rules.v4\x00-A INPUT -j X\x000\x00");
        let expected: String = expected.finalize()[..16]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(of("*filter\n-A INPUT -j X\nCOMMIT\n", &[2])[0], expected);
    }
}
