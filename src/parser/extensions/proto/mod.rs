//! Protocol matches: the layer-4 headers (`tcp`, `udp`, `sctp`, `dccp`,
//! `icmp`, `icmp6`, `multiport`, IPsec headers) and the IPv6 extension
//! headers.

mod tcp;
mod udp;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[&tcp::TCP, &udp::UDP];
