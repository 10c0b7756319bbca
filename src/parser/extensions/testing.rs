//! Helpers for the unit tests of extension files: read a one-rule file and
//! look at the verdict, the diagnostics and the parsed rule.

use crate::diagnostics::{Diagnostic, Severity};
use crate::model::{Extension, Family, Rule, TargetKind};
use crate::parser::{ReadOptions, read};
use crate::source::SourceFile;

/// Reads `*TABLE / -A CHAIN RULE / COMMIT` (user chains are declared).
#[must_use]
pub fn load(
    family: Family,
    table: &str,
    chain: &str,
    rule: &str,
) -> (bool, Vec<Diagnostic>, Option<Rule>) {
    let builtin = crate::model::TableKind::parse(table)
        .is_some_and(|kind| kind.builtin_hook(chain).is_some());
    let declare = if builtin {
        String::new()
    } else {
        format!(":{chain} - [0:0]\n")
    };
    let text = format!("*{table}\n{declare}-A {chain} {rule}\nCOMMIT\n");
    let file = SourceFile::new("test.rules", text);
    let result = read(
        &file,
        &ReadOptions {
            family: Some(family),
            fragment: false,
        },
    );
    let rule = result
        .ruleset
        .tables
        .iter()
        .flat_map(|table| &table.chains)
        .find(|c| c.name == chain)
        .and_then(|c| c.rules.first().cloned());
    (result.loadable, result.diagnostics, rule)
}

fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| format!("{} {}: {}", d.severity, d.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts that iptables would load `rule` in `filter INPUT` for `family`,
/// and returns the rule.
#[track_caller]
pub fn accepts_in(family: Family, table: &str, chain: &str, rule: &str) -> Rule {
    let (loadable, diagnostics, parsed) = load(family, table, chain, rule);
    assert!(
        loadable,
        "expected `{rule}` to load in {table} {chain} ({family:?}), got:\n{}",
        describe(&diagnostics)
    );
    parsed.expect("a loadable rule is in its chain")
}

/// Asserts that iptables would refuse `rule`, with an error whose message
/// contains `expected`.
#[track_caller]
pub fn refuses_in(family: Family, table: &str, chain: &str, rule: &str, expected: &str) {
    let (loadable, diagnostics, _) = load(family, table, chain, rule);
    assert!(
        !loadable,
        "expected `{rule}` to be refused in {table} {chain} ({family:?})"
    );
    assert!(
        diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error && d.message.contains(expected)),
        "expected an error containing {expected:?} for `{rule}`, got:\n{}",
        describe(&diagnostics)
    );
}

#[track_caller]
pub fn accepts(rule: &str) -> Rule {
    accepts_in(Family::V4, "filter", "INPUT", rule)
}

#[track_caller]
pub fn accepts6(rule: &str) -> Rule {
    accepts_in(Family::V6, "filter", "INPUT", rule)
}

#[track_caller]
pub fn refuses(rule: &str, expected: &str) {
    refuses_in(Family::V4, "filter", "INPUT", rule, expected);
}

#[track_caller]
pub fn refuses6(rule: &str, expected: &str) {
    refuses_in(Family::V6, "filter", "INPUT", rule, expected);
}

/// Warnings (not errors) reported for a rule that loads.
#[must_use]
pub fn warnings(family: Family, rule: &str) -> Vec<Diagnostic> {
    let (_, diagnostics, _) = load(family, "filter", "INPUT", rule);
    diagnostics
        .into_iter()
        .filter(|d| d.severity != Severity::Error)
        .collect()
}

/// The first match extension called `name` of `rule`.
#[track_caller]
#[must_use]
pub fn match_named<'r>(rule: &'r Rule, name: &str) -> &'r Extension {
    rule.matches
        .iter()
        .find(|m| m.name == name)
        .unwrap_or_else(|| panic!("the rule has no `{name}` match: {rule:?}"))
}

/// The target extension of `rule`.
#[track_caller]
#[must_use]
pub fn target(rule: &Rule) -> &Extension {
    match &rule.target.kind {
        TargetKind::Extension(extension) => extension,
        other => panic!("the rule has no target extension: {other:?}"),
    }
}

/// The source text that the first error of `rule` (in `filter INPUT`)
/// points at.
#[must_use]
pub fn error_text(family: Family, rule: &str) -> String {
    let text = format!("*filter\n-A INPUT {rule}\nCOMMIT\n");
    let (_, diagnostics, _) = load(family, "filter", "INPUT", rule);
    diagnostics
        .iter()
        .find(|d| d.severity == Severity::Error)
        .and_then(|d| text.get(d.span.range()))
        .unwrap_or("")
        .to_string()
}
