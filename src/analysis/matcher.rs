//! What one rule matches, as a cube of the packet space.
//!
//! The known parts of a rule (protocol, addresses, interfaces, fragments,
//! ports, TCP flags, ICMP types, connection states, address ranges, local
//! destinations) become the cube's fields exactly. Matches whose outcome
//! does not depend on header fields fwlint models (rates, marks, payload,
//! owners, an extension fwlint does not know...) leave their fields open
//! and make the rule *uncertain*: the cube is then an upper bound of what
//! the rule matches, never a claim that it matches.

use std::net::IpAddr;

use super::interfaces::Atoms;
use super::space::{Cube, Endpoint, Intervals, NarrowIntervals, misc, state};
use crate::model::addr::AddressKind;
use crate::model::{AddressMatch, Extension, Family, IcmpType, PortRange, Rule, Value};

/// What a rule matches.
#[derive(Debug, Clone)]
pub struct RuleMatch {
    /// Every packet the rule may match.
    pub cube: Cube,
    /// True when the rule matches exactly the packets of `cube`.
    pub certain: bool,
}

/// The integer of an address in the packet space.
#[must_use]
pub fn address_value(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

/// The address of an integer of the packet space.
#[must_use]
pub fn address_of(value: u128, family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(std::net::Ipv4Addr::from(
            u32::try_from(value).unwrap_or(u32::MAX),
        )),
        Family::V6 => IpAddr::V6(std::net::Ipv6Addr::from(value)),
    }
}

/// The bits of an address of `family`.
#[must_use]
pub fn address_bits(family: Family) -> u32 {
    match family {
        Family::V4 => 32,
        Family::V6 => 128,
    }
}

struct Builder<'a> {
    cube: Cube,
    universe: &'a Cube,
    certain: bool,
    /// Whether to say why the rule is uncertain: only messages need it,
    /// and the analysis matches every rule of the file.
    explain: bool,
    because: Option<String>,
    family: Family,
}

impl Builder<'_> {
    fn unsure<S: Into<String>>(&mut self, why: impl FnOnce() -> S) {
        if self.certain && self.explain {
            self.because = Some(why().into());
        }
        self.certain = false;
    }

    fn restrict<T: Endpoint>(
        &mut self,
        field: fn(&mut Cube) -> &mut Intervals<T>,
        set: Intervals<T>,
        negated: bool,
    ) {
        // Only a negation needs the packet space's field (and a copy of
        // the space to reach it); most matches are not negated.
        let allowed = if negated {
            field(&mut self.universe.clone()).subtract(&set)
        } else {
            set
        };
        let slot = field(&mut self.cube);
        *slot = slot.intersect(&allowed);
    }

    fn addresses(
        &mut self,
        field: fn(&mut Cube) -> &mut Intervals,
        addresses: &AddressMatch,
        letter: char,
    ) {
        let family = self.family;
        let range_of = |length: u8, addr: IpAddr| {
            let base = address_value(addr);
            let host_bits = address_bits(family) - u32::from(length);
            let span = if host_bits >= 128 {
                u128::MAX
            } else {
                (1u128 << host_bits) - 1
            };
            (base, base | span)
        };
        // Nearly always one address: its range needs no list.
        if let [address] = &*addresses.value
            && let AddressKind::Net(net) = &address.kind
            && let Some(length) = net.prefix_len()
        {
            let (lo, hi) = range_of(length, net.addr);
            self.restrict(field, Intervals::range(lo, hi), addresses.negated);
            return;
        }
        let mut ranges = Vec::with_capacity(addresses.value.len());
        for address in &addresses.value {
            match &address.kind {
                AddressKind::Net(net) => match net.prefix_len() {
                    Some(length) => ranges.push(range_of(length, net.addr)),
                    None => {
                        self.unsure(|| format!("`-{letter}` with a non-contiguous mask"));
                        return;
                    }
                },
                AddressKind::Hostname { name, .. } => {
                    self.unsure(|| format!("`-{letter} {name}` (a host name)"));
                    return;
                }
            }
        }
        self.restrict(field, Intervals::from_ranges(ranges), addresses.negated);
    }
}

fn port_set(ranges: &[PortRange]) -> NarrowIntervals {
    if let [range] = ranges {
        return Intervals::range(u32::from(range.first), u32::from(range.last));
    }
    Intervals::from_ranges(
        ranges
            .iter()
            .map(|r| (u32::from(r.first), u32::from(r.last)))
            .collect(),
    )
}

fn icmp_set(icmp: IcmpType) -> NarrowIntervals {
    if icmp.is_any() {
        return Intervals::range(0, 65535);
    }
    let base = u32::from(icmp.kind) * 256;
    Intervals::range(
        base + u32::from(icmp.code_min),
        base + u32::from(icmp.code_max),
    )
}

/// The TCP flag combinations (of FIN..URG) where `flags & mask == compare`.
fn tcp_flag_set(mask: u8, compare: u8) -> u64 {
    let mut set = 0u64;
    for combination in 0u8..64 {
        if combination & mask & 0x3f == compare & mask & 0x3f {
            set |= 1 << combination;
        }
    }
    set
}

/// Conntrack states as bits of the cube's state field, and the NAT flags.
fn states(bits: u16) -> (u8, u8) {
    let mut base = 0;
    let mut nat = 0;
    for (bit, state_bit) in [
        (Value::STATE_INVALID, state::INVALID),
        (Value::STATE_NEW, state::NEW),
        (Value::STATE_ESTABLISHED, state::ESTABLISHED),
        (Value::STATE_RELATED, state::RELATED),
        (Value::STATE_UNTRACKED, state::UNTRACKED),
    ] {
        if bits & bit != 0 {
            base |= state_bit;
        }
    }
    // nat bit index: dnat + 2 * snat.
    if bits & Value::STATE_DNAT != 0 {
        nat |= (1 << 1) | (1 << 3);
    }
    if bits & Value::STATE_SNAT != 0 {
        nat |= (1 << 2) | (1 << 3);
    }
    (base, nat)
}

fn extension(builder: &mut Builder<'_>, extension: &Extension) {
    if !extension.known {
        builder.unsure(|| format!("`-m {}`, which fwlint does not know", extension.name));
        return;
    }
    match extension.name.as_ref() {
        "comment" => {}
        "tcp" | "udp" | "sctp" | "dccp" | "udplite" => {
            for option in &extension.options {
                match (option.name.as_ref(), &option.value) {
                    ("sport", Value::PortRange(range)) => {
                        builder.restrict(|c| &mut c.sport, port_set(&[*range]), option.negated)
                    }
                    ("dport", Value::PortRange(range)) => {
                        builder.restrict(|c| &mut c.dport, port_set(&[*range]), option.negated)
                    }
                    ("tcp-flags" | "syn", Value::TcpFlags { mask, compare }) => {
                        let set = tcp_flag_set(*mask, *compare);
                        builder.cube.tcp_flags &= if option.negated { !set } else { set };
                    }
                    _ => builder.unsure(|| format!("`--{}` of `{}`", option.name, extension.name)),
                }
            }
        }
        "multiport" => {
            for option in &extension.options {
                match (option.name.as_ref(), &option.value) {
                    ("sports", Value::Ports(ranges)) => {
                        builder.restrict(|c| &mut c.sport, port_set(ranges), option.negated)
                    }
                    ("dports", Value::Ports(ranges)) => {
                        builder.restrict(|c| &mut c.dport, port_set(ranges), option.negated)
                    }
                    _ => builder.unsure(|| "`multiport --ports` (source or destination)"),
                }
            }
        }
        "icmp" | "icmp6" => {
            for option in &extension.options {
                match &option.value {
                    Value::Icmp(icmp) => {
                        builder.restrict(|c| &mut c.icmp, icmp_set(*icmp), option.negated)
                    }
                    _ => builder.unsure(|| format!("`--{}`", option.name)),
                }
            }
        }
        "conntrack" | "state" => {
            for option in &extension.options {
                match (option.name.as_ref(), &option.value) {
                    ("ctstate" | "state", Value::States(bits)) => {
                        let (base, nat) = states(*bits);
                        match (base != 0, nat != 0) {
                            (true, false) => {
                                builder.cube.state &= if option.negated {
                                    state::ALL & !base
                                } else {
                                    base
                                };
                            }
                            (false, true) => {
                                builder.cube.nat &= if option.negated { 0xf & !nat } else { nat };
                            }
                            _ => builder.unsure(
                                || "a connection state list mixing SNAT/DNAT with other states",
                            ),
                        }
                    }
                    _ => builder.unsure(|| format!("`--{}` of `{}`", option.name, extension.name)),
                }
            }
        }
        "iprange" => {
            for option in &extension.options {
                let (field, first, last): (fn(&mut Cube) -> &mut Intervals, _, _) =
                    match (option.name.as_ref(), &option.value) {
                        ("src-range", Value::AddrRange(range)) => {
                            (|c| &mut c.src, range.0, range.1)
                        }
                        ("dst-range", Value::AddrRange(range)) => {
                            (|c| &mut c.dst, range.0, range.1)
                        }
                        _ => {
                            builder.unsure(|| "an address range fwlint cannot read");
                            continue;
                        }
                    };
                builder.restrict(
                    field,
                    Intervals::range(address_value(first), address_value(last)),
                    option.negated,
                );
            }
        }
        "addrtype" => {
            for option in &extension.options {
                match (option.name.as_ref(), &option.value) {
                    ("dst-type", Value::List(types)) if types.len() == 1 && types[0] == "LOCAL" => {
                        let local = if option.negated {
                            misc::DST_REMOTE
                        } else {
                            misc::DST_LOCAL
                        };
                        builder.cube.misc &= misc::FRAGMENTS | local;
                    }
                    _ => builder.unsure(|| format!("`-m addrtype --{}`", option.name)),
                }
            }
        }
        other => builder.unsure(|| format!("`-m {other}`")),
    }
}

/// What `rule` matches in the packet space of `universe`.
#[must_use]
pub fn rule_match(rule: &Rule, family: Family, atoms: &Atoms, universe: &Cube) -> RuleMatch {
    build(rule, family, atoms, universe, false).0
}

/// What `rule` matches, and the match that made it uncertain, if any, for
/// messages.
#[must_use]
pub fn rule_match_explained(
    rule: &Rule,
    family: Family,
    atoms: &Atoms,
    universe: &Cube,
) -> (RuleMatch, Option<String>) {
    build(rule, family, atoms, universe, true)
}

fn build(
    rule: &Rule,
    family: Family,
    atoms: &Atoms,
    universe: &Cube,
    explain: bool,
) -> (RuleMatch, Option<String>) {
    let mut builder = Builder {
        cube: universe.clone(),
        universe,
        certain: true,
        explain,
        because: None,
        family,
    };
    if let Some(protocol) = &rule.protocol {
        if protocol.value.0 == 0 {
            if protocol.negated {
                builder.cube.proto = Intervals::empty();
            }
        } else {
            builder.restrict(
                |c| &mut c.proto,
                Intervals::point(u32::from(protocol.value.0)),
                protocol.negated,
            );
        }
    }
    if let Some(source) = &rule.source {
        builder.addresses(|c| &mut c.src, source, 's');
    }
    if let Some(destination) = &rule.destination {
        builder.addresses(|c| &mut c.dst, destination, 'd');
    }
    for (interface, is_input) in [(rule.in_interface(), true), (rule.out_interface(), false)] {
        let Some(interface) = interface else { continue };
        let (bits, exact) = atoms.pattern(&interface.value.name);
        if !exact {
            builder.unsure(|| format!("interface `{}`", interface.value.name));
        }
        let allowed = if interface.negated && exact {
            atoms.all() & !bits
        } else if interface.negated {
            atoms.all()
        } else {
            bits
        };
        if is_input {
            builder.cube.iif &= allowed;
        } else {
            builder.cube.oif &= allowed;
        }
    }
    if let Some(fragment) = rule.fragment() {
        let kind = if fragment.negated {
            misc::UNFRAGMENTED
        } else {
            misc::LATER_FRAGMENT
        };
        builder.cube.misc &= misc::LOCALITY | kind;
    }
    for m in &rule.matches {
        extension(&mut builder, m);
    }
    (
        RuleMatch {
            certain: builder.certain,
            cube: builder.cube,
        },
        builder.because,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Ruleset;
    use crate::parser::{ReadOptions, read};
    use crate::source::SourceFile;

    fn first_rule(text: &str) -> (Rule, Ruleset) {
        let file = SourceFile::new("t.rules", format!("*filter\n{text}\nCOMMIT\n"));
        let result = read(
            &file,
            &ReadOptions {
                family: Some(Family::V4),
                fragment: false,
            },
        );
        let rule = result.ruleset.tables[0]
            .chains
            .iter()
            .flat_map(|c| &c.rules)
            .next()
            .expect("a rule")
            .clone();
        (rule, result.ruleset)
    }

    fn matched(text: &str) -> RuleMatch {
        let (rule, ruleset) = first_rule(text);
        let atoms = Atoms::of(&ruleset, &[]);
        let mut universe = Cube::universe(32);
        universe.iif = atoms.all();
        universe.oif = atoms.all();
        rule_match(&rule, Family::V4, &atoms, &universe)
    }

    #[test]
    fn core_fields_become_exact_constraints() {
        let m = matched("-A INPUT -s 10.0.0.0/8 ! -d 10.1.2.3 -p tcp --dport 22 -j ACCEPT");
        assert!(m.certain);
        assert_eq!(m.cube.src.ranges(), &[(0x0a00_0000, 0x0aff_ffff)]);
        assert!(!m.cube.dst.contains(0x0a01_0203));
        assert!(m.cube.dst.contains(0x0a01_0204));
        assert_eq!(m.cube.proto.ranges(), &[(6, 6)]);
        assert_eq!(m.cube.dport.ranges(), &[(22, 22)]);
    }

    #[test]
    fn unknown_matches_make_the_rule_uncertain() {
        let m = matched("-A INPUT -p tcp -m geoip --src-cc XX -j DROP");
        assert!(!m.certain);
        assert_eq!(m.cube.proto.ranges(), &[(6, 6)]);
    }

    #[test]
    fn syn_means_syn_without_ack_rst_fin() {
        let m = matched("-A INPUT -p tcp --syn -j ACCEPT");
        assert_ne!(m.cube.tcp_flags & (1 << 0x02), 0);
        assert_eq!(m.cube.tcp_flags & (1 << 0x12), 0);
    }
}
