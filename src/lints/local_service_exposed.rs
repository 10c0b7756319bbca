//! FW208 `local-service-exposed`: a service the host listens on that
//! `INPUT` opens to sources beyond the trusted networks. It needs the host
//! profile (`[host] services`, `--listening`); without one it is silent.

use super::flow::{describe_addresses, name_place, surely_accepted_in_input};
use super::{FileContext, Lint};
use crate::analysis::matcher::address_value;
use crate::analysis::nat::network_intervals;
use crate::analysis::space::{Intervals, PacketSet, state};
use crate::analysis::{Place, Service};
use crate::declare_code;
use crate::diagnostics::LintMeta;
use crate::model::{Family, Hook, TableKind};

declare_code! {
    /// ## What it does
    /// For each service the host listens on (from `[host] services` in
    /// fwlint.toml, or `--listening` with what `ss -Hltun` prints), asks
    /// the packet-flow analysis which new connections to it `INPUT`
    /// accepts, and reports those from sources outside `[host] trusted`
    /// (or from anywhere, when no network is trusted), naming the sources
    /// and the rule or policy that lets them in.
    ///
    /// Only connections that are accepted whatever fwlint cannot judge
    /// (unknown matches, rate limits) are reported. Services bound to a
    /// loopback address are left out.
    ///
    /// ## Why is this bad?
    /// A database, an admin interface or a monitoring application that
    /// the world can reach is one exploit away from a compromise. Reaching
    /// it from the networks that need it is usually enough.
    ///
    /// ## Example
    /// With `services = ["tcp/5432"]` and `trusted = ["10.0.0.0/8"]` under
    /// `[host]` in fwlint.toml:
    /// ```iptables
    /// # fwlint-host: services=tcp/5432 trusted=10.0.0.0/8
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -p tcp --dport 5432 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// # fwlint-host: services=tcp/5432 trusted=10.0.0.0/8
    /// *filter
    /// :INPUT DROP [0:0]
    /// -A INPUT -s 10.0.0.0/8 -p tcp --dport 5432 -j ACCEPT
    /// COMMIT
    /// ```
    pub static LOCAL_SERVICE_EXPOSED = {
        code: "FW208",
        name: "local-service-exposed",
        category: Security,
        summary: "a listening service that INPUT opens beyond the trusted networks",
    };
}

pub struct LocalServiceExposed;

fn bound_to_loopback(service: &Service) -> bool {
    service.address.is_some_and(|address| address.is_loopback())
}

impl Lint for LocalServiceExposed {
    fn meta(&self) -> &'static LintMeta {
        &LOCAL_SERVICE_EXPOSED
    }

    fn uses_analysis(&self) -> bool {
        true
    }

    fn check_file(&self, cx: &mut FileContext<'_>) {
        if cx.facts.incomplete(TableKind::Filter) {
            return;
        }
        let mut findings = Vec::new();
        {
            let analysis = cx.analysis();
            let host = &analysis.host;
            if !host.services_given {
                return;
            }
            let Some(filter) = analysis.table(TableKind::Filter) else {
                return;
            };
            let evaluator = &filter.evaluator;
            let Some(input) = evaluator
                .table
                .chains
                .iter()
                .position(|chain| chain.hook == Some(Hook::Input))
            else {
                return;
            };
            let family = analysis.family;
            let trusted = network_intervals(&host.trusted, family);
            let addresses = network_intervals(&host.addresses, family);
            let loopback = analysis.atoms.pattern("lo").0;
            for service in &host.services {
                if bound_to_loopback(service) {
                    continue;
                }
                if let Some(address) = service.address
                    && !address.is_unspecified()
                    && address.is_ipv4() != (family == Family::V4)
                {
                    continue;
                }
                let mut packets = analysis.hook_universe(Hook::Input);
                packets.proto = Intervals::point(u32::from(service.protocol));
                packets.dport = Intervals::point(u32::from(service.port));
                packets.state = state::NEW;
                packets.iif &= !loopback;
                packets.src = packets.src.subtract(&trusted);
                match service.address.filter(|address| !address.is_unspecified()) {
                    Some(address) => packets.dst = Intervals::point(address_value(address)),
                    None if host.addresses_given => packets.dst = packets.dst.intersect(&addresses),
                    None => {}
                }
                if packets.is_empty() {
                    continue;
                }
                let everyone = packets.src.clone();
                let Some(accepted) =
                    surely_accepted_in_input(analysis, PacketSet::from_cube(packets))
                else {
                    continue;
                };
                let Some(&(first, _)) = accepted.first() else {
                    continue;
                };
                let sources = accepted
                    .iter()
                    .flat_map(|(_, set)| set.cubes())
                    .fold(Intervals::empty(), |sources, cube| sources.union(&cube.src));
                let who = if sources == everyone {
                    if trusted.is_empty() {
                        "from anywhere".to_string()
                    } else {
                        "from every source outside the trusted networks".to_string()
                    }
                } else {
                    format!("from {}", describe_addresses(&sources, family))
                };
                let places: Vec<(crate::source::Span, String)> = accepted
                    .iter()
                    .take(3)
                    .map(|(place, _)| {
                        let text = match place {
                            Place::Policy { .. } => "the policy accepts them".to_string(),
                            Place::Rule { .. } => "accepts them".to_string(),
                        };
                        (evaluator.span_of(*place), text)
                    })
                    .collect();
                findings.push((
                    evaluator.span_of(first),
                    format!(
                        "{service}, which this host listens on, is open to new connections {who}: {} accepts them",
                        name_place(evaluator, cx.source, first, input)
                    ),
                    places,
                ));
            }
        }
        for (span, message, places) in findings {
            let diagnostic = cx.report(span, message);
            diagnostic.label("lets them in");
            for (place, text) in places.into_iter().skip(1) {
                diagnostic.secondary(place, text);
            }
            diagnostic.help("accept the service only from the networks that need it (`-s NETWORK`), or list them under `[host] trusted` in fwlint.toml if they are trusted");
        }
    }
}
