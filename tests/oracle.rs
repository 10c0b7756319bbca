//! fwlint's verdict "would load" / "would be refused" against the real
//! iptables-restore, on every real rule file of the corpus and on every OK
//! and FAIL vector of iptables' own extension tests.
//!
//! The real verdict comes, where this machine allows, from the legacy
//! `iptables-restore` run in a private network namespace (`unshare -n`):
//! first `--test`, then a real load, which adds the kernel's own checks.
//! When a load fails only because this machine's kernel lacks a module, or
//! needs objects a test vector sets up outside the rules, the verdict of
//! the vector file (or of `MANIFEST.tsv`) stands in. Without root or
//! iptables, all verdicts come from the vector files and the manifest. Set
//! `FWLINT_ORACLE_FILTER` to a part of a file name to check only those.

use std::collections::BTreeMap;
use std::path::Path;

use fwlint::model::Family;
use rayon::prelude::*;

use crate::support::{self, LiveVerdict};

/// One case: a text to load, the family, and the verdict the corpus gives.
#[derive(Debug, Clone)]
struct Case {
    origin: String,
    family: Family,
    text: String,
    /// The verdict of the vector file or manifest.
    recorded_ok: bool,
    /// The load may depend on objects outside the rules (`@` setup lines).
    needs_setup: bool,
}

fn builtin_chains(table: &str) -> &'static [&'static str] {
    match table {
        "nat" => &["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"],
        "mangle" => &["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"],
        "raw" => &["PREROUTING", "OUTPUT"],
        _ => &["INPUT", "FORWARD", "OUTPUT"],
    }
}

/// The OK and FAIL lines of the `.t` files, one case per family and chain.
fn vector_cases(corpus: &Path) -> Vec<Case> {
    let directory = corpus.join("netfilter-iptables/extensions");
    let mut names: Vec<String> = std::fs::read_dir(&directory)
        .expect("the vector folder is readable")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".t"))
        .collect();
    names.sort();
    let mut cases = Vec::new();
    for name in names {
        let families: &[Family] = if name.starts_with("libxt_") {
            &[Family::V4, Family::V6]
        } else if name.starts_with("libipt_") {
            &[Family::V4]
        } else if name.starts_with("libip6t_") {
            &[Family::V6]
        } else {
            continue;
        };
        let text = std::fs::read_to_string(directory.join(&name)).expect("vector file is readable");
        let needs_setup = text.lines().any(|line| line.starts_with('@'));
        let mut table = "filter".to_string();
        let mut chains: Vec<String> = Vec::new();
        let mut setup: Vec<String> = Vec::new();
        for (number, line) in text.lines().enumerate() {
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix('*') {
                table = rest.trim().to_string();
                continue;
            }
            if let Some(rest) = line.strip_prefix(':') {
                chains = rest.split(',').map(str::to_string).collect();
                continue;
            }
            if let Some(rest) = line.strip_prefix('%') {
                // `%iptables -I INPUT -j RATEEST ...`: objects later vectors use.
                if let Some(rule) = rest.strip_prefix("iptables ") {
                    if rule.starts_with("-I") || rule.starts_with("-A") {
                        setup.push(rule.to_string());
                    }
                }
                continue;
            }
            if line.starts_with('@') {
                continue;
            }
            let fields: Vec<&str> = line.split(';').collect();
            if fields.len() < 3 || !matches!(fields[2], "OK" | "FAIL") {
                continue;
            }
            if fields.get(3) == Some(&"NFT") {
                continue;
            }
            for family in families {
                for chain in &chains {
                    let mut ruleset = format!("*{table}\n");
                    if !builtin_chains(&table).contains(&chain.as_str()) {
                        ruleset.push_str(&format!(":{chain} - [0:0]\n"));
                    }
                    if table == "filter" {
                        for rule in &setup {
                            ruleset.push_str(rule);
                            ruleset.push('\n');
                        }
                    }
                    ruleset.push_str(&format!("-A {chain} {}\nCOMMIT\n", fields[0]));
                    cases.push(Case {
                        origin: format!("{name}:{} ({}, {chain})", number + 1, family.as_str()),
                        family: *family,
                        text: ruleset,
                        recorded_ok: fields[2] == "OK",
                        needs_setup,
                    });
                }
            }
        }
    }
    cases
}

/// The iptables-save files of the corpus that loaded, or were refused for
/// their content (not for the machine they came from).
fn corpus_cases(corpus: &Path) -> Vec<Case> {
    let manifest =
        std::fs::read_to_string(corpus.join("MANIFEST.tsv")).expect("manifest is readable");
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines
        .next()
        .expect("manifest has a header")
        .split('\t')
        .collect();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .expect("manifest column")
    };
    let (path, format, family, legacy, class) = (
        column("staged_path"),
        column("format"),
        column("family"),
        column("validate_legacy"),
        column("validate_error_class"),
    );
    let mut cases = Vec::new();
    for line in lines {
        let fields: Vec<&str> = line.split('\t').collect();
        if !fields[format].starts_with("iptables-save") {
            continue;
        }
        if !(fields[class].is_empty() || fields[class] == "syntax/semantic") {
            continue;
        }
        let bytes = std::fs::read(corpus.join(fields[path])).expect("corpus file is readable");
        cases.push(Case {
            origin: fields[path].to_string(),
            family: if fields[family] == "v6" {
                Family::V6
            } else {
                Family::V4
            },
            text: String::from_utf8_lossy(&bytes).into_owned(),
            recorded_ok: fields[legacy] == "ok",
            needs_setup: false,
        });
    }
    cases
}

/// Why a case says nothing about the rules themselves, if it does not.
fn environmental(case: &Case, live: Option<&LiveVerdict>) -> Option<&'static str> {
    // Whether a named ipset exists depends on the machine, not the file:
    // iptables looks sets up while it parses, so even `--test` fails.
    let names_set = ["--add-set", "--del-set", "--match-set", "--map-set"]
        .iter()
        .any(|option| case.text.contains(option));
    if names_set && live.is_some_and(LiveVerdict::missing_set) {
        return Some("names an ipset this machine does not have");
    }
    if names_set && live.is_none() && !case.recorded_ok {
        return Some("names an ipset the recording machine did not have");
    }
    // Connection label names come from the loading machine's
    // /etc/xtables/connlabel.conf.
    if case.text.contains("-m connlabel")
        && case.text.contains("--label")
        && !case.text.contains("--label 1")
    {
        let named = case
            .text
            .split("--label")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|label| !label.trim_matches('"').bytes().all(|b| b.is_ascii_digit()));
        if named && !std::path::Path::new("/etc/xtables/connlabel.conf").exists() {
            return Some(
                "names a connection label, which the loading machine's /etc/xtables/connlabel.conf defines",
            );
        }
    }
    // nfacct objects are created outside the rules (`nfacct add`).
    if case.text.contains("--nfacct-name") && case.needs_setup {
        return Some("names an nfacct object, which is created outside the rules");
    }
    // SECMARK and CONNSECMARK need an SELinux policy in the kernel.
    let selinux = std::path::Path::new("/sys/fs/selinux/enforce").exists();
    if case.text.contains("SECMARK") && !selinux && live.is_some_and(|live| !live.load_ok) {
        return Some("needs SELinux, which this kernel does not run");
    }
    None
}

/// One case with fwlint's prediction and the real verdict: (case,
/// predicted loads, really loads, where the verdict came from, why fwlint
/// refused, why the case is left out).
type Outcome = (Case, bool, bool, &'static str, String, Option<&'static str>);

/// The real verdict of a case, and where it came from.
fn real_verdict(case: &Case, live: Option<&LiveVerdict>) -> (bool, &'static str) {
    match live {
        None => (case.recorded_ok, "recorded"),
        Some(live) if !live.test_ok && live.missing_set() => {
            (case.recorded_ok, "recorded (this machine lacks the set)")
        }
        Some(live) if !live.test_ok => (false, "iptables-restore --test"),
        Some(live) if live.load_ok => (true, "kernel load"),
        Some(live) if live.environment_failure() || case.needs_setup => {
            (case.recorded_ok, "recorded (this kernel cannot load it)")
        }
        Some(_) => (false, "kernel load"),
    }
}

#[test]
fn verdicts_agree_with_iptables_restore() {
    let Some(corpus) = support::corpus() else {
        support::skip("oracle", "../shared/corpus is missing");
        return;
    };
    let live = match support::live_iptables() {
        Ok(()) => true,
        Err(reason) => {
            support::skip(
                "oracle (live part)",
                &format!("{reason}; comparing with the verdicts recorded in the corpus instead"),
            );
            false
        }
    };
    let filter = std::env::var("FWLINT_ORACLE_FILTER").unwrap_or_default();
    let mut cases = corpus_cases(&corpus);
    cases.extend(vector_cases(&corpus));
    cases.retain(|case| case.origin.contains(&filter));
    let results: Vec<Outcome> = cases
        .into_par_iter()
        .map(|case| {
            let name = if case.origin.ends_with(".t") || case.origin.contains(".t:") {
                "vector.rules"
            } else {
                &case.origin
            };
            let report = support::check(name, &case.text, Some(case.family));
            let verdict = live.then(|| support::live_verdict(case.family, &case.text));
            let (real, source) = real_verdict(&case, verdict.as_ref());
            let excluded = environmental(&case, verdict.as_ref());
            let why = report
                .diagnostics
                .iter()
                .find(|d| d.severity == fwlint::diagnostics::Severity::Error)
                .map(|d| format!("{}: {}", d.code, d.message))
                .or_else(|| {
                    verdict
                        .as_ref()
                        .map(|v| v.stderr.lines().next().unwrap_or("").to_string())
                })
                .unwrap_or_default();
            (case, report.loadable, real, source, why, excluded)
        })
        .collect();
    let mut per_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut disagreements = Vec::new();
    let mut excluded_cases = Vec::new();
    for (case, predicted, real, source, why, excluded) in &results {
        if let Some(reason) = excluded {
            excluded_cases.push(format!("  {}: {reason}", case.origin));
            continue;
        }
        let kind = if case.origin.contains(".t:") {
            "test vectors"
        } else {
            "corpus files"
        };
        let entry = per_kind.entry(kind).or_default();
        entry.0 += 1;
        if predicted == real {
            entry.1 += 1;
        } else {
            disagreements.push(format!(
                "  {}: fwlint says {}, {source} says {} -- {why}",
                case.origin,
                if *predicted { "loads" } else { "refused" },
                if *real { "loads" } else { "refused" },
            ));
        }
    }
    disagreements.sort();
    excluded_cases.sort();
    if !excluded_cases.is_empty() {
        eprintln!(
            "oracle: {} cases left out, their verdict depends on the machine:",
            excluded_cases.len()
        );
        for line in &excluded_cases {
            eprintln!("{line}");
        }
    }
    for line in &disagreements {
        eprintln!("{line}");
    }
    let total: usize = per_kind.values().map(|(count, _)| count).sum();
    let agreed: usize = per_kind.values().map(|(_, agree)| agree).sum();
    for (kind, (count, agree)) in &per_kind {
        eprintln!("oracle: {kind}: {agree}/{count} agree");
    }
    let rate = if total == 0 {
        1.0
    } else {
        agreed as f64 / total as f64
    };
    eprintln!(
        "oracle: {agreed}/{total} agree ({:.2}%), {} disagreements, verdicts from {}",
        rate * 100.0,
        disagreements.len(),
        if live {
            "the live iptables-restore"
        } else {
            "the corpus records"
        }
    );
    assert!(rate >= 0.99, "agreement {:.2}% is below 99%", rate * 100.0);
}
