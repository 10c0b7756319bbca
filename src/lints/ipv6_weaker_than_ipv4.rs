//! FW207 `ipv6-weaker-than-ipv4`: the IPv6 rules of a host let in what its
//! IPv4 rules keep out, or are missing altogether.

use super::permissive_policy::ends_denying;
use super::rules::{accepts, default_deny_span, has_unknown, only_matches, reached_from};
use super::{Lint, RunContext};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Family, PortRange, Protocol, Rule, Ruleset, Table, TableKind, Value};
use crate::source::Span;

declare_code! {
    /// ## What it does
    /// Compares the IPv4 and the IPv6 rule file of one host (by default,
    /// files of one run in the same folder with the same stem, as
    /// `rules.v4` and `rules.v6`, or `iptables.rules` and
    /// `ip6tables.rules`; or the files given with `--pair V4FILE:V6FILE`)
    /// and reports where IPv6 is more open: an `INPUT` or `FORWARD` chain
    /// that accepts by default in IPv6 but drops by default in IPv4, and
    /// TCP and UDP ports that IPv6 accepts from anywhere while IPv4 does not.
    /// For an IPv4 file named `rules.v4` or `iptables.rules` that filters,
    /// it also reports when the IPv6 file next to it is missing.
    ///
    /// ## Why is this bad?
    /// IPv4 and IPv6 have separate rule sets. "You can close your server
    /// down with IPtables and then have it completely exposed with IPv6
    /// because your ip6tables are not in order": every service that listens
    /// on `::` is reachable over IPv6 as soon as the host has an IPv6
    /// address.
    ///
    /// ## Example
    /// `rules.v4` has `:INPUT DROP` and accepts SSH only from the office;
    /// `rules.v6` has `:INPUT ACCEPT`.
    ///
    /// Use instead:
    /// Give `rules.v6` the same default-deny policy and the same services as
    /// `rules.v4`, with IPv6 addresses.
    pub static IPV6_WEAKER_THAN_IPV4 = {
        code: "FW207",
        name: "ipv6-weaker-than-ipv4",
        category: Security,
        summary: "IPv6 lets in what IPv4 keeps out",
    };
}

pub struct Ipv6WeakerThanIpv4;

/// A service: protocol and destination ports accepted by a rule.
#[derive(Debug, Clone)]
struct Service {
    protocol: u8,
    ports: Vec<PortRange>,
    /// Accepted from any source on any interface?
    from_anywhere: bool,
    span: Span,
}

/// The TCP/UDP services `INPUT` (and the chains it reaches) accepts.
fn services(ruleset: &Ruleset) -> Vec<Service> {
    let Some(filter) = ruleset.table(TableKind::Filter) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for chain in reached_from(filter, "INPUT") {
        for rule in chain.rules.iter().filter(|rule| accepts(rule)) {
            let Some(protocol) = rule.protocol.as_ref().filter(|p| !p.negated) else {
                continue;
            };
            if protocol.value != Protocol::TCP && protocol.value != Protocol::UDP {
                continue;
            }
            let Some(ports) = destination_ports(rule) else {
                continue;
            };
            let from_anywhere = rule.source.is_none()
                && rule.in_interface().is_none()
                && only_matches(rule, &["tcp", "udp", "multiport", "conntrack", "state"])
                && super::rules::required_states(rule)
                    .is_none_or(|states| states & Value::STATE_NEW != 0);
            found.push(Service {
                protocol: protocol.value.0,
                ports,
                from_anywhere,
                span: rule.span,
            });
        }
    }
    found
}

fn destination_ports(rule: &Rule) -> Option<Vec<PortRange>> {
    for m in &rule.matches {
        for name in ["dport", "dports", "ports"] {
            if let Some(option) = m.option(name).filter(|option| !option.negated) {
                return match &option.value {
                    Value::PortRange(range) => Some(vec![*range]),
                    Value::Ports(ranges) => Some(ranges.to_vec()),
                    _ => None,
                };
            }
        }
    }
    None
}

fn covers(services: &[Service], protocol: u8, port: u16, anywhere_only: bool) -> Option<&Service> {
    services.iter().find(|service| {
        service.protocol == protocol
            && service.ports.iter().any(|range| range.contains(port))
            && (!anywhere_only || service.from_anywhere)
    })
}

fn default_deny(table: &Table, name: &str) -> Option<Span> {
    table
        .chain(name)
        .and_then(|chain| default_deny_span(table, chain))
}

impl Lint for Ipv6WeakerThanIpv4 {
    fn meta(&self) -> &'static LintMeta {
        &IPV6_WEAKER_THAN_IPV4
    }

    fn check_run(&self, cx: &mut RunContext<'_>) {
        let files = cx.files;
        for (index, v4) in files.iter().enumerate() {
            if v4.ruleset.family != Family::V4
                || v4.facts.fragment
                || v4.facts.incomplete(TableKind::Filter)
            {
                continue;
            }
            let Some(v4_filter) = v4.ruleset.table(TableKind::Filter) else {
                continue;
            };
            let Some(pair) = v4.pair else {
                if v4.sibling_exists == Some(false) {
                    if let Some(deny) = default_deny(v4_filter, "INPUT") {
                        cx.report(index, deny, "this host filters IPv4, but there is no IPv6 rule file next to this one")
                            .label("IPv4 drops by default")
                            .help("if the host has IPv6 (it usually does), every service listening on `::` is open over IPv6: write the IPv6 rules too");
                    }
                }
                continue;
            };
            let v6 = &files[pair];
            if v6.facts.fragment || v6.facts.incomplete(TableKind::Filter) {
                continue;
            }
            let v6_path = v6.source.name().to_string();
            let v4_path = v4.source.name().to_string();
            let v6_filter = v6.ruleset.table(TableKind::Filter);
            for chain in ["INPUT", "FORWARD"] {
                let Some(v4_deny) = default_deny(v4_filter, chain) else {
                    continue;
                };
                let v6_open =
                    match v6_filter.and_then(|table| table.chain(chain).map(|c| (table, c))) {
                        None => Some(
                            v6.ruleset
                                .tables
                                .first()
                                .map_or(Span::empty_at(0), |t| t.span),
                        ),
                        Some((table, c))
                            if !ends_denying(table, c)
                                && c.policy.as_ref().is_some_and(|p| {
                                    p.verdict == crate::model::Verdict::Accept
                                }) =>
                        {
                            Some(c.policy.as_ref().and_then(|p| p.span).unwrap_or(table.span))
                        }
                        Some(_) => None,
                    };
                if let Some(span) = v6_open {
                    cx.report(pair, span, format!("IPv6 `{chain}` accepts by default, while IPv4 `{chain}` drops by default"))
                        .label("IPv6: accept")
                        .secondary_in(&v4_path, v4_deny, "IPv4: drop")
                        .help(format!("give IPv6 `{chain}` a default-deny policy as in `{v4_path}`"));
                }
            }
            let Some(v6_filter) = v6_filter else { continue };
            if has_unknown(v6_filter, "INPUT") {
                continue;
            }
            let v4_services = services(v4.ruleset);
            let v4_input_denies = default_deny(v4_filter, "INPUT").is_some();
            if !v4_input_denies {
                continue;
            }
            for service in services(v6.ruleset)
                .iter()
                .filter(|service| service.from_anywhere)
            {
                for range in &service.ports {
                    let port = range.first;
                    if covers(&v4_services, service.protocol, port, true).is_some() {
                        continue;
                    }
                    let protocol = if service.protocol == 6 { "tcp" } else { "udp" };
                    let diagnostic = cx.report(
                        pair,
                        service.span,
                        format!("{protocol} port {port} is open to every IPv6 source, but not to every IPv4 source"),
                    );
                    diagnostic.label("IPv6: open to anyone");
                    match covers(&v4_services, service.protocol, port, false) {
                        Some(restricted) => {
                            diagnostic.secondary_in(
                                &v4_path,
                                restricted.span,
                                "IPv4: only for some sources",
                            );
                        }
                        None => {
                            diagnostic.secondary_in(
                                &v4_path,
                                v4_filter.span,
                                "IPv4: not accepted at all",
                            );
                        }
                    }
                    diagnostic.help(format!("restrict it in `{v6_path}` as `{v4_path}` does, with the IPv6 addresses of the same sources"));
                }
            }
        }
    }
}

/// The stem that pairs `rules.v4` with `rules.v6`, `iptables.rules` with
/// `ip6tables.rules`, `host4.rules` with `host6.rules`.
#[must_use]
pub fn pair_key(path: &str) -> Option<(String, Family)> {
    let (directory, name) = match path.rfind('/') {
        Some(slash) => (&path[..=slash], &path[slash + 1..]),
        None => ("", path),
    };
    let (stem, family) = if let Some(stem) = name.strip_suffix(".v4") {
        (stem.to_string(), Family::V4)
    } else if let Some(stem) = name.strip_suffix(".v6") {
        (stem.to_string(), Family::V6)
    } else if let Some(rest) = name.strip_prefix("ip6tables") {
        (format!("iptables{rest}"), Family::V6)
    } else if name.starts_with("iptables") {
        (name.to_string(), Family::V4)
    } else if let Some(stem) = name.strip_suffix("6.rules") {
        (format!("{stem}.rules"), Family::V6)
    } else if let Some(stem) = name.strip_suffix("4.rules") {
        (format!("{stem}.rules"), Family::V4)
    } else {
        return None;
    };
    Some((format!("{directory}{stem}"), family))
}

/// The conventional name of the IPv6 sibling of an IPv4 file, if it has one.
#[must_use]
pub fn v6_sibling(path: &str) -> Option<String> {
    let (directory, name) = match path.rfind('/') {
        Some(slash) => (&path[..=slash], &path[slash + 1..]),
        None => ("", path),
    };
    let sibling = match name {
        "rules.v4" => "rules.v6".to_string(),
        name if name.starts_with("iptables") && name.ends_with(".rules") => {
            name.replacen("iptables", "ip6tables", 1)
        }
        _ => return None,
    };
    Some(format!("{directory}{sibling}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{Input, Settings, check_inputs_text};

    fn run(v4: &str, v6: &str) -> Vec<crate::diagnostics::Diagnostic> {
        let inputs = vec![
            Input::Stdin {
                name: "host/rules.v4".into(),
                text: v4.into(),
            },
            Input::Stdin {
                name: "host/rules.v6".into(),
                text: v6.into(),
            },
        ];
        let reports = check_inputs_text(inputs, &Settings::default());
        reports
            .into_iter()
            .flat_map(|report| report.diagnostics)
            .filter(|d| d.name == "ipv6-weaker-than-ipv4")
            .collect()
    }

    const V4: &str = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -s 192.0.2.0/24 -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\nCOMMIT\n";

    #[test]
    fn open_policy_and_open_ports_over_ipv6() {
        let open = "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD DROP [0:0]\nCOMMIT\n";
        let found = run(V4, open);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("IPv6 `INPUT` accepts by default"));
        let ssh = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\nCOMMIT\n";
        let found = run(V4, ssh);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0].message.contains("tcp port 22"));
        assert_eq!(found[0].labels[0].path.as_deref(), Some("host/rules.v4"));
    }

    #[test]
    fn equal_files_are_fine() {
        let same = "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n-A INPUT -s 2001:db8::/32 -p tcp -m tcp --dport 22 -j ACCEPT\n-A INPUT -p tcp -m tcp --dport 443 -j ACCEPT\nCOMMIT\n";
        assert!(run(V4, same).is_empty());
    }

    #[test]
    fn pairing_keys() {
        assert_eq!(pair_key("a/rules.v4"), Some(("a/rules".into(), Family::V4)));
        assert_eq!(pair_key("a/rules.v6"), Some(("a/rules".into(), Family::V6)));
        assert_eq!(
            pair_key("ip6tables.rules"),
            Some(("iptables.rules".into(), Family::V6))
        );
        assert_eq!(
            pair_key("iptables.rules"),
            Some(("iptables.rules".into(), Family::V4))
        );
        assert_eq!(
            v6_sibling("/etc/iptables/rules.v4").as_deref(),
            Some("/etc/iptables/rules.v6")
        );
    }
}
