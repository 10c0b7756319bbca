//! Invariants of the set of codes that keep the suite honest as it grows:
//! unique codes and names, documentation with the fixed headings, examples
//! that do what they say, a fixture directory per code, and message style.

use fwlint::diagnostics::Severity;
use fwlint::registry;

use crate::lints::fixture_names;
use crate::support;

#[test]
fn codes_and_names_are_unique_and_well_formed() {
    let metas = registry::all();
    let mut codes = std::collections::HashSet::new();
    let mut names = std::collections::HashSet::new();
    for meta in &metas {
        assert!(codes.insert(meta.code), "code {} is used twice", meta.code);
        assert!(names.insert(meta.name), "name {} is used twice", meta.name);
        let digits = meta.code.strip_prefix("FW").expect("codes start with FW");
        assert!(
            digits.len() == 3 && digits.bytes().all(|b| b.is_ascii_digit()),
            "{}",
            meta.code
        );
        assert!(
            meta.name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !meta.name.starts_with('-')
                && !meta.name.ends_with('-'),
            "{} is not kebab-case",
            meta.name
        );
        assert!(
            !meta.summary.ends_with('.'),
            "{}: summary ends with a period",
            meta.name
        );
    }
}

#[test]
fn every_code_is_documented_with_the_fixed_headings() {
    for meta in registry::all() {
        let docs = meta.documentation();
        for heading in [
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
        ] {
            assert!(
                docs.contains(heading),
                "{}: documentation lacks `{heading}`",
                meta.name
            );
        }
        assert_eq!(
            meta.default_severity(),
            meta.severity
                .unwrap_or_else(|| meta.category.default_severity())
        );
    }
}

/// The first ```iptables block after `marker` in `docs`.
fn block_after(docs: &str, marker: &str) -> Option<String> {
    let start = docs.find(marker)?;
    let rest = &docs[start..];
    let open = rest.find("```iptables\n")?;
    let body = &rest[open + "```iptables\n".len()..];
    let close = body.find("```")?;
    let next_heading = rest[..open]
        .find("\nUse instead:")
        .filter(|_| marker == "## Example");
    if next_heading.is_some() {
        return None;
    }
    Some(body[..close].to_string())
}

#[test]
fn documentation_examples_do_what_they_say() {
    for meta in registry::all() {
        let docs = meta.documentation();
        let check = |text: &str| {
            let name = if text.starts_with("# ipv6") {
                "doc.v6"
            } else {
                "doc.v4"
            };
            fwlint::engine::check_source(
                fwlint::source::SourceFile::new(name, text),
                &fwlint::engine::Settings {
                    fragment: text.starts_with("# with --fragment"),
                    host: crate::lints::host_profile(text),
                    ..fwlint::engine::Settings::default()
                },
            )
        };
        if let Some(example) = block_after(&docs, "## Example") {
            let report = check(&example);
            assert!(
                report.diagnostics.iter().any(|d| d.name == meta.name),
                "{}: the Example does not trigger it: {:?}",
                meta.name,
                report
                    .diagnostics
                    .iter()
                    .map(|d| (&d.name, &d.message))
                    .collect::<Vec<_>>()
            );
        }
        if let Some(fixed) = block_after(&docs, "Use instead:") {
            let report = check(&fixed);
            assert!(
                report.diagnostics.iter().all(|d| d.name != meta.name),
                "{}: the `Use instead` example still triggers it",
                meta.name
            );
        }
    }
}

#[test]
fn every_code_has_fixtures_and_every_fixture_a_code() {
    let fixtures = fixture_names();
    for meta in registry::all() {
        assert!(
            fixtures.iter().any(|name| name == meta.name),
            "{} has no fixture directory",
            meta.name
        );
    }
    for name in &fixtures {
        assert!(
            registry::find(name).is_some(),
            "fixture directory {name} names no code"
        );
    }
}

#[test]
fn messages_follow_the_style() {
    for name in fixture_names() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/lints")
            .join(&name);
        for entry in std::fs::read_dir(dir).expect("fixture dir").flatten() {
            let text = fwlint::engine::decode(std::fs::read(entry.path()).expect("readable"));
            let report = support::check(&entry.file_name().to_string_lossy(), &text, None);
            for diagnostic in &report.diagnostics {
                let message = &diagnostic.message;
                assert!(
                    !message.ends_with('.'),
                    "{}: message ends with a period: {message}",
                    diagnostic.name
                );
                let first_word = message.split_whitespace().next().unwrap_or("");
                let acronym = first_word.chars().filter(char::is_ascii_uppercase).count() > 1
                    || first_word.chars().any(|c| c.is_ascii_digit());
                let first = message.chars().next().unwrap_or('a');
                assert!(
                    !first.is_uppercase() || acronym,
                    "{}: message starts with a capital: {message}",
                    diagnostic.name
                );
                if let Some(help) = &diagnostic.help {
                    assert!(
                        !help.ends_with('.'),
                        "{}: help ends with a period: {help}",
                        diagnostic.name
                    );
                }
                assert!(diagnostic.severity >= Severity::Info);
            }
        }
    }
}
