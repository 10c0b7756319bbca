//! FW203 `missing-loopback-accept`: INPUT drops by default but never
//! accepts the loopback interface.

use super::rules::{accepts_in, default_deny_span, in_interface, reached_from};
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Table, TableKind};

declare_code! {
    /// ## What it does
    /// Reports an `INPUT` chain that drops by default (policy `DROP`, or a
    /// final rule that drops everything) with no rule that accepts packets
    /// arriving on `lo`.
    ///
    /// ## Why is this bad?
    /// Programs on the host talk to each other over the loopback interface:
    /// databases, DNS resolvers, local proxies, X11. Without `-i lo -j
    /// ACCEPT` those connections are dropped and local services fail in
    /// confusing ways. The CIS benchmarks require the loopback accept (and
    /// a drop of 127.0.0.0/8 arriving on other interfaces).
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -i lo -j ACCEPT
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static MISSING_LOOPBACK_ACCEPT = {
        code: "FW203",
        name: "missing-loopback-accept",
        category: Suspicious,
        summary: "INPUT drops by default and never accepts `lo`",
    };
}

pub struct MissingLoopbackAccept;

impl Lint for MissingLoopbackAccept {
    fn meta(&self) -> &'static LintMeta {
        &MISSING_LOOPBACK_ACCEPT
    }

    fn check_table(&self, cx: &mut FileContext<'_>, table: &Table) {
        if table.kind != TableKind::Filter {
            return;
        }
        let Some(input) = table.chain("INPUT") else {
            return;
        };
        let Some(deny) = default_deny_span(table, input) else {
            return;
        };
        let accepts_lo = reached_from(table, "INPUT")
            .iter()
            .flat_map(|chain| &chain.rules)
            .any(|rule| {
                accepts_in(table, rule)
                    && in_interface(rule).is_some_and(|interface| interface.matches("lo"))
            });
        // Rules fwlint cannot read might accept loopback traffic.
        let unknown = reached_from(table, "INPUT")
            .iter()
            .flat_map(|chain| &chain.rules)
            .any(|rule| rule.matches.iter().any(|m| !m.known));
        if accepts_lo || unknown || cx.facts.fragment || cx.facts.incomplete(table.kind) {
            return;
        }
        cx.report(
            deny,
            "`INPUT` drops by default but never accepts traffic on the loopback interface `lo`",
        )
        .label("local connections end here")
        .help("add `-A INPUT -i lo -j ACCEPT` near the top of INPUT");
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn loopback_must_be_accepted() {
        fails(
            "missing-loopback-accept",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "missing-loopback-accept",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "missing-loopback-accept",
            "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
        );
    }
}
