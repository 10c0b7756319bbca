//! Limits that hold: deep chains of jumps and gotos without a stack
//! overflow (through the library on a test thread's small stack, and through
//! the binary in every format), a million-rule file within the memory goal,
//! and a pathological file (every rule in its own chain, every line as long
//! as iptables-restore reads) read completely with sane spans. The tests
//! assert on work done and memory, never on wall time: speed is for the
//! benchmarks.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use fwlint::engine::{self, FileReport, Input, Settings};

use crate::support;

use crate::fuzz_harness as harness;

const DEPTH: usize = 10_000;

/// The longest line iptables-restore reads as one: its `fgets` buffer
/// holds 10,240 bytes, the last of them the terminating NUL. A line that
/// fills it leaves its newline to the next read, an empty line, which
/// iptables-restore skips.
const LONGEST_LINE: usize = 10_239;

/// The longest argument iptables-restore accepts (`add_param`: a 1,024-byte
/// buffer with its NUL); a longer one is "Parameter too long!".
const LONGEST_ARGUMENT: usize = 1_023;

/// The longest comment the `comment` match takes.
const LONGEST_COMMENT: usize = 255;

/// A filter table where INPUT enters `C0` and each `Ci` passes to `Ci+1`
/// with `how` (`-j` or `-g`); with `close_loop`, the last jumps back to the
/// first.
fn chain_of_chains(how: &str, close_loop: bool) -> String {
    let mut text = String::with_capacity(DEPTH * 48);
    text.push_str("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for index in 0..DEPTH {
        let _ = writeln!(text, ":C{index} - [0:0]");
    }
    text.push_str("-A INPUT -j C0\n");
    for index in 0..DEPTH - 1 {
        let _ = writeln!(
            text,
            "-A C{index} -p tcp --dport {} {how} C{}",
            index % 65_000 + 1,
            index + 1
        );
    }
    if close_loop {
        let _ = writeln!(text, "-A C{} -j C0", DEPTH - 1);
    } else {
        let _ = writeln!(text, "-A C{} -j ACCEPT", DEPTH - 1);
    }
    text.push_str("COMMIT\n");
    text
}

fn check_text(name: &str, text: &str) -> FileReport {
    let reports = engine::check_inputs_text(
        vec![Input::Stdin {
            name: name.to_string(),
            text: text.to_string(),
        }],
        &Settings::default(),
    );
    reports.into_iter().next().expect("one report per input")
}

fn assert_finished(output: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 1)) && !stderr.contains("overflow"),
        "{what}: {:?}\n{}",
        output.status,
        stderr.chars().take(2000).collect::<String>()
    );
}

/// Through the library, on the test thread (2 MiB of stack unless
/// RUST_MIN_STACK says otherwise) and every format, then through the binary
/// in every format.
fn deep_file_holds(name: &str, text: &str, expect_loadable: bool, rules: usize) -> FileReport {
    let report = check_text(name, text);
    assert_eq!(report.loadable, expect_loadable, "{name}: loadable");
    assert_eq!(
        report.ruleset.rule_count(),
        rules,
        "{name}: every rule is read"
    );
    harness::check_spans(&report.source, &report.diagnostics)
        .unwrap_or_else(|problem| panic!("{problem}"));
    let written = harness::write_all_formats(std::slice::from_ref(&report));
    assert!(written.iter().all(|(_, bytes)| !bytes.is_empty()));

    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join(name), text).expect("file written");
    for format in ["full", "concise", "json", "sarif", "github"] {
        let output =
            support::fwlint_in(dir.path(), &["--format", format, "--color", "never", name]);
        assert_finished(&output, &format!("{name} --format {format}"));
    }
    report
}

#[test]
fn ten_thousand_nested_user_chains() {
    let report = deep_file_holds(
        "nested.rules",
        &chain_of_chains("-j", false),
        true,
        DEPTH + 1,
    );
    let filter = &report.ruleset.tables[0];
    assert_eq!(filter.chains.len(), DEPTH + 3);
}

#[test]
fn ten_thousand_gotos_in_a_row() {
    deep_file_holds(
        "gotos.rules",
        &chain_of_chains("-g", false),
        true,
        DEPTH + 1,
    );
}

/// The loop closes 10,000 chains down: iptables refuses it, and fwlint
/// must find that without recursing once per chain.
#[test]
fn a_loop_ten_thousand_chains_long() {
    let report = deep_file_holds("loop.rules", &chain_of_chains("-j", true), false, DEPTH + 1);
    assert!(
        report
            .diagnostics
            .iter()
            .any(|d| d.severity == fwlint::diagnostics::Severity::Error),
        "the loop is reported"
    );
}

/// A chain 10,000 rules long, every rule calling the same user chain, which
/// calls another: wide rather than deep.
#[test]
fn ten_thousand_jumps_from_one_chain() {
    let mut text = String::from(
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:A - [0:0]\n:B - [0:0]\n",
    );
    for index in 0..DEPTH - 2 {
        let _ = writeln!(
            text,
            "-A INPUT -s 10.{}.{}.0/24 -j A",
            index / 256 % 256,
            index % 256
        );
    }
    text.push_str("-A A -p udp -j B\n-A B -j RETURN\nCOMMIT\n");
    deep_file_holds("wide.rules", &text, true, DEPTH);
}

/// Kilobytes of peak resident memory of a finished child, as GNU time
/// reports them.
fn peak_kib(time_report: &str) -> Option<u64> {
    time_report
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("Maximum resident set size (kbytes):")
        })
        .and_then(|value| value.trim().parse().ok())
}

/// The memory goal: checking a file of a million rules takes at most ten
/// times the file's size. Set `FWLINT_MEMORY_RULES` to try another count.
#[test]
fn a_million_rules_within_ten_times_the_file_size() {
    if !Path::new("/usr/bin/time").is_file() {
        support::skip(
            "a_million_rules_within_ten_times_the_file_size",
            "/usr/bin/time is missing (Debian package `time`)",
        );
        return;
    }
    let rules: usize = std::env::var("FWLINT_MEMORY_RULES")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("million.rules");
    let mut text = String::with_capacity(rules * 64);
    text.push_str(
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:BLOCK - [0:0]\n",
    );
    text.push_str(
        "-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -j BLOCK\n",
    );
    for index in 0..rules {
        let (a, b, c) = (index >> 16 & 0xff, index >> 8 & 0xff, index & 0xff);
        match index % 4 {
            0 => {
                let _ = writeln!(text, "-A BLOCK -s 10.{a}.{b}.{c}/32 -j DROP");
            }
            1 => {
                let _ = writeln!(
                    text,
                    "-A BLOCK -s 172.{}.{b}.0/24 -p tcp -m tcp --dport {} -j REJECT --reject-with tcp-reset",
                    16 + a % 16,
                    index % 60_000 + 1
                );
            }
            2 => {
                let _ = writeln!(
                    text,
                    "-A BLOCK -d 192.168.{b}.{c}/32 -p udp -m udp --dport 53 -j ACCEPT"
                );
            }
            _ => {
                let _ = writeln!(
                    text,
                    "-A BLOCK -s 100.{a}.{b}.{c}/32 -m comment --comment \"host {index}\" -j DROP"
                );
            }
        }
    }
    text.push_str("COMMIT\n");
    std::fs::write(&path, &text).expect("file written");
    let size = text.len() as u64;
    drop(text);
    let output = Command::new("/usr/bin/time")
        .args(["-v", env!("CARGO_BIN_EXE_fwlint"), "--format", "concise"])
        .arg(&path)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("/usr/bin/time runs");
    let report = String::from_utf8_lossy(&output.stderr);
    let peak = peak_kib(&report).unwrap_or_else(|| panic!("no peak memory in:\n{report}")) * 1024;
    let ratio = peak as f64 / size as f64;
    eprintln!(
        "{rules} rules, {:.1} MB file: peak resident memory {:.1} MB, {ratio:.2}x the file",
        size as f64 / 1e6,
        peak as f64 / 1e6
    );
    assert!(
        report.contains("Exit status: 0") || report.contains("Exit status: 1"),
        "fwlint finished with a verdict:\n{report}"
    );
    assert!(
        ratio <= 10.0,
        "peak memory {:.1} MB is {ratio:.2}x the {:.1} MB file; the goal is at most 10x",
        peak as f64 / 1e6,
        size as f64 / 1e6
    );
}

/// Pads `line` with spaces between its last argument and the target to
/// exactly [`LONGEST_LINE`] bytes; iptables splits arguments on any run of
/// white space.
fn pad(line: &str, target: &str) -> String {
    let fill = LONGEST_LINE.saturating_sub(line.len() + target.len());
    format!("{line}{}{target}", " ".repeat(fill.max(1)))
}

/// `-A CHAIN` with a source list as long as one argument may be (iptables
/// loads one kernel rule per address), padded to the longest line; and how
/// many addresses it holds.
fn longest_source_list(index: usize) -> (String, usize) {
    let mut list = String::new();
    let mut count = 0;
    loop {
        let address = format!("10.{}.{}.{}", index % 256, count / 256, count % 256);
        let separator = usize::from(count > 0);
        if list.len() + separator + address.len() > LONGEST_ARGUMENT {
            break;
        }
        if count > 0 {
            list.push(',');
        }
        list.push_str(&address);
        count += 1;
    }
    (pad(&format!("-A C{index} -s {list}"), "-j ACCEPT"), count)
}

/// `-A CHAIN` filled with as many comment matches of the longest comment
/// as the line holds, then padded to the longest line.
fn longest_comments(index: usize) -> String {
    let target = "-j RETURN";
    let mut line = format!("-A C{index} -p udp --sport {}", index + 1);
    let comment = format!(" -m comment --comment \"{}\"", "x".repeat(LONGEST_COMMENT));
    while line.len() + comment.len() + 1 + target.len() <= LONGEST_LINE {
        line.push_str(&comment);
    }
    pad(&line, target)
}

/// The rules iptables loads into the kernel for `ruleset`: one per pair of
/// a source and a destination address of a rule.
fn kernel_rules(ruleset: &fwlint::model::Ruleset) -> usize {
    let addresses = |list: &Option<Box<fwlint::model::AddressMatch>>| {
        list.as_ref().map_or(1, |list| list.value.len())
    };
    ruleset
        .tables
        .iter()
        .flat_map(|table| &table.chains)
        .flat_map(|chain| &chain.rules)
        .map(|rule| addresses(&rule.source) * addresses(&rule.destination))
        .sum()
}

/// Loads `text` with the real iptables-restore in a private network
/// namespace and counts the rules iptables-save then lists.
fn loaded_rules(text: &str) -> Result<usize, String> {
    let mut child = Command::new("unshare")
        .args([
            "-n",
            "sh",
            "-c",
            "iptables-legacy-restore && iptables-legacy-save -t filter",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| error.to_string())?;
    {
        use std::io::Write as _;
        let mut stdin = child.stdin.take().expect("piped");
        let _ = stdin.write_all(text.as_bytes());
    }
    let output = child
        .wait_with_output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() {
        return Err(String::from_utf8_lossy(&output.stderr).into_owned());
    }
    let saved = String::from_utf8_lossy(&output.stdout);
    Ok(saved.lines().filter(|line| line.starts_with("-A ")).count())
}

/// Every rule in its own chain, every line as long as iptables-restore
/// reads one: some lines hold a source list as long as an argument may be,
/// some as many comments as fit, the others are filled with space. Where
/// the real iptables-restore can run, it must load the file too.
#[test]
fn every_rule_its_own_chain_and_every_line_at_the_longest() {
    const CHAINS: usize = 400;
    let mut text =
        String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for index in 0..CHAINS {
        let _ = writeln!(text, "{}", pad(&format!(":C{index} -"), "[0:0]"));
    }
    let mut expanded = 0;
    for index in 0..CHAINS {
        let _ = writeln!(
            text,
            "{}",
            pad(
                &format!("-A INPUT -p tcp --dport {}", index + 1),
                &format!("-j C{index}")
            )
        );
    }
    for index in 0..CHAINS {
        let line = match index % 4 {
            0 => {
                let (line, count) = longest_source_list(index);
                expanded += count;
                line
            }
            1 => {
                expanded += 1;
                longest_comments(index)
            }
            _ => {
                expanded += 1;
                pad(
                    &format!("-A C{index} -p udp --sport {}", index + 1),
                    "-j RETURN",
                )
            }
        };
        let _ = writeln!(text, "{line}");
    }
    text.push_str("COMMIT\n");
    let longest = text
        .lines()
        .filter(|line| line.len() == LONGEST_LINE)
        .count();
    assert_eq!(
        longest,
        3 * CHAINS,
        "every chain and rule line has the longest length"
    );

    let report = check_text("pathological.rules", &text);
    let codes: Vec<&str> = report.diagnostics.iter().map(|d| d.code.as_ref()).collect();
    assert!(
        report.loadable,
        "lines of the longest length load; findings: {codes:?}"
    );
    assert_eq!(report.ruleset.tables[0].chains.len(), CHAINS + 3);
    assert_eq!(report.ruleset.rule_count(), 2 * CHAINS, "one rule per line");
    assert_eq!(
        kernel_rules(&report.ruleset),
        CHAINS + expanded,
        "every source address of every list is read"
    );
    harness::check_spans(&report.source, &report.diagnostics)
        .unwrap_or_else(|problem| panic!("{problem}"));
    let written = harness::write_all_formats(std::slice::from_ref(&report));
    assert!(written.iter().all(|(_, bytes)| !bytes.is_empty()));

    // One byte more and iptables reads the line in two pieces: the same
    // file then fails, and fwlint says where.
    let too_long = text.replacen("-j ACCEPT\n", " -j ACCEPT\n", 1);
    let report = check_text("too-long.rules", &too_long);
    assert!(!report.loadable, "a line past the buffer does not load");
    harness::check_spans(&report.source, &report.diagnostics)
        .unwrap_or_else(|problem| panic!("{problem}"));
    let split = report
        .diagnostics
        .iter()
        .filter(|d| d.code == "FW011")
        .count();
    assert_eq!(split, 1, "only the line one byte too long is reported");

    match support::live_iptables() {
        Ok(()) => {
            let verdict = support::live_verdict(fwlint::model::Family::V4, &text);
            assert!(
                verdict.test_ok,
                "iptables-restore --test: {}",
                verdict.stderr
            );
            match loaded_rules(&text) {
                Ok(loaded) => assert_eq!(
                    loaded,
                    CHAINS + expanded,
                    "iptables loads one kernel rule per source address"
                ),
                Err(problem) if verdict.environment_failure() => support::skip(
                    "every_rule_its_own_chain_and_every_line_at_the_longest (real load)",
                    &problem,
                ),
                Err(problem) => panic!("iptables-restore refuses the file: {problem}"),
            }
            let verdict = support::live_verdict(fwlint::model::Family::V4, &too_long);
            assert!(!verdict.test_ok, "iptables-restore refuses the longer line");
        }
        Err(reason) => support::skip(
            "every_rule_its_own_chain_and_every_line_at_the_longest (iptables-restore part)",
            &reason,
        ),
    }
    eprintln!(
        "{CHAINS} chains, {} kernel rules, {:.1} MB of lines at {LONGEST_LINE} bytes: read, checked, written",
        CHAINS + expanded,
        text.len() as f64 / 1e6
    );
}
