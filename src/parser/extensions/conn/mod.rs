//! Matches on connection tracking and on rates, counts and accounting:
//! `conntrack`, `state`, connection marks, bytes, labels and limits,
//! `helper`, `limit` and `hashlimit`, `recent`, `quota`, `statistic`,
//! `time`, socket ownership (`owner`, `cgroup`, `socket`), `nfacct`,
//! `rateest`, `cpu` and `cluster`.

mod cgroup;
mod cluster;
mod connbytes;
mod connlabel;
mod connlimit;
mod connmark;
mod conntrack;
mod cpu;
mod hashlimit;
mod helper;
mod limit;
mod nfacct;
mod owner;
mod quota;
mod rate;
mod rateest;
mod recent;
mod socket;
mod statistic;
mod time;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[
    &conntrack::CONNTRACK,
    &conntrack::STATE,
    &connbytes::CONNBYTES,
    &connlabel::CONNLABEL,
    &connlimit::CONNLIMIT,
    &connmark::CONNMARK,
    &helper::HELPER,
    &limit::LIMIT,
    &hashlimit::HASHLIMIT,
    &recent::RECENT,
    &quota::QUOTA,
    &statistic::STATISTIC,
    &time::TIME,
    &owner::OWNER,
    &cgroup::CGROUP,
    &socket::SOCKET,
    &nfacct::NFACCT,
    &rateest::RATEEST,
    &cpu::CPU,
    &cluster::CLUSTER,
];
