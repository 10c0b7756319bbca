//! Properties over generated input: rules print and read back to the same
//! model; fwlint and the real `iptables-restore` agree on which generated
//! rules load; and the packet-set algebra of the analysis obeys its laws on
//! every field at once, checked against enumeration of a small packet space.
//! (`src/analysis/space.rs` checks the operations on single interval sets
//! and on three fields; this goes over all twelve and the approximations.)

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::{Command, Stdio};

use fwlint::analysis::space::{
    Bound, Cube, Endpoint, Intervals, NarrowIntervals, PacketSet, misc, state,
};
use fwlint::model::{Family, print};
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestRunner};

use crate::support;

/// A fixed seed, so that CI and every machine run the same cases, and no
/// failure file is written into the checkout: a failure prints its minimal
/// input, which belongs in a test of its own.
fn deterministic(cases: u32) -> Config {
    Config {
        cases,
        rng_seed: RngSeed::Fixed(0x0f1e_2d3c),
        failure_persistence: None,
        ..Config::default()
    }
}

// ---------------------------------------------------------------------------
// Generated rules

/// One generated rule line (after `-A FORWARD`), for one family, and
/// whether the generator broke it on purpose.
#[derive(Debug, Clone)]
struct GeneratedRule {
    family: Family,
    text: String,
    broken: Option<&'static str>,
}

fn v4_address() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u8..=223, any::<u8>(), any::<u8>(), 1u8..=254)
            .prop_map(|(a, b, c, d)| format!("{a}.{b}.{c}.{d}")),
        (1u8..=223, any::<u8>(), 8u8..=32)
            .prop_map(|(a, b, prefix)| format!("{a}.{b}.0.0/{prefix}")),
        Just("0.0.0.0/0".to_string()),
    ]
}

fn v6_address() -> impl Strategy<Value = String> {
    prop_oneof![
        (any::<u16>(), any::<u16>()).prop_map(|(a, b)| format!("2001:db8:{a:x}::{b:x}")),
        (any::<u16>(), 16u8..=128).prop_map(|(a, prefix)| format!("2001:db8:{a:x}::/{prefix}")),
        Just("fe80::/10".to_string()),
    ]
}

fn negation() -> impl Strategy<Value = &'static str> {
    prop_oneof![4 => Just(""), 1 => Just("! ")]
}

fn port() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u16..=65535).prop_map(|port| port.to_string()),
        (1u16..=1024, 0u16..=2000).prop_map(|(low, span)| format!("{low}:{}", low + span)),
        Just("ssh".to_string()),
    ]
}

/// The protocol part: `-p` and what may follow it.
fn protocol(family: Family) -> impl Strategy<Value = String> {
    let icmp = if family == Family::V4 {
        prop_oneof![
            Just("-p icmp".to_string()),
            Just("-p icmp --icmp-type echo-request".to_string()),
            Just("-p icmp -m icmp --icmp-type 3/4".to_string()),
            Just("-p icmp --icmp-type any".to_string()),
        ]
        .boxed()
    } else {
        prop_oneof![
            Just("-p ipv6-icmp".to_string()),
            Just("-p ipv6-icmp --icmpv6-type echo-request".to_string()),
            Just("-p icmpv6 -m icmp6 --icmpv6-type 1/3".to_string()),
        ]
        .boxed()
    };
    prop_oneof![
        Just(String::new()),
        (negation(), port()).prop_map(|(not, port)| format!("-p tcp {not}--dport {port}")),
        (port(), port()).prop_map(|(a, b)| format!("-p tcp -m tcp --sport {a} --dport {b}")),
        Just("-p tcp --syn".to_string()),
        Just("-p tcp --tcp-flags SYN,ACK,FIN SYN".to_string()),
        (negation(), port()).prop_map(|(not, port)| format!("-p udp -m udp {not}--dport {port}")),
        prop::collection::vec(1u16..=65535, 1..6).prop_map(|ports| format!(
            "-p tcp -m multiport --dports {}",
            ports
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(",")
        )),
        icmp,
        Just("-p gre".to_string()),
        Just("! -p esp".to_string()),
        Just("-p 132".to_string()),
    ]
}

fn extra_match() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        prop::sample::subsequence(
            vec!["NEW", "ESTABLISHED", "RELATED", "INVALID", "UNTRACKED"],
            1..4
        )
        .prop_map(|states| format!("-m conntrack --ctstate {}", states.join(","))),
        prop::sample::subsequence(vec!["NEW", "ESTABLISHED", "RELATED", "INVALID"], 1..3)
            .prop_map(|states| format!("-m state ! --state {}", states.join(","))),
        "[a-z][a-z0-9 _.:-]{0,40}"
            .prop_map(|comment| format!("-m comment --comment \"{comment}\"")),
        (
            1u32..1000,
            prop::sample::select(vec!["second", "minute", "hour", "day"]),
            1u32..100
        )
            .prop_map(|(rate, unit, burst)| format!(
                "-m limit --limit {rate}/{unit} --limit-burst {burst}"
            )),
        any::<[u8; 6]>().prop_map(|mac| format!(
            "-m mac --mac-source {:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]
        )),
        (0u16..1500, 0u16..1500).prop_map(|(a, b)| format!(
            "-m length --length {}:{}",
            a.min(b),
            a.max(b)
        )),
        (1u8..=254).prop_map(|mark| format!("-m mark --mark 0x{mark:x}/0xff")),
        Just("-m addrtype --dst-type LOCAL".to_string()),
    ]
}

fn target(family: Family) -> impl Strategy<Value = String> {
    let reject = if family == Family::V4 {
        "-j REJECT --reject-with icmp-host-prohibited"
    } else {
        "-j REJECT --reject-with icmp6-adm-prohibited"
    };
    prop_oneof![
        Just("-j ACCEPT".to_string()),
        Just("-j DROP".to_string()),
        Just("-j RETURN".to_string()),
        Just(reject.to_string()),
        "[A-Za-z][A-Za-z0-9 ]{0,20}"
            .prop_map(|prefix| format!("-j LOG --log-prefix \"{prefix}\" --log-level 4")),
        Just("-j USER".to_string()),
        Just("-g USER".to_string()),
        Just("-j MARK --set-xmark 0x1/0xff".to_string()),
        Just(String::new()),
    ]
}

fn valid_rule(family: Family) -> impl Strategy<Value = GeneratedRule> {
    let address = if family == Family::V4 {
        v4_address().boxed()
    } else {
        v6_address().boxed()
    };
    (
        prop::option::of((negation(), address.clone())),
        prop::option::of((negation(), address)),
        prop::option::of((negation(), "(eth|wg|br)[0-9]{1,2}\\+?")),
        prop::option::of((negation(), "(eth|ppp)[0-9]")),
        protocol(family),
        extra_match(),
        target(family),
    )
        .prop_map(
            move |(source, destination, input, output, protocol, extra, target)| {
                let mut text = String::new();
                if let Some((not, address)) = source {
                    let _ = write!(text, "{not}-s {address} ");
                }
                if let Some((not, address)) = destination {
                    let _ = write!(text, "{not}-d {address} ");
                }
                if let Some((not, interface)) = input {
                    let _ = write!(text, "{not}-i {interface} ");
                }
                if let Some((not, interface)) = output {
                    let _ = write!(text, "{not}-o {interface} ");
                }
                for part in [protocol, extra, target] {
                    if !part.is_empty() {
                        let _ = write!(text, "{part} ");
                    }
                }
                GeneratedRule {
                    family,
                    text: text.trim_end().to_string(),
                    broken: None,
                }
            },
        )
}

/// Ways to break a rule that iptables-restore notices, each a (name, what
/// to append or replace) pair applied to a valid rule.
fn breakage() -> impl Strategy<Value = (&'static str, &'static str)> {
    prop::sample::select(vec![
        ("port out of range", "-p tcp --dport 65536"),
        ("port range out of range", "-p udp --sport 10:70000"),
        ("unknown state", "-m conntrack --ctstate NEWISH"),
        ("unknown match", "-m nosuchmatch"),
        ("unknown option", "--no-such-option"),
        ("port without protocol", "--dport 22"),
        ("undefined chain", "-j NOSUCHCHAIN"),
        (
            "comment too long",
            "-m comment --comment \"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"",
        ),
        ("interface name too long", "-i abcdefghijklmnopq"),
        (
            "too many multiport ports",
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16",
        ),
        (
            "limit burst zero",
            "-m limit --limit 5/second --limit-burst 0",
        ),
        ("bad mask", "-s 10.0.0.0/33"),
        ("bad tcp flag", "-p tcp --tcp-flags SYN,BOGUS SYN"),
        (
            "reject with tcp-reset for udp",
            "-p udp -j REJECT --reject-with tcp-reset",
        ),
        ("two targets", "-j ACCEPT -j DROP"),
        (
            "log prefix too long",
            "-j LOG --log-prefix \"0123456789012345678901234567890\"",
        ),
        ("bad mark", "-m mark --mark 0x1/0xfffffffff"),
        ("negated twice", "! ! -s 10.0.0.1"),
        ("unterminated quote", "-m comment --comment \"open"),
    ])
}

fn any_rule(family: Family) -> impl Strategy<Value = GeneratedRule> {
    prop_oneof![
        3 => valid_rule(family),
        1 => (valid_rule(family), breakage()).prop_map(|(rule, (name, part))| GeneratedRule {
            text: format!("{part} {}", rule.text).trim().to_string(),
            broken: Some(name),
            ..rule
        }),
    ]
}

/// A complete file holding `rules` in FORWARD, each in its own table block
/// so that iptables-restore's error line names the rule.
const BLOCK_LINES: usize = 7;

fn block(rule: &str) -> String {
    format!(
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:USER - [0:0]\n-A FORWARD {rule}\nCOMMIT\n"
    )
}

fn generate<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, count: usize) -> Vec<T> {
    let mut runner = TestRunner::deterministic();
    (0..count)
        .map(|_| strategy.new_tree(&mut runner).expect("a value").current())
        .collect()
}

// ---------------------------------------------------------------------------
// Print, then read back

/// The model's `Debug` text with every span removed: two models equal under
/// it hold the same rules, wherever in their files they came from.
fn without_spans(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("Span {") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let end = after.find('}').map_or(after.len(), |end| end + 1);
        out.push_str("Span");
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// `rule` as iptables-save would give it back, in the model: what the
/// printer spells differently from the input, without changing what the
/// rule matches, spelled the printer's way. A protocol match that `-p`
/// loaded by itself is printed with its `-m`, and `--syn` as the
/// `--tcp-flags` it stands for.
fn as_printed(mut rule: fwlint::model::Rule) -> fwlint::model::Rule {
    for extension in &mut rule.matches {
        extension.implicit = false;
        for option in &mut extension.options {
            if option.name == "syn" {
                option.name = "tcp-flags".into();
            }
        }
    }
    rule
}

fn read_rules(family: Family, text: &str) -> (bool, Vec<fwlint::model::Rule>, Vec<String>) {
    let report = support::check("generated.rules", text, Some(family));
    let codes = report
        .diagnostics
        .iter()
        .filter(|d| d.severity == fwlint::diagnostics::Severity::Error)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect();
    let rules = report
        .ruleset
        .tables
        .iter()
        .flat_map(|table| table.chains.iter())
        .flat_map(|chain| chain.rules.iter().cloned())
        .collect();
    (report.loadable, rules, codes)
}

proptest! {
    #![proptest_config(deterministic(512))]

    /// A valid generated rule loads, prints, and the printed text reads
    /// back to the same rule; printing again gives the same text.
    #[test]
    fn printed_rules_read_back_to_the_same_model(
        rule in prop_oneof![valid_rule(Family::V4), valid_rule(Family::V6)]
    ) {
        let (loadable, rules, errors) = read_rules(rule.family, &block(&rule.text));
        prop_assert!(loadable, "generated rule `{}` does not load: {:?}", rule.text, errors);
        prop_assert_eq!(rules.len(), 1);
        let printed: Vec<String> = rules.iter().map(print::rule).collect();
        let again: String = printed.iter().map(|line| format!("-A FORWARD {line}\n")).collect();
        let text = format!(
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:USER - [0:0]\n{again}COMMIT\n"
        );
        let (loadable, reread, errors) = read_rules(rule.family, &text);
        prop_assert!(loadable, "printed `{}` does not load: {:?}", again, errors);
        let expected: Vec<_> = rules.iter().cloned().map(as_printed).collect();
        prop_assert_eq!(
            without_spans(&format!("{reread:#?}")),
            without_spans(&format!("{expected:#?}")),
            "`{}` printed as `{}`", rule.text, again
        );
        let reprinted: Vec<String> = reread.iter().map(print::rule).collect();
        prop_assert_eq!(reprinted, printed);
    }
}

// ---------------------------------------------------------------------------
// fwlint against iptables-restore

/// The line iptables-restore names in its error message.
fn failed_line(stderr: &str) -> Option<usize> {
    for line in stderr.lines() {
        if let Some(rest) = line.strip_prefix("Error occurred at line: ") {
            return rest.trim().parse().ok();
        }
        if let Some(rest) = line.split("line ").nth(1) {
            if let Some(number) = rest.strip_suffix(" failed") {
                return number.trim().parse().ok();
            }
        }
    }
    None
}

/// Runs `program` (legacy iptables-restore) on the blocks of `rules` in a
/// private network namespace; returns, per rule, `None` when it loaded and
/// the error text when it did not. Rules are batched: one call for all of
/// them, then one more after each failure, without the failed rule.
fn real_verdicts(program: &str, test: bool, rules: &[&str]) -> Vec<Option<String>> {
    let mut verdicts: Vec<Option<String>> = vec![None; rules.len()];
    let mut pending: Vec<usize> = (0..rules.len()).collect();
    while !pending.is_empty() {
        let text: String = pending.iter().map(|&index| block(rules[index])).collect();
        let mut command = Command::new("unshare");
        command.args(["-n", program]);
        if test {
            command.arg("--test");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("unshare runs");
        let _ = child
            .stdin
            .take()
            .expect("piped")
            .write_all(text.as_bytes());
        let output = child.wait_with_output().expect("iptables-restore finishes");
        if output.status.success() {
            break;
        }
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        let Some(line) = failed_line(&stderr) else {
            panic!("{program} failed without naming a line:\n{stderr}");
        };
        let position = (line.max(1) - 1) / BLOCK_LINES;
        let index = pending.remove(position.min(pending.len() - 1));
        verdicts[index] = Some(stderr);
    }
    verdicts
}

/// The extensions a generated rule makes the kernel load: every `-m` and
/// `-j` name, the protocol match of `-p`, and `tables`, the kernel's
/// iptables itself.
fn extensions_used(text: &str) -> Vec<&str> {
    let mut used = vec!["tables"];
    let mut words = text.split_whitespace();
    while let Some(word) = words.next() {
        match (word, words.clone().next()) {
            ("-m" | "-j", Some(name)) => used.push(name),
            ("-p", Some("tcp")) => used.push("tcp"),
            ("-p", Some("udp")) => used.push("udp"),
            ("-p", Some("icmp")) => used.push("icmp"),
            ("-p", Some("ipv6-icmp" | "icmpv6")) => used.push("icmp6"),
            _ => {}
        }
    }
    used
}

/// A rule that loads wherever the kernel has `extension`'s module.
fn probe(family: Family, extension: &str) -> Option<&'static str> {
    Some(match extension {
        "tables" => "-j ACCEPT",
        "tcp" => "-p tcp -m tcp --dport 1",
        "udp" => "-p udp -m udp --dport 1",
        "icmp" if family == Family::V4 => "-p icmp -m icmp --icmp-type any",
        "icmp6" if family == Family::V6 => "-p ipv6-icmp -m icmp6 --icmpv6-type 1",
        "multiport" => "-p tcp -m multiport --dports 1",
        "conntrack" => "-m conntrack --ctstate NEW",
        "state" => "-m state --state NEW",
        "comment" => "-m comment --comment probe",
        "limit" => "-m limit --limit 1/second",
        "mac" => "-m mac --mac-source 00:00:00:00:00:01",
        "length" => "-m length --length 1",
        "mark" => "-m mark --mark 1",
        "addrtype" => "-m addrtype --dst-type LOCAL",
        "LOG" => "-j LOG",
        "REJECT" => "-j REJECT",
        "MARK" => "-j MARK --set-xmark 0x1/0x1",
        _ => return None,
    })
}

/// The extensions of `rules` whose probe this kernel refuses: a container
/// may not be able to load every module. Only a real load can fail for
/// that; `--test` never asks the kernel.
fn missing_modules<'a>(program: &str, family: Family, rules: &[&'a str]) -> Vec<&'a str> {
    let mut extensions: Vec<&str> = rules
        .iter()
        .flat_map(|rule| extensions_used(rule))
        .collect();
    extensions.sort_unstable();
    extensions.dedup();
    let probed: Vec<(&str, &str)> = extensions
        .into_iter()
        .filter_map(|extension| Some((extension, probe(family, extension)?)))
        .collect();
    let probes: Vec<&str> = probed.iter().map(|(_, rule)| *rule).collect();
    let verdicts = real_verdicts(program, false, &probes);
    probed
        .iter()
        .zip(verdicts)
        .filter(|(_, verdict)| verdict.is_some())
        .map(|((extension, _), _)| *extension)
        .collect()
}

fn uses_unknown_extension(rule: &fwlint::model::Rule) -> bool {
    let target = match &rule.target.kind {
        fwlint::model::TargetKind::Extension(target) => Some(&**target),
        _ => None,
    };
    rule.matches
        .iter()
        .chain(target)
        .any(|extension| !extension.known)
}

/// Generated rules, valid and broken on purpose, are judged alike by
/// fwlint ("loadable") and by the real iptables-restore (`--test`, then a
/// real load, both in a private network namespace). A rule the kernel
/// refuses only because it lacks a module (its probe fails too) is left
/// out and counted, and so is a rule with an extension fwlint does not
/// know, of which it claims nothing.
#[test]
fn generated_rules_are_judged_alike_by_fwlint_and_iptables_restore() {
    if let Err(reason) = support::live_iptables() {
        support::skip(
            "generated_rules_are_judged_alike_by_fwlint_and_iptables_restore",
            &reason,
        );
        return;
    }
    const PER_FAMILY: usize = 300;
    let mut compared = 0;
    let mut refused = 0;
    let mut environment = 0;
    let mut uncertain = 0;
    let mut missing_everywhere = Vec::new();
    let mut disagreements = Vec::new();
    for (family, program) in [
        (Family::V4, "iptables-legacy-restore"),
        (Family::V6, "ip6tables-legacy-restore"),
    ] {
        let generated = generate(any_rule(family), PER_FAMILY);
        let texts: Vec<&str> = generated.iter().map(|rule| rule.text.as_str()).collect();
        let tested = real_verdicts(program, true, &texts);
        let passing: Vec<usize> = (0..texts.len())
            .filter(|&index| tested[index].is_none())
            .collect();
        let loaded_texts: Vec<&str> = passing.iter().map(|&index| texts[index]).collect();
        let loaded = real_verdicts(program, false, &loaded_texts);
        let missing = missing_modules(program, family, &loaded_texts);
        // `Some(verdict)` per rule: `None` for a valid rule, the error
        // otherwise; a rule left out for a missing module has no verdict.
        let mut real: Vec<Option<Option<String>>> = tested.into_iter().map(Some).collect();
        for (position, &index) in passing.iter().enumerate() {
            let kernel_refused = loaded[position].is_some();
            let lacks_module = extensions_used(texts[index])
                .iter()
                .any(|extension| missing.contains(extension));
            real[index] = if kernel_refused && lacks_module {
                environment += 1;
                None
            } else {
                Some(loaded[position].clone())
            };
        }
        missing_everywhere.extend(missing.iter().map(|name| format!("{family:?} {name}")));
        for (rule, real) in generated.iter().zip(&real) {
            let Some(real) = real else {
                continue;
            };
            let (fwlint_loadable, rules, errors) = read_rules(family, &block(&rule.text));
            // An extension fwlint does not know may be installed where the
            // file is loaded (xtables-addons): fwlint then says it cannot
            // tell, and claims nothing to compare. It must say so only for
            // such rules.
            if rules.iter().any(uses_unknown_extension) {
                uncertain += 1;
                if rule.broken != Some("unknown match") {
                    disagreements.push(format!(
                        "{family:?} `{}` ({}): fwlint does not know an extension of it",
                        rule.text,
                        rule.broken.unwrap_or("valid"),
                    ));
                }
                continue;
            }
            compared += 1;
            refused += usize::from(real.is_some());
            if fwlint_loadable != real.is_none() {
                disagreements.push(format!(
                    "{family:?} `{}` ({}): fwlint says {}, iptables-restore {}\n  fwlint: {errors:?}\n  iptables: {}",
                    rule.text,
                    rule.broken.unwrap_or("valid"),
                    if fwlint_loadable { "loadable" } else { "refused" },
                    if real.is_none() { "loads it" } else { "refuses it" },
                    real.as_deref().unwrap_or("").trim()
                ));
            }
        }
    }
    eprintln!(
        "{compared} generated rules judged alike ({refused} refused by iptables); \
         {uncertain} with an extension fwlint does not know, so uncertain; \
         {environment} left out because this kernel lacks a module ({missing_everywhere:?})"
    );
    assert!(
        refused > 20 && compared - refused > 100,
        "the generator makes both kinds"
    );
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

// ---------------------------------------------------------------------------
// The packet-set algebra against enumeration

/// The small packet space: the interval fields (src, dst, proto, sport,
/// dport, icmp) take values below these sizes (four for the addresses and
/// destination port, so that sets with gaps occur), each bit field uses its
/// low two bits, and the fragment and locality groups one bit each; a
/// packet is one value of every field.
const DOMAIN: [u128; 6] = [4, 2, 2, 2, 4, 2];

/// The bit fields (iif, oif, state, nat, tcp flags) and the two groups of
/// `misc`, each with two values.
const BINARY_FIELDS: usize = 7;

/// How many packets the small space holds.
const PACKETS: usize = {
    let mut count = 1 << BINARY_FIELDS;
    let mut index = 0;
    while index < DOMAIN.len() {
        count *= DOMAIN[index] as usize;
        index += 1;
    }
    count
};

/// A set of packets of the small space, found by enumeration: one bit per
/// packet.
#[derive(Clone, PartialEq, Eq)]
struct Members(Vec<u64>);

impl std::fmt::Debug for Members {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let packets: Vec<usize> = (0..PACKETS).filter(|&p| self.holds(p)).collect();
        write!(
            f,
            "{} packets {:?}",
            packets.len(),
            &packets[..packets.len().min(16)]
        )
    }
}

impl Members {
    fn none() -> Self {
        Members(vec![0; PACKETS.div_ceil(64)])
    }

    fn holds(&self, packet: usize) -> bool {
        self.0[packet / 64] >> (packet % 64) & 1 == 1
    }

    fn insert(&mut self, packet: usize) {
        self.0[packet / 64] |= 1 << (packet % 64);
    }

    fn combine(&self, other: &Members, bits: impl Fn(u64, u64) -> u64) -> Members {
        Members(
            self.0
                .iter()
                .zip(&other.0)
                .map(|(&a, &b)| bits(a, b))
                .collect(),
        )
    }

    fn and(&self, other: &Members) -> Members {
        self.combine(other, |a, b| a & b)
    }

    fn or(&self, other: &Members) -> Members {
        self.combine(other, |a, b| a | b)
    }

    fn without(&self, other: &Members) -> Members {
        self.combine(other, |a, b| a & !b)
    }

    fn is_empty(&self) -> bool {
        self.0.iter().all(|&word| word == 0)
    }

    fn is_subset(&self, other: &Members) -> bool {
        self.without(other).is_empty()
    }
}

/// The packets of `cube`: every combination of the values each field
/// allows, numbered in mixed radix over the fields.
fn cube_members(cube: &Cube) -> Members {
    fn values<T: Endpoint>(set: &Intervals<T>, size: u128) -> Vec<usize> {
        set.ranges()
            .iter()
            .flat_map(|&(lo, hi)| lo.into()..=hi.into())
            .filter(|&value| value < size)
            .map(|value| value as usize)
            .collect()
    }
    let mut allowed: Vec<Vec<usize>> = vec![
        values(&cube.src, DOMAIN[0]),
        values(&cube.dst, DOMAIN[1]),
        values(&cube.proto, DOMAIN[2]),
        values(&cube.sport, DOMAIN[3]),
        values(&cube.dport, DOMAIN[4]),
        values(&cube.icmp, DOMAIN[5]),
    ];
    let two = |has: [bool; 2]| -> Vec<usize> { (0..2).filter(|&value| has[value]).collect() };
    for bits in [
        cube.iif & 0b11,
        cube.oif & 0b11,
        u128::from(cube.state & 0b11),
        u128::from(cube.nat & 0b11),
        u128::from(cube.tcp_flags & 0b11),
    ] {
        allowed.push(two([bits & 1 != 0, bits & 2 != 0]));
    }
    allowed.push(two([
        cube.misc & misc::UNFRAGMENTED != 0,
        cube.misc & misc::LATER_FRAGMENT != 0,
    ]));
    allowed.push(two([
        cube.misc & misc::DST_LOCAL != 0,
        cube.misc & misc::DST_REMOTE != 0,
    ]));
    let sizes = DOMAIN
        .iter()
        .map(|&size| size as usize)
        .chain([2; BINARY_FIELDS]);
    let mut packets = vec![0usize];
    let mut stride = 1;
    for (values, size) in allowed.iter().zip(sizes) {
        packets = packets
            .iter()
            .flat_map(|&packet| values.iter().map(move |&value| packet + value * stride))
            .collect();
        stride *= size;
    }
    let mut members = Members::none();
    for packet in packets {
        members.insert(packet);
    }
    members
}

fn members(set: &PacketSet) -> Members {
    set.cubes()
        .iter()
        .fold(Members::none(), |all, cube| all.or(&cube_members(cube)))
}

/// A non-empty set of values below `size`: one or two ranges (which may
/// overlap, touch or leave a gap), or the whole field. Built non-empty
/// rather than filtered, so that proptest never rejects a case.
fn field(size: u128) -> impl Strategy<Value = Intervals> {
    let range = (0..size, 0..size).prop_map(|(a, b)| (a.min(b), a.max(b)));
    prop_oneof![
        3 => prop::collection::vec(range, 1..3).prop_map(Intervals::from_ranges),
        1 => Just(Intervals::range(0, size - 1)),
    ]
}

/// The same small set over the narrow integers of ports and protocols.
fn narrow(set: &Intervals) -> NarrowIntervals {
    let small = |value: u128| u32::try_from(value).expect("a small domain");
    Intervals::from_ranges(
        set.ranges()
            .iter()
            .map(|&(lo, hi)| (small(lo), small(hi)))
            .collect(),
    )
}

/// A non-empty subset of the two low bits, the whole of them as often as
/// each of the others.
fn two_bits() -> impl Strategy<Value = u8> {
    1u8..4
}

fn small_cube() -> impl Strategy<Value = Cube> {
    (
        [
            field(DOMAIN[0]),
            field(DOMAIN[1]),
            field(DOMAIN[2]),
            field(DOMAIN[3]),
            field(DOMAIN[4]),
            field(DOMAIN[5]),
        ],
        [two_bits(), two_bits(), two_bits(), two_bits(), two_bits()],
        two_bits(),
        two_bits(),
    )
        .prop_map(|(fields, bits, fragment, locality)| {
            let [src, dst, proto, sport, dport, icmp] = fields;
            let mut cube = Cube::universe(32);
            cube.src = src;
            cube.dst = dst;
            cube.proto = narrow(&proto);
            cube.sport = narrow(&sport);
            cube.dport = narrow(&dport);
            cube.icmp = narrow(&icmp);
            cube.iif = u128::from(bits[0]);
            cube.oif = u128::from(bits[1]);
            cube.state = bits[2] & state::ALL;
            cube.nat = bits[3];
            cube.tcp_flags = u64::from(bits[4]);
            let fragment_bits =
                [0, misc::UNFRAGMENTED, misc::LATER_FRAGMENT, misc::FRAGMENTS][fragment as usize];
            let locality_bits =
                [0, misc::DST_LOCAL, misc::DST_REMOTE, misc::LOCALITY][locality as usize];
            cube.misc = fragment_bits | locality_bits;
            cube
        })
}

fn small_set() -> impl Strategy<Value = PacketSet> {
    prop::collection::vec(small_cube(), 0..4).prop_map(|cubes| {
        let mut set = PacketSet::empty();
        for cube in cubes {
            set.extend(PacketSet::from_cube(cube));
        }
        set
    })
}

proptest! {
    #![proptest_config(deterministic(512))]

    /// Cube operations on all twelve fields: intersection, overlap,
    /// containment, difference (disjoint pieces) and hull, against the
    /// packets they hold.
    #[test]
    fn cube_operations_agree_with_enumeration(a in small_cube(), b in small_cube()) {
        let in_a = cube_members(&a);
        let in_b = cube_members(&b);
        let both = in_a.and(&in_b);
        prop_assert_eq!(a.is_empty(), in_a.is_empty());
        match a.intersect(&b) {
            Some(common) => prop_assert_eq!(cube_members(&common), both.clone()),
            None => prop_assert!(both.is_empty()),
        }
        prop_assert_eq!(a.overlaps(&b), !both.is_empty());
        prop_assert_eq!(b.overlaps(&a), a.overlaps(&b));
        if !in_b.is_empty() {
            prop_assert_eq!(a.contains(&b), in_b.is_subset(&in_a));
        }
        let pieces = a.subtract(&b);
        let mut covered = Members::none();
        for (index, piece) in pieces.iter().enumerate() {
            for other in &pieces[index + 1..] {
                prop_assert!(!piece.overlaps(other), "pieces of a difference are disjoint");
            }
            covered = covered.or(&cube_members(piece));
        }
        prop_assert_eq!(covered, in_a.without(&in_b));
        prop_assert!(in_a.or(&in_b).is_subset(&cube_members(&a.hull(&b))));
    }

    /// Set operations and their laws: union, intersection and difference
    /// hold exactly the packets enumeration says; intersection and union
    /// commute; `a = (a ∩ b) ∪ (a \ b)`; subset, overlap and the
    /// approximations (an upper bound only grows, a lower one only shrinks).
    #[test]
    fn packet_set_laws_hold_against_enumeration(a in small_set(), b in small_set(), c in small_cube()) {
        let in_a = members(&a);
        let in_b = members(&b);
        let either = in_a.or(&in_b);

        prop_assert_eq!(members(&a.intersect(&b)), in_a.and(&in_b));
        prop_assert_eq!(members(&b.intersect(&a)), in_a.and(&in_b));
        prop_assert_eq!(members(&a.clone().union(b.clone())), either.clone());
        prop_assert_eq!(members(&b.clone().union(a.clone())), either.clone());
        prop_assert_eq!(members(&a.subtract(&b)), in_a.without(&in_b));
        prop_assert_eq!(
            members(&a.intersect(&b).union(a.subtract(&b))),
            in_a.clone(),
            "a = (a ∩ b) ∪ (a \\ b)"
        );
        prop_assert!(a.intersect(&b).intersect(&a.subtract(&b)).is_empty());
        prop_assert_eq!(a.contains_set(&b), in_b.is_subset(&in_a));
        prop_assert!(a.contains_set(&a.intersect(&b)));
        prop_assert!(a.clone().union(b.clone()).contains_set(&a));
        prop_assert_eq!(a.is_empty(), in_a.is_empty());

        let in_c = cube_members(&c);
        prop_assert_eq!(a.overlaps_cube(&c), !in_a.and(&in_c).is_empty());
        prop_assert_eq!(members(&a.intersect_cube(&c)), in_a.and(&in_c));
        let mut without_c = a.clone();
        without_c.remove_cube(&c);
        prop_assert_eq!(members(&without_c), in_a.without(&in_c));

        let mut upper = a.clone().union(b.clone());
        upper.limit_to(Bound::Upper, 1);
        prop_assert!(upper.len() <= 1);
        prop_assert!(either.is_subset(&members(&upper)), "an upper bound keeps every packet");
        let mut lower = a.clone().union(b.clone());
        lower.limit_to(Bound::Lower, 1);
        prop_assert!(lower.len() <= 1);
        prop_assert!(members(&lower).is_subset(&either), "a lower bound adds no packet");
        if let Some(hull) = a.hull() {
            prop_assert!(in_a.is_subset(&cube_members(&hull)));
        }
    }
}
