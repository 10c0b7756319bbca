//! Every code on its fixtures: `tests/fixtures/lints/<name>/invalid.*`
//! must produce exactly the findings its `# ~^ name` markers announce (a
//! marker points at the line above it), `valid.*` must produce none, and
//! what users see of the invalid file is snapshot-tested.

use std::path::{Path, PathBuf};

use fwlint::diagnostics::Diagnostic;
use fwlint::engine::{self, FileReport, Input, Settings};
use fwlint::output::{self, FileOutput, Format, Run, Style};
use fwlint::source::SourceFile;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/lints")
}

/// The names of the fixture directories.
pub fn fixture_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("fixtures exist")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .collect();
    names.sort();
    names
}

fn files_of(name: &str, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(fixtures().join(name))
        .expect("fixture dir")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.file_name()
                .is_some_and(|file| file.to_string_lossy().starts_with(prefix))
        })
        .collect();
    files.sort();
    files
}

/// Lints one fixture file (paired with `rules.v4` beside it, if any) and
/// returns its report.
fn lint(path: &Path) -> FileReport {
    let bytes = std::fs::read(path).expect("fixture readable");
    let text = engine::decode(bytes);
    let fragment = text.starts_with("# fwlint-test: --fragment");
    let name = format!(
        "{}/{}",
        path.parent()
            .and_then(Path::file_name)
            .expect("dir")
            .to_string_lossy(),
        path.file_name().expect("file").to_string_lossy()
    );
    let mut inputs = vec![Input::Stdin {
        name: name.clone(),
        text,
    }];
    let mut settings = Settings {
        fragment,
        host: host_profile(&text_of(&inputs[0])),
        ..Settings::default()
    };
    let partner = path.with_file_name("rules.v4");
    if partner.exists() && partner != path {
        let partner_name = name
            .rsplit_once('/')
            .map_or("rules.v4".into(), |(dir, _)| format!("{dir}/rules.v4"));
        inputs.push(Input::Stdin {
            name: partner_name.clone(),
            text: std::fs::read_to_string(&partner).expect("partner readable"),
        });
        settings.pairs.push((partner_name, name));
    }
    engine::check_inputs_text(inputs, &settings).swap_remove(0)
}

fn text_of(input: &Input) -> String {
    match input {
        Input::Stdin { text, .. } => text.clone(),
        Input::File(path) => std::fs::read_to_string(path).expect("readable"),
    }
}

/// The host profile a fixture declares in a comment line such as
/// `# fwlint-host: services=tcp/5432,udp/161 trusted=10.0.0.0/8
/// addresses=203.0.113.1`.
pub fn host_profile(text: &str) -> fwlint::analysis::HostProfile {
    let mut profile = fwlint::analysis::HostProfile::default();
    let Some(line) = text
        .lines()
        .find_map(|line| line.strip_prefix("# fwlint-host:"))
    else {
        return profile;
    };
    for field in line.split_whitespace() {
        let (key, values) = field.split_once('=').expect("key=value");
        for value in values.split(',') {
            match key {
                "services" => profile
                    .services
                    .push(fwlint::analysis::Service::parse(value).expect("service")),
                "trusted" => profile
                    .trusted
                    .push(fwlint::cli::parse_network(value).expect("network")),
                "addresses" => profile
                    .addresses
                    .push(fwlint::cli::parse_network(value).expect("address")),
                other => panic!("unknown fixture host key `{other}`"),
            }
        }
    }
    profile
}

fn markers(source: &SourceFile, name: &str) -> Vec<(usize, String)> {
    if source.text().contains('\0') {
        // A binary file has no room for markers: its one finding is at the
        // start.
        return vec![(1, name.to_string())];
    }
    let mut expected = Vec::new();
    let mut last_content = 0;
    for (index, line) in source.text().lines().enumerate() {
        let line_number = index + 1;
        if let Some(rest) = line.trim_end_matches('\r').strip_prefix("# ~^ ") {
            expected.push((last_content, rest.trim().to_string()));
        } else {
            last_content = line_number;
        }
    }
    expected.sort();
    expected
}

fn found(report: &FileReport, name: &str) -> Vec<(usize, String)> {
    let mut found: Vec<(usize, String)> = report
        .diagnostics
        .iter()
        .filter(|d| d.name == name)
        .map(|d| {
            (
                report.source.line_col(d.span.start).line,
                d.name.to_string(),
            )
        })
        .collect();
    found.sort();
    found
}

/// What users see of `diagnostics`, rendered with fixed settings.
pub fn render(report: &FileReport, diagnostics: &[Diagnostic]) -> String {
    let files = [FileOutput {
        source: &report.source,
        family: report.family.as_str(),
        loadable: report.loadable,
        rules: report.rules(),
        diagnostics,
        baselined: &[],
    }];
    let sources = [report.source.clone()];
    let run = Run {
        files: &files,
        sources: &sources,
        root: None,
    };
    let mut out = Vec::new();
    output::write(
        Format::Full,
        &run,
        Style {
            color: false,
            width: 100,
        },
        &mut out,
    )
    .expect("rendered");
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn every_fixture_reports_exactly_its_markers() {
    let mut failures = Vec::new();
    let mut snapshots = Vec::new();
    for name in fixture_names() {
        for path in files_of(&name, "invalid") {
            let report = lint(&path);
            let expected = markers(&report.source, &name);
            let actual = found(&report, &name);
            if expected.is_empty() {
                failures.push(format!("{}: no `# ~^ {name}` marker", path.display()));
            }
            if expected != actual {
                failures.push(format!(
                    "{}: expected {expected:?}, found {actual:?}; all: {:?}",
                    path.display(),
                    report
                        .diagnostics
                        .iter()
                        .map(|d| format!(
                            "{}:{}",
                            report.source.line_col(d.span.start).line,
                            d.name
                        ))
                        .collect::<Vec<_>>()
                ));
            }
            let mine: Vec<Diagnostic> = report
                .diagnostics
                .iter()
                .filter(|d| d.name == name)
                .cloned()
                .collect();
            let file = path
                .file_name()
                .expect("file")
                .to_string_lossy()
                .replace('.', "_");
            let snapshot = format!(
                "# Input\n{}\n# Diagnostics\n{}",
                report.source.text().replace('\r', "\\r"),
                render(&report, &mine)
            );
            snapshots.push((format!("{name}__{file}"), snapshot));
        }
        for path in files_of(&name, "valid") {
            let report = lint(&path);
            let actual = found(&report, &name);
            if !actual.is_empty() {
                failures.push(format!(
                    "{}: must stay silent, found {actual:?}",
                    path.display()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
    for (name, snapshot) in snapshots {
        insta::with_settings!({snapshot_path => "snapshots/lints", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}
