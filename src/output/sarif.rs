//! `--format sarif`: one SARIF 2.1.0 log, as GitHub code scanning reads it.
//!
//! The log has one run whose driver describes every code that has a result,
//! from the registry (rule packs' codes, which it does not know, get their
//! name as description). Each result points at its primary span with a
//! region (1-based columns counted in Unicode code points, end exclusive),
//! at its secondary labels with related locations, and carries a
//! content-based fingerprint. Suppressed findings are kept, marked with a
//! suppression (`inSource`, or `external` for baseline matches): dropping
//! them would make code scanning close the alert and reopen it later. Paths
//! inside the root are relative to `%SRCROOT%`; others are `file://` URIs.
//! The module knows nothing of how findings are produced or filtered.

use std::io::{self, Write};

use serde::Serialize;

use super::{FileOutput, Run, Suppression, fingerprint, location};
use crate::diagnostics::{Diagnostic, LintMeta, Severity};
use crate::registry;
use crate::source::{SourceFile, Span};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
/// Where users read about fwlint: the package's homepage or repository, when
/// Cargo.toml names one.
const INFORMATION_URI: Option<&str> = match (
    option_env!("CARGO_PKG_HOMEPAGE"),
    option_env!("CARGO_PKG_REPOSITORY"),
) {
    (Some(homepage), _) if !homepage.is_empty() => Some(homepage),
    (_, Some(repository)) if !repository.is_empty() => Some(repository),
    _ => None,
};
const SOURCE_ROOT: &str = "%SRCROOT%";
/// GitHub refuses rule descriptions longer than this.
const DESCRIPTION_LIMIT: usize = 1024;

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [SarifRun<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifRun<'a> {
    tool: Tool,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    information_uri: Option<&'static str>,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location<'a>; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<Location<'a>>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<SarifSuppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<BorrowedText<'a>>,
}

#[derive(Serialize)]
struct BorrowedText<'a> {
    text: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "fwlintFingerprint/v1")]
    fwlint: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifSuppression {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    justification: Option<&'static str>,
}

pub fn write(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut rules = Rules::default();
    let mut results = Vec::new();
    for file in run.files {
        let path = location::report_path(file.source.name(), run.root);
        let fingerprints = fingerprint::fingerprints(&path, file.source, file.diagnostics);
        for (index, (diagnostic, fingerprint)) in
            file.diagnostics.iter().zip(fingerprints).enumerate()
        {
            results.push(result(
                run,
                file,
                index,
                diagnostic,
                rules.index_of(diagnostic),
                fingerprint,
            ));
        }
    }
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: [SarifRun {
            tool: Tool {
                driver: Driver {
                    name: "fwlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: INFORMATION_URI,
                    rules: rules.rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    serde_json::to_writer_pretty(&mut *out, &log)?;
    writeln!(out)
}

fn result<'a>(
    run: &Run<'a>,
    file: &FileOutput<'a>,
    index: usize,
    diagnostic: &'a Diagnostic,
    rule_index: usize,
    fingerprint: String,
) -> SarifResult<'a> {
    let mut message = diagnostic.message.clone();
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let related_locations = diagnostic
        .labels
        .iter()
        .filter_map(|label| {
            let source = match &label.path {
                Some(path) => run.source(path)?,
                None => file.source,
            };
            Some((source, label))
        })
        .enumerate()
        .map(|(position, (source, label))| Location {
            // 1-based, as a message would link them: `[the rule](1)`.
            id: Some(position + 1),
            physical_location: physical_location(run, source, label.span),
            message: Some(BorrowedText {
                text: &label.message,
            }),
        })
        .collect();
    let suppressions = match file.suppression(index) {
        None => Vec::new(),
        Some(Suppression::InSource) => vec![SarifSuppression {
            kind: "inSource",
            justification: None,
        }],
        Some(Suppression::Baseline) => vec![SarifSuppression {
            kind: "external",
            justification: Some("listed in the baseline file"),
        }],
    };
    SarifResult {
        rule_id: &diagnostic.code,
        rule_index,
        level: level(diagnostic.severity),
        message: Text { text: message },
        locations: [Location {
            id: None,
            physical_location: physical_location(run, file.source, diagnostic.span),
            message: None,
        }],
        related_locations,
        partial_fingerprints: Fingerprints {
            fwlint: fingerprint,
        },
        suppressions,
    }
}

fn physical_location(run: &Run<'_>, source: &SourceFile, span: Span) -> PhysicalLocation {
    let name = source.name();
    let artifact_location = match location::relative_to(name, run.root) {
        Some(relative) => ArtifactLocation {
            uri: location::encode_uri_path(&relative),
            uri_base_id: Some(SOURCE_ROOT),
        },
        None => match location::absolute_path(name, run.root) {
            Some(absolute) => ArtifactLocation {
                uri: location::file_uri(&absolute),
                uri_base_id: None,
            },
            // No root to resolve against: the name, as a relative reference.
            None => ArtifactLocation {
                uri: location::encode_uri_path(name),
                uri_base_id: Some(SOURCE_ROOT),
            },
        },
    };
    let (start_line, start_column, end_line, end_column) = super::position(source, span);
    PhysicalLocation {
        artifact_location,
        region: Region {
            start_line,
            start_column,
            end_line,
            end_column,
        },
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// The driver's rules, in order of first use, so that every `ruleIndex`
/// points at the rule its `ruleId` names.
#[derive(Default)]
struct Rules {
    rules: Vec<Rule>,
}

impl Rules {
    fn index_of(&mut self, diagnostic: &Diagnostic) -> usize {
        if let Some(index) = self
            .rules
            .iter()
            .position(|rule| rule.id == diagnostic.code)
        {
            return index;
        }
        self.rules.push(match registry::find(&diagnostic.code) {
            Some(meta) if meta.code == diagnostic.code => rule_of(meta),
            _ => unregistered_rule(diagnostic),
        });
        self.rules.len() - 1
    }
}

fn rule_of(meta: &LintMeta) -> Rule {
    let documentation = meta.documentation();
    let documentation = documentation.trim_end();
    Rule {
        id: meta.code.to_string(),
        name: meta.name.to_string(),
        short_description: Text {
            text: meta.summary.to_string(),
        },
        full_description: Text {
            text: full_description(documentation).unwrap_or_else(|| meta.summary.to_string()),
        },
        help: Help {
            text: documentation.to_string(),
            markdown: documentation.to_string(),
        },
        default_configuration: Configuration {
            level: level(meta.default_severity()),
        },
        properties: RuleProperties {
            tags: vec![meta.category.as_str()],
        },
    }
}

/// A code fwlint's registry does not know (a rule pack's): described by
/// what the finding itself says, and helped by its help.
fn unregistered_rule(diagnostic: &Diagnostic) -> Rule {
    let name = diagnostic.name.to_string();
    let help = diagnostic
        .help
        .as_deref()
        .map_or_else(|| name.clone(), str::to_string);
    let tags = if diagnostic.code.contains('/') {
        vec!["rule-pack"]
    } else {
        Vec::new()
    };
    Rule {
        id: diagnostic.code.to_string(),
        name: name.clone(),
        short_description: Text { text: name.clone() },
        full_description: Text {
            text: diagnostic.message.clone(),
        },
        help: Help {
            text: help.clone(),
            markdown: help,
        },
        default_configuration: Configuration {
            level: level(diagnostic.severity),
        },
        properties: RuleProperties { tags },
    }
}

/// The `## What it does` section of a code's documentation as one
/// paragraph, cut to GitHub's limit.
fn full_description(documentation: &str) -> Option<String> {
    let section = documentation.split("## What it does").nth(1)?;
    let section = section.split("\n## ").next().unwrap_or(section);
    let text = section.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return None;
    }
    if text.chars().count() <= DESCRIPTION_LIMIT {
        return Some(text);
    }
    let mut cut: String = text.chars().take(DESCRIPTION_LIMIT - 1).collect();
    cut.push('…');
    Some(cut)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_description_is_the_first_section() {
        let docs = "## What it does\nReports a\nrule.\n\nMore.\n## Why is this bad?\nBecause.\n";
        assert_eq!(
            full_description(docs).as_deref(),
            Some("Reports a rule. More.")
        );
        assert_eq!(full_description("no sections"), None);
        let long = format!("## What it does\n{}\n", "word ".repeat(400));
        let cut = full_description(&long).expect("cut");
        assert_eq!(cut.chars().count(), DESCRIPTION_LIMIT);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn every_code_has_a_described_rule() {
        for meta in registry::all() {
            let rule = rule_of(meta);
            assert!(!rule.short_description.text.is_empty(), "{}", meta.code);
            assert!(
                rule.full_description.text.chars().count() <= DESCRIPTION_LIMIT,
                "{}",
                meta.code
            );
            assert!(!rule.help.text.is_empty(), "{}", meta.code);
        }
    }

    #[test]
    fn levels_follow_severity() {
        assert_eq!(level(Severity::Error), "error");
        assert_eq!(level(Severity::Warning), "warning");
        assert_eq!(level(Severity::Info), "note");
    }
}
