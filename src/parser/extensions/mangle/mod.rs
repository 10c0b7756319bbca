//! Targets that change packets or their metadata and let traversal go on:
//! marks, TOS/DSCP, TTL/hop limit, MSS clamping, checksums, security
//! contexts, set membership, and IPv6 prefix translation.

mod connmark;
mod mark;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[&mark::MARK, &connmark::CONNMARK];
