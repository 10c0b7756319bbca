//! FW206 `icmp-blocked`: ICMP that the network needs is dropped: the
//! "fragmentation needed" messages of path MTU discovery (IPv4), the
//! neighbour discovery and "packet too big" messages of IPv6 (RFC 4890).

use super::rules::{accepts, denies, required_states, stop};
use super::{FileContext, Lint};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Chain, Family, Rule, Table, TableKind, TargetKind, Value, Verdict};
use crate::source::Span;

declare_code! {
    /// ## What it does
    /// Reports ICMP messages that a chain drops although the network needs
    /// them. In IPv4: destination-unreachable, which carries "fragmentation
    /// needed" for path MTU discovery. In IPv6, the types RFC 4890 says must
    /// not be dropped: destination-unreachable, packet-too-big,
    /// time-exceeded, parameter-problem, and neighbour solicitation and
    /// advertisement (without which IPv6 does not work at all on a link).
    /// An accept of `RELATED` connections lets the error messages of known
    /// connections through; neighbour discovery is not tracked and needs its
    /// own accept.
    ///
    /// fwlint reads the chain rule by rule and stays silent when a rule it
    /// cannot fully read (a jump, a source restriction, an unknown match)
    /// might accept the messages.
    ///
    /// ## Why is this bad?
    /// "One particularly nasty problem is when a firewall administrator ...
    /// blocks packets required for the protocol to work: ICMP type 3 code 4
    /// packets. This problem, the Path MTU Discovery Black Hole" (LISA '02):
    /// connections hang as soon as they carry large packets. In IPv6,
    /// dropping neighbour discovery cuts the host off its link.
    ///
    /// ## Example
    /// ```iptables
    /// # ipv6
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -p ipv6-icmp -j DROP
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// # ipv6
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
    /// -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation -j ACCEPT
    /// -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type neighbour-advertisement -j ACCEPT
    /// -A INPUT -p ipv6-icmp -m icmp6 --icmpv6-type router-advertisement -j ACCEPT
    /// COMMIT
    /// ```
    pub static ICMP_BLOCKED = {
        code: "FW206",
        name: "icmp-blocked",
        category: Suspicious,
        summary: "ICMP that the network needs is dropped",
    };
}

pub struct IcmpBlocked;

/// An ICMP type that must pass, and whether conntrack's RELATED covers it.
struct Essential {
    kind: u8,
    name: &'static str,
    related: bool,
}

const V4: [Essential; 1] = [Essential {
    kind: 3,
    name: "destination-unreachable (fragmentation needed)",
    related: true,
}];

const V6: [Essential; 6] = [
    Essential {
        kind: 1,
        name: "destination-unreachable",
        related: true,
    },
    Essential {
        kind: 2,
        name: "packet-too-big",
        related: true,
    },
    Essential {
        kind: 3,
        name: "time-exceeded",
        related: true,
    },
    Essential {
        kind: 4,
        name: "parameter-problem",
        related: true,
    },
    Essential {
        kind: 135,
        name: "neighbour-solicitation",
        related: false,
    },
    Essential {
        kind: 136,
        name: "neighbour-advertisement",
        related: false,
    },
];

/// How a rule treats ICMP messages of type `kind`.
enum Reading {
    /// Matches every such message.
    Surely,
    /// Matches none.
    Never,
    /// Matches some, or fwlint cannot tell.
    Maybe,
}

fn reading(rule: &Rule, family: Family, essential: &Essential) -> Reading {
    let kind = essential.kind;
    let icmp = match family {
        Family::V4 => 1,
        Family::V6 => 58,
    };
    match &rule.protocol {
        Some(protocol) if protocol.negated => {
            return if protocol.value.0 == icmp {
                Reading::Never
            } else {
                Reading::Maybe
            };
        }
        Some(protocol) if protocol.value.0 != 0 && protocol.value.0 != icmp => {
            return Reading::Never;
        }
        _ => {}
    }
    // These messages come from the network: rules for loopback traffic
    // neither let them in nor keep them out.
    if rule
        .in_interface()
        .is_some_and(|i| !i.negated && i.value.name == "lo")
    {
        return Reading::Never;
    }
    let mut sure = rule.source.is_none()
        && rule.destination.is_none()
        && rule.out_interface().is_none()
        && rule.fragment().is_none()
        && rule
            .in_interface()
            .is_none_or(|i| !i.negated && i.value.matches_any());
    for m in &rule.matches {
        match (m.known, m.name.as_ref()) {
            (true, "comment") => {}
            (true, "conntrack" | "state") => {
                // Neighbour discovery is never tracked: the kernel marks it
                // UNTRACKED, so only a rule that allows that state sees it.
                let option = m.option("ctstate").or_else(|| m.option("state"));
                match option.map(|option| (&option.value, option.negated)) {
                    Some((Value::States(bits), negated)) if !essential.related => {
                        let untracked = (bits & Value::STATE_UNTRACKED != 0) != negated;
                        if !untracked {
                            return Reading::Never;
                        }
                        sure = false;
                    }
                    _ => sure = false,
                }
            }
            (true, "icmp" | "icmp6") => {
                let option = m.option("icmp-type").or_else(|| m.option("icmpv6-type"));
                if let Some(option) = option {
                    if let Value::Icmp(icmp_type) = option.value {
                        let matches_kind = icmp_type.is_any() || icmp_type.kind == kind;
                        let all_codes = icmp_type.is_any()
                            || (icmp_type.code_min == 0 && icmp_type.code_max == 255);
                        match (matches_kind != option.negated, all_codes || option.negated) {
                            (false, _) => return Reading::Never,
                            (true, false) => sure = false,
                            (true, true) => {}
                        }
                    } else {
                        sure = false;
                    }
                }
            }
            _ => sure = false,
        }
    }
    if sure {
        Reading::Surely
    } else {
        Reading::Maybe
    }
}

/// Where the chain drops type `kind`, if it surely does: the denying rule
/// or the policy.
fn blocked_at(chain: &Chain, family: Family, essential: &Essential) -> Option<Span> {
    for rule in &chain.rules {
        if essential.related
            && accepts(rule)
            && required_states(rule).is_some_and(|states| states & Value::STATE_RELATED != 0)
        {
            return None;
        }
        let jumps = matches!(rule.target.kind, TargetKind::Jump(_) | TargetKind::Goto(_))
            || matches!(&rule.target.kind, TargetKind::Extension(t) if !t.known);
        match reading(rule, family, essential) {
            Reading::Never => {}
            Reading::Maybe if jumps || accepts(rule) => return None,
            Reading::Maybe => {}
            Reading::Surely if jumps || accepts(rule) => return None,
            Reading::Surely if denies(rule) => return Some(rule.span),
            Reading::Surely if stop(rule).is_some() => return None,
            Reading::Surely => {}
        }
    }
    let policy = chain.policy.as_ref()?;
    (policy.verdict == Verdict::Drop)
        .then_some(policy.span)
        .flatten()
}

impl Lint for IcmpBlocked {
    fn meta(&self) -> &'static LintMeta {
        &ICMP_BLOCKED
    }

    fn check_chain(&self, cx: &mut FileContext<'_>, table: &Table, chain: &Chain) {
        if table.kind != TableKind::Filter
            || chain.name != "INPUT"
            || cx.facts.fragment
            || cx.facts.incomplete(table.kind)
        {
            return;
        }
        let family = cx.family();
        let essentials: &[Essential] = match family {
            Family::V4 => &V4,
            Family::V6 => &V6,
        };
        let mut blocked: Vec<(Span, Vec<&str>)> = Vec::new();
        for essential in essentials {
            if let Some(span) = blocked_at(chain, family, essential) {
                match blocked.iter_mut().find(|(at, _)| *at == span) {
                    Some((_, names)) => names.push(essential.name),
                    None => blocked.push((span, vec![essential.name])),
                }
            }
        }
        for (span, names) in blocked {
            let (what, help) = match family {
                Family::V4 => (
                    "path MTU discovery breaks: connections hang once they send large packets".to_string(),
                    "accept `-m conntrack --ctstate RELATED,ESTABLISHED` before this, or `-p icmp -m icmp --icmp-type fragmentation-needed -j ACCEPT`".to_string(),
                ),
                Family::V6 => (
                    "RFC 4890 says these must not be dropped".to_string(),
                    "accept `-m conntrack --ctstate RELATED,ESTABLISHED` for the error messages, and `-p ipv6-icmp -m icmp6 --icmpv6-type neighbour-solicitation` and `neighbour-advertisement` before this".to_string(),
                ),
            };
            cx.report(
                span,
                format!(
                    "ICMP{} {} dropped here: {what}",
                    if family == Family::V6 { "v6" } else { "" },
                    join(&names)
                ),
            )
            .label("essential ICMP ends here")
            .help(help);
        }
    }
}

fn join(names: &[&str]) -> String {
    match names {
        [one] => format!("`{one}` is"),
        _ => format!(
            "{} are",
            names
                .iter()
                .map(|name| format!("`{name}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::lints::testing::{fails, passes};

    #[test]
    fn ipv4_path_mtu_discovery() {
        fails(
            "icmp-blocked",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p icmp -j DROP\nCOMMIT\n",
        );
        fails(
            "icmp-blocked",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "icmp-blocked",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p icmp -j DROP\nCOMMIT\n",
        );
        passes(
            "icmp-blocked",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p icmp -j ACCEPT\nCOMMIT\n",
        );
        passes("icmp-blocked", "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n");
    }

    #[test]
    fn ipv6_neighbour_discovery() {
        fails(
            "icmp-blocked",
            "# ipv6\n*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "icmp-blocked",
            "# ipv6\n*filter\n:INPUT DROP [0:0]\n-A INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT\n-A INPUT -p ipv6-icmp -j ACCEPT\nCOMMIT\n",
        );
        passes(
            "icmp-blocked",
            "# ipv6\n*filter\n:INPUT DROP [0:0]\n-A INPUT -s fe80::/10 -p ipv6-icmp -j ACCEPT\n-A INPUT -m conntrack --ctstate RELATED -j ACCEPT\nCOMMIT\n",
        );
    }
}
