//! `fwlint graph`: the structure of the diagram (stages, hooks and their
//! tables, user chains, jumps, the highlighted way), what a finding
//! highlights, collapsing and grouping on large rulesets, the three
//! renderers (SVG parsed as XML, DOT checked for its structure and drawn by
//! Graphviz where it is installed, Mermaid rendered by the real mermaid
//! package in headless Chromium), and the GitHub step summary's diagram.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fwlint::analysis::probe;
use fwlint::analysis::trace::{self, LocalAddresses};
use fwlint::engine::FileReport;
use fwlint::graph::{
    self, EdgeKind, Graph, Marks, NodeKind, Options, Placement, Role, Stage, mermaid::PATH_COLOUR,
};
use fwlint::model::TableKind;

use crate::support::{check, skip};

fn example(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn incident() -> FileReport {
    check(
        "examples/nat-firewall-incident.rules",
        &example("nat-firewall-incident.rules"),
        None,
    )
}

fn draw(report: &FileReport, options: &Options, marks: &Marks) -> Graph {
    graph::build(&report.ruleset, &report.source, options, marks).expect("the graph is built")
}

fn node(graph: &Graph, table: TableKind, name: &str) -> usize {
    graph
        .chain_node(table, name)
        .unwrap_or_else(|| panic!("no node for {} {name}", table.as_str()))
}

fn stage_node(graph: &Graph, stage: Stage) -> usize {
    graph
        .nodes
        .iter()
        .position(|node| node.kind == NodeKind::Stage(stage))
        .unwrap_or_else(|| panic!("no node for {stage:?}"))
}

/// The titles of the nodes drawn in the column of `stage`, top to bottom.
fn column(graph: &Graph, stage: Stage) -> Vec<String> {
    graph
        .placed(Placement::Stage(stage))
        .map(|(_, node)| node.title.clone())
        .collect()
}

fn has_edge(graph: &Graph, from: usize, to: usize, kind: EdgeKind) -> bool {
    graph
        .edges
        .iter()
        .any(|edge| edge.from == from && edge.to == to && edge.kind == kind)
}

/// The nodes along the highlighted flow edges, from network in.
fn highlighted_way(graph: &Graph) -> Vec<String> {
    let mut at = stage_node(graph, Stage::NetworkIn);
    let mut way = vec![graph.nodes[at].title.clone()];
    while let Some(edge) = graph
        .edges
        .iter()
        .find(|edge| edge.from == at && edge.highlighted && edge.kind == EdgeKind::Flow)
    {
        at = edge.to;
        way.push(graph.nodes[at].title.clone());
        assert!(way.len() < 64, "the highlighted way loops: {way:?}");
    }
    way
}

fn incident_packet_marks(report: &FileReport, spec: &str, local: &[&str]) -> Marks {
    let probe = probe::parse(spec).expect("the packet spec is valid");
    let mut addresses = LocalAddresses::default();
    for address in local {
        addresses.add_given(address.parse().expect("an address"), None);
    }
    addresses.infer(&report.ruleset);
    let traced = trace::trace(&report.ruleset, &report.source, addresses, &probe);
    graph::packet::marks(&traced, spec)
}

const PACKET: &str = "tcp 192.0.2.7:40000 -> 203.0.113.1:8080 in=eth0";

#[test]
fn hooks_in_order_with_their_tables_in_kernel_order() {
    let report = incident();
    let graph = draw(&report, &Options::default(), &Marks::default());
    assert_eq!(column(&graph, Stage::Prerouting), ["nat PREROUTING"]);
    assert_eq!(column(&graph, Stage::Input), ["filter INPUT", "nat INPUT"]);
    assert_eq!(column(&graph, Stage::Forward), ["filter FORWARD"]);
    assert_eq!(
        column(&graph, Stage::Output),
        ["nat OUTPUT", "filter OUTPUT"]
    );
    assert_eq!(column(&graph, Stage::Postrouting), ["nat POSTROUTING"]);
    let forward = &graph.nodes[node(&graph, TableKind::Filter, "FORWARD")];
    assert_eq!(forward.detail.as_deref(), Some("policy DROP · 6 rules"));
    assert!(
        forward
            .lines
            .iter()
            .any(|line| line.line == Some(25) && line.text == "-p tcp -m tcp --dport 8080 -j DROP"),
        "{:?}",
        forward.lines
    );
    // The ways between the stages, and through the tables of a hook.
    let routing = stage_node(&graph, Stage::Routing);
    let filter_input = node(&graph, TableKind::Filter, "INPUT");
    let nat_input = node(&graph, TableKind::Nat, "INPUT");
    assert!(has_edge(&graph, routing, filter_input, EdgeKind::Flow));
    assert!(has_edge(&graph, filter_input, nat_input, EdgeKind::Flow));
    assert!(has_edge(
        &graph,
        routing,
        node(&graph, TableKind::Filter, "FORWARD"),
        EdgeKind::Flow
    ));
    assert!(has_edge(
        &graph,
        nat_input,
        stage_node(&graph, Stage::LocalProcess),
        EdgeKind::Flow
    ));
    assert!(!graph.has_highlight());
}

#[test]
fn a_hook_without_tables_still_passes_packets() {
    let report = check(
        "only-filter.rules",
        "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n",
        None,
    );
    let graph = draw(&report, &Options::default(), &Marks::default());
    assert_eq!(column(&graph, Stage::Prerouting), ["PREROUTING: no table"]);
    let empty = graph
        .placed(Placement::Stage(Stage::Prerouting))
        .next()
        .expect("a box")
        .0;
    assert!(has_edge(
        &graph,
        stage_node(&graph, Stage::NetworkIn),
        empty,
        EdgeKind::Flow
    ));
    assert!(has_edge(
        &graph,
        empty,
        stage_node(&graph, Stage::Routing),
        EdgeKind::Flow
    ));
}

#[test]
fn the_incident_packet_takes_input_and_never_meets_the_forward_drop() {
    let report = incident();
    let marks = incident_packet_marks(&report, PACKET, &["203.0.113.1"]);
    let graph = draw(&report, &Options::default(), &marks);
    assert_eq!(
        highlighted_way(&graph),
        [
            "network in",
            "nat PREROUTING",
            "routing decision",
            "filter INPUT",
            "nat INPUT",
            "local process"
        ]
    );
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    let policy = input
        .lines
        .iter()
        .find(|line| line.text == "policy ACCEPT")
        .expect("the deciding policy is written in the INPUT box");
    assert_eq!(policy.role, Some(Role::Decides));
    assert_eq!(policy.line, Some(17));
    let forward = &graph.nodes[node(&graph, TableKind::Filter, "FORWARD")];
    assert_eq!(forward.role, None, "FORWARD is not on the way");
    assert!(forward.lines.iter().all(|line| line.role.is_none()));
    let caption = graph.caption.as_deref().expect("a caption");
    assert!(
        caption.contains("ACCEPT by the policy ACCEPT of filter INPUT (line 17)")
            && caption.contains("delivered to a local process"),
        "{caption}"
    );
}

#[test]
fn an_uncertain_trace_highlights_only_what_every_way_shares() {
    let report = incident();
    // Without the host's address, the packet may be for the host or not.
    let marks = incident_packet_marks(&report, PACKET, &[]);
    let graph = draw(&report, &Options::default(), &marks);
    let caption = graph.caption.clone().expect("a caption");
    if !caption.contains("uncertain") {
        // The trace knew the address after all: then the way is certain.
        assert!(caption.contains("ACCEPT"), "{caption}");
        return;
    }
    assert!(caption.contains("highlighted is only what every way shares"));
    for chain in ["INPUT", "FORWARD"] {
        let box_of = &graph.nodes[node(&graph, TableKind::Filter, chain)];
        assert_eq!(box_of.role, None, "{chain} is not certainly on the way");
    }
}

#[test]
fn a_dnat_rewrite_is_written_on_the_deciding_rule() {
    let text = "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n\
-A PREROUTING -i eth0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 10.0.0.5:80\n\
-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n\
*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n:WEB - [0:0]\n\
-A FORWARD -i eth0 -o eth1 -d 10.0.0.5/32 -p tcp -m tcp --dport 80 -j WEB\n\
-A WEB -j ACCEPT\nCOMMIT\n";
    let report = check("dnat.rules", text, None);
    assert!(report.loadable, "{:?}", report.diagnostics);
    let marks = incident_packet_marks(
        &report,
        "tcp 198.51.100.7:40000 -> 203.0.113.1:8080 in=eth0 out=eth1",
        &["203.0.113.1"],
    );
    let graph = draw(&report, &Options::default(), &marks);
    let prerouting = &graph.nodes[node(&graph, TableKind::Nat, "PREROUTING")];
    let dnat = prerouting
        .lines
        .iter()
        .find(|line| line.line == Some(6))
        .expect("the DNAT rule");
    assert_eq!(dnat.role, Some(Role::Decides));
    let note = dnat.note.as_deref().expect("a note");
    assert!(note.contains("DNAT") && note.contains("10.0.0.5"), "{note}");
    let forward = node(&graph, TableKind::Filter, "FORWARD");
    let web = node(&graph, TableKind::Filter, "WEB");
    let jump = graph
        .edges
        .iter()
        .find(|edge| edge.from == forward && edge.to == web)
        .expect("the jump to WEB");
    assert_eq!(jump.kind, EdgeKind::Jump);
    assert!(jump.highlighted, "the jump the packet takes is highlighted");
    assert_eq!(
        highlighted_way(&graph),
        [
            "network in",
            "nat PREROUTING",
            "routing decision",
            "filter FORWARD",
            "nat POSTROUTING",
            "network out"
        ]
    );
}

const CHAINS: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
:SSH - [0:0]\n:LOGDROP - [0:0]\n:ORPHAN - [0:0]\n\
-A INPUT -p tcp -m tcp --dport 22 -j SSH\n-A INPUT -p tcp -m tcp --dport 2222 -j SSH\n\
-A SSH -s 10.0.0.0/8 -j ACCEPT\n-A SSH -g LOGDROP\n\
-A LOGDROP -j LOG --log-prefix \"drop: \"\n-A LOGDROP -j DROP\n\
-A ORPHAN -j ACCEPT\nCOMMIT\n";

#[test]
fn user_chains_jumps_gotos_and_unreached_chains_apart() {
    let report = check("chains.rules", CHAINS, None);
    assert!(report.loadable, "{:?}", report.diagnostics);
    let graph = draw(&report, &Options::default(), &Marks::default());
    let input = node(&graph, TableKind::Filter, "INPUT");
    let ssh = node(&graph, TableKind::Filter, "SSH");
    let logdrop = node(&graph, TableKind::Filter, "LOGDROP");
    let orphan = node(&graph, TableKind::Filter, "ORPHAN");
    let jump = graph
        .edges
        .iter()
        .find(|edge| edge.from == input && edge.to == ssh)
        .expect("INPUT jumps to SSH");
    assert_eq!((jump.kind, jump.count), (EdgeKind::Jump, 2));
    assert!(has_edge(&graph, ssh, logdrop, EdgeKind::Goto));
    assert_eq!(graph.nodes[ssh].placement, Placement::Below(Stage::Input));
    assert_eq!(
        graph.nodes[logdrop].placement,
        Placement::Below(Stage::Input)
    );
    assert_eq!(graph.nodes[orphan].placement, Placement::Apart);
    assert_eq!(graph.nodes[ssh].detail.as_deref(), Some("2 rules"));
}

#[test]
fn long_chains_collapse_to_a_count_but_keep_highlighted_rules() {
    let mut text =
        String::from("*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n");
    for port in 1..=20 {
        text.push_str(&format!(
            "-A INPUT -p tcp -m tcp --dport {port} -j ACCEPT\n"
        ));
    }
    text.push_str("COMMIT\n");
    let report = check("long.rules", &text, None);
    let options = Options {
        max_rules: 8,
        ..Options::default()
    };
    let graph = draw(&report, &options, &Marks::default());
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    assert!(input.lines.is_empty(), "{:?}", input.lines);
    assert_eq!(input.detail.as_deref(), Some("policy DROP · 20 rules"));
    let marks = Marks {
        places: vec![graph::Mark {
            table: TableKind::Filter,
            chain: "INPUT".into(),
            rule: Some(15),
            role: Role::Finding,
            note: Some("this one".into()),
        }],
        ..Marks::default()
    };
    let graph = draw(&report, &options, &marks);
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    let texts: Vec<&str> = input.lines.iter().map(|line| line.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "… 15 rules …",
            "-p tcp -m tcp --dport 16 -j ACCEPT",
            "… 4 rules …"
        ]
    );
    assert_eq!(input.lines[1].role, Some(Role::Finding));
    assert_eq!(input.lines[1].line, Some(20));
    assert_eq!(input.role, Some(Role::Finding));
}

const DOCKER: &str = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
:DOCKER - [0:0]\n:DOCKER-ISOLATION-STAGE-1 - [0:0]\n:DOCKER-ISOLATION-STAGE-2 - [0:0]\n:DOCKER-USER - [0:0]\n\
-A FORWARD -j DOCKER-USER\n-A FORWARD -j DOCKER-ISOLATION-STAGE-1\n\
-A FORWARD -o docker0 -j DOCKER\n-A FORWARD -i docker0 ! -o docker0 -j ACCEPT\n\
-A DOCKER-ISOLATION-STAGE-1 -i docker0 ! -o docker0 -j DOCKER-ISOLATION-STAGE-2\n\
-A DOCKER-ISOLATION-STAGE-1 -j RETURN\n-A DOCKER-ISOLATION-STAGE-2 -o docker0 -j DROP\n\
-A DOCKER-ISOLATION-STAGE-2 -j RETURN\n-A DOCKER-USER -j RETURN\nCOMMIT\n";

#[test]
fn generator_chains_are_grouped_unless_asked_or_focused() {
    let report = check("docker.rules", DOCKER, None);
    assert!(report.loadable, "{:?}", report.diagnostics);
    let graph = draw(&report, &Options::default(), &Marks::default());
    let groups: Vec<&graph::Node> = graph
        .nodes
        .iter()
        .filter(|node| matches!(node.kind, NodeKind::Group { .. }))
        .collect();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].title, "filter DOCKER*");
    assert_eq!(groups[0].detail.as_deref(), Some("4 chains · 5 rules"));
    assert!(graph.chain_node(TableKind::Filter, "DOCKER-USER").is_none());
    let forward = node(&graph, TableKind::Filter, "FORWARD");
    let group = graph
        .nodes
        .iter()
        .position(|node| matches!(node.kind, NodeKind::Group { .. }))
        .expect("the group");
    let jumps = graph
        .edges
        .iter()
        .find(|edge| edge.from == forward && edge.to == group)
        .expect("FORWARD jumps into the group");
    assert_eq!(jumps.count, 3);
    assert!(
        !graph
            .edges
            .iter()
            .any(|edge| edge.from == group && edge.to == group),
        "jumps inside a group are not drawn"
    );

    let ungrouped = draw(
        &report,
        &Options {
            group_generators: false,
            ..Options::default()
        },
        &Marks::default(),
    );
    for name in [
        "DOCKER",
        "DOCKER-ISOLATION-STAGE-1",
        "DOCKER-ISOLATION-STAGE-2",
        "DOCKER-USER",
    ] {
        node(&ungrouped, TableKind::Filter, name);
    }

    let focused = draw(
        &report,
        &Options {
            chain: Some("DOCKER-ISOLATION-STAGE-2".into()),
            ..Options::default()
        },
        &Marks::default(),
    );
    let stage_2 = node(&focused, TableKind::Filter, "DOCKER-ISOLATION-STAGE-2");
    // Its caller is kept (grouped), DOCKER-USER, which neither calls it nor
    // is called by it, is not drawn at all.
    let kept_group = focused
        .nodes
        .iter()
        .find(|node| matches!(node.kind, NodeKind::Group { .. }))
        .expect("the caller's group");
    assert_eq!(kept_group.detail.as_deref(), Some("1 chain · 2 rules"));
    assert!(
        focused
            .chain_node(TableKind::Filter, "DOCKER-USER")
            .is_none()
    );
    assert_eq!(
        focused.nodes[stage_2].placement,
        Placement::Below(Stage::Forward)
    );
}

#[test]
fn table_focus_and_an_unknown_chain() {
    let report = incident();
    let nat_only = draw(
        &report,
        &Options {
            table: Some(TableKind::Nat),
            ..Options::default()
        },
        &Marks::default(),
    );
    assert!(nat_only.nodes.iter().all(|node| !matches!(
        &node.kind,
        NodeKind::Chain {
            table: TableKind::Filter,
            ..
        }
    )));
    assert_eq!(column(&nat_only, Stage::Forward), ["FORWARD: no table"]);
    let error = graph::build(
        &report.ruleset,
        &report.source,
        &Options {
            chain: Some("NOPE".into()),
            ..Options::default()
        },
        &Marks::default(),
    )
    .expect_err("no such chain");
    assert_eq!(error.to_string(), "no chain `NOPE` in the drawn tables");
}

#[test]
fn a_finding_highlights_its_rule_and_what_its_labels_point_at() {
    let text = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
-A INPUT -i lo -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n\
-A INPUT -p tcp -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 22 -j DROP\nCOMMIT\n";
    let report = check("shadow.rules", text, None);
    let (index, diagnostic) = report
        .diagnostics
        .iter()
        .enumerate()
        .find(|(_, d)| !d.labels.is_empty())
        .expect("a finding with labels (shadowed-rule)");
    let marks = graph::finding::marks(&report.ruleset, diagnostic);
    let graph = draw(&report, &Options::default(), &marks);
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    let at = |line: usize| {
        input
            .lines
            .iter()
            .find(|l| l.line == Some(line))
            .unwrap_or_else(|| panic!("line {line} in {:?}", input.lines))
    };
    let primary = report.source.line_col(diagnostic.span.start).line;
    let label = report.source.line_col(diagnostic.labels[0].span.start).line;
    assert_eq!(at(primary).role, Some(Role::Finding));
    assert_eq!(at(label).role, Some(Role::Related));
    assert_eq!(
        at(label).note.as_deref(),
        Some(diagnostic.labels[0].message.as_ref())
    );
    assert_eq!(input.role, Some(Role::Finding));
    assert!(
        graph
            .caption
            .as_deref()
            .is_some_and(|caption| caption.contains(&diagnostic.message)),
        "finding {}: {:?}",
        index + 1,
        graph.caption
    );
}

#[test]
fn a_finding_on_a_policy_highlights_the_policy() {
    let report = incident();
    let (_, diagnostic) = report
        .diagnostics
        .iter()
        .enumerate()
        .find(|(_, d)| d.name == "permissive-policy")
        .expect("the INPUT policy ACCEPT finding");
    let marks = graph::finding::marks(&report.ruleset, diagnostic);
    let graph = draw(&report, &Options::default(), &marks);
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    let policy = input
        .lines
        .iter()
        .find(|line| line.text == "policy ACCEPT")
        .expect("the policy line");
    assert_eq!((policy.role, policy.line), (Some(Role::Finding), Some(17)));
}

/// About 10,000 rules: a long INPUT chain, 100 service chains, Docker's
/// chains and kube-proxy's service chains in nat.
fn large_ruleset() -> String {
    let mut text = String::from(
        "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n",
    );
    for service in 0..400 {
        text.push_str(&format!(":KUBE-SVC-{service:04} - [0:0]\n"));
    }
    text.push_str("-A PREROUTING -j KUBE-SERVICES\n-A OUTPUT -j KUBE-SERVICES\n");
    for service in 0..400 {
        text.push_str(&format!(
            "-A KUBE-SERVICES -d 10.96.{}.{}/32 -p tcp -m tcp --dport 80 -j KUBE-SVC-{service:04}\n",
            service / 250,
            service % 250
        ));
        for endpoint in 0..4 {
            text.push_str(&format!(
                "-A KUBE-SVC-{service:04} -p tcp -j DNAT --to-destination 10.244.{endpoint}.{}:8080\n",
                service % 250
            ));
        }
    }
    text.push_str(
        "COMMIT\n*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n",
    );
    for chain in 0..100 {
        text.push_str(&format!(":SVC_{chain:04} - [0:0]\n"));
    }
    for chain in 0..20 {
        text.push_str(&format!(":DOCKER-{chain} - [0:0]\n"));
    }
    for rule in 0..3700 {
        text.push_str(&format!(
            "-A INPUT -s 172.{}.{}.{}/32 -j DROP\n",
            16 + rule / 65536,
            (rule / 256) % 256,
            rule % 256
        ));
    }
    for chain in 0..100 {
        text.push_str(&format!(
            "-A INPUT -p tcp -m tcp --dport {} -j SVC_{chain:04}\n",
            1000 + chain
        ));
        for rule in 0..40 {
            text.push_str(&format!(
                "-A SVC_{chain:04} -s 10.{chain}.{rule}.0/24 -j ACCEPT\n"
            ));
        }
    }
    for chain in 0..20 {
        text.push_str(&format!("-A FORWARD -o docker{chain} -j DOCKER-{chain}\n"));
        for rule in 0..10 {
            text.push_str(&format!(
                "-A DOCKER-{chain} -d 172.17.{chain}.{rule}/32 -p tcp -m tcp --dport 80 -j ACCEPT\n"
            ));
        }
    }
    text.push_str("COMMIT\n");
    text
}

#[test]
fn ten_thousand_rules_stay_a_small_diagram() {
    let report = check("large.rules", &large_ruleset(), None);
    assert!(report.rules() >= 10_000, "{} rules", report.rules());
    let started = std::time::Instant::now();
    let graph = draw(&report, &Options::default(), &Marks::default());
    let built = started.elapsed();
    let mermaid = graph::mermaid::render(&graph);
    let svg = graph::svg::render(&graph);
    let dot = graph::dot::render(&graph);
    eprintln!(
        "{} rules: {} nodes, {} edges, built in {built:?}; mermaid {} bytes, svg {} bytes, dot {} bytes",
        report.rules(),
        graph.nodes.len(),
        graph.edges.len(),
        mermaid.len(),
        svg.len(),
        dot.len()
    );
    // 4 stages, 7 built-in chains, per table at most --max-chains boxes,
    // two "more" boxes and a few groups.
    assert!(
        graph.nodes.len() <= 4 + 7 + 24 + 2 + 2 + 2,
        "{} nodes",
        graph.nodes.len()
    );
    assert!(graph.edges.len() <= 80, "{} edges", graph.edges.len());
    assert!(mermaid.len() < 40_000, "mermaid {} bytes", mermaid.len());
    assert!(svg.len() < 300_000, "svg {} bytes", svg.len());
    let titles: Vec<&str> = graph.nodes.iter().map(|node| node.title.as_str()).collect();
    assert!(titles.contains(&"nat KUBE-*"), "{titles:?}");
    assert!(titles.contains(&"filter DOCKER*"), "{titles:?}");
    assert!(titles.contains(&"filter: 76 more chains"), "{titles:?}");
    let input = &graph.nodes[node(&graph, TableKind::Filter, "INPUT")];
    assert_eq!(input.detail.as_deref(), Some("policy DROP · 3800 rules"));
    assert!(input.lines.is_empty());
    roxmltree::Document::parse(&svg).expect("the SVG is well-formed");
}

/// Every fixture the renderer tests draw: plain, with a packet, with a
/// finding, with user chains, grouped, and with names and text that are
/// syntax in XML, DOT and Mermaid.
fn fixtures() -> Vec<(String, Graph)> {
    let mut graphs = Vec::new();
    let report = incident();
    graphs.push((
        "incident".to_string(),
        draw(&report, &Options::default(), &Marks::default()),
    ));
    let marks = incident_packet_marks(&report, PACKET, &["203.0.113.1"]);
    graphs.push((
        "incident-packet".to_string(),
        draw(&report, &Options::default(), &marks),
    ));
    let finding = report
        .diagnostics
        .first()
        .expect("the incident has findings");
    graphs.push((
        "incident-finding".to_string(),
        draw(
            &report,
            &Options::default(),
            &graph::finding::marks(&report.ruleset, finding),
        ),
    ));
    let chains = check("chains.rules", CHAINS, None);
    graphs.push((
        "chains".to_string(),
        draw(&chains, &Options::default(), &Marks::default()),
    ));
    let docker = check("docker.rules", DOCKER, None);
    graphs.push((
        "docker".to_string(),
        draw(&docker, &Options::default(), &Marks::default()),
    ));
    let awkward = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n\
:end - [0:0]\n:a<b>&c#d;e|f - [0:0]\n\
-A INPUT -m comment --comment \"<script>alert(1)</script> & \\\"quoted\\\" #35; end\" -j end\n\
-A end -m comment --comment \"a|b{c}[d](e) --> x\" -j a<b>&c#d;e|f\nCOMMIT\n";
    let awkward = check("awk\"ward<&>.rules", awkward, None);
    graphs.push((
        "awkward".to_string(),
        draw(
            &awkward,
            &Options::default(),
            &Marks {
                caption: Some("caption with \"quotes\", <tags> & #hash; and `ticks`".into()),
                ..Marks::default()
            },
        ),
    ));
    graphs
}

#[test]
fn svg_is_well_formed_and_legible() {
    for (name, graph) in fixtures() {
        let svg = graph::svg::render(&graph);
        let document = roxmltree::Document::parse(&svg)
            .unwrap_or_else(|error| panic!("{name}: the SVG is not well-formed XML: {error}"));
        let root = document.root_element();
        assert_eq!(root.tag_name().name(), "svg", "{name}");
        let texts: Vec<String> = root
            .descendants()
            .filter(|node| node.has_tag_name("text"))
            .map(|node| node.text().unwrap_or_default().to_string())
            .collect();
        for drawn in &graph.nodes {
            assert!(
                texts.iter().any(|text| text.contains(drawn.title.as_str())),
                "{name}: {} is not written",
                drawn.title
            );
        }
        for stage in ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] {
            assert!(texts.iter().any(|text| text == stage), "{name}: {stage}");
        }
        // Hooks left to right: each hook's box starts right of the last.
        let hook_x: Vec<f64> = ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]
            .iter()
            .map(|hook| {
                root.descendants()
                    .find(|node| node.has_tag_name("text") && node.text() == Some(hook))
                    .and_then(|node| node.attribute("x"))
                    .and_then(|x| x.parse().ok())
                    .expect("the hook's label has a position")
            })
            .collect();
        assert!(
            hook_x.windows(2).all(|pair| pair[0] < pair[1]),
            "{name}: hooks are not left to right: {hook_x:?}"
        );
        let strong = root
            .descendants()
            .filter(|node| {
                node.has_tag_name("path") && node.attribute("stroke") == Some(PATH_COLOUR)
            })
            .count();
        let highlighted = graph.edges.iter().filter(|edge| edge.highlighted).count();
        assert!(
            strong >= highlighted,
            "{name}: {strong} strong paths, {highlighted} highlighted edges"
        );
    }
}

#[test]
fn the_svg_of_the_incident_packet_says_why() {
    let report = incident();
    let marks = incident_packet_marks(&report, PACKET, &["203.0.113.1"]);
    let svg = graph::svg::render(&draw(&report, &Options::default(), &marks));
    let document = roxmltree::Document::parse(&svg).expect("well-formed");
    let texts: Vec<&str> = document
        .descendants()
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| node.text())
        .collect();
    assert!(
        texts
            .iter()
            .any(|text| text.contains("ACCEPT by the policy ACCEPT of filter INPUT")),
        "{texts:?}"
    );
    // The FORWARD protection is written out, but not on the way.
    let drop_rule = document
        .descendants()
        .find(|node| {
            node.has_tag_name("text")
                && node
                    .text()
                    .is_some_and(|text| text.contains("--dport 8080 -j DROP"))
        })
        .expect("the FORWARD DROP rule is written");
    assert_ne!(drop_rule.attribute("class"), Some("marked"));
    let policy = document
        .descendants()
        .find(|node| {
            node.has_tag_name("text")
                && node
                    .text()
                    .is_some_and(|text| text.contains("17  policy ACCEPT"))
        })
        .expect("the INPUT policy line");
    assert_eq!(policy.attribute("class"), Some("marked"));
    assert_eq!(policy.attribute("fill"), Some(PATH_COLOUR));
}

#[test]
fn dot_has_every_node_edge_and_cluster() {
    for (name, graph) in fixtures() {
        let dot = graph::dot::render(&graph);
        assert!(
            dot.starts_with("digraph fwlint {\n") && dot.ends_with("}\n"),
            "{name}"
        );
        for hook in ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"] {
            assert!(
                dot.contains(&format!("subgraph cluster_{hook} {{")),
                "{name}: {hook}"
            );
        }
        for index in 0..graph.nodes.len() {
            assert_eq!(
                dot.lines()
                    .filter(|line| line.trim_start().starts_with(&format!("n{index} [")))
                    .count(),
                1,
                "{name}: node n{index} is not defined once"
            );
        }
        let edge_lines: Vec<&str> = dot
            .lines()
            .filter(|line| line.starts_with("  n") && line.contains(" -> n"))
            .collect();
        assert_eq!(edge_lines.len(), graph.edges.len(), "{name}");
        let highlighted = edge_lines
            .iter()
            .filter(|line| line.contains("penwidth=4"))
            .count();
        assert_eq!(
            highlighted,
            graph.edges.iter().filter(|edge| edge.highlighted).count(),
            "{name}"
        );
        // Every string is closed on its line: quotes outside escapes pair up.
        for line in dot.lines() {
            let mut quotes = 0;
            let mut escaped = false;
            for c in line.chars() {
                match (escaped, c) {
                    (false, '\\') => escaped = true,
                    (false, '"') => quotes += 1,
                    _ => escaped = false,
                }
            }
            assert_eq!(quotes % 2, 0, "{name}: unbalanced quotes in {line}");
        }
    }
    let Ok(status) = Command::new("dot").arg("-V").stderr(Stdio::null()).status() else {
        skip(
            "dot_has_every_node_edge_and_cluster",
            "Graphviz `dot` is not installed: the DOT text was checked, not drawn",
        );
        return;
    };
    assert!(status.success());
    for (name, graph) in fixtures() {
        let output = run_with_input("dot", &["-Tsvg"], graph::dot::render(&graph).as_bytes());
        assert!(
            output.status.success(),
            "{name}: dot failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

#[test]
fn mermaid_text_is_escaped_and_complete() {
    for (name, graph) in fixtures() {
        let text = graph::mermaid::render(&graph);
        assert!(text.contains("flowchart LR\n"), "{name}");
        let edges = text
            .lines()
            .filter(|line| {
                line.contains(" --> ") || line.contains(" ==> ") || line.contains(" -.->|")
            })
            .count();
        assert_eq!(edges, graph.edges.len(), "{name}");
        for line in text
            .lines()
            .filter(|line| line.trim_start().starts_with('n'))
        {
            assert!(!line.contains('`'), "{name}: {line}");
            assert!(!line.contains("<script"), "{name}: {line}");
        }
    }
}

fn run_with_input(program: &str, args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|error| panic!("{program}: {error}"));
    {
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("piped")
            .write_all(input)
            .expect("input written");
    }
    child.wait_with_output().expect("finishes")
}

/// The mermaid version the rendering test installs: the one GitHub's
/// renderer followed when this was written.
const MERMAID_VERSION: &str = "11.12.1";

fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// `mermaid.min.js`, installed with npm under the target directory (never
/// in the repository); `Err` says why it is not there.
fn mermaid_script() -> Result<PathBuf, String> {
    let prefix =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("mermaid-{MERMAID_VERSION}"));
    let script = prefix.join("node_modules/mermaid/dist/mermaid.min.js");
    if script.is_file() {
        return Ok(script);
    }
    if !found("npm") {
        return Err("`npm` is not installed".into());
    }
    std::fs::create_dir_all(&prefix).map_err(|error| error.to_string())?;
    let output = Command::new("npm")
        .args([
            "install",
            "--no-audit",
            "--no-fund",
            "--no-save",
            "--prefix",
        ])
        .arg(&prefix)
        .arg(format!("mermaid@{MERMAID_VERSION}"))
        .output()
        .map_err(|error| error.to_string())?;
    if !output.status.success() || !script.is_file() {
        return Err(format!(
            "`npm install mermaid@{MERMAID_VERSION}` failed: {}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(script)
}

fn chromium(args: &[&str], page: &Path, profile: &Path) -> Output {
    Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--allow-file-access-from-files",
            "--virtual-time-budget=20000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .output()
        .expect("chromium runs")
}

#[test]
fn mermaid_renders_in_headless_chromium() {
    const TEST: &str = "mermaid_renders_in_headless_chromium";
    if !found("chromium") {
        skip(
            TEST,
            "`chromium` is not installed (Debian package `chromium`)",
        );
        return;
    }
    let script = match mermaid_script() {
        Ok(script) => script,
        Err(reason) => {
            skip(TEST, &reason);
            return;
        }
    };
    let charts: Vec<String> = fixtures()
        .iter()
        .map(|(_, graph)| graph::mermaid::render(graph))
        .collect();
    let work = tempfile::tempdir().expect("temp dir");
    let page = work.path().join("page.html");
    let html = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><script src="file://{}"></script></head>
<body><pre id="result">PENDING</pre><div id="charts"></div><script>
const charts = {};
(async () => {{
  const result = document.getElementById('result');
  if (typeof mermaid === 'undefined') {{ result.textContent = 'ERROR mermaid did not load'; return; }}
  mermaid.initialize({{startOnLoad: false, securityLevel: 'strict'}});
  const errors = [];
  for (let i = 0; i < charts.length; i++) {{
    try {{
      await mermaid.parse(charts[i]);
      const {{svg}} = await mermaid.render('chart' + i, charts[i]);
      const holder = document.createElement('div');
      holder.innerHTML = svg;
      document.getElementById('charts').appendChild(holder);
    }} catch (e) {{ errors.push('chart ' + i + ': ' + (e && e.message ? e.message : String(e))); }}
  }}
  result.textContent = errors.length ? 'ERROR ' + errors.join(' | ') : 'RENDERED ' + charts.length;
}})();
</script></body></html>"#,
        script.display(),
        serde_json::to_string(&charts).expect("JSON")
    );
    std::fs::write(&page, html).expect("page written");
    let dom = chromium(&["--dump-dom"], &page, &work.path().join("profile-dom"));
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    let result = dom_text
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or("no result in the page");
    assert_eq!(
        result,
        format!("RENDERED {}", charts.len()),
        "mermaid {MERMAID_VERSION} could not render every chart: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let svgs = dom_text.matches("<svg").count();
    assert!(
        svgs >= charts.len(),
        "{svgs} <svg> for {} charts",
        charts.len()
    );
    let screenshot = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mermaid-charts.png");
    let shot = chromium(
        &[
            "--window-size=1600,6000",
            &format!("--screenshot={}", screenshot.display()),
        ],
        &page,
        &work.path().join("profile-shot"),
    );
    assert!(shot.status.success() && screenshot.is_file());
    eprintln!(
        "mermaid {MERMAID_VERSION} rendered {} charts in headless Chromium; screenshot for review: {}",
        charts.len(),
        screenshot.display()
    );
}

fn fwlint(args: &[&str], envs: &[(&str, &Path)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fwlint"));
    command
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::null());
    for (name, value) in envs {
        command.env(name, value);
    }
    command.output().expect("fwlint runs")
}

#[test]
fn the_graph_command() {
    let svg = fwlint(
        &[
            "graph",
            "examples/nat-firewall-incident.rules",
            "--packet",
            PACKET,
            "--local-address",
            "203.0.113.1",
            "--format",
            "svg",
        ],
        &[],
    );
    assert_eq!(
        svg.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&svg.stderr)
    );
    let text = String::from_utf8(svg.stdout).expect("UTF-8");
    roxmltree::Document::parse(&text).expect("well-formed SVG");
    assert!(text.contains("delivered to a local process"));

    let dot = fwlint(
        &[
            "graph",
            "examples/nat-firewall-incident.rules",
            "--format",
            "dot",
            "--table",
            "nat",
        ],
        &[],
    );
    assert_eq!(dot.status.code(), Some(0));
    let dot = String::from_utf8_lossy(&dot.stdout);
    assert!(dot.contains("nat PREROUTING") && !dot.contains("filter FORWARD"));

    let mermaid = fwlint(
        &[
            "graph",
            "examples/nat-firewall-incident.rules",
            "--finding",
            "1",
        ],
        &[],
    );
    assert_eq!(mermaid.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&mermaid.stdout).contains("class n"));

    for (args, message) in [
        (
            vec![
                "graph",
                "examples/nat-firewall-incident.rules",
                "--finding",
                "99",
            ],
            "--finding 99: examples/nat-firewall-incident.rules has ",
        ),
        (
            vec![
                "graph",
                "examples/nat-firewall-incident.rules",
                "--chain",
                "NOPE",
            ],
            "no chain `NOPE`",
        ),
        (
            vec![
                "graph",
                "examples/nat-firewall-incident.rules",
                "--packet",
                "tcp nowhere",
            ],
            "--packet:",
        ),
        (
            vec!["graph", "examples/no-such-file.rules"],
            "no-such-file.rules",
        ),
    ] {
        let output = fwlint(&args, &[]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn the_github_step_summary_draws_the_most_important_finding() {
    let work = tempfile::tempdir().expect("temp dir");
    let summary = work.path().join("summary.md");
    let output = fwlint(
        &["--format", "github", "examples/nat-firewall-incident.rules"],
        &[("GITHUB_STEP_SUMMARY", &summary)],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = std::fs::read_to_string(&summary).expect("the summary is written");
    let start = text.find("```mermaid\n").expect("a mermaid block");
    let end = text[start + 11..]
        .find("\n```")
        .expect("the block is closed")
        + start
        + 11;
    let chart = &text[start + 11..end];
    assert!(chart.contains("flowchart LR"), "{chart}");
    assert!(
        chart.contains("class n") && chart.contains(" finding"),
        "{chart}"
    );
    assert!(
        text.contains(
            "### Packet flow: FW201 permissive-policy at examples/nat-firewall-incident.rules:17"
        ),
        "{text}"
    );
    assert!(text.contains(
        "`fwlint graph examples/nat-firewall-incident.rules --finding 1 --format svg > flow.svg`"
    ));
}
