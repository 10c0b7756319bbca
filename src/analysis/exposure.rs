//! What the world can open: the new TCP and UDP connections that reach a
//! service, on this host through `INPUT` and, after a `DNAT`, on another
//! host through `FORWARD`; each with its sources and the place that lets
//! it in. What fwlint cannot decide is kept apart as uncertain, never
//! counted as open or closed.
//!
//! The module computes; `fwlint exposure` prints.

use serde::Serialize;

use super::Analysis;
use super::eval::{Decision, Flow, Place};
use super::nat::Destination;
use super::space::{Cube, Intervals, NarrowIntervals, PacketSet, state};
use crate::model::{Hook, TableKind};
use crate::source::Span;

/// One way in.
#[derive(Debug, Clone, Serialize)]
pub struct Opening {
    /// `input`: to this host; `forward`: through a DNAT to another host.
    pub path: &'static str,
    pub protocol: &'static str,
    /// Destination ports, as the packet arrives.
    pub ports: Vec<(u16, u16)>,
    /// Source addresses, as the analysis's integers (see `sources_text`).
    #[serde(skip)]
    pub sources: Intervals,
    /// The sources, readable.
    pub sources_text: String,
    /// The input interfaces, when not every one: `eth1`, or
    /// `not eth0` when all but some.
    pub interfaces: Option<String>,
    /// True when every packet described is accepted whatever the unknown
    /// matches and targets do, and whatever raw's `CT --notrack` rules do
    /// to it (a packet they may or may not take is never sure); false for
    /// what may be accepted.
    pub certain: bool,
    /// Where it is accepted: a rule or a policy of the filter table.
    #[serde(skip)]
    pub place: Place,
    #[serde(skip)]
    pub span: Span,
    /// For `forward`: the DNAT rule and where it sends the connections.
    #[serde(skip)]
    pub nat_span: Option<Span>,
    pub forwarded_to: Option<String>,
}

fn port_ranges(set: &NarrowIntervals) -> Vec<(u16, u16)> {
    set.ranges()
        .iter()
        .map(|&(low, high)| {
            (
                u16::try_from(low).unwrap_or(u16::MAX),
                u16::try_from(high).unwrap_or(u16::MAX),
            )
        })
        .collect()
}

/// What one line of `fwlint exposure` says of a set of packets.
#[derive(PartialEq)]
struct Line {
    ports: NarrowIntervals,
    sources: Intervals,
    /// Input interface atoms.
    interfaces: u128,
}

impl Line {
    /// The two lines as one, when every packet of the one is in one of the
    /// two: when they agree on two of their three fields.
    fn merged(&self, other: &Line) -> Option<Line> {
        let (ports, sources, interfaces) = (
            self.ports == other.ports,
            self.sources == other.sources,
            self.interfaces == other.interfaces,
        );
        match (ports, sources, interfaces) {
            (true, _, true) | (true, true, _) | (_, true, true) => Some(Line {
                ports: self.ports.union(&other.ports),
                sources: self.sources.union(&other.sources),
                interfaces: self.interfaces | other.interfaces,
            }),
            _ => None,
        }
    }
}

/// Past this many cubes the lines of one place are not worked out exactly.
const EXACT_CUBES: usize = 512;

/// The lines that describe the packets of `cubes`, each as "these ports
/// from these sources on these interfaces". Every packet of a line's
/// product is in `cubes` (as far as ports, sources and interfaces go):
/// lines are only merged where they share two of the three, so that
/// "port 22 from A" and "port 80 from B" never become "ports 22 and 80
/// from A and B". `with_ports` false leaves the ports out (all of them).
/// Past [`EXACT_CUBES`] cubes the one line of their hull comes back, marked
/// not exact (false).
fn opening_lines(cubes: &[Cube], with_ports: bool) -> Vec<(Line, bool)> {
    let line_of = |cube: &Cube| Line {
        ports: if with_ports {
            cube.dport.clone()
        } else {
            NarrowIntervals::from_normalized([(0, u32::from(u16::MAX))])
        },
        sources: cube.src.clone(),
        interfaces: cube.iif,
    };
    if cubes.len() > EXACT_CUBES {
        let hull = cubes.iter().map(line_of).reduce(|hull, line| Line {
            ports: hull.ports.union(&line.ports),
            sources: hull.sources.union(&line.sources),
            interfaces: hull.interfaces | line.interfaces,
        });
        return hull.into_iter().map(|hull| (hull, false)).collect();
    }
    let mut lines: Vec<Line> = Vec::new();
    for cube in cubes {
        let line = line_of(cube);
        if !lines.contains(&line) {
            lines.push(line);
        }
    }
    // Merge two lines that agree on two of the three until none do.
    while let Some((first, second, merged)) = (0..lines.len())
        .flat_map(|first| (first + 1..lines.len()).map(move |second| (first, second)))
        .find_map(|(first, second)| {
            lines[first]
                .merged(&lines[second])
                .map(|merged| (first, second, merged))
        })
    {
        lines.swap_remove(second);
        lines[first] = merged;
    }
    lines.into_iter().map(|line| (line, true)).collect()
}

fn protocol_name(protocol: u8) -> &'static str {
    if protocol == 6 { "tcp" } else { "udp" }
}

impl Analysis<'_> {
    /// Every opening of the ruleset for new TCP and UDP connections from
    /// outside (not on `lo`), or `None` when the analysis ran out of
    /// budget and cannot say.
    #[must_use]
    pub fn exposure(
        &self,
        describe_sources: &dyn Fn(&Intervals) -> String,
    ) -> Option<Vec<Opening>> {
        let filter = self.table(TableKind::Filter)?;
        let evaluator = &filter.evaluator;
        if evaluator.recording.exhausted {
            return None;
        }
        let chains = &evaluator.table.chains;
        let hook_chain = |hook: Hook| chains.iter().position(|chain| chain.hook == Some(hook));
        let loopback = self.atoms.pattern("lo").0;
        let all_interfaces = self.atoms.all() & !super::interfaces::EMPTY;
        let mut openings = Vec::new();
        let mut collect = |decided: Vec<super::eval::Decided>,
                           path: &'static str,
                           protocol: u8,
                           nat: Option<(Span, String, NarrowIntervals)>| {
            for decided in decided {
                if decided.decision != Decision::Accept {
                    continue;
                }
                let uncertain = decided.flow.may.subtract(&decided.flow.sure);
                let lines = [(decided.flow.sure, true), (uncertain, false)]
                    .into_iter()
                    .flat_map(|(set, certain)| {
                        // Forwarded connections are listed by the port they
                        // arrive on, before the DNAT, whatever port they go
                        // on to.
                        opening_lines(set.cubes(), nat.is_none())
                            .into_iter()
                            .map(move |(line, exact)| (line, certain && exact))
                    });
                for (line, certain) in lines {
                    let Line {
                        ports,
                        sources,
                        interfaces,
                    } = line;
                    let arriving = all_interfaces & !loopback;
                    let interfaces = if interfaces & arriving == arriving {
                        None
                    } else if (arriving & !interfaces).count_ones() < interfaces.count_ones() {
                        Some(format!(
                            "not {}",
                            self.atoms.describe(arriving & !interfaces).join(", ")
                        ))
                    } else {
                        Some(self.atoms.describe(interfaces).join(", "))
                    };
                    let ports = nat
                        .as_ref()
                        .map_or(ports, |(_, _, arriving)| arriving.clone());
                    openings.push(Opening {
                        path,
                        protocol: protocol_name(protocol),
                        ports: port_ranges(&ports),
                        sources_text: describe_sources(&sources),
                        interfaces,
                        sources,
                        certain,
                        place: decided.place,
                        span: evaluator.span_of(decided.place),
                        nat_span: nat.as_ref().map(|(span, _, _)| *span),
                        forwarded_to: nat.as_ref().map(|(_, to, _)| to.clone()),
                    });
                }
            }
        };
        if let Some(input) = hook_chain(Hook::Input) {
            for protocol in [6u8, 17] {
                let mut cube = self.hook_universe(Hook::Input);
                cube.proto = Intervals::point(u32::from(protocol));
                cube.state = state::NEW;
                cube.iif &= !loopback;
                // Raw's notrack rules hand some packets on as UNTRACKED;
                // those that they may or may not take are asked about in
                // both states, and nothing about them is sure.
                let (packets, undecided) = self
                    .after_raw(Hook::Input, &PacketSet::from_cube(cube))
                    .maybe_seen();
                let mut decided = evaluator.query_builtin(input, Flow::exact(packets))?;
                for decided in &mut decided {
                    decided.flow.sure = decided.flow.sure.subtract(&undecided);
                }
                collect(decided, "input", protocol, None);
            }
        }
        if let (Some(forward), Some(nat_table)) =
            (hook_chain(Hook::Forward), self.table(TableKind::Nat))
        {
            for nat in self.destination_nats() {
                if nat.destination != Destination::Elsewhere {
                    continue;
                }
                let nat_span = nat_table.evaluator.table.chains[nat.chain].rules[nat.rule].span;
                for protocol in [6u8, 17] {
                    let mut translated = PacketSet::empty();
                    for cube in nat.translated().cubes() {
                        let mut cube = cube.clone();
                        cube.proto = cube.proto.intersect(&Intervals::point(u32::from(protocol)));
                        cube.state = state::NEW;
                        let mut forward_view = self.hook_universe(Hook::Forward);
                        forward_view.state = state::NEW;
                        if let Some(cube) = cube.intersect(&forward_view) {
                            translated.extend(PacketSet::from_cube(cube));
                        }
                    }
                    if translated.is_empty() {
                        continue;
                    }
                    let to = nat
                        .to_addresses
                        .as_ref()
                        .map_or_else(String::new, describe_sources);
                    let to = match &nat.to_ports {
                        Some(ports) => format!(
                            "{to}:{}",
                            port_ranges(ports)
                                .iter()
                                .map(|(low, high)| if low == high {
                                    low.to_string()
                                } else {
                                    format!("{low}-{high}")
                                })
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                        None => to,
                    };
                    let arriving = nat
                        .original
                        .cubes()
                        .iter()
                        .filter(|cube| cube.proto.contains(u32::from(protocol)))
                        .fold(NarrowIntervals::empty(), |ports, cube| {
                            ports.union(&cube.dport)
                        });
                    let decided = evaluator.query_builtin(forward, Flow::exact(translated))?;
                    collect(decided, "forward", protocol, Some((nat_span, to, arriving)));
                }
            }
        }
        Some(openings)
    }
}
