//! `-j REJECT` for IPv4 (libipt_REJECT.c): drops the packet and answers
//! with an ICMP error or a TCP reset. `--reject-with` takes a type name, its
//! alias, or any case-insensitive prefix of either: iptables picks the
//! first entry of its table that the text starts (so `icmp-` means
//! `icmp-net-unreachable`). The kernel accepts REJECT only in the filter
//! table, in chains reached from INPUT, FORWARD and OUTPUT, and
//! `tcp-reset` only with `-p tcp` (not negated).
//!
//! The value is the canonical type name, as iptables-save prints it.

use crate::model::{ExtensionKind, Hook, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelCall, KernelReqs, OptCall, OptSpec, ParseHook,
    Termination,
};
use crate::parser::values::starts_with_ignore_case;

/// A reject type: its name (printed by iptables-save) and its alias.
pub(super) struct RejectType {
    pub name: &'static str,
    pub alias: &'static str,
}

pub(super) const fn ty(name: &'static str, alias: &'static str) -> RejectType {
    RejectType { name, alias }
}

/// The IPv4 types in the order of iptables' table (`echo-reply` is gone).
static TYPES: [RejectType; 8] = [
    ty("icmp-net-unreachable", "net-unreach"),
    ty("icmp-host-unreachable", "host-unreach"),
    ty("icmp-proto-unreachable", "proto-unreach"),
    ty("icmp-port-unreachable", "port-unreach"),
    ty("icmp-net-prohibited", "net-prohib"),
    ty("icmp-host-prohibited", "host-prohib"),
    ty("tcp-reset", "tcp-rst"),
    ty("icmp-admin-prohibited", "admin-prohib"),
];

const TCP_RESET: &str = "tcp-reset";

static OPTIONS: [OptSpec; 1] = [OptSpec::new("reject-with", 0, ArgType::String)];

/// The definition of REJECT for one family; `parse` reads the family's
/// types with [`parse_type`]. The kernel's rules are the same for both.
pub(super) const fn definition(families: Families, parse: ParseHook) -> ExtensionDef {
    ExtensionDef {
        name: "REJECT",
        kind: ExtensionKind::Target,
        families,
        options: &OPTIONS,
        parse: Some(parse),
        kernel: KernelReqs {
            table: Some(TableKind::Filter),
            hooks: Hook::Input.bit() | Hook::Forward.bit() | Hook::Output.bit(),
            check: Some(kernel_check),
            ..KernelReqs::NONE
        },
        termination: Termination::Terminal,
        ..ExtensionDef::BASE
    }
}

pub static REJECT: ExtensionDef = definition(Families::V4, parse);

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_type(call, &TYPES, true)
}

/// `REJECT_parse`: the first type whose name or alias starts with the
/// argument. `echo_reply` adds iptables' note about the retired
/// `echo-reply` type (IPv4 only).
pub(super) fn parse_type(
    call: &mut OptCall<'_, '_>,
    types: &[RejectType],
    echo_reply: bool,
) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let matching: Vec<&RejectType> = types
        .iter()
        .filter(|ty| {
            starts_with_ignore_case(ty.name, text) || starts_with_ignore_case(ty.alias, text)
        })
        .collect();
    let Some(chosen) = matching.first() else {
        let names = types
            .iter()
            .map(|ty| ty.name)
            .collect::<Vec<_>>()
            .join(", ");
        let retired = echo_reply
            && (starts_with_ignore_case("echo-reply", text)
                || starts_with_ignore_case("echoreply", text));
        let help = if retired {
            format!("`echo-reply` is no longer supported; the types are {names}")
        } else {
            format!("the types are {names}")
        };
        return Err(call
            .error(format!("unknown reject type `{text}`"))
            .help(help));
    };
    let exact = types
        .iter()
        .any(|ty| ty.name.eq_ignore_ascii_case(text) || ty.alias.eq_ignore_ascii_case(text));
    if matching.len() > 1 && !exact {
        let others = matching[1..]
            .iter()
            .map(|ty| format!("`{}`", ty.name))
            .collect::<Vec<_>>()
            .join(", ");
        call.warn(format!(
            "`{text}` abbreviates several reject types: iptables takes `{}`, not {others}",
            chosen.name
        ));
    }
    Ok(Value::Symbol(chosen.name.into()))
}

/// The kernel's `reject_tg_check`: a TCP reset answers TCP packets only.
fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let with = call
        .extension
        .option("reject-with")
        .and_then(|option| option.value.as_text());
    if with == Some(TCP_RESET) && call.protocol() != Some(6) {
        let span = call
            .extension
            .option("reject-with")
            .map_or(call.extension.span, |option| option.span);
        return Err(ExtError::new(
            "`--reject-with tcp-reset` works only with `-p tcp`: the kernel refuses this rule",
        )
        .at(span)
        .help("add `-p tcp` to the rule, or reject other protocols with an ICMP type"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, refuses, refuses_in, target, warnings,
    };

    fn reject_with(rule: &str) -> Value {
        target(&accepts(rule))
            .option("reject-with")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn types_aliases_and_prefixes() {
        assert!(target(&accepts("-j REJECT")).options.is_empty());
        for name in [
            "icmp-net-unreachable",
            "icmp-host-unreachable",
            "icmp-port-unreachable",
            "icmp-proto-unreachable",
            "icmp-net-prohibited",
            "icmp-host-prohibited",
            "icmp-admin-prohibited",
        ] {
            assert_eq!(
                reject_with(&format!("-j REJECT --reject-with {name}")),
                Value::Symbol(name.into())
            );
        }
        assert_eq!(
            reject_with("-p tcp -j REJECT --reject-with tcp"),
            Value::Symbol("tcp-reset".into())
        );
        assert_eq!(
            reject_with("-p tcp -j REJECT --reject-with tcp-rst"),
            Value::Symbol("tcp-reset".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with host"),
            Value::Symbol("icmp-host-unreachable".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with HOST-PROHIB"),
            Value::Symbol("icmp-host-prohibited".into())
        );
        assert_eq!(
            reject_with("-j REJECT --reject-with admin"),
            Value::Symbol("icmp-admin-prohibited".into())
        );
        assert_eq!(
            reject_with(r#"-j REJECT --reject-with """#),
            Value::Symbol("icmp-net-unreachable".into())
        );
        accepts("-j REJECT --reject-with tcp-reset -p tcp");
        accepts_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-p 6 -j REJECT --reject-with tcp-reset",
        );
    }

    #[test]
    fn ambiguous_abbreviations_get_a_warning() {
        let found = warnings(Family::V4, "-j REJECT --reject-with icmp-");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("iptables takes `icmp-net-unreachable`")),
            "{found:?}"
        );
        assert!(
            warnings(Family::V4, "-j REJECT --reject-with icmp-h")
                .iter()
                .any(|w| w.message.contains("abbreviates"))
        );
        assert!(warnings(Family::V4, "-j REJECT --reject-with icmp-host-prohibited").is_empty());
        assert!(warnings(Family::V4, "-j REJECT --reject-with net-prohib").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-j REJECT --reject-with port-unreachable",
            "unknown reject type `port-unreachable`",
        );
        refuses("-j REJECT --reject-with echo-reply", "unknown reject type");
        refuses("-j REJECT --reject-with x", "unknown reject type");
        refuses(
            "-j REJECT --reject-with icmp6-no-route",
            "unknown reject type",
        );
        refuses(
            "-j REJECT --reject-with icmp-net-unreachable --reject-with icmp-port-unreachable",
            "only be given once",
        );
    }

    #[test]
    fn refuses_what_the_kernel_refuses() {
        refuses(
            "-j REJECT --reject-with tcp-reset",
            "works only with `-p tcp`",
        );
        refuses(
            "! -p tcp -j REJECT --reject-with tcp-reset",
            "works only with `-p tcp`",
        );
        refuses(
            "-p udp -j REJECT --reject-with tcp-reset",
            "works only with `-p tcp`",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "INPUT",
            "-j REJECT",
            "works only in the filter table",
        );
        refuses_in(
            Family::V4,
            "security",
            "INPUT",
            "-j REJECT",
            "works only in the filter table",
        );
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-j REJECT",
            "works only in the filter table",
        );
    }
}
