//! FW103 `unused-chain`: a user chain nothing jumps to.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Table};

declare_code! {
    /// ## What it does
    /// Reports a user chain that no rule of its table jumps or goes to.
    ///
    /// ## Why is this bad?
    /// Its rules never see a packet: either the jump to it was forgotten
    /// (and the protection it holds is not in force), or it is left over and
    /// only misleads readers.
    ///
    /// Chains that firewall generators create and fill themselves, and that
    /// are meant to sit unused until needed, are not reported: `ufw-*`,
    /// `ufw6-*`, `DOCKER*`, `KUBE-*`, `f2b-*` and `fail2ban-*`, `cali-*`,
    /// `CILIUM_*`, `LIBVIRT_*`, firewalld's `*_direct`, `*_ZONES*`, `IN_*`,
    /// `FWD*_*` chains, and the like.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :SSH_GUARD - [0:0]
    /// -A SSH_GUARD -p tcp --dport 22 -s 192.0.2.0/24 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :SSH_GUARD - [0:0]
    /// -A INPUT -j SSH_GUARD
    /// -A SSH_GUARD -p tcp --dport 22 -s 192.0.2.0/24 -j ACCEPT
    /// COMMIT
    /// ```
    pub static UNUSED_CHAIN = {
        code: "FW103",
        name: "unused-chain",
        category: Suspicious,
        summary: "a user chain nothing jumps to",
    };
}

/// Name prefixes of chains that generators own.
const GENERATED_PREFIXES: [&str; 22] = [
    "ufw-",
    "ufw6-",
    "DOCKER",
    "KUBE-",
    "f2b-",
    "fail2ban-",
    "cali-",
    "CILIUM",
    "LIBVIRT_",
    "FLANNEL",
    "WEAVE",
    "IN_",
    "FWDI_",
    "FWDO_",
    "FWD_",
    "OUT_",
    "PRE_",
    "POST_",
    "nixos-",
    "CROWDSEC",
    "ts-",
    "istio",
];

/// Name suffixes of chains that firewalld owns.
const GENERATED_SUFFIXES: [&str; 4] = ["_direct", "_ZONES", "_ZONES_SOURCE", "_ZONES_DST"];

/// Is `name` a chain a generator manages?
#[must_use]
pub fn generated(name: &str) -> bool {
    GENERATED_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || GENERATED_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

pub struct UnusedChain;

impl Lint for UnusedChain {
    fn meta(&self) -> &'static LintMeta {
        &UNUSED_CHAIN
    }

    fn check_table(&self, cx: &mut FileContext<'_>, table: &Table) {
        if cx.facts.fragment {
            // Jumps to it may live in the ruleset the fragment joins.
            return;
        }
        let mut called = vec![false; table.chains.len()];
        for edges in &cx.graph(table).edges {
            for &(to, _) in edges {
                called[to] = true;
            }
        }
        // The words of the lines that could not be read: such a line may
        // have jumped to any chain it names.
        let failed_words: foldhash::HashSet<&str> = cx
            .facts
            .failed_lines
            .iter()
            .filter(|(_, kind)| kind.is_none_or(|kind| kind == table.kind))
            .flat_map(|(span, _)| cx.source.slice(*span).split_whitespace())
            .collect();
        for (index, chain) in table.chains.iter().enumerate() {
            // A chain named like a built-in chain of another table is a
            // mistake the reader reports (`invalid-chain`).
            if chain.is_builtin()
                || generated(&chain.name)
                || chain.undeclared_use.is_some()
                || crate::model::Hook::from_chain_name(&chain.name).is_some()
                || called[index]
                || failed_words.contains(chain.name.as_str())
            {
                continue;
            }
            let span = chain.declared.unwrap_or(table.span);
            let what = if chain.rules.is_empty() {
                "and it has no rules".to_string()
            } else {
                if chain.rules.len() == 1 {
                    "so its rule never sees a packet".to_string()
                } else {
                    format!("so its {} rules never see a packet", chain.rules.len())
                }
            };
            report(cx, chain, span, what);
        }
    }
}

fn report(cx: &mut FileContext<'_>, chain: &Chain, span: crate::source::Span, what: String) {
    cx.report(
        span,
        format!("no rule jumps to chain `{}`, {what}", chain.name),
    )
    .label("declared here")
    .help(format!(
        "add `-j {}` where its rules should apply, or delete the chain",
        chain.name
    ));
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn chains_without_callers() {
        fails(
            "unused-chain",
            "*filter\n:GUARD - [0:0]\n-A GUARD -j DROP\nCOMMIT\n",
        );
        fails("unused-chain", "*filter\n:EMPTY - [0:0]\nCOMMIT\n");
        passes(
            "unused-chain",
            "*filter\n:GUARD - [0:0]\n-A INPUT -j GUARD\nCOMMIT\n",
        );
        passes(
            "unused-chain",
            "*filter\n:ufw-user-limit - [0:0]\n:DOCKER-USER - [0:0]\n:INPUT_direct - [0:0]\nCOMMIT\n",
        );
    }
}
