//! FW204 `missing-established-accept`: a default-deny INPUT or FORWARD
//! that never accepts the packets of established connections, or accepts
//! them only after many rules.

use super::rules::{accepts_in, default_deny_span, has_unknown, reached_from, required_states};
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::{LintMeta, Severity};
use crate::model::{Address, AddressMatch, Interface, Negatable, Table, TableKind, Value};

declare_code! {
    /// ## What it does
    /// Reports an `INPUT` or `FORWARD` chain that drops by default but has
    /// no rule accepting packets of `ESTABLISHED` connections
    /// (`-m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`), and, as
    /// information, such an accept that comes after more than 10 other
    /// rules of the chain.
    ///
    /// ## Why is this bad?
    /// Without it, the answers to connections the host (or, for FORWARD,
    /// the network behind it) opens are dropped by the default: "all
    /// packets will be dropped by the default policy preventing network
    /// usage" (CIS). Placed late, every packet of every connection walks the
    /// rules above it first; placed first, almost all traffic is decided
    /// by one rule, and it must come before restrictive `DROP` rules.
    ///
    /// FORWARD is checked only when it accepts something (the host
    /// routes).
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -i lo -j ACCEPT
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// -A INPUT -i lo -j ACCEPT
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    pub static MISSING_ESTABLISHED_ACCEPT = {
        code: "FW204",
        name: "missing-established-accept",
        category: Suspicious,
        summary: "default-deny without accepting established connections",
    };
}

/// True when two accepting rules mirror each other (`-i A -o B` and
/// `-i B -o A`, or `-s X -d Y` and `-s Y -d X`): traffic is allowed both
/// ways without connection tracking, so replies need no accept of their own.
fn allows_both_directions<'a>(
    table: &crate::model::Table,
    rules: impl Iterator<Item = &'a crate::model::Rule>,
) -> bool {
    // One hash per side of each rule, not a copy of its sides: on a large
    // chain this runs beside the analysis, at the peak of memory. The
    // sides are hashed once (each rule is read once, which is most of the
    // cost on a large file), and a rule's direction and its mirror are
    // the same four hashes in two orders. A hash that meets is confirmed
    // by comparing the rules themselves.
    let accepting: Vec<(&crate::model::Rule, [u64; 4])> = rules
        .filter(|rule| accepts_in(table, rule))
        .map(|rule| (rule, side_hashes(Direction::of(rule))))
        .collect();
    let hashes: foldhash::HashSet<u64> = accepting
        .iter()
        .map(|(_, sides)| direction_hash(*sides))
        .collect();
    accepting.iter().any(|&(rule, [into, out_of, from, to])| {
        if !hashes.contains(&direction_hash([out_of, into, to, from])) {
            return false;
        }
        let direction = Direction::of(rule);
        let mirror = direction.mirror();
        direction != mirror
            && accepting
                .iter()
                .any(|(other, _)| Direction::of(other) == mirror)
    })
}

/// The sides of a rule: interfaces in and out, source and destination.
#[derive(Clone, Copy)]
struct Direction<'a> {
    into: Option<&'a Negatable<Interface>>,
    out_of: Option<&'a Negatable<Interface>>,
    from: Option<&'a AddressMatch>,
    to: Option<&'a AddressMatch>,
}

impl<'a> Direction<'a> {
    fn of(rule: &'a crate::model::Rule) -> Self {
        Direction {
            into: rule.in_interface(),
            out_of: rule.out_interface(),
            from: rule.source.as_deref(),
            to: rule.destination.as_deref(),
        }
    }

    fn mirror(self) -> Self {
        Direction {
            into: self.out_of,
            out_of: self.into,
            from: self.to,
            to: self.from,
        }
    }
}

/// Interfaces are compared by name and addresses by value, not by span.
impl PartialEq for Direction<'_> {
    fn eq(&self, other: &Self) -> bool {
        let interface =
            |a: Option<&Negatable<Interface>>, b: Option<&Negatable<Interface>>| match (a, b) {
                (None, None) => true,
                (Some(a), Some(b)) => a.negated == b.negated && a.value.name == b.value.name,
                _ => false,
            };
        let addresses = |a: Option<&AddressMatch>, b: Option<&AddressMatch>| match (a, b) {
            (None, None) => true,
            (Some(a), Some(b)) => {
                a.negated == b.negated
                    && a.value
                        .iter()
                        .map(Address::net)
                        .eq(b.value.iter().map(Address::net))
            }
            _ => false,
        };
        interface(self.into, other.into)
            && interface(self.out_of, other.out_of)
            && addresses(self.from, other.from)
            && addresses(self.to, other.to)
    }
}

/// A hash of each side of `direction`, in order: in, out, source,
/// destination; 0 for a side the rule does not set (most rules set one or
/// two). Sides that compare equal hash the same, whichever side they are
/// on.
fn side_hashes(direction: Direction<'_>) -> [u64; 4] {
    use std::hash::{BuildHasher, Hash, Hasher};
    let hashing = foldhash::fast::FixedState::with_seed(0);
    let interface = |side: Option<&Negatable<Interface>>| {
        side.map_or(0, |interface| {
            hashing.hash_one((interface.negated, interface.value.name.as_str()))
        })
    };
    let addresses = |side: Option<&AddressMatch>| {
        side.map_or(0, |addresses| {
            let mut hasher = hashing.build_hasher();
            (addresses.negated, addresses.value.len()).hash(&mut hasher);
            for address in &*addresses.value {
                address.net().hash(&mut hasher);
            }
            hasher.finish()
        })
    };
    [
        interface(direction.into),
        interface(direction.out_of),
        addresses(direction.from),
        addresses(direction.to),
    ]
}

/// The hash of a direction from the hashes of its sides, in order.
fn direction_hash(sides: [u64; 4]) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    // Word by word: hashing the array hashes its 32 bytes as a slice.
    let mut hasher = foldhash::fast::FixedState::with_seed(0).build_hasher();
    for side in sides {
        hasher.write_u64(side);
    }
    hasher.finish()
}

/// More rules than this before the established accept is reported as slow.
const LATE_AFTER: usize = 10;

pub struct MissingEstablishedAccept;

impl Lint for MissingEstablishedAccept {
    fn meta(&self) -> &'static LintMeta {
        &MISSING_ESTABLISHED_ACCEPT
    }

    fn check_table(&self, cx: &mut FileContext<'_>, table: &Table) {
        if table.kind != TableKind::Filter || cx.facts.fragment || cx.facts.incomplete(table.kind) {
            return;
        }
        for name in ["INPUT", "FORWARD"] {
            let Some(chain) = table.chain(name) else {
                continue;
            };
            let Some(deny) = default_deny_span(table, chain) else {
                continue;
            };
            let reached = reached_from(table, name);
            if name == "FORWARD"
                && !reached
                    .iter()
                    .flat_map(|c| &c.rules)
                    .any(|rule| accepts_in(table, rule))
            {
                continue;
            }
            if allows_both_directions(table, reached.iter().flat_map(|c| &c.rules)) {
                // Replies pass through a mirrored rule of their own.
                continue;
            }
            let established = |rule: &crate::model::Rule| {
                accepts_in(table, rule)
                    && required_states(rule)
                        .is_some_and(|states| states & Value::STATE_ESTABLISHED != 0)
            };
            match chain.rules.iter().position(established) {
                Some(position) if position > LATE_AFTER => {
                    let rule = &chain.rules[position];
                    cx.report(
                        rule.span,
                        format!("the accept of established connections comes after {position} other rules of `{name}`"),
                    )
                    .label("most packets are decided here")
                    .help(format!("move it to the top of `{name}`: every packet of every connection walks the rules above it first"))
                    .severity = Severity::Info;
                }
                Some(_) => {}
                None => {
                    let in_callee = reached
                        .iter()
                        .skip(1)
                        .flat_map(|c| &c.rules)
                        .any(established);
                    if in_callee || has_unknown(table, name) {
                        continue;
                    }
                    cx.report(deny, format!("`{name}` drops by default but never accepts packets of established connections"))
                        .label("answers to connections are dropped here")
                        .help(format!("add `-A {name} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT` at the top of `{name}`"));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, findings, passes};

    #[test]
    fn established_traffic_must_be_accepted() {
        fails(
            "missing-established-accept",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -i lo -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "missing-established-accept",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "missing-established-accept",
            "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
        );
        passes(
            "missing-established-accept",
            "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n",
        );
    }

    #[test]
    fn mirrored_accepts_need_no_established_accept() {
        let one_way =
            "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -s 10.0.0.0/8 -d 192.168.1.0/24 -j ACCEPT\n";
        fails("missing-established-accept", &format!("{one_way}COMMIT\n"));
        passes(
            "missing-established-accept",
            &format!("{one_way}-A FORWARD -s 192.168.1.0/24 -d 10.0.0.0/8 -j ACCEPT\nCOMMIT\n"),
        );
        passes(
            "missing-established-accept",
            "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i eth0 -o eth1 -j ACCEPT\n-A FORWARD -i eth1 -o eth0 -j ACCEPT\nCOMMIT\n",
        );
        // The same interfaces both ways, but the addresses do not mirror.
        fails(
            "missing-established-accept",
            "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i eth0 -o eth1 -s 10.0.0.1 -j ACCEPT\n-A FORWARD -i eth1 -o eth0 -s 10.0.0.1 -j ACCEPT\nCOMMIT\n",
        );
        // A rule that is its own mirror does not count.
        fails(
            "missing-established-accept",
            "*filter\n:FORWARD DROP [0:0]\n-A FORWARD -i br0 -o br0 -j ACCEPT\nCOMMIT\n",
        );
    }

    proptest::proptest! {
        /// The hashed search finds a mirrored pair exactly when comparing
        /// every two accepting rules does.
        #[test]
        fn mirrors_are_found_as_by_comparing_every_pair(
            rules in proptest::collection::vec(
                (0usize..3, 0usize..3, 0usize..3, 0usize..3, proptest::bool::ANY),
                1..8,
            ),
        ) {
            let interfaces = ["", " -i eth0", " ! -i eth1"];
            let outs = ["", " -o eth0", " ! -o eth1"];
            let sources = ["", " -s 10.0.0.0/8", " ! -s 192.168.1.1"];
            let destinations = ["", " -d 10.0.0.0/8", " -d 192.168.1.1,10.0.0.0/8"];
            let mut text = String::from("*filter\n:FORWARD DROP [0:0]\n");
            for &(into, out_of, from, to, accept) in &rules {
                let target = if accept { "ACCEPT" } else { "DROP" };
                text.push_str(&format!(
                    "-A FORWARD{}{}{}{} -j {target}\n",
                    interfaces[into], outs[out_of], sources[from], destinations[to]
                ));
            }
            text.push_str("COMMIT\n");
            let source = crate::source::SourceFile::new("test.v4", text);
            let read = crate::parser::read(&source, &crate::parser::ReadOptions::default());
            let table = &read.ruleset.tables[0];
            let chain = table.chain("FORWARD").expect("FORWARD");
            let accepting: Vec<_> = chain
                .rules
                .iter()
                .filter(|rule| super::accepts_in(table, rule))
                .collect();
            let by_pairs = accepting.iter().any(|rule| {
                let mirror = super::Direction::of(rule).mirror();
                super::Direction::of(rule) != mirror
                    && accepting.iter().any(|other| super::Direction::of(other) == mirror)
            });
            proptest::prop_assert_eq!(
                super::allows_both_directions(table, chain.rules.iter()),
                by_pairs
            );
        }
    }

    #[test]
    fn late_accepts_are_information() {
        let mut text = String::from("*filter\n:INPUT DROP [0:0]\n");
        for port in 0..12 {
            text.push_str(&format!(
                "-A INPUT -p tcp --dport {} -j ACCEPT\n",
                1000 + port
            ));
        }
        text.push_str("-A INPUT -m conntrack --ctstate ESTABLISHED -j ACCEPT\nCOMMIT\n");
        let found = findings("missing-established-accept", &text);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].severity, crate::diagnostics::Severity::Info);
    }
}
