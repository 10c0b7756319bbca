//! `--format github`: GitHub Actions workflow commands, one annotation per
//! finding, and the Markdown step summary.
//!
//! Annotations come errors first, then warnings, then notices, because
//! GitHub renders only ten of each level per step; the rest stay readable in
//! the log, since every message starts with `path:line:col:`. Properties and
//! messages are escaped as `@actions/core` escapes them, paths are relative
//! to the root, and a span over several lines gets no columns (GitHub drops
//! such an annotation). Suppressed findings are not shown. The module knows
//! nothing of the environment: the caller decides where the summary goes.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::{FileOutput, Run, location};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{SourceFile, Span};

/// GitHub renders this many annotations of each level per step.
const ANNOTATIONS_SHOWN_PER_LEVEL: usize = 10;
/// Findings listed in the step summary; the counts cover all of them.
const SUMMARY_FINDINGS: usize = 100;
/// GitHub refuses a step summary over 1 MiB; fwlint keeps well below, since
/// other tools of the same step may write to it too.
const SUMMARY_BYTES: usize = 512 * 1024;

/// One finding with everything its annotation and summary row need.
struct Finding<'a> {
    path: String,
    diagnostic: &'a Diagnostic,
    lines: Lines,
}

/// 1-based position of a span; `end_column` is exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Lines {
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
}

pub fn write(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings = shown_findings(run);
    for finding in &findings {
        writeln!(out, "{}", annotation(finding))?;
    }
    let summary = run.summary();
    writeln!(
        out,
        "fwlint: {} checked: {}, {}, {}",
        plural(run.files.len(), "file"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "notice")
    )?;
    if [summary.errors, summary.warnings, summary.infos]
        .iter()
        .any(|&count| count > ANNOTATIONS_SHOWN_PER_LEVEL)
    {
        writeln!(
            out,
            "fwlint: GitHub shows {ANNOTATIONS_SHOWN_PER_LEVEL} annotations of each level per step; \
             every finding is listed above"
        )?;
    }
    Ok(())
}

/// The unsuppressed findings of the run, most severe first, in file order
/// within a severity.
fn shown_findings<'a>(run: &Run<'a>) -> Vec<Finding<'a>> {
    let mut findings: Vec<Finding<'a>> = run
        .files
        .iter()
        .flat_map(|file| file_findings(run, file))
        .collect();
    // A stable sort keeps the file order within each severity.
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.diagnostic.severity));
    findings
}

fn file_findings<'a>(run: &Run<'a>, file: &FileOutput<'a>) -> Vec<Finding<'a>> {
    let path = location::report_path(file.source.name(), run.root);
    file.diagnostics
        .iter()
        .filter(|diagnostic| !diagnostic.suppressed)
        .map(|diagnostic| Finding {
            path: path.clone(),
            diagnostic,
            lines: lines(file.source, diagnostic.span),
        })
        .collect()
}

/// The position of `span`; a span that ends right after a line break ends
/// on the line before, so that a whole-line span keeps its columns.
fn lines(source: &SourceFile, span: Span) -> Lines {
    let (line, column, mut end_line, mut end_column) = super::position(source, span);
    if end_line > line && end_column == 1 {
        let previous = source.line_span(end_line - 1);
        end_line -= 1;
        end_column = source.line_col(previous.end).column;
    }
    Lines {
        line,
        column,
        end_line,
        end_column,
    }
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

fn annotation(finding: &Finding<'_>) -> String {
    let Finding {
        path,
        diagnostic,
        lines,
    } = finding;
    let mut properties = vec![
        ("file", path.clone()),
        ("line", lines.line.to_string()),
        ("endLine", lines.end_line.to_string()),
    ];
    // GitHub drops an annotation whose columns span several lines.
    if lines.line == lines.end_line {
        properties.push(("col", lines.column.to_string()));
        properties.push(("endColumn", lines.end_column.max(lines.column).to_string()));
    }
    properties.push((
        "title",
        format!("fwlint {} {}", diagnostic.code, diagnostic.name),
    ));
    let properties = properties
        .iter()
        .map(|(name, value)| format!("{name}={}", escape_property(value)))
        .collect::<Vec<_>>()
        .join(",");
    let mut message = format!(
        "{path}:{}:{}: {} {}",
        lines.line, lines.column, diagnostic.code, diagnostic.message
    );
    if let Some(help) = &diagnostic.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    format!(
        "::{} {properties}::{}",
        level(diagnostic.severity),
        escape_data(&message)
    )
}

/// Escapes a workflow command's message, as `@actions/core` does.
#[must_use]
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value: the message escapes, and
/// `:` and `,`, which separate properties.
#[must_use]
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Writes the Markdown step summary: counts per severity and per code, then
/// the first findings, most severe first.
pub fn write_summary(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(summary_markdown(run, None).as_bytes())
}

/// The Mermaid diagram of one finding, drawn by the caller, for the step
/// summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagram {
    /// What is drawn: code, name and place of the finding.
    pub heading: String,
    /// A Mermaid flowchart.
    pub mermaid: String,
    /// The position of the finding's file in the run.
    pub file: usize,
    /// The finding's number in its file (1-based, as `fwlint graph --finding` takes it).
    pub finding: usize,
}

/// The unsuppressed findings of the run as (file, finding) positions, most
/// severe first, in file order within a severity: the order in which the
/// step summary looks for the finding to draw.
#[must_use]
pub fn ranked_findings(run: &Run<'_>) -> Vec<(usize, usize)> {
    let mut ranked: Vec<(usize, usize, Severity)> = run
        .files
        .iter()
        .enumerate()
        .flat_map(|(file, output)| {
            output
                .diagnostics
                .iter()
                .enumerate()
                .filter(|(_, diagnostic)| !diagnostic.suppressed)
                .map(move |(index, diagnostic)| (file, index, diagnostic.severity))
        })
        .collect();
    ranked.sort_by_key(|&(_, _, severity)| std::cmp::Reverse(severity));
    ranked
        .into_iter()
        .map(|(file, index, _)| (file, index))
        .collect()
}

/// [`write_summary`] with the diagram of the most important finding under
/// the findings, when there is one and it fits in the summary.
pub fn write_summary_with_diagram(
    run: &Run<'_>,
    diagram: Option<&Diagram>,
    out: &mut dyn Write,
) -> io::Result<()> {
    out.write_all(summary_markdown(run, diagram).as_bytes())
}

/// The Markdown section of a diagram: a heading and a fenced `mermaid`
/// block, which GitHub renders as the chart.
#[must_use]
pub fn diagram_markdown(diagram: &Diagram, path: &str) -> String {
    let mut text = String::new();
    let _ = writeln!(
        text,
        "\n### Packet flow: {}\n",
        escape_cell(&diagram.heading)
    );
    // A fence longer than any backtick run inside cannot be closed early.
    let fence = "`".repeat(longest_backtick_run(&diagram.mermaid).max(2) + 1);
    let _ = writeln!(text, "{fence}mermaid\n{}", diagram.mermaid.trim_end());
    let _ = writeln!(text, "{fence}\n");
    let _ = writeln!(
        text,
        "Draw it yourself: `fwlint graph {} --finding {} --format svg > flow.svg`",
        path.replace('`', ""),
        diagram.finding
    );
    text
}

fn longest_backtick_run(text: &str) -> usize {
    text.split(|c| c != '`').map(str::len).max().unwrap_or(0)
}

fn summary_markdown(run: &Run<'_>, diagram: Option<&Diagram>) -> String {
    let findings = shown_findings(run);
    let summary = run.summary();
    let mut text = String::new();
    // A blank line first: what the step wrote before may be an open
    // paragraph or table.
    let _ = writeln!(text, "\n## fwlint\n");
    let _ = writeln!(
        text,
        "{} checked, {}.\n",
        plural(run.files.len(), "file"),
        plural(findings.len(), "finding")
    );
    if findings.is_empty() {
        return text;
    }
    let _ = writeln!(text, "| severity | findings |\n|---|---:|");
    for (name, count) in [
        ("error", summary.errors),
        ("warning", summary.warnings),
        ("info", summary.infos),
    ] {
        let _ = writeln!(text, "| {name} | {count} |");
    }
    let _ = writeln!(text, "\n| code | name | findings |\n|---|---|---:|");
    for (code, name, count) in super::statistics::counts(run) {
        let _ = writeln!(text, "| {code} | {} | {count} |", escape_cell(name));
    }
    let _ = writeln!(text, "\n| location | code | message |\n|---|---|---|");
    let mut listed = 0;
    for finding in findings.iter().take(SUMMARY_FINDINGS) {
        let row = format!(
            "| {}:{}:{} | {} {} | {} |\n",
            escape_cell(&finding.path),
            finding.lines.line,
            finding.lines.column,
            finding.diagnostic.code,
            escape_cell(&finding.diagnostic.name),
            escape_cell(&finding.diagnostic.message)
        );
        if text.len() + row.len() > SUMMARY_BYTES {
            break;
        }
        text.push_str(&row);
        listed += 1;
    }
    if listed < findings.len() {
        let _ = writeln!(
            text,
            "\n{} more not listed here; the log has every finding.",
            findings.len() - listed
        );
    }
    if let Some(diagram) = diagram {
        let path = run
            .files
            .get(diagram.file)
            .map(|file| location::report_path(file.source.name(), run.root))
            .unwrap_or_default();
        let section = diagram_markdown(diagram, &path);
        if text.len() + section.len() <= SUMMARY_BYTES {
            text.push_str(&section);
        }
    }
    text
}

/// Text safe in a Markdown table cell: `|` ends a cell (even inside a code
/// span) and a line break ends the row.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|")
        .replace("\r\n", " ")
        .replace(['\n', '\r'], " ")
}

fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks_only() {
        assert_eq!(
            escape_data("50% of a:b,c\r\nnext"),
            "50%25 of a:b,c%0D%0Anext"
        );
        // `%` first: the escapes it introduces are not escaped again.
        assert_eq!(escape_data("\n%"), "%0A%25");
    }

    #[test]
    fn properties_also_escape_colons_and_commas() {
        assert_eq!(
            escape_property("C:\\rules,v4\n100%"),
            "C%3A\\rules%2Cv4%0A100%25"
        );
        assert_eq!(
            escape_property("fwlint FW107 shadowed-rule"),
            "fwlint FW107 shadowed-rule"
        );
    }

    #[test]
    fn table_cells_escape_pipes_and_line_breaks() {
        assert_eq!(escape_cell("a | b\nc"), "a \\| b c");
        assert_eq!(escape_cell("`-m multiport|x`"), "`-m multiport\\|x`");
    }

    #[test]
    fn a_diagram_is_a_fenced_mermaid_block_no_backticks_can_close() {
        let diagram = Diagram {
            heading: "FW107 shadowed-rule at r|v4:8".into(),
            mermaid: "flowchart LR\n  n0[\"a ``` b\"]\n".into(),
            file: 0,
            finding: 3,
        };
        let text = diagram_markdown(&diagram, "rules.v4");
        assert!(text.contains("### Packet flow: FW107 shadowed-rule at r\\|v4:8\n"));
        assert!(
            text.contains("````mermaid\nflowchart LR\n  n0[\"a ``` b\"]\n````\n"),
            "{text}"
        );
        assert!(text.contains("`fwlint graph rules.v4 --finding 3 --format svg > flow.svg`"));
    }

    #[test]
    fn a_span_ending_at_a_line_break_stays_on_its_line() {
        let source = SourceFile::new("r", "-A INPUT -j X\n-A INPUT -j Y\n");
        let whole_line = lines(&source, Span::new(0, 14));
        assert_eq!(
            whole_line,
            Lines {
                line: 1,
                column: 1,
                end_line: 1,
                end_column: 14
            }
        );
        let two_lines = lines(&source, Span::new(3, 20));
        assert_eq!((two_lines.line, two_lines.end_line), (1, 2));
    }
}
