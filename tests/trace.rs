//! `fwlint trace` on fixtures, one for each fact of kernel-semantics.md a
//! trace has to get right, and on the incident's ruleset in `examples/`.

use std::path::PathBuf;
use std::process::Command;

use fwlint::analysis::probe;
use fwlint::analysis::trace::{self, Disposition, LocalAddresses, StepAction, Trace, TraceVerdict};
use fwlint::model::{Hook, TableKind};
use fwlint::parser::{ReadOptions, read};
use fwlint::source::SourceFile;

fn path(relative: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(relative)
}

/// The 1-based line of the first line of `text` that contains `needle`.
fn line(text: &str, needle: &str) -> usize {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with `{needle}`"))
        + 1
}

struct Traced {
    text: String,
    trace: Trace,
}

impl Traced {
    fn line(&self, needle: &str) -> usize {
        line(&self.text, needle)
    }

    /// The lines of the steps of the only outcome.
    fn lines(&self) -> Vec<usize> {
        assert!(
            self.trace.is_certain(),
            "expected a certain trace: {:#?}",
            self.trace.outcomes
        );
        self.trace.outcomes[0]
            .steps
            .iter()
            .filter_map(|step| step.line)
            .collect()
    }
}

fn run(relative: &str, spec: &str, local: &[&str]) -> Traced {
    let text = std::fs::read_to_string(path(relative)).expect("fixture is readable");
    let file = SourceFile::new(relative, text.clone());
    let read = read(&file, &ReadOptions::default());
    assert!(read.loadable, "{relative} loads");
    let mut addresses = LocalAddresses::default();
    for address in local {
        addresses.add_given(address.parse().expect("an address"), None);
    }
    addresses.infer(&read.ruleset);
    let probe = probe::parse(spec).expect("a valid packet spec");
    Traced {
        trace: trace::trace(&read.ruleset, &file, addresses, &probe),
        text,
    }
}

fn fixture(name: &str, spec: &str, local: &[&str]) -> Traced {
    run(&format!("tests/fixtures/trace/{name}"), spec, local)
}

#[test]
fn goto_pushes_no_return_address() {
    let t = fixture(
        "goto.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(
        t.lines(),
        [
            t.line("-A INPUT -p tcp -g A"),
            t.line("-A A -j B"),
            t.line("-A B -j RETURN"),
            t.line("--log-prefix"),
            t.line(":INPUT DROP"),
        ]
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(outcome.steps[0].action, StepAction::Goto("A".into()));
    assert_eq!(outcome.steps[4].action, StepAction::Policy("DROP".into()));
    assert_eq!(t.trace.verdict(), TraceVerdict::Drop);
    // INPUT's ACCEPT after the goto is never on the path.
    assert!(!t.lines().contains(&t.line("-A INPUT -p tcp -j ACCEPT")));
}

#[test]
fn return_in_a_builtin_chain_is_its_policy() {
    let t = fixture(
        "return-in-builtin.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.lines(), [t.line("-j RETURN"), t.line(":INPUT DROP")]);
    assert_eq!(t.trace.verdict(), TraceVerdict::Drop);
    let t = fixture(
        "return-in-builtin.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:81 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.lines(), [t.line("-p tcp -j ACCEPT")]);
    assert_eq!(t.trace.verdict(), TraceVerdict::Accept);
}

#[test]
fn dnat_to_a_local_address_goes_to_input_in_state_dnat() {
    let t = fixture(
        "dnat-to-local.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.15:2222 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(
        t.lines(),
        [
            t.line("--dport 2222 -j DNAT"),
            t.line("--ctstate DNAT -j LOG"),
            t.line("--dport 22 -j ACCEPT"),
            t.line(":INPUT ACCEPT"),
        ]
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(outcome.hooks, [Hook::Prerouting, Hook::Input]);
    assert_eq!(outcome.disposition, Disposition::Local);
    assert_eq!(outcome.rewrites.len(), 1);
    assert_eq!(outcome.rewrites[0].kind, "DNAT");
    assert_eq!(outcome.rewrites[0].before, "192.0.2.15:2222");
    assert_eq!(outcome.rewrites[0].after, "192.0.2.1:22");
    // filter sees the translated port: the DROP of 2222 is not on the way.
    assert!(!t.lines().contains(&t.line("--dport 2222 -j DROP")));
}

#[test]
fn forward_sees_the_translated_destination_and_no_snat_state() {
    let t = fixture(
        "dnat-to-local.rules",
        "tcp 198.51.100.7:40000 -> 203.0.113.1:8000 in=eth0 out=eth1",
        &["192.0.2.1", "203.0.113.1"],
    );
    assert_eq!(
        t.lines(),
        [
            t.line("--dport 8000 -j DNAT"),
            t.line("-d 192.0.2.20/32 -p tcp -m tcp --dport 80 -j ACCEPT"),
            t.line(":POSTROUTING ACCEPT"),
        ]
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(
        outcome.disposition,
        Disposition::Forwarded {
            out: Some("eth1".into())
        }
    );
    // Without DNAT the first FORWARD rule (`! --ctstate DNAT`) drops it.
    let t = fixture(
        "dnat-to-local.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.20:80 in=eth0 out=eth1",
        &["192.0.2.1"],
    );
    assert_eq!(
        t.lines(),
        [t.line(":PREROUTING ACCEPT"), t.line("! --ctstate DNAT")]
    );
    assert_eq!(t.trace.verdict(), TraceVerdict::Drop);
}

#[test]
fn redirect_delivers_locally_on_the_new_port() {
    let t = fixture(
        "redirect.rules",
        "tcp 192.0.2.7:50000 -> 198.51.100.9:80 in=eth1",
        &["192.0.2.1"],
    );
    assert_eq!(
        t.lines(),
        [
            t.line("-j REDIRECT"),
            t.line("--dport 3128 -j ACCEPT"),
            t.line(":INPUT ACCEPT")
        ]
    );
    assert_eq!(t.trace.outcomes[0].disposition, Disposition::Local);
    assert_eq!(t.trace.outcomes[0].rewrites[0].kind, "REDIRECT");
}

#[test]
fn nat_sees_only_new_packets() {
    let new = fixture(
        "nat-first-packet.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0",
        &["192.0.2.1"],
    );
    assert!(new.lines().contains(&new.line("--log-prefix \"first \"")));
    let established = fixture(
        "nat-first-packet.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0 state=established",
        &["192.0.2.1"],
    );
    assert_eq!(
        established.lines(),
        [established.line("--state ESTABLISHED")]
    );
    for state in ["invalid", "untracked"] {
        let t = fixture(
            "nat-first-packet.rules",
            &format!("tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0 state={state}"),
            &["192.0.2.1"],
        );
        assert!(
            t.trace.outcomes[0]
                .steps
                .iter()
                .all(|s| s.table != TableKind::Nat)
        );
    }
}

#[test]
fn nat_is_never_consulted_without_connection_tracking() {
    let t = fixture(
        "no-conntrack.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:23 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.lines(), [t.line("--dport 23 -j DROP")]);
}

#[test]
fn output_interface_in_a_user_chain_reached_from_input() {
    let t = fixture(
        "out-in-user-chain.rules",
        "udp 198.51.100.7:40000 -> 192.0.2.1:53 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(
        t.lines(),
        [t.line("-j CHECK"), t.line("-A CHECK ! -o eth1")]
    );
    assert_eq!(t.trace.verdict(), TraceVerdict::Accept);
}

#[test]
fn an_unknown_match_gives_every_outcome() {
    let t = fixture(
        "unknown-module.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in=eth0",
        &["192.0.2.1"],
    );
    assert!(!t.trace.is_certain());
    assert_eq!(t.trace.verdict(), TraceVerdict::Unknown);
    let mut verdicts: Vec<&str> = t
        .trace
        .outcomes
        .iter()
        .map(|o| o.verdict.as_str())
        .collect();
    verdicts.sort_unstable();
    assert_eq!(verdicts, ["ACCEPT", "DROP"]);
    let undecided = t.trace.undecided();
    assert_eq!(undecided.len(), 1);
    assert_eq!(undecided[0].line, Some(t.line("geoip")));
    // The reason names the match fwlint cannot decide.
    assert!(
        undecided[0].reason.contains("`-m geoip`"),
        "{}",
        undecided[0].reason
    );
    // A packet the unknown rule cannot match is certain.
    let t = fixture(
        "unknown-module.rules",
        "udp 198.51.100.7:40000 -> 192.0.2.1:80 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.lines(), [t.line("-p udp -j DROP")]);
}

#[test]
fn a_port_the_spec_leaves_open_is_undecided() {
    let t = fixture(
        "return-in-builtin.rules",
        "tcp 198.51.100.7 -> 192.0.2.1 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.trace.verdict(), TraceVerdict::Unknown);
    assert!(t.trace.undecided()[0].reason.contains("destination port"));
}

#[test]
fn unknown_host_addresses_leave_the_route_open() {
    let t = fixture(
        "goto.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0",
        &[],
    );
    assert!(!t.trace.is_certain());
    assert!(
        t.trace
            .outcomes
            .iter()
            .any(|o| o.hooks.contains(&Hook::Input))
    );
    assert!(
        t.trace
            .outcomes
            .iter()
            .any(|o| o.hooks.contains(&Hook::Forward))
    );
}

#[test]
fn a_packet_out_of_connection_tracking_is_untracked_from_then_on() {
    let spec = |port: u16, state: &str| {
        format!("tcp 198.51.100.7:40000 -> 192.0.2.1:{port} in=eth0 state={state}")
    };
    // `CT --notrack` in raw: the `--ctstate NEW` rule for the port never
    // matches, nat is skipped, and the policy drops it, whatever state the
    // packet would have had.
    for state in ["new", "established"] {
        let t = fixture("notrack.rules", &spec(80, state), &["192.0.2.1"]);
        assert_eq!(t.trace.verdict(), TraceVerdict::Drop, "state={state}");
        assert_eq!(
            t.lines(),
            [
                t.line("--dport 80 -j CT --notrack"),
                t.line(":PREROUTING ACCEPT"),
                t.line(":INPUT DROP"),
            ]
        );
        assert!(
            t.trace.outcomes[0]
                .steps
                .iter()
                .all(|s| s.table != TableKind::Nat)
        );
    }
    // `NOTRACK`, the old name: only `--ctstate UNTRACKED` matches.
    let t = fixture("notrack.rules", &spec(443, "new"), &["192.0.2.1"]);
    assert_eq!(t.trace.verdict(), TraceVerdict::Accept);
    assert!(t.lines().contains(&t.line("--ctstate UNTRACKED")));
    // A port left tracked goes through nat and is accepted as NEW.
    let t = fixture("notrack.rules", &spec(22, "new"), &["192.0.2.1"]);
    assert_eq!(t.trace.verdict(), TraceVerdict::Accept);
    assert!(t.lines().contains(&t.line("--log-prefix \"nat \"")));
    assert!(
        t.lines()
            .contains(&t.line("--ctstate NEW -m tcp --dport 22"))
    );
}

#[test]
fn marks_set_by_mark_are_tested_later() {
    let t = fixture(
        "marks.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:25 in=eth0",
        &["192.0.2.1"],
    );
    assert_eq!(t.trace.verdict(), TraceVerdict::Drop);
    assert!(t.lines().contains(&t.line("--mark 0x1 -j DROP")));
    let t = fixture(
        "marks.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in=eth0 mark=0x2",
        &["192.0.2.1"],
    );
    assert_eq!(t.trace.verdict(), TraceVerdict::Reject);
}

#[test]
fn masquerade_in_postrouting_and_locally_sent_packets() {
    let t = fixture(
        "masquerade.rules",
        "tcp 10.20.0.5:40000 -> 198.51.100.9:443 in=eth1 out=eth0",
        &["192.0.2.1"],
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(
        outcome.hooks,
        [Hook::Prerouting, Hook::Forward, Hook::Postrouting]
    );
    assert_eq!(outcome.rewrites[0].kind, "MASQUERADE");
    let t = fixture(
        "masquerade.rules",
        "udp 192.0.2.1:40000 -> 198.51.100.53:53 from=local out=eth0",
        &["192.0.2.1"],
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(outcome.hooks, [Hook::Output, Hook::Postrouting]);
    assert_eq!(
        outcome.disposition,
        Disposition::Sent {
            out: Some("eth0".into())
        }
    );
    assert!(t.lines().contains(&t.line("--dport 53 -j ACCEPT")));
}

#[test]
fn the_incident_packet_is_delivered_locally_and_never_meets_forward() {
    let t = run(
        "examples/nat-firewall-incident.rules",
        "tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in=eth0 state=new",
        &["203.0.113.1"],
    );
    let outcome = &t.trace.outcomes[0];
    assert_eq!(t.trace.verdict(), TraceVerdict::Accept);
    assert_eq!(outcome.disposition, Disposition::Local);
    assert_eq!(outcome.hooks, [Hook::Prerouting, Hook::Input]);
    let input_policy = outcome
        .steps
        .iter()
        .find(|s| s.table == TableKind::Filter)
        .expect("filter INPUT is on the path");
    assert_eq!(input_policy.action, StepAction::Policy("ACCEPT".into()));
    assert_eq!(input_policy.line, Some(17));
    assert!(!t.lines().contains(&25));
    assert!(outcome.steps.iter().all(|s| s.chain != "FORWARD"));
}

fn fwlint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fwlint"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("fwlint runs")
}

#[test]
fn json_contract_of_the_command() {
    let output = fwlint(&[
        "trace",
        "examples/nat-firewall-incident.rules",
        "--packet",
        "tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in=eth0",
        "--local-address",
        "203.0.113.1/24",
        "--format",
        "json",
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["verdict"], "ACCEPT");
    assert_eq!(document["disposition"], "local");
    assert_eq!(
        document["hooks"],
        serde_json::json!(["prerouting", "input"])
    );
    assert_eq!(document["uncertain"], false);
    let path = document["path"].as_array().expect("path");
    // nat PREROUTING's policy, filter INPUT's policy, nat INPUT's policy.
    assert_eq!(path.len(), 3);
    assert_eq!(path[0]["table"], "nat");
    assert_eq!(path[2]["table"], "nat");
    assert_eq!(path[2]["chain"], "INPUT");
    assert_eq!(path[1]["table"], "filter");
    assert_eq!(path[1]["chain"], "INPUT");
    assert_eq!(path[1]["line"], 17);
    assert_eq!(path[1]["action"], "policy");
    assert_eq!(document["rewrites"], serde_json::json!([]));
}

#[test]
fn uncertain_json_lists_every_outcome() {
    let output = fwlint(&[
        "trace",
        "tests/fixtures/trace/unknown-module.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:80 in=eth0",
        "--local-address",
        "192.0.2.1",
        "--format",
        "json",
    ]);
    let document: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(document["verdict"], "UNKNOWN");
    assert_eq!(document["uncertain"], true);
    assert_eq!(document["undecided"][0]["line"], 6);
    assert_eq!(document["outcomes"].as_array().map(Vec::len), Some(2));
}

#[test]
fn text_tells_the_story_with_line_numbers() {
    let output = fwlint(&[
        "trace",
        "tests/fixtures/trace/goto.rules",
        "tcp 198.51.100.7:40000 -> 192.0.2.1:22 in=eth0",
        "--local-address",
        "192.0.2.1",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("line   10  -A INPUT -p tcp -g A  => goes to A"),
        "{text}"
    );
    assert!(text.contains("verdict: DROP"), "{text}");
}

#[test]
fn bad_packet_specs_exit_2_with_a_pointer() {
    for spec in [
        "tcp 198.51.100.7:40000 -> 203.0.113.1:99999",
        "tcp 198.51.100.7 203.0.113.1",
        "tcp 198.51.100.7 -> 203.0.113.1 colour=red",
        "tcp [2001:db8::1]:5 -> [2001:db8::2]:80",
    ] {
        let output = fwlint(&["trace", "examples/nat-firewall-incident.rules", spec]);
        assert_eq!(output.status.code(), Some(2), "{spec}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("trace/invalid-packet"), "{spec}: {stderr}");
    }
    let output = fwlint(&["trace", "no/such/file.rules", "tcp 1.2.3.4 -> 1.2.3.5"]);
    assert_eq!(output.status.code(), Some(2));
}
