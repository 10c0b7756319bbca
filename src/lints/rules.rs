//! Questions lints ask of single rules: what they do, whether they match
//! every packet, which connection states they accept. These are syntactic
//! readings of one rule; the packet-flow analysis answers the questions
//! that need all rules at once.

use crate::model::{Interface, Rule, Table, TargetKind, Termination, Value, Verdict};

/// How a rule ends a chain's traversal, when it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Accept,
    Drop,
    Reject,
    Queue,
    /// `RETURN`: back to the calling chain (or the policy).
    Return,
    /// `-g CHAIN`: never comes back to this chain.
    Goto,
    /// Another target that decides (DNAT, SNAT, TPROXY...).
    Other,
}

impl Stop {
    #[must_use]
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Accept => "accepts",
            Stop::Drop => "drops",
            Stop::Reject => "rejects",
            Stop::Queue => "queues",
            Stop::Return => "returns from the chain with",
            Stop::Goto => "goes to another chain with",
            Stop::Other => "decides the fate of",
        }
    }
}

/// How the rule's target ends traversal of its chain, if it does.
#[must_use]
pub fn stop(rule: &Rule) -> Option<Stop> {
    match &rule.target.kind {
        TargetKind::Verdict(Verdict::Accept) => Some(Stop::Accept),
        TargetKind::Verdict(Verdict::Drop) => Some(Stop::Drop),
        TargetKind::Verdict(Verdict::Queue) => Some(Stop::Queue),
        TargetKind::Verdict(Verdict::Return) => Some(Stop::Return),
        TargetKind::Goto(_) => Some(Stop::Goto),
        TargetKind::Extension(target)
            if target.known && target.termination == Termination::Terminal =>
        {
            Some(if target.name == "REJECT" {
                Stop::Reject
            } else {
                Stop::Other
            })
        }
        _ => None,
    }
}

/// True for a rule that drops or rejects what it matches.
#[must_use]
pub fn denies(rule: &Rule) -> bool {
    matches!(stop(rule), Some(Stop::Drop | Stop::Reject))
}

/// True for a rule that accepts what it matches.
#[must_use]
pub fn accepts(rule: &Rule) -> bool {
    matches!(stop(rule), Some(Stop::Accept))
}

/// The connection states a rule requires (`-m conntrack --ctstate` or
/// `-m state --state`, not negated), if it requires any.
#[must_use]
pub fn required_states(rule: &Rule) -> Option<u16> {
    let mut states: Option<u16> = None;
    for m in rule.matches.iter().filter(|m| m.known) {
        let option = match m.name.as_ref() {
            "conntrack" => m.option("ctstate"),
            "state" => m.option("state"),
            _ => None,
        };
        if let Some(option) = option {
            if let Value::States(bits) = option.value {
                let bits = if option.negated { !bits } else { bits };
                states = Some(states.map_or(bits, |previous| previous & bits));
            }
        }
    }
    states
}

/// True when the rule matches only on the listed things: every other core
/// field is absent and every extension is one of `allowed` (or a comment).
#[must_use]
pub fn only_matches(rule: &Rule, allowed: &[&str]) -> bool {
    rule.source
        .as_ref()
        .is_none_or(|s| !s.negated && s.value.iter().any(crate::model::Address::is_any))
        && rule
            .destination
            .as_ref()
            .is_none_or(|d| !d.negated && d.value.iter().any(crate::model::Address::is_any))
        && rule.fragment().is_none()
        && rule
            .matches
            .iter()
            .all(|m| m.known && (m.name == "comment" || allowed.contains(&m.name.as_ref())))
}

/// The rule's input interface when it is given and not negated.
#[must_use]
pub fn in_interface(rule: &Rule) -> Option<&Interface> {
    rule.in_interface().filter(|i| !i.negated).map(|i| &i.value)
}

/// True when the rule carries a `limit` or `hashlimit` match.
#[must_use]
pub fn rate_limited(rule: &Rule) -> bool {
    rule.matches
        .iter()
        .any(|m| matches!(m.name.as_ref(), "limit" | "hashlimit"))
}

/// The chains a built-in chain reaches through jumps and gotos, itself
/// first, in the order they are first reached.
#[must_use]
pub fn reached_from<'t>(table: &'t Table, start: &str) -> Vec<&'t crate::model::Chain> {
    let mut seen: Vec<&str> = vec![start];
    let mut order = Vec::new();
    let mut index = 0;
    while index < seen.len() {
        if let Some(chain) = table.chain(seen[index]) {
            order.push(chain);
            for rule in &chain.rules {
                if let TargetKind::Jump(name) | TargetKind::Goto(name) = &rule.target.kind {
                    if !seen.contains(&&**name) {
                        seen.push(name);
                    }
                }
            }
        }
        index += 1;
    }
    order
}

/// The first rule of a chain that matches every packet and ends the
/// chain: no rule after it is ever reached.
#[must_use]
pub fn first_catch_all(rules: &[Rule]) -> Option<(usize, &Rule)> {
    rules
        .iter()
        .enumerate()
        .find(|(_, rule)| rule.is_unconditional() && stop(rule).is_some())
}

/// The first line of the rule, for messages.
#[must_use]
pub fn line_of(source: &crate::source::SourceFile, rule: &Rule) -> usize {
    source.line_col(rule.span.start).line
}

/// Where a chain says "drop by default": its `DROP` policy, or the
/// unconditional rule (or jump) that ends it denying. `None` when it
/// accepts by default.
#[must_use]
pub fn default_deny_span(
    table: &Table,
    chain: &crate::model::Chain,
) -> Option<crate::source::Span> {
    if let Some(policy) = &chain.policy {
        if policy.verdict == Verdict::Drop {
            return Some(policy.span.or(chain.declared).unwrap_or(table.span));
        }
    }
    if !super::permissive_policy::ends_denying(table, chain) {
        return None;
    }
    chain
        .rules
        .iter()
        .find(|rule| {
            rule.is_unconditional()
                && (stop(rule).is_some()
                    || matches!(rule.target.kind, TargetKind::Jump(_) | TargetKind::Goto(_)))
        })
        .map(|rule| rule.span)
}

/// True when some rule of the chains reached from `start` uses a match
/// fwlint does not know, so that a syntactic reading cannot be sure.
#[must_use]
pub fn has_unknown(table: &Table, start: &str) -> bool {
    reached_from(table, start)
        .iter()
        .flat_map(|chain| &chain.rules)
        .any(|rule| {
            rule.matches.iter().any(|m| !m.known)
                || matches!(&rule.target.kind, TargetKind::Extension(t) if !t.known)
        })
}

/// The verdict a rule gives every packet it matches, following a jump or
/// goto into a chain that decides every packet the same way (a
/// `LOGACCEPT` chain: `-j LOG`, then `-j ACCEPT`).
#[must_use]
pub fn decides(table: &Table, rule: &Rule) -> Option<Stop> {
    decides_within(table, rule, 0)
}

fn decides_within(table: &Table, rule: &Rule, depth: usize) -> Option<Stop> {
    if let Some(stop) = stop(rule).filter(|stop| *stop != Stop::Goto) {
        return Some(stop);
    }
    let (TargetKind::Jump(name) | TargetKind::Goto(name)) = &rule.target.kind else {
        return None;
    };
    if depth > 8 {
        return None;
    }
    let chain = table.chain(name)?;
    for inner in &chain.rules {
        let inner_stop = decides_within(table, inner, depth + 1);
        match (inner.is_unconditional(), inner_stop) {
            (true, Some(Stop::Return)) => return None,
            (true, Some(stop)) => return Some(stop),
            // A conditional decision: not every packet ends the same way.
            (false, Some(_)) => return None,
            (_, None) => {
                if matches!(inner.target.kind, TargetKind::Jump(_) | TargetKind::Goto(_))
                    || matches!(&inner.target.kind, TargetKind::Extension(t) if !t.known || t.termination != Termination::Continues)
                {
                    return None;
                }
            }
        }
    }
    None
}

/// True when the rule accepts what it matches, directly or through a chain
/// that accepts everything.
#[must_use]
pub fn accepts_in(table: &Table, rule: &Rule) -> bool {
    decides(table, rule) == Some(Stop::Accept)
}

/// "line 3", "line 3 and line 5", "line 3, line 5 and line 9", "line 3,
/// line 5, line 9 and 2 more": a list of places in a message.
#[must_use]
pub fn join_lines(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [first @ .., last] if first.len() < 3 => format!("{} and {last}", first.join(", ")),
        _ => format!("{} and {} more", items[..3].join(", "), items.len() - 3),
    }
}
