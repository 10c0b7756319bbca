//! fwlint.toml as users write it: discovery (nearest wins, `--config`,
//! `--isolated`), selection by code, name, prefix and category, severities,
//! the failure threshold, per-file ignores, the `[host]` profile, errors
//! that point into the TOML; and the pre-commit hook and GitHub Action
//! definitions.

use std::path::PathBuf;
use std::process::{Command, Stdio};

use fwlint::config::{Config, Discovery, Overrides};
use fwlint::engine::{self, Settings};
use fwlint::source::SourceFile;

use crate::support::{fwlint_in as fwlint, stdout_json as json};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn project() -> PathBuf {
    root().join("tests/fixtures/config/project")
}

/// The codes reported for the file whose path ends with `file`.
fn codes(document: &serde_json::Value, file: &str) -> Vec<String> {
    let mut codes: Vec<String> = document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["path"].as_str().is_some_and(|path| path.ends_with(file)))
        .map(|d| d["code"].as_str().expect("code").to_string())
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

fn severity_of(document: &serde_json::Value, code: &str) -> String {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == code)
        .and_then(|d| d["severity"].as_str())
        .unwrap_or_else(|| panic!("no {code} in {document}"))
        .to_string()
}

#[test]
fn the_nearest_configuration_wins() {
    let output = fwlint(
        &project(),
        &[
            "--format",
            "json",
            "edge.rules",
            "strict/edge.rules",
            "legacy/old.rules",
        ],
    );
    let document = json(&output);
    // ./fwlint.toml ignores style: no FW301 (deprecated-state-match).
    let top: Vec<&serde_json::Value> = document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["path"] == "edge.rules")
        .collect();
    assert!(top.is_empty(), "{top:?}");
    // strict/fwlint.toml selects everything and raises FW301 to warning.
    assert_eq!(codes(&document, "strict/edge.rules"), ["FW301"]);
    assert_eq!(severity_of(&document, "FW301"), "warning");
    // strict/ fails on info, so the run fails.
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn per_file_ignores_match_globs_relative_to_the_configuration() {
    let document = json(&fwlint(
        &project(),
        &["--format", "json", "legacy/old.rules"],
    ));
    assert_eq!(codes(&document, "legacy/old.rules"), Vec::<String>::new());
    let document = json(&fwlint(
        &project(),
        &["--format", "json", "--isolated", "legacy/old.rules"],
    ));
    assert_eq!(codes(&document, "legacy/old.rules"), ["FW203", "FW301"]);
}

#[test]
fn config_option_replaces_discovery_and_isolated_ignores_all() {
    let strict = project().join("strict/fwlint.toml");
    let output = fwlint(
        &project(),
        &[
            "--format",
            "json",
            "--config",
            &strict.to_string_lossy(),
            "edge.rules",
        ],
    );
    let document = json(&output);
    assert_eq!(codes(&document, "edge.rules"), ["FW301"]);
    assert_eq!(output.status.code(), Some(1));
    let output = fwlint(
        &project(),
        &["--format", "json", "--isolated", "edge.rules"],
    );
    let document = json(&output);
    assert_eq!(codes(&document, "edge.rules"), ["FW301"]);
    assert_eq!(severity_of(&document, "FW301"), "info");
    assert_eq!(
        output.status.code(),
        Some(0),
        "the default threshold is warning"
    );
    let output = fwlint(
        &project(),
        &["--format", "json", "--config", "missing.toml", "edge.rules"],
    );
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn fail_on_comes_from_the_file_and_the_command_line_wins() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("edge.rules"),
        std::fs::read(project().join("edge.rules")).expect("fixture"),
    )
    .expect("written");
    let run = |config: &str, args: &[&str]| {
        std::fs::write(dir.path().join("fwlint.toml"), config).expect("written");
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("edge.rules");
        fwlint(dir.path(), &all).status.code()
    };
    assert_eq!(run("", &[]), Some(0));
    assert_eq!(run("fail-on = \"info\"\n", &[]), Some(1));
    assert_eq!(
        run("fail-on = \"info\"\n", &["--fail-on", "never"]),
        Some(0)
    );
    assert_eq!(
        run("[severity]\nFW301 = \"error\"\n", &["--fail-on", "error"]),
        Some(1)
    );
    assert_eq!(
        run("[severity]\nstyle = \"error\"\nFW3 = \"info\"\n", &[]),
        Some(0),
        "the prefix is more specific than the category"
    );
}

#[test]
fn selection_by_code_name_prefix_and_category() {
    let dir = tempfile::tempdir().expect("temp dir");
    // A file with a syntax error (FW002), a style finding (FW301) and a
    // security finding (log-without-limit, FW205).
    let text = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
                -A INPUT -p tcp -m state --state NEW --dport 22 -j ACCEPT\n-A INPUT -j LOG\n\
                -A INPUT --bogus -j ACCEPT\nCOMMIT\n";
    std::fs::write(dir.path().join("edge.rules"), text).expect("written");
    let run = |config: &str, args: &[&str]| {
        std::fs::write(dir.path().join("fwlint.toml"), config).expect("written");
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(args);
        all.push("edge.rules");
        codes(&json(&fwlint(dir.path(), &all)), "edge.rules")
    };
    let everything = run("", &[]);
    assert!(everything.contains(&"FW002".to_string()), "{everything:?}");
    assert!(everything.contains(&"FW301".to_string()), "{everything:?}");
    assert_eq!(everything, ["FW002", "FW205", "FW301"]);
    // A category selection keeps the syntax error: the file does not load.
    assert_eq!(run("select = [\"security\"]\n", &[]), ["FW002", "FW205"]);
    assert_eq!(run("select = [\"FW3\"]\n", &[]), ["FW002", "FW301"]);
    assert_eq!(
        run(
            "select = [\"deprecated-state-match\"]\nextend-select = [\"FW002\"]\n",
            &[]
        ),
        ["FW002", "FW301"]
    );
    // Ignoring it explicitly is allowed.
    assert!(!run("ignore = [\"invalid-option\"]\n", &[]).contains(&"FW002".to_string()));
    assert!(!run("ignore = [\"syntax\"]\n", &[]).contains(&"FW002".to_string()));
    assert!(run("ignore = [\"ALL\"]\n", &[]).contains(&"FW002".to_string()));
    // The command line replaces the file's selection.
    assert_eq!(
        run("select = [\"FW3\"]\n", &["--select", "security"]),
        ["FW002", "FW205"]
    );
    assert_eq!(
        run("", &["--select", "FW301,FW002", "--ignore", "FW002"]),
        ["FW301"]
    );
}

#[test]
fn unknown_lints_on_the_command_line_get_a_suggestion() {
    let output = fwlint(&project(), &["--select", "shadowed-rules", "edge.rules"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("did you mean `shadowed-rule`?"), "{stderr}");
}

#[test]
fn a_bad_configuration_stops_the_run_pointing_into_the_toml() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("fwlint.toml"),
        "select = [\"FW1\"]\nfail_on = \"error\"\n",
    )
    .expect("written");
    std::fs::write(dir.path().join("edge.rules"), "*filter\nCOMMIT\n").expect("written");
    let output = fwlint(dir.path(), &["edge.rules"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("[fwlint.toml:2:1]"), "{stderr}");
    assert!(stderr.contains("did you mean `fail-on`?"), "{stderr}");
    assert!(output.stdout.is_empty());
}

/// Each kind of mistake, rendered as users see it.
#[test]
fn configuration_errors_render_with_line_and_column() {
    let cases = [
        (
            "unknown_key",
            "select = [\"FW1\"]\n\n[host]\naddresses = [\"203.0.113.1\"]\nservice = [\"tcp/22\"]\n",
        ),
        ("wrong_type", "ignore = \"FW301\"\n"),
        ("unknown_value", "fail-on = \"warnings\"\n"),
        ("unknown_lint", "select = [\"FW1\", \"shadow-rule\"]\n"),
        ("bad_severity", "[severity]\nshadowed-rule = \"fatal\"\n"),
        (
            "bad_glob",
            "[per-file-ignores]\n\"legacy/[*.rules\" = [\"FW301\"]\n",
        ),
        ("bad_address", "[host]\naddresses = [\"203.0.113.300\"]\n"),
        (
            "bad_service",
            "[host]\nservices = [\"tcp/22\", \"icmp/8\"]\n",
        ),
        ("bad_toml", "select = [\"FW1\"\n"),
    ];
    let mut rendered = String::new();
    for (name, text) in cases {
        let error = Config::parse("fwlint.toml", PathBuf::from("/project"), text).expect_err(name);
        rendered.push_str(&format!("## {name}\n{}\n", error.render(false)));
    }
    insta::with_settings!({snapshot_path => "snapshots/config", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("config_errors", rendered);
    });
}

#[test]
fn the_host_profile_reaches_the_analysis() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("listening.txt"),
        "udp UNCONN 0 0 *:161 *:*\n",
    )
    .expect("written");
    std::fs::write(
        dir.path().join("fwlint.toml"),
        "[host]\naddresses = [\"203.0.113.1\"]\nservices = [\"tcp/22\"]\n\
         trusted = [\"192.0.2.0/24\"]\nlistening = \"listening.txt\"\n",
    )
    .expect("written");
    let file = dir.path().join("edge.rules");
    std::fs::write(&file, "*filter\n:INPUT DROP [0:0]\nCOMMIT\n").expect("written");
    let check = |overrides: Overrides| {
        let mut discovery = Discovery::new(overrides, None, false).expect("valid");
        let file_settings = discovery.for_file(&file).expect("valid");
        let mut settings = Settings::default();
        settings.files.insert("edge.rules".into(), file_settings);
        let report = engine::check_source(
            SourceFile::new("edge.rules", "*filter\n:INPUT DROP [0:0]\nCOMMIT\n"),
            &settings,
        );
        let host = fwlint::analysis::Host::new(&report.ruleset, &report.facts.host);
        (report.facts.host.clone(), host)
    };
    let (profile, host) = check(Overrides::default());
    let services: Vec<String> = profile.services.iter().map(ToString::to_string).collect();
    assert_eq!(services, ["tcp/22", "udp/161"]);
    assert_eq!(
        profile.trusted,
        [fwlint::cli::parse_network("192.0.2.0/24").expect("net")]
    );
    assert!(host.addresses_given && host.services_given);
    assert_eq!(
        host.addresses,
        [fwlint::cli::parse_network("203.0.113.1").expect("address")]
    );
    // --local-address replaces the file's addresses.
    let (profile, _) = check(Overrides {
        addresses: Some(vec![
            fwlint::cli::parse_network("198.51.100.7").expect("address"),
        ]),
        ..Overrides::default()
    });
    assert_eq!(
        profile.addresses,
        [fwlint::cli::parse_network("198.51.100.7").expect("address")]
    );
    assert_eq!(profile.services.len(), 2);
    // --isolated: the default profile.
    let mut discovery = Discovery::new(Overrides::default(), None, true).expect("valid");
    assert!(discovery.for_file(&file).expect("valid").host.is_none());
}

#[test]
fn standard_input_finds_the_configuration_of_the_current_directory() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fwlint"))
        .args(["--format", "json", "--stdin-filename", "edge.rules", "-"])
        .current_dir(project().join("strict"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fwlint runs");
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(&std::fs::read(project().join("edge.rules")).expect("fixture"))
            .expect("written");
    }
    let output = child.wait_with_output().expect("finishes");
    let document = json(&output);
    assert_eq!(severity_of(&document, "FW301"), "warning");
}

#[test]
fn the_pre_commit_hook_runs_fwlint_on_rule_files() {
    let text = std::fs::read_to_string(root().join(".pre-commit-hooks.yaml")).expect("hook file");
    let hooks: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    let hook = hooks
        .as_sequence()
        .expect("a list of hooks")
        .iter()
        .find(|hook| hook["id"].as_str() == Some("fwlint"))
        .expect("hook `fwlint`");
    assert_eq!(hook["entry"].as_str(), Some("fwlint"));
    assert_eq!(hook["language"].as_str(), Some("rust"));
    // pre-commit searches the `files` regex in each staged path.
    let files = regex::Regex::new(hook["files"].as_str().expect("files")).expect("a regex");
    for path in [
        "rules.v4",
        "etc/iptables/rules.v6",
        "firewall/edge.rules",
        "hosts/web.v4",
        "iptables.save",
        "backup/iptables-2024.save",
        "ip6tables.save",
    ] {
        assert!(files.is_match(path), "{path} should be linted");
    }
    for path in [
        "README.md",
        "fwlint.toml",
        "src/rules.rs",
        "docs/iptables.md",
        "rules.v4.md",
    ] {
        assert!(!files.is_match(path), "{path} should not be linted");
    }
}

#[test]
fn the_github_action_runs_fwlint_with_annotations_and_sarif() {
    let text = std::fs::read_to_string(root().join("action.yml")).expect("action.yml");
    let action: serde_norway::Value = serde_norway::from_str(&text).expect("YAML");
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));
    for input in ["paths", "args", "fail-on", "sarif-file"] {
        assert!(
            action["inputs"][input]["description"].is_string(),
            "input {input}"
        );
    }
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let lint = steps
        .iter()
        .find(|step| step["id"].as_str() == Some("lint"))
        .expect("a step with id `lint`");
    let script = lint["run"].as_str().expect("run");
    assert!(script.contains("fwlint --format github"), "{script}");
    assert!(steps.iter().any(|step| {
        step["run"]
            .as_str()
            .is_some_and(|run| run.contains("cargo install"))
    }));

    // Run the lint step as the runner would, with fwlint on the PATH.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(dir.path().join("firewall")).expect("dir");
    std::fs::write(
        dir.path().join("firewall/rules.v4"),
        "*filter\n-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n",
    )
    .expect("written");
    let summary = dir.path().join("summary.md");
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_fwlint"));
    let path = format!(
        "{}:{}",
        binary.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let output = Command::new("bash")
        .args(["-e", "-c", script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("FWLINT_PATHS", "firewall")
        .env("FWLINT_ARGS", "--isolated")
        .env("FWLINT_FAIL_ON", "")
        .env("FWLINT_SARIF", "fwlint.sarif")
        .output()
        .expect("bash runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("::error file=firewall/rules.v4,line=2"),
        "{stdout}"
    );
    let sarif: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("fwlint.sarif")).expect("SARIF written"),
    )
    .expect("SARIF is JSON");
    assert_eq!(sarif["version"], "2.1.0");
    assert!(
        std::fs::read_to_string(&summary)
            .expect("summary written")
            .contains("FW002")
    );
}

/// The complete example of the README is a valid configuration.
#[test]
fn the_readme_example_configuration_is_valid() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README");
    let section = &readme[readme.find("## Configuration").expect("section")..];
    let start = section.find("```toml\n").expect("a toml block") + "```toml\n".len();
    let example = &section[start..start + section[start..].find("```").expect("closed")];
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("ss-listening.txt"),
        "tcp LISTEN 0 4096 0.0.0.0:443 0.0.0.0:*\n",
    )
    .expect("written");
    let config = Config::parse("fwlint.toml", dir.path().to_path_buf(), example);
    assert!(
        config.is_ok(),
        "{}",
        config.err().map(|e| e.render(false)).unwrap_or_default()
    );
}
