//! Every lint over every real rule file of the corpus: how many findings
//! each makes is recorded in a snapshot, so that a change in what fwlint
//! says about real files shows in review.

use std::collections::BTreeMap;

use fwlint::engine::{self, Input, Settings};
use fwlint::registry;

use crate::support;

#[test]
fn findings_per_code_on_the_real_corpus() {
    let Some(corpus) = support::corpus() else {
        support::skip(
            "findings_per_code_on_the_real_corpus",
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
    let reports = engine::check_inputs_text(inputs, &Settings::default());
    let mut counts: BTreeMap<&'static str, (usize, usize)> = registry::all()
        .into_iter()
        .map(|meta| (meta.code, (0, 0)))
        .collect();
    for report in &reports {
        let mut seen = std::collections::HashSet::new();
        for diagnostic in &report.diagnostics {
            let code = registry::find(&diagnostic.code).expect("known code").code;
            let entry = counts.entry(code).or_default();
            entry.0 += 1;
            if seen.insert(code) {
                entry.1 += 1;
            }
        }
    }
    let mut table = format!(
        "{files} iptables-save files of ../shared/corpus\ncode   name                              findings  files\n"
    );
    for (code, (findings, in_files)) in &counts {
        let name = registry::find(code).expect("known code").name;
        table.push_str(&format!("{code}  {name:32}  {findings:8}  {in_files:5}\n"));
    }
    eprintln!("{table}");
    insta::with_settings!({snapshot_path => "snapshots", prepend_module_to_snapshot => false}, {
        insta::assert_snapshot!("corpus_findings_per_code", table);
    });
}
