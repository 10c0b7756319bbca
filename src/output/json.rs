//! `--format json`: one JSON document, the stable machine contract
//! (`version` 1).

use std::io::{self, Write};

use serde::Serialize;

use super::{Run, Suppression, fingerprint, location};
use crate::diagnostics::Summary;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    files: Vec<FileEntry<'a>>,
    diagnostics: Vec<DiagnosticEntry<'a>>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    path: &'a str,
    family: &'static str,
    loadable: bool,
    rules: usize,
}

#[derive(Serialize)]
struct LabelEntry<'a> {
    path: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: &'a str,
}

#[derive(Serialize)]
struct DiagnosticEntry<'a> {
    path: &'a str,
    code: &'a str,
    name: &'a str,
    severity: &'static str,
    message: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<LabelEntry<'a>>,
    help: Option<&'a str>,
    suppressed: bool,
    /// `inSource` or `external` (a baseline), as SARIF names them.
    suppression: Option<&'static str>,
    fingerprint: String,
}

pub fn write(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    let mut diagnostics = Vec::new();
    for file in run.files {
        let path = location::report_path(file.source.name(), run.root);
        let fingerprints = fingerprint::fingerprints(&path, file.source, file.diagnostics);
        for (index, (diagnostic, fingerprint)) in
            file.diagnostics.iter().zip(fingerprints).enumerate()
        {
            let (line, column, end_line, end_column) =
                super::position(file.source, diagnostic.span);
            let labels = diagnostic
                .labels
                .iter()
                .filter_map(|label| {
                    let source = match &label.path {
                        Some(path) => run.source(path)?,
                        None => file.source,
                    };
                    let (line, column, end_line, end_column) = super::position(source, label.span);
                    Some(LabelEntry {
                        path: source.name(),
                        line,
                        column,
                        end_line,
                        end_column,
                        message: &label.message,
                    })
                })
                .collect();
            diagnostics.push(DiagnosticEntry {
                path: file.source.name(),
                code: &diagnostic.code,
                name: &diagnostic.name,
                severity: diagnostic.severity.as_str(),
                message: &diagnostic.message,
                line,
                column,
                end_line,
                end_column,
                labels,
                help: diagnostic.help.as_deref(),
                suppressed: diagnostic.suppressed,
                suppression: file.suppression(index).map(|kind| match kind {
                    Suppression::InSource => "inSource",
                    Suppression::Baseline => "external",
                }),
                fingerprint,
            });
        }
    }
    let document = Document {
        version: 1,
        tool: Tool {
            name: "fwlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        files: run
            .files
            .iter()
            .map(|file| FileEntry {
                path: file.source.name(),
                family: file.family,
                loadable: file.loadable,
                rules: file.rules,
            })
            .collect(),
        diagnostics,
        summary: run.summary(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
