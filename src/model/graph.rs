//! The jump graph of a table: which chains jump or go to which, which hooks
//! reach each chain, and the cycles the kernel refuses.
//!
//! The kernel (`mark_source_chains`) walks every chain reachable from a
//! built-in chain and refuses the table when a walk comes back to a chain
//! on its own path. Chains no built-in chain reaches are never walked, so a
//! cycle among them loads.

use std::collections::HashMap;

use crate::source::Span;

use super::{Chain, Rule, Table, TargetKind};

/// A cycle of jumps: `chain` is entered again by the jump at `closing`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cycle {
    pub chain: usize,
    /// The target (`-j NAME` / `-g NAME`) that closes the cycle.
    pub closing: Span,
    /// The chains of the cycle, starting with `chain`.
    pub path: Vec<usize>,
}

/// The jump graph of one table.
#[derive(Debug, Clone)]
pub struct JumpGraph {
    /// For each chain, the chains its rules jump or go to, with the target
    /// span, in rule order.
    pub edges: Vec<Vec<(usize, Span)>>,
    /// For each chain, the hooks (as [`super::Hook::bit`]) from which it is
    /// reached.
    pub hooks: Vec<u8>,
    /// The cycles reachable from a built-in chain, one per chain entered
    /// twice.
    pub cycles: Vec<Cycle>,
}

impl JumpGraph {
    #[must_use]
    pub fn new(table: &Table) -> Self {
        Self::of_chains(&table.chains)
    }

    /// The graph of a table's chains, for a table still being built.
    #[must_use]
    pub fn of_chains(chains: &[Chain]) -> Self {
        let count = chains.len();
        let index: foldhash::HashMap<&str, usize> = chains
            .iter()
            .enumerate()
            .map(|(position, chain)| (chain.name.as_str(), position))
            .collect();
        let edges: Vec<Vec<(usize, Span)>> = chains
            .iter()
            .map(|chain| {
                chain
                    .rules
                    .iter()
                    .filter_map(|rule| match &rule.target.kind {
                        TargetKind::Jump(name) | TargetKind::Goto(name) => {
                            index.get(&**name).map(|&target| (target, rule.target.span))
                        }
                        _ => None,
                    })
                    .collect()
            })
            .collect();
        let mut hooks = vec![0u8; count];
        let mut cycles = Vec::new();
        let mut in_cycle = vec![false; count];
        for (start, chain) in chains.iter().enumerate() {
            let Some(hook) = chain.hook else { continue };
            let bit = hook.bit();
            // Iterative depth-first search that keeps the current path, so
            // that 10,000 nested chains cannot overflow the stack.
            let mut on_path = vec![false; count];
            let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
            on_path[start] = true;
            hooks[start] |= bit;
            while let Some(top) = stack.last_mut() {
                let (node, next) = *top;
                if let Some(&(child, span)) = edges[node].get(next) {
                    top.1 += 1;
                    if on_path[child] {
                        if !in_cycle[child] {
                            in_cycle[child] = true;
                            let from = stack.iter().position(|(n, _)| *n == child).unwrap_or(0);
                            cycles.push(Cycle {
                                chain: child,
                                closing: span,
                                path: stack[from..].iter().map(|(n, _)| *n).collect(),
                            });
                        }
                        continue;
                    }
                    if hooks[child] & bit != 0 {
                        continue;
                    }
                    hooks[child] |= bit;
                    on_path[child] = true;
                    stack.push((child, 0));
                } else {
                    on_path[node] = false;
                    stack.pop();
                }
            }
        }
        JumpGraph {
            edges,
            hooks,
            cycles,
        }
    }

    /// The chains that jump or go to chain `target`, with the target spans.
    pub fn callers(&self, target: usize) -> impl Iterator<Item = (usize, Span)> + '_ {
        self.edges
            .iter()
            .enumerate()
            .flat_map(move |(from, edges)| {
                edges
                    .iter()
                    .filter(move |(to, _)| *to == target)
                    .map(move |(_, span)| (from, *span))
            })
    }
}

/// How deep [`ends_unconditionally`] follows jumps and gotos.
const UNCONDITIONAL_DEPTH: usize = 16;

/// Does `chain` end, for every packet that gets that far, in a rule for
/// which `end` says `Some(true)`? Its unconditional rules are followed in
/// order: into the chains they jump to (a callee that ends so ends the
/// caller) and go to (the callee decides), at most 16 deep; a rule for
/// which `end` says `Some(false)` ends the walk with false, `None` passes
/// on. Each chain is walked once per depth, so chains that jump to each
/// other many times cost no more than chains that jump once (a naive walk
/// is exponential in the depth).
pub fn ends_unconditionally(
    table: &Table,
    chain: &Chain,
    end: &dyn Fn(&Rule) -> Option<bool>,
) -> bool {
    let mut known = HashMap::new();
    ends_from(table, chain, 0, end, &mut known)
}

fn ends_from(
    table: &Table,
    chain: &Chain,
    depth: usize,
    end: &dyn Fn(&Rule) -> Option<bool>,
    known: &mut HashMap<(*const Chain, usize), bool>,
) -> bool {
    if depth > UNCONDITIONAL_DEPTH {
        return false;
    }
    let key = (std::ptr::from_ref(chain), depth);
    if let Some(&ends) = known.get(&key) {
        return ends;
    }
    let mut ends = false;
    for rule in chain.rules.iter().filter(|rule| rule.is_unconditional()) {
        match &rule.target.kind {
            TargetKind::Jump(name) => {
                if table
                    .chain(name)
                    .is_some_and(|callee| ends_from(table, callee, depth + 1, end, known))
                {
                    ends = true;
                    break;
                }
            }
            TargetKind::Goto(name) => {
                ends = table
                    .chain(name)
                    .is_some_and(|callee| ends_from(table, callee, depth + 1, end, known));
                break;
            }
            _ => {
                if let Some(decided) = end(rule) {
                    ends = decided;
                    break;
                }
            }
        }
    }
    known.insert(key, ends);
    ends
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Chain, Hook, Rule, TableKind, Target};

    fn jump(to: &str) -> Rule {
        Rule {
            span: Span::default(),
            protocol: None,
            source: None,
            destination: None,
            seldom: None,
            matches: Box::default(),
            target: Target {
                kind: TargetKind::Jump(to.into()),
                span: Span::new(1, 2),
            },
        }
    }

    fn chain(name: &str, hook: Option<Hook>, rules: Vec<Rule>) -> Chain {
        Chain {
            name: name.into(),
            hook,
            policy: None,
            declared: None,
            undeclared_use: None,
            rules,
        }
    }

    #[test]
    fn reachability_and_cycles() {
        let table = Table::new(
            TableKind::Filter,
            Span::default(),
            vec![
                chain("INPUT", Some(Hook::Input), vec![jump("A")]),
                chain("A", None, vec![jump("B")]),
                chain("B", None, vec![jump("A")]),
                chain("LONELY", None, vec![jump("LONELY")]),
            ],
        );
        let graph = JumpGraph::new(&table);
        assert_eq!(
            graph.hooks,
            [Hook::Input.bit(), Hook::Input.bit(), Hook::Input.bit(), 0]
        );
        assert_eq!(graph.cycles.len(), 1);
        assert_eq!(graph.cycles[0].chain, 1);
        assert_eq!(graph.cycles[0].path, [1, 2]);
        assert_eq!(
            graph.callers(1).map(|(from, _)| from).collect::<Vec<_>>(),
            [0, 2]
        );
    }

    #[test]
    fn deep_chains_do_not_overflow() {
        let mut chains = vec![chain("INPUT", Some(Hook::Input), vec![jump("C0")])];
        for index in 0..10_000 {
            chains.push(chain(
                &format!("C{index}"),
                None,
                vec![jump(&format!("C{}", index + 1))],
            ));
        }
        chains.push(chain("C10000", None, Vec::new()));
        let graph = JumpGraph::new(&Table::new(TableKind::Filter, Span::default(), chains));
        assert!(graph.hooks.iter().all(|hooks| *hooks == Hook::Input.bit()));
        assert!(graph.cycles.is_empty());
    }

    #[test]
    fn unconditional_ends_follow_jumps_and_gotos() {
        let mut drop = jump("unused");
        drop.target.kind = TargetKind::Verdict(crate::model::Verdict::Drop);
        let table = Table::new(
            TableKind::Filter,
            Span::default(),
            vec![
                chain("INPUT", Some(Hook::Input), vec![jump("A")]),
                chain("A", None, vec![jump("MISSING"), jump("B")]),
                chain("B", None, vec![drop]),
            ],
        );
        let drops = |rule: &Rule| {
            matches!(rule.target.kind, TargetKind::Verdict(_))
                .then_some(rule.target.kind == TargetKind::Verdict(crate::model::Verdict::Drop))
        };
        assert!(ends_unconditionally(&table, &table.chains[0], &drops));
        assert!(!ends_unconditionally(&table, &table.chains[0], &|_| None));
    }

    /// Two chains that jump to each other eight times each: a walk that
    /// looked at every path would take 8^16 steps (a fuzz input hung
    /// `permissive-policy` so).
    #[test]
    fn unconditional_ends_of_chains_jumping_back_and_forth_are_found_quickly() {
        let table = Table::new(
            TableKind::Filter,
            Span::default(),
            vec![
                chain("INPUT", Some(Hook::Input), vec![jump("A"); 8]),
                chain("A", None, vec![jump("B"); 8]),
                chain("B", None, vec![jump("A"); 8]),
            ],
        );
        assert!(!ends_unconditionally(&table, &table.chains[0], &|_| None));
    }
}
