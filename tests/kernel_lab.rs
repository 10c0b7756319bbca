//! `fwlint trace` against the real kernel: random rulesets (raw, nat and
//! filter; raw switches connection tracking off for some ports in half of
//! them) loaded into a
//! firewall namespace between a client and a server namespace, probe
//! packets sent from the client, and the per-rule counters of
//! `iptables-save -c` compared with the path and verdict the trace
//! predicts (kernel-semantics.md, "Building such a lab").
//!
//! Lab: client `eth0` -- `eth0` fw `eth1` -- `eth0` server. fw has
//! 203.0.113.1/24 on eth0 and 192.0.2.1/24 on eth1, routes 198.51.100.0/24
//! back to the client and 198.18.0.0/16 on to the server, forwards, sends
//! no redirects and does not rate-limit ICMP. Every neighbour is permanent;
//! client and server drop everything they receive. Namespaces are made
//! with `ip netns add` under names unique to this process and removed when
//! the lab is dropped, also on panic. Nothing runs in the machine's own
//! namespace but `ip netns add/del` and reading `/proc/PID/net/snmp`.
//!
//! The counters compared are those of the filter table (INPUT, FORWARD and
//! user chains) and of nat PREROUTING and its user chains: the host's own
//! answers (RST, ICMP errors) walk OUTPUT and POSTROUTING
//! (kernel-semantics 9). Independently of the counters, the server's
//! `IpInReceives` tells whether a forwarded packet came through, and fw's
//! `IpInDelivers` whether a local one was delivered. Traces that are not
//! certain are counted apart and never as agreement.
//!
//! The probe packets are sent by this test binary itself, re-executed
//! inside the client namespace (with `FWLINT_LAB_PROBE_HELPER` set), which reads one probe
//! per line on standard input and answers `sent`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::Duration;

use fwlint::analysis::probe;
use fwlint::analysis::trace::{self, Disposition, LocalAddresses, TraceVerdict};
use fwlint::model::Family;
use fwlint::parser::{ReadOptions, read};
use fwlint::source::SourceFile;

use crate::support::skip;

const RULESETS: usize = 50;
const PROBES_PER_RULESET: usize = 8;
const SEED: u64 = 0x5eed_f00d_2026;

/// The environment variable that turns `lab_probe_helper` into the probe
/// sender.
const HELPER_ENV: &str = "FWLINT_LAB_PROBE_HELPER";

/// What the helper answers once a probe is sent.
const SENT: &str = "fwlint-lab-probe-sent";

const CLIENT_SOURCES: [&str; 3] = ["203.0.113.100", "198.51.100.7", "198.51.100.77"];
const DESTINATIONS: [&str; 6] = [
    "203.0.113.1",
    "192.0.2.1",
    "192.0.2.2",
    "192.0.2.20",
    "198.18.0.5",
    "192.0.2.15",
];
const PORTS: [u16; 8] = [22, 80, 443, 8080, 53, 3128, 2222, 161];
/// The one port the client's TCP stack may pick (`ip_local_port_range`).
const TCP_SOURCE_PORT: u16 = 41000;

/// Sends probes from inside the client namespace: what this binary does
/// when the lab re-executes it there.
fn probe_helper() {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout();
    for line in stdin.lock().lines() {
        let Ok(line) = line else { break };
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["udp", source, sport, destination, dport] => {
                let socket = std::net::UdpSocket::bind(format!("{source}:{sport}"))
                    .expect("bind the probe's source");
                let _ = socket.send_to(b"fwlint-probe", format!("{destination}:{dport}"));
            }
            ["tcp", destination, dport] => {
                let address = format!("{destination}:{dport}")
                    .parse()
                    .expect("an address");
                // One SYN: nobody answers the client (it drops all input),
                // and the socket is gone long before a retransmission.
                let _ = std::net::TcpStream::connect_timeout(&address, Duration::from_millis(30));
            }
            _ => {}
        }
        let _ = writeln!(stdout, "{SENT}");
        let _ = stdout.flush();
    }
}

/// A small deterministic generator (xorshift64*).
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Where a generated rule goes, which limits what it may test.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Input,
    Forward,
    FilterUser,
    Prerouting,
    NatUser,
}

fn matches(random: &mut Random, place: Place) -> String {
    let mut parts: Vec<String> = Vec::new();
    let negate = |random: &mut Random| if random.chance(20) { "! " } else { "" };
    if random.chance(35) {
        let source = random.pick(&[
            "198.51.100.0/24",
            "198.51.100.7/32",
            "203.0.113.0/24",
            "10.0.0.0/8",
            "198.51.100.64/26",
        ]);
        parts.push(format!("{}-s {source}", negate(random)));
    }
    if random.chance(35) {
        let destination = random.pick(&[
            "203.0.113.1/32",
            "192.0.2.1/32",
            "192.0.2.0/24",
            "192.0.2.20/32",
            "198.18.0.0/16",
            "192.0.2.15/32",
        ]);
        parts.push(format!("{}-d {destination}", negate(random)));
    }
    if random.chance(30) {
        let interface = random.pick(&["eth0", "eth1", "eth+"]);
        parts.push(format!("{}-i {interface}", negate(random)));
    }
    if matches!(place, Place::Forward | Place::FilterUser) && random.chance(30) {
        let interface = random.pick(&["eth0", "eth1", "eth+"]);
        parts.push(format!("{}-o {interface}", negate(random)));
    }
    if random.chance(70) {
        let protocol = *random.pick(&["tcp", "udp"]);
        parts.push(format!("-p {protocol}"));
        match random.below(4) {
            0 => parts.push(format!(
                "-m {protocol} {}--dport {}",
                negate(random),
                random.pick(&PORTS)
            )),
            1 => {
                let count = 2 + random.below(3);
                let ports: Vec<String> = (0..count)
                    .map(|_| random.pick(&PORTS).to_string())
                    .collect();
                parts.push(format!("-m multiport --dports {}", ports.join(",")));
            }
            2 => {
                let low = random.pick(&PORTS);
                parts.push(format!("-m {protocol} --dport {low}:{}", low + 1000));
            }
            _ => {
                if random.chance(50) {
                    parts.push(format!(
                        "-m {protocol} --sport {}",
                        random.pick(&[41000u16, 40001, 53, 1024])
                    ));
                }
            }
        }
    }
    if random.chance(30) {
        let states: &[&str] = match place {
            Place::Prerouting | Place::NatUser => &["NEW", "NEW,ESTABLISHED", "INVALID"],
            _ => &[
                "NEW",
                "ESTABLISHED,RELATED",
                "DNAT",
                "INVALID",
                "NEW,RELATED",
                "SNAT",
            ],
        };
        let state = random.pick(states);
        if random.chance(30) && !state.contains("NAT") {
            parts.push(format!("-m state {}--state {state}", negate(random)));
        } else {
            parts.push(format!("-m conntrack {}--ctstate {state}", negate(random)));
        }
    }
    parts.join(" ")
}

fn filter_target(random: &mut Random, place: Place, users: &[&str]) -> String {
    let mut choices: Vec<String> = vec![
        "-j ACCEPT".into(),
        "-j DROP".into(),
        "-j REJECT".into(),
        "-j LOG".into(),
        String::new(),
        "-j RETURN".into(),
    ];
    for user in users {
        choices.push(format!("-j {user}"));
        choices.push(format!("-g {user}"));
    }
    if place == Place::FilterUser {
        choices.push("-j RETURN".into());
    }
    random.pick(&choices).clone()
}

fn nat_target(random: &mut Random, users: &[&str]) -> String {
    let mut choices: Vec<String> = vec![
        "-j DNAT --to-destination 192.0.2.20".into(),
        "-j DNAT --to-destination 192.0.2.1:22".into(),
        "-j DNAT --to-destination 192.0.2.2:8080".into(),
        "-j REDIRECT --to-ports 3128".into(),
        "-j ACCEPT".into(),
        "-j RETURN".into(),
        "-j LOG".into(),
    ];
    for user in users {
        choices.push(format!("-j {user}"));
        choices.push(format!("-g {user}"));
    }
    random.pick(&choices).clone()
}

/// Rule lines for `chain`, whose user chains to call are `users`.
fn rules(random: &mut Random, chain: &str, place: Place, users: &[&str], out: &mut String) {
    let count = 2 + random.below(6);
    for _ in 0..count {
        let matches = matches(random, place);
        let target = match place {
            Place::Prerouting | Place::NatUser => {
                // NAT targets need a protocol for a port.
                let target = nat_target(random, users);
                if (target.contains(':') || target.contains("REDIRECT")) && !matches.contains("-p ")
                {
                    out.push_str(&format!("-A {chain} -p tcp {matches} {target}\n"));
                    continue;
                }
                target
            }
            _ => filter_target(random, place, users),
        };
        out.push_str(&format!("-A {chain} {matches} {target}\n"));
    }
}

/// The raw table: in half of the rulesets, connection tracking switched
/// off for a port or two (`CT --notrack`, or `NOTRACK`), and a rule in
/// `INPUT` and `FORWARD` for untracked packets. Drawn from a generator of
/// its own, so that the rest of each ruleset stays what it was. Always
/// written, empty or not: iptables-restore flushes only the tables a file
/// names.
fn untracked_ports(random: &mut Random, with_raw: bool) -> (String, [String; 2]) {
    let mut untracked = [String::new(), String::new()];
    if !with_raw {
        return (String::new(), untracked);
    }
    let mut raw = String::from("*raw\n:PREROUTING ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    if random.chance(50) {
        for _ in 0..1 + random.below(2) {
            let protocol = *random.pick(&["tcp", "udp"]);
            let port = random.pick(&PORTS);
            let target = random.pick(&["CT --notrack", "NOTRACK"]);
            raw.push_str(&format!(
                "-A PREROUTING -p {protocol} -m {protocol} --dport {port} -j {target}\n"
            ));
        }
        for (chain, rule) in ["INPUT", "FORWARD"].into_iter().zip(&mut untracked) {
            let target = random.pick(&["ACCEPT", "DROP", "LOG"]);
            *rule = format!("-A {chain} -m conntrack --ctstate UNTRACKED -j {target}\n");
        }
    }
    raw.push_str("COMMIT\n");
    (raw, untracked)
}

/// One random ruleset of raw (when the kernel has it), filter and nat.
fn ruleset(random: &mut Random, raw_random: &mut Random, with_raw: bool) -> String {
    let (raw, [untracked_input, untracked_forward]) = untracked_ports(raw_random, with_raw);
    let mut text = raw;
    text.push_str("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:NATU - [0:0]\n");
    rules(
        random,
        "PREROUTING",
        Place::Prerouting,
        &["NATU"],
        &mut text,
    );
    rules(random, "NATU", Place::NatUser, &[], &mut text);
    if random.chance(50) {
        text.push_str("-A POSTROUTING -o eth1 -j MASQUERADE\n");
    }
    text.push_str("COMMIT\n");
    let policy = |random: &mut Random| *random.pick(&["ACCEPT", "DROP"]);
    let input = policy(random);
    let forward = policy(random);
    text.push_str(&format!(
        "*filter\n:INPUT {input} [0:0]\n:FORWARD {forward} [0:0]\n:OUTPUT ACCEPT [0:0]\n:U1 - [0:0]\n:U2 - [0:0]\n:U3 - [0:0]\n"
    ));
    text.push_str(&untracked_input);
    rules(
        random,
        "INPUT",
        Place::Input,
        &["U1", "U2", "U3"],
        &mut text,
    );
    text.push_str(&untracked_forward);
    rules(
        random,
        "FORWARD",
        Place::Forward,
        &["U1", "U2", "U3"],
        &mut text,
    );
    rules(random, "U1", Place::FilterUser, &["U2", "U3"], &mut text);
    rules(random, "U2", Place::FilterUser, &["U3"], &mut text);
    rules(random, "U3", Place::FilterUser, &[], &mut text);
    text.push_str("COMMIT\n");
    text.replace("  ", " ")
}

/// A probe: what the helper sends and the trace spec of the packet.
struct Probe {
    command: String,
    spec: String,
}

fn random_probe(random: &mut Random, index: usize) -> Probe {
    let destination = random.pick(&DESTINATIONS);
    let dport = if random.chance(80) {
        *random.pick(&PORTS)
    } else {
        1 + u16::try_from(random.below(65000)).unwrap_or(9)
    };
    let out = if destination.starts_with("203.") {
        ""
    } else {
        " out=eth1"
    };
    if random.chance(50) {
        Probe {
            command: format!("tcp {destination} {dport}"),
            spec: format!(
                "tcp 203.0.113.100:{TCP_SOURCE_PORT} -> {destination}:{dport} in=eth0{out} state=new flags=SYN"
            ),
        }
    } else {
        let source = random.pick(&CLIENT_SOURCES);
        let sport = 40000 + index % 2;
        Probe {
            command: format!("udp {source} {sport} {destination} {dport}"),
            spec: format!("udp {source}:{sport} -> {destination}:{dport} in=eth0{out} state=new"),
        }
    }
}

fn program_exists(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

/// Runs `program args` inside namespace `namespace`; panics with its
/// output when it fails.
/// Whether `iptables-restore` in `namespace` loads `rules`.
fn kernel_takes(namespace: &str, rules: &str) -> bool {
    let Ok(mut restore) = Command::new("ip")
        .args(["netns", "exec", namespace, "iptables-legacy-restore"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
    else {
        return false;
    };
    let written = restore
        .stdin
        .take()
        .is_some_and(|mut stdin| stdin.write_all(rules.as_bytes()).is_ok());
    restore.wait().is_ok_and(|status| status.success()) && written
}

fn netns(namespace: &str, args: &[&str]) -> String {
    let output = Command::new("ip")
        .args(["netns", "exec", namespace])
        .args(args)
        .output()
        .expect("ip netns exec runs");
    assert!(
        output.status.success(),
        "`ip netns exec {namespace} {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn ip(args: &[&str]) {
    let output = Command::new("ip").args(args).output().expect("ip runs");
    assert!(
        output.status.success(),
        "`ip {}` failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The three namespaces, removed on drop.
struct Lab {
    client: String,
    fw: String,
    server: String,
    helper: Option<(Child, ChildStdin, BufReader<ChildStdout>)>,
    /// Processes that keep a namespace's `/proc/PID/net` readable.
    watchers: Vec<Child>,
}

impl Drop for Lab {
    fn drop(&mut self) {
        if let Some((mut child, stdin, _)) = self.helper.take() {
            drop(stdin);
            let _ = child.kill();
            let _ = child.wait();
        }
        for watcher in &mut self.watchers {
            let _ = watcher.kill();
            let _ = watcher.wait();
        }
        for namespace in [&self.client, &self.fw, &self.server] {
            let _ = Command::new("ip")
                .args(["netns", "del", namespace])
                .stderr(Stdio::null())
                .status();
        }
    }
}

const FW_ETH0_MAC: &str = "02:00:00:00:00:01";
const CLIENT_MAC: &str = "02:00:00:00:00:02";
const FW_ETH1_MAC: &str = "02:00:00:00:01:01";
const SERVER_MAC: &str = "02:00:00:00:01:02";

fn sysctl(namespace: &str, key: &str, value: &str) {
    let path = format!("/proc/sys/{}", key.replace('.', "/"));
    netns(
        namespace,
        &["sh", "-c", &format!("echo '{value}' > {path}")],
    );
}

/// Removes the namespaces of earlier labs whose process is gone (killed
/// before it could clean up).
fn remove_stale_labs() {
    let Ok(output) = Command::new("ip").args(["netns", "list"]).output() else {
        return;
    };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Some(name) = line.split_whitespace().next() else {
            continue;
        };
        let Some(rest) = name.strip_prefix("fwlint-lab-") else {
            continue;
        };
        let Some(pid) = rest.split('-').next() else {
            continue;
        };
        if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
            let _ = Command::new("ip").args(["netns", "del", name]).status();
        }
    }
}

impl Lab {
    fn new() -> Lab {
        remove_stale_labs();
        let id = std::process::id();
        let mut lab = Lab {
            client: format!("fwlint-lab-{id}-client"),
            fw: format!("fwlint-lab-{id}-fw"),
            server: format!("fwlint-lab-{id}-server"),
            helper: None,
            watchers: Vec::new(),
        };
        for namespace in [&lab.client, &lab.fw, &lab.server] {
            ip(&["netns", "add", namespace]);
        }
        let (c, f, s) = (lab.client.clone(), lab.fw.clone(), lab.server.clone());
        // Both ends of each pair are made inside the lab.
        ip(&[
            "-n",
            &f,
            "link",
            "add",
            "eth0",
            "address",
            FW_ETH0_MAC,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "address",
            CLIENT_MAC,
            "netns",
            &c,
        ]);
        ip(&[
            "-n",
            &f,
            "link",
            "add",
            "eth1",
            "address",
            FW_ETH1_MAC,
            "type",
            "veth",
            "peer",
            "name",
            "eth0",
            "address",
            SERVER_MAC,
            "netns",
            &s,
        ]);
        for namespace in [&c, &f, &s] {
            ip(&["-n", namespace, "link", "set", "lo", "up"]);
            ip(&["-n", namespace, "link", "set", "eth0", "up"]);
        }
        ip(&["-n", &f, "link", "set", "eth1", "up"]);
        ip(&["-n", &f, "addr", "add", "203.0.113.1/24", "dev", "eth0"]);
        ip(&["-n", &f, "addr", "add", "192.0.2.1/24", "dev", "eth1"]);
        for address in CLIENT_SOURCES {
            ip(&[
                "-n",
                &c,
                "addr",
                "add",
                &format!("{address}/24"),
                "dev",
                "eth0",
                "noprefixroute",
            ]);
        }
        ip(&["-n", &c, "route", "add", "203.0.113.1", "dev", "eth0"]);
        ip(&[
            "-n",
            &c,
            "route",
            "add",
            "default",
            "via",
            "203.0.113.1",
            "src",
            "203.0.113.100",
        ]);
        ip(&[
            "-n",
            &c,
            "neigh",
            "add",
            "203.0.113.1",
            "lladdr",
            FW_ETH0_MAC,
            "dev",
            "eth0",
            "nud",
            "permanent",
        ]);
        ip(&["-n", &s, "addr", "add", "192.0.2.2/24", "dev", "eth0"]);
        ip(&["-n", &s, "route", "add", "default", "via", "192.0.2.1"]);
        ip(&[
            "-n",
            &s,
            "neigh",
            "add",
            "192.0.2.1",
            "lladdr",
            FW_ETH1_MAC,
            "dev",
            "eth0",
            "nud",
            "permanent",
        ]);
        ip(&[
            "-n",
            &f,
            "route",
            "add",
            "198.51.100.0/24",
            "via",
            "203.0.113.100",
            "dev",
            "eth0",
        ]);
        ip(&[
            "-n",
            &f,
            "route",
            "add",
            "198.18.0.0/16",
            "via",
            "192.0.2.2",
            "dev",
            "eth1",
        ]);
        for address in CLIENT_SOURCES {
            ip(&[
                "-n",
                &f,
                "neigh",
                "replace",
                address,
                "lladdr",
                CLIENT_MAC,
                "dev",
                "eth0",
                "nud",
                "permanent",
            ]);
        }
        for address in ["192.0.2.2", "192.0.2.20", "192.0.2.15"] {
            ip(&[
                "-n",
                &f,
                "neigh",
                "replace",
                address,
                "lladdr",
                SERVER_MAC,
                "dev",
                "eth1",
                "nud",
                "permanent",
            ]);
        }
        sysctl(&f, "net.ipv4.ip_forward", "1");
        for interface in ["all", "default", "eth0", "eth1"] {
            sysctl(
                &f,
                &format!("net.ipv4.conf.{interface}.send_redirects"),
                "0",
            );
            sysctl(&f, &format!("net.ipv4.conf.{interface}.rp_filter"), "0");
        }
        sysctl(&f, "net.ipv4.icmp_ratemask", "0");
        sysctl(
            &c,
            "net.ipv4.ip_local_port_range",
            &format!("{TCP_SOURCE_PORT} {TCP_SOURCE_PORT}"),
        );
        for namespace in [&c, &s] {
            netns(namespace, &["iptables-legacy", "-P", "INPUT", "DROP"]);
        }
        for namespace in [&f, &s] {
            let watcher = Command::new("ip")
                .args(["netns", "exec", namespace, "sleep", "3600"])
                .stdin(Stdio::null())
                .spawn()
                .expect("sleep starts");
            lab.watchers.push(watcher);
        }
        let mut helper = Command::new("ip")
            .args(["netns", "exec", &c])
            .arg(std::env::current_exe().expect("the test binary"))
            .args([
                "kernel_lab::trace_agrees_with_the_kernel",
                "--exact",
                "--nocapture",
                "--test-threads",
                "1",
            ])
            .env(HELPER_ENV, "1")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the probe helper starts");
        let stdin = helper.stdin.take().expect("piped");
        let stdout = BufReader::new(helper.stdout.take().expect("piped"));
        lab.helper = Some((helper, stdin, stdout));
        // The watchers' namespaces are entered once `ip` has exec'd sleep.
        std::thread::sleep(Duration::from_millis(100));
        lab
    }

    fn send(&mut self, command: &str) {
        let (_, stdin, stdout) = self.helper.as_mut().expect("the helper runs");
        writeln!(stdin, "{command}").expect("the helper reads");
        stdin.flush().expect("the helper reads");
        let mut line = String::new();
        loop {
            line.clear();
            let read = stdout.read_line(&mut line).expect("the helper answers");
            assert!(read > 0, "the probe helper ended");
            // The test harness prints its own words on the same line.
            if line.contains(SENT) {
                break;
            }
        }
    }

    /// An IP counter of `/proc/net/snmp` in the namespace of watcher `which`
    /// (0: fw, 1: server).
    fn snmp(&self, which: usize, name: &str) -> u64 {
        let pid = self.watchers[which].id();
        let text =
            std::fs::read_to_string(format!("/proc/{pid}/net/snmp")).expect("snmp is readable");
        let mut lines = text.lines().filter(|line| line.starts_with("Ip: "));
        let header: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
        let values: Vec<&str> = lines.next().unwrap_or("").split_whitespace().collect();
        header
            .iter()
            .position(|field| *field == name)
            .and_then(|at| values.get(at)?.parse().ok())
            .unwrap_or(0)
    }
}

/// Counters of `iptables-save -c`, by table and chain: the policy's
/// count and each rule's, in order.
type Counters = HashMap<(String, String), (Option<u64>, Vec<u64>)>;

fn counters(text: &str) -> Counters {
    let mut found: Counters = HashMap::new();
    let mut table = String::new();
    let count = |bracket: &str| -> Option<u64> {
        let inner = bracket.trim_start_matches('[').split(':').next()?;
        inner.parse().ok()
    };
    for line in text.lines() {
        if let Some(name) = line.strip_prefix('*') {
            table = name.trim().to_string();
        } else if let Some(rest) = line.strip_prefix(':') {
            let fields: Vec<&str> = rest.split_whitespace().collect();
            if let [chain, _policy, bracket] = fields.as_slice() {
                let entry = found
                    .entry((table.clone(), (*chain).to_string()))
                    .or_default();
                entry.0 = count(bracket);
            }
        } else if line.starts_with('[') {
            let mut fields = line.split_whitespace();
            let bracket = fields.next().unwrap_or("");
            let (Some("-A"), Some(chain)) = (fields.next(), fields.next()) else {
                continue;
            };
            let entry = found.entry((table.clone(), chain.to_string())).or_default();
            entry.1.push(count(bracket).unwrap_or(0));
        }
    }
    found
}

/// The chains compared: filter except OUTPUT, nat PREROUTING and NATU.
fn compared(table: &str, chain: &str) -> bool {
    match table {
        "filter" => chain != "OUTPUT",
        "nat" => chain == "PREROUTING" || chain == "NATU",
        _ => false,
    }
}

fn difference(before: &Counters, after: &Counters) -> Vec<(String, String, Option<usize>, u64)> {
    let mut moved = Vec::new();
    for ((table, chain), (policy, rules)) in after {
        if !compared(table, chain) {
            continue;
        }
        let (old_policy, old_rules) = before
            .get(&(table.clone(), chain.clone()))
            .cloned()
            .unwrap_or_default();
        let delta = policy.unwrap_or(0) - old_policy.unwrap_or(0);
        if delta > 0 {
            moved.push((table.clone(), chain.clone(), None, delta));
        }
        for (index, count) in rules.iter().enumerate() {
            let delta = count - old_rules.get(index).copied().unwrap_or(0);
            if delta > 0 {
                moved.push((table.clone(), chain.clone(), Some(index), delta));
            }
        }
    }
    moved.sort();
    moved
}

#[test]
fn trace_agrees_with_the_kernel() {
    const TEST: &str = "kernel_lab::trace_agrees_with_the_kernel";
    if std::env::var_os(HELPER_ENV).is_some() {
        probe_helper();
        return;
    }
    if !is_root() {
        skip(TEST, "needs root to make network namespaces");
        return;
    }
    for program in [
        "ip",
        "iptables-legacy",
        "iptables-legacy-save",
        "iptables-legacy-restore",
        "conntrack",
    ] {
        if !program_exists(program) {
            skip(
                TEST,
                &format!(
                    "`{program}` is not installed (Debian packages iproute2, iptables, conntrack; scripts/test.sh installs them)"
                ),
            );
            return;
        }
    }
    let probe_ns = format!("fwlint-lab-{}-probe", std::process::id());
    let made = Command::new("ip")
        .args(["netns", "add", &probe_ns])
        .stderr(Stdio::null())
        .status();
    if !made.is_ok_and(|status| status.success()) {
        skip(TEST, "`ip netns add` is not permitted here");
        return;
    }
    let _ = Command::new("ip")
        .args(["netns", "del", &probe_ns])
        .status();

    let mut lab = Lab::new();
    // A kernel built without the raw table or the CT target refuses any
    // file that names them: the lab then goes on without them, and says so.
    let with_raw = kernel_takes(
        &lab.fw,
        "*raw\n:PREROUTING ACCEPT [0:0]\n-A PREROUTING -p udp --dport 9 -j CT --notrack\n-A PREROUTING -p udp --dport 7 -j NOTRACK\nCOMMIT\n",
    );
    if !with_raw {
        let _ = writeln!(
            std::io::stderr().lock(),
            "kernel lab: this kernel has no raw table or CT target; rulesets without them"
        );
    }
    let mut random = Random(SEED);
    let mut raw_random = Random(SEED ^ 0x7a77);
    let (mut probes, mut agreed, mut uncertain) = (0usize, 0usize, 0usize);
    let mut disagreements: Vec<String> = Vec::new();
    let started = std::time::Instant::now();
    for number in 0..RULESETS {
        let text = ruleset(&mut random, &mut raw_random, with_raw);
        let file = SourceFile::new(format!("lab-{number}.rules"), text.clone());
        let read = read(
            &file,
            &ReadOptions {
                family: Some(Family::V4),
                fragment: false,
            },
        );
        assert!(read.loadable, "fwlint reads the generated ruleset:\n{text}");
        let mut restore = Command::new("ip")
            .args(["netns", "exec", &lab.fw, "iptables-legacy-restore"])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("iptables-restore runs");
        restore
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes())
            .expect("written");
        let output = restore.wait_with_output().expect("iptables-restore ends");
        assert!(
            output.status.success(),
            "the kernel refuses ruleset {number}:\n{text}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        for index in 0..PROBES_PER_RULESET {
            let probe = random_probe(&mut random, index);
            let packet = probe::parse(&probe.spec).expect("a valid spec");
            let mut local = LocalAddresses::default();
            local.add_given("203.0.113.1".parse().expect("address"), Some(24));
            local.add_given("192.0.2.1".parse().expect("address"), Some(24));
            let traced = trace::trace(&read.ruleset, &file, local, &packet);
            let _ = Command::new("ip")
                .args(["netns", "exec", &lab.fw, "conntrack", "-F"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
            let before = counters(&netns(&lab.fw, &["iptables-legacy-save", "-c"]));
            let (delivered, received) = (lab.snmp(0, "InDelivers"), lab.snmp(1, "InReceives"));
            lab.send(&probe.command);
            let after = counters(&netns(&lab.fw, &["iptables-legacy-save", "-c"]));
            let delivered = lab.snmp(0, "InDelivers") - delivered;
            let received = lab.snmp(1, "InReceives") - received;
            probes += 1;
            if !traced.is_certain() {
                uncertain += 1;
                continue;
            }
            let outcome = &traced.outcomes[0];
            let mut expected: Vec<(String, String, Option<usize>, u64)> = Vec::new();
            for step in &outcome.steps {
                if !compared(step.table.as_str(), &step.chain) {
                    continue;
                }
                let key = (
                    step.table.as_str().to_string(),
                    step.chain.clone(),
                    step.rule,
                );
                match expected
                    .iter_mut()
                    .find(|e| (e.0.clone(), e.1.clone(), e.2) == key)
                {
                    Some(entry) => entry.3 += 1,
                    None => expected.push((key.0, key.1, key.2, 1)),
                }
            }
            expected.sort();
            let observed = difference(&before, &after);
            let forwarded = matches!(outcome.disposition, Disposition::Forwarded { .. })
                && outcome.verdict == TraceVerdict::Accept;
            let local = outcome.disposition == Disposition::Local;
            let fate_agrees = (received > 0) == forwarded && (delivered > 0) == local;
            if expected == observed && fate_agrees {
                agreed += 1;
            } else {
                let path: Vec<String> = outcome
                    .steps
                    .iter()
                    .map(|s| {
                        format!(
                            "{} {} {:?} {:?}",
                            s.table.as_str(),
                            s.chain,
                            s.rule,
                            s.action
                        )
                    })
                    .collect();
                disagreements.push(format!(
                    "ruleset {number}, probe `{}`:\n  trace: {} {:?}\n  path: {path:#?}\n  expected counts {expected:?}\n  kernel counts   {observed:?}\n  server received {received}, fw delivered {delivered}\n{text}",
                    probe.spec,
                    outcome.verdict.as_str(),
                    outcome.disposition,
                ));
            }
        }
    }
    let message = format!(
        "kernel lab: {RULESETS} rulesets, {probes} probes, {agreed} agreed, {uncertain} uncertain (not compared), {} disagreed, in {:.1} s",
        disagreements.len(),
        started.elapsed().as_secs_f64()
    );
    {
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "{message}");
    }
    assert!(
        disagreements.is_empty(),
        "{message}\n{}",
        disagreements
            .iter()
            .take(3)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        agreed >= probes / 2,
        "too few certain traces to mean anything: {message}"
    );
}
