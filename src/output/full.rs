//! `--format full`: each finding drawn over its source lines by miette,
//! followed by a one-line summary.

use std::io::{self, Write};

use miette::{GraphicalReportHandler, GraphicalTheme};

use super::{Run, Style};
use crate::diagnostics::Rendered;

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
        for diagnostic in file.diagnostics.iter().filter(|d| !d.suppressed) {
            let rendered = Rendered::new(diagnostic, file.source, run.sources, None);
            let mut text = String::new();
            if handler.render_report(&mut text, &rendered).is_err() {
                text = format!("{}: {}\n", diagnostic.code, diagnostic.message);
            }
            writeln!(out, "{}", text.trim_end())?;
            // Rule packs' codes (`pack/rule`) are documented in their pack.
            if !diagnostic.code.contains('/') {
                writeln!(out, "  see `fwlint rule {}`", diagnostic.name)?;
            }
            writeln!(out)?;
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
