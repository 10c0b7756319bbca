//! `-j SNPT` (libip6t_SNPT.c, IPv6 only): stateless IPv6-to-IPv6 network
//! prefix translation (RFC 6296) of source addresses, with the options and
//! prefix rules of `DNPT` (see [`super::dnpt`]). The kernel accepts SNPT
//! only in the mangle table, in chains reached from INPUT and POSTROUTING.

use crate::model::{ExtensionKind, Hook, TableKind};
use crate::parser::extensions::{ExtensionDef, Families, KernelReqs, Termination};

use super::dnpt::{OPTIONS, check_prefixes, parse_prefix};

pub static SNPT: ExtensionDef = ExtensionDef {
    name: "SNPT",
    kind: ExtensionKind::Target,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse_prefix),
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        hooks: Hook::Input.bit() | Hook::Postrouting.bit(),
        check: Some(check_prefixes),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Family;
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn translates_source_prefixes() {
        let rule = accepts_in(
            Family::V6,
            "mangle",
            "POSTROUTING",
            "-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
        );
        assert_eq!(target(&rule).name, "SNPT");
        accepts_in(
            Family::V6,
            "mangle",
            "INPUT",
            "-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses = |chain: &str, rule: &str, expected: &str| {
            refuses_in(Family::V6, "mangle", chain, rule, expected)
        };
        refuses("INPUT", "-j SNPT", "needs `--src-pfx`");
        refuses(
            "INPUT",
            "-j SNPT --src-pfx dead::beef --dst-pfx 1c3::/64",
            "/128 prefix",
        );
        refuses("INPUT", "-j SNPT --src-pfx dead::/64", "needs `--dst-pfx`");
        refuses(
            "OUTPUT",
            "-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "INPUT, POSTROUTING",
        );
        refuses(
            "FORWARD",
            "-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "INPUT, POSTROUTING",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j SNPT --src-pfx dead::/64 --dst-pfx 1c3::/64",
            "mangle",
        );
    }
}
