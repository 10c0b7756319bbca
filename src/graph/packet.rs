//! What a traced packet highlights: the stages it passes, every rule and
//! policy that counted it, the jumps it takes, the deciding rule of each
//! table and its NAT rewrites, up to where its way ends.
//!
//! When the trace is uncertain (several ways are possible), only what every
//! way shares is highlighted, and the caption says so: the diagram never
//! shows a way as certain that is not.

use super::{Mark, Marks, Role, Stage};
use crate::analysis::trace::{Disposition, Outcome, Step, StepAction, Trace, TraceVerdict};
use crate::model::Hook;

/// The marks of `trace`; `spec` is the packet as the user wrote it.
#[must_use]
pub fn marks(trace: &Trace, spec: &str) -> Marks {
    let certain = trace.is_certain();
    let (hooks, steps, rewrites, disposition) = match trace.outcomes.first() {
        Some(outcome) if certain => (
            outcome.hooks.as_slice(),
            outcome.steps.as_slice(),
            outcome.rewrites.as_slice(),
            outcome.disposition.clone(),
        ),
        _ => (
            trace.common_hooks(),
            trace.common_steps(),
            trace.common_rewrites(),
            Disposition::Unknown,
        ),
    };
    let mut places: Vec<Mark> = Vec::new();
    let mut calls = Vec::new();
    for step in steps {
        let (role, note) = match &step.action {
            StepAction::Matched => (Role::Path, "matched, goes on".to_string()),
            StepAction::Jump(target) => {
                calls.push((step.table, step.chain.clone(), target.clone()));
                (Role::Path, format!("jumps to {target}"))
            }
            StepAction::Goto(target) => {
                calls.push((step.table, step.chain.clone(), target.clone()));
                (Role::Path, format!("goes to {target}"))
            }
            StepAction::Return => (Role::Path, "returns".to_string()),
            StepAction::Decide(target) => (Role::Decides, format!("decides: {target}")),
            StepAction::Policy(verdict) => (Role::Decides, format!("the policy {verdict} decides")),
        };
        let mut note = note;
        for rewrite in rewrites
            .iter()
            .filter(|rewrite| rewrite.hook == step.hook && rewrite.line == step.line)
            .filter(|_| matches!(step.action, StepAction::Decide(_)))
        {
            note.push_str(&format!(
                "; {} {} → {}",
                rewrite.kind, rewrite.before, rewrite.after
            ));
        }
        places.push(Mark {
            table: step.table,
            chain: step.chain.clone(),
            rule: step.rule,
            role,
            note: Some(note),
        });
    }
    let stop = match &disposition {
        Disposition::Stopped { hook } => {
            last_decision(steps, *hook).map(|step| (step.table, *hook))
        }
        Disposition::Martian => Some((
            steps
                .iter()
                .rev()
                .find(|step| step.hook == Hook::Prerouting)
                .map_or(crate::model::TableKind::Nat, |step| step.table),
            Hook::Prerouting,
        )),
        _ => None,
    };
    Marks {
        caption: Some(caption(trace, spec, certain)),
        stages: stages(hooks, &disposition),
        stop,
        places,
        calls,
    }
}

/// The last rule or policy that decided the packet on `hook`.
fn last_decision(steps: &[Step], hook: Hook) -> Option<&Step> {
    steps.iter().rev().find(|step| {
        step.hook == hook && matches!(step.action, StepAction::Decide(_) | StepAction::Policy(_))
    })
}

/// The stages of the way through `hooks`: where the packet comes from,
/// the routing decision after PREROUTING, and where it ends.
fn stages(hooks: &[Hook], disposition: &Disposition) -> Vec<Stage> {
    let Some(first) = hooks.first() else {
        return Vec::new();
    };
    let mut stages = vec![if *first == Hook::Output {
        Stage::LocalProcess
    } else {
        Stage::NetworkIn
    }];
    for (position, hook) in hooks.iter().enumerate() {
        stages.push(Stage::of_hook(*hook));
        let more = position + 1 < hooks.len();
        if *hook == Hook::Prerouting && more {
            stages.push(Stage::Routing);
        }
    }
    match disposition {
        Disposition::Local => stages.push(Stage::LocalProcess),
        Disposition::Forwarded { .. } | Disposition::Sent { .. } => {
            stages.push(Stage::NetworkOut);
        }
        _ => {}
    }
    stages
}

fn caption(trace: &Trace, spec: &str, certain: bool) -> String {
    let spec = spec.split_whitespace().collect::<Vec<_>>().join(" ");
    if !certain {
        let ways = trace.outcomes.len();
        let verdicts: Vec<&str> = {
            let mut seen: Vec<&str> = Vec::new();
            for outcome in &trace.outcomes {
                if !seen.contains(&outcome.verdict.as_str()) {
                    seen.push(outcome.verdict.as_str());
                }
            }
            seen
        };
        return format!(
            "{spec}: uncertain, {} possible ({}{}); highlighted is only what every way shares",
            super::plural(ways, "way"),
            verdicts.join(", "),
            if trace.truncated { ", and more" } else { "" }
        );
    }
    let Some(outcome) = trace.outcomes.first() else {
        return spec;
    };
    format!("{spec}: {}", fate(outcome))
}

/// The end of a certain way, in words.
fn fate(outcome: &Outcome) -> String {
    let decisions = || {
        outcome
            .steps
            .iter()
            .rev()
            .filter(|step| matches!(step.action, StepAction::Decide(_) | StepAction::Policy(_)))
    };
    // An accepted packet passed every table; the filter table's decision
    // is the one people ask about, not the nat table's policy after it.
    let decided = if outcome.verdict == TraceVerdict::Accept {
        decisions()
            .find(|step| step.table == crate::model::TableKind::Filter)
            .or_else(|| decisions().next())
    } else {
        decisions().next()
    };
    let by = decided.map(|step| {
        let place = match step.line {
            Some(line) => format!("line {line}"),
            None => "its default".to_string(),
        };
        match &step.action {
            StepAction::Policy(verdict) => format!(
                " by the policy {verdict} of {} {} ({place})",
                step.table.as_str(),
                step.chain
            ),
            _ => format!(" by {} {} {place}", step.table.as_str(), step.chain),
        }
    });
    let where_to = match &outcome.disposition {
        Disposition::Local => ", delivered to a local process".to_string(),
        Disposition::Forwarded { out } => match out {
            Some(out) => format!(", forwarded out of {out}"),
            None => ", forwarded".to_string(),
        },
        Disposition::Sent { out } => match out {
            Some(out) => format!(", sent out of {out}"),
            None => ", sent".to_string(),
        },
        Disposition::Stopped { hook } => format!(" in {}", hook.chain_name()),
        Disposition::Martian => ", dropped by the kernel as a martian".to_string(),
        Disposition::Unknown => String::new(),
    };
    let verdict = match &outcome.verdict {
        TraceVerdict::Unknown => "UNKNOWN".to_string(),
        other => other.as_str().to_string(),
    };
    let rewrites: Vec<String> = outcome
        .rewrites
        .iter()
        .map(|rewrite| format!("{} {} → {}", rewrite.kind, rewrite.before, rewrite.after))
        .collect();
    let rewrites = if rewrites.is_empty() {
        String::new()
    } else {
        format!("; {}", rewrites.join("; "))
    };
    format!("{verdict}{}{where_to}{rewrites}", by.unwrap_or_default())
}
