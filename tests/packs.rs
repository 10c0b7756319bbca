//! Rule packs: loading, the errors of bad packs (as users see them), the
//! examples of every shipped pack through the library and through
//! `fwlint test-rules`, a user pack in `--rules-dir` in JSON and SARIF,
//! and the shipped packs over the real corpus.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fwlint::engine::{self, Input, Settings};
use fwlint::model::Family;
use fwlint::packs::{self, ExampleKind};
use fwlint::source::SourceFile;

use crate::support;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/packs")
}

fn fwlint(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fwlint"))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("fwlint runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn shipped_packs_load_with_the_rules_the_readme_lists() {
    let shipped = packs::shipped().unwrap_or_else(|error| panic!("{}", error.render(100)));
    let ids: Vec<&str> = shipped
        .iter()
        .flat_map(|pack| pack.rules.iter().map(|rule| rule.code.as_str()))
        .collect();
    for id in [
        "cis/input-default-deny",
        "cis/forward-default-deny",
        "cis/output-default-deny",
        "cis/loopback-accepted",
        "cis/loopback-spoofing-accepted",
        "cis/established-accepted",
        "cis/outbound-established-accepted",
        "cis/listening-port-without-rule",
        "management-ports/ssh-open-to-world",
        "management-ports/telnet-open-to-world",
        "management-ports/snmp-open-to-world",
        "management-ports/rdp-open-to-world",
        "management-ports/database-open-to-world",
        "management-ports/container-api-open-to-world",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    packs::check_unique(&shipped).expect("shipped pack names are unique");
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    for id in &ids {
        assert!(readme.contains(id), "README.md does not list {id}");
    }
}

#[test]
fn every_example_of_every_shipped_pack_passes() {
    let shipped = packs::shipped().expect("shipped packs load");
    let mut count = 0;
    for pack in &shipped {
        for rule in &pack.rules {
            for kind in [ExampleKind::Triggers, ExampleKind::Silent] {
                assert!(
                    rule.examples.iter().any(|example| example.kind == kind),
                    "{} has no {} example",
                    rule.code,
                    kind.as_str()
                );
            }
        }
        for outcome in packs::run_examples(pack) {
            count += 1;
            assert!(
                outcome.passed(),
                "{} {} (line {}): {}",
                outcome.code,
                outcome.kind.as_str(),
                outcome.line,
                outcome.failure.unwrap_or_default()
            );
        }
    }
    assert!(count >= 30, "only {count} examples");
}

#[test]
fn shipped_examples_load_in_the_real_iptables_restore() {
    if let Err(reason) = support::live_iptables() {
        support::skip(
            "shipped_examples_load_in_the_real_iptables_restore",
            &reason,
        );
        return;
    }
    for pack in packs::shipped().expect("shipped packs load") {
        for rule in &pack.rules {
            for example in &rule.examples {
                let family = example.family.unwrap_or(Family::V4);
                let verdict = support::live_verdict(family, &example.text);
                assert!(
                    verdict.test_ok,
                    "{} example at line {} does not load: {}",
                    rule.code, example.line, verdict.stderr
                );
            }
        }
    }
}

#[test]
fn test_rules_command_runs_the_shipped_examples() {
    let output = fwlint(&["test-rules"]);
    let stdout = text(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        text(&output.stderr)
    );
    assert!(stdout.contains("rules.d/cis.toml: pack `cis`"), "{stdout}");
    assert!(
        stdout.contains("  ok    management-ports/ssh-open-to-world triggers"),
        "{stdout}"
    );
    assert!(!stdout.contains("FAIL"), "{stdout}");
    assert!(stdout.trim_end().ends_with("passed, 0 failed"), "{stdout}");
}

#[test]
fn test_rules_command_fails_on_a_wrong_example_and_on_a_bad_pack() {
    let dir = tempfile::tempdir().expect("temp dir");
    let good = std::fs::read_to_string(fixtures().join("custom/site.toml")).expect("fixture");
    // The silent example of `grafana-open` now opens Grafana to everyone.
    let wrong = good.replace(
        "-A INPUT -s 10.8.0.0/24 -p tcp --dport 3000 -j ACCEPT",
        "-A INPUT -p tcp --dport 3000 -j ACCEPT",
    );
    assert_ne!(good, wrong);
    let path = dir.path().join("site.toml");
    std::fs::write(&path, wrong).expect("pack written");
    let output = fwlint(&["test-rules", path.to_str().expect("utf-8 path")]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("FAIL  site/grafana-open silent (line 54): expected no finding, got 1: line 3: Grafana (tcp/3000) is open to the world"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ok    site/accept-everything triggers"),
        "{stdout}"
    );

    let bad = fixtures().join("errors/bad-port.toml");
    let output = fwlint(&["test-rules", bad.to_str().expect("utf-8 path")]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    // The message is wrapped to the terminal's width after the path,
    // which is as long as the checkout's: read it as one line.
    let unwrapped = stderr
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(unwrapped.contains("port 70000 is out of range"), "{stderr}");
    assert!(stderr.contains("ports = [389, 70000]"), "{stderr}");
}

/// Every kind of error a pack can have, rendered as users see it.
#[test]
fn bad_packs_get_errors_that_point_into_their_toml() {
    let dir = fixtures().join("errors");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .expect("error fixtures")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    assert!(names.len() >= 10);
    for name in names {
        let text = std::fs::read_to_string(dir.join(&name)).expect("fixture");
        let origin = format!("errors/{name}");
        let error = match packs::parse(&origin, &text) {
            Ok(_) => panic!("{name} loaded without an error"),
            Err(error) => error,
        };
        assert!(error.span().is_some(), "{name}: the error has no place");
        let rendered = error.render(100);
        insta::with_settings!({snapshot_path => "snapshots/packs", prepend_module_to_snapshot => false}, {
            insta::assert_snapshot!(name.trim_end_matches(".toml").to_string(), rendered);
        });
    }
}

#[test]
fn a_bad_pack_in_rules_dir_stops_the_run_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(
        fixtures().join("errors/unknown-condition.toml"),
        dir.path().join("site.toml"),
    )
    .expect("copied");
    let rules = dir.path().join("rules.v4");
    std::fs::write(&rules, "*filter\n:INPUT DROP [0:0]\nCOMMIT\n").expect("rules written");
    let output = fwlint(&[
        "--rules-dir",
        dir.path().to_str().expect("utf-8"),
        rules.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("unknown field `reachable-from`"),
        "{stderr}"
    );
    assert!(stderr.contains("site.toml:15"), "{stderr}");
    assert!(output.stdout.is_empty());
}

const OPEN: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A INPUT -s 10.0.0.0/8 -p tcp --dport 22 -j ACCEPT\n\
-A INPUT -p tcp --dport 3000 -j ACCEPT\n\
-A INPUT -j ACCEPT\nCOMMIT\n";

#[test]
fn a_pack_in_rules_dir_is_applied_and_shows_in_json_and_sarif() {
    let dir = tempfile::tempdir().expect("temp dir");
    let packs_dir = fixtures().join("custom");
    let rules = dir.path().join("rules.v4");
    std::fs::write(&rules, OPEN).expect("rules written");
    let (packs_dir, rules) = (
        packs_dir.to_str().expect("utf-8"),
        rules.to_str().expect("utf-8"),
    );

    let output = fwlint(&["--rules-dir", packs_dir, "--format", "json", rules]);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stderr));
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let findings: Vec<&serde_json::Value> = document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| {
            d["code"]
                .as_str()
                .is_some_and(|code| code.starts_with("site/"))
        })
        .collect();
    let summary: Vec<(String, String, String, u64)> = findings
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["name"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "site/grafana-open".into(),
                "grafana-open".into(),
                "warning".into(),
                7
            ),
            (
                "site/accept-everything".into(),
                "accept-everything".into(),
                "error".into(),
                8
            ),
        ],
        "{document}"
    );
    let grafana = findings[0];
    assert_eq!(
        grafana["message"],
        "Grafana (tcp/3000) is open to the world: line 7 in `INPUT` accepts it"
    );
    assert_eq!(
        grafana["help"],
        "put Grafana behind the VPN: `-s 10.8.0.0/24 -p tcp --dport 3000 -j ACCEPT`"
    );

    let output = fwlint(&["--rules-dir", packs_dir, "--format", "sarif", rules]);
    let log: serde_json::Value = serde_json::from_slice(&output.stdout).expect("SARIF");
    let run = &log["runs"][0];
    let rule_ids: Vec<&str> = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter_map(|rule| rule["id"].as_str())
        .collect();
    assert!(rule_ids.contains(&"site/grafana-open"), "{rule_ids:?}");
    assert!(rule_ids.contains(&"site/accept-everything"), "{rule_ids:?}");
    let rule = run["tool"]["driver"]["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .find(|rule| rule["id"] == "site/grafana-open")
        .expect("grafana rule");
    assert_eq!(rule["defaultConfiguration"]["level"], "warning");
    assert!(
        rule["help"]["text"]
            .as_str()
            .is_some_and(|help| help.contains("behind the VPN")),
        "{rule}"
    );
    let results: Vec<&str> = run["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|result| result["ruleId"].as_str())
        .filter(|id| id.starts_with("site/"))
        .collect();
    assert_eq!(results.len(), 2, "{results:?}");

    // Without the folder, nothing of the pack.
    let output = fwlint(&["--format", "json", rules]);
    assert!(!text(&output.stdout).contains("site/"));
}

#[test]
fn shipped_packs_apply_only_when_asked_for() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("rules.v4");
    std::fs::write(&rules, OPEN).expect("rules written");
    let rules = rules.to_str().expect("utf-8");
    let output = fwlint(&["--format", "concise", rules]);
    assert!(!text(&output.stdout).contains("management-ports/"));
    let output = fwlint(&["--pack", "management-ports", "--format", "concise", rules]);
    let stdout = text(&output.stdout);
    assert!(
        stdout.contains(":8:1: warning[management-ports/ssh-open-to-world/ssh-open-to-world] SSH (tcp/22) is open to the world on INPUT: line 8 in `INPUT` accepts new connections from every public address"),
        "{stdout}"
    );
    assert!(!stdout.contains("cis/"), "{stdout}");
    let output = fwlint(&["--pack", "nonesuch", rules]);
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output.stderr).contains("fwlint ships `cis`, `management-ports`"));
}

#[test]
fn the_listening_ports_check_uses_the_host_profile() {
    let shipped = packs::shipped().expect("shipped packs load");
    let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -i lo -j ACCEPT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n";
    let mut settings = Settings {
        packs: std::sync::Arc::new(shipped),
        ..Settings::default()
    };
    let codes = |settings: &Settings| -> Vec<String> {
        engine::check_source(SourceFile::new("rules.v4", text), settings)
            .diagnostics
            .iter()
            .filter(|d| d.code == "cis/listening-port-without-rule")
            .map(|d| d.message.clone())
            .collect()
    };
    assert!(codes(&settings).is_empty(), "silent without a host profile");
    settings.host.services = fwlint::analysis::host::parse_listening(
        "tcp LISTEN 0 128 0.0.0.0:22 0.0.0.0:*\n\
         tcp LISTEN 0 128 0.0.0.0:5432 0.0.0.0:*\n\
         tcp LISTEN 0 128 127.0.0.1:6379 0.0.0.0:*\n",
    );
    assert_eq!(
        codes(&settings),
        [
            "a listening port has no rule: new connections to tcp/5432 meet only the policy of `INPUT` (line 2)"
        ]
    );
}

/// The shipped packs over every iptables-save file of the corpus: how
/// many findings each pack rule makes, recorded so that a change shows in
/// review.
#[test]
fn shipped_packs_on_the_real_corpus() {
    let Some(corpus) = support::corpus() else {
        support::skip(
            "shipped_packs_on_the_real_corpus",
            "../shared/corpus is missing",
        );
        return;
    };
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("manifest");
    let mut inputs = Vec::new();
    for line in manifest.lines().skip(1) {
        let fields: Vec<&str> = line.split('\t').collect();
        if !fields[6].starts_with("iptables-save") {
            continue;
        }
        let text = engine::decode(std::fs::read(corpus.join(fields[0])).expect("corpus file"));
        inputs.push(Input::Stdin {
            name: fields[0].to_string(),
            text,
        });
    }
    let files = inputs.len();
    let shipped = packs::shipped().expect("shipped packs load");
    let mut counts: BTreeMap<String, (usize, usize)> = shipped
        .iter()
        .flat_map(|pack| pack.rules.iter().map(|rule| (rule.code.clone(), (0, 0))))
        .collect();
    let settings = Settings {
        packs: std::sync::Arc::new(shipped),
        ..Settings::default()
    };
    let reports = engine::check_inputs_text(inputs, &settings);
    for report in &reports {
        let mut seen = std::collections::HashSet::new();
        for diagnostic in &report.diagnostics {
            let Some(entry) = counts.get_mut(diagnostic.code.as_ref()) else {
                continue;
            };
            entry.0 += 1;
            if seen.insert(diagnostic.code.clone()) {
                entry.1 += 1;
            }
        }
    }
    let mut table = format!(
        "{files} iptables-save files of ../shared/corpus\npack rule                                       findings  files\n"
    );
    for (code, (findings, in_files)) in &counts {
        table.push_str(&format!("{code:46}  {findings:8}  {in_files:5}\n"));
    }
    eprintln!("{table}");
    insta::with_settings!({snapshot_path => "snapshots/packs", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("corpus_findings_per_pack_rule", table);
    });
}
