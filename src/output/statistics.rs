//! `--statistics`: how many findings each code has, most frequent first,
//! as aligned text or as a JSON document (`version` 1), instead of the
//! findings themselves. Suppressed findings are not counted, as they do not
//! count for the exit code either.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use super::Run;
use crate::diagnostics::Summary;

/// `(code, name, count)` for every code with an unsuppressed finding,
/// by descending count, then by code.
#[must_use]
pub fn counts<'a>(run: &Run<'a>) -> Vec<(&'a str, &'a str, usize)> {
    let mut by_code: BTreeMap<&'a str, (&'a str, usize)> = BTreeMap::new();
    for diagnostic in run
        .files
        .iter()
        .flat_map(|file| file.diagnostics)
        .filter(|diagnostic| !diagnostic.suppressed)
    {
        by_code
            .entry(&diagnostic.code)
            .or_insert((&diagnostic.name, 0))
            .1 += 1;
    }
    let mut counts: Vec<(&str, &str, usize)> = by_code
        .into_iter()
        .map(|(code, (name, count))| (code, name, count))
        .collect();
    // The BTreeMap gave code order; a stable sort keeps it among equals.
    counts.sort_by_key(|&(_, _, count)| std::cmp::Reverse(count));
    counts
}

pub fn write_text(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    let counts = counts(run);
    let count_width = counts
        .iter()
        .map(|(_, _, count)| count.to_string().len())
        .max()
        .unwrap_or(1);
    let code_width = counts
        .iter()
        .map(|(code, _, _)| code.len())
        .max()
        .unwrap_or(0);
    for (code, name, count) in &counts {
        writeln!(out, "{count:>count_width$}  {code:code_width$}  {name}")?;
    }
    Ok(())
}

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    statistics: Vec<Entry<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: &'a str,
    name: &'a str,
    count: usize,
}

pub fn write_json(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        version: 1,
        statistics: counts(run)
            .into_iter()
            .map(|(code, name, count)| Entry { code, name, count })
            .collect(),
        summary: run.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
