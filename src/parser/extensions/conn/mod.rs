//! Matches on connection tracking and on rates, counts and accounting:
//! `conntrack`, `state`, connection marks and labels, limits, quotas,
//! `recent`, `statistic`, `time`, socket ownership.

mod common;
mod conntrack;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[&conntrack::CONNTRACK, &conntrack::STATE];
