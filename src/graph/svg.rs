//! The diagram as SVG, laid out and drawn by fwlint itself: no Graphviz
//! or browser needed.
//!
//! The layout is fixed by netfilter, so it is computed here rather than by
//! a general graph layout engine: stages in columns left to right (network
//! in, PREROUTING, routing decision, INPUT, FORWARD, OUTPUT, POSTROUTING,
//! network out), the local path (INPUT, local process, OUTPUT) in a lane
//! above the forwarding path, each hook's tables stacked in kernel order in
//! one box, user chains under the column of the hook that first reaches
//! them, and unreached chains in a band apart at the bottom. Text is in a
//! monospace font, so box widths follow from character counts. The `svg`
//! crate composes the document and escapes all text.

use std::collections::HashMap;

use svg::node::element::{Definitions, Element, Group, Marker, Path, Rectangle, Style, Title};
use svg::{Document, Node as _};

use super::mermaid::{FINDING_COLOUR, PATH_COLOUR, RELATED_COLOUR};
use super::{EdgeKind, Graph, Line, Node, NodeKind, Placement, Role, Stage};

/// Advance of one character of the 12 px monospace font.
const CHAR_WIDTH: f64 = 7.6;
const ROW: f64 = 16.0;
const PAD: f64 = 8.0;
const COLUMN_GAP: f64 = 56.0;
const LANE_GAP: f64 = 48.0;
const STACK_GAP: f64 = 26.0;
const CLUSTER_HEADER: f64 = 24.0;
const MARGIN: f64 = 20.0;

const CSS: &str = "\
text{font-family:'DejaVu Sans Mono',Menlo,Consolas,monospace;font-size:12px;fill:#212529}\
.title{font-weight:bold;font-size:13px}\
.detail{fill:#495057}\
.quiet{fill:#868e96}\
.hook{font-weight:bold;font-size:14px;fill:#343a40}\
.caption{font-size:14px}\
.heading{font-weight:bold;font-size:16px}\
.marked{font-weight:bold}\
.note{font-style:italic}\
.edge-label{font-size:11px;fill:#495057}";

#[derive(Debug, Clone, Copy, Default)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn right(&self) -> f64 {
        self.x + self.w
    }
    fn bottom(&self) -> f64 {
        self.y + self.h
    }
    fn centre_x(&self) -> f64 {
        self.x + self.w / 2.0
    }
    fn centre_y(&self) -> f64 {
        self.y + self.h / 2.0
    }
}

fn column(stage: Stage) -> usize {
    match stage {
        Stage::NetworkIn => 0,
        Stage::Prerouting => 1,
        Stage::Routing => 2,
        Stage::Input => 3,
        Stage::LocalProcess | Stage::Forward => 4,
        Stage::Output => 5,
        Stage::Postrouting => 6,
        Stage::NetworkOut => 7,
    }
}

const COLUMNS: usize = 8;

fn top_lane(stage: Stage) -> bool {
    matches!(stage, Stage::Input | Stage::LocalProcess | Stage::Output)
}

/// The rows of text of a node's box: text, CSS class, colour of a marked
/// line's background.
fn rows(node: &Node) -> Vec<(String, &'static str, Option<Role>)> {
    let mut rows = vec![(node.title.clone(), "title", None)];
    if let Some(detail) = &node.detail {
        let class = if matches!(node.kind, NodeKind::Chain { .. }) {
            "detail"
        } else {
            "quiet"
        };
        rows.push((detail.clone(), class, None));
    }
    for line in &node.lines {
        rows.push((line_text(line), "", line.role));
        if let Some(note) = &line.note {
            rows.push((format!("   ⇒ {note}"), "note", line.role));
        }
    }
    rows
}

fn line_text(line: &Line) -> String {
    let marker = match line.role {
        Some(Role::Finding) => "✖",
        Some(Role::Related) => "◆",
        Some(Role::Path | Role::Decides) => "▶",
        None => " ",
    };
    match line.line {
        Some(number) => format!("{marker}{number:>4}  {}", line.text),
        None => format!("{marker}      {}", line.text),
    }
}

fn text_width(text: &str) -> f64 {
    #[allow(clippy::cast_precision_loss)]
    let count = text.chars().count() as f64;
    count * CHAR_WIDTH
}

fn size(node: &Node) -> (f64, f64) {
    let rows = rows(node);
    let widest = rows
        .iter()
        .map(|(text, class, _)| {
            let width = text_width(text);
            if *class == "title" {
                width * 1.1
            } else {
                width
            }
        })
        .fold(0.0, f64::max);
    #[allow(clippy::cast_precision_loss)]
    let height = rows.len() as f64 * ROW + 2.0 * PAD;
    ((widest + 2.0 * PAD).max(110.0), height)
}

/// The SVG document of `graph`.
#[must_use]
pub fn render(graph: &Graph) -> String {
    let sizes: Vec<(f64, f64)> = graph.nodes.iter().map(size).collect();
    let mut boxes: Vec<Rect> = vec![Rect::default(); graph.nodes.len()];

    // Column widths: the widest block or chain below it.
    let mut widths = [0.0f64; COLUMNS];
    for (index, node) in graph.nodes.iter().enumerate() {
        let stage = match node.placement {
            Placement::Stage(stage) | Placement::Below(stage) => stage,
            Placement::Apart => continue,
        };
        let column = column(stage);
        let extra = if stage.hook().is_some() && matches!(node.placement, Placement::Stage(_)) {
            2.0 * PAD
        } else {
            0.0
        };
        widths[column] = widths[column].max(sizes[index].0 + extra);
    }
    let mut xs = [0.0f64; COLUMNS];
    let mut x = MARGIN;
    for column in 0..COLUMNS {
        xs[column] = x;
        x += widths[column] + COLUMN_GAP;
    }
    let mut total_width = x - COLUMN_GAP + MARGIN;

    // Heading: title, caption, legend.
    let mut heading: Vec<(String, &'static str)> = vec![(graph.title.clone(), "heading")];
    if let Some(caption) = &graph.caption {
        for part in wrap(caption, 150) {
            heading.push((part, "caption"));
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let top = MARGIN + heading.len() as f64 * 22.0 + 28.0;

    // Lanes: each stage's block is its nodes stacked in a cluster.
    let mut clusters: HashMap<Stage, Rect> = HashMap::new();
    let mut lane_height = [0.0f64; 2];
    let mut stacks: HashMap<Stage, Vec<usize>> = HashMap::new();
    for stage in Stage::ALL {
        let members: Vec<usize> = graph
            .placed(Placement::Stage(stage))
            .map(|(i, _)| i)
            .collect();
        let hook = stage.hook().is_some();
        let mut height = if hook { CLUSTER_HEADER + PAD } else { 0.0 };
        for (position, &index) in members.iter().enumerate() {
            if position > 0 {
                height += STACK_GAP;
            }
            height += sizes[index].1;
        }
        if hook {
            height += PAD;
        }
        let lane = usize::from(!top_lane(stage));
        lane_height[lane] = lane_height[lane].max(height);
        stacks.insert(stage, members);
    }
    let lane_y = [top, top + lane_height[0] + LANE_GAP];
    for stage in Stage::ALL {
        let lane = usize::from(!top_lane(stage));
        let column = column(stage);
        let hook = stage.hook().is_some();
        let members = &stacks[&stage];
        let mut y = lane_y[lane] + if hook { CLUSTER_HEADER + PAD } else { 0.0 };
        if !hook {
            // A stage without rules sits level with the first chain of the
            // hooks beside it.
            y += CLUSTER_HEADER + PAD;
        }
        for &index in members {
            let (w, h) = sizes[index];
            let x = if hook {
                xs[column] + PAD
            } else {
                xs[column] + (widths[column] - w) / 2.0
            };
            boxes[index] = Rect { x, y, w, h };
            y += h + STACK_GAP;
        }
        if hook {
            let bottom = members
                .iter()
                .map(|&i| boxes[i].bottom())
                .fold(lane_y[lane], f64::max);
            clusters.insert(
                stage,
                Rect {
                    x: xs[column],
                    y: lane_y[lane],
                    w: widths[column],
                    h: bottom + PAD - lane_y[lane],
                },
            );
        }
    }

    // User chains under their hook's column.
    let below_top = lane_y[1] + lane_height[1] + LANE_GAP;
    let mut column_y = [below_top; COLUMNS];
    for stage in Stage::ALL {
        let column = column(stage);
        for (index, _) in graph.placed(Placement::Below(stage)) {
            let (w, h) = sizes[index];
            boxes[index] = Rect {
                x: xs[column],
                y: column_y[column],
                w,
                h,
            };
            column_y[column] += h + STACK_GAP;
        }
    }
    let mut bottom = column_y
        .iter()
        .copied()
        .filter(|&y| y > below_top)
        .fold(lane_y[1] + lane_height[1] + STACK_GAP, f64::max);

    // The chains nothing reaches, in rows, in a band apart.
    let apart: Vec<usize> = graph.placed(Placement::Apart).map(|(i, _)| i).collect();
    let mut apart_band = None;
    if !apart.is_empty() {
        let band_top = bottom + LANE_GAP / 2.0;
        let mut x = MARGIN + PAD;
        let mut y = band_top + CLUSTER_HEADER + PAD;
        let mut row_height: f64 = 0.0;
        for &index in &apart {
            let (w, h) = sizes[index];
            if x > MARGIN + PAD && x + w > total_width - MARGIN {
                x = MARGIN + PAD;
                y += row_height + STACK_GAP;
                row_height = 0.0;
            }
            boxes[index] = Rect { x, y, w, h };
            x += w + STACK_GAP;
            row_height = row_height.max(h);
            total_width = total_width.max(x + MARGIN);
        }
        let band = Rect {
            x: MARGIN,
            y: band_top,
            w: total_width - 2.0 * MARGIN,
            h: y + row_height + PAD - band_top,
        };
        bottom = band.bottom() + STACK_GAP;
        apart_band = Some(band);
    }
    #[allow(clippy::cast_precision_loss)]
    let height = bottom + graph.notes.len() as f64 * ROW + MARGIN;

    let mut document = Document::new()
        .set("width", round(total_width))
        .set("height", round(height))
        .set(
            "viewBox",
            format!("0 0 {} {}", round(total_width), round(height)),
        )
        .add(Title::new(clean(&graph.title)))
        .add(Style::new(CSS))
        .add(markers())
        .add(
            Rectangle::new()
                .set("width", "100%")
                .set("height", "100%")
                .set("fill", "#ffffff"),
        );
    let mut y = MARGIN + 16.0;
    for (text, class) in &heading {
        document = document.add(text_at(MARGIN, y, text, class));
        y += 22.0;
    }
    document = document.add(legend(MARGIN, y + 4.0, graph));

    for stage in Stage::ALL {
        if let Some(cluster) = clusters.get(&stage) {
            document = document
                .add(
                    rect(*cluster, 8.0)
                        .set("fill", "#f1f3f5")
                        .set("stroke", "#ced4da"),
                )
                .add(text_at(
                    cluster.x + PAD,
                    cluster.y + 17.0,
                    stage.label(),
                    "hook",
                ));
        }
    }
    if let Some(band) = apart_band {
        document = document
            .add(
                rect(band, 8.0)
                    .set("fill", "#f8f9fa")
                    .set("stroke", "#adb5bd")
                    .set("stroke-dasharray", "6 4"),
            )
            .add(text_at(
                band.x + PAD,
                band.y + 17.0,
                "not reached from any hook",
                "hook",
            ));
    }
    // Edges under the boxes; highlighted ones last, so that they stay on top.
    let mut order: Vec<usize> = (0..graph.edges.len()).collect();
    order.sort_by_key(|&i| graph.edges[i].highlighted);
    let mut labels = Vec::new();
    for index in order {
        let edge = &graph.edges[index];
        let (path, middle) = edge_path(graph, &boxes, edge.from, edge.to, edge.kind);
        let colour = if edge.highlighted {
            PATH_COLOUR
        } else {
            "#868e96"
        };
        let mut element = Path::new()
            .set("d", path)
            .set("fill", "none")
            .set("stroke", colour)
            .set("stroke-width", if edge.highlighted { 4 } else { 1 })
            .set(
                "marker-end",
                if edge.highlighted {
                    "url(#arrow-path)"
                } else {
                    "url(#arrow)"
                },
            );
        match edge.kind {
            EdgeKind::Flow => {}
            EdgeKind::Jump => element = element.set("stroke-dasharray", "6 4"),
            EdgeKind::Goto => element = element.set("stroke-dasharray", "2 3"),
        }
        document = document.add(element);
        if edge.kind != EdgeKind::Flow {
            let word = if edge.kind == EdgeKind::Jump {
                "jump"
            } else {
                "goto"
            };
            let text = if edge.count > 1 {
                format!("{word} ×{}", edge.count)
            } else {
                word.to_string()
            };
            labels.push(text_at(middle.0 + 4.0, middle.1 - 3.0, &text, "edge-label"));
        }
    }
    for (index, node) in graph.nodes.iter().enumerate() {
        document = document.add(node_group(node, boxes[index]));
    }
    for label in labels {
        document = document.add(label);
    }
    let mut y = bottom + ROW;
    for note in &graph.notes {
        document = document.add(text_at(MARGIN, y, note, "quiet"));
        y += ROW;
    }
    let mut text = document.to_string();
    text.push('\n');
    text
}

/// The path of an edge, and a point near its middle for its label.
fn edge_path(
    graph: &Graph,
    boxes: &[Rect],
    from: usize,
    to: usize,
    kind: EdgeKind,
) -> (String, (f64, f64)) {
    let (a, b) = (boxes[from], boxes[to]);
    let stacked = kind == EdgeKind::Flow
        && graph.nodes[from].placement == graph.nodes[to].placement
        && matches!(graph.nodes[from].placement, Placement::Stage(_));
    let (p0, p1, p2, p3);
    if from == to {
        // A chain that calls itself: a loop on its right side.
        p0 = (a.right(), a.y + 8.0);
        p3 = (a.right(), a.y + 24.0);
        p1 = (p0.0 + 40.0, p0.1 - 10.0);
        p2 = (p3.0 + 40.0, p3.1 + 10.0);
    } else if stacked || (kind != EdgeKind::Flow && b.y > a.bottom() + 4.0) {
        // Downwards: bottom to top.
        let bend = ((b.y - a.bottom()) / 2.0).max(12.0);
        p0 = (a.centre_x().min(a.x + 60.0), a.bottom());
        p3 = (b.centre_x().min(b.x + 60.0), b.y);
        p1 = (p0.0, p0.1 + bend);
        p2 = (p3.0, p3.1 - bend);
    } else if b.x >= a.right() {
        let bend = ((b.x - a.right()) / 2.0).max(20.0);
        p0 = (a.right(), a.centre_y().min(a.y + 28.0));
        p3 = (b.x, b.centre_y().min(b.y + 28.0));
        p1 = (p0.0 + bend, p0.1);
        p2 = (p3.0 - bend, p3.1);
    } else {
        // Up or back: around the right sides.
        p0 = (a.right(), a.centre_y().min(a.y + 28.0));
        p3 = (b.right(), b.centre_y().min(b.y + 28.0));
        let out = p0.0.max(p3.0) + 48.0;
        p1 = (out, p0.1);
        p2 = (out, p3.1);
    }
    let path = format!(
        "M{} {} C{} {} {} {} {} {}",
        round(p0.0),
        round(p0.1),
        round(p1.0),
        round(p1.1),
        round(p2.0),
        round(p2.1),
        round(p3.0),
        round(p3.1)
    );
    let middle = (
        (p0.0 + 3.0 * p1.0 + 3.0 * p2.0 + p3.0) / 8.0,
        (p0.1 + 3.0 * p1.1 + 3.0 * p2.1 + p3.1) / 8.0,
    );
    (path, middle)
}

fn role_colours(role: Option<Role>) -> (&'static str, &'static str, f64) {
    match role {
        Some(Role::Path) => ("#fff4e6", PATH_COLOUR, 3.0),
        Some(Role::Decides) => ("#ffe8cc", PATH_COLOUR, 4.0),
        Some(Role::Finding) => ("#ffe3e3", FINDING_COLOUR, 4.0),
        Some(Role::Related) => ("#e7f5ff", RELATED_COLOUR, 3.0),
        None => ("#ffffff", "#868e96", 1.0),
    }
}

fn line_colour(role: Role) -> (&'static str, &'static str) {
    match role {
        Role::Path | Role::Decides => ("#ffd8a8", PATH_COLOUR),
        Role::Finding => ("#ffc9c9", FINDING_COLOUR),
        Role::Related => ("#d0ebff", RELATED_COLOUR),
    }
}

fn node_group(node: &Node, at: Rect) -> Group {
    let (fill, stroke, width) = role_colours(node.role);
    let radius = match node.kind {
        NodeKind::Stage(_) => at.h / 2.0,
        _ => 6.0,
    };
    let mut body = rect(at, radius)
        .set("fill", fill)
        .set("stroke", stroke)
        .set("stroke-width", width);
    match node.kind {
        NodeKind::Group { .. } | NodeKind::More { .. } | NodeKind::EmptyHook(_) => {
            body = body.set("stroke-dasharray", "5 3");
        }
        NodeKind::Stage(_) | NodeKind::Chain { .. } => {}
    }
    let mut group = Group::new().add(Title::new(clean(&node.title))).add(body);
    let mut y = at.y + PAD + 12.0;
    for (text, class, role) in rows(node) {
        if let Some(role) = role {
            let (background, colour) = line_colour(role);
            if class != "note" {
                group = group.add(
                    Rectangle::new()
                        .set("x", round(at.x + 2.0))
                        .set("y", round(y - 12.5))
                        .set("width", round(at.w - 4.0))
                        .set("height", ROW)
                        .set("fill", background),
                );
            }
            let class = if class == "note" { "note" } else { "marked" };
            let mut element = text_at(at.x + PAD, y, &text, class);
            element.assign("fill", colour);
            group = group.add(element);
        } else {
            let x = if matches!(node.kind, NodeKind::Stage(_)) {
                at.x + (at.w - text_width(&text) * 1.1) / 2.0
            } else {
                at.x + PAD
            };
            group = group.add(text_at(x, y, &text, class));
        }
        y += ROW;
    }
    group
}

fn legend(x: f64, y: f64, graph: &Graph) -> Group {
    let has = |wanted: &[Role]| {
        graph
            .nodes
            .iter()
            .flat_map(|node| {
                node.lines
                    .iter()
                    .filter_map(|line| line.role)
                    .chain(node.role)
            })
            .any(|role| wanted.contains(&role))
    };
    let mut group = Group::new();
    let mut at = x;
    let mut item = |group: Group, sample: Path, text: &str| {
        let group = group
            .add(sample.set("d", format!("M{} {} h28", round(at), round(y - 4.0))))
            .add(text_at(at + 34.0, y, text, "quiet"));
        at += 34.0 + text_width(text) + 24.0;
        group
    };
    group = item(
        group,
        Path::new().set("stroke", "#868e96").set("stroke-width", 1),
        "packets go on",
    );
    group = item(
        group,
        Path::new()
            .set("stroke", "#868e96")
            .set("stroke-dasharray", "6 4"),
        "jump (-j)",
    );
    group = item(
        group,
        Path::new()
            .set("stroke", "#868e96")
            .set("stroke-dasharray", "2 3"),
        "goto (-g)",
    );
    for (roles, colour, text) in [
        (
            &[Role::Path, Role::Decides][..],
            PATH_COLOUR,
            "▶ the packet's way",
        ),
        (&[Role::Finding][..], FINDING_COLOUR, "✖ the finding"),
        (&[Role::Related][..], RELATED_COLOUR, "◆ what it points at"),
    ] {
        if has(roles) {
            group = item(
                group,
                Path::new().set("stroke", colour).set("stroke-width", 4),
                text,
            );
        }
    }
    group
}

fn markers() -> Definitions {
    let marker = |id: &str, colour: &str| {
        Marker::new()
            .set("id", id)
            .set("viewBox", "0 0 10 10")
            .set("refX", 9)
            .set("refY", 5)
            .set("markerWidth", 7)
            .set("markerHeight", 7)
            .set("markerUnits", "userSpaceOnUse")
            .set("orient", "auto")
            .add(
                Path::new()
                    .set("d", "M0 0 L10 5 L0 10 z")
                    .set("fill", colour.to_string()),
            )
    };
    Definitions::new()
        .add(
            marker("arrow", "#868e96")
                .set("markerWidth", 8)
                .set("markerHeight", 8),
        )
        .add(
            marker("arrow-path", PATH_COLOUR)
                .set("markerWidth", 14)
                .set("markerHeight", 14),
        )
}

fn rect(at: Rect, radius: f64) -> Rectangle {
    Rectangle::new()
        .set("x", round(at.x))
        .set("y", round(at.y))
        .set("width", round(at.w))
        .set("height", round(at.h))
        .set("rx", round(radius))
}

/// A `<text>` element. The `svg` crate's own `Text` writes line breaks
/// around its content, which `xml:space="preserve"` would draw as spaces;
/// a plain element keeps the content on its line.
fn text_at(x: f64, y: f64, text: &str, class: &str) -> Element {
    let mut element = Element::new("text");
    element.assign("x", round(x));
    element.assign("y", round(y));
    element.assign("xml:space", "preserve");
    if !class.is_empty() {
        element.assign("class", class);
    }
    element.append(svg::node::Text::new(clean(text)));
    element
}

/// Text XML 1.0 can carry: control characters become U+FFFD.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if (c < ' ' && c != '\t') || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' {
                '\u{fffd}'
            } else {
                c
            }
        })
        .collect()
}

fn round(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// `text` in lines of at most `width` characters, broken at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}
