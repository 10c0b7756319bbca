//! Running the examples a pack embeds: each `triggers` text must make its
//! rule report at least one finding, each `silent` text none, and every
//! example must be a file iptables-restore would load (no reader error),
//! so that a pack's tests cannot pass on a typo.

use super::{Example, Pack, PackRule};
use crate::diagnostics::Severity;
use crate::engine::{self, Settings};
use crate::parser::codes;
use crate::source::SourceFile;

/// What an example expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExampleKind {
    Triggers,
    Silent,
}

impl ExampleKind {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            ExampleKind::Triggers => "triggers",
            ExampleKind::Silent => "silent",
        }
    }
}

/// The result of one example.
#[derive(Debug, Clone)]
pub struct ExampleOutcome {
    /// The rule's code, `pack/rule`.
    pub code: String,
    pub kind: ExampleKind,
    /// The 1-based line of the example's text in the pack.
    pub line: usize,
    /// `None` when it passed; otherwise why not.
    pub failure: Option<String>,
}

impl ExampleOutcome {
    #[must_use]
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }
}

/// Runs every example of every rule of `pack`.
#[must_use]
pub fn run_examples(pack: &Pack) -> Vec<ExampleOutcome> {
    let mut outcomes = Vec::new();
    for rule in &pack.rules {
        for example in &rule.examples {
            outcomes.push(ExampleOutcome {
                code: rule.code.clone(),
                kind: example.kind,
                line: example.line,
                failure: run_one(pack, rule, example).err(),
            });
        }
    }
    outcomes
}

fn run_one(pack: &Pack, rule: &PackRule, example: &Example) -> Result<(), String> {
    let alone = Pack {
        name: pack.name.clone(),
        description: None,
        origin: pack.origin.clone(),
        rules: vec![rule.clone()],
    };
    let mut settings = Settings {
        family: example.family,
        packs: std::sync::Arc::new(vec![alone]),
        ..Settings::default()
    };
    settings.host.services.clone_from(&example.listening);
    let report = engine::check_source(SourceFile::new("example", example.text.clone()), &settings);
    if let Some(error) = report.diagnostics.iter().find(|diagnostic| {
        diagnostic.severity == Severity::Error
            && codes::ALL.iter().any(|meta| meta.code == diagnostic.code)
    }) {
        let line = report.source.line_col(error.span.start).line;
        return Err(format!(
            "the example does not load: line {line}: {}",
            error.message
        ));
    }
    let findings: Vec<String> = report
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.code == rule.code)
        .map(|diagnostic| {
            format!(
                "line {}: {}",
                report.source.line_col(diagnostic.span.start).line,
                diagnostic.message
            )
        })
        .collect();
    match (example.kind, findings.is_empty()) {
        (super::ExampleKind::Triggers, true) => Err("expected a finding, got none".to_string()),
        (super::ExampleKind::Silent, false) => Err(format!(
            "expected no finding, got {}: {}",
            findings.len(),
            findings.join("; ")
        )),
        _ => Ok(()),
    }
}
