//! What the fuzz targets run, and the promises they check: fwlint reads any
//! bytes without panicking, and every span it reports lies inside its file,
//! on character boundaries, on the line it names.
//!
//! The integration tests include this file too (`tests/robustness.rs`), so
//! that CI, which has no libFuzzer, runs the same code over every seed and
//! regression input. It knows nothing of libFuzzer.

use fwlint::diagnostics::Diagnostic;
use fwlint::engine::{self, FileReport, Input, Settings};
use fwlint::model::Family;
use fwlint::output::{self, FileOutput, Format, Run, Style};
use fwlint::parser::{self, ReadOptions};
use fwlint::source::{SourceFile, Span};

/// The name every fuzz input is read under. It says nothing of the family,
/// so the family is detected from the text as for any file.
pub const INPUT_NAME: &str = "fuzz.rules";

/// Every format the pipeline target writes.
pub const FORMATS: [Format; 7] = [
    Format::Full,
    Format::Concise,
    Format::Json,
    Format::Sarif,
    Format::Github,
    Format::Statistics,
    Format::JsonStatistics,
];

/// A leading byte that is never part of UTF-8 text (0xF8..=0xFF) chooses
/// the settings, so that the fuzzer reaches `--fragment` and a forced
/// family from the same seeds; any other input is read with the defaults.
pub fn split_settings(data: &[u8]) -> (Settings, &[u8]) {
    match data.split_first() {
        Some((&flags, rest)) if flags >= 0xF8 => {
            let family = match (flags >> 1) & 0b11 {
                1 => Some(Family::V4),
                2 => Some(Family::V6),
                _ => None,
            };
            let settings = Settings {
                family,
                fragment: flags & 1 == 1,
                ..Settings::default()
            };
            (settings, rest)
        }
        _ => (Settings::default(), data),
    }
}

/// The reader alone, as the `reader` target runs it.
pub fn read(data: &[u8]) {
    let (settings, text) = split_settings(data);
    let source = SourceFile::new(INPUT_NAME, engine::decode(text.to_vec()));
    let result = parser::read(
        &source,
        &ReadOptions {
            family: settings.family,
            fragment: settings.fragment,
        },
    );
    if let Err(problem) = check_spans(&source, &result.diagnostics) {
        panic!("{problem}");
    }
}

/// Reader, every lint (with the analysis they use), the cross-file lints,
/// and every output format, as the `pipeline` target runs it. Returns what
/// each format wrote, for tests that compare runs.
pub fn pipeline(data: &[u8]) -> Vec<(Format, Vec<u8>)> {
    let (settings, text) = split_settings(data);
    let input = Input::Stdin {
        name: INPUT_NAME.to_string(),
        text: engine::decode(text.to_vec()),
    };
    let reports = engine::check_inputs_text(vec![input], &settings);
    for report in &reports {
        if let Err(problem) = check_spans(&report.source, &report.diagnostics) {
            panic!("{problem}");
        }
    }
    write_all_formats(&reports)
}

/// Writes `reports` in every format, as `fwlint check` would.
pub fn write_all_formats(reports: &[FileReport]) -> Vec<(Format, Vec<u8>)> {
    let sources: Vec<SourceFile> = reports.iter().map(|report| report.source.clone()).collect();
    let files: Vec<FileOutput<'_>> = reports
        .iter()
        .map(|report| FileOutput {
            source: &report.source,
            family: report.family.as_str(),
            loadable: report.loadable,
            rules: report.rules(),
            diagnostics: &report.diagnostics,
            baselined: &[],
        })
        .collect();
    let run = Run {
        files: &files,
        sources: &sources,
        root: None,
    };
    let style = Style {
        color: false,
        width: 100,
    };
    FORMATS
        .iter()
        .map(|&format| {
            let mut bytes = Vec::new();
            output::write(format, &run, style, &mut bytes).expect("writing to memory cannot fail");
            (format, bytes)
        })
        .collect()
}

/// Checks the spans of `diagnostics` against `source`: each primary span and
/// each label in the same file starts and ends inside the text, on
/// character boundaries, with its end on the line its start names (an end
/// just past that line's terminator counts as on it).
pub fn check_spans(source: &SourceFile, diagnostics: &[Diagnostic]) -> Result<(), String> {
    for diagnostic in diagnostics {
        check_span(source, diagnostic, diagnostic.span, "primary span")?;
        for label in diagnostic
            .labels
            .iter()
            .filter(|label| label.path.is_none())
        {
            check_span(source, diagnostic, label.span, "label")?;
        }
    }
    Ok(())
}

fn check_span(
    source: &SourceFile,
    diagnostic: &Diagnostic,
    span: Span,
    what: &str,
) -> Result<(), String> {
    let text = source.text();
    let fail = |why: &str| {
        Err(format!(
            "{}: {} of {} ({}) at {}..{}: {why}",
            source.name(),
            what,
            diagnostic.code,
            diagnostic.message,
            span.start,
            span.end
        ))
    };
    let (start, end) = (span.start as usize, span.end as usize);
    if start > end {
        return fail("starts after it ends");
    }
    if end > text.len() {
        return fail(&format!(
            "ends past the end of the file ({} bytes)",
            text.len()
        ));
    }
    if !text.is_char_boundary(start) || !text.is_char_boundary(end) {
        return fail("splits a character");
    }
    let index = source.index();
    let line = index.line_of(span.start);
    let line_end = index.line_start(line + 1) as usize;
    if end > line_end.max(start) {
        return fail(&format!(
            "runs from line {} onto line {}",
            line + 1,
            index.line_of(span.end) + 1
        ));
    }
    Ok(())
}
