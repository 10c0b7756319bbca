//! `-m dccp` (libxt_dccp.c): ports, packet types and options of DCCP.
//! `-p dccp` loads it by itself when one of its options follows. The kernel
//! accepts it only with `-p dccp` (33, not negated), in every table and
//! chain.
//!
//! Ports are `XTTYPE_PORTRC`, as for `udp`: decimal numbers cut to 16 bits
//! or service names of any protocol; a reversed range is accepted and
//! matches no port. `--dccp-types` is a comma-separated list of type names
//! in any case (`INVALID` stands for types 10 to 15); the typed value lists
//! them as iptables-save prints them. `--dccp-option` is a number from 1
//! to 255.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec};

const O_SPORT: u8 = 0;
const O_DPORT: u8 = 1;
const O_TYPES: u8 = 2;
const O_OPTION: u8 = 3;

static OPTIONS: [OptSpec; 6] = [
    OptSpec::new("sport", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("source-port", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("dport", O_DPORT, ArgType::PortRange).invert(),
    OptSpec::new("destination-port", O_DPORT, ArgType::PortRange).invert(),
    OptSpec::new("dccp-types", O_TYPES, ArgType::String).invert(),
    OptSpec::new("dccp-option", O_OPTION, ArgType::UInt8)
        .range(1, 255)
        .invert(),
];

pub static DCCP: ExtensionDef = ExtensionDef {
    name: "dccp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(33),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// `dccp_pkt_types`: the packet types by number.
const TYPES: [&str; 11] = [
    "REQUEST", "RESPONSE", "DATA", "ACK", "DATAACK", "CLOSEREQ", "CLOSE", "RESET", "SYNC",
    "SYNCACK", "INVALID",
];

/// `parse_dccp_types`: the names, in type order, without repeats.
fn parse_types(call: &mut OptCall<'_, '_>) -> Result<Vec<String>, ExtError> {
    let text = call.arg_text();
    let mut mask = 0u16;
    for name in text.split(',').filter(|name| !name.is_empty()) {
        let kind = TYPES.iter().position(|known| known.eq_ignore_ascii_case(name)).ok_or_else(|| {
            call.error(format!("unknown DCCP packet type `{name}`")).help(
                "DCCP types are REQUEST, RESPONSE, DATA, ACK, DATAACK, CLOSEREQ, CLOSE, RESET, SYNC, SYNCACK and INVALID",
            )
        })?;
        mask |= 1 << kind;
    }
    if mask == 0 {
        let fate = if call.invert {
            "every packet"
        } else {
            "no packet"
        };
        call.warn_help(
            format!("`--dccp-types` has an empty list: it matches {fate}"),
            "name at least one type, such as `REQUEST`",
        );
    }
    Ok(TYPES
        .iter()
        .enumerate()
        .filter(|(kind, _)| mask & (1 << kind) != 0)
        .map(|(_, name)| (*name).to_string())
        .collect())
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_TYPES => parse_types(call).map(|list| Value::List(list.into())),
        _ => call.generic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, PortRange, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    #[test]
    fn ports_types_and_options() {
        let rule = accepts(
            "-p dccp -m dccp --sport 1024: ! --dport 4:3 --dccp-types sync,REQUEST --dccp-option 0x10 -j ACCEPT",
        );
        let dccp = match_named(&rule, "dccp");
        assert_eq!(
            dccp.option("sport").unwrap().value,
            Value::PortRange(PortRange {
                first: 1024,
                last: 65535
            })
        );
        assert_eq!(
            dccp.option("dport").unwrap().value,
            Value::PortRange(PortRange { first: 4, last: 3 })
        );
        assert!(dccp.option("dport").unwrap().negated);
        assert_eq!(
            dccp.option("dccp-types").unwrap().value,
            Value::List(vec!["REQUEST".to_string(), "SYNC".to_string()].into())
        );
        assert_eq!(dccp.option("dccp-option").unwrap().value, Value::UInt(16));
        let rule = accepts6("-p dccp ! --dccp-types INVALID,ACK,,ack -j ACCEPT");
        let types = match_named(&rule, "dccp").option("dccp-types").unwrap();
        assert!(types.negated);
        assert_eq!(
            types.value,
            Value::List(vec!["ACK".to_string(), "INVALID".to_string()].into())
        );
        let rule = accepts("-p dccp --sport 70000 -j ACCEPT");
        assert_eq!(
            match_named(&rule, "dccp").option("sport").unwrap().value,
            Value::PortRange(PortRange::single(4464))
        );
        accepts("-p dccp -m dccp -j ACCEPT");
    }

    #[test]
    fn surprising_values_are_reported() {
        let found = warnings(Family::V4, "-p dccp --dccp-types \"\" -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("empty list")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p dccp --sport 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("reversed")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p dccp --sport 70000 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("port 4464")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p dccp --sport -1 -j ACCEPT",
            "neither a number nor a known service",
        );
        refuses(
            "-p dccp --dccp-types FOO -j ACCEPT",
            "unknown DCCP packet type `FOO`",
        );
        refuses("-p dccp --dccp-option 0 -j ACCEPT", "from 1 to 255");
        refuses("-p dccp --dccp-option 256 -j ACCEPT", "from 1 to 255");
        refuses("-p dccp --dccp-option -1 -j ACCEPT", "from 1 to 255");
        refuses(
            "-p dccp --dccp-types ACK --dccp-types DATA -j ACCEPT",
            "can only be given once",
        );
        refuses(
            "-p dccp --sport 5 --source-port 6 -j ACCEPT",
            "can only be given once",
        );
        refuses("-m dccp --sport 1 -j ACCEPT", "works only with `-p dccp`");
        refuses6(
            "-p udp -m dccp --sport 1 -j ACCEPT",
            "works only with `-p dccp`",
        );
    }
}
