//! The command line: parses arguments with clap, collects the files to
//! check, runs the engine and writes the chosen format. Exit codes: 0 when
//! no finding reaches the failure threshold, 1 when one does, 2 for usage
//! errors, unreadable files and internal errors.

mod exposure;
mod graph;
mod inputs;
mod report;
mod rule;
mod test_rules;
mod trace;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config;
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
    /// Show the new connections from outside that the rules let in: to this host, and through DNAT to others.
    Exposure(exposure::ExposureArgs),
    /// Draw the packet flow of a rule file (Mermaid, DOT or SVG), with a finding highlighted.
    Graph(graph::GraphArgs),
    /// Show the way one packet takes through a rule file: every table, chain and rule it meets, and its verdict.
    Trace(trace::TraceArgs),
    /// Run the examples of rule packs (default: the packs shipped with fwlint).
    TestRules(test_rules::TestRulesArgs),
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

    /// The lowest severity that makes fwlint exit with 1 [default: `fail-on` of fwlint.toml, else warning].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,

    /// Use this configuration file for every file, instead of the nearest `fwlint.toml`.
    #[arg(long, value_name = "PATH", conflicts_with = "isolated")]
    config: Option<PathBuf>,

    /// Ignore every configuration file.
    #[arg(long)]
    isolated: bool,

    /// Check only these codes, names, code prefixes or categories (comma-separated); replaces `select`, `extend-select` and `ignore` of fwlint.toml.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    select: Option<Vec<String>>,

    /// Also check these codes, names, prefixes or categories.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    extend_select: Vec<String>,

    /// Do not check these codes, names, prefixes or categories.
    #[arg(long, value_name = "CODES", value_delimiter = ',')]
    ignore: Vec<String>,

    /// Disregard `# fwlint: ignore[...]` suppressions in the files (for audits).
    #[arg(long)]
    no_ignores: bool,

    /// What the host listens on, as `ss -Hltun` prints it.
    #[arg(long, value_name = "FILE")]
    listening: Option<PathBuf>,

    /// An address of the host itself (repeatable).
    #[arg(long = "local-address", value_name = "ADDRESS")]
    local_addresses: Vec<String>,

    /// Apply a rule pack shipped with fwlint: `cis`, `management-ports`, or `all` (repeatable).
    #[arg(long = "pack", value_name = "NAME")]
    packs: Vec<String>,

    /// Apply every `*.toml` rule pack in DIR, beside those of /etc/fwlint/rules.d (repeatable).
    #[arg(long = "rules-dir", value_name = "DIR")]
    rules_dirs: Vec<PathBuf>,
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
        Some(Command::Exposure(args)) => exposure::run(&args),
        Some(Command::Graph(args)) => graph::run(&args),
        Some(Command::Trace(args)) => trace::run(&args),
        Some(Command::TestRules(args)) => test_rules::run(&args),
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

/// What the command line says over every configuration file.
fn overrides(cli: &CheckArgs) -> Result<config::Overrides, String> {
    let selectors = |option: &str, texts: &[String]| -> Result<Vec<config::Selector>, String> {
        texts
            .iter()
            .map(|text| config::Selector::parse(text).map_err(|error| format!("{option}: {error}")))
            .collect()
    };
    let mut overrides = config::Overrides {
        select: cli
            .select
            .as_deref()
            .map(|texts| selectors("--select", texts))
            .transpose()?,
        extend_select: selectors("--extend-select", &cli.extend_select)?,
        ignore: selectors("--ignore", &cli.ignore)?,
        fail_on: cli.fail_on.map(|fail_on| match fail_on {
            FailOn::Error => config::FailOn::Error,
            FailOn::Warning => config::FailOn::Warning,
            FailOn::Info => config::FailOn::Info,
            FailOn::Never => config::FailOn::Never,
        }),
        no_ignores: cli.no_ignores,
        ..config::Overrides::default()
    };
    if !cli.local_addresses.is_empty() {
        let mut addresses = Vec::new();
        for text in &cli.local_addresses {
            let net = parse_network(text)
                .ok_or_else(|| format!("--local-address: `{text}` is not an address"))?;
            addresses.push(net);
        }
        overrides.addresses = Some(addresses);
    }
    if let Some(path) = &cli.listening {
        let text = std::fs::read_to_string(path)
            .map_err(|error| format!("{}: {error}", engine::display(path)))?;
        overrides.services = Some(crate::analysis::host::parse_listening(&text));
    }
    Ok(overrides)
}

/// The packs a check applies: the shipped ones asked for with `--pack`,
/// then those of /etc/fwlint/rules.d, then those of each `--rules-dir`.
fn load_packs(cli: &CheckArgs) -> Result<Vec<crate::packs::Pack>, String> {
    let render = |error: crate::packs::PackError| error.render(100);
    let mut loaded = Vec::new();
    if !cli.packs.is_empty() {
        let shipped = crate::packs::shipped().map_err(render)?;
        for name in &cli.packs {
            if name == "all" {
                loaded.extend(shipped.iter().cloned());
                continue;
            }
            let pack = shipped.iter().find(|pack| &pack.name == name).ok_or_else(|| {
                let names: Vec<String> = shipped.iter().map(|pack| format!("`{}`", pack.name)).collect();
                format!("fwlint: error: --pack: no shipped pack `{name}`: fwlint ships {} (or `all`)\n", names.join(", "))
            })?;
            loaded.push(pack.clone());
        }
    }
    let system = Path::new(crate::packs::SYSTEM_DIR);
    if system.is_dir() {
        loaded.extend(crate::packs::load_dir(system).map_err(render)?);
    }
    for dir in &cli.rules_dirs {
        loaded.extend(crate::packs::load_dir(dir).map_err(render)?);
    }
    // `--pack all --pack cis` asks for cis once.
    let mut unique: Vec<crate::packs::Pack> = Vec::with_capacity(loaded.len());
    for pack in loaded {
        if !unique
            .iter()
            .any(|other| other.name == pack.name && other.origin == pack.origin)
        {
            unique.push(pack);
        }
    }
    crate::packs::check_unique(&unique).map_err(render)?;
    Ok(unique)
}

fn run(cli: CheckArgs) -> std::io::Result<u8> {
    let overrides = match overrides(&cli) {
        Ok(overrides) => overrides,
        Err(message) => {
            writeln!(std::io::stderr(), "fwlint: error: {message}")?;
            return Ok(2);
        }
    };
    let packs = match load_packs(&cli) {
        Ok(packs) => packs,
        Err(rendered) => {
            write!(std::io::stderr(), "{rendered}")?;
            return Ok(2);
        }
    };
    let mut discovery = match config::Discovery::new(overrides, cli.config.as_deref(), cli.isolated)
    {
        Ok(discovery) => discovery,
        Err(error) => return config_failed(&error),
    };
    let mut settings = Settings {
        packs: std::sync::Arc::new(packs),
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
        ..Settings::default()
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
    for input in &inputs {
        let found = match input {
            Input::File(path) => discovery
                .for_file(path)
                .map(|found| (engine::display(path), found)),
            Input::Stdin { name, .. } => {
                discovery.for_stdin(name).map(|found| (name.clone(), found))
            }
        };
        match found {
            Ok((name, file_settings)) => settings.files.insert(name, file_settings),
            Err(error) => return config_failed(&error),
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
    // Each file fails by its own configuration's threshold.
    let failing = reports.iter().any(|report| {
        report
            .settings
            .fail_on
            .threshold()
            .is_some_and(|threshold| {
                report
                    .diagnostics
                    .iter()
                    .any(|diagnostic| !diagnostic.suppressed && diagnostic.severity >= threshold)
            })
    });
    Ok(u8::from(failing))
}

/// Prints a configuration error, pointing into its TOML; exit code 2.
fn config_failed(error: &config::ConfigError) -> std::io::Result<u8> {
    use std::io::IsTerminal;
    let stderr = std::io::stderr();
    let color = stderr.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    write!(stderr.lock(), "{}", error.render(color))?;
    Ok(2)
}

/// The host addresses for `fwlint trace` and `fwlint graph`: those given
/// with `--local-address`, else `[host] addresses` of the nearest
/// fwlint.toml above `path` (none for standard input).
fn local_addresses_or_config(given: &[String], path: &Path) -> Result<Vec<String>, String> {
    if !given.is_empty() || path.as_os_str() == "-" {
        return Ok(given.to_vec());
    }
    let addresses = config::host_addresses_for(path).map_err(|error| error.render(false))?;
    Ok(addresses
        .iter()
        .map(|net| match net.prefix_len() {
            Some(32 | 128) | None => net.addr.to_string(),
            Some(length) => format!("{}/{length}", net.addr),
        })
        .collect())
}
