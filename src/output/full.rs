//! `--format full`: each finding drawn over its source lines by miette,
//! followed by a one-line summary.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme};
use rayon::prelude::*;

use super::{Run, Style};
use crate::diagnostics::{Diagnostic, Rendered};

/// How many findings are drawn at once.
const RENDER_BATCH: usize = 512;

pub fn write(run: &Run<'_>, style: Style, out: &mut dyn Write) -> io::Result<()> {
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_context_lines(1)
        .without_syntax_highlighting();
    for file in run.files {
        let shown: Vec<&Diagnostic> = file.diagnostics.iter().filter(|d| !d.suppressed).collect();
        // Drawing is most of the time on a file with thousands of
        // findings: a batch at a time is drawn on every core, then
        // written in order, so that no more than a batch is held.
        for batch in shown.chunks(RENDER_BATCH) {
            let drawn: Vec<String> = batch
                .par_iter()
                .map(|diagnostic| {
                    let rendered = Rendered::new(diagnostic, file.source, run.sources, None);
                    let mut text = String::new();
                    if handler.render_report(&mut text, &rendered).is_err() {
                        text = format!("{}: {}\n", diagnostic.code, diagnostic.message);
                    }
                    text
                })
                .collect();
            for (diagnostic, text) in batch.iter().zip(drawn) {
                writeln!(out, "{}", text.trim_end())?;
                // Rule packs' codes (`pack/rule`) are documented in their pack.
                if !diagnostic.code.contains('/') {
                    writeln!(out, "  see `fwlint rule {}`", diagnostic.name)?;
                }
                writeln!(out)?;
            }
        }
    }
    let summary = run.summary();
    let files = run.files.len();
    let plural =
        |count: usize, word: &str| format!("{count} {word}{}", if count == 1 { "" } else { "s" });
    writeln!(
        out,
        "{} checked: {}, {}, {}",
        plural(files, "file"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info")
    )
}
