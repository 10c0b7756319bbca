//! Matches on connection tracking and on rates, counts and accounting:
//! `conntrack`, `state`, connection marks and labels, limits, quotas,
//! `recent`, `statistic`, `time`, socket ownership.

mod common;
mod connbytes;
mod connlabel;
mod connlimit;
mod connmark;
mod conntrack;
mod hashlimit;
mod helper;
mod limit;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[
    &conntrack::CONNTRACK,
    &conntrack::STATE,
    &connbytes::CONNBYTES,
    &connlabel::CONNLABEL,
    &connlimit::CONNLIMIT,
    &connmark::CONNMARK,
    &hashlimit::HASHLIMIT,
    &helper::HELPER,
    &limit::LIMIT,
];
