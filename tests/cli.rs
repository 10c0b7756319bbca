//! The command line as users and scripts call it: exit codes, paths,
//! standard input, the JSON contract, and bad input of every kind.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn fwlint(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fwlint"));
    command.args(args).stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    });
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().expect("fwlint starts");
    if let Some(input) = stdin {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(input)
            .expect("stdin written");
    }
    child.wait_with_output().expect("fwlint finishes")
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "fwlint did not print JSON ({error}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

fn write(dir: &Path, name: &str, content: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, content).expect("fixture written");
    path.to_string_lossy().into_owned()
}

const CLEAN: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -i lo -j ACCEPT\n\
-A INPUT -p icmp -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n";

/// The first diagnostic with `code`.
fn with_code<'a>(document: &'a serde_json::Value, code: &str) -> &'a serde_json::Value {
    document["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {document}"))
}

#[test]
fn exit_code_zero_without_findings_and_one_with_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = write(dir.path(), "clean.rules", CLEAN.as_bytes());
    let output = fwlint(&["--format", "json", &clean], None);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let broken = write(
        dir.path(),
        "broken.rules",
        b"*filter\n-A INPUT --dport 22 -j ACCEPT\nCOMMIT\n",
    );
    let output = fwlint(&["--format", "json", &broken], None);
    assert_eq!(output.status.code(), Some(1));
    let document = json(&output);
    assert_eq!(document["files"][0]["loadable"], false);
    with_code(&document, "FW002");
}

#[test]
fn json_follows_the_contract() {
    let output = fwlint(
        &["--format", "json", "--stdin-filename", "rules.v4", "-"],
        Some(b"*filter\n-A INPUT -s 10.0.0.0/33 -j ACCEPT\nCOMMIT\n"),
    );
    let document = json(&output);
    assert_eq!(document["version"], 1);
    assert_eq!(document["tool"]["name"], "fwlint");
    assert_eq!(document["files"][0]["path"], "rules.v4");
    assert_eq!(document["files"][0]["family"], "ipv4");
    assert_eq!(document["files"][0]["rules"], 0);
    let diagnostic = with_code(&document, "FW003");
    assert_eq!(diagnostic["path"], "rules.v4");
    assert_eq!(diagnostic["code"], "FW003");
    assert_eq!(diagnostic["name"], "invalid-value");
    assert_eq!(diagnostic["severity"], "error");
    assert_eq!(diagnostic["line"], 2);
    // `-s 10.0.0.0/33`: the address starts at column 13 and ends before 25.
    assert_eq!(diagnostic["column"], 13);
    assert_eq!(diagnostic["end_line"], 2);
    assert_eq!(diagnostic["end_column"], 24);
    assert_eq!(diagnostic["suppressed"], false);
    assert!(diagnostic["labels"].is_array());
    assert!(diagnostic["help"].is_string());
    assert_eq!(document["summary"]["errors"], 1);
    assert_eq!(
        document["summary"]["warnings"],
        document["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter(|d| d["severity"] == "warning")
            .count()
    );
}

#[test]
fn family_comes_from_the_option_then_the_name_then_the_content() {
    let v6_rule = b"*filter\n-A INPUT -s 2001:db8::/32 -j ACCEPT\nCOMMIT\n";
    let by_content = json(&fwlint(
        &["--format", "json", "--stdin-filename", "x.rules", "-"],
        Some(v6_rule),
    ));
    assert_eq!(by_content["files"][0]["family"], "ipv6");
    assert_eq!(by_content["files"][0]["loadable"], true);
    let by_name = json(&fwlint(
        &["--format", "json", "--stdin-filename", "rules.v4", "-"],
        Some(v6_rule),
    ));
    assert_eq!(by_name["files"][0]["family"], "ipv4");
    assert_eq!(by_name["files"][0]["loadable"], false);
    let forced = json(&fwlint(
        &[
            "--format",
            "json",
            "--family",
            "6",
            "--stdin-filename",
            "rules.v4",
            "-",
        ],
        Some(v6_rule),
    ));
    assert_eq!(forced["files"][0]["family"], "ipv6");
}

#[test]
fn directories_expand_to_their_rule_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "rules.v4", CLEAN.as_bytes());
    write(dir.path(), "rules.v6", CLEAN.as_bytes());
    write(dir.path(), "notes.txt", b"not a rule file");
    let output = fwlint(&["--format", "json", &dir.path().to_string_lossy()], None);
    let document = json(&output);
    let paths: Vec<String> = document["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|file| {
            file["path"]
                .as_str()
                .expect("path")
                .rsplit('/')
                .next()
                .expect("name")
                .to_string()
        })
        .collect();
    assert_eq!(paths, ["rules.v4", "rules.v6"]);
    assert_eq!(document["files"][1]["family"], "ipv6");
}

#[test]
fn usage_errors_and_unreadable_files_exit_with_two() {
    assert_eq!(fwlint(&[], None).status.code(), Some(2));
    assert_eq!(
        fwlint(&["--format", "nonsense", "x"], None).status.code(),
        Some(2)
    );
    let missing = fwlint(&["/nonexistent/rules.v4"], None);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent/rules.v4"));
    let dir = tempfile::tempdir().expect("temp dir");
    let empty_dir = fwlint(&[&dir.path().to_string_lossy()], None);
    assert_eq!(empty_dir.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&empty_dir.stderr).contains("no rule files"));
}

/// Every kind of bad input ends in a clear diagnostic and exit 1 or 2,
/// never a panic.
#[test]
fn bad_input_never_crashes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut garbage = Vec::new();
    let mut state: u32 = 0x1234_5678;
    for _ in 0..100_000 {
        state = state.wrapping_mul(1_103_515_245).wrapping_add(12345);
        garbage.push((state >> 16) as u8);
    }
    let long_line = format!(
        "*filter\n-A INPUT -m comment --comment {} -j ACCEPT\nCOMMIT\n",
        "x".repeat(100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.rules", Vec::new(), "FW019"),
        ("garbage.rules", garbage, "FW020"),
        (
            "latin1.rules",
            b"*filter\n-A INPUT -m comment --comment caf\xe9 -j ACCEPT\nCOMMIT\n".to_vec(),
            "FW015",
        ),
        ("long.rules", long_line.into_bytes(), "FW011"),
        (
            "quote.rules",
            b"*filter\n-A INPUT -m comment --comment \"open -j ACCEPT\nCOMMIT\n".to_vec(),
            "FW016",
        ),
        ("table.rules", b"*filters\nCOMMIT\n".to_vec(), "FW006"),
        (
            "crlf.rules",
            b"*filter\r\n-A INPUT -j ACCEPT\r\nCOMMIT\r\n".to_vec(),
            "FW005",
        ),
        (
            "nocommit.rules",
            b"*filter\n-A INPUT -j ACCEPT\n".to_vec(),
            "FW004",
        ),
    ];
    for (name, content, code) in cases {
        let path = write(dir.path(), name, &content);
        let output = fwlint(&["--format", "json", &path], None);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        assert!(
            matches!(output.status.code(), Some(1 | 2)),
            "{name}: exit {:?}",
            output.status.code()
        );
        let document = json(&output);
        let codes: Vec<&str> = document["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .filter_map(|d| d["code"].as_str())
            .collect();
        assert!(
            codes.contains(&code),
            "{name}: expected {code} in {codes:?}"
        );
    }
    let directory_as_file = fwlint(
        &[
            "--format",
            "json",
            "-",
            &dir.path().join("empty.rules").to_string_lossy(),
        ],
        Some(b""),
    );
    assert!(matches!(directory_as_file.status.code(), Some(1 | 2)));
}

#[test]
fn a_fifty_megabyte_file_is_read() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
    let rule = "-A INPUT -s 192.0.2.1/32 -p tcp -m tcp --dport 22 -j ACCEPT\n";
    while text.len() < 50 * 1024 * 1024 {
        text.push_str(rule);
    }
    text.push_str("COMMIT\n");
    let path = write(dir.path(), "big.rules", text.as_bytes());
    let output = fwlint(&["--format", "concise", &path], None);
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn exposure_shows_what_the_world_can_open_and_where() {
    let output = fwlint(
        &[
            "exposure",
            "examples/nat-firewall-incident.rules",
            "examples/nat-router.rules",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).expect("utf-8");
    // The incident: every TCP port of the firewall is open, by INPUT's
    // policy, though FORWARD "protects" 8080.
    assert!(
        text.contains("tcp any port         from anywhere                 to this host, accepted by the policy (line 17)"),
        "{text}"
    );
    // The router: SSH only from the LAN side, and the VoIP box forwarded.
    assert!(
        text.contains("tcp port 22          from anywhere on eth1"),
        "{text}"
    );
    assert!(
        text.contains("udp port 5060        from anywhere on eth0         forwarded to 192.168.10.30 by the DNAT at line 10, accepted by line 29"),
        "{text}"
    );
    // The published web server is not listed: FORWARD's accept for it
    // matches the address before DNAT and never matches.
    assert!(!text.contains("port 443"), "{text}");

    let json = fwlint(
        &["exposure", "--format", "json", "examples/nat-router.rules"],
        None,
    );
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let openings = document["files"][0]["openings"]
        .as_array()
        .expect("openings");
    assert_eq!(openings.len(), 3);
    assert_eq!(openings[2]["path"], "forward");
    assert_eq!(openings[2]["nat_line"], 10);
    assert_eq!(openings[2]["certain"], true);
}

#[test]
fn exposure_never_pairs_a_port_with_a_source_it_does_not_accept() {
    // Everything is accepted but port 22 from one address: one line "any
    // port from anywhere" would say that address reaches port 22.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "correlated.rules",
        b"*filter\n:INPUT DROP [0:0]\n-A INPUT -s 198.51.100.7 -p tcp --dport 22 -j DROP\n-A INPUT -p tcp -j ACCEPT\nCOMMIT\n",
    );
    let json = fwlint(&["exposure", "--format", "json", &path], None);
    let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    let openings = document["files"][0]["openings"]
        .as_array()
        .expect("openings");
    let lines: Vec<(String, serde_json::Value)> = openings
        .iter()
        .map(|opening| {
            (
                opening["sources_text"].as_str().expect("text").to_string(),
                opening["ports"].clone(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            (
                "0.0.0.0-198.51.100.6, 198.51.100.8-255.255.255.255".to_string(),
                serde_json::json!([[0, 65535]])
            ),
            (
                "198.51.100.7".to_string(),
                serde_json::json!([[0, 21], [23, 65535]])
            ),
        ]
    );
    assert!(openings.iter().all(|opening| opening["certain"] == true));
}

#[test]
fn exposure_follows_what_raw_takes_out_of_tracking() {
    let openings_of = |path: &str| {
        let json = fwlint(&["exposure", "--format", "json", path], None);
        let document: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
        document["files"][0]["openings"]
            .as_array()
            .expect("openings")
            .clone()
    };
    let certain_of = |openings: &[serde_json::Value], port: u64| {
        openings
            .iter()
            .find(|opening| opening["ports"][0][0] == port)
            .map(|opening| opening["certain"].clone())
    };
    // Port 80 is surely taken out of connection tracking in raw: its
    // packets reach INPUT as UNTRACKED, and the `--ctstate NEW` rule for
    // it never accepts one. Port 443 likewise, and a rule for UNTRACKED
    // packets accepts it. Port 22 stays tracked.
    let openings = openings_of("tests/fixtures/trace/notrack.rules");
    assert_eq!(certain_of(&openings, 80), None, "{openings:#?}");
    assert_eq!(
        certain_of(&openings, 443),
        Some(serde_json::Value::Bool(true)),
        "{openings:#?}"
    );
    assert_eq!(
        certain_of(&openings, 22),
        Some(serde_json::Value::Bool(true)),
        "{openings:#?}"
    );
    // An ACCEPT in raw before the notrack rule: whether a packet to port 80
    // is tracked depends on its source, and nothing about port 80 is sure.
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(
        dir.path(),
        "undecided.rules",
        b"*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n-A PREROUTING -s 198.51.100.0/24 -j ACCEPT\n-A PREROUTING -p tcp --dport 80 -j CT --notrack\nCOMMIT\n*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp -m conntrack --ctstate NEW -m tcp --dport 80 -j ACCEPT\nCOMMIT\n",
    );
    let openings = openings_of(&path);
    assert_eq!(
        certain_of(&openings, 80),
        Some(serde_json::Value::Bool(false)),
        "{openings:#?}"
    );
}

#[test]
fn the_incident_drawn_as_a_new_user_would_ask() {
    // No --local-address: examples/fwlint.toml says which address is the
    // firewall's own, as a user's fwlint.toml would.
    let output = fwlint(
        &[
            "graph",
            "examples/nat-firewall-incident.rules",
            "--packet",
            "tcp 192.0.2.7:40000 -> 203.0.113.1:8080 in=eth0",
            "--format",
            "svg",
        ],
        None,
    );
    assert_eq!(output.status.code(), Some(0));
    let svg = String::from_utf8(output.stdout).expect("utf-8");
    assert!(
        svg.contains(
            "ACCEPT by the policy ACCEPT of filter INPUT (line 17), delivered to a local process"
        ),
        "{svg}"
    );
    let trace = fwlint(
        &[
            "trace",
            "examples/nat-firewall-incident.rules",
            "tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in=eth0",
            "--format",
            "json",
        ],
        None,
    );
    let document: serde_json::Value = serde_json::from_slice(&trace.stdout).expect("json");
    assert_eq!(document["verdict"], "ACCEPT");
    assert_eq!(document["hook"], "input");
    assert_eq!(document["uncertain"], false);
}
