//! FW201 `permissive-policy`: INPUT or FORWARD accepting by default.

use super::rules::{Stop, denies, stop};
use super::{FileContext, Lint};
use crate::analysis::Flow;
use crate::analysis::space::PacketSet;
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::graph::ends_unconditionally;
use crate::model::{Chain, Table, TableKind, Verdict};

declare_code! {
    /// ## What it does
    /// Reports `INPUT` and `FORWARD` chains of the filter table whose policy
    /// is `ACCEPT` (or not set, which leaves the kernel's `ACCEPT`) and that
    /// do not end with a rule that drops or rejects every packet.
    ///
    /// ## Why is this bad?
    /// Whatever the rules do not explicitly refuse is let in: every service
    /// that starts listening later is open, and every mistake in the rules
    /// fails open. The CIS benchmarks require a default-deny policy. (An
    /// `iptables -F` also keeps policies: a `DROP` policy with flushed
    /// rules locks out, an `ACCEPT` policy exposes.)
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :INPUT ACCEPT [0:0]
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// :FORWARD DROP [0:0]
    /// -A INPUT -i lo -j ACCEPT
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static PERMISSIVE_POLICY = {
        code: "FW201",
        name: "permissive-policy",
        category: Security,
        summary: "INPUT or FORWARD accepts what no rule refuses",
    };
}

pub struct PermissivePolicy;

/// Does `chain` end, for every packet that gets that far, in a drop or
/// reject, following unconditional jumps and gotos?
pub fn ends_denying(table: &Table, chain: &Chain) -> bool {
    ends_unconditionally(table, chain, &|rule| match stop(rule) {
        Some(Stop::Return) => Some(false),
        Some(_) => Some(denies(rule)),
        None => None,
    })
}

/// True when the packet-flow analysis proves that no packet falls through
/// to the policy: the rules together decide every packet, though no single
/// catch-all does (`! -p tcp -j DROP` after `-p tcp -j DROP`, say).
fn policy_never_reached(cx: &FileContext<'_>, table: &Table, chain: &Chain) -> bool {
    let analysis = cx.analysis();
    let Some(evaluated) = analysis.table(table.kind) else {
        return false;
    };
    let evaluator = &evaluated.evaluator;
    let (Some(index), Some(hook)) = (
        evaluator
            .table
            .chains
            .iter()
            .position(|c| c.name == chain.name),
        chain.hook,
    ) else {
        return false;
    };
    // The analysis ran the chain on exactly these packets already; asking
    // again took a seventh of the time on a long blocklist.
    if let Some(reached) = evaluator.policy_reached(index) {
        return !reached;
    }
    let everything = PacketSet::from_cube(analysis.hook_universe(hook));
    evaluator
        .reaching_policy(index, Flow::exact(everything))
        .is_some_and(|left| left.may.is_empty())
}

impl Lint for PermissivePolicy {
    fn meta(&self) -> &'static LintMeta {
        &PERMISSIVE_POLICY
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, table: &Table, chain: &Chain) {
        if table.kind != TableKind::Filter
            || !matches!(chain.name.as_str(), "INPUT" | "FORWARD")
            || cx.facts.incomplete(table.kind)
        {
            return;
        }
        let Some(policy) = &chain.policy else { return };
        if policy.span.is_none() && chain.rules.is_empty() {
            // The file does not touch this chain at all (a ufw template, a
            // file for another table): it leaves it as it finds it.
            return;
        }
        if policy.verdict != Verdict::Accept
            || ends_denying(table, chain)
            || policy_never_reached(cx, table, chain)
        {
            return;
        }
        let (span, set_here) = match policy.span {
            Some(span) => (span, true),
            None => (chain.declared.unwrap_or(table.span), false),
        };
        let routing = if chain.name == "FORWARD" {
            " (this matters if the host forwards packets: `net.ipv4.ip_forward=1`)"
        } else {
            ""
        };
        let message = if set_here {
            format!(
                "`{}` accepts by default: its policy is `ACCEPT` and no rule refuses what the rules do not accept{routing}",
                chain.name
            )
        } else {
            format!(
                "`{}` accepts by default: this file never sets its policy, which stays `ACCEPT`{routing}",
                chain.name
            )
        };
        cx.report(span, message)
            .label("default: accept")
            .help(format!(
                "set `:{} DROP [0:0]` once the rules accept what must pass (loopback, established traffic, your services), or end the chain with `-A {} -j DROP`",
                chain.name, chain.name
            ));
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn accept_by_default() {
        fails(
            "permissive-policy",
            "*filter\n:INPUT ACCEPT [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "permissive-policy",
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "permissive-policy",
            "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n",
        );
        passes(
            "permissive-policy",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -j DROP\nCOMMIT\n",
        );
        passes(
            "permissive-policy",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:MAIN - [0:0]\n-A INPUT -j MAIN\n-A MAIN -j DROP\nCOMMIT\n",
        );
        // No single catch-all, but together the rules decide every packet.
        passes(
            "permissive-policy",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -j DROP\n-A INPUT ! -p tcp -j REJECT\nCOMMIT\n",
        );
        // An unknown match keeps the policy reachable as far as fwlint knows.
        fails(
            "permissive-policy",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -p tcp -j DROP\n-A INPUT ! -p tcp -m geoip --src-cc XX -j REJECT\nCOMMIT\n",
        );
    }
}
