//! FW104 `port-range-reversed`: a port range whose first port is above its
//! last, which matches no packet.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Extension, Rule, Table, TargetKind, Value};

declare_code! {
    /// ## What it does
    /// Reports port ranges written backwards, as `--dport 2000:1000`.
    ///
    /// ## Why is this bad?
    /// iptables 1.8.9 accepts them for most matches (`udp`, `sctp`,
    /// `dccp`, `conntrack` ports), but the kernel matches no port at all:
    /// the rule is dead. iptables 1.8.10 and later refuse the rule, so the
    /// file stops loading after an upgrade.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -p udp -m udp --dport 2000:1000 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p udp -m udp --dport 1000:2000 -j ACCEPT
    /// COMMIT
    /// ```
    pub static PORT_RANGE_REVERSED = {
        code: "FW104",
        name: "port-range-reversed",
        category: Correctness,
        summary: "a port range written backwards, which matches nothing",
    };
}

pub struct PortRangeReversed;

fn check(cx: &mut FileContext<'_>, extension: &Extension) {
    for option in &extension.options {
        let ranges = match &option.value {
            Value::PortRange(range) => std::slice::from_ref(range),
            Value::Ports(ranges) => ranges,
            _ => continue,
        };
        for range in ranges.iter().filter(|range| range.is_reversed()) {
            cx.report(
                option.span,
                format!(
                    "port range `{}:{}` is reversed: it matches no port",
                    range.first, range.last
                ),
            )
            .label("first port above the last")
            .help(format!(
                "write `{}:{}`; iptables 1.8.10 and later refuse reversed ranges",
                range.last, range.first
            ));
        }
    }
}

impl Lint for PortRangeReversed {
    fn meta(&self) -> &'static LintMeta {
        &PORT_RANGE_REVERSED
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, rule: &Rule) {
        for extension in &rule.matches {
            check(cx, extension);
        }
        if let TargetKind::Extension(target) = &rule.target.kind {
            check(cx, target);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn backwards_ranges() {
        fails(
            "port-range-reversed",
            "*filter\n-A INPUT -p udp --dport 2000:1000 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "port-range-reversed",
            "*filter\n-A INPUT -p udp --dport 1000:2000 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "port-range-reversed",
            "*filter\n-A INPUT -p udp --dport 1000:1000 -j ACCEPT\nCOMMIT\n",
        );
    }
}
