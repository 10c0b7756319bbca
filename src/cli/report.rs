//! How a run is reported: the options that choose the format, the
//! destination, colour, statistics and baselines, and the code that applies
//! them once the engine has checked every file. The formats themselves are
//! `output`'s; this module reads the environment (`GITHUB_ACTIONS`,
//! `GITHUB_STEP_SUMMARY`, `FORCE_COLOR`, `NO_COLOR`, `TERM`) so that they
//! need not.

use std::ffi::OsString;
use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::engine::{self, FileReport};
use crate::output::baseline::{self, Baseline};
use crate::output::{self, FileOutput, Format, Run, Style, location};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FormatArg {
    /// `github` inside GitHub Actions, `full` elsewhere (the default).
    Auto,
    /// Findings drawn over the source.
    Full,
    /// One line per finding: `path:line:col: severity[code/name] message`.
    Concise,
    /// One JSON document.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub Actions annotations, and a step summary.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal; `FORCE_COLOR` turns it on, `NO_COLOR` off.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Output format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,

    /// Write the report to FILE instead of standard output (never coloured).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// When to colour the `full` format.
    #[arg(long, value_enum, default_value = "auto")]
    pub color: ColorArg,

    /// Print how many findings each code has instead of the findings (as JSON with `--format json`).
    #[arg(long)]
    pub statistics: bool,

    /// Accept the findings listed in this baseline file: only new findings are shown and fail the run.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,

    /// Write the current findings to this baseline file, and exit with 0.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
}

/// Applies the baseline to `reports`, then writes the baseline or the
/// report. Returns the exit code when the run ends here (a baseline was
/// written, or a file of the options could not be read or written), and
/// `None` when the findings decide it.
pub fn report(
    args: &OutputArgs,
    reports: &mut [FileReport],
    inputs_failed: bool,
) -> io::Result<Option<u8>> {
    let mut stderr = io::stderr();
    let root = std::env::current_dir().ok();
    let root = root.as_deref();
    let baselined = match &args.baseline {
        Some(path) => match apply_baseline(path, reports, root) {
            Ok(baselined) => baselined,
            Err(message) => {
                writeln!(stderr, "fwlint: error: {message}")?;
                return Ok(Some(2));
            }
        },
        None => vec![Vec::new(); reports.len()],
    };
    let sources: Vec<_> = reports.iter().map(|report| report.source.clone()).collect();
    let files: Vec<FileOutput<'_>> = reports
        .iter()
        .zip(&baselined)
        .map(|(report, baselined)| FileOutput {
            source: &report.source,
            family: report.family.as_str(),
            loadable: report.loadable,
            rules: report.rules(),
            diagnostics: &report.diagnostics,
            baselined,
        })
        .collect();
    let run = Run {
        files: &files,
        sources: &sources,
        root,
    };
    if let Some(path) = &args.write_baseline {
        return write_baseline(path, &run, inputs_failed).map(Some);
    }
    let format = format(args, &|name| std::env::var_os(name));
    let style = Style {
        color: false,
        width: 100,
    };
    if let Some(path) = &args.output {
        let written = std::fs::File::create(path).and_then(|file| {
            let mut out = io::BufWriter::new(file);
            output::write(format, &run, style, &mut out)?;
            out.flush()
        });
        if let Err(error) = written {
            writeln!(
                stderr,
                "fwlint: error: --output {}: {error}",
                engine::display(path)
            )?;
            return Ok(Some(2));
        }
    } else {
        let stdout = io::stdout();
        let style = Style {
            color: use_color(args.color, stdout.is_terminal(), &|name| {
                std::env::var_os(name)
            }),
            ..style
        };
        let mut out = io::BufWriter::new(stdout.lock());
        output::write(format, &run, style, &mut out)?;
        out.flush()?;
    }
    if format == Format::Github {
        let ranked = output::github::ranked_findings(&run);
        let diagram = super::graph::summary_diagram(reports, &ranked);
        write_step_summary(&run, diagram.as_ref())?;
    }
    Ok(None)
}

/// Reads the baseline at `path` and suppresses the findings it lists; per
/// report, which findings it matched.
fn apply_baseline(
    path: &Path,
    reports: &mut [FileReport],
    root: Option<&Path>,
) -> Result<Vec<Vec<bool>>, String> {
    let shown = engine::display(path);
    let text =
        std::fs::read_to_string(path).map_err(|error| format!("--baseline {shown}: {error}"))?;
    let mut baseline =
        Baseline::parse(&text).map_err(|error| format!("--baseline {shown}: {error}"))?;
    Ok(reports
        .iter_mut()
        .map(|report| {
            let path = location::report_path(report.source.name(), root);
            baseline.apply(&path, &report.source, &mut report.diagnostics)
        })
        .collect())
}

fn write_baseline(path: &Path, run: &Run<'_>, inputs_failed: bool) -> io::Result<u8> {
    let mut stderr = io::stderr();
    let shown = engine::display(path);
    if inputs_failed {
        writeln!(
            stderr,
            "fwlint: error: {shown} was not written: a baseline without the files that could not be read would hide their findings later"
        )?;
        return Ok(2);
    }
    let written = std::fs::File::create(path).and_then(|file| {
        let mut out = io::BufWriter::new(file);
        let count = baseline::write(run, &mut out)?;
        out.flush()?;
        Ok(count)
    });
    match written {
        Ok(count) => {
            let plural = if count == 1 { "" } else { "s" };
            writeln!(stderr, "fwlint: wrote {count} finding{plural} to {shown}")?;
            Ok(0)
        }
        Err(error) => {
            writeln!(stderr, "fwlint: error: --write-baseline {shown}: {error}")?;
            Ok(2)
        }
    }
}

/// Appends the Markdown summary, with the diagram of the most important
/// finding, to the file `GITHUB_STEP_SUMMARY` names, if any. A summary that cannot be written is worth a warning, not a failed
/// run: the annotations are already out.
fn write_step_summary(run: &Run<'_>, diagram: Option<&output::github::Diagram>) -> io::Result<()> {
    let Some(path) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|path| !path.is_empty()) else {
        return Ok(());
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut file| output::github::write_summary_with_diagram(run, diagram, &mut file));
    if let Err(error) = written {
        writeln!(
            io::stderr(),
            "fwlint: warning: GITHUB_STEP_SUMMARY {}: {error}",
            Path::new(&path).display()
        )?;
    }
    Ok(())
}

/// The format to write: `--statistics` replaces the findings, and `auto`
/// becomes `github` inside GitHub Actions.
fn format(args: &OutputArgs, var: &dyn Fn(&str) -> Option<OsString>) -> Format {
    let findings = match args.format {
        FormatArg::Auto if var("GITHUB_ACTIONS").is_some_and(|value| value == "true") => {
            Format::Github
        }
        FormatArg::Auto | FormatArg::Full => Format::Full,
        FormatArg::Concise => Format::Concise,
        FormatArg::Json => Format::Json,
        FormatArg::Sarif => Format::Sarif,
        FormatArg::Github => Format::Github,
    };
    match (args.statistics, findings) {
        (false, format) => format,
        (true, Format::Json) => Format::JsonStatistics,
        (true, _) => Format::Statistics,
    }
}

/// Whether the `full` format on a stream is coloured: `--color` beats
/// `FORCE_COLOR`, which beats `NO_COLOR` (each counts when set and not
/// empty, as force-color.org and no-color.org say), and otherwise colour
/// goes to a terminal that is not `TERM=dumb`.
fn use_color(choice: ColorArg, terminal: bool, var: &dyn Fn(&str) -> Option<OsString>) -> bool {
    let set = |name: &str| var(name).is_some_and(|value| !value.is_empty());
    match choice {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto if set("FORCE_COLOR") => true,
        ColorArg::Auto if set("NO_COLOR") => false,
        ColorArg::Auto => terminal && var("TERM").is_none_or(|term| term != "dumb"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<OsString> {
        move |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        }
    }

    #[test]
    fn color_precedence() {
        /// The option, whether stdout is a terminal, the environment, and
        /// the expected decision.
        type Case = (
            ColorArg,
            bool,
            &'static [(&'static str, &'static str)],
            bool,
        );
        let cases: &[Case] = &[
            (ColorArg::Auto, true, &[], true),
            (ColorArg::Auto, false, &[], false),
            (ColorArg::Auto, true, &[("TERM", "dumb")], false),
            (ColorArg::Auto, true, &[("NO_COLOR", "1")], false),
            // Empty means unset.
            (ColorArg::Auto, true, &[("NO_COLOR", "")], true),
            (ColorArg::Auto, false, &[("FORCE_COLOR", "1")], true),
            (ColorArg::Auto, false, &[("FORCE_COLOR", "")], false),
            (
                ColorArg::Auto,
                true,
                &[("FORCE_COLOR", "1"), ("NO_COLOR", "1")],
                true,
            ),
            (ColorArg::Never, true, &[("FORCE_COLOR", "1")], false),
            (ColorArg::Always, false, &[("NO_COLOR", "1")], true),
        ];
        for &(choice, terminal, pairs, expected) in cases {
            assert_eq!(
                use_color(choice, terminal, &env(pairs)),
                expected,
                "{choice:?} terminal={terminal} {pairs:?}"
            );
        }
    }

    fn args(format: FormatArg, statistics: bool) -> OutputArgs {
        OutputArgs {
            format,
            output: None,
            color: ColorArg::Auto,
            statistics,
            baseline: None,
            write_baseline: None,
        }
    }

    #[test]
    fn auto_format_is_github_only_inside_github_actions() {
        let inside = env(&[("GITHUB_ACTIONS", "true")]);
        let outside = env(&[]);
        assert_eq!(
            format(&args(FormatArg::Auto, false), &inside),
            Format::Github
        );
        assert_eq!(
            format(&args(FormatArg::Auto, false), &outside),
            Format::Full
        );
        assert_eq!(
            format(
                &args(FormatArg::Auto, false),
                &env(&[("GITHUB_ACTIONS", "false")])
            ),
            Format::Full
        );
        assert_eq!(format(&args(FormatArg::Json, false), &inside), Format::Json);
    }

    #[test]
    fn statistics_replace_the_findings() {
        let outside = env(&[]);
        assert_eq!(
            format(&args(FormatArg::Json, true), &outside),
            Format::JsonStatistics
        );
        assert_eq!(
            format(&args(FormatArg::Full, true), &outside),
            Format::Statistics
        );
        assert_eq!(
            format(&args(FormatArg::Sarif, true), &outside),
            Format::Statistics
        );
    }
}
