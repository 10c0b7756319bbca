//! The packet-flow diagram of a ruleset, as data: the stages a packet
//! passes (network in, PREROUTING, the routing decision, INPUT, the local
//! process, FORWARD, OUTPUT, POSTROUTING, network out) with the built-in
//! chain of every table on each hook, the user chains they jump or go to,
//! policies and rule counts, what a traced packet or a finding highlights,
//! and the chains nothing reaches, apart.
//!
//! Large rulesets stay legible: a chain longer than a limit shows only its
//! rule count, the chains of generators (Docker, kube-proxy, ufw, fail2ban)
//! are grouped per table, a table keeps a bounded number of chain boxes,
//! and `--chain`/`--table` focus the diagram. The renderers ([`mermaid`],
//! [`dot`], [`svg`]) each write one [`Graph`]; this module knows nothing of
//! their syntax, of lints, or of how a packet's path was computed: it takes
//! [`Marks`], built from a finding ([`finding`]) or a trace ([`packet`]).

pub mod dot;
pub mod finding;
pub mod mermaid;
pub mod packet;
pub mod svg;

use std::collections::{HashMap, HashSet, VecDeque};

use crate::model::{Hook, Ruleset, Table, TableKind, TargetKind, graph::JumpGraph};
use crate::source::SourceFile;

/// A place on the way of a packet through the host, left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    NetworkIn,
    Prerouting,
    Routing,
    Input,
    LocalProcess,
    Forward,
    Output,
    Postrouting,
    NetworkOut,
}

impl Stage {
    pub const ALL: [Stage; 9] = [
        Stage::NetworkIn,
        Stage::Prerouting,
        Stage::Routing,
        Stage::Input,
        Stage::LocalProcess,
        Stage::Forward,
        Stage::Output,
        Stage::Postrouting,
        Stage::NetworkOut,
    ];

    /// The ways packets go from stage to stage.
    pub const FLOW: [(Stage, Stage); 9] = [
        (Stage::NetworkIn, Stage::Prerouting),
        (Stage::Prerouting, Stage::Routing),
        (Stage::Routing, Stage::Input),
        (Stage::Input, Stage::LocalProcess),
        (Stage::Routing, Stage::Forward),
        (Stage::Forward, Stage::Postrouting),
        (Stage::LocalProcess, Stage::Output),
        (Stage::Output, Stage::Postrouting),
        (Stage::Postrouting, Stage::NetworkOut),
    ];

    #[must_use]
    pub fn hook(self) -> Option<Hook> {
        match self {
            Stage::Prerouting => Some(Hook::Prerouting),
            Stage::Input => Some(Hook::Input),
            Stage::Forward => Some(Hook::Forward),
            Stage::Output => Some(Hook::Output),
            Stage::Postrouting => Some(Hook::Postrouting),
            _ => None,
        }
    }

    #[must_use]
    pub fn of_hook(hook: Hook) -> Stage {
        match hook {
            Hook::Prerouting => Stage::Prerouting,
            Hook::Input => Stage::Input,
            Hook::Forward => Stage::Forward,
            Hook::Output => Stage::Output,
            Hook::Postrouting => Stage::Postrouting,
        }
    }

    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Stage::NetworkIn => "network in",
            Stage::Routing => "routing decision",
            Stage::LocalProcess => "local process",
            Stage::NetworkOut => "network out",
            Stage::Prerouting => "PREROUTING",
            Stage::Input => "INPUT",
            Stage::Forward => "FORWARD",
            Stage::Output => "OUTPUT",
            Stage::Postrouting => "POSTROUTING",
        }
    }
}

/// The tables on `hook` in the order the kernel runs them (by priority).
#[must_use]
pub fn tables_on(hook: Hook) -> &'static [TableKind] {
    use TableKind::{Filter, Mangle, Nat, Raw, Security};
    match hook {
        Hook::Prerouting => &[Raw, Mangle, Nat],
        Hook::Input => &[Mangle, Filter, Security, Nat],
        Hook::Forward => &[Mangle, Filter, Security],
        Hook::Output => &[Raw, Mangle, Nat, Filter, Security],
        Hook::Postrouting => &[Mangle, Nat],
    }
}

/// Why something is highlighted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// The packet passes here.
    Path,
    /// What a finding's labels point at.
    Related,
    /// The packet's fate is decided here.
    Decides,
    /// What a finding is about.
    Finding,
}

/// One rule (or policy) to highlight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark {
    pub table: TableKind,
    pub chain: String,
    /// The rule's position in its chain; `None` for the chain itself (its
    /// policy, for a built-in chain).
    pub rule: Option<usize>,
    pub role: Role,
    /// Written beside the rule: the verdict, a NAT rewrite, a label.
    pub note: Option<String>,
}

/// What to highlight on the diagram.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    /// Written over the diagram: the packet, or the finding's message.
    pub caption: Option<String>,
    /// The stages a packet passes, in order; empty when no packet is drawn.
    pub stages: Vec<Stage>,
    /// Where the packet's way ends before the end of its last stage (it was
    /// dropped or rejected there): no flow edge after it is highlighted.
    pub stop: Option<(TableKind, Hook)>,
    pub places: Vec<Mark>,
    /// Jumps and gotos the packet takes: table, calling chain, called chain.
    pub calls: Vec<(TableKind, String, String)>,
}

/// How much to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Chains with more rules show only their count (and highlighted rules).
    pub max_rules: usize,
    /// User chain boxes per table; the rest are counted in one box.
    pub max_chains: usize,
    /// Group the chains of generators (`DOCKER*`, `KUBE-*`, `ufw-*`, `f2b-*`).
    pub group_generators: bool,
    /// Only this chain, the chains it calls and the chains that call it.
    pub chain: Option<String>,
    /// Only this table.
    pub table: Option<TableKind>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_rules: 8,
            max_chains: 24,
            group_generators: true,
            chain: None,
            table: None,
        }
    }
}

/// Where a node is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Placement {
    /// In the column of a stage: a stage node, or a hook's built-in chain.
    Stage(Stage),
    /// A user chain (or group) first reached from this stage's hook.
    Below(Stage),
    /// Reached from no hook.
    Apart,
}

/// What a node stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A stage without rules: network in, routing, local process, out.
    Stage(Stage),
    /// A hook no table of the file is on: every packet passes.
    EmptyHook(Hook),
    Chain {
        table: TableKind,
        name: String,
        builtin: bool,
    },
    /// The chains of one generator in one table.
    Group {
        table: TableKind,
        pattern: &'static str,
        chains: usize,
    },
    /// User chains left out to keep the diagram small.
    More { table: TableKind, chains: usize },
}

/// One line written in a chain's box.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// The 1-based line of the rule in the file; `None` for a policy or
    /// an ellipsis.
    pub line: Option<usize>,
    pub text: String,
    pub role: Option<Role>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub kind: NodeKind,
    pub placement: Placement,
    pub title: String,
    /// The policy and rule count.
    pub detail: Option<String>,
    pub lines: Vec<Line>,
    /// The strongest highlight of the node or of one of its lines.
    pub role: Option<Role>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EdgeKind {
    /// Packets go on to the next table or stage.
    Flow,
    /// `-j CHAIN`.
    Jump,
    /// `-g CHAIN`.
    Goto,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// How many rules make this jump.
    pub count: usize,
    pub highlighted: bool,
}

/// The diagram of one ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph {
    /// The file and family.
    pub title: String,
    pub caption: Option<String>,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    /// What was left out or grouped, for a note under the diagram.
    pub notes: Vec<String>,
}

impl Graph {
    /// The nodes placed at `placement`, in order.
    pub fn placed(&self, placement: Placement) -> impl Iterator<Item = (usize, &Node)> {
        self.nodes
            .iter()
            .enumerate()
            .filter(move |(_, node)| node.placement == placement)
    }

    /// The node of chain `name` of `table`, if it has its own box.
    #[must_use]
    pub fn chain_node(&self, table: TableKind, name: &str) -> Option<usize> {
        self.nodes.iter().position(|node| {
            matches!(&node.kind, NodeKind::Chain { table: t, name: n, .. } if *t == table && n == name)
        })
    }

    /// True when something is highlighted.
    #[must_use]
    pub fn has_highlight(&self) -> bool {
        self.nodes.iter().any(|node| node.role.is_some())
            || self.edges.iter().any(|edge| edge.highlighted)
    }
}

/// The generators whose chains are grouped, by name pattern.
const GENERATORS: [(&str, &str); 4] = [
    ("DOCKER", "DOCKER*"),
    ("KUBE-", "KUBE-*"),
    ("ufw-", "ufw-*"),
    ("f2b-", "f2b-*"),
];

fn generator_of(name: &str) -> Option<&'static str> {
    GENERATORS
        .iter()
        .find(|(prefix, _)| name.starts_with(prefix))
        .map(|(_, pattern)| *pattern)
}

/// Rule text longer than this is cut, so that boxes stay narrow.
pub const RULE_TEXT_WIDTH: usize = 64;

/// `text` cut to `width` characters, with an ellipsis when cut.
#[must_use]
pub fn shorten(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A chain focus that names no chain of the ruleset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownChain(pub String);

impl std::fmt::Display for UnknownChain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "no chain `{}` in the drawn tables", self.0)
    }
}

/// What one table contributes, while the graph is built.
struct TablePlan<'t> {
    table: &'t Table,
    jumps: JumpGraph,
    /// Per chain: the node it is drawn in, if drawn.
    node_of: Vec<Option<usize>>,
}

/// Draws `ruleset` read from `source` with `marks` highlighted.
///
/// # Errors
///
/// When `options.chain` names no chain of the drawn tables.
pub fn build(
    ruleset: &Ruleset,
    source: &SourceFile,
    options: &Options,
    marks: &Marks,
) -> Result<Graph, UnknownChain> {
    let mut builder = Builder {
        source,
        options,
        marks,
        nodes: Vec::new(),
        edges: Vec::new(),
        notes: Vec::new(),
    };
    let tables: Vec<&Table> = ruleset
        .tables
        .iter()
        .filter(|table| options.table.is_none_or(|kind| kind == table.kind))
        .collect();
    let mut plans: Vec<TablePlan<'_>> = tables
        .iter()
        .map(|table| TablePlan {
            table,
            jumps: JumpGraph::new(table),
            node_of: vec![None; table.chains.len()],
        })
        .collect();
    let focus = match &options.chain {
        Some(name) => Some(focus_sets(&plans, name)?),
        None => None,
    };

    // The stages, each hook with the built-in chains of its tables.
    let mut stage_nodes: HashMap<Stage, Vec<usize>> = HashMap::new();
    for stage in Stage::ALL {
        let Some(hook) = stage.hook() else {
            let node = builder.push(Node {
                kind: NodeKind::Stage(stage),
                placement: Placement::Stage(stage),
                title: stage.label().to_string(),
                detail: None,
                lines: Vec::new(),
                role: None,
            });
            stage_nodes.insert(stage, vec![node]);
            continue;
        };
        let mut column = Vec::new();
        for kind in tables_on(hook) {
            let Some(plan) = plans.iter_mut().find(|plan| plan.table.kind == *kind) else {
                continue;
            };
            let Some(index) = plan
                .table
                .chains
                .iter()
                .position(|chain| chain.hook == Some(hook))
            else {
                continue;
            };
            let node = builder.chain_node(plan.table, index, Placement::Stage(stage));
            plan.node_of[index] = Some(node);
            column.push(node);
        }
        if column.is_empty() {
            column.push(builder.push(Node {
                kind: NodeKind::EmptyHook(hook),
                placement: Placement::Stage(stage),
                title: format!("{}: no table", hook.chain_name()),
                detail: Some("every packet passes".into()),
                lines: Vec::new(),
                role: None,
            }));
        }
        stage_nodes.insert(stage, column);
    }

    // Flow edges: through each hook's tables in order, then stage to stage.
    for stage in Stage::ALL {
        let column = &stage_nodes[&stage];
        for pair in column.windows(2) {
            builder.edge(pair[0], pair[1], EdgeKind::Flow);
        }
    }
    for (from, to) in Stage::FLOW {
        let exit = *stage_nodes[&from].last().unwrap_or(&0);
        let entry = stage_nodes[&to][0];
        builder.edge(exit, entry, EdgeKind::Flow);
    }

    for (position, plan) in plans.iter_mut().enumerate() {
        let focus = focus.as_ref().map(|sets| &sets[position]);
        builder.user_chains(plan, focus);
    }
    for plan in &plans {
        builder.jump_edges(plan);
    }
    builder.highlight_flow(&stage_nodes);
    builder.highlight_calls(&plans);
    let title = format!("{} ({})", source.name(), ruleset.family.as_str());
    Ok(Graph {
        title,
        caption: marks.caption.clone(),
        nodes: builder.nodes,
        edges: builder.edges,
        notes: builder.notes,
    })
}

/// Per table, the chains `--chain NAME` keeps: NAME, every chain it calls
/// (directly or not) and every chain that calls it.
fn focus_sets(plans: &[TablePlan<'_>], name: &str) -> Result<Vec<HashSet<usize>>, UnknownChain> {
    let mut found = false;
    let sets = plans
        .iter()
        .map(|plan| {
            let Some(start) = plan.table.chain_index(name) else {
                return HashSet::new();
            };
            found = true;
            let mut callers: Vec<Vec<usize>> = vec![Vec::new(); plan.table.chains.len()];
            for (from, edges) in plan.jumps.edges.iter().enumerate() {
                for (to, _) in edges {
                    callers[*to].push(from);
                }
            }
            let mut kept = HashSet::from([start]);
            for forward in [true, false] {
                let mut queue = VecDeque::from([start]);
                while let Some(chain) = queue.pop_front() {
                    let next: Vec<usize> = if forward {
                        plan.jumps.edges[chain].iter().map(|(to, _)| *to).collect()
                    } else {
                        callers[chain].clone()
                    };
                    for other in next {
                        if kept.insert(other) {
                            queue.push_back(other);
                        }
                    }
                }
            }
            kept
        })
        .collect();
    if found {
        Ok(sets)
    } else {
        Err(UnknownChain(name.to_string()))
    }
}

struct Builder<'a> {
    source: &'a SourceFile,
    options: &'a Options,
    marks: &'a Marks,
    nodes: Vec<Node>,
    edges: Vec<Edge>,
    notes: Vec<String>,
}

impl Builder<'_> {
    fn push(&mut self, node: Node) -> usize {
        self.nodes.push(node);
        self.nodes.len() - 1
    }

    fn edge(&mut self, from: usize, to: usize, kind: EdgeKind) {
        if let Some(edge) = self
            .edges
            .iter_mut()
            .find(|edge| edge.from == from && edge.to == to && edge.kind == kind)
        {
            edge.count += 1;
            return;
        }
        self.edges.push(Edge {
            from,
            to,
            kind,
            count: 1,
            highlighted: false,
        });
    }

    /// The marks on chain `name` of `table`.
    fn marks_on<'m>(&'m self, table: TableKind, name: &'m str) -> impl Iterator<Item = &'m Mark> {
        self.marks
            .places
            .iter()
            .filter(move |mark| mark.table == table && mark.chain == name)
    }

    fn rule_line(&self, table: &Table, chain: usize, rule: usize, prefix: &str) -> Line {
        let found = &table.chains[chain].rules[rule];
        let line = self.source.line_col(found.span.start).line;
        let text = format!("{prefix}{}", crate::model::print::rule(found));
        Line {
            line: Some(line),
            text: shorten(&text, RULE_TEXT_WIDTH),
            role: None,
            note: None,
        }
    }

    /// The box of one chain: title, policy and count, its rules when there
    /// are few, and the highlighted ones always.
    fn chain_node(&mut self, table: &Table, index: usize, placement: Placement) -> usize {
        let chain = &table.chains[index];
        let count = chain.rules.len();
        let rules = plural(count, "rule");
        let detail = match &chain.policy {
            Some(policy) => format!("policy {} · {rules}", policy.verdict.as_str()),
            None => rules,
        };
        let marks: Vec<Mark> = self.marks_on(table.kind, &chain.name).cloned().collect();
        let mut lines = Vec::new();
        let expanded = count <= self.options.max_rules;
        let mut hidden = 0;
        for rule in 0..count {
            let marked: Vec<&Mark> = marks.iter().filter(|m| m.rule == Some(rule)).collect();
            if !expanded && marked.is_empty() {
                hidden += 1;
                continue;
            }
            if hidden > 0 {
                lines.push(ellipsis(hidden));
                hidden = 0;
            }
            let mut line = self.rule_line(table, index, rule, "");
            apply_marks(&mut line, &marked);
            lines.push(line);
        }
        if hidden > 0 && hidden < count {
            lines.push(ellipsis(hidden));
        }
        let chain_marks: Vec<&Mark> = marks.iter().filter(|m| m.rule.is_none()).collect();
        let mut role = None;
        if let Some(policy) = &chain.policy {
            if !chain_marks.is_empty() {
                let mut line = Line {
                    line: policy
                        .span
                        .map(|span| self.source.line_col(span.start).line),
                    text: format!("policy {}", policy.verdict.as_str()),
                    role: None,
                    note: None,
                };
                apply_marks(&mut line, &chain_marks);
                lines.push(line);
            }
        } else {
            role = chain_marks.iter().map(|mark| mark.role).max();
        }
        role = role.max(lines.iter().filter_map(|line| line.role).max());
        if marks.iter().any(|mark| mark.role == Role::Path) {
            role = role.max(Some(Role::Path));
        }
        self.push(Node {
            kind: NodeKind::Chain {
                table: table.kind,
                name: chain.name.clone(),
                builtin: chain.is_builtin(),
            },
            placement,
            title: format!("{} {}", table.kind.as_str(), chain.name),
            detail: Some(detail),
            lines,
            role,
        })
    }

    /// The user chains of one table: own boxes, generator groups, and one
    /// box for those over the limit; reached ones under the column of the
    /// first hook that reaches them, the others apart.
    fn user_chains(&mut self, plan: &mut TablePlan<'_>, focus: Option<&HashSet<usize>>) {
        let table = plan.table;
        let kind = table.kind;
        let order = reach_order(table, &plan.jumps);
        let marked: HashSet<&str> = self
            .marks
            .places
            .iter()
            .filter(|mark| mark.table == kind)
            .map(|mark| mark.chain.as_str())
            .collect();
        let focused = self.options.chain.as_deref();
        let placement_of = |chain: usize| -> Placement {
            let bits = plan.jumps.hooks[chain];
            Stage::ALL
                .into_iter()
                .find(|stage| stage.hook().is_some_and(|hook| bits & hook.bit() != 0))
                .map_or(Placement::Apart, Placement::Below)
        };
        let mut groups: HashMap<(&'static str, bool), Vec<usize>> = HashMap::new();
        let mut own: Vec<usize> = Vec::new();
        for &chain in &order {
            let name = table.chains[chain].name.as_str();
            if table.chains[chain].is_builtin() || focus.is_some_and(|set| !set.contains(&chain)) {
                continue;
            }
            let generator = generator_of(name).filter(|_| {
                self.options.group_generators && focused != Some(name) && !marked.contains(name)
            });
            match generator {
                Some(pattern) => groups
                    .entry((pattern, placement_of(chain) == Placement::Apart))
                    .or_default()
                    .push(chain),
                None => own.push(chain),
            }
        }
        // Marked and focused chains first, then in the order packets reach
        // them; the rest over the limit are counted in one box.
        own.sort_by_key(|&chain| {
            let name = table.chains[chain].name.as_str();
            !(marked.contains(name) || focused == Some(name))
        });
        let room = self.options.max_chains;
        let (shown, left) = own.split_at(own.len().min(room));
        let mut shown = shown.to_vec();
        shown.sort_by_key(|chain| order.iter().position(|c| c == chain));
        for &chain in &shown {
            let node = self.chain_node(table, chain, placement_of(chain));
            plan.node_of[chain] = Some(node);
        }
        let mut group_keys: Vec<(&'static str, bool)> = groups.keys().copied().collect();
        group_keys.sort_unstable();
        for key in group_keys {
            let members = &groups[&key];
            let placement = placement_of(members[0]);
            let rules: usize = members.iter().map(|&c| table.chains[c].rules.len()).sum();
            let node = self.push(Node {
                kind: NodeKind::Group {
                    table: kind,
                    pattern: key.0,
                    chains: members.len(),
                },
                placement,
                title: format!("{} {}", kind.as_str(), key.0),
                detail: Some(format!(
                    "{} · {}",
                    plural(members.len(), "chain"),
                    plural(rules, "rule")
                )),
                lines: Vec::new(),
                role: None,
            });
            for &chain in members {
                plan.node_of[chain] = Some(node);
            }
            if members.len() > 1 {
                self.notes.push(format!(
                    "{} of the {} table grouped as {}",
                    plural(members.len(), "chain"),
                    kind.as_str(),
                    key.0
                ));
            }
        }
        for unreached in [false, true] {
            let rest: Vec<usize> = left
                .iter()
                .copied()
                .filter(|&chain| (placement_of(chain) == Placement::Apart) == unreached)
                .collect();
            if rest.is_empty() {
                continue;
            }
            let rules: usize = rest.iter().map(|&c| table.chains[c].rules.len()).sum();
            let placement = if unreached {
                Placement::Apart
            } else {
                placement_of(rest[0])
            };
            let node = self.push(Node {
                kind: NodeKind::More {
                    table: kind,
                    chains: rest.len(),
                },
                placement,
                title: format!(
                    "{}: {} more {}{}",
                    kind.as_str(),
                    rest.len(),
                    if rest.len() == 1 { "chain" } else { "chains" },
                    if unreached { ", not reached" } else { "" }
                ),
                detail: Some(plural(rules, "rule")),
                lines: Vec::new(),
                role: None,
            });
            for &chain in &rest {
                plan.node_of[chain] = Some(node);
            }
            self.notes.push(format!(
                "{} of the {} table drawn as one box (--max-chains {})",
                plural(rest.len(), "chain"),
                kind.as_str(),
                self.options.max_chains
            ));
        }
    }

    fn jump_edges(&mut self, plan: &TablePlan<'_>) {
        for (from, chain) in plan.table.chains.iter().enumerate() {
            let Some(from_node) = plan.node_of[from] else {
                continue;
            };
            for rule in &chain.rules {
                let (name, kind) = match &rule.target.kind {
                    TargetKind::Jump(name) => (name, EdgeKind::Jump),
                    TargetKind::Goto(name) => (name, EdgeKind::Goto),
                    _ => continue,
                };
                let Some(to) = plan.table.chain_index(name) else {
                    continue;
                };
                let Some(to_node) = plan.node_of[to] else {
                    continue;
                };
                if to_node == from_node && to != from {
                    // Inside one group or one "more" box.
                    continue;
                }
                self.edge(from_node, to_node, kind);
            }
        }
    }

    /// Highlights the stages the packet passes and the flow between them,
    /// up to the chain where it stops.
    fn highlight_flow(&mut self, stage_nodes: &HashMap<Stage, Vec<usize>>) {
        let stages = &self.marks.stages;
        if stages.is_empty() {
            return;
        }
        let stop_node = self.marks.stop.and_then(|(table, hook)| {
            self.nodes.iter().position(|node| {
                node.placement == Placement::Stage(Stage::of_hook(hook))
                    && matches!(&node.kind, NodeKind::Chain { table: t, builtin: true, .. } if *t == table)
            })
        });
        let mut way: Vec<usize> = Vec::new();
        'stages: for stage in stages {
            for &node in &stage_nodes[stage] {
                way.push(node);
                if Some(node) == stop_node {
                    break 'stages;
                }
            }
        }
        for &node in &way {
            let role = &mut self.nodes[node].role;
            *role = (*role).max(Some(Role::Path));
        }
        for pair in way.windows(2) {
            if let Some(edge) = self.edges.iter_mut().find(|edge| {
                edge.kind == EdgeKind::Flow && edge.from == pair[0] && edge.to == pair[1]
            }) {
                edge.highlighted = true;
            }
        }
    }

    fn highlight_calls(&mut self, plans: &[TablePlan<'_>]) {
        for (table, from, to) in &self.marks.calls {
            let Some(plan) = plans.iter().find(|plan| plan.table.kind == *table) else {
                continue;
            };
            let node = |name: &str| plan.table.chain_index(name).and_then(|c| plan.node_of[c]);
            let (Some(from), Some(to)) = (node(from), node(to)) else {
                continue;
            };
            for edge in &mut self.edges {
                if edge.from == from && edge.to == to && edge.kind != EdgeKind::Flow {
                    edge.highlighted = true;
                }
            }
            for index in [from, to] {
                let role = &mut self.nodes[index].role;
                *role = (*role).max(Some(Role::Path));
            }
        }
    }
}

/// The chains of `table` in the order a walk from the built-in chains
/// (breadth first, hooks in kernel order) meets them; unreached chains
/// last, in file order.
fn reach_order(table: &Table, jumps: &JumpGraph) -> Vec<usize> {
    let mut seen = vec![false; table.chains.len()];
    let mut order = Vec::with_capacity(table.chains.len());
    let mut queue: VecDeque<usize> = VecDeque::new();
    for hook in Hook::ALL {
        if let Some(index) = table.chains.iter().position(|c| c.hook == Some(hook)) {
            seen[index] = true;
            queue.push_back(index);
        }
    }
    while let Some(chain) = queue.pop_front() {
        order.push(chain);
        for (to, _) in &jumps.edges[chain] {
            if !seen[*to] {
                seen[*to] = true;
                queue.push_back(*to);
            }
        }
    }
    order.extend((0..table.chains.len()).filter(|&chain| !seen[chain]));
    order
}

fn apply_marks(line: &mut Line, marks: &[&Mark]) {
    line.role = marks.iter().map(|mark| mark.role).max();
    let notes: Vec<&str> = marks
        .iter()
        .filter_map(|mark| mark.note.as_deref())
        .collect();
    if !notes.is_empty() {
        line.note = Some(notes.join("; "));
    }
}

fn ellipsis(hidden: usize) -> Line {
    Line {
        line: None,
        text: format!("… {} …", plural(hidden, "rule")),
        role: None,
        note: None,
    }
}

/// `1 rule`, `2 rules`.
#[must_use]
pub fn plural(count: usize, word: &str) -> String {
    format!("{count} {word}{}", if count == 1 { "" } else { "s" })
}
