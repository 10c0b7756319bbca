//! Matches on properties of the packet itself: addresses and address types,
//! interfaces, marks, lengths, header fields, payload, and comments.

mod addrtype;
mod bpf;
mod comment;
mod devgroup;
mod dscp;
mod ecn;
mod hl;
mod iprange;
mod ipvs;
mod length;
mod mac;
mod mark;
mod osf;
mod physdev;
mod pkttype;
mod policy;
mod realm;
mod rpfilter;
mod set;
mod string;
mod support;
mod tcpmss;
mod tos;
mod ttl;
mod u32;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[
    &comment::COMMENT,
    &mark::MARK,
    &addrtype::ADDRTYPE,
    &iprange::IPRANGE,
    &mac::MAC,
    &pkttype::PKTTYPE,
    &physdev::PHYSDEV,
    &devgroup::DEVGROUP,
    &rpfilter::RPFILTER,
    &policy::POLICY,
    &ipvs::IPVS,
    &osf::OSF,
    &realm::REALM,
    &u32::U32,
    &bpf::BPF,
    &string::STRING,
    &set::SET,
    &length::LENGTH,
    &ttl::TTL,
    &hl::HL,
    &ecn::ECN,
    &tcpmss::TCPMSS,
    &tos::TOS,
    &dscp::DSCP,
];
