//! Baselines: the findings a project has accepted for now, so that only
//! new ones fail a run (`--write-baseline FILE`, `--baseline FILE`).
//!
//! A baseline is a JSON document (`version` 1) listing each finding by
//! report path, code and content fingerprint (see [`super::fingerprint`]),
//! with its line and message for the people who read it. Matching ignores
//! lines and messages: a finding matches an entry with the same path, code
//! and fingerprint, each entry at most once, so moving a rule keeps it
//! matched and a second copy of it is new. Matched findings become
//! suppressed; the machine formats keep them, marked as external
//! suppressions. Reading the file and deciding the exit code are the
//! caller's.

use std::collections::HashMap;
use std::io::{self, Write};

use serde::{Deserialize, Serialize};

use super::{Run, fingerprint, location};
use crate::diagnostics::Diagnostic;
use crate::source::SourceFile;

/// The version of the baseline format this fwlint reads and writes.
const VERSION: u32 = 1;

#[derive(Serialize, Deserialize)]
struct Document {
    version: u32,
    #[serde(default, skip_deserializing)]
    tool: Option<Tool>,
    findings: Vec<Entry>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    path: String,
    code: String,
    fingerprint: String,
    /// For people reading the file; matching ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    /// For people reading the file; matching ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message: Option<String>,
}

/// A baseline read from its file: how many findings of each (path, code,
/// fingerprint) it still accepts.
#[derive(Debug, Clone, Default)]
pub struct Baseline {
    remaining: HashMap<(String, String, String), usize>,
}

impl Baseline {
    /// Reads a baseline document; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let document: Document = serde_json::from_str(text)
            .map_err(|error| format!("not a fwlint baseline: {error}"))?;
        if document.version != VERSION {
            return Err(format!(
                "baseline version {} is not supported (this fwlint reads version {VERSION})",
                document.version
            ));
        }
        let mut remaining = HashMap::new();
        for entry in document.findings {
            *remaining
                .entry((entry.path, entry.code, entry.fingerprint))
                .or_insert(0) += 1;
        }
        Ok(Baseline { remaining })
    }

    /// Suppresses the findings of one file that the baseline lists, and
    /// says which ones it suppressed. Findings already suppressed are left
    /// alone, so that each entry is spent on a finding that needed it.
    pub fn apply(
        &mut self,
        path: &str,
        source: &SourceFile,
        diagnostics: &mut [Diagnostic],
    ) -> Vec<bool> {
        let fingerprints = fingerprint::fingerprints(path, source, diagnostics);
        diagnostics
            .iter_mut()
            .zip(fingerprints)
            .map(|(diagnostic, fingerprint)| {
                if diagnostic.suppressed {
                    return false;
                }
                let key = (path.to_string(), diagnostic.code.to_string(), fingerprint);
                match self.remaining.get_mut(&key) {
                    Some(count) if *count > 0 => {
                        *count -= 1;
                        diagnostic.suppressed = true;
                        true
                    }
                    _ => false,
                }
            })
            .collect()
    }
}

/// Writes every unsuppressed finding of `run` as a baseline, and returns how
/// many it wrote.
pub fn write(run: &Run<'_>, out: &mut dyn Write) -> io::Result<usize> {
    let mut findings = Vec::new();
    for file in run.files {
        let path = location::report_path(file.source.name(), run.root);
        let fingerprints = fingerprint::fingerprints(&path, file.source, file.diagnostics);
        for (diagnostic, fingerprint) in file.diagnostics.iter().zip(fingerprints) {
            if diagnostic.suppressed {
                continue;
            }
            findings.push(Entry {
                path: path.clone(),
                code: diagnostic.code.to_string(),
                fingerprint,
                line: Some(file.source.line_col(diagnostic.span.start).line),
                message: Some(diagnostic.message.clone()),
            });
        }
    }
    let count = findings.len();
    let document = Document {
        version: VERSION,
        tool: Some(Tool {
            name: "fwlint",
            version: env!("CARGO_PKG_VERSION"),
        }),
        findings,
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)?;
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::codes;

    fn findings(source: &SourceFile, lines: &[usize]) -> Vec<Diagnostic> {
        lines
            .iter()
            .map(|&line| Diagnostic::new(&codes::INVALID_VALUE, source.line_span(line), "bad"))
            .collect()
    }

    fn baseline_of(source: &SourceFile, lines: &[usize]) -> Baseline {
        let diagnostics = findings(source, lines);
        let files = [super::super::FileOutput {
            source,
            family: "ipv4",
            loadable: true,
            rules: 0,
            diagnostics: &diagnostics,
            baselined: &[],
        }];
        let run = Run {
            files: &files,
            sources: std::slice::from_ref(source),
            root: None,
        };
        let mut text = Vec::new();
        assert_eq!(write(&run, &mut text).expect("written"), lines.len());
        Baseline::parse(std::str::from_utf8(&text).expect("utf-8")).expect("parsed")
    }

    #[test]
    fn each_entry_matches_one_finding() {
        let source = SourceFile::new("r.v4", "-A INPUT -j X\n-A INPUT -j X\n-A INPUT -j Y\n");
        let mut baseline = baseline_of(&source, &[1]);
        let mut diagnostics = findings(&source, &[1, 2, 3]);
        let matched = baseline.apply("r.v4", &source, &mut diagnostics);
        assert_eq!(matched, [true, false, false]);
        let suppressed: Vec<bool> = diagnostics.iter().map(|d| d.suppressed).collect();
        assert_eq!(suppressed, [true, false, false]);
    }

    #[test]
    fn another_path_does_not_match() {
        let source = SourceFile::new("r.v4", "-A INPUT -j X\n");
        let mut baseline = baseline_of(&source, &[1]);
        let mut diagnostics = findings(&source, &[1]);
        assert_eq!(baseline.apply("s.v4", &source, &mut diagnostics), [false]);
    }

    #[test]
    fn bad_documents_are_refused_with_a_reason() {
        assert!(
            Baseline::parse("")
                .unwrap_err()
                .contains("not a fwlint baseline")
        );
        assert!(
            Baseline::parse(r#"{"version": 1}"#)
                .unwrap_err()
                .contains("findings")
        );
        assert!(
            Baseline::parse(r#"{"version": 7, "findings": []}"#)
                .unwrap_err()
                .contains("version 7")
        );
        assert!(Baseline::parse(r#"{"version": 1, "findings": []}"#).is_ok());
    }
}
