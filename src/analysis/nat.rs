//! Destination NAT as the filter table meets it: which packets the
//! `DNAT` and `REDIRECT` rules of nat `PREROUTING` rewrite, what they
//! become, and whether the routing decision then sends them to this host
//! (`INPUT`) or to another one (`FORWARD`).
//!
//! This module reads the analysis of the nat table; it does not judge the
//! filter rules (the lints do) and it knows nothing of how findings read.

use std::net::IpAddr;

use super::eval::{Decided, Flow, Place, Rewrite};
use super::matcher::{address_bits, address_value};
use super::space::{Cube, Intervals, NarrowIntervals, PacketSet, misc, state};
use super::{Analysis, Host};
use crate::model::{AddrMask, Family, Hook, NatRange, TableKind};

/// Where the routing decision sends a rewritten packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Destination {
    /// To this host: `REDIRECT`, or `DNAT` to an address of the host.
    ThisHost,
    /// To another host, through `FORWARD`.
    Elsewhere,
}

/// One `DNAT` or `REDIRECT` rule reached from nat `PREROUTING`.
#[derive(Debug, Clone)]
pub struct DestinationNat {
    /// The rule, as a chain and rule index of the nat table.
    pub chain: usize,
    pub rule: usize,
    /// The packets it surely rewrites, as they arrive (before the rewrite),
    /// with the fields that only later hooks know (output interface, state)
    /// left open. Packets that raw may take out of connection tracking are
    /// not among them: nat never sees those.
    pub original: PacketSet,
    /// The destination addresses after the rewrite; `None` when the rule
    /// does not say (`REDIRECT` picks an address of the incoming
    /// interface).
    pub to_addresses: Option<Intervals>,
    /// The destination ports after the rewrite; `None` when unchanged.
    pub to_ports: Option<NarrowIntervals>,
    pub destination: Destination,
}

impl DestinationNat {
    /// The packets after the rewrite, as `INPUT` or `FORWARD` see them.
    #[must_use]
    pub fn translated(&self) -> PacketSet {
        let mut set = PacketSet::empty();
        for cube in self.original.cubes() {
            let mut cube = cube.clone();
            if let Some(addresses) = &self.to_addresses {
                cube.dst = addresses.clone();
            }
            if let Some(ports) = &self.to_ports {
                cube.dport = ports.clone();
            }
            set.extend(PacketSet::from_cube(cube));
        }
        set
    }
}

/// `cube` with the fields that differ between `PREROUTING` and the filter
/// hooks opened to every value: the output interface (none yet in
/// `PREROUTING`), the connection state and NAT status (nat sees the first
/// packet only), and the locality of the destination (decided by routing,
/// after the rewrite).
#[must_use]
pub fn across_hooks(cube: &Cube, universe: &Cube) -> Cube {
    let mut open = cube.clone();
    open.oif = universe.oif;
    open.state = state::ALL;
    open.nat = universe.nat;
    open.misc = (cube.misc & misc::FRAGMENTS) | misc::LOCALITY;
    open
}

/// The addresses of `net` as an inclusive range; `None` for a
/// non-contiguous mask.
#[must_use]
pub fn net_range(net: &AddrMask, family: Family) -> Option<(u128, u128)> {
    let length = net.prefix_len()?;
    let base = address_value(net.addr);
    let host_bits = address_bits(family) - u32::from(length);
    let span = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((base, base | span))
}

/// The addresses of `nets` as one interval set (non-contiguous masks left
/// out).
#[must_use]
pub fn network_intervals(nets: &[AddrMask], family: Family) -> Intervals {
    Intervals::from_ranges(
        nets.iter()
            .filter_map(|net| net_range(net, family))
            .collect(),
    )
}

fn is_loopback(addr: IpAddr) -> bool {
    addr.is_loopback()
}

/// Whether `first..=last` are addresses of `host`: `Some(true)` when all
/// are, `Some(false)` when none is, `None` when some are.
fn owned_by_host(host: &Host, family: Family, first: IpAddr, last: IpAddr) -> Option<bool> {
    if is_loopback(first) && is_loopback(last) {
        return Some(true);
    }
    let (low, high) = (address_value(first), address_value(last));
    let mut any = false;
    for net in &host.addresses {
        let Some((net_low, net_high)) = net_range(net, family) else {
            continue;
        };
        if net_low <= low && high <= net_high {
            return Some(true);
        }
        any |= net_low <= high && low <= net_high;
    }
    if any { None } else { Some(false) }
}

fn translation(
    rewrite: &Rewrite,
    host: &Host,
    family: Family,
) -> Option<(Option<Intervals>, Option<NarrowIntervals>, Destination)> {
    let ports = |range: Option<crate::model::PortRange>| {
        range.map(|range| Intervals::range(u32::from(range.first), u32::from(range.last)))
    };
    match rewrite {
        Rewrite::Redirect(to_ports) => Some((None, ports(*to_ports), Destination::ThisHost)),
        Rewrite::Destination(NatRange {
            first: Some(first),
            last,
            ports: to_ports,
            base,
        }) => {
            if base.is_some() {
                // A shifted port mapping: the new port depends on the old.
                return None;
            }
            let last = last.unwrap_or(*first);
            let destination = match owned_by_host(host, family, *first, last)? {
                true => Destination::ThisHost,
                false => Destination::Elsewhere,
            };
            let addresses = Intervals::range(address_value(*first), address_value(last));
            Some((Some(addresses), ports(*to_ports), destination))
        }
        // Only the port changes, or the source: where the packet goes is
        // not this rule's doing.
        Rewrite::Destination(_) | Rewrite::Source => None,
    }
}

impl Analysis<'_> {
    /// Every `DNAT` and `REDIRECT` rule that nat `PREROUTING` reaches,
    /// with the packets it surely rewrites (unknown matches and targets
    /// before it only shrink them), whose rewrite fwlint can follow.
    #[must_use]
    pub fn destination_nats(&self) -> &[DestinationNat] {
        self.destination_nats
            .get_or_init(|| self.find_destination_nats())
    }

    fn find_destination_nats(&self) -> Vec<DestinationNat> {
        let Some(nat) = self.table(TableKind::Nat) else {
            return Vec::new();
        };
        let evaluator = &nat.evaluator;
        let Some(prerouting) = evaluator
            .table
            .chains
            .iter()
            .position(|chain| chain.hook == Some(Hook::Prerouting))
        else {
            return Vec::new();
        };
        let arriving = PacketSet::from_cube(self.hook_universe(Hook::Prerouting));
        let universe = self.universe();
        // nat never sees a packet that raw takes out of connection
        // tracking: what raw may take is not surely rewritten.
        let tracked = self.after_raw(Hook::Prerouting, &arriving).tracked;
        let mut found = Vec::new();
        // Each decision is looked at as it is taken: a large nat table
        // (kube-proxy's) takes tens of thousands, and only the lower bound
        // of the rewriting ones is kept.
        let mut keep = |decision: Decided| {
            let (Place::Rule { chain, rule }, Some(rewrite)) = (decision.place, &decision.rewrite)
            else {
                return;
            };
            let Some((to_addresses, to_ports, destination)) =
                translation(rewrite, &self.host, self.family)
            else {
                return;
            };
            let mut original = PacketSet::empty();
            for cube in decision.flow.sure.intersect(&tracked).cubes() {
                original.extend(PacketSet::from_cube(across_hooks(cube, &universe)));
            }
            if original.is_empty() {
                return;
            }
            found.push(DestinationNat {
                chain,
                rule,
                original,
                to_addresses,
                to_ports,
                destination,
            });
        };
        if !evaluator.query_each(prerouting, Flow::exact(arriving), &mut keep) {
            return Vec::new();
        }
        found
    }
}

/// Destination NAT rules by the ports they rewrite, so that a filter rule
/// about a port is compared with the few rules that name it rather than
/// with every one.
#[derive(Debug, Default)]
pub struct NatsByPort {
    by_port: foldhash::HashMap<u32, Vec<usize>>,
    /// Rules that name too many ports to list one by one.
    many_ports: Vec<usize>,
}

/// How many ports a rule may name before it is kept in
/// [`NatsByPort::many_ports`] instead.
const LISTED_PORTS: u32 = 1024;

impl NatsByPort {
    /// The index over `ports`, the ports each rule rewrites (rule `i` is
    /// the `i`-th item).
    #[must_use]
    pub fn new<'a>(ports: impl IntoIterator<Item = &'a NarrowIntervals>) -> NatsByPort {
        let mut index = NatsByPort::default();
        for (rule, ports) in ports.into_iter().enumerate() {
            let count: u32 = ports
                .ranges()
                .iter()
                .map(|&(low, high)| (high - low).saturating_add(1))
                .fold(0, u32::saturating_add);
            if count > LISTED_PORTS {
                index.many_ports.push(rule);
                continue;
            }
            for &(low, high) in ports.ranges() {
                for port in low..=high {
                    index.by_port.entry(port).or_default().push(rule);
                }
            }
        }
        index
    }

    /// The rules whose ports may include `port`, in rule order.
    #[must_use]
    pub fn naming(&self, port: u32) -> Vec<usize> {
        let listed = self.by_port.get(&port).map_or(&[][..], Vec::as_slice);
        let mut rules: Vec<usize> = listed.iter().chain(&self.many_ports).copied().collect();
        rules.sort_unstable();
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_are_found_by_any_port_they_name() {
        let ports = [
            Intervals::range(8080, 8080),
            Intervals::range(0, 65535),
            Intervals::range(8000, 8100),
        ];
        let index = NatsByPort::new(&ports);
        assert_eq!(index.naming(8080), [0, 1, 2]);
        assert_eq!(index.naming(8000), [1, 2]);
        assert_eq!(index.naming(22), [1]);
    }
}
