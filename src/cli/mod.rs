//! The command line: parses arguments with clap, collects the files to
//! check, runs the engine and writes the chosen format. Exit codes: 0 when
//! no finding reaches the failure threshold, 1 when one does, 2 for usage
//! errors, unreadable files and internal errors.

mod inputs;
mod report;
mod rule;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostics::Severity;
use crate::engine::{self, Input, Settings};
use crate::model::Family;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FamilyArg {
    #[value(name = "4")]
    V4,
    #[value(name = "6")]
    V6,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

/// Lints iptables-save / iptables-restore rule files.
#[derive(Debug, Parser)]
#[command(
    name = "fwlint",
    version,
    about,
    long_about = None,
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Show the documentation of a code (`FW101`) or name (`unreachable-rule`), or list them all.
    Rule(RuleArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DocFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct RuleArgs {
    /// A code or a name.
    #[arg(required_unless_present = "all")]
    key: Option<String>,

    /// List every code.
    #[arg(long, conflicts_with = "key")]
    all: bool,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: DocFormat,
}

#[derive(Debug, Args)]
struct CheckArgs {
    /// Rule files, directories to search for them, or `-` for standard input.
    #[arg(value_name = "PATH", required = true)]
    paths: Vec<PathBuf>,

    #[command(flatten)]
    output: report::OutputArgs,

    /// Address family of the files (default: from the file name, then the content, then 4).
    #[arg(long, value_enum)]
    family: Option<FamilyArg>,

    /// Read the files as fragments for `iptables-restore --noflush`: chains and policies may be defined elsewhere.
    #[arg(long)]
    fragment: bool,

    /// The name to show for standard input.
    #[arg(long, value_name = "NAME", default_value = "-")]
    stdin_filename: String,

    /// Pair the IPv4 and IPv6 rule files of one host, for `ipv6-weaker-than-ipv4` (repeatable).
    #[arg(long, value_name = "V4FILE:V6FILE", value_parser = parse_pair)]
    pair: Vec<(String, String)>,

    /// The lowest severity that makes fwlint exit with 1.
    #[arg(long, value_enum, default_value = "warning")]
    fail_on: FailOn,

    /// What the host listens on, as `ss -Hltun` prints it.
    #[arg(long, value_name = "FILE")]
    listening: Option<PathBuf>,

    /// An address of the host itself (repeatable).
    #[arg(long = "local-address", value_name = "ADDRESS")]
    local_addresses: Vec<String>,
}

fn parse_pair(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((v4, v6)) if !v4.is_empty() && !v6.is_empty() => Ok((v4.to_string(), v6.to_string())),
        _ => Err("expected V4FILE:V6FILE".to_string()),
    }
}

/// Runs fwlint with the process arguments.
#[must_use]
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            let code = if error.use_stderr() { 2 } else { 0 };
            let _ = error.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Some(Command::Rule(args)) => run_rule(&args),
        None => run(cli.check),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(std::io::stderr(), "fwlint: error: {error}");
            ExitCode::from(2)
        }
    }
}

fn run_rule(args: &RuleArgs) -> std::io::Result<u8> {
    let json = args.format == DocFormat::Json;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.all {
        rule::list(json, &mut out)?;
        return Ok(0);
    }
    let key = args.key.as_deref().unwrap_or_default();
    if rule::show(key, json, &mut out)? {
        return Ok(0);
    }
    let close = rule::suggestions(key);
    let hint = if close.is_empty() {
        "run `fwlint rule --all` for the list".to_string()
    } else {
        format!(
            "did you mean {}?",
            close
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    writeln!(
        std::io::stderr(),
        "fwlint: error: no code or name `{key}`: {hint}"
    )?;
    Ok(2)
}

/// Reads `text` as an address with an optional prefix length.
pub fn parse_network(text: &str) -> Option<crate::model::AddrMask> {
    let (family, value) = if text.contains(':') {
        (Family::V6, text)
    } else {
        (Family::V4, text)
    };
    match crate::parser::values::parse_address(value, family) {
        Ok(crate::parser::values::ParsedAddress::Net(net)) => Some(net),
        _ => None,
    }
}

fn host_profile(cli: &CheckArgs) -> Result<crate::analysis::HostProfile, String> {
    let mut profile = crate::analysis::HostProfile::default();
    for text in &cli.local_addresses {
        let net = parse_network(text)
            .ok_or_else(|| format!("--local-address: `{text}` is not an address"))?;
        profile.addresses.push(net);
    }
    if let Some(path) = &cli.listening {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: {error}", engine::display(path)))?;
        profile.services = crate::analysis::host::parse_listening(&text);
    }
    Ok(profile)
}

fn run(cli: CheckArgs) -> std::io::Result<u8> {
    let host = match host_profile(&cli) {
        Ok(host) => host,
        Err(message) => {
            writeln!(std::io::stderr(), "fwlint: error: {message}")?;
            return Ok(2);
        }
    };
    let settings = Settings {
        host,
        family: cli.family.map(|family| match family {
            FamilyArg::V4 => Family::V4,
            FamilyArg::V6 => Family::V6,
        }),
        fragment: cli.fragment,
        pairs: cli
            .pair
            .iter()
            .map(|(v4, v6)| {
                (
                    engine::display(Path::new(v4)),
                    engine::display(Path::new(v6)),
                )
            })
            .collect(),
    };
    let mut stderr = std::io::stderr();
    let mut inputs = Vec::new();
    let mut failed = false;
    for path in &cli.paths {
        if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin().read_to_end(&mut bytes)?;
            inputs.push(Input::Stdin {
                name: cli.stdin_filename.clone(),
                text: engine::decode(bytes),
            });
            continue;
        }
        match inputs::expand(path) {
            Ok(found) if found.is_empty() => {
                writeln!(
                    stderr,
                    "fwlint: error: {}: no rule files found in this directory",
                    engine::display(path)
                )?;
                failed = true;
            }
            Ok(found) => inputs.extend(found.into_iter().map(Input::File)),
            Err(error) => {
                writeln!(stderr, "fwlint: error: {}: {error}", engine::display(path))?;
                failed = true;
            }
        }
    }
    let (reports, errors) = engine::check_inputs(inputs, &settings);
    // Freeing the models of large files takes a tenth of the run, and the
    // process ends right after: the memory goes back with it.
    let mut reports = std::mem::ManuallyDrop::new(reports);
    for error in &errors {
        writeln!(stderr, "fwlint: error: {}: {}", error.path, error.message)?;
        failed = true;
    }
    if let Some(code) = report::report(&cli.output, &mut reports, failed)? {
        return Ok(code);
    }
    if failed {
        return Ok(2);
    }
    let threshold = match cli.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    let failing = threshold.is_some_and(|threshold| {
        reports
            .iter()
            .flat_map(|report| &report.diagnostics)
            .any(|diagnostic| !diagnostic.suppressed && diagnostic.severity >= threshold)
    });
    Ok(u8::from(failing))
}
