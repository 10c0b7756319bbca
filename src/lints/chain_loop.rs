//! FW009 `chain-loop`: chains that jump to each other in a cycle that a
//! built-in chain reaches.

use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::Table;

declare_code! {
    /// ## What it does
    /// Reports a cycle of jumps and gotos between chains that a built-in
    /// chain reaches.
    ///
    /// ## Why is this bad?
    /// A packet would loop forever; the kernel refuses the whole table when
    /// it is loaded ("Too many levels of symbolic links"). A cycle that no
    /// built-in chain reaches loads, because the kernel never walks it: it is
    /// not reported here (see `unused-chain`).
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :A - [0:0]
    /// :B - [0:0]
    /// -A INPUT -j A
    /// -A A -j B
    /// -A B -j A
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :A - [0:0]
    /// :B - [0:0]
    /// -A INPUT -j A
    /// -A A -j B
    /// COMMIT
    /// ```
    pub static CHAIN_LOOP = {
        code: "FW009",
        name: "chain-loop",
        category: Syntax,
        summary: "chains that jump to each other in a cycle",
    };
}

pub struct ChainLoop;

impl Lint for ChainLoop {
    fn meta(&self) -> &'static LintMeta {
        &CHAIN_LOOP
    }

    fn check_table(&self, cx: &mut FileContext<'_>, table: &Table) {
        let cycles = cx.graph(table).cycles.clone();
        for cycle in cycles {
            let names: Vec<&str> = cycle
                .path
                .iter()
                .map(|&index| table.chains[index].name.as_str())
                .collect();
            let chain = &table.chains[cycle.chain];
            let loop_text = format!("{} -> {}", names.join(" -> "), chain.name);
            let diagnostic = cx.report(
                cycle.closing,
                format!("this jump closes a loop between chains: {loop_text}"),
            );
            diagnostic
                .label("back to a chain the packet is already in")
                .help("a packet would go round forever and the kernel refuses the table: remove one jump of the loop");
            if let Some(declared) = chain.declared {
                diagnostic.secondary(declared, format!("chain `{}` starts the loop", chain.name));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn loops_reached_from_built_in_chains() {
        fails(
            "chain-loop",
            "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A A -j B\n-A B -g A\nCOMMIT\n",
        );
        fails(
            "chain-loop",
            "*filter\n:A - [0:0]\n-A FORWARD -j A\n-A A -j A\nCOMMIT\n",
        );
        passes("chain-loop", "*filter\n:A - [0:0]\n-A A -j A\nCOMMIT\n");
        passes(
            "chain-loop",
            "*filter\n:A - [0:0]\n:B - [0:0]\n-A INPUT -j A\n-A INPUT -j B\n-A A -j B\nCOMMIT\n",
        );
    }
}
