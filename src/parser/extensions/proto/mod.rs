//! Protocol matches: the layer-4 headers (`tcp`, `udp`, `sctp`, `dccp`,
//! `icmp`, `icmp6`, `multiport`), the IPsec and IPComp headers (`esp`,
//! `ah`, `ipcomp`), the Mobility Header (`mh`) and the IPv6 extension
//! headers (`frag`, `hbh`, `dst`, `rt`, `ipv6header`, `srh`, `eui64`).

mod ah;
mod common;
mod dccp;
mod dst;
mod esp;
mod eui64;
mod frag;
mod hbh;
mod icmp;
mod icmp6;
mod ipcomp;
mod ipv6header;
mod mh;
mod multiport;
mod ports;
mod rt;
mod sctp;
mod srh;
mod tcp;
mod udp;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[
    &tcp::TCP,
    &udp::UDP,
    &sctp::SCTP,
    &dccp::DCCP,
    &icmp::ICMP,
    &icmp6::ICMP6,
    &multiport::MULTIPORT,
    &esp::ESP,
    &ah::AH_V4,
    &ah::AH_V6,
    &ipcomp::IPCOMP,
    &mh::MH,
    &frag::FRAG,
    &hbh::HBH,
    &dst::DST,
    &rt::RT,
    &ipv6header::IPV6HEADER,
    &srh::SRH,
    &eui64::EUI64,
];
