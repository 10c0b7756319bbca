//! `-m socket` (libxt_socket.c, revision 3): matches packets that belong to
//! a local socket, found by looking the packet up early. `--transparent`
//! only counts transparent sockets, `--nowildcard` also counts sockets
//! bound to the wildcard address, `--restore-skmark` copies the socket's
//! mark to the packet. The kernel accepts it only in chains reached from
//! PREROUTING and INPUT.

use crate::model::{ExtensionKind, Hook};
use crate::parser::extensions::{ArgType, ExtensionDef, KernelReqs, OptSpec};

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("transparent", 0, ArgType::None),
    OptSpec::new("nowildcard", 1, ArgType::None),
    OptSpec::new("restore-skmark", 2, ArgType::None),
];

pub static SOCKET: ExtensionDef = ExtensionDef {
    name: "socket",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    kernel: KernelReqs {
        hooks: Hook::Prerouting.bit() | Hook::Input.bit(),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Family;
    use crate::parser::extensions::testing::{
        accepts, accepts_in, match_named, refuses, refuses_in,
    };

    #[test]
    fn flags() {
        let rule = accepts("-m socket --transparent --nowildcard --restore-skmark -j ACCEPT");
        let socket = match_named(&rule, "socket");
        assert!(
            socket.has_option("transparent")
                && socket.has_option("nowildcard")
                && socket.has_option("restore-skmark")
        );
        accepts_in(Family::V6, "mangle", "PREROUTING", "-m socket");
        refuses(
            "-m socket --transparent --transparent",
            "can only be given once",
        );
        refuses("-m socket ! --transparent", "cannot be negated");
    }

    #[test]
    fn only_on_the_way_in() {
        refuses_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m socket",
            "works only in chains reached from PREROUTING, INPUT",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "OUTPUT",
            "-m socket",
            "works only in chains reached from PREROUTING, INPUT",
        );
        refuses_in(
            Family::V4,
            "nat",
            "POSTROUTING",
            "-m socket",
            "works only in chains reached from",
        );
    }
}
