//! FW102 `duplicate-rule`: a rule with the same matches and target as an
//! earlier rule of the same chain.

use std::hash::BuildHasher;

use hashbrown::HashTable;

use super::rules::line_of;
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Table, print};

declare_code! {
    /// ## What it does
    /// Reports a rule that has exactly the same matches and target as an
    /// earlier rule of the same chain.
    ///
    /// ## Why is this bad?
    /// The copy adds nothing: every packet it matches was already matched
    /// by the first one, which decided it, or for a non-terminal target
    /// (`LOG`, `MARK`) acts twice on it. Duplicates usually come from
    /// scripts that append the same rule on every run.
    ///
    /// Rules whose matches keep state (`limit`, `hashlimit`, `recent`,
    /// `quota`, `statistic`, `connlimit`) are not reported: two identical
    /// rate limits let twice the rate through, which may be meant.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    /// -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp -m tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static DUPLICATE_RULE = {
        code: "FW102",
        name: "duplicate-rule",
        category: Suspicious,
        summary: "a rule identical to an earlier rule of its chain",
    };
}

/// Matches whose copies are not redundant: each keeps its own state.
const STATEFUL: [&str; 7] = [
    "limit",
    "hashlimit",
    "recent",
    "quota",
    "statistic",
    "connlimit",
    "nth",
];

pub struct DuplicateRule;

impl Lint for DuplicateRule {
    fn meta(&self) -> &'static LintMeta {
        &DUPLICATE_RULE
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, _table: &Table, chain: &Chain) {
        // Rules are kept by 32 bits of a hash of their printed text and
        // their position, 8 bytes each, so that a long chain keeps no copy
        // of every rule's text (a table of a million rules takes 18 MB);
        // rules whose bits agree are told apart by their texts.
        let mut first: HashTable<(u32, u32)> = HashTable::with_capacity(chain.rules.len());
        let hashing = foldhash::fast::FixedState::default();
        let place = |bits: u32| u64::from(bits).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let mut text = String::with_capacity(128);
        let mut earlier_text = String::with_capacity(128);
        for (index, rule) in chain.rules.iter().enumerate() {
            if rule
                .matches
                .iter()
                .any(|m| !m.known || STATEFUL.contains(&m.name.as_ref()))
            {
                continue;
            }
            print::rule_into(rule, &mut text);
            let bits = (hashing.hash_one(&text) >> 32) as u32;
            let found = first.find(place(bits), |&(other_bits, other)| {
                other_bits == bits && {
                    print::rule_into(&chain.rules[other as usize], &mut earlier_text);
                    earlier_text == text
                }
            });
            let Some(&(_, earlier)) = found else {
                let position = u32::try_from(index).unwrap_or(u32::MAX);
                first.insert_unique(place(bits), (bits, position), |&(bits, _)| place(bits));
                continue;
            };
            let earlier = earlier as usize;
            let original = &chain.rules[earlier];
            let line = line_of(cx.source, original);
            cx.report(
                rule.span,
                format!("this rule repeats the rule at line {line}"),
            )
            .label("duplicate")
            .secondary(original.span, "the same rule first appears here")
            .help("delete the copy");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn identical_rules_in_one_chain() {
        fails(
            "duplicate-rule",
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        fails(
            "duplicate-rule",
            "*filter\n-A INPUT -s 10.0.0.1 -j DROP\n-A INPUT -s 10.0.0.1/32 -j DROP\nCOMMIT\n",
        );
        passes(
            "duplicate-rule",
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp --dport 23 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "duplicate-rule",
            "*filter\n-A INPUT -p tcp --dport 22 -j ACCEPT\n-A OUTPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
    }
}
