//! `fwlint exposure FILE...`: prints, per file, the new TCP and UDP
//! connections from outside that the rules let in, to this host and
//! through DNAT to others, with their sources and the line that accepts
//! them. The computation is `analysis::exposure`'s; this file only reads
//! the files and prints.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::analysis::exposure::Opening;
use crate::analysis::space::Intervals;
use crate::analysis::{Analysis, Host, HostProfile};
use crate::engine::{self, Settings};
use crate::source::SourceFile;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExposureFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct ExposureArgs {
    /// Rule files.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: ExposureFormat,

    /// An address of the host itself (repeatable).
    #[arg(long = "local-address", value_name = "ADDRESS")]
    pub local_addresses: Vec<String>,
}

#[derive(Serialize)]
struct FileExposure {
    path: String,
    family: &'static str,
    /// False when the analysis could not finish within its budget.
    complete: bool,
    openings: Vec<OpeningOut>,
}

#[derive(Serialize)]
struct OpeningOut {
    #[serde(flatten)]
    opening: Opening,
    line: usize,
    accepted_by: String,
    nat_line: Option<usize>,
}

fn sources_text(
    sources: &Intervals,
    everything: &Intervals,
    family: crate::model::Family,
) -> String {
    if sources == everything {
        "anywhere".to_string()
    } else {
        crate::lints::describe_addresses(sources, family)
    }
}

fn ports_text(ports: &[(u16, u16)]) -> String {
    if ports == [(0, 65535)] {
        return "any port".to_string();
    }
    let parts: Vec<String> = ports
        .iter()
        .take(6)
        .map(|&(low, high)| {
            if low == high {
                low.to_string()
            } else {
                format!("{low}:{high}")
            }
        })
        .collect();
    let more = if ports.len() > 6 { ",..." } else { "" };
    format!("port {}{more}", parts.join(","))
}

/// Runs `fwlint exposure`.
pub fn run(args: &ExposureArgs) -> std::io::Result<u8> {
    let mut profile = HostProfile::default();
    for text in &args.local_addresses {
        let Some(net) = super::parse_network(text) else {
            writeln!(
                std::io::stderr(),
                "fwlint: error: --local-address: `{text}` is not an address"
            )?;
            return Ok(2);
        };
        profile.addresses.push(net);
    }
    let mut results = Vec::new();
    for path in &args.files {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(error) => {
                writeln!(
                    std::io::stderr(),
                    "fwlint: error: {}: {error}",
                    engine::display(path)
                )?;
                return Ok(2);
            }
        };
        let name = engine::display(path);
        let source = SourceFile::new(name.clone(), engine::decode(bytes));
        let report = engine::check_source(source, &Settings::default());
        let ruleset = &report.ruleset;
        let analysis = Analysis::new(ruleset, Host::new(ruleset, &profile));
        let everything = analysis.universe().src;
        let family = analysis.family;
        let openings = analysis.exposure(&|sources| sources_text(sources, &everything, family));
        let complete = openings.is_some();
        let openings = openings
            .unwrap_or_default()
            .into_iter()
            .map(|opening| {
                let line = report.source.line_col(opening.span.start).line;
                let accepted_by = match opening.place {
                    crate::analysis::Place::Policy { .. } => format!("the policy (line {line})"),
                    crate::analysis::Place::Rule { .. } => format!("line {line}"),
                };
                OpeningOut {
                    nat_line: opening
                        .nat_span
                        .map(|span| report.source.line_col(span.start).line),
                    opening,
                    line,
                    accepted_by,
                }
            })
            .collect();
        results.push(FileExposure {
            path: name,
            family: match family {
                crate::model::Family::V4 => "ipv4",
                crate::model::Family::V6 => "ipv6",
            },
            complete,
            openings,
        });
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match args.format {
        ExposureFormat::Json => {
            let document = serde_json::json!({ "version": 1, "files": results });
            serde_json::to_writer_pretty(&mut out, &document).map_err(std::io::Error::other)?;
            writeln!(out)?;
        }
        ExposureFormat::Text => {
            for file in &results {
                writeln!(
                    out,
                    "{} ({}): new connections from outside that the rules let in",
                    file.path, file.family
                )?;
                if !file.complete {
                    writeln!(
                        out,
                        "  the analysis of this file ran out of budget: nothing is claimed"
                    )?;
                    continue;
                }
                if file.openings.is_empty() {
                    writeln!(out, "  none")?;
                }
                for opening in &file.openings {
                    let what = match &opening.opening.forwarded_to {
                        Some(to) => format!(
                            "forwarded to {to} by the DNAT at line {}",
                            opening.nat_line.unwrap_or_default()
                        ),
                        None => "to this host".to_string(),
                    };
                    let certainty = if opening.opening.certain {
                        ""
                    } else {
                        " (uncertain: depends on matches fwlint cannot judge, or on connection tracking switched off in raw)"
                    };
                    let sources = match &opening.opening.interfaces {
                        Some(interfaces) => {
                            format!("{} on {interfaces}", opening.opening.sources_text)
                        }
                        None => opening.opening.sources_text.clone(),
                    };
                    writeln!(
                        out,
                        "  {} {:<16} from {:<24} {what}, accepted by {}{certainty}",
                        opening.opening.protocol,
                        ports_text(&opening.opening.ports),
                        sources,
                        opening.accepted_by,
                    )?;
                }
            }
        }
    }
    Ok(0)
}
