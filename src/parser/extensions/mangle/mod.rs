//! Targets that change packets or their metadata and let traversal go on:
//! marks, TOS/DSCP, TTL/hop limit, MSS clamping, checksums, security
//! contexts, set membership, and IPv6 prefix translation.

mod classify;
mod connmark;
mod dscp;
mod hl;
mod mark;
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
];

/// [`crate::model::Hook::bit`] in a constant context (the framework's
/// method is not `const`).
pub(crate) const fn hook_bit(hook: crate::model::Hook) -> u8 {
    1 << hook as u8
}
