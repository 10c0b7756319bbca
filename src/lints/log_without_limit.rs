//! FW205 `log-without-limit`: LOG, NFLOG or ULOG with no rate limit.

use super::rules::rate_limited;
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Rule, Table, TargetKind};

declare_code! {
    /// ## What it does
    /// Reports `-j LOG`, `-j NFLOG` and `-j ULOG` rules without a `limit`
    /// or `hashlimit` match.
    ///
    /// ## Why is this bad?
    /// Every matching packet writes a log line. A port scan or a flood of
    /// dropped packets then fills the disk and the journal, hides the lines
    /// that matter and costs CPU: a cheap denial of service. The LOG manual
    /// pairs it with `limit` ("can be used in combination with the LOG
    /// target to give limited logging").
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -j LOG --log-prefix "dropped: "
    /// -A INPUT -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -m limit --limit 5/min --limit-burst 10 -j LOG --log-prefix "dropped: "
    /// -A INPUT -j DROP
    /// COMMIT
    /// ```
    pub static LOG_WITHOUT_LIMIT = {
        code: "FW205",
        name: "log-without-limit",
        category: Security,
        summary: "logging with no rate limit",
    };
}

pub struct LogWithoutLimit;

impl Lint for LogWithoutLimit {
    fn meta(&self) -> &'static LintMeta {
        &LOG_WITHOUT_LIMIT
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, rule: &Rule) {
        let TargetKind::Extension(target) = &rule.target.kind else {
            return;
        };
        if !matches!(target.name.as_ref(), "LOG" | "NFLOG" | "ULOG") || rate_limited(rule) {
            return;
        }
        cx.report(target.name_span, format!("`{}` without a rate limit logs every matching packet", target.name))
            .label("no limit")
            .help("add `-m limit --limit 5/min --limit-burst 10` (or `-m hashlimit` per source) before the target");
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn logging_needs_a_limit() {
        fails("log-without-limit", "*filter\n-A INPUT -j LOG\nCOMMIT\n");
        fails(
            "log-without-limit",
            "*filter\n-A INPUT -p tcp -j NFLOG --nflog-group 5\nCOMMIT\n",
        );
        passes(
            "log-without-limit",
            "*filter\n-A INPUT -m limit --limit 5/min -j LOG\nCOMMIT\n",
        );
        passes("log-without-limit", "*filter\n-A INPUT -j DROP\nCOMMIT\n");
    }
}
