//! The diagram as a Mermaid flowchart, as GitHub renders it in Markdown
//! (issues, pull requests, job summaries): one subgraph per hook with its
//! tables' built-in chains, user chains beside them, unreached chains in a
//! subgraph apart, and the highlighted way drawn thick in a strong colour.
//!
//! Labels are quoted, and every character Mermaid or HTML would read as
//! syntax is written as a Mermaid entity, so that no chain name or rule text
//! can break the chart.

use std::fmt::Write as _;

use super::{EdgeKind, Graph, Line, Node, NodeKind, Placement, Role, Stage};

/// The strong colour of the highlighted way, shared by every renderer.
pub const PATH_COLOUR: &str = "#d9480f";
/// The colour of the rule a finding is about.
pub const FINDING_COLOUR: &str = "#c92a2a";
/// The colour of what a finding's labels point at.
pub const RELATED_COLOUR: &str = "#1864ab";

/// The Mermaid text of `graph`.
#[must_use]
pub fn render(graph: &Graph) -> String {
    let mut out = String::new();
    let title = match &graph.caption {
        Some(caption) => format!("{} · {caption}", graph.title),
        None => graph.title.clone(),
    };
    let _ = writeln!(out, "---\ntitle: \"{}\"\n---", yaml_escape(&title));
    out.push_str("flowchart LR\n");
    for stage in Stage::ALL {
        let members: Vec<(usize, &Node)> = graph.placed(Placement::Stage(stage)).collect();
        if stage.hook().is_some() {
            let _ = writeln!(
                out,
                "  subgraph hook_{}[\"{}\"]",
                stage.label(),
                stage.label()
            );
            out.push_str("    direction TB\n");
            for (index, node) in members {
                let _ = writeln!(out, "    {}", node_text(index, node));
            }
            out.push_str("  end\n");
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
        out.push_str("  subgraph apart[\"not reached from any hook\"]\n");
        for (index, node) in apart {
            let _ = writeln!(out, "    {}", node_text(index, node));
        }
        out.push_str("  end\n");
    }
    let mut highlighted = Vec::new();
    for (position, edge) in graph.edges.iter().enumerate() {
        let arrow = match (edge.kind, edge.highlighted) {
            (EdgeKind::Flow, false) => "-->".to_string(),
            (EdgeKind::Flow, true) => "==>".to_string(),
            (kind, _) => {
                let word = if kind == EdgeKind::Jump {
                    "jump"
                } else {
                    "goto"
                };
                let label = if edge.count > 1 {
                    format!("{word} ×{}", edge.count)
                } else {
                    word.to_string()
                };
                format!("-.->|\"{label}\"|")
            }
        };
        let _ = writeln!(out, "  n{} {arrow} n{}", edge.from, edge.to);
        if edge.highlighted {
            highlighted.push(position.to_string());
        }
    }
    if !highlighted.is_empty() {
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{PATH_COLOUR},stroke-width:4px",
            highlighted.join(",")
        );
    }
    let _ = writeln!(
        out,
        "  classDef path fill:#fff4e6,stroke:{PATH_COLOUR},stroke-width:3px,color:#000"
    );
    let _ = writeln!(
        out,
        "  classDef decides fill:#ffe8cc,stroke:{PATH_COLOUR},stroke-width:4px,color:#000"
    );
    let _ = writeln!(
        out,
        "  classDef finding fill:#ffe3e3,stroke:{FINDING_COLOUR},stroke-width:4px,color:#000"
    );
    let _ = writeln!(
        out,
        "  classDef related fill:#e7f5ff,stroke:{RELATED_COLOUR},stroke-width:3px,color:#000"
    );
    out.push_str("  classDef quiet fill:#f8f9fa,stroke:#adb5bd,color:#868e96\n");
    for (class, role) in [
        ("path", Some(Role::Path)),
        ("decides", Some(Role::Decides)),
        ("finding", Some(Role::Finding)),
        ("related", Some(Role::Related)),
    ] {
        let members: Vec<String> = graph
            .nodes
            .iter()
            .enumerate()
            .filter(|(_, node)| node.role == role)
            .map(|(index, _)| format!("n{index}"))
            .collect();
        if !members.is_empty() {
            let _ = writeln!(out, "  class {} {class}", members.join(","));
        }
    }
    let quiet: Vec<String> = graph
        .nodes
        .iter()
        .enumerate()
        .filter(|(_, node)| {
            matches!(
                node.kind,
                NodeKind::EmptyHook(_) | NodeKind::More { .. } | NodeKind::Group { .. }
            ) && node.role.is_none()
        })
        .map(|(index, _)| format!("n{index}"))
        .collect();
    if !quiet.is_empty() {
        let _ = writeln!(out, "  class {} quiet", quiet.join(","));
    }
    for note in &graph.notes {
        let _ = writeln!(out, "  %% {}", note.replace('\n', " "));
    }
    out
}

fn node_text(index: usize, node: &Node) -> String {
    let mut label = format!("<b>{}</b>", escape(&node.title));
    if let Some(detail) = &node.detail {
        let _ = write!(label, "<br/>{}", escape(detail));
    }
    for line in &node.lines {
        let _ = write!(label, "<br/>{}", line_text(line));
    }
    let label = format!("\"{label}\"");
    match &node.kind {
        NodeKind::Stage(Stage::Routing) => format!("n{index}{{{label}}}"),
        NodeKind::Stage(_) => format!("n{index}([{label}])"),
        NodeKind::Group { .. } => format!("n{index}[[{label}]]"),
        NodeKind::More { .. } => format!("n{index}[/{label}/]"),
        NodeKind::Chain { .. } | NodeKind::EmptyHook(_) => format!("n{index}[{label}]"),
    }
}

fn line_text(line: &Line) -> String {
    let marker = match line.role {
        Some(Role::Finding) => "✖ ",
        Some(Role::Related) => "◆ ",
        Some(Role::Path | Role::Decides) => "▶ ",
        None => "",
    };
    let mut text = match line.line {
        Some(number) => format!("{marker}{number}: {}", escape(&line.text)),
        None => format!("{marker}{}", escape(&line.text)),
    };
    if line.role.is_some() {
        text = format!("<b>{text}</b>");
    }
    if let Some(note) = &line.note {
        let _ = write!(text, "<br/><i>⇒ {}</i>", escape(note));
    }
    text
}

/// Text safe inside a quoted Mermaid label: Mermaid's entity syntax
/// (`#name;`) for every character that is syntax to Mermaid or HTML.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn yaml_escape(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace(['\n', '\r'], " ")
}
