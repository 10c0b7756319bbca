//! FW101 `unreachable-rule`: rules after a rule of the same chain that
//! matches every packet and ends the chain.

use super::rules::{first_catch_all, line_of, stop};
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Table};

declare_code! {
    /// ## What it does
    /// Reports rules that follow, in the same chain, a rule that matches
    /// every packet and ends the chain (`-j ACCEPT`, `-j DROP`, `-j REJECT`,
    /// `-j RETURN`, `-g CHAIN` with no match before them).
    ///
    /// ## Why is this bad?
    /// No packet ever reaches them. This is the classic mistake of
    /// appending rules (`iptables -A`) to a chain that ends with a
    /// catch-all REJECT, as the CentOS default rule file does: the new rules
    /// look active but do nothing.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -j REJECT --reject-with icmp-host-prohibited
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// -A INPUT -j REJECT --reject-with icmp-host-prohibited
    /// COMMIT
    /// ```
    pub static UNREACHABLE_RULE = {
        code: "FW101",
        name: "unreachable-rule",
        category: Correctness,
        summary: "a rule no packet can reach",
    };
}

pub struct UnreachableRule;

impl Lint for UnreachableRule {
    fn meta(&self) -> &'static LintMeta {
        &UNREACHABLE_RULE
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, _table: &Table, chain: &Chain) {
        let Some((position, catch_all)) = first_catch_all(&chain.rules) else {
            return;
        };
        let Some(how) = stop(catch_all) else { return };
        let line = line_of(cx.source, catch_all);
        let dead = &chain.rules[position + 1..];
        for rule in dead {
            cx.report(
                rule.span,
                format!(
                    "this rule is never reached: line {line} {} every packet first",
                    how.describe()
                ),
            )
            .label("unreachable")
            .secondary(
                catch_all.span,
                format!("every packet in `{}` stops here", chain.name),
            )
            .help("move the rule above the catch-all rule, or delete it");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, findings, passes};

    #[test]
    fn rules_after_a_catch_all() {
        fails(
            "unreachable-rule",
            "*filter\n-A INPUT -j REJECT\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "unreachable-rule",
            "*filter\n:A - [0:0]\n-A INPUT -j A\n-A A -j RETURN\n-A A -j DROP\nCOMMIT\n",
        );
        let three = "*filter\n-A INPUT -j DROP\n-A INPUT -j ACCEPT\n-A INPUT -j ACCEPT\n-A INPUT -j ACCEPT\nCOMMIT\n";
        assert_eq!(findings("unreachable-rule", three).len(), 3);
    }

    #[test]
    fn conditions_and_non_terminal_targets_keep_later_rules_alive() {
        passes(
            "unreachable-rule",
            "*filter\n-A INPUT -p tcp -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "unreachable-rule",
            "*filter\n-A INPUT -j LOG\n-A INPUT -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "unreachable-rule",
            "*filter\n:A - [0:0]\n-A INPUT -j A\n-A INPUT -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "unreachable-rule",
            "*filter\n-A INPUT -m comment --comment x -m geoip --src-cc XX -j DROP\n-A INPUT -j ACCEPT\nCOMMIT\n",
        );
    }
}
