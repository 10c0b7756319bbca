//! The output formats and reporting options as users run them: SARIF
//! checked against the official SARIF 2.1.0 schema, GitHub annotations and
//! the step summary, baselines, `--output`, colour and `--statistics`.
//! Expected values come from fwlint's own JSON report of the same run, never
//! from numbers written here.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use fwlint::diagnostics::{Diagnostic, Label};
use fwlint::engine::FileReport;
use fwlint::output::{self, FileOutput, Format, Run, Style};
use fwlint::parser::codes;
use fwlint::source::{SourceFile, Span};
use serde_json::Value;

use crate::support;

/// Variables that change what fwlint writes; every run starts without them.
const ENVIRONMENT: [&str; 6] = [
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "FORCE_COLOR",
    "NO_COLOR",
    "CLICOLOR_FORCE",
    "TERM",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs fwlint in `dir` with `env` as the only output-related variables.
fn fwlint_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fwlint"));
    command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for name in ENVIRONMENT {
        command.env_remove(name);
    }
    command.envs(env.iter().copied());
    command.output().expect("fwlint runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("utf-8 output")
}

fn json_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|error| panic!("not JSON ({error}):\n{text}"))
}

const EXAMPLES: [&str; 3] = [
    "examples/nat-router.rules",
    "examples/server.rules",
    "examples/ipv6-host.v6",
];

fn examples_with(format: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--format", format];
    args.extend_from_slice(extra);
    args.extend_from_slice(&EXAMPLES);
    fwlint_in(manifest_dir(), &args, &[])
}

// ---------------------------------------------------------------- SARIF

/// The official SARIF 2.1.0 schema (see `tests/data/sarif/README.md`),
/// compiled once, with `format` checked (`uri`, `uri-reference`).
fn sarif_validator() -> &'static jsonschema::Validator {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    VALIDATOR.get_or_init(|| {
        let path = manifest_dir().join("tests/data/sarif/sarif-schema-2.1.0.json");
        let mut schema = json_of(&std::fs::read_to_string(path).expect("schema readable"));
        let corrected = apply_errata_language_pattern(&mut schema);
        assert_eq!(corrected, 2, "the schema's two `language` patterns");
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .expect("the SARIF schema compiles")
    })
}

/// The 2.1.0 schema's `language` pattern has a stray `]`, which is no
/// valid regular expression, so a validator that checks the schema refuses
/// it. SARIF 2.1.0 Errata 01 corrected it to the pattern used here (fwlint
/// never writes `language`). Returns how many patterns it corrected.
fn apply_errata_language_pattern(schema: &mut Value) -> usize {
    const BROKEN: &str = "^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$";
    const ERRATA_01: &str = "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$";
    match schema {
        Value::Object(object) => {
            let mut corrected = 0;
            for (key, value) in object.iter_mut() {
                if key == "pattern" && value == BROKEN {
                    *value = ERRATA_01.into();
                    corrected += 1;
                } else {
                    corrected += apply_errata_language_pattern(value);
                }
            }
            corrected
        }
        Value::Array(items) => items.iter_mut().map(apply_errata_language_pattern).sum(),
        _ => 0,
    }
}

fn schema_errors(document: &Value) -> Vec<String> {
    sarif_validator()
        .iter_errors(document)
        .map(|error| format!("{error} (at {})", error.instance_path()))
        .collect()
}

/// Valid against the schema, and what GitHub code scanning needs beyond
/// it.
fn assert_valid_sarif(document: &Value) {
    let errors = schema_errors(document);
    assert!(
        errors.is_empty(),
        "SARIF fails the schema:\n{}\n{document:#}",
        errors.join("\n")
    );
    let run = &document["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().expect("rules");
    let mut ids: Vec<&str> = rules
        .iter()
        .map(|rule| rule["id"].as_str().expect("id"))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), rules.len(), "rule ids are unique");
    for rule in rules {
        // GitHub refuses empty descriptions and ones over 1024 characters.
        for description in [
            &rule["shortDescription"]["text"],
            &rule["fullDescription"]["text"],
        ] {
            let description = description.as_str().expect("description");
            assert!(!description.is_empty() && description.chars().count() <= 1024);
        }
        assert!(!rule["help"]["text"].as_str().expect("help").is_empty());
    }
    let mut fingerprints = Vec::new();
    for result in run["results"].as_array().expect("results") {
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(
            rules[index]["id"], result["ruleId"],
            "ruleIndex points at the rule ruleId names"
        );
        let location = &result["locations"][0]["physicalLocation"];
        let uri = location["artifactLocation"]["uri"].as_str().expect("uri");
        assert!(!uri.starts_with("./") && !uri.contains('\\'), "{uri}");
        let region = &location["region"];
        if region["startLine"] == region["endLine"] {
            assert!(region["endColumn"].as_u64() >= region["startColumn"].as_u64());
        }
        fingerprints.push(
            result["partialFingerprints"]["fwlintFingerprint/v1"]
                .as_str()
                .expect("fingerprint")
                .to_string(),
        );
    }
    let count = fingerprints.len();
    fingerprints.sort();
    fingerprints.dedup();
    assert_eq!(
        fingerprints.len(),
        count,
        "fingerprints are unique in a run"
    );
}

fn sarif_level(severity: &Value) -> &'static str {
    match severity.as_str() {
        Some("error") => "error",
        Some("warning") => "warning",
        Some("info") => "note",
        other => panic!("unknown severity {other:?}"),
    }
}

/// Each SARIF result says what the JSON report says of the same finding.
fn assert_sarif_matches_json(sarif: &Value, json: &Value) {
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(results.len(), diagnostics.len());
    assert!(!results.is_empty());
    for (result, diagnostic) in results.iter().zip(diagnostics) {
        assert_eq!(result["ruleId"], diagnostic["code"]);
        assert_eq!(result["level"], sarif_level(&diagnostic["severity"]));
        let message = result["message"]["text"].as_str().expect("message");
        assert!(message.starts_with(diagnostic["message"].as_str().expect("message")));
        let physical = &result["locations"][0]["physicalLocation"];
        assert_eq!(physical["artifactLocation"]["uri"], diagnostic["path"]);
        assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
        let region = &physical["region"];
        assert_eq!(region["startLine"], diagnostic["line"]);
        assert_eq!(region["startColumn"], diagnostic["column"]);
        assert_eq!(region["endLine"], diagnostic["end_line"]);
        assert_eq!(region["endColumn"], diagnostic["end_column"]);
        assert_eq!(
            result["partialFingerprints"]["fwlintFingerprint/v1"],
            diagnostic["fingerprint"]
        );
        let labels = diagnostic["labels"].as_array().expect("labels");
        let related = result["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        assert_eq!(related.len(), labels.len());
        for (related, label) in related.iter().zip(labels) {
            assert_eq!(related["message"]["text"], label["message"]);
            let physical = &related["physicalLocation"];
            assert_eq!(physical["artifactLocation"]["uri"], label["path"]);
            assert_eq!(physical["region"]["startLine"], label["line"]);
            assert_eq!(physical["region"]["startColumn"], label["column"]);
        }
        let suppression = result["suppressions"][0]["kind"].clone();
        assert_eq!(suppression, diagnostic["suppression"]);
        assert_eq!(diagnostic["suppressed"], !suppression.is_null());
    }
}

#[test]
fn sarif_of_the_examples_is_valid_and_says_what_json_says() {
    let sarif = examples_with("sarif", &[]);
    assert_eq!(sarif.status.code(), Some(1), "the examples have errors");
    let sarif = json_of(&stdout(&sarif));
    assert_valid_sarif(&sarif);
    assert_eq!(sarif["version"], "2.1.0");
    let driver = &sarif["runs"][0]["tool"]["driver"];
    assert_eq!(driver["name"], "fwlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let json = json_of(&stdout(&examples_with("json", &[])));
    assert_sarif_matches_json(&sarif, &json);
    // Every rule comes from the registry, with its documentation.
    for rule in driver["rules"].as_array().expect("rules") {
        let code = rule["id"].as_str().expect("id");
        let doc = json_of(&stdout(&fwlint_in(
            manifest_dir(),
            &["rule", code, "--format", "json"],
            &[],
        )));
        assert_eq!(rule["name"], doc["name"]);
        assert_eq!(rule["shortDescription"]["text"], doc["summary"]);
        assert_eq!(rule["help"]["markdown"], doc["explanation"]);
        assert_eq!(
            rule["defaultConfiguration"]["level"],
            sarif_level(&doc["severity"])
        );
        assert_eq!(rule["properties"]["tags"][0], doc["category"]);
    }
}

#[test]
fn sarif_snapshot_of_a_server() {
    let output = fwlint_in(
        manifest_dir(),
        &["--format", "sarif", "examples/server.rules"],
        &[],
    );
    let text = stdout(&output).replace(
        &format!("\"{}\"", env!("CARGO_PKG_VERSION")),
        "\"[version]\"",
    );
    insta::with_settings!({snapshot_path => "snapshots/output", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("sarif_server", text);
    });
}

/// Diagnostics of the shadowed-rule fixture (secondary labels), with one
/// suppressed in the source, one matched by a baseline, and one label in
/// another file.
fn labelled_run_parts() -> (FileReport, SourceFile, Vec<bool>) {
    let path = manifest_dir().join("tests/fixtures/lints/shadowed-rule/invalid.rules");
    let text = std::fs::read_to_string(path).expect("fixture");
    let mut report = support::check("rules/shadowed.rules", &text, None);
    let other = SourceFile::new("rules/other.v6", "*filter\n-A INPUT -j ACCEPT\nCOMMIT\n");
    let labelled: Vec<usize> = report
        .diagnostics
        .iter()
        .enumerate()
        .filter(|(_, d)| !d.labels.is_empty())
        .map(|(index, _)| index)
        .collect();
    assert!(labelled.len() >= 2, "the fixture has labelled findings");
    report.diagnostics[labelled[0]].suppressed = true;
    report.diagnostics[labelled[1]].suppressed = true;
    report.diagnostics[labelled[1]].labels.push(Label {
        span: other.line_span(2),
        message: "the IPv6 file accepts it".into(),
        path: Some(other.name().to_string()),
    });
    let mut baselined = vec![false; report.diagnostics.len()];
    baselined[labelled[1]] = true;
    (report, other, baselined)
}

fn render(format: Format, files: &[FileOutput<'_>], sources: &[SourceFile], root: &Path) -> String {
    let run = Run {
        files,
        sources,
        root: Some(root),
    };
    let mut out = Vec::new();
    output::write(
        format,
        &run,
        Style {
            color: false,
            width: 100,
        },
        &mut out,
    )
    .expect("written");
    String::from_utf8(out).expect("utf-8")
}

fn file_output<'a>(report: &'a FileReport, baselined: &'a [bool]) -> FileOutput<'a> {
    FileOutput {
        source: &report.source,
        family: report.family.as_str(),
        loadable: report.loadable,
        rules: report.rules(),
        diagnostics: &report.diagnostics,
        baselined,
    }
}

#[test]
fn sarif_keeps_suppressed_findings_and_related_locations() {
    let (report, other, baselined) = labelled_run_parts();
    let files = [file_output(&report, &baselined)];
    let sources = [report.source.clone(), other];
    let root = Path::new("/work/repo");
    let sarif = json_of(&render(Format::Sarif, &files, &sources, root));
    assert_valid_sarif(&sarif);
    let json = json_of(&render(Format::Json, &files, &sources, root));
    assert_sarif_matches_json(&sarif, &json);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(
        results.len(),
        report.diagnostics.len(),
        "nothing is dropped"
    );
    let kinds: Vec<&str> = results
        .iter()
        .filter_map(|result| result["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["inSource", "external"]);
    let elsewhere = results
        .iter()
        .flat_map(|result| result["relatedLocations"].as_array().into_iter().flatten())
        .find(|related| related["message"]["text"] == "the IPv6 file accepts it")
        .expect("the label in the other file");
    assert_eq!(
        elsewhere["physicalLocation"]["artifactLocation"]["uri"],
        "rules/other.v6"
    );
    assert_eq!(elsewhere["physicalLocation"]["region"]["startLine"], 2);
}

#[test]
fn sarif_names_files_outside_the_root_by_absolute_uri() {
    let source = SourceFile::new("/etc/iptables/my rules.v4", "*filter\n-A INPUT -j X\n");
    let diagnostics = [Diagnostic::new(
        &codes::INVALID_VALUE,
        source.line_span(2),
        "bad",
    )];
    let files = [FileOutput {
        source: &source,
        family: "ipv4",
        loadable: false,
        rules: 1,
        diagnostics: &diagnostics,
        baselined: &[],
    }];
    let sarif = json_of(&render(
        Format::Sarif,
        &files,
        std::slice::from_ref(&source),
        Path::new("/work/repo"),
    ));
    assert_valid_sarif(&sarif);
    let artifact =
        &sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(artifact["uri"], "file:///etc/iptables/my%20rules.v4");
    assert!(artifact["uriBaseId"].is_null());
}

/// The validator is not a rubber stamp: each of these breaks the schema.
#[test]
fn the_schema_refuses_broken_sarif() {
    let valid = json_of(&stdout(&fwlint_in(
        manifest_dir(),
        &["--format", "sarif", "examples/server.rules"],
        &[],
    )));
    assert!(schema_errors(&valid).is_empty());
    type Breakage = (&'static str, fn(&mut Value));
    let breakages: [Breakage; 5] = [
        ("version 2.0.0", |sarif| sarif["version"] = "2.0.0".into()),
        ("level info", |sarif| {
            sarif["runs"][0]["results"][0]["level"] = "info".into();
        }),
        ("no message", |sarif| {
            sarif["runs"][0]["results"][0]
                .as_object_mut()
                .expect("result")
                .remove("message");
        }),
        ("column 0", |sarif| {
            sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] =
                0.into();
        }),
        ("suppression kind", |sarif| {
            sarif["runs"][0]["results"][0]["suppressions"] =
                serde_json::json!([{"kind": "baseline"}]);
        }),
    ];
    for (name, breakage) in breakages {
        let mut broken = valid.clone();
        breakage(&mut broken);
        assert!(
            !schema_errors(&broken).is_empty(),
            "{name} passed the schema"
        );
    }
}

// ---------------------------------------------------------------- GitHub

/// `(level, properties, message)` of each workflow command in `text`.
fn annotations(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("::")?;
            let (command, message) = rest.split_once("::")?;
            let (level, properties) = command.split_once(' ')?;
            Some((
                level.to_string(),
                properties.to_string(),
                message.to_string(),
            ))
        })
        .collect()
}

fn property<'a>(properties: &'a str, name: &str) -> Option<&'a str> {
    properties
        .split(',')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
}

#[test]
fn github_annotations_are_most_severe_first_and_read_well_in_logs() {
    let output = examples_with("github", &[]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    let found = annotations(&text);
    let json = json_of(&stdout(&examples_with("json", &[])));
    let diagnostics = json["diagnostics"].as_array().expect("diagnostics");
    assert_eq!(found.len(), diagnostics.len());
    let rank = |level: &str| match level {
        "error" => 0,
        "warning" => 1,
        "notice" => 2,
        other => panic!("unknown level {other}"),
    };
    let ranks: Vec<i32> = found.iter().map(|(level, _, _)| rank(level)).collect();
    assert!(ranks.windows(2).all(|pair| pair[0] <= pair[1]), "{ranks:?}");
    assert!(ranks.contains(&0) && ranks.contains(&1) && ranks.contains(&2));
    for (level, properties, message) in &found {
        let file = property(properties, "file").expect("file");
        let line = property(properties, "line").expect("line");
        let column = property(properties, "col").expect("single-line spans have columns");
        let diagnostic = diagnostics
            .iter()
            .find(|d| {
                d["path"] == file
                    && d["line"].as_u64() == line.parse().ok()
                    && d["column"].as_u64() == column.parse().ok()
                    && message.contains(d["message"].as_str().expect("message"))
            })
            .unwrap_or_else(|| panic!("no finding for {properties} {message}"));
        assert_eq!(
            rank(level),
            rank(match diagnostic["severity"].as_str() {
                Some("info") => "notice",
                Some(other) => other,
                None => panic!("severity"),
            })
        );
        assert!(message.starts_with(&format!(
            "{file}:{line}:{column}: {} ",
            diagnostic["code"].as_str().expect("code")
        )));
        assert_eq!(
            property(properties, "title"),
            Some(
                format!(
                    "fwlint {} {}",
                    diagnostic["code"].as_str().expect("code"),
                    diagnostic["name"].as_str().expect("name")
                )
                .as_str()
            )
        );
        assert_eq!(
            property(properties, "endColumn"),
            Some(diagnostic["end_column"].to_string().as_str())
        );
        assert!(!file.starts_with("./") && !file.starts_with('/'));
    }
    insta::with_settings!({snapshot_path => "snapshots/output", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("github_examples", text);
    });
}

#[test]
fn github_annotations_escape_and_drop_columns_over_several_lines() {
    let source = SourceFile::new(
        "odd,name:dir/rules.v4",
        "*filter\n-A INPUT -j X\n-A INPUT -j Y\nCOMMIT\n",
    );
    let two_lines = Span::new(source.line_span(2).start, source.line_span(3).end);
    let diagnostics = [
        Diagnostic::new(&codes::INVALID_VALUE, two_lines, "50% of\nthe rules")
            .with_help("split, then: retry"),
        Diagnostic::new(&codes::INVALID_VALUE, source.line_span(3), "one line"),
    ];
    let files = [FileOutput {
        source: &source,
        family: "ipv4",
        loadable: false,
        rules: 2,
        diagnostics: &diagnostics,
        baselined: &[],
    }];
    let text = render(
        Format::Github,
        &files,
        std::slice::from_ref(&source),
        Path::new("/work/repo"),
    );
    let lines: Vec<&str> = text.lines().filter(|line| line.starts_with("::")).collect();
    assert_eq!(
        lines,
        [
            "::error file=odd%2Cname%3Adir/rules.v4,line=2,endLine=3,title=fwlint FW003 invalid-value::\
             odd,name:dir/rules.v4:2:1: FW003 50%25 of%0Athe rules%0Ahelp: split, then: retry",
            "::error file=odd%2Cname%3Adir/rules.v4,line=3,endLine=3,col=1,endColumn=14,\
             title=fwlint FW003 invalid-value::odd,name:dir/rules.v4:3:1: FW003 one line",
        ]
    );
}

#[test]
fn auto_format_is_github_inside_github_actions_and_full_elsewhere() {
    let args = ["examples/server.rules"];
    let elsewhere = stdout(&fwlint_in(manifest_dir(), &args, &[]));
    let full = stdout(&fwlint_in(
        manifest_dir(),
        &["--format", "full", args[0]],
        &[],
    ));
    assert_eq!(elsewhere, full);
    assert!(!elsewhere.contains("\n::"));
    let inside = stdout(&fwlint_in(
        manifest_dir(),
        &args,
        &[("GITHUB_ACTIONS", "true")],
    ));
    let github = stdout(&fwlint_in(
        manifest_dir(),
        &["--format", "github", args[0]],
        &[],
    ));
    assert_eq!(inside, github);
    assert!(inside.starts_with("::error "));
}

#[test]
fn github_step_summary_is_appended() {
    let dir = tempfile::tempdir().expect("temp dir");
    let summary = dir.path().join("summary.md");
    std::fs::write(&summary, "previous step\n").expect("summary written");
    let summary_path = summary.to_string_lossy().into_owned();
    let mut args = vec!["--format", "github"];
    args.extend_from_slice(&EXAMPLES);
    let output = fwlint_in(
        manifest_dir(),
        &args,
        &[("GITHUB_STEP_SUMMARY", summary_path.as_str())],
    );
    assert_eq!(output.status.code(), Some(1));
    let text = std::fs::read_to_string(&summary).expect("summary readable");
    assert!(text.starts_with("previous step\n\n## fwlint\n"), "{text}");
    let json = json_of(&stdout(&examples_with("json", &[])));
    for (name, key) in [
        ("error", "errors"),
        ("warning", "warnings"),
        ("info", "infos"),
    ] {
        assert!(
            text.contains(&format!("| {name} | {} |", json["summary"][key])),
            "{name}: {text}"
        );
    }
    for diagnostic in json["diagnostics"].as_array().expect("diagnostics") {
        let row = format!(
            "| {}:{}:{} | {} {} |",
            diagnostic["path"].as_str().expect("path"),
            diagnostic["line"],
            diagnostic["column"],
            diagnostic["code"].as_str().expect("code"),
            diagnostic["name"].as_str().expect("name")
        );
        assert!(text.contains(&row), "{row} missing from\n{text}");
    }
    insta::with_settings!({snapshot_path => "snapshots/output", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("github_step_summary_examples", text);
    });
    // Without the variable, no summary; with another format, none either.
    std::fs::write(&summary, "").expect("summary emptied");
    fwlint_in(manifest_dir(), &args, &[]);
    fwlint_in(
        manifest_dir(),
        &["--format", "json", EXAMPLES[0]],
        &[("GITHUB_STEP_SUMMARY", summary_path.as_str())],
    );
    assert_eq!(std::fs::read_to_string(&summary).expect("summary"), "");
}

#[test]
fn step_summary_escapes_cells_and_stays_small() {
    let source = SourceFile::new("rules.v4", "*filter\n-A INPUT -j X\nCOMMIT\n");
    let long = "x".repeat(2000);
    let mut diagnostics = vec![Diagnostic::new(
        &codes::INVALID_VALUE,
        source.line_span(2),
        "`a|b` or\nc",
    )];
    diagnostics.extend(
        (0..5000)
            .map(|_| Diagnostic::new(&codes::INVALID_VALUE, source.line_span(2), long.clone())),
    );
    let files = [FileOutput {
        source: &source,
        family: "ipv4",
        loadable: false,
        rules: 1,
        diagnostics: &diagnostics,
        baselined: &[],
    }];
    let run = Run {
        files: &files,
        sources: std::slice::from_ref(&source),
        root: None,
    };
    let mut out = Vec::new();
    output::github::write_summary(&run, &mut out).expect("written");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("| rules.v4:2:1 | FW003 invalid-value | `a\\|b` or c |"));
    assert!(text.len() < 1024 * 1024, "{} bytes", text.len());
    assert!(text.contains("| FW003 | invalid-value | 5001 |"));
    assert!(text.contains("more not listed here"));
}

// ---------------------------------------------------------------- baselines

const HEADER: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n";
const CLEAN_RULES: &str = "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A INPUT -i lo -j ACCEPT\n-A INPUT -p icmp -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n";

/// Two rules that log without a rate limit (`log-without-limit`); as they
/// decide nothing, they can move without changing any other finding.
const BAD: &str =
    "-A INPUT -p tcp --dport 80 -j LOG\n-A INPUT -p udp --dport 53 -j LOG --log-prefix \"dns \"\n";

/// A rule file with `first` before the clean rules and `last` after them.
fn rules(first: &str, last: &str) -> String {
    format!("{HEADER}{first}{CLEAN_RULES}{last}COMMIT\n")
}

/// `(code, line)` of each finding, and whether it is suppressed.
fn findings(document: &Value) -> Vec<(String, u64, bool)> {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().expect("code").to_string(),
                d["line"].as_u64().expect("line"),
                d["suppressed"].as_bool().expect("suppressed"),
            )
        })
        .collect()
}

#[test]
fn a_baseline_accepts_known_findings_wherever_they_move() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("rules.v4");
    std::fs::write(&file, rules("", BAD)).expect("rules written");
    let before = fwlint_in(dir.path(), &["--format", "json", "rules.v4"], &[]);
    assert_eq!(before.status.code(), Some(1));
    let before = findings(&json_of(&stdout(&before)));
    assert!(before.len() >= 2, "{before:?}");

    let written = fwlint_in(
        dir.path(),
        &["--write-baseline", "fwlint.baseline.json", "rules.v4"],
        &[],
    );
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    assert!(written.stdout.is_empty());
    let baseline = json_of(
        &std::fs::read_to_string(dir.path().join("fwlint.baseline.json")).expect("baseline"),
    );
    assert_eq!(baseline["version"], 1);
    let entries = baseline["findings"].as_array().expect("findings");
    assert_eq!(entries.len(), before.len());
    for (entry, (code, line, _)) in entries.iter().zip(&before) {
        assert_eq!(entry["path"], "rules.v4");
        assert_eq!(entry["code"], code.as_str());
        assert_eq!(entry["line"], *line);
        assert_eq!(
            entry["fingerprint"].as_str().expect("fingerprint").len(),
            32
        );
    }

    // The same file: nothing new, nothing shown, exit 0.
    let args = [
        "--baseline",
        "fwlint.baseline.json",
        "--format",
        "concise",
        "rules.v4",
    ];
    let same = fwlint_in(dir.path(), &args, &[]);
    assert_eq!(same.status.code(), Some(0));
    assert_eq!(stdout(&same), "");

    // The problems move to the top of the chain: still accepted.
    std::fs::write(&file, rules(&format!("# moved\n\n{BAD}"), "")).expect("rules written");
    let moved = fwlint_in(
        dir.path(),
        &[
            "--baseline",
            "fwlint.baseline.json",
            "--format",
            "json",
            "rules.v4",
        ],
        &[],
    );
    assert_eq!(moved.status.code(), Some(0), "{}", stdout(&moved));
    let moved_json = json_of(&stdout(&moved));
    let moved = findings(&moved_json);
    let codes = |list: &[(String, u64, bool)]| {
        let mut codes: Vec<String> = list.iter().map(|(code, _, _)| code.clone()).collect();
        codes.sort();
        codes
    };
    assert_eq!(codes(&moved), codes(&before));
    assert_ne!(
        moved.iter().map(|(_, line, _)| *line).collect::<Vec<_>>(),
        before.iter().map(|(_, line, _)| *line).collect::<Vec<_>>(),
        "the findings moved"
    );
    assert!(moved.iter().all(|(_, _, suppressed)| *suppressed));
    for diagnostic in moved_json["diagnostics"].as_array().expect("diagnostics") {
        assert_eq!(diagnostic["suppression"], "external");
    }
    assert_eq!(moved_json["summary"]["warnings"], 0);

    // A new bad rule: only it is shown, and it fails the run.
    let new_rule = "-A INPUT -p tcp --dport 8080 -j LOG\n";
    std::fs::write(&file, rules(&format!("# moved\n\n{BAD}"), new_rule)).expect("rules written");
    let grown = fwlint_in(dir.path(), &args, &[]);
    assert_eq!(grown.status.code(), Some(1));
    let shown = stdout(&grown);
    let new_line = rules(&format!("# moved\n\n{BAD}"), new_rule)
        .lines()
        .position(|line| line == new_rule.trim_end())
        .expect("new rule")
        + 1;
    assert_eq!(shown.lines().count(), 1, "{shown}");
    assert!(
        shown.starts_with(&format!("rules.v4:{new_line}:")),
        "{shown}"
    );

    // SARIF keeps the accepted findings as external suppressions.
    let sarif = fwlint_in(
        dir.path(),
        &[
            "--baseline",
            "fwlint.baseline.json",
            "--format",
            "sarif",
            "rules.v4",
        ],
        &[],
    );
    let sarif = json_of(&stdout(&sarif));
    assert_valid_sarif(&sarif);
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let external = results
        .iter()
        .filter(|result| result["suppressions"][0]["kind"] == "external")
        .count();
    assert_eq!(external, before.len());
    assert_eq!(results.len(), before.len() + 1);
}

#[test]
fn a_missing_or_malformed_baseline_is_an_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("rules.v4"), rules("", BAD)).expect("rules written");
    let missing = fwlint_in(dir.path(), &["--baseline", "nowhere.json", "rules.v4"], &[]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("--baseline nowhere.json"));
    assert!(missing.stdout.is_empty());
    for (content, reason) in [
        ("{not json", "not a fwlint baseline"),
        ("{\"version\": 2, \"findings\": []}", "version 2"),
        ("[]", "not a fwlint baseline"),
    ] {
        std::fs::write(dir.path().join("bad.json"), content).expect("written");
        let malformed = fwlint_in(dir.path(), &["--baseline", "bad.json", "rules.v4"], &[]);
        assert_eq!(malformed.status.code(), Some(2), "{content}");
        let stderr = String::from_utf8_lossy(&malformed.stderr);
        assert!(
            stderr.contains("bad.json") && stderr.contains(reason),
            "{stderr}"
        );
    }
}

// ---------------------------------------------------------------- --output, colour

#[test]
fn output_goes_to_the_file_without_colour() {
    let dir = tempfile::tempdir().expect("temp dir");
    let report = dir.path().join("report.json");
    let report_path = report.to_string_lossy().into_owned();
    let output = fwlint_in(
        manifest_dir(),
        &["--format", "json", "--output", &report_path, EXAMPLES[1]],
        &[],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "the exit code is the findings'"
    );
    assert!(output.stdout.is_empty());
    let written = std::fs::read_to_string(&report).expect("report written");
    assert_eq!(
        written,
        stdout(&fwlint_in(
            manifest_dir(),
            &["--format", "json", EXAMPLES[1]],
            &[]
        ))
    );
    let coloured = dir.path().join("report.txt");
    let coloured_path = coloured.to_string_lossy().into_owned();
    fwlint_in(
        manifest_dir(),
        &[
            "--format",
            "full",
            "--color",
            "always",
            "--output",
            &coloured_path,
            EXAMPLES[1],
        ],
        &[("FORCE_COLOR", "1")],
    );
    let text = std::fs::read_to_string(&coloured).expect("report written");
    assert!(text.contains("FW101") && !text.contains('\u{1b}'), "{text}");
    let unwritable = fwlint_in(
        manifest_dir(),
        &["--output", "/nonexistent/dir/report.txt", EXAMPLES[1]],
        &[],
    );
    assert_eq!(unwritable.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unwritable.stderr).contains("/nonexistent/dir/report.txt"));
}

#[test]
fn colour_follows_the_option_then_force_color_then_no_color() {
    let coloured = |args: &[&str], env: &[(&str, &str)]| {
        let mut all = vec!["--format", "full"];
        all.extend_from_slice(args);
        all.push(EXAMPLES[1]);
        let text = stdout(&fwlint_in(manifest_dir(), &all, env));
        assert!(text.contains("FW101"), "{text}");
        text.contains('\u{1b}')
    };
    // Standard output is a pipe here: auto means no colour.
    assert!(!coloured(&[], &[]));
    assert!(coloured(&["--color", "always"], &[]));
    assert!(coloured(&[], &[("FORCE_COLOR", "1")]));
    assert!(!coloured(&[], &[("FORCE_COLOR", "")]));
    assert!(!coloured(&["--color", "never"], &[("FORCE_COLOR", "1")]));
    assert!(coloured(&["--color", "always"], &[("NO_COLOR", "1")]));
    assert!(coloured(&[], &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")]));
    // Machine formats never colour.
    let json = fwlint_in(
        manifest_dir(),
        &["--format", "json", "--color", "always", EXAMPLES[1]],
        &[],
    );
    assert!(!stdout(&json).contains('\u{1b}'));
}

// ---------------------------------------------------------------- --statistics

/// `(code, name, count)` computed from the JSON report.
fn expected_counts(json: &Value) -> Vec<(String, String, u64)> {
    let mut counts: Vec<(String, String, u64)> = Vec::new();
    for d in json["diagnostics"].as_array().expect("diagnostics") {
        if d["suppressed"] == true {
            continue;
        }
        let code = d["code"].as_str().expect("code");
        match counts.iter_mut().find(|(c, _, _)| c == code) {
            Some(entry) => entry.2 += 1,
            None => counts.push((code.into(), d["name"].as_str().expect("name").into(), 1)),
        }
    }
    counts.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    counts
}

#[test]
fn statistics_count_findings_per_code() {
    let json = json_of(&stdout(&examples_with("json", &[])));
    let expected = expected_counts(&json);
    assert!(
        expected.iter().any(|(_, _, count)| *count > 1),
        "some code repeats"
    );

    let text = examples_with("full", &["--statistics"]);
    assert_eq!(
        text.status.code(),
        Some(1),
        "same exit code as the findings"
    );
    let text = stdout(&text);
    let rows: Vec<(String, String, u64)> = text
        .lines()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            assert_eq!(fields.len(), 3, "{line}");
            (
                fields[1].to_string(),
                fields[2].to_string(),
                fields[0].parse().expect("count"),
            )
        })
        .collect();
    assert_eq!(rows, expected);
    insta::with_settings!({snapshot_path => "snapshots/output", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("statistics_examples", text);
    });

    let document = json_of(&stdout(&examples_with("json", &["--statistics"])));
    assert_eq!(document["version"], 1);
    let rows: Vec<(String, String, u64)> = document["statistics"]
        .as_array()
        .expect("statistics")
        .iter()
        .map(|row| {
            (
                row["code"].as_str().expect("code").into(),
                row["name"].as_str().expect("name").into(),
                row["count"].as_u64().expect("count"),
            )
        })
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(document["summary"], json["summary"]);
}
