//! Matches on connection tracking and on rates, counts and accounting:
//! `conntrack`, `state`, connection marks and labels, limits, quotas,
//! `recent`, `statistic`, `time`, socket ownership.

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[];
