//! Targets that change packets or their metadata and let traversal go on:
//! marks, TOS/DSCP, TTL/hop limit, MSS clamping, checksums, security
//! contexts, set membership, and IPv6 prefix translation.

mod checksum;
mod classify;
mod connmark;
mod dscp;
mod ecn;
mod hl;
mod mark;
mod tcpmss;
mod tcpoptstrip;
mod tos;
mod ttl;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[
    &mark::MARK,
    &connmark::CONNMARK,
    &classify::CLASSIFY,
    &dscp::DSCP,
    &tos::TOS,
    &ttl::TTL,
    &hl::HL,
    &tcpmss::TCPMSS4,
    &tcpmss::TCPMSS6,
    &tcpoptstrip::TCPOPTSTRIP,
    &checksum::CHECKSUM,
    &ecn::ECN,
];

/// [`crate::model::Hook::bit`] in a constant context (the framework's
/// method is not `const`).
pub(crate) const fn hook_bit(hook: crate::model::Hook) -> u8 {
    1 << hook as u8
}
