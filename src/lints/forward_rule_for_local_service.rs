//! FW108 `forward-rule-for-local-service`: the mistake fwlint was built
//! from. A `FORWARD` rule that blocks a port of this host's own services,
//! on a host that also routes, while `INPUT`, the chain those packets
//! really take, lets them in.

use super::flow::{describe_ports, name_place, surely_accepted_in_input};
use super::{FileContext, Lint};
use crate::analysis::eval::{Action, Decision, Place};
use crate::analysis::interfaces::EMPTY;
use crate::analysis::matcher::address_value;
use crate::analysis::nat::DestinationNat;
use crate::analysis::nat::network_intervals;
use crate::analysis::space::{Cube, Intervals, NarrowIntervals, PacketSet, state};
use crate::analysis::{Analysis, Service};
use crate::declare_code;
use crate::diagnostics::{LintMeta, Severity};
use crate::model::{Family, Hook, TableKind, TargetKind};
use crate::source::Span;

declare_code! {
    /// ## What it does
    /// Reports a rule of `FORWARD` that drops or rejects connections to a
    /// port of a service running on this host, on a host that forwards
    /// (it does NAT, or accepts forwarded traffic), while `INPUT` lets
    /// those connections in. The diagnostic points at the `INPUT` policy
    /// or rule that accepts them.
    ///
    /// With a host profile (`[host] services` in fwlint.toml, or
    /// `--listening`), it uses the services listed there. Without one, it
    /// looks for the pattern of the incident it was built from: a
    /// `FORWARD` block of a TCP or UDP port that no `DNAT` forwards, that
    /// is clearly about traffic coming in (it follows an allow-list of
    /// outside sources for the same port, names the outside interface, or
    /// this host's address), and that `INPUT` accepts.
    ///
    /// ## Why is this bad?
    /// Packets addressed to the host itself take `PREROUTING`, then the
    /// routing decision sends them to `INPUT`; only packets routed to
    /// other hosts take `FORWARD`. Protection written in `FORWARD` never
    /// sees the connections to the host's own services: they stay open to
    /// everyone `INPUT` accepts. This is how a monitoring application on a
    /// NAT firewall stayed open to the world and was exploited.
    ///
    /// ## Example
    /// ```iptables
    /// *nat
    /// -A POSTROUTING -s 10.20.0.0/24 -o eth0 -j MASQUERADE
    /// COMMIT
    /// *filter
    /// :INPUT ACCEPT [0:0]
    /// :FORWARD DROP [0:0]
    /// -A FORWARD -s 198.51.100.0/24 -p tcp --dport 8080 -j ACCEPT
    /// -A FORWARD -p tcp --dport 8080 -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *nat
    /// -A POSTROUTING -s 10.20.0.0/24 -o eth0 -j MASQUERADE
    /// COMMIT
    /// *filter
    /// :INPUT ACCEPT [0:0]
    /// :FORWARD DROP [0:0]
    /// -A INPUT -s 198.51.100.0/24 -p tcp --dport 8080 -j ACCEPT
    /// -A INPUT -p tcp --dport 8080 -j DROP
    /// COMMIT
    /// ```
    pub static FORWARD_RULE_FOR_LOCAL_SERVICE = {
        code: "FW108",
        name: "forward-rule-for-local-service",
        category: Correctness,
        summary: "a FORWARD rule that tries to protect a service of this host",
    };
}

pub struct ForwardRuleForLocalService;

/// Networks that are not reachable from the internet: a source list made
/// only of other networks names outside parties (an office, a partner).
fn private_networks(family: Family) -> Vec<(u128, u128)> {
    let v4 = |text: &str, bits: u32| {
        let base = address_value(text.parse().expect("literal address"));
        (base, base | ((1u128 << (32 - bits)) - 1))
    };
    let v6 = |text: &str, bits: u32| {
        let base = address_value(text.parse().expect("literal address"));
        (base, base | ((1u128 << (128 - bits)) - 1))
    };
    match family {
        Family::V4 => vec![
            v4("10.0.0.0", 8),
            v4("172.16.0.0", 12),
            v4("192.168.0.0", 16),
            v4("127.0.0.0", 8),
            v4("169.254.0.0", 16),
            v4("100.64.0.0", 10),
        ],
        Family::V6 => vec![v6("fc00::", 7), v6("fe80::", 10), v6("::1", 128)],
    }
}

/// The interfaces the host masquerades or source-NATs out of: its outside.
fn outside_interfaces(analysis: &Analysis<'_>) -> u128 {
    let Some(nat) = analysis.ruleset.table(TableKind::Nat) else {
        return 0;
    };
    let mut bits = 0;
    for rule in nat.chains.iter().flat_map(|chain| &chain.rules) {
        let TargetKind::Extension(target) = &rule.target.kind else {
            continue;
        };
        if !matches!(target.name.as_ref(), "MASQUERADE" | "SNAT") {
            continue;
        }
        if let Some(out) = rule.out_interface().filter(|out| !out.negated) {
            bits |= analysis.atoms.pattern(&out.value.name).0;
        }
    }
    bits & !EMPTY
}

/// What a candidate rule blocks.
struct Block {
    chain: usize,
    rule: usize,
    span: Span,
    cube: Cube,
    protocol: u8,
}

/// Whether any DNAT or REDIRECT rewrites connections of `protocol` to or
/// from the ports of `ports`: then a FORWARD rule for them may be right.
/// A rewrite fwlint cannot follow could forward anything.
fn forwarded_by_nat(
    analysis: &Analysis<'_>,
    nats: &[DestinationNat],
    protocol: u8,
    ports: &NarrowIntervals,
) -> bool {
    let protocol = Intervals::point(u32::from(protocol));
    let followed = nats.iter().any(|nat| {
        nat.original
            .cubes()
            .iter()
            .chain(nat.translated().cubes())
            .any(|cube| cube.proto.overlaps(&protocol) && cube.dport.overlaps(ports))
    });
    let rewrites = analysis.ruleset.table(TableKind::Nat).map_or(0, |nat| {
        nat.chains
            .iter()
            .flat_map(|chain| &chain.rules)
            .filter(|rule| {
                matches!(&rule.target.kind, TargetKind::Extension(target)
                    if matches!(target.name.as_ref(), "DNAT" | "REDIRECT" | "NETMAP"))
            })
            .count()
    });
    followed || rewrites > nats.len()
}

impl Lint for ForwardRuleForLocalService {
    fn meta(&self) -> &'static LintMeta {
        &FORWARD_RULE_FOR_LOCAL_SERVICE
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_file(&self, cx: &mut FileContext<'_>) {
        if cx.facts.incomplete(TableKind::Filter) || cx.facts.incomplete(TableKind::Nat) {
            return;
        }
        let mut findings = Vec::new();
        {
            let analysis = cx.analysis();
            let Some(filter) = analysis.table(TableKind::Filter) else {
                return;
            };
            let evaluator = &filter.evaluator;
            let chains = &evaluator.table.chains;
            let (Some(forward), Some(_)) = (
                chains.iter().position(|c| c.hook == Some(Hook::Forward)),
                chains.iter().position(|c| c.hook == Some(Hook::Input)),
            ) else {
                return;
            };
            // A router without NAT filters the servers behind it in
            // FORWARD, as it should: only a NAT host, or one whose
            // services the user listed, is judged.
            if !analysis.host.does_nat && !analysis.host.services_given {
                return;
            }
            let family = analysis.family;
            // Rule cubes are built in the packet space of the whole family.
            let universe = analysis.universe();
            let private = Intervals::from_ranges(private_networks(family));
            let inside = network_intervals(&analysis.host.inside, family);
            let host_addresses = network_intervals(&analysis.host.addresses, family);
            let outside = outside_interfaces(analysis);
            let loopback = analysis.atoms.pattern("lo").0;
            let nats = analysis.destination_nats();
            let profile: &[Service] = if analysis.host.services_given {
                &analysis.host.services
            } else {
                &[]
            };

            for (index, rule) in chains[forward].rules.iter().enumerate() {
                if !matches!(
                    evaluator.action(forward, index).0,
                    Action::Decide(Decision::Drop | Decision::Reject)
                ) || !evaluator.reached(forward, index)
                {
                    continue;
                }
                let rule_match = evaluator.rule_match(forward, index);
                if !rule_match.certain {
                    continue;
                }
                let cube = &rule_match.cube;
                let Some((low, high)) = cube.proto.bounds() else {
                    continue;
                };
                let protocol = low as u8;
                if low != high
                    || !matches!(protocol, 6 | 17)
                    || cube.dport == universe.dport
                    || cube.oif != universe.oif
                    || (cube.src != universe.src
                        && !inside.is_empty()
                        && cube.src.is_subset(&inside))
                {
                    continue;
                }
                if cube.dst != universe.dst
                    && (host_addresses.is_empty() || !cube.dst.is_subset(&host_addresses))
                {
                    continue;
                }
                let block = Block {
                    chain: forward,
                    rule: index,
                    span: rule.span,
                    cube: cube.clone(),
                    protocol,
                };
                let services: Vec<&Service> = profile
                    .iter()
                    .filter(|service| {
                        service.protocol == protocol
                            && block.cube.dport.contains(u32::from(service.port))
                    })
                    .collect();
                if analysis.host.services_given && services.is_empty() {
                    continue;
                }
                if forwarded_by_nat(analysis, nats, protocol, &block.cube.dport) {
                    continue;
                }
                if services.is_empty() {
                    let names_outside = block.cube.iif != universe.iif
                        && outside != 0
                        && block.cube.iif & !outside == 0;
                    let names_host = block.cube.dst != universe.dst;
                    let after_allow_list = (0..index).any(|earlier| {
                        if !matches!(
                            evaluator.action(forward, earlier).0,
                            Action::Decide(Decision::Accept)
                        ) {
                            return false;
                        }
                        let earlier_cube = evaluator.cube(forward, earlier);
                        earlier_cube.proto == block.cube.proto
                            && earlier_cube.dport.overlaps(&block.cube.dport)
                            && earlier_cube.src != universe.src
                            && !earlier_cube.src.overlaps(&private)
                            && !earlier_cube.src.overlaps(&inside)
                    });
                    if !(names_outside || names_host || after_allow_list) {
                        continue;
                    }
                }
                // The connections this rule meant to stop, sent to the host.
                let mut local = analysis.hook_universe(Hook::Input);
                local.proto = block.cube.proto.clone();
                local.dport = match services.as_slice() {
                    [] => block.cube.dport.clone(),
                    listed => Intervals::from_ranges(
                        listed
                            .iter()
                            .map(|service| (u32::from(service.port), u32::from(service.port)))
                            .collect(),
                    ),
                };
                local.src = local.src.intersect(&block.cube.src);
                local.sport = local.sport.intersect(&block.cube.sport);
                local.iif &= block.cube.iif & !loopback;
                local.state = state::NEW;
                if !host_addresses.is_empty() {
                    local.dst = local.dst.intersect(&host_addresses);
                }
                if local.is_empty() {
                    continue;
                }
                let Some(&(place, _)) =
                    surely_accepted_in_input(analysis, PacketSet::from_cube(local.clone()))
                        .as_deref()
                        .and_then(<[_]>::first)
                else {
                    continue;
                };
                let accept_name = name_place(evaluator, cx.source, place, forward);
                let accept_label = match place {
                    Place::Policy { .. } => {
                        "`INPUT` lets these connections in: its policy is `ACCEPT`".to_string()
                    }
                    Place::Rule { .. } => "`INPUT` accepts these connections here".to_string(),
                };
                let what = format!(
                    "{} port {}",
                    if block.protocol == 6 { "tcp" } else { "udp" },
                    describe_ports(&local.dport)
                );
                let message = if services.is_empty() {
                    format!(
                        "this rule in `FORWARD` blocks {what}, which no DNAT forwards to another host: if a service of this host listens there, its connections take `INPUT`, never `FORWARD`, where {accept_name} lets them in"
                    )
                } else {
                    let listed: Vec<String> = services.iter().map(ToString::to_string).collect();
                    format!(
                        "this rule in `FORWARD` blocks {what}, a service of this host ({}): its connections take `INPUT`, never `FORWARD`, where {accept_name} lets them in",
                        listed.join(", ")
                    )
                };
                findings.push((
                    block.span,
                    message,
                    evaluator.span_of(place),
                    accept_label,
                    !services.is_empty(),
                    block.chain,
                    block.rule,
                ));
            }
        }
        for (span, message, accept_span, accept_label, certain, _, _) in findings {
            let diagnostic = cx.report(span, message);
            diagnostic
                .label("protects nothing on this host")
                .secondary(accept_span, accept_label)
                .help("filter the host's own services in `INPUT` (`-A INPUT ... -j DROP`, with the allowed sources accepted before it); keep `FORWARD` for traffic routed through the host");
            if !certain {
                // Without a host profile, fwlint does not know that a
                // service listens on the port.
                diagnostic.severity = Severity::Warning;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    const NAT: &str = "*nat\n-A POSTROUTING -s 10.20.0.0/24 -o eth0 -j MASQUERADE\nCOMMIT\n";

    #[test]
    fn the_incident() {
        fails(
            "forward-rule-for-local-service",
            &format!(
                "{NAT}*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -s 198.51.100.0/24 -p tcp --dport 8080 -j ACCEPT\n-A FORWARD -p tcp --dport 8080 -j DROP\nCOMMIT\n"
            ),
        );
        fails(
            "forward-rule-for-local-service",
            &format!(
                "{NAT}*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -i eth0 -p tcp --dport 22 -j DROP\nCOMMIT\n"
            ),
        );
    }

    #[test]
    fn forwarding_rules_and_protected_input_are_fine() {
        // INPUT drops it too.
        passes(
            "forward-rule-for-local-service",
            &format!(
                "{NAT}*filter\n:INPUT DROP [0:0]\n-A FORWARD -s 198.51.100.0/24 -p tcp --dport 8080 -j ACCEPT\n-A FORWARD -p tcp --dport 8080 -j DROP\nCOMMIT\n"
            ),
        );
        // Outbound: the LAN may not send mail.
        passes(
            "forward-rule-for-local-service",
            &format!(
                "{NAT}*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -p tcp --dport 25 -j REJECT --reject-with tcp-reset\nCOMMIT\n"
            ),
        );
        passes(
            "forward-rule-for-local-service",
            &format!(
                "{NAT}*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -s 10.20.0.0/24 -p tcp --dport 25 -j DROP\nCOMMIT\n"
            ),
        );
        // A DNAT forwards the port: FORWARD is the right place.
        passes(
            "forward-rule-for-local-service",
            "*nat\n-A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 10.20.0.5\n-A POSTROUTING -o eth0 -j MASQUERADE\nCOMMIT\n*filter\n:INPUT ACCEPT [0:0]\n-A FORWARD -i eth0 -p tcp --dport 8080 -j DROP\nCOMMIT\n",
        );
        // Not a routing host.
        passes(
            "forward-rule-for-local-service",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\n-A FORWARD -s 198.51.100.0/24 -p tcp --dport 8080 -j ACCEPT\n-A FORWARD -p tcp --dport 8080 -j DROP\nCOMMIT\n",
        );
    }
}
