//! The diagram in Graphviz DOT, for users who have Graphviz: one cluster
//! per hook, stages left to right, jumps dashed, gotos dotted, unreached
//! chains in a cluster apart, and the highlighted way thick in a strong
//! colour. Labels are DOT strings with left-justified lines (`\l`).

use std::fmt::Write as _;

use super::mermaid::{FINDING_COLOUR, PATH_COLOUR, RELATED_COLOUR};
use super::{EdgeKind, Graph, Node, NodeKind, Placement, Role, Stage};

/// The DOT text of `graph`.
#[must_use]
pub fn render(graph: &Graph) -> String {
    let mut out = String::from("digraph fwlint {\n");
    let label = match &graph.caption {
        Some(caption) => format!("{}\\n{}", escape(&graph.title), escape(caption)),
        None => escape(&graph.title),
    };
    let _ = writeln!(out, "  label=\"{label}\";\n  labelloc=t;");
    out.push_str("  rankdir=LR;\n  newrank=true;\n  fontname=\"monospace\";\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"monospace\", fontsize=10];\n");
    out.push_str("  edge [fontname=\"monospace\", fontsize=9];\n");
    for stage in Stage::ALL {
        let members: Vec<(usize, &Node)> = graph.placed(Placement::Stage(stage)).collect();
        if stage.hook().is_some() {
            let _ = writeln!(
                out,
                "  subgraph cluster_{} {{\n    label=\"{}\";\n    style=rounded;",
                stage.label(),
                stage.label()
            );
            for (index, node) in members {
                let _ = writeln!(out, "    {}", node_text(index, node));
            }
            out.push_str("  }\n");
        } else {
            for (index, node) in members {
                let _ = writeln!(out, "  {}", node_text(index, node));
            }
        }
    }
    for stage in Stage::ALL {
        for (index, node) in graph.placed(Placement::Below(stage)) {
            let _ = writeln!(out, "  {}", node_text(index, node));
        }
    }
    let apart: Vec<(usize, &Node)> = graph.placed(Placement::Apart).collect();
    if !apart.is_empty() {
        out.push_str(
            "  subgraph cluster_apart {\n    label=\"not reached from any hook\";\n    style=dashed;\n",
        );
        for (index, node) in apart {
            let _ = writeln!(out, "    {}", node_text(index, node));
        }
        out.push_str("  }\n");
    }
    for edge in &graph.edges {
        let mut attributes: Vec<String> = Vec::new();
        match edge.kind {
            EdgeKind::Flow => {}
            EdgeKind::Jump | EdgeKind::Goto => {
                let word = if edge.kind == EdgeKind::Jump {
                    "jump"
                } else {
                    "goto"
                };
                let label = if edge.count > 1 {
                    format!("{word} ×{}", edge.count)
                } else {
                    word.to_string()
                };
                attributes.push(format!("label=\"{label}\""));
                attributes.push(
                    if edge.kind == EdgeKind::Jump {
                        "style=dashed"
                    } else {
                        "style=dotted"
                    }
                    .to_string(),
                );
            }
        }
        if edge.highlighted {
            attributes.push(format!("color=\"{PATH_COLOUR}\""));
            attributes.push("penwidth=4".to_string());
        }
        let attributes = if attributes.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attributes.join(", "))
        };
        let _ = writeln!(out, "  n{} -> n{}{attributes};", edge.from, edge.to);
    }
    for note in &graph.notes {
        let _ = writeln!(out, "  // {}", note.replace('\n', " "));
    }
    out.push_str("}\n");
    out
}

fn node_text(index: usize, node: &Node) -> String {
    let mut label = format!("{}\\l", escape(&node.title));
    if let Some(detail) = &node.detail {
        let _ = write!(label, "{}\\l", escape(detail));
    }
    for line in &node.lines {
        let marker = match line.role {
            Some(Role::Finding) => "✖ ",
            Some(Role::Related) => "◆ ",
            Some(Role::Path | Role::Decides) => "▶ ",
            None => "  ",
        };
        match line.line {
            Some(number) => {
                let _ = write!(label, "{marker}{number}: {}\\l", escape(&line.text));
            }
            None => {
                let _ = write!(label, "{marker}{}\\l", escape(&line.text));
            }
        }
        if let Some(note) = &line.note {
            let _ = write!(label, "    ⇒ {}\\l", escape(note));
        }
    }
    let mut attributes = vec![format!("label=\"{label}\"")];
    match &node.kind {
        NodeKind::Stage(Stage::Routing) => attributes.push("shape=diamond".into()),
        NodeKind::Stage(_) => attributes.push("shape=oval".into()),
        NodeKind::Group { .. } => attributes.push("shape=box3d".into()),
        NodeKind::More { .. } | NodeKind::EmptyHook(_) => {
            attributes.push("fontcolor=\"#868e96\"".into());
        }
        NodeKind::Chain { .. } => {}
    }
    match node.role {
        Some(Role::Path) => attributes.push(format!(
            "color=\"{PATH_COLOUR}\", penwidth=3, fillcolor=\"#fff4e6\""
        )),
        Some(Role::Decides) => attributes.push(format!(
            "color=\"{PATH_COLOUR}\", penwidth=4, fillcolor=\"#ffe8cc\""
        )),
        Some(Role::Finding) => attributes.push(format!(
            "color=\"{FINDING_COLOUR}\", penwidth=4, fillcolor=\"#ffe3e3\""
        )),
        Some(Role::Related) => attributes.push(format!(
            "color=\"{RELATED_COLOUR}\", penwidth=3, fillcolor=\"#e7f5ff\""
        )),
        None => {}
    }
    format!("n{index} [{}];", attributes.join(", "))
}

/// Text safe inside a DOT string.
#[must_use]
pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ")
}
