//! FW110 `input-rule-for-forwarded-port`: an `INPUT` rule for a port that
//! `DNAT` sends to another host, whose connections therefore never reach
//! `INPUT`.

use super::flow::{DnatView, describe_addresses, describe_ports, dnat_view, line_name};
use super::{FileContext, Lint};
use crate::analysis::eval::Action;
use crate::analysis::nat::{Destination, NatsByPort, across_hooks};
use crate::analysis::packed::Field;
use crate::analysis::space::NarrowIntervals;
use crate::declare_code;
use crate::diagnostics::LintMeta;

declare_code! {
    /// ## What it does
    /// Reports a rule of `INPUT` (or of a chain only `INPUT` calls) that
    /// filters a destination port which a `DNAT` rule of nat `PREROUTING`
    /// sends to another host.
    ///
    /// ## Why is this bad?
    /// The routing decision comes after `DNAT`: a connection rewritten to
    /// another host's address is forwarded, and takes `FORWARD`, never
    /// `INPUT`. A block in `INPUT` does not block it. This is how ports
    /// that Docker publishes stay open on hosts whose firewall (ufw, for
    /// one) filters only `INPUT`.
    ///
    /// ## Example
    /// ```iptables
    /// *nat
    /// -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
    /// COMMIT
    /// *filter
    /// -A INPUT -p tcp --dport 8080 -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *nat
    /// -A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
    /// COMMIT
    /// *filter
    /// -A FORWARD -p tcp -m conntrack --ctorigdstport 8080 -j DROP
    /// COMMIT
    /// ```
    pub static INPUT_RULE_FOR_FORWARDED_PORT = {
        code: "FW110",
        name: "input-rule-for-forwarded-port",
        category: Correctness,
        summary: "an INPUT rule for a port that DNAT sends to another host",
    };
}

pub struct InputRuleForForwardedPort;

impl Lint for InputRuleForForwardedPort {
    fn meta(&self) -> &'static LintMeta {
        &INPUT_RULE_FOR_FORWARDED_PORT
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
            let nats: Vec<_> = nats
                .iter()
                .filter(|nat| nat.destination == Destination::Elsewhere)
                .collect();
            if nats.is_empty() {
                return;
            }
            let nat_ports: Vec<NarrowIntervals> = nats
                .iter()
                .map(|nat| {
                    nat.original
                        .cubes()
                        .iter()
                        .fold(NarrowIntervals::empty(), |ports, original| {
                            ports.union(&original.dport)
                        })
                })
                .collect();
            let by_port = NatsByPort::new(&nat_ports);
            for (chain_index, chain) in evaluator.table.chains.iter().enumerate() {
                // A chain FORWARD calls too filters the forwarded
                // connections there.
                if !input[chain_index] || forward[chain_index] {
                    continue;
                }
                for (rule_index, rule) in chain.rules.iter().enumerate() {
                    if matches!(
                        evaluator.action(chain_index, rule_index).0,
                        Action::Continue | Action::Return
                    ) {
                        continue;
                    }
                    // Most rules name a port no DNAT forwards: they are
                    // passed over before their cube is unpacked.
                    let Some(Some(first_port)) =
                        evaluator.first_restricted(chain_index, rule_index, Field::Dport)
                    else {
                        continue;
                    };
                    let first_port = u32::try_from(first_port).unwrap_or(u32::MAX);
                    let nats_named = by_port.naming(first_port);
                    if nats_named.is_empty() {
                        continue;
                    }
                    let matched = &evaluator.cube(chain_index, rule_index);
                    let cube = across_hooks(matched, universe);
                    // Every port of the rule must be forwarded, its first
                    // one among them.
                    for nat in nats_named.into_iter().map(|index| nats[index]) {
                        if !nat.original.overlaps_cube(&cube) {
                            continue;
                        }
                        // Only a rule whose every port is forwarded is
                        // "for a forwarded port".
                        let forwarded_ports = nat
                            .original
                            .cubes()
                            .iter()
                            .filter(|original| original.overlaps(&cube))
                            .fold(NarrowIntervals::empty(), |ports, original| {
                                ports.union(&original.dport)
                            });
                        if !cube.dport.is_subset(&forwarded_ports) {
                            continue;
                        }
                        let nat_rule = &nat_table.table.chains[nat.chain].rules[nat.rule];
                        let to = nat
                            .to_addresses
                            .as_ref()
                            .map_or_else(String::new, |addresses| {
                                describe_addresses(addresses, family)
                            });
                        let to = match &nat.to_ports {
                            Some(ports) => format!("{to}:{}", describe_ports(ports)),
                            None => to,
                        };
                        let ports = describe_ports(&cube.dport);
                        findings.push((
                            rule.span,
                            format!(
                                "the DNAT at {} sends port {ports} to {to}, another host: those connections take `FORWARD`, never `INPUT`, so this rule does not filter them",
                                line_name(cx.source, nat_rule.span)
                            ),
                            nat_rule.span,
                            ports,
                        ));
                        break;
                    }
                }
            }
        }
        for (span, message, nat_span, ports) in findings {
            cx.report(span, message)
                .label("never sees the forwarded connections")
                .secondary(nat_span, "rewrites the destination before the routing decision")
                .help(format!("filter them in `FORWARD` (with Docker, in `DOCKER-USER`), matching the original port with `-m conntrack --ctorigdstport {ports}`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    const NAT: &str = "*nat\n-A PREROUTING -i eth0 -p tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80\nCOMMIT\n";

    #[test]
    fn blocking_a_forwarded_port_in_input() {
        fails(
            "input-rule-for-forwarded-port",
            &format!("{NAT}*filter\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n"),
        );
    }

    #[test]
    fn other_ports_and_interfaces_are_fine() {
        passes(
            "input-rule-for-forwarded-port",
            &format!("{NAT}*filter\n-A INPUT -p tcp --dport 22 -j DROP\nCOMMIT\n"),
        );
        passes(
            "input-rule-for-forwarded-port",
            &format!("{NAT}*filter\n-A INPUT -i eth1 -p tcp --dport 8080 -j DROP\nCOMMIT\n"),
        );
        // A DNAT to this host's own address keeps the connection local.
        passes(
            "input-rule-for-forwarded-port",
            "*nat\n-A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination 127.0.0.1:80\nCOMMIT\n*filter\n-A INPUT -p tcp --dport 8080 -j DROP\nCOMMIT\n",
        );
    }
}
