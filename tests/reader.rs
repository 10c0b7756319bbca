//! The reader on hand-written files: commands run in order, recovery after
//! bad lines, fragments, families, and every real file of the corpus read
//! without a crash and with every span inside its file.

use fwlint::model::{Family, TargetKind, Verdict};

use crate::support;

/// The codes of what the reader finds (FW0xx), in file order.
fn codes(text: &str) -> Vec<String> {
    support::check("test.rules", text, None)
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("FW0"))
        .map(|d| d.code.to_string())
        .collect()
}

/// The lines of what the reader finds (FW0xx), in file order.
fn reader_lines(text: &str) -> Vec<usize> {
    let report = support::check("test.rules", text, None);
    report
        .diagnostics
        .iter()
        .filter(|d| d.code.starts_with("FW0"))
        .map(|d| report.source.line_col(d.span.start).line)
        .collect()
}

fn chain_rules(text: &str, chain: &str) -> Vec<String> {
    let report = support::check("test.rules", text, None);
    report
        .ruleset
        .tables
        .iter()
        .flat_map(|table| &table.chains)
        .filter(|c| c.name == chain)
        .flat_map(|c| &c.rules)
        .map(|rule| report.source.slice(rule.span).to_string())
        .collect()
}

#[test]
fn commands_run_in_order() {
    let text = "*filter\n:A - [0:0]\n-A INPUT -p tcp --dport 1 -j ACCEPT\n-A INPUT -p tcp --dport 2 -j ACCEPT\n\
-I INPUT -p tcp --dport 0 -j ACCEPT\n-I INPUT 3 -p tcp --dport 9 -j ACCEPT\n-D INPUT -p tcp --dport 1 -j ACCEPT\n\
-R INPUT 1 -p tcp --dport 5 -j ACCEPT\n-N B\n-A B -j RETURN\n-F B\n-X B\n-E A C\n-P FORWARD DROP\nCOMMIT\n";
    let report = support::check("test.rules", text, None);
    assert!(report.loadable, "{:?}", report.diagnostics);
    let rules = chain_rules(text, "INPUT");
    assert_eq!(
        rules,
        [
            "-R INPUT 1 -p tcp --dport 5 -j ACCEPT",
            "-I INPUT 3 -p tcp --dport 9 -j ACCEPT",
            "-A INPUT -p tcp --dport 2 -j ACCEPT"
        ]
    );
    let filter = &report.ruleset.tables[0];
    assert!(filter.chain("B").is_none());
    assert!(filter.chain("A").is_none());
    assert!(filter.chain("C").is_some());
    let forward = filter.chain("FORWARD").expect("built-in");
    assert_eq!(
        forward.policy.as_ref().map(|p| p.verdict),
        Some(Verdict::Drop)
    );
}

#[test]
fn failing_commands_are_reported() {
    assert!(codes("*filter\n-D INPUT -j ACCEPT\nCOMMIT\n").contains(&"FW014".to_string()));
    assert!(codes("*filter\n-I INPUT 2 -j ACCEPT\nCOMMIT\n").contains(&"FW014".to_string()));
    assert!(codes("*filter\n-N A\n-N A\nCOMMIT\n").contains(&"FW007".to_string()));
    assert!(
        codes("*filter\n:A - [0:0]\n-A A -j ACCEPT\n-X A\nCOMMIT\n").contains(&"FW007".to_string())
    );
    assert!(codes("*filter\n-E INPUT X\nCOMMIT\n").contains(&"FW007".to_string()));
    assert!(codes("*filter\n:A ACCEPT [0:0]\nCOMMIT\n").contains(&"FW007".to_string()));
    assert!(codes("*nat\n:FORWARD ACCEPT [0:0]\nCOMMIT\n").contains(&"FW007".to_string()));
    assert!(codes("*filter\n:INPUT REJECT [0:0]\nCOMMIT\n").contains(&"FW007".to_string()));
    assert!(codes("*filter\n-A INPUT -j INPUT\nCOMMIT\n").contains(&"FW007".to_string()));
}

#[test]
fn loops_reached_from_a_builtin_chain_are_refused() {
    let looped = "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -g A\nCOMMIT\n";
    assert_eq!(codes(looped), ["FW009"]);
    // The kernel checks loops only from the hooks: an unreachable cycle loads.
    let unreachable = "*filter\n:A - [0:0]\n-A A -j A\nCOMMIT\n";
    assert!(support::check("test.rules", unreachable, None).loadable);
}

#[test]
fn chains_must_exist_when_they_are_used() {
    let later = "*filter\n-A INPUT -j LATER\n:LATER - [0:0]\nCOMMIT\n";
    assert_eq!(codes(later), ["FW008"]);
    let typo = support::check(
        "test.rules",
        "*filter\n:LOGDROP - [0:0]\n-A INPUT -j LOG_DROP\nCOMMIT\n",
        None,
    );
    let diagnostic = typo
        .diagnostics
        .iter()
        .find(|d| d.code == "FW008")
        .expect("undefined-chain");
    assert_eq!(typo.source.slice(diagnostic.span), "LOG_DROP");
    assert!(diagnostic.help.as_deref().unwrap_or("").contains("LOGDROP"));
}

#[test]
fn fragments_relax_what_depends_on_the_rest_of_the_ruleset() {
    let text = "*filter\n-A ufw-user-input -p tcp --dport 22 -j ACCEPT\n-A INPUT -j ufw-before-input\nCOMMIT\n";
    let strict = support::check("test.rules", text, None);
    assert!(!strict.loadable);
    let fragment = fwlint::engine::check_source(
        fwlint::source::SourceFile::new("test.rules", text),
        &fwlint::engine::Settings {
            fragment: true,
            ..fwlint::engine::Settings::default()
        },
    );
    assert!(fragment.loadable, "{:?}", fragment.diagnostics);
    assert!(fragment.diagnostics.iter().all(|d| d.code == "FW017"));
    assert_eq!(fragment.diagnostics.len(), 2, "each assumption is said");
}

#[test]
fn one_bad_line_never_hides_the_others() {
    let text = "*filter\n-A INPUT --bogus -j ACCEPT\n-A INPUT -s 1.2.3.4/99 -j ACCEPT\n-A INPUT -j NOWHERE\nCOMMIT\n";
    assert_eq!(reader_lines(text), [2, 3, 4]);
}

/// The reader classifies, parses and runs a long file a few thousand
/// lines at a time. Across those batches, commands still run in file order,
/// each line keeps its table, and every bad line is reported at its line.
#[test]
fn a_long_file_reads_the_same_across_batches() {
    let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
    let mut bad_lines = Vec::new();
    let mut line = 3;
    for port in 0..10_000u32 {
        if [4093, 4094, 4095, 4096, 8190, 8191, 8192].contains(&port) {
            text.push_str("-A INPUT -p tcp --dport 99999 -j ACCEPT\n");
            bad_lines.push(line);
        } else {
            text.push_str(&format!("-A INPUT -p tcp --dport {port} -j ACCEPT\n"));
        }
        line += 1;
    }
    // Runs after everything above, whichever batch it falls in.
    text.push_str("-I INPUT 1 -p udp --dport 53 -j ACCEPT\nCOMMIT\n*nat\n");
    line += 3;
    for port in 0..5_000u32 {
        if port == 10 {
            text.push_str("-A PREROUTING -p tcp --dport 80 -j DNAT\n");
            bad_lines.push(line);
        } else {
            text.push_str(&format!(
                "-A PREROUTING -p tcp --dport {port} -j DNAT --to-destination 10.0.0.1\n"
            ));
        }
        line += 1;
    }
    text.push_str("COMMIT\n");
    assert_eq!(reader_lines(&text), bad_lines);
    let report = support::check("test.rules", &text, None);
    let input = chain_rules(&text, "INPUT");
    assert_eq!(input.len(), 10_000 - 7 + 1);
    assert_eq!(input[0], "-I INPUT 1 -p udp --dport 53 -j ACCEPT");
    assert_eq!(input[1], "-A INPUT -p tcp --dport 0 -j ACCEPT");
    assert_eq!(input[9_993], "-A INPUT -p tcp --dport 9999 -j ACCEPT");
    let nat = report
        .ruleset
        .tables
        .iter()
        .find(|table| table.kind == fwlint::model::TableKind::Nat)
        .expect("the nat table is read");
    assert_eq!(nat.chain("PREROUTING").map(|c| c.rules.len()), Some(4_999));
}

#[test]
fn negation_and_family_markers() {
    let text = "*filter\n-A INPUT ! -s 10.0.0.0/8 ! -i eth0 -j DROP\n-6 -A INPUT -j ACCEPT\n-4 -A INPUT -j DROP\nCOMMIT\n";
    let report = support::check("test.rules", text, Some(Family::V4));
    let input = report.ruleset.tables[0].chain("INPUT").expect("INPUT");
    assert_eq!(
        input.rules.len(),
        2,
        "the -6 line is skipped by iptables-restore"
    );
    assert!(input.rules[0].source.as_ref().expect("source").negated);
    assert!(input.rules[0].in_interface().expect("interface").negated);
    assert!(matches!(
        input.rules[1].target.kind,
        TargetKind::Verdict(Verdict::Drop)
    ));
    assert!(
        codes("*filter\n-A INPUT ! ! -s 1.2.3.4 -j DROP\nCOMMIT\n").contains(&"FW002".to_string())
    );
    assert!(codes("*filter\n-A INPUT ! -j DROP\nCOMMIT\n").contains(&"FW002".to_string()));
}

#[test]
fn limits_of_iptables_restore() {
    let many = format!(
        "*filter\n-A INPUT{} -j ACCEPT\nCOMMIT\n",
        " -m comment --comment x".repeat(62)
    );
    assert!(codes(&many).contains(&"FW011".to_string()));
    let fits = format!(
        "*filter\n-A INPUT{} -j ACCEPT\nCOMMIT\n",
        " -m comment --comment x".repeat(61)
    );
    assert!(!codes(&fits).contains(&"FW011".to_string()));
    let long_token = format!(
        "*filter\n-A INPUT -m comment --comment {} -j ACCEPT\nCOMMIT\n",
        "x".repeat(1024)
    );
    assert!(codes(&long_token).contains(&"FW011".to_string()));
}

#[test]
fn every_corpus_file_is_read_with_spans_inside_it() {
    let Some(corpus) = support::corpus() else {
        support::skip(
            "every_corpus_file_is_read_with_spans_inside_it",
            "../shared/corpus is missing",
        );
        return;
    };
    let mut files = 0;
    let mut stack = vec![corpus];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let bytes = std::fs::read(&path).expect("corpus file is readable");
            let text = fwlint::engine::decode(bytes);
            let report = support::check(&path.to_string_lossy(), &text, None);
            files += 1;
            let length = text.len() as u32;
            let lines = report.source.index().line_count();
            for diagnostic in &report.diagnostics {
                assert!(
                    diagnostic.span.start <= diagnostic.span.end && diagnostic.span.end <= length,
                    "{}: span {:?} outside the file",
                    path.display(),
                    diagnostic.span
                );
                let start = report.source.line_col(diagnostic.span.start);
                assert!(
                    start.line >= 1 && start.line <= lines.max(1),
                    "{}: line {}",
                    path.display(),
                    start.line
                );
                for label in &diagnostic.labels {
                    assert!(
                        label.span.end <= length || label.path.is_some(),
                        "{}: label outside",
                        path.display()
                    );
                }
            }
        }
    }
    assert!(files > 700, "only {files} corpus files were read");
}
