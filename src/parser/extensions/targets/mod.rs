//! Targets that decide or observe a packet's fate: the standard verdicts,
//! REJECT, logging, queueing, NAT, and connection-tracking targets.

mod standard;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[&standard::STANDARD];
