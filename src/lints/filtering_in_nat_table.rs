//! FW106 `filtering-in-nat-table`: filtering intent in the nat table, which
//! sees only the first packet of each connection.

use super::rules::required_states;
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Rule, Table, TableKind, Value, Verdict};

declare_code! {
    /// ## What it does
    /// Reports filtering written into the nat table: a `DROP` policy on a
    /// nat chain, and rules that match only connection states the nat
    /// table never sees (`ESTABLISHED`, `INVALID`, `UNTRACKED`). The first
    /// packet of a `RELATED` connection does pass the nat table, so a
    /// match that allows `RELATED` is left alone.
    ///
    /// ## Why is this bad?
    /// The nat table is consulted only for the first packet of a
    /// connection ("the PREROUTING chain should not be used for any
    /// filtering"); iptables refuses `-j DROP` there for that reason. A
    /// `DROP` policy on a nat chain is accepted but drops only first
    /// packets, and state matches for established traffic never match:
    /// filtering belongs in the filter table.
    ///
    /// ## Example
    /// ```iptables
    /// *nat
    /// :PREROUTING DROP [0:0]
    /// -A PREROUTING -m conntrack --ctstate ESTABLISHED -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *nat
    /// :PREROUTING ACCEPT [0:0]
    /// COMMIT
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT
    /// COMMIT
    /// ```
    pub static FILTERING_IN_NAT_TABLE = {
        code: "FW106",
        name: "filtering-in-nat-table",
        category: Correctness,
        summary: "filtering in the nat table, which sees only first packets",
    };
}

pub struct FilteringInNatTable;

impl Lint for FilteringInNatTable {
    fn meta(&self) -> &'static LintMeta {
        &FILTERING_IN_NAT_TABLE
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, table: &Table, chain: &Chain) {
        if table.kind != TableKind::Nat {
            return;
        }
        if let Some(policy) = &chain.policy {
            if let (Verdict::Drop, Some(span)) = (policy.verdict, policy.span) {
                cx.report(
                    span,
                    format!("`{}` of the nat table has policy `DROP`", chain.name),
                )
                .label("drops only first packets of connections")
                .help("set the nat policy to `ACCEPT` and filter in the filter table");
            }
        }
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, table: &Table, _chain: &Chain, rule: &Rule) {
        if table.kind != TableKind::Nat {
            return;
        }
        let Some(states) = required_states(rule) else {
            return;
        };
        // The first packet of an expected (RELATED) connection walks the
        // nat table like a NEW one; INVALID and UNTRACKED packets skip it.
        let unseen = Value::STATE_ESTABLISHED | Value::STATE_INVALID | Value::STATE_UNTRACKED;
        if states & !unseen == 0 && states != 0 {
            let span = rule
                .matches
                .iter()
                .find(|m| matches!(m.name.as_ref(), "conntrack" | "state"))
                .map_or(rule.span, |m| m.span);
            cx.report(span, "this state match never matches in the nat table")
                .label("the nat table sees only the first packet of a connection")
                .help("filter established and invalid traffic in the filter table");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn nat_is_not_for_filtering() {
        fails(
            "filtering-in-nat-table",
            "*nat\n:PREROUTING DROP [0:0]\nCOMMIT\n",
        );
        fails(
            "filtering-in-nat-table",
            "*nat\n-A PREROUTING -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "filtering-in-nat-table",
            "*nat\n:PREROUTING ACCEPT [0:0]\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n",
        );
        passes(
            "filtering-in-nat-table",
            "*filter\n-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
    }
}
