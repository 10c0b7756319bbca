//! What fwlint knows about the host the rules run on: its own addresses,
//! the services it listens on, the networks it trusts, and whether it does
//! NAT. The user says it (`[host]` in fwlint.toml, `--listening`,
//! `--local-address`); what the user does not say is inferred from the
//! rules, and every inference is marked as such.

use std::net::IpAddr;

use crate::model::{AddrMask, Family, Ruleset, TableKind, TargetKind, Value};

/// A listening service: protocol and port, optionally bound to one
/// address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Service {
    /// 6 for TCP, 17 for UDP.
    pub protocol: u8,
    pub port: u16,
    pub address: Option<IpAddr>,
}

impl Service {
    /// Parses `tcp/22` or `udp/161`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Service> {
        let (protocol, port) = text.split_once('/')?;
        let protocol = match protocol.to_ascii_lowercase().as_str() {
            "tcp" => 6,
            "udp" => 17,
            _ => return None,
        };
        Some(Service {
            protocol,
            port: port.parse().ok()?,
            address: None,
        })
    }

    #[must_use]
    pub fn protocol_name(&self) -> &'static str {
        if self.protocol == 6 { "tcp" } else { "udp" }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.protocol_name(), self.port)
    }
}

/// What the user said about the host.
#[derive(Debug, Clone, Default)]
pub struct HostProfile {
    pub addresses: Vec<AddrMask>,
    pub services: Vec<Service>,
    pub trusted: Vec<AddrMask>,
}

impl HostProfile {
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.addresses.is_empty() && self.services.is_empty() && self.trusted.is_empty()
    }
}

/// Reads what `ss -Hltun` (or `ss -ltun`) prints: one socket per line,
/// `Netid State Recv-Q Send-Q Local:Port Peer:Port`.
#[must_use]
pub fn parse_listening(text: &str) -> Vec<Service> {
    let mut services = Vec::new();
    for line in text.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() < 5 || fields[0] == "Netid" {
            continue;
        }
        let protocol = match fields[0] {
            "tcp" => 6,
            "udp" => 17,
            _ => continue,
        };
        let local = fields[4];
        let Some((address, port)) = local.rsplit_once(':') else {
            continue;
        };
        let Ok(port) = port.parse::<u16>() else {
            continue;
        };
        let address = address.trim_start_matches('[').trim_end_matches(']');
        let address = address.split('%').next().unwrap_or(address);
        let address = match address {
            "*" | "0.0.0.0" | "::" => None,
            other => other.parse::<IpAddr>().ok(),
        };
        // Sockets bound to loopback only are not reachable from outside.
        if address.is_some_and(|a| a.is_loopback()) {
            continue;
        }
        let service = Service {
            protocol,
            port,
            address,
        };
        if !services.contains(&service) {
            services.push(service);
        }
    }
    services
}

/// The host as the analysis uses it.
#[derive(Debug, Clone, Default)]
pub struct Host {
    /// Addresses the host owns: given by the user, then inferred.
    pub addresses: Vec<AddrMask>,
    /// Whether the addresses came from the user.
    pub addresses_given: bool,
    pub services: Vec<Service>,
    pub services_given: bool,
    pub trusted: Vec<AddrMask>,
    /// The nat table rewrites addresses: MASQUERADE, SNAT or DNAT.
    pub does_nat: bool,
    /// Networks whose traffic the host masquerades or source-NATs (its
    /// inside networks).
    pub inside: Vec<AddrMask>,
}

fn single(addr: IpAddr) -> AddrMask {
    let mask = match addr {
        IpAddr::V4(_) => IpAddr::V4(std::net::Ipv4Addr::BROADCAST),
        IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::from(u128::MAX)),
    };
    AddrMask { addr, mask }
}

impl Host {
    /// The host of `ruleset`, from `profile` and the rules themselves.
    #[must_use]
    pub fn new(ruleset: &Ruleset, profile: &HostProfile) -> Host {
        let family_matches = |net: &AddrMask| {
            matches!(
                (net.addr, ruleset.family),
                (IpAddr::V4(_), Family::V4) | (IpAddr::V6(_), Family::V6)
            )
        };
        let mut host = Host {
            addresses: profile
                .addresses
                .iter()
                .copied()
                .filter(family_matches)
                .collect(),
            services: profile.services.clone(),
            trusted: profile
                .trusted
                .iter()
                .copied()
                .filter(family_matches)
                .collect(),
            ..Host::default()
        };
        host.addresses_given = !host.addresses.is_empty();
        host.services_given = !host.services.is_empty();
        if let Some(nat) = ruleset.table(TableKind::Nat) {
            for chain in &nat.chains {
                for rule in &chain.rules {
                    let TargetKind::Extension(target) = &rule.target.kind else {
                        continue;
                    };
                    match target.name.as_ref() {
                        "MASQUERADE" | "SNAT" => {
                            host.does_nat = true;
                            if let Some(source) = rule.source.as_ref().filter(|s| !s.negated) {
                                host.inside
                                    .extend(source.value.iter().filter_map(|a| a.net().copied()));
                            }
                            // SNAT's address is the host's own.
                            if !host.addresses_given {
                                if let Some(Value::Nat(range)) =
                                    target.option("to-source").map(|o| &o.value)
                                {
                                    if let (Some(first), Some(last)) = (range.first, range.last) {
                                        if first == last {
                                            host.addresses.push(single(first));
                                        }
                                    }
                                }
                            }
                        }
                        "DNAT" | "REDIRECT" => {
                            host.does_nat = true;
                            // The address a DNAT rule matches is the
                            // host's public address.
                            if !host.addresses_given && chain.name == "PREROUTING" {
                                if let Some(destination) =
                                    rule.destination.as_ref().filter(|d| !d.negated)
                                {
                                    for address in destination.value.iter().filter_map(|a| a.net())
                                    {
                                        if address
                                            .prefix_len()
                                            .is_some_and(|len| len == 32 || len == 128)
                                            && !host.addresses.contains(address)
                                        {
                                            host.addresses.push(*address);
                                        }
                                    }
                                }
                            }
                        }
                        _ => {}
                    }
                }
            }
        }
        host
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn services_from_ss() {
        let text = "tcp   LISTEN 0      4096         0.0.0.0:22        0.0.0.0:*\n\
                    tcp   LISTEN 0      511        127.0.0.1:631       0.0.0.0:*\n\
                    udp   UNCONN 0      0                  *:161             *:*\n\
                    tcp   LISTEN 0      4096            [::]:443          [::]:*\n";
        let services = parse_listening(text);
        let names: Vec<String> = services.iter().map(ToString::to_string).collect();
        assert_eq!(names, ["tcp/22", "udp/161", "tcp/443"]);
    }

    #[test]
    fn services_from_text() {
        assert_eq!(Service::parse("tcp/22").map(|s| s.port), Some(22));
        assert_eq!(Service::parse("sctp/22"), None);
    }
}
