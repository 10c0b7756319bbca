//! `fwlint graph`: draws one rule file's packet flow as Mermaid, DOT or
//! SVG, with a packet's way (`--packet`, as `fwlint trace` computes it) or
//! a finding (`--finding N`) highlighted; and the diagram of the most
//! important finding for the GitHub step summary.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::analysis::probe;
use crate::analysis::trace;
use crate::engine::{self, FileReport, Input, Settings};
use crate::graph::{self, Marks, Options};
use crate::model::{Family, TableKind};
use crate::output::github::Diagram;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart, as GitHub renders in Markdown.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// An SVG image drawn by fwlint.
    Svg,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The rule file, or `-` for standard input.
    #[arg(value_name = "PATH")]
    path: PathBuf,

    /// Output format.
    #[arg(long, value_enum, default_value = "mermaid")]
    format: GraphFormat,

    /// Highlight the way of this packet, as `fwlint trace` takes it: "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0".
    #[arg(long, value_name = "SPEC", conflicts_with = "finding")]
    packet: Option<String>,

    /// An address of the host itself, for `--packet` (repeatable; ADDRESS[/PREFIX]).
    #[arg(long = "local-address", value_name = "ADDRESS")]
    local_addresses: Vec<String>,

    /// Highlight finding N of the file (1-based, in the order of `fwlint --format json`).
    #[arg(long, value_name = "N")]
    finding: Option<usize>,

    /// Draw only this chain, the chains it calls and the chains that call it.
    #[arg(long, value_name = "NAME")]
    chain: Option<String>,

    /// Draw only this table.
    #[arg(long, value_name = "NAME", value_parser = parse_table)]
    table: Option<TableKind>,

    /// Chains with more rules show only their count (and the highlighted rules).
    #[arg(long, value_name = "N", default_value_t = Options::default().max_rules)]
    max_rules: usize,

    /// User chains drawn per table; the others are counted in one box.
    #[arg(long, value_name = "N", default_value_t = Options::default().max_chains)]
    max_chains: usize,

    /// Draw the chains of generators (DOCKER*, KUBE-*, ufw-*, f2b-*) one by one instead of grouped.
    #[arg(long)]
    no_group: bool,

    /// Write the diagram to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,

    /// Address family of the file (default: from the file name, then the content, then 4).
    #[arg(long, value_parser = ["4", "6"])]
    family: Option<String>,

    /// Read the file as a fragment for `iptables-restore --noflush`.
    #[arg(long)]
    fragment: bool,

    /// The name to show for standard input.
    #[arg(long, value_name = "NAME", default_value = "-")]
    stdin_filename: String,
}

fn parse_table(text: &str) -> Result<TableKind, String> {
    TableKind::parse(text).ok_or_else(|| {
        format!("`{text}` is not a table: one of filter, nat, mangle, raw, security")
    })
}

/// Runs `fwlint graph`; returns the exit code.
pub fn run(args: &GraphArgs) -> io::Result<u8> {
    let mut stderr = io::stderr();
    let settings = Settings {
        family: args.family.as_deref().map(|family| {
            if family == "6" {
                Family::V6
            } else {
                Family::V4
            }
        }),
        fragment: args.fragment,
        ..Settings::default()
    };
    let input = if args.path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::stdin().read_to_end(&mut bytes)?;
        Input::Stdin {
            name: args.stdin_filename.clone(),
            text: engine::decode(bytes),
        }
    } else {
        Input::File(args.path.clone())
    };
    let (reports, errors) = engine::check_inputs(vec![input], &settings);
    if let Some(error) = errors.first() {
        writeln!(stderr, "fwlint: error: {}: {}", error.path, error.message)?;
        return Ok(2);
    }
    let Some(report) = reports.first() else {
        return Ok(2);
    };
    if !report.loadable {
        writeln!(
            stderr,
            "fwlint: warning: {} would not load; it is drawn as fwlint reads it (run `fwlint {}` for the errors)",
            report.source.name(),
            report.source.name()
        )?;
    }
    let marks = if let Some(spec) = &args.packet {
        let addresses = match super::local_addresses_or_config(&args.local_addresses, &args.path) {
            Ok(addresses) => addresses,
            Err(message) => {
                write!(stderr, "{message}")?;
                return Ok(2);
            }
        };
        match packet_marks(report, spec, &addresses) {
            Ok(marks) => marks,
            Err(message) => {
                writeln!(stderr, "fwlint: error: --packet: {message}")?;
                return Ok(2);
            }
        }
    } else if let Some(number) = args.finding {
        match finding_marks(report, number) {
            Ok(marks) => marks,
            Err(message) => {
                writeln!(stderr, "fwlint: error: --finding {number}: {message}")?;
                return Ok(2);
            }
        }
    } else {
        Marks::default()
    };
    let options = Options {
        max_rules: args.max_rules,
        max_chains: args.max_chains,
        group_generators: !args.no_group,
        chain: args.chain.clone(),
        table: args.table,
    };
    let drawn = match graph::build(&report.ruleset, &report.source, &options, &marks) {
        Ok(drawn) => drawn,
        Err(error) => {
            writeln!(stderr, "fwlint: error: --chain: {error}")?;
            return Ok(2);
        }
    };
    let text = match args.format {
        GraphFormat::Mermaid => graph::mermaid::render(&drawn),
        GraphFormat::Dot => graph::dot::render(&drawn),
        GraphFormat::Svg => graph::svg::render(&drawn),
    };
    match &args.output {
        Some(path) => {
            if let Err(error) = std::fs::write(path, text) {
                writeln!(
                    stderr,
                    "fwlint: error: --output {}: {error}",
                    engine::display(path)
                )?;
                return Ok(2);
            }
        }
        None => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(0)
}

/// The marks of the way packet `spec` takes through `report`'s ruleset.
fn packet_marks(report: &FileReport, spec: &str, addresses: &[String]) -> Result<Marks, String> {
    let probe = probe::parse(spec).map_err(|error| {
        let mut message = format!(
            "{error} (at `{}`)",
            spec.get(error.span.clone()).unwrap_or(spec)
        );
        if let Some(help) = &error.help {
            message.push_str("; ");
            message.push_str(help);
        }
        message
    })?;
    if probe.family != report.family {
        return Err(format!(
            "the packet is {} but {} is an {} file",
            probe.family.as_str(),
            report.source.name(),
            report.family.as_str()
        ));
    }
    let mut local = super::trace::local_addresses(addresses, probe.family)?;
    local.infer(&report.ruleset);
    let trace = trace::trace(&report.ruleset, &report.source, local, &probe);
    Ok(graph::packet::marks(&trace, spec))
}

/// The marks of finding `number` (1-based) of `report`.
fn finding_marks(report: &FileReport, number: usize) -> Result<Marks, String> {
    let count = report.diagnostics.len();
    let diagnostic = number
        .checked_sub(1)
        .and_then(|index| report.diagnostics.get(index))
        .ok_or_else(|| {
            format!(
                "{} has {}",
                report.source.name(),
                graph::plural(count, "finding")
            )
        })?;
    Ok(graph::finding::marks(&report.ruleset, diagnostic))
}

/// A Mermaid chart longer than this is not put in the step summary: GitHub's
/// Mermaid refuses texts over 50,000 characters.
const SUMMARY_MERMAID_CHARS: usize = 40_000;

/// The diagram of the first finding of `ranked` (file, finding) that
/// points at a rule, policy or chain, for the GitHub step summary.
#[must_use]
pub fn summary_diagram(reports: &[FileReport], ranked: &[(usize, usize)]) -> Option<Diagram> {
    for &(file, index) in ranked {
        let report = reports.get(file)?;
        let diagnostic = report.diagnostics.get(index)?;
        let marks = graph::finding::marks(&report.ruleset, diagnostic);
        if marks.places.is_empty() {
            continue;
        }
        for options in [
            Options {
                max_chains: 12,
                ..Options::default()
            },
            Options {
                max_rules: 0,
                max_chains: 4,
                ..Options::default()
            },
        ] {
            let Ok(drawn) = graph::build(&report.ruleset, &report.source, &options, &marks) else {
                continue;
            };
            let mermaid = graph::mermaid::render(&drawn);
            if mermaid.len() <= SUMMARY_MERMAID_CHARS {
                let line = report.source.line_col(diagnostic.span.start).line;
                return Some(Diagram {
                    heading: format!(
                        "{} {} at {}:{line}",
                        diagnostic.code,
                        diagnostic.name,
                        report.source.name()
                    ),
                    mermaid,
                    file,
                    finding: index + 1,
                });
            }
        }
        return None;
    }
    None
}
