//! FW008 `undefined-chain`: jumps, gotos and rules for chains that do not
//! exist where they are used.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Rule, Table, TargetKind};

declare_code! {
    /// ## What it does
    /// Reports rules that jump to (`-j`), go to (`-g`) or are added to (`-A`)
    /// a chain that does not exist at that point of the file.
    ///
    /// ## Why is this bad?
    /// `iptables-restore` fails with "Couldn't load target" (or "goto is not
    /// a chain", "No chain/target/match by that name") and loads nothing of
    /// the table. Usually the chain name is misspelled, or the chain is
    /// declared after its first use. In a file meant for
    /// `iptables-restore --noflush`, the chain may exist in the running
    /// ruleset: run fwlint with `--fragment` to say so.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :LOGDROP - [0:0]
    /// -A INPUT -j LOG_DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :LOGDROP - [0:0]
    /// -A INPUT -j LOGDROP
    /// COMMIT
    /// ```
    pub static UNDEFINED_CHAIN = {
        code: "FW008",
        name: "undefined-chain",
        category: Syntax,
        summary: "a jump, goto or rule for a chain that does not exist",
    };
}

pub struct UndefinedChain;

/// Is chain `chain` missing at byte offset `at` of the file?
fn missing_at(chain: Option<&Chain>, at: u32) -> bool {
    match chain {
        None => true,
        Some(chain) if chain.is_builtin() => false,
        Some(chain) => match (chain.declared, chain.undeclared_use) {
            (_, None) => false,
            (None, Some(_)) => true,
            (Some(declared), Some(_)) => declared.start > at,
        },
    }
}

fn suggestion(table: &Table, name: &str) -> Option<String> {
    let lowered = name.to_ascii_lowercase();
    table
        .chains
        .iter()
        .filter(|chain| chain.name != name && chain.undeclared_use.is_none())
        .map(|chain| {
            (
                distance(&lowered, &chain.name.to_ascii_lowercase()),
                &chain.name,
            )
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(name.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate.clone())
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            current[j + 1] = (previous[j] + usize::from(ca != *cb))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

fn help(table: &Table, name: &str, fragment_hint: bool) -> String {
    let mut help = match suggestion(table, name) {
        Some(best) => format!("did you mean `{best}`?"),
        None => match table.chain(name).and_then(|chain| chain.declared) {
            Some(_) => format!("move the declaration `:{name} - [0:0]` above its first use"),
            None => format!("declare it with `:{name} - [0:0]` before its first use"),
        },
    };
    if fragment_hint {
        let joint = if help.ends_with('?') { " If" } else { "; if" };
        help.push_str(&format!(
            "{joint} this file is a fragment for `iptables-restore --noflush`, run fwlint with `--fragment`"
        ));
    }
    help
}

impl Lint for UndefinedChain {
    fn meta(&self) -> &'static LintMeta {
        &UNDEFINED_CHAIN
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, table: &Table, _chain: &Chain, rule: &Rule) {
        let (name, verb) = match &rule.target.kind {
            TargetKind::Jump(name) => (name, "jump to"),
            TargetKind::Goto(name) => (name, "goto to"),
            _ => return,
        };
        let span = rule.target.span;
        if !missing_at(table.chain(name), span.start) {
            return;
        }
        let target_span = span.part(span.len() as usize - name.len()..span.len() as usize);
        let declared = table.chain(name).and_then(|chain| chain.declared);
        let message = if declared.is_some() {
            format!("{verb} chain `{name}` before it is declared")
        } else {
            format!("{verb} chain `{name}`, which does not exist")
        };
        let help = help(table, name, !cx.facts.fragment);
        let diagnostic = cx.report(target_span, message);
        diagnostic.label("no such chain here").help(help);
        if let Some(declared) = declared {
            diagnostic.secondary(declared, "declared only here");
        }
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, table: &Table, chain: &Chain) {
        let Some(used) = chain.undeclared_use else {
            return;
        };
        // A jump at that very place is reported by `check_rule`.
        let jumped = table
            .chains
            .iter()
            .flat_map(|c| &c.rules)
            .any(|rule| rule.target.span.cover(used) == rule.target.span);
        if jumped {
            return;
        }
        let name = &chain.name;
        let message = match chain.declared {
            Some(_) => format!("rules for chain `{name}` before it is declared"),
            None => format!("rules for chain `{name}`, which is never declared"),
        };
        let help = help(table, name, !cx.facts.fragment);
        let diagnostic = cx.report(used, message);
        diagnostic.label("no such chain here").help(help);
        if let Some(declared) = chain.declared {
            diagnostic.secondary(declared, "declared only here");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn jumps_and_rules_for_missing_chains() {
        fails(
            "undefined-chain",
            "*filter\n:LOGDROP - [0:0]\n-A INPUT -j LOG_DROP\nCOMMIT\n",
        );
        fails("undefined-chain", "*filter\n-A INPUT -g NOWHERE\nCOMMIT\n");
        fails("undefined-chain", "*filter\n-A MINE -j ACCEPT\nCOMMIT\n");
        fails(
            "undefined-chain",
            "*filter\n-A INPUT -j LATER\n:LATER - [0:0]\nCOMMIT\n",
        );
        passes(
            "undefined-chain",
            "*filter\n:MINE - [0:0]\n-A INPUT -j MINE\n-A MINE -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "undefined-chain",
            "*filter\n-N MINE\n-A INPUT -j MINE\nCOMMIT\n",
        );
    }
}
