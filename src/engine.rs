//! The pipeline for one file and for a whole run: read the bytes, parse the
//! ruleset, collect diagnostics, and sort them. Files are processed in
//! parallel; the order of the results never depends on it.
//!
//! The engine owns no output format: it hands [`FileReport`]s to `output`.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::config::{FileSettings, FileSettingsMap};
use crate::diagnostics::{Diagnostic, Summary};
use crate::lints::{self, FileContext, FileFacts, RunContext, RunFile};
use crate::model::{Family, Ruleset};
use crate::parser::{self, ReadOptions, codes};
use crate::source::{SourceFile, Span};

/// What the user asked of every file of a run.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub family: Option<Family>,
    pub fragment: bool,
    /// IPv4 and IPv6 files of one host, as the user paired them
    /// (`--pair V4FILE:V6FILE`), by path as shown.
    pub pairs: Vec<(String, String)>,
    /// What the user said about the host the rules run on, where the
    /// file's settings say nothing.
    pub host: crate::analysis::HostProfile,
    /// Per file (by the name it is shown as): the codes, severities,
    /// threshold and host profile of its configuration.
    pub files: FileSettingsMap,
    /// The rule packs to apply, in order.
    pub packs: std::sync::Arc<Vec<crate::packs::Pack>>,
}

/// Everything fwlint found in one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub source: SourceFile,
    pub family: Family,
    pub loadable: bool,
    pub ruleset: Ruleset,
    pub facts: FileFacts,
    pub diagnostics: Vec<Diagnostic>,
    /// The settings the file was checked with.
    pub settings: Arc<FileSettings>,
}

impl FileReport {
    #[must_use]
    pub fn rules(&self) -> usize {
        self.ruleset.rule_count()
    }

    #[must_use]
    pub fn summary(&self) -> Summary {
        let mut summary = Summary::default();
        for diagnostic in self.diagnostics.iter().filter(|d| !d.suppressed) {
            summary.add(diagnostic.severity);
        }
        summary
    }
}

/// Bytes to text: invalid UTF-8 is replaced (and reported by the reader).
#[must_use]
pub fn decode(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => String::from_utf8_lossy(error.as_bytes()).into_owned(),
    }
}

/// How many bytes at the start of a file are looked at for NUL bytes.
const BINARY_PROBE: usize = 8192;

/// Checks one file whose text is already in memory.
#[must_use]
pub fn check_source(source: SourceFile, settings: &Settings) -> FileReport {
    let mut report = analyse(source, settings);
    finish(&mut report);
    report
}

/// The last step of a file, once every finding is in: its configuration
/// turns codes off and sets severities, then its suppression comments
/// mark what they cover.
fn finish(report: &mut FileReport) {
    let settings = Arc::clone(&report.settings);
    settings.apply(&mut report.diagnostics);
    let mut own = crate::suppression::apply(
        &report.source,
        &mut report.diagnostics,
        settings.inline_suppressions,
        &|code| settings.enabled(code),
    );
    settings.apply(&mut own);
    report.diagnostics.extend(own);
    sort_diagnostics(&mut report.diagnostics);
}

/// The reader and the per-file lints of one file.
fn analyse(source: SourceFile, settings: &Settings) -> FileReport {
    let file_settings = Arc::clone(settings.files.get(source.name()));
    let host = file_settings
        .host
        .clone()
        .unwrap_or_else(|| settings.host.clone());
    let text = source.text();
    let probe = &text.as_bytes()[..text.len().min(BINARY_PROBE)];
    if let Some(position) = memchr::memchr(0, probe) {
        let (family, _) = parser::family::detect(settings.family, source.name(), "");
        let diagnostic = Diagnostic::new(
            &codes::BINARY_FILE,
            Span::from_range(position..position + 1),
            "this is a binary file, not a rule file",
        )
        .with_help("fwlint reads iptables-save / iptables-restore text files; check the path");
        return FileReport {
            family,
            loadable: false,
            ruleset: Ruleset {
                family,
                tables: Vec::new(),
                fragment: settings.fragment,
            },
            facts: FileFacts {
                fragment: settings.fragment,
                failed_lines: Vec::new(),
                host,
            },
            diagnostics: vec![diagnostic],
            source,
            settings: file_settings,
        };
    }
    let read = parser::read(
        &source,
        &ReadOptions {
            family: settings.family,
            fragment: settings.fragment,
        },
    );
    let mut diagnostics = read.diagnostics;
    if read.ruleset.tables.is_empty()
        && !diagnostics
            .iter()
            .any(|d| d.code == codes::UNKNOWN_TABLE.code)
    {
        diagnostics.push(
            Diagnostic::new(&codes::EMPTY_FILE, Span::empty_at(0), "this file has no table: it loads nothing")
                .with_help("a rule file has at least one `*filter` ... `COMMIT` block; check that this is the right file"),
        );
    }
    let facts = FileFacts {
        fragment: settings.fragment,
        failed_lines: read.failed_lines.clone(),
        host,
    };
    let (flow_lints, plain_lints): (Vec<&dyn lints::Lint>, Vec<&dyn lints::Lint>) = lints::ALL
        .iter()
        .copied()
        .filter(|lint| file_settings.enabled(lint.meta().code))
        .partition(|lint| lint.uses_analysis());
    let needs_analysis = !flow_lints.is_empty() || !settings.packs.is_empty();
    // The analysis is the larger part of the work on a large file: the
    // lints that need none run beside it, on the other core.
    let mut plain_cx = FileContext::new(&source, &read.ruleset, &facts);
    let (analysis, ()) = rayon::join(
        || {
            needs_analysis.then(|| {
                crate::analysis::Analysis::new(
                    &read.ruleset,
                    crate::analysis::Host::new(&read.ruleset, &facts.host),
                )
            })
        },
        || lints::run_file(&plain_lints, &mut plain_cx),
    );
    let mut flow_cx = FileContext::new(&source, &read.ruleset, &facts);
    if let Some(analysis) = analysis {
        flow_cx.set_analysis(analysis);
    }
    lints::run_file(&flow_lints, &mut flow_cx);
    let from_packs = crate::packs::check(&settings.packs, &flow_cx);
    let (mut found, mut replaced) = plain_cx.finish();
    let (flow_found, flow_replaced) = flow_cx.finish();
    replaced.extend(flow_replaced);
    diagnostics.retain(|diagnostic| {
        !replaced
            .iter()
            .any(|(code, span)| diagnostic.code == *code && overlaps(diagnostic.span, *span))
    });
    // Everything joins the lints' list, nearly always the longest: a
    // copy of a quarter of a million findings into another list would
    // hold both at once.
    found.extend(flow_found);
    found.extend(diagnostics);
    found.extend(from_packs);
    let mut diagnostics = found;
    sort_diagnostics(&mut diagnostics);
    FileReport {
        family: read.ruleset.family,
        loadable: read.loadable,
        ruleset: read.ruleset,
        facts,
        diagnostics,
        source,
        settings: file_settings,
    }
}

fn overlaps(a: Span, b: Span) -> bool {
    a.start < b.end.max(b.start + 1) && b.start < a.end.max(a.start + 1)
}

/// Sorts by position, then code, then message: the order every output
/// format shows.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        (a.span.start, a.span.end, &a.code, &a.message).cmp(&(
            b.span.start,
            b.span.end,
            &b.code,
            &b.message,
        ))
    });
}

/// An input of a run: a file to read, or standard input.
#[derive(Debug, Clone)]
pub enum Input {
    File(std::path::PathBuf),
    Stdin { name: String, text: String },
}

/// A file that could not be read at all.
#[derive(Debug, Clone)]
pub struct InputError {
    pub path: String,
    pub message: String,
}

/// Checks every input, in parallel, and returns the reports in input order,
/// with the findings of the lints that look at several files at once.
pub fn check_inputs(inputs: Vec<Input>, settings: &Settings) -> (Vec<FileReport>, Vec<InputError>) {
    let (mut reports, errors) = check_each(inputs, settings);
    cross_file(&mut reports, settings, true);
    reports.iter_mut().for_each(finish);
    (reports, errors)
}

/// [`check_inputs`] for inputs already in memory: nothing is read from disk,
/// not even to look for a missing IPv6 file.
#[must_use]
pub fn check_inputs_text(inputs: Vec<Input>, settings: &Settings) -> Vec<FileReport> {
    let (mut reports, _) = check_each(inputs, settings);
    cross_file(&mut reports, settings, false);
    reports.iter_mut().for_each(finish);
    reports
}

/// Pairs the IPv4 and IPv6 files of each host and runs the cross-file
/// lints.
fn cross_file(reports: &mut [FileReport], settings: &Settings, disk: bool) {
    let keys: Vec<Option<(String, Family)>> = reports
        .iter()
        .map(|report| lints::pair_key(report.source.name()))
        .collect();
    let mut files: Vec<RunFile<'_>> = Vec::with_capacity(reports.len());
    for (index, report) in reports.iter().enumerate() {
        let explicit = settings.pairs.iter().find_map(|(v4, v6)| {
            let other = if report.source.name() == v4 {
                v6
            } else if report.source.name() == v6 {
                v4
            } else {
                return None;
            };
            reports
                .iter()
                .position(|candidate| candidate.source.name() == other)
        });
        let implicit = || {
            let (key, family) = keys[index].as_ref()?;
            keys.iter()
                .enumerate()
                .find_map(|(other, candidate)| match candidate {
                    Some((other_key, other_family))
                        if other != index
                            && other_key == key
                            && other_family != family
                            && reports[other].family != report.family =>
                    {
                        Some(other)
                    }
                    _ => None,
                })
        };
        let pair = explicit
            .or_else(implicit)
            .filter(|&other| reports[other].family != report.family);
        let sibling_exists = (disk && report.family == Family::V4 && pair.is_none())
            .then(|| lints::v6_sibling(report.source.name()))
            .flatten()
            .map(|sibling| Path::new(&sibling).exists());
        files.push(RunFile {
            source: &report.source,
            ruleset: &report.ruleset,
            facts: &report.facts,
            pair,
            sibling_exists,
        });
    }
    let mut cx = RunContext::new(&files);
    lints::run_all_files(lints::ALL, &mut cx);
    let found = cx.finish();
    drop(files);
    for (index, diagnostic) in found {
        reports[index].diagnostics.push(diagnostic);
    }
    for report in reports.iter_mut() {
        sort_diagnostics(&mut report.diagnostics);
    }
}

fn check_each(inputs: Vec<Input>, settings: &Settings) -> (Vec<FileReport>, Vec<InputError>) {
    let results: Vec<Result<FileReport, InputError>> = inputs
        .into_par_iter()
        .map(|input| match input {
            Input::File(path) => read_path(&path)
                .map(|text| analyse(SourceFile::new(display(&path), text), settings)),
            Input::Stdin { name, text } => Ok(analyse(SourceFile::new(name, text), settings)),
        })
        .collect();
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for result in results {
        match result {
            Ok(report) => reports.push(report),
            Err(error) => errors.push(error),
        }
    }
    (reports, errors)
}

/// A path as shown to users: as given, with `/` separators.
#[must_use]
pub fn display(path: &Path) -> String {
    let text = path.to_string_lossy().replace('\\', "/");
    text.strip_prefix("./").map(str::to_string).unwrap_or(text)
}

fn read_path(path: &Path) -> Result<String, InputError> {
    let fail = |message: String| InputError {
        path: display(path),
        message,
    };
    let metadata = std::fs::metadata(path).map_err(|error| fail(error.to_string()))?;
    if metadata.is_dir() {
        return Err(fail("is a directory".into()));
    }
    let bytes = std::fs::read(path).map_err(|error| fail(error.to_string()))?;
    Ok(decode(bytes))
}
