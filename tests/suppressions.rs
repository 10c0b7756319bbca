//! Inline suppressions as users write them: each form, what they suppress,
//! how suppressed findings appear in each output, `--no-ignores`, and the
//! `unused-suppression` reports.

use crate::support::{fwlint_in as fwlint, stdout_json as json};

/// A ruleset without findings at warning level or above, with `lines`
/// where the service rules go.
fn ruleset(lines: &str) -> String {
    format!(
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
         -A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
         -A INPUT -p icmp -j ACCEPT\n{lines}COMMIT\n"
    )
}

/// `-m state` gets a `deprecated-state-match` (FW301) finding on its line.
const STATE_RULE: &str = "-A INPUT -p tcp -m tcp --dport 22 -m state --state NEW -j ACCEPT\n";
/// Another rule with the same finding.
const OTHER_STATE_RULE: &str = "-A INPUT -p tcp -m tcp --dport 80 -m state --state NEW -j ACCEPT\n";

/// Lints `text` as `edge.rules` in a fresh directory (without configuration)
/// and returns the JSON report and the exit code.
fn lint(text: &str, extra: &[&str]) -> (serde_json::Value, Option<i32>) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("edge.rules"), text).expect("written");
    let mut args = vec!["--format", "json", "--fail-on", "info", "--isolated"];
    args.extend_from_slice(extra);
    args.push("edge.rules");
    let output = fwlint(dir.path(), &args);
    (json(&output), output.status.code())
}

/// (line, code, suppressed) of every finding.
fn findings(document: &serde_json::Value) -> Vec<(u64, String, bool)> {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().expect("line"),
                d["code"].as_str().expect("code").to_string(),
                d["suppressed"].as_bool().expect("suppressed"),
            )
        })
        .collect()
}

#[test]
fn the_finding_is_there_without_a_suppression() {
    let (document, code) = lint(&ruleset(STATE_RULE), &[]);
    assert_eq!(findings(&document), [(8, "FW301".to_string(), false)]);
    assert_eq!(code, Some(1));
}

#[test]
fn a_comment_line_suppresses_the_next_rule_only() {
    let text = ruleset(&format!(
        "# fwlint: ignore[deprecated-state-match] the backup host lacks conntrack\n\
         \n# another comment\n{STATE_RULE}{OTHER_STATE_RULE}"
    ));
    let (document, code) = lint(&text, &[]);
    assert_eq!(
        findings(&document),
        [
            (11, "FW301".to_string(), true),
            (12, "FW301".to_string(), false)
        ]
    );
    assert_eq!(code, Some(1), "the second rule still fails the run");
    let suppressed = &document["diagnostics"][0];
    assert_eq!(suppressed["suppression"], "inSource");
    assert_eq!(document["summary"]["infos"], 1);
}

#[test]
fn a_rule_comment_suppresses_its_own_rule_and_passes_the_run() {
    let rule = "-A INPUT -p tcp -m tcp --dport 22 -m state --state NEW \
                -m comment --comment \"fwlint: ignore[FW301] survives iptables-save\" -j ACCEPT\n";
    let (document, code) = lint(&ruleset(rule), &[]);
    assert_eq!(findings(&document), [(8, "FW301".to_string(), true)]);
    assert_eq!(code, Some(0), "suppressed findings never fail the run");
}

#[test]
fn file_ignore_covers_the_whole_file() {
    let text = format!(
        "# fwlint: file-ignore[FW301] migrating in Q3\n{}",
        ruleset(&format!("{STATE_RULE}{OTHER_STATE_RULE}"))
    );
    let (document, code) = lint(&text, &[]);
    assert_eq!(
        findings(&document),
        [
            (9, "FW301".to_string(), true),
            (10, "FW301".to_string(), true)
        ]
    );
    assert_eq!(code, Some(0));
}

#[test]
fn no_ignores_shows_everything_and_reports_no_unused_suppression() {
    let text = ruleset(&format!(
        "# fwlint: ignore[FW301] reason\n{STATE_RULE}# fwlint: ignore[FW107] never used\n{OTHER_STATE_RULE}"
    ));
    let (document, code) = lint(&text, &["--no-ignores"]);
    assert_eq!(
        findings(&document),
        [
            (9, "FW301".to_string(), false),
            (11, "FW301".to_string(), false)
        ]
    );
    assert_eq!(code, Some(1));
    let (document, _) = lint(&text, &[]);
    assert_eq!(
        findings(&document),
        [
            (9, "FW301".to_string(), true),
            (10, "FW303".to_string(), false),
            (11, "FW301".to_string(), false)
        ]
    );
}

#[test]
fn unknown_malformed_and_unused_suppressions_are_reported() {
    let text = ruleset(&format!(
        "# fwlint: ignore[shadowed-rules] typo\n{STATE_RULE}\
         # fwlint: ignore FW301\n-A INPUT -p udp -m udp --dport 53 -j ACCEPT\n\
         # fwlint: ignore[FW301, FW107] one of two used\n{STATE_RULE}"
    ));
    let (document, _) = lint(&text, &[]);
    let diagnostics = document["diagnostics"].as_array().expect("diagnostics");
    let of = |line: u64| {
        diagnostics
            .iter()
            .find(|d| d["line"] == line && d["code"] == "FW303")
            .unwrap_or_else(|| panic!("no FW303 on line {line}: {document}"))
    };
    let unknown = of(8);
    assert_eq!(unknown["column"], 18);
    assert_eq!(unknown["help"], "did you mean `shadowed-rule`?");
    assert_eq!(unknown["name"], "unused-suppression");
    assert!(
        of(10)["message"]
            .as_str()
            .expect("message")
            .starts_with("malformed suppression")
    );
    let unused = of(12);
    assert_eq!(unused["column"], 25, "points at `FW107`, the unused one");
    assert!(
        unused["message"]
            .as_str()
            .expect("message")
            .contains("`shadowed-rule` (FW107)")
    );
    assert_eq!(
        diagnostics.iter().filter(|d| d["code"] == "FW303").count(),
        3
    );
    // The unknown code suppressed nothing: FW301 on line 9 stands.
    assert!(
        findings(&document).contains(&(9, "FW301".to_string(), false)),
        "{document}"
    );
}

#[test]
fn unused_suppression_yields_only_to_file_ignore_and_configuration() {
    let unused = "# fwlint: ignore[FW107] stale\n-A INPUT -p udp -m udp --dport 53 -j ACCEPT\n";
    let (document, _) = lint(
        &format!(
            "# fwlint: file-ignore[unused-suppression]\n{}",
            ruleset(unused)
        ),
        &[],
    );
    assert_eq!(findings(&document), [(9, "FW303".to_string(), true)]);
    let (document, _) = lint(&ruleset(unused), &["--ignore", "unused-suppression"]);
    assert_eq!(findings(&document), []);
}

#[test]
fn suppressed_findings_are_marked_in_sarif_and_hidden_by_the_text_formats() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = ruleset(&format!("# fwlint: ignore[FW301] accepted\n{STATE_RULE}"));
    std::fs::write(dir.path().join("edge.rules"), text).expect("written");
    let sarif = json(&fwlint(
        dir.path(),
        &["--isolated", "--format", "sarif", "edge.rules"],
    ));
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 1, "{sarif}");
    assert_eq!(results[0]["ruleId"], "FW301");
    assert_eq!(results[0]["suppressions"][0]["kind"], "inSource");
    for format in ["concise", "full", "github"] {
        let output = fwlint(
            dir.path(),
            &["--isolated", "--format", format, "edge.rules"],
        );
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(
            !text.contains("FW301"),
            "{format} shows a suppressed finding:\n{text}"
        );
        assert_eq!(output.status.code(), Some(0));
    }
    let output = fwlint(
        dir.path(),
        &[
            "--isolated",
            "--format",
            "concise",
            "--no-ignores",
            "edge.rules",
        ],
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("FW301"));
}
