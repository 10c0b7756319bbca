//! `-m eui64` (libip6t_eui64.c, IPv6 only): the source address's interface
//! identifier is the EUI-64 built from the source MAC address. It has no
//! options. The kernel reads the MAC header of incoming packets, so it
//! accepts the match only in chains reached from PREROUTING, INPUT or
//! FORWARD, in any table.

use crate::model::{ExtensionKind, Hook};
use crate::parser::extensions::{ExtensionDef, Families, KernelReqs};

pub static EUI64: ExtensionDef = ExtensionDef {
    name: "eui64",
    kind: ExtensionKind::Match,
    families: Families::V6,
    kernel: KernelReqs {
        hooks: Hook::Prerouting.bit() | Hook::Input.bit() | Hook::Forward.bit(),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Family;
    use crate::parser::extensions::testing::{accepts_in, refuses, refuses_in};

    #[test]
    fn only_on_incoming_hooks() {
        accepts_in(Family::V6, "raw", "PREROUTING", "-m eui64 -j ACCEPT");
        accepts_in(Family::V6, "filter", "INPUT", "-m eui64 -j ACCEPT");
        accepts_in(Family::V6, "mangle", "FORWARD", "-m eui64 -j ACCEPT");
        accepts_in(Family::V6, "nat", "PREROUTING", "-m eui64 -j ACCEPT");
        accepts_in(Family::V6, "filter", "UNUSED", "-m eui64 -j ACCEPT");
        refuses_in(
            Family::V6,
            "filter",
            "OUTPUT",
            "-m eui64 -j ACCEPT",
            "works only in chains reached from",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "POSTROUTING",
            "-m eui64 -j ACCEPT",
            "works only in chains reached from",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-m eui64 --eui 1 -j ACCEPT",
            "unknown option `--eui`",
        );
        refuses("-m eui64 -j ACCEPT", "exists only in ip6tables");
    }
}
