//! FW109 `forward-matches-pre-nat-address`: a filter rule that matches the
//! destination a connection had before `DNAT` or `REDIRECT`, in a chain
//! that sees it only after the rewrite.

use super::flow::{DnatView, describe_addresses, describe_ports, dnat_view, line_name};
use super::{FileContext, Lint};
use crate::analysis::eval::Action;
use crate::analysis::nat::{Destination, DestinationNat, NatsByPort, across_hooks};
use crate::analysis::packed::Field;
use crate::analysis::space::{Cube, Intervals, NarrowIntervals, PacketSet};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Rule, TargetKind};

declare_code! {
    /// ## What it does
    /// Reports a rule of `FORWARD` (or of `INPUT`) that matches the
    /// original destination address or port of connections that a `DNAT`
    /// (or `REDIRECT`) rule of nat `PREROUTING` rewrites, and does not
    /// match the rewritten one.
    ///
    /// ## Why is this bad?
    /// nat `PREROUTING` runs before the routing decision, and the filter
    /// table sees the packet after it: `FORWARD` sees the translated
    /// address and port, and so does `INPUT` after a `REDIRECT`. A rule
    /// written for the public address never matches these connections:
    /// an accept that never accepts, or a block that never blocks.
    ///
    /// ## Example
    /// ```iptables
    /// *nat
    /// -A PREROUTING -d 203.0.113.1 -p tcp --dport 443 -j DNAT --to-destination 192.168.10.20
    /// COMMIT
    /// *filter
    /// :FORWARD DROP [0:0]
    /// -A FORWARD -d 203.0.113.1 -p tcp --dport 443 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *nat
    /// -A PREROUTING -d 203.0.113.1 -p tcp --dport 443 -j DNAT --to-destination 192.168.10.20
    /// COMMIT
    /// *filter
    /// :FORWARD DROP [0:0]
    /// -A FORWARD -d 192.168.10.20 -p tcp --dport 443 -j ACCEPT
    /// COMMIT
    /// ```
    /// or match the original destination with
    /// `-m conntrack --ctorigdst 203.0.113.1 --ctorigdstport 443`.
    pub static FORWARD_MATCHES_PRE_NAT_ADDRESS = {
        code: "FW109",
        name: "forward-matches-pre-nat-address",
        category: Correctness,
        summary: "a filter rule that matches the destination a connection had before DNAT",
    };
}

pub struct ForwardMatchesPreNatAddress;

/// True when the rule already matches the original destination through
/// conntrack, as the help suggests.
fn matches_original_destination(rule: &Rule) -> bool {
    rule.matches.iter().any(|m| {
        m.name == "conntrack"
            && (m.option("ctorigdst").is_some() || m.option("ctorigdstport").is_some())
    })
}

/// What a DNAT rule names of the destination, computed once per rule of
/// nat rather than once per filter rule.
struct NamedDestination<'n> {
    nat: &'n DestinationNat,
    /// The destination addresses and ports it rewrites.
    addresses: Intervals,
    ports: NarrowIntervals,
    names_address: bool,
    names_port: bool,
    translated: PacketSet,
}

impl<'n> NamedDestination<'n> {
    fn new(nat: &'n DestinationNat, universe: &Cube) -> NamedDestination<'n> {
        let (addresses, ports) = nat.original.cubes().iter().fold(
            (Intervals::empty(), NarrowIntervals::empty()),
            |(addresses, ports), original| {
                (addresses.union(&original.dst), ports.union(&original.dport))
            },
        );
        NamedDestination {
            names_address: addresses != universe.dst,
            names_port: ports != universe.dport,
            addresses,
            ports,
            translated: nat.translated(),
            nat,
        }
    }

    /// Whether the rule's destination is the one the DNAT rule names:
    /// each of the rule's address and port conditions lies within what
    /// the DNAT matches there, and the DNAT does name it. A rule for a
    /// whole network is not about a DNAT that rewrites a port of every
    /// address.
    fn named_by(&self, cube: &Cube, universe: &Cube) -> bool {
        let rule_address = cube.dst != universe.dst;
        let rule_port = cube.dport != universe.dport;
        (rule_address || rule_port)
            && (!rule_address || (self.names_address && cube.dst.is_subset(&self.addresses)))
            && (!rule_port || (self.names_port && cube.dport.is_subset(&self.ports)))
    }
}

/// How the rewritten destination reads: `192.168.10.20 port 443`.
fn rewritten(nat: &DestinationNat, family: crate::model::Family) -> String {
    match (&nat.to_addresses, &nat.to_ports) {
        (Some(addresses), Some(ports)) => format!(
            "{} port {}",
            describe_addresses(addresses, family),
            describe_ports(ports)
        ),
        (Some(addresses), None) => describe_addresses(addresses, family),
        (None, Some(ports)) => format!("port {} of this host", describe_ports(ports)),
        (None, None) => "this host".to_string(),
    }
}

impl Lint for ForwardMatchesPreNatAddress {
    fn meta(&self) -> &'static LintMeta {
        &FORWARD_MATCHES_PRE_NAT_ADDRESS
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_file(&self, cx: &mut FileContext<'_>) {
        let mut findings = Vec::new();
        {
            let Some(view) = dnat_view(cx.analysis(), cx.facts) else {
                return;
            };
            let DnatView {
                nats,
                filter: evaluator,
                nat: nat_table,
                universe,
                forward,
                input,
            } = &view;
            let family = cx.ruleset.family;
            let named: Vec<NamedDestination<'_>> = nats
                .iter()
                .map(|nat| NamedDestination::new(nat, universe))
                .collect();
            let by_port = NatsByPort::new(named.iter().map(|destination| &destination.ports));
            let every_nat: Vec<usize> = (0..named.len()).collect();
            let any_elsewhere = nats
                .iter()
                .any(|nat| nat.destination == Destination::Elsewhere);
            let any_here = nats
                .iter()
                .any(|nat| nat.destination == Destination::ThisHost);
            for (chain_index, chain) in evaluator.table.chains.iter().enumerate() {
                // Most chains of a large ruleset are seen by neither hook
                // a rewritten connection takes.
                if !(any_elsewhere && forward[chain_index] || any_here && input[chain_index]) {
                    continue;
                }
                for (rule_index, rule) in chain.rules.iter().enumerate() {
                    if matches!(
                        evaluator.action(chain_index, rule_index).0,
                        Action::Continue | Action::Return
                    ) {
                        continue;
                    }
                    // A rule about a port concerns only the rules that
                    // name its first port, found before its cube is
                    // unpacked: most rules name a port no DNAT rewrites.
                    let candidates =
                        match evaluator.first_restricted(chain_index, rule_index, Field::Dport) {
                            Some(Some(first)) => {
                                by_port.naming(u32::try_from(first).unwrap_or(u32::MAX))
                            }
                            // No port at all: nothing to meet.
                            Some(None) => continue,
                            None => every_nat.clone(),
                        };
                    if candidates.is_empty() {
                        continue;
                    }
                    let matched = &evaluator.cube(chain_index, rule_index);
                    if matched.dst == universe.dst && matched.dport == universe.dport {
                        continue;
                    }
                    // Read last: the rule's own matches are far in memory
                    // from what the analysis keeps, and most rules are
                    // passed over above.
                    if matches_original_destination(rule) {
                        continue;
                    }
                    let cube = across_hooks(matched, universe);
                    for destination in candidates.iter().map(|&index| &named[index]) {
                        let nat = destination.nat;
                        let (seen_in, hook_name) = match nat.destination {
                            Destination::Elsewhere => (forward, "FORWARD"),
                            Destination::ThisHost => (input, "INPUT"),
                        };
                        if !seen_in[chain_index]
                            || !destination.named_by(&cube, universe)
                            || !nat.original.overlaps_cube(&cube)
                            || destination.translated.overlaps_cube(&cube)
                        {
                            continue;
                        }
                        let nat_rule = &nat_table.table.chains[nat.chain].rules[nat.rule];
                        let nat_line = line_name(cx.source, nat_rule.span);
                        let kind = match &nat_rule.target.kind {
                            TargetKind::Extension(target) => &*target.name,
                            _ => "DNAT",
                        };
                        findings.push((
                            rule.span,
                            format!(
                                "this rule matches the destination that connections have before the {kind} at {nat_line}: `{hook_name}` sees them after it, addressed to {}, so this rule never matches them",
                                rewritten(nat, family)
                            ),
                            nat_rule.span,
                            format!("rewrites the destination to {} before `{hook_name}`", rewritten(nat, family)),
                        ));
                        break;
                    }
                }
            }
        }
        for (span, message, nat_span, nat_label) in findings {
            cx.report(span, message)
                .label("matches the address before the rewrite")
                .secondary(nat_span, nat_label)
                .help("match the rewritten destination, or the original one with `-m conntrack --ctorigdst ADDRESS --ctorigdstport PORT`");
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    const NAT: &str = "*nat\n-A PREROUTING -d 203.0.113.1 -i eth0 -p tcp --dport 443 -j DNAT --to-destination 192.168.10.20:8443\nCOMMIT\n";

    #[test]
    fn original_address_in_forward() {
        fails(
            "forward-matches-pre-nat-address",
            &format!(
                "{NAT}*filter\n-A FORWARD -d 203.0.113.1 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n"
            ),
        );
        // The original port alone.
        fails(
            "forward-matches-pre-nat-address",
            &format!("{NAT}*filter\n-A FORWARD -i eth0 -p tcp --dport 443 -j DROP\nCOMMIT\n"),
        );
    }

    #[test]
    fn translated_or_conntrack_matches_are_right() {
        passes(
            "forward-matches-pre-nat-address",
            &format!(
                "{NAT}*filter\n-A FORWARD -d 192.168.10.20 -p tcp --dport 8443 -j ACCEPT\nCOMMIT\n"
            ),
        );
        passes(
            "forward-matches-pre-nat-address",
            &format!(
                "{NAT}*filter\n-A FORWARD -d 203.0.113.1 -p tcp -m conntrack --ctorigdst 203.0.113.1 --ctorigdstport 443 -j ACCEPT\nCOMMIT\n"
            ),
        );
        // Other traffic: another interface than the DNAT's.
        passes(
            "forward-matches-pre-nat-address",
            &format!(
                "{NAT}*filter\n-A FORWARD -i eth1 -d 203.0.113.1 -p tcp --dport 443 -j ACCEPT\nCOMMIT\n"
            ),
        );
    }

    #[test]
    fn redirect_then_input() {
        fails(
            "forward-matches-pre-nat-address",
            "*nat\n-A PREROUTING -i eth1 -p tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n*filter\n-A INPUT -i eth1 -p tcp --dport 80 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "forward-matches-pre-nat-address",
            "*nat\n-A PREROUTING -i eth1 -p tcp --dport 80 -j REDIRECT --to-ports 3128\nCOMMIT\n*filter\n-A INPUT -i eth1 -p tcp --dport 3128 -j ACCEPT\nCOMMIT\n",
        );
    }
}
