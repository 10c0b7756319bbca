//! FW105 `reject-misuse`: REJECT where the kernel or the manual says it
//! does not belong.

use super::rules::required_states;
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Protocol, Rule, Table, TargetKind, Value};

declare_code! {
    /// ## What it does
    /// Reports `REJECT` used where it does not belong: `--reject-with
    /// tcp-reset` on a rule that is not limited to TCP (the kernel refuses
    /// the table), and `REJECT` of packets in state `INVALID`.
    ///
    /// ## Why is this bad?
    /// A TCP reset can only answer a TCP segment: without `-p tcp` the
    /// kernel refuses to load the table. For `INVALID` packets the
    /// `REJECT` manual says: "You should not indiscriminately apply the
    /// REJECT target to packets whose connection state is classified as
    /// INVALID; instead, you should only DROP these": an answer to a packet
    /// that belongs to no connection can break legitimate connections or
    /// help an attacker.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -m conntrack --ctstate INVALID -j REJECT
    /// -A INPUT -j REJECT --reject-with tcp-reset
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -m conntrack --ctstate INVALID -j DROP
    /// -A INPUT -p tcp -j REJECT --reject-with tcp-reset
    /// -A INPUT -j REJECT
    /// COMMIT
    /// ```
    pub static REJECT_MISUSE = {
        code: "FW105",
        name: "reject-misuse",
        category: Correctness,
        summary: "REJECT where it does not belong",
    };
}

pub struct RejectMisuse;

impl Lint for RejectMisuse {
    fn meta(&self) -> &'static LintMeta {
        &REJECT_MISUSE
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, rule: &Rule) {
        let TargetKind::Extension(target) = &rule.target.kind else {
            return;
        };
        if target.name != "REJECT" || !target.known {
            return;
        }
        let reject_with = target.option("reject-with");
        let tcp_reset = reject_with.is_some_and(|option| matches!(&option.value, Value::Symbol(name) | Value::Text(name) if &**name == "tcp-reset"));
        let tcp_only = rule
            .protocol
            .as_ref()
            .is_some_and(|protocol| protocol.value == Protocol::TCP && !protocol.negated);
        if tcp_reset && !tcp_only {
            let span = reject_with.map_or(target.span, |option| option.span);
            let what = match &rule.protocol {
                None => "matches every protocol".to_string(),
                Some(protocol) if protocol.negated => format!(
                    "matches every protocol but `{}`",
                    cx.text(protocol.span).trim_start_matches('!').trim()
                ),
                Some(protocol) => format!("matches `{}`", cx.text(protocol.span)),
            };
            cx.report(
                span,
                format!("`--reject-with tcp-reset` on a rule that {what}: the kernel refuses it"),
            )
            .label("a TCP reset answers only TCP")
            .help("add `-p tcp` to this rule, and reject other protocols in a rule of their own");
            cx.replaces("FW010", span);
            return;
        }
        if let Some(states) = required_states(rule) {
            if states == Value::STATE_INVALID {
                cx.report(target.name_span, "`REJECT` of packets in state `INVALID`")
                    .label("answers packets that belong to no connection")
                    .help("use `-j DROP` for INVALID packets, as the REJECT manual advises");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn tcp_reset_needs_tcp() {
        fails(
            "reject-misuse",
            "*filter\n-A INPUT -j REJECT --reject-with tcp-reset\nCOMMIT\n",
        );
        fails(
            "reject-misuse",
            "*filter\n-A INPUT -p udp -j REJECT --reject-with tcp-reset\nCOMMIT\n",
        );
        passes(
            "reject-misuse",
            "*filter\n-A INPUT -p tcp -j REJECT --reject-with tcp-reset\nCOMMIT\n",
        );
    }

    #[test]
    fn invalid_packets_are_dropped_not_rejected() {
        fails(
            "reject-misuse",
            "*filter\n-A INPUT -m conntrack --ctstate INVALID -j REJECT\nCOMMIT\n",
        );
        passes(
            "reject-misuse",
            "*filter\n-A INPUT -m conntrack --ctstate INVALID -j DROP\nCOMMIT\n",
        );
        passes(
            "reject-misuse",
            "*filter\n-A INPUT -m conntrack --ctstate NEW -j REJECT\nCOMMIT\n",
        );
    }
}
