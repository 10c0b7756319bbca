//! FW202 `hostname-in-address`: a DNS name in `-s` or `-d`.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::addr::AddressKind;
use crate::model::{Chain, Rule, Table};

declare_code! {
    /// ## What it does
    /// Reports host names in `-s` and `-d`.
    ///
    /// ## Why is this bad?
    /// iptables(8): "Hostnames will be resolved once only, before the rule
    /// is submitted to the kernel. Please note that specifying any name to
    /// be resolved with a remote query such as DNS is a really bad idea."
    /// The rule silently keeps the address the name had at boot; if the
    /// name does not resolve then (no network yet), the whole file fails to
    /// load and the machine comes up without a firewall. A name with
    /// several addresses becomes several rules.
    ///
    /// fwlint never resolves names: it cannot tell what the rule will
    /// match, and treats it as unknown.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -s backup.example.com -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -s 192.0.2.10/32 -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static HOSTNAME_IN_ADDRESS = {
        code: "FW202",
        name: "hostname-in-address",
        category: Security,
        summary: "a host name in `-s`/`-d`, resolved once at load time",
    };
}

pub struct HostnameInAddress;

impl Lint for HostnameInAddress {
    fn meta(&self) -> &'static LintMeta {
        &HOSTNAME_IN_ADDRESS
    }

    fn check_rule(&self, cx: &mut FileContext<'_>, _table: &Table, _chain: &Chain, rule: &Rule) {
        for (letter, addresses) in [("-s", &rule.source), ("-d", &rule.destination)] {
            let Some(addresses) = addresses else { continue };
            for address in &addresses.value {
                if let AddressKind::Hostname { name, .. } = &address.kind {
                    cx.report(address.span, format!("`{letter} {name}` is a host name, resolved only once, when the rules are loaded"))
                        .label("looked up by DNS at load time")
                        .help("write the address (or network) itself; if it changes, manage it with an ipset that a job updates");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn names_are_resolved_at_load_time() {
        fails(
            "hostname-in-address",
            "*filter\n-A INPUT -s backup.example.com -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "hostname-in-address",
            "*filter\n-A INPUT -d localhost -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "hostname-in-address",
            "*filter\n-A INPUT -s 192.0.2.1 -j ACCEPT\nCOMMIT\n",
        );
    }
}
