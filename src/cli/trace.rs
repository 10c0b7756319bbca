//! `fwlint trace FILE PACKET`: the way one packet takes through a rule
//! file, as a story with line numbers drawn over the source, or as JSON
//! (the contract README.md documents). The walk is `analysis::trace`'s;
//! this module reads the arguments and prints.

use std::io::{self, Write};
use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::{GraphicalReportHandler, GraphicalTheme};
use serde_json::{Value as Json, json};

use crate::analysis::probe::{self, ProbeError};
use crate::analysis::trace::{
    Assumption, Disposition, Event, LocalAddresses, Outcome, RewriteStep, Step, StepAction, Trace,
    TraceVerdict,
};
use crate::diagnostics::{Diagnostic, Rendered, Severity};
use crate::engine;
use crate::model::{Family, Hook};
use crate::parser::{self, ReadOptions};
use crate::source::{SourceFile, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormat {
    /// The path as a story with line numbers, drawn over the source.
    Text,
    /// One JSON document.
    Json,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The rule file, or `-` for standard input.
    #[arg(value_name = "PATH")]
    path: PathBuf,

    /// The packet, e.g. "tcp 198.51.100.7:40000 -> 203.0.113.1:80 in=eth0 state=new".
    #[arg(value_name = "PACKET", required_unless_present = "packet_option")]
    packet: Option<String>,

    /// The packet (instead of the positional argument).
    #[arg(long = "packet", value_name = "PACKET", conflicts_with = "packet")]
    packet_option: Option<String>,

    /// An address of the host itself, as `ip addr` shows it (`203.0.113.1` or `203.0.113.1/24`; repeatable).
    #[arg(long = "local-address", value_name = "ADDRESS")]
    local_addresses: Vec<String>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: TraceFormat,

    /// Address family of the file (default: from the file name, then the content, then the packet).
    #[arg(long, value_parser = ["4", "6"])]
    family: Option<String>,

    /// Read the file as a fragment for `iptables-restore --noflush`.
    #[arg(long)]
    fragment: bool,

    /// The name to show for standard input.
    #[arg(long, value_name = "NAME", default_value = "-")]
    stdin_filename: String,
}

/// A usage error about the packet spec, drawn over the spec.
fn spec_error(spec: &str, error: &ProbeError, out: &mut dyn Write) -> io::Result<()> {
    let file = SourceFile::new("packet", spec.to_string());
    let diagnostic = Diagnostic {
        code: "trace".into(),
        name: "invalid-packet".into(),
        severity: Severity::Error,
        message: error.message.clone(),
        span: Span::from_range(error.span.clone()),
        label: Some("here".into()),
        labels: Vec::new(),
        help: error.help.clone().map(Into::into),
        suppressed: false,
    };
    draw(&diagnostic, &file, out)
}

fn draw(diagnostic: &Diagnostic, file: &SourceFile, out: &mut dyn Write) -> io::Result<()> {
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode_nocolor())
        .with_width(100)
        .with_context_lines(1)
        .without_syntax_highlighting();
    let rendered = Rendered::new(diagnostic, file, &[], None);
    let mut text = String::new();
    if handler.render_report(&mut text, &rendered).is_err() {
        text = format!("{}\n", diagnostic.message);
    }
    writeln!(out, "{}", text.trim_end())
}

/// Reads `--local-address` values: an address with an optional prefix.
pub(super) fn local_addresses(texts: &[String], family: Family) -> Result<LocalAddresses, String> {
    let mut local = LocalAddresses::default();
    for text in texts {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix)),
            None => (text.as_str(), None),
        };
        let address: IpAddr = address
            .parse()
            .map_err(|_| format!("--local-address: `{text}` is not an address"))?;
        let width = if address.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix.map(str::parse::<u8>) {
            None => None,
            Some(Ok(length)) if length <= width => Some(length),
            Some(_) => {
                return Err(format!(
                    "--local-address: `{text}` has no valid prefix length"
                ));
            }
        };
        let matches = matches!(
            (address, family),
            (IpAddr::V4(_), Family::V4) | (IpAddr::V6(_), Family::V6)
        );
        if matches {
            local.add_given(address, prefix);
        }
    }
    Ok(local)
}

/// Runs `fwlint trace`.
pub fn run(args: &TraceArgs) -> io::Result<u8> {
    let mut stderr = io::stderr();
    let spec = args
        .packet_option
        .as_deref()
        .or(args.packet.as_deref())
        .unwrap_or_default();
    let probe = match probe::parse(spec) {
        Ok(probe) => probe,
        Err(error) => {
            spec_error(spec, &error, &mut stderr)?;
            return Ok(2);
        }
    };
    let (name, text) = if args.path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        io::Read::read_to_end(&mut io::stdin(), &mut bytes)?;
        (args.stdin_filename.clone(), engine::decode(bytes))
    } else {
        let name = engine::display(&args.path);
        match std::fs::read(&args.path) {
            Ok(bytes) => (name, engine::decode(bytes)),
            Err(error) => {
                writeln!(stderr, "fwlint: error: {name}: {error}")?;
                return Ok(2);
            }
        }
    };
    if text.as_bytes().contains(&0) {
        writeln!(
            stderr,
            "fwlint: error: {name}: this is a binary file, not a rule file"
        )?;
        return Ok(2);
    }
    let file = SourceFile::new(name.clone(), text);
    let family = match args.family.as_deref() {
        Some("4") => Some(Family::V4),
        Some("6") => Some(Family::V6),
        _ => None,
    };
    let (detected, source) = parser::family::detect(family, file.name(), file.text());
    // A file that does not say its family takes the packet's.
    let family = if family.is_none() && source == parser::FamilySource::Default {
        probe.family
    } else {
        detected
    };
    let read = parser::read(
        &file,
        &ReadOptions {
            family: Some(family),
            fragment: args.fragment,
        },
    );
    if probe.family != read.ruleset.family {
        let error = ProbeError {
            span: 0..spec.len(),
            message: format!(
                "this is an {} packet, but {name} holds {} rules",
                probe.family.as_str(),
                read.ruleset.family.as_str()
            ),
            help: Some("trace IPv4 packets through rules.v4 and IPv6 packets through rules.v6 (or give `--family`)".into()),
        };
        spec_error(spec, &error, &mut stderr)?;
        return Ok(2);
    }
    if !read.loadable {
        writeln!(
            stderr,
            "fwlint: error: {name}: iptables-restore would refuse this file, so no packet meets these rules; run `fwlint {name}` to see why"
        )?;
        return Ok(2);
    }
    let addresses = match super::local_addresses_or_config(&args.local_addresses, &args.path) {
        Ok(addresses) => addresses,
        Err(message) => {
            write!(stderr, "{message}")?;
            return Ok(2);
        }
    };
    let mut local = match local_addresses(&addresses, probe.family) {
        Ok(local) => local,
        Err(message) => {
            writeln!(stderr, "fwlint: error: {message}")?;
            return Ok(2);
        }
    };
    local.infer(&read.ruleset);
    let trace = crate::analysis::trace::trace(&read.ruleset, &file, local, &probe);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    match args.format {
        TraceFormat::Json => {
            serde_json::to_writer_pretty(&mut out, &to_json(&trace))?;
            writeln!(out)?;
        }
        TraceFormat::Text => write_text(&trace, &file, &mut out)?,
    }
    Ok(0)
}

fn hook_name(hook: Hook) -> &'static str {
    match hook {
        Hook::Prerouting => "prerouting",
        Hook::Input => "input",
        Hook::Forward => "forward",
        Hook::Output => "output",
        Hook::Postrouting => "postrouting",
    }
}

fn step_json(step: &Step) -> Json {
    let target = match &step.action {
        StepAction::Jump(name) | StepAction::Goto(name) => Some(name.clone()),
        StepAction::Decide(text) | StepAction::Policy(text) => Some(text.clone()),
        StepAction::Return => Some("RETURN".into()),
        StepAction::Matched => None,
    };
    json!({
        "hook": hook_name(step.hook),
        "table": step.table.as_str(),
        "chain": step.chain,
        "line": step.line,
        "action": step.action.kind(),
        "target": target,
        "rule": if step.rule.is_some() { Json::String(step.text.clone()) } else { Json::Null },
    })
}

fn rewrite_json(rewrite: &RewriteStep) -> Json {
    json!({
        "kind": rewrite.kind,
        "hook": hook_name(rewrite.hook),
        "line": rewrite.line,
        "before": rewrite.before,
        "after": rewrite.after,
    })
}

fn assumption_json(assumption: &Assumption) -> Json {
    json!({
        "table": assumption.table.map(|t| t.as_str()),
        "chain": assumption.chain,
        "line": assumption.line,
        "reason": assumption.reason,
        "assumed": assumption.assumed,
        "explored": assumption.explored,
    })
}

fn outcome_json(outcome: &Outcome) -> Json {
    json!({
        "verdict": outcome.verdict.as_str(),
        "disposition": outcome.disposition.as_str(),
        "out": outcome.disposition.out(),
        "hooks": outcome.hooks.iter().map(|h| hook_name(*h)).collect::<Vec<_>>(),
        "path": outcome.steps.iter().map(step_json).collect::<Vec<_>>(),
        "rewrites": outcome.rewrites.iter().map(rewrite_json).collect::<Vec<_>>(),
        "assumptions": outcome.assumptions.iter().map(assumption_json).collect::<Vec<_>>(),
    })
}

/// The filtering hook a trace's fate turns on: `input`, `forward` or
/// `output`, when every outcome passes it.
fn filtering_hook(trace: &Trace) -> Option<&'static str> {
    let hooks = trace.common_hooks();
    ["input", "forward", "output"]
        .into_iter()
        .find(|name| hooks.iter().any(|hook| hook_name(*hook) == *name))
}

/// The JSON contract of `fwlint trace --format json`.
#[must_use]
pub fn to_json(trace: &Trace) -> Json {
    let disposition = trace.disposition();
    json!({
        "packet": trace.probe.to_string(),
        "family": trace.probe.family.as_str(),
        "verdict": trace.verdict().as_str(),
        "disposition": disposition.as_str(),
        "out": disposition.out(),
        // The filtering hook the packet's fate turns on, as the issue's
        // contract names it: `input`, `forward` or `output`.
        "hook": filtering_hook(trace),
        "hooks": trace.common_hooks().iter().map(|h| hook_name(*h)).collect::<Vec<_>>(),
        "path": trace.common_steps().iter().map(step_json).collect::<Vec<_>>(),
        "rewrites": trace.common_rewrites().iter().map(rewrite_json).collect::<Vec<_>>(),
        "uncertain": !trace.is_certain(),
        "undecided": trace.undecided().into_iter().map(|a| json!({
            "table": a.table.map(|t| t.as_str()),
            "chain": a.chain,
            "line": a.line,
            "reason": a.reason,
        })).collect::<Vec<_>>(),
        "outcomes": trace.outcomes.iter().map(outcome_json).collect::<Vec<_>>(),
        "truncated": trace.truncated,
    })
}

fn describe_disposition(disposition: &Disposition) -> String {
    match disposition {
        Disposition::Local => "delivered to this host".into(),
        Disposition::Forwarded { out: Some(out) } => format!("forwarded out of {out}"),
        Disposition::Forwarded { out: None } => "forwarded".into(),
        Disposition::Sent { out: Some(out) } => format!("sent out of {out}"),
        Disposition::Sent { out: None } => "sent".into(),
        Disposition::Stopped { hook } => format!("stopped in {}", hook.chain_name()),
        Disposition::Martian => "dropped by the kernel as a martian".into(),
        Disposition::Unknown => "fate unknown".into(),
    }
}

fn step_line(step: &Step) -> String {
    let at = step.line.map_or_else(
        || "   (default)".to_string(),
        |line| format!("line {line:>4}"),
    );
    match &step.action {
        StepAction::Policy(verdict) => {
            format!("{at}  policy {verdict} of {}", step.chain)
        }
        action => {
            let what = match action {
                StepAction::Matched => "matches, goes on".to_string(),
                StepAction::Jump(chain) => format!("jumps to {chain}"),
                StepAction::Goto(chain) => format!("goes to {chain} (no way back)"),
                StepAction::Return => "returns".to_string(),
                StepAction::Decide(verdict) => verdict.clone(),
                StepAction::Policy(_) => String::new(),
            };
            format!("{at}  -A {} {}  => {what}", step.chain, step.text)
        }
    }
}

fn write_story(outcome: &Outcome, out: &mut dyn Write) -> io::Result<()> {
    for event in &outcome.events {
        match event {
            Event::Hook(hook) => writeln!(out, "  {}", hook.chain_name())?,
            Event::Table(table) => writeln!(out, "    {} table", table.as_str())?,
            Event::Step(index) => writeln!(out, "      {}", step_line(&outcome.steps[*index]))?,
            Event::Note(note) => writeln!(out, "    - {note}")?,
        }
    }
    writeln!(
        out,
        "  => {}, {}",
        outcome.verdict.as_str(),
        describe_disposition(&outcome.disposition)
    )
}

/// The path drawn over the source: every step a label, the last the
/// primary one.
fn draw_path(outcome: &Outcome, file: &SourceFile, out: &mut dyn Write) -> io::Result<()> {
    let spans: Vec<(Span, String)> = outcome
        .steps
        .iter()
        .enumerate()
        .filter_map(|(number, step)| {
            let label = match &step.action {
                StepAction::Matched => "matches".to_string(),
                StepAction::Jump(chain) => format!("jump to {chain}"),
                StepAction::Goto(chain) => format!("goto {chain}"),
                StepAction::Return => "return".to_string(),
                StepAction::Decide(verdict) | StepAction::Policy(verdict) => verdict.clone(),
            };
            Some((step.span?, format!("{}. {label}", number + 1)))
        })
        .collect();
    let Some(((last_span, last_label), rest)) = spans.split_last() else {
        return Ok(());
    };
    let mut diagnostic = Diagnostic {
        code: "trace".into(),
        name: "path".into(),
        severity: Severity::Info,
        message: format!(
            "the path of the packet: {}, {}",
            outcome.verdict.as_str(),
            describe_disposition(&outcome.disposition)
        ),
        span: *last_span,
        label: Some(last_label.clone().into()),
        labels: Vec::new(),
        help: None,
        suppressed: false,
    };
    for (span, label) in rest {
        diagnostic = diagnostic.with_secondary(*span, label.clone());
    }
    draw(&diagnostic, file, out)
}

fn write_text(trace: &Trace, file: &SourceFile, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "packet: {}", trace.probe)?;
    if trace.is_certain() {
        let outcome = &trace.outcomes[0];
        write_story(outcome, out)?;
        writeln!(out)?;
        draw_path(outcome, file, out)?;
        writeln!(
            out,
            "\nverdict: {} ({})",
            outcome.verdict.as_str(),
            describe_disposition(&outcome.disposition)
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "fwlint cannot decide every rule on this packet's way; {} possible outcome{}:",
        trace.outcomes.len(),
        if trace.outcomes.len() == 1 { "" } else { "s" }
    )?;
    for assumption in trace.undecided() {
        let at = match (&assumption.chain, assumption.line) {
            (Some(chain), Some(line)) => format!("line {line} ({chain})"),
            (Some(chain), None) => chain.clone(),
            _ => "routing".to_string(),
        };
        writeln!(out, "  undecided at {at}: {}", assumption.reason)?;
    }
    for (number, outcome) in trace.outcomes.iter().enumerate() {
        writeln!(out)?;
        let assumed: Vec<String> = outcome
            .assumptions
            .iter()
            .map(|a| match a.line {
                Some(line) => format!("line {line}: {}", a.assumed),
                None => a.assumed.clone(),
            })
            .collect();
        writeln!(
            out,
            "possibility {} (if {}):",
            number + 1,
            if assumed.is_empty() {
                "nothing else".to_string()
            } else {
                assumed.join("; ")
            }
        )?;
        write_story(outcome, out)?;
    }
    if trace.truncated {
        writeln!(
            out,
            "\nmore than {} possibilities: the list is incomplete",
            crate::analysis::trace::MAX_OUTCOMES
        )?;
    }
    let verdict = trace.verdict();
    if verdict == TraceVerdict::Unknown {
        writeln!(
            out,
            "\nverdict: UNKNOWN (depends on the undecided points above)"
        )?;
    } else {
        writeln!(
            out,
            "\nverdict: {} in every possibility (the path depends on the undecided points above)",
            verdict.as_str()
        )?;
    }
    Ok(())
}
