//! `-m mac --mac-source XX:XX:XX:XX:XX:XX` (libxt_mac.c): matches the
//! Ethernet source address. Each of the six parts is read as a hexadecimal C
//! number of at most two characters (`4:1:2:3:4:5` is
//! `04:01:02:03:04:05`). Only incoming packets have a source MAC: the kernel
//! accepts the match only in chains reached from `PREROUTING`, `INPUT` and
//! `FORWARD`.

use crate::model::{ExtensionKind, Hook};
use crate::parser::extensions::{ArgType, ExtensionDef, KernelReqs, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("mac-source", 0, ArgType::EtherMac)
    .mandatory()
    .invert()];

pub static MAC: ExtensionDef = ExtensionDef {
    name: "mac",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    kernel: KernelReqs {
        hooks: Hook::Prerouting.bit() | Hook::Input.bit() | Hook::Forward.bit(),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, match_named, refuses, refuses_in,
    };

    #[test]
    fn source_addresses() {
        let rule = accepts("-m mac --mac-source 42:01:02:03:04:05 -j DROP");
        assert_eq!(
            match_named(&rule, "mac")
                .option("mac-source")
                .unwrap()
                .value,
            Value::Mac([0x42, 1, 2, 3, 4, 5])
        );
        let rule = accepts6("-m mac ! --mac-source 4:1:2:3:4:5");
        let option = match_named(&rule, "mac").option("mac-source").unwrap();
        assert!(option.negated);
        assert_eq!(option.value, Value::Mac([4, 1, 2, 3, 4, 5]));
        // strtoul reads nothing in an empty last part: it is 0.
        let rule = accepts("-m mac --mac-source 42:01:02:03:04:");
        assert_eq!(
            match_named(&rule, "mac")
                .option("mac-source")
                .unwrap()
                .value,
            Value::Mac([0x42, 1, 2, 3, 4, 0])
        );
        accepts_in(
            Family::V4,
            "nat",
            "PREROUTING",
            "-m mac --mac-source 42:01:02:03:04:05",
        );
        accepts_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m mac --mac-source 42:01:02:03:04:05",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m mac --mac-source 42:01:02:03:04", "invalid MAC address");
        refuses(
            "-m mac --mac-source 42:01:02:03:04:05:06",
            "invalid MAC address",
        );
        refuses(
            "-m mac --mac-source 042:01:02:03:04:05",
            "invalid MAC address",
        );
        refuses(
            "-m mac --mac-source 42-01-02-03-04-05",
            "invalid MAC address",
        );
        refuses("-m mac", "`mac` needs `--mac-source`");
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m mac --mac-source 42:01:02:03:04:05",
            "works only in chains reached from PREROUTING, INPUT, FORWARD",
        );
        refuses_in(
            Family::V6,
            "nat",
            "POSTROUTING",
            "-m mac --mac-source 42:01:02:03:04:05",
            "works only in chains reached from",
        );
    }
}
