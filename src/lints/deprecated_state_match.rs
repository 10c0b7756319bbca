//! FW301 `deprecated-state-match`: `-m state` where `-m conntrack` is meant.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Rule, Table};

declare_code! {
    /// ## What it does
    /// Reports `-m state --state ...`.
    ///
    /// ## Why is this bad?
    /// "The state extension is a subset of the conntrack module"; the
    /// kernel implements `-m state` through conntrack, and new rules, guides
    /// and the CIS benchmarks use `-m conntrack --ctstate`. It works, but
    /// mixing both makes rules harder to compare.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -m state --state RELATED,ESTABLISHED -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// COMMIT
    /// ```
    pub static DEPRECATED_STATE_MATCH = {
        code: "FW301",
        name: "deprecated-state-match",
        category: Style,
        summary: "`-m state` where `-m conntrack` is meant",
    };
}

pub struct DeprecatedStateMatch;

impl Lint for DeprecatedStateMatch {
    fn meta(&self) -> &'static LintMeta {
        &DEPRECATED_STATE_MATCH
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, rule: &Rule) {
        for m in rule.matches.iter().filter(|m| m.known && m.name == "state") {
            let states = m
                .option("state")
                .map(|option| cx.text(option.span).to_string());
            let replacement = states.as_deref().map_or_else(
                || "-m conntrack --ctstate".to_string(),
                |written| {
                    format!(
                        "-m conntrack {}",
                        written.replacen("--state", "--ctstate", 1)
                    )
                },
            );
            cx.report(m.span, "`-m state` is the old form of `-m conntrack`")
                .help(format!("write `{replacement}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn state_becomes_conntrack() {
        fails(
            "deprecated-state-match",
            "*filter\n-A INPUT -m state --state ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "deprecated-state-match",
            "*filter\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
    }
}
