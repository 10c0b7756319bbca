//! `-j TCPOPTSTRIP` (libxt_TCPOPTSTRIP.c): removes TCP options from TCP
//! packets. `--strip-options` lists option kinds, by number (2-255) or by
//! name (`wscale`, `mss`, `sack-permitted`, `sack`, `timestamp`, `md5`);
//! the value is the list of kinds as decimal numbers in increasing order,
//! as iptables-save prints them. Without the option nothing is stripped.
//!
//! The kernel requires `-p tcp` and accepts TCPOPTSTRIP only in the mangle
//! table.

use crate::model::{ExtensionKind, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};
use crate::parser::values;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("strip-options", 0, ArgType::String)];

pub static TCPOPTSTRIP: ExtensionDef = ExtensionDef {
    name: "TCPOPTSTRIP",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(6),
        table: Some(TableKind::Mangle),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// TCP option kinds by the names iptables knows.
const NAMES: [(&str, u8); 6] = [
    ("wscale", 3),
    ("mss", 2),
    ("sack-permitted", 4),
    ("sack", 5),
    ("timestamp", 8),
    ("md5", 19),
];

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut kinds = [false; 256];
    for item in text.split(',') {
        let kind = NAMES
            .iter()
            .find(|(name, _)| *name == item)
            .map(|(_, kind)| u64::from(*kind))
            .or_else(|| values::parse_uint(item, 0, 255))
            .ok_or_else(|| {
                call.error(format!("bad TCP option `{item}`"))
                    .help("use numbers from 2 to 255 or wscale, mss, sack-permitted, sack, timestamp, md5, separated by commas")
            })?;
        if kind < 2 {
            return Err(call
                .error(format!("`TCPOPTSTRIP` cannot strip option kind {kind}"))
                .help("options 0 (end of list) and 1 (no-operation) are not options to strip"));
        }
        let seen = &mut kinds[usize::try_from(kind).unwrap_or(0)];
        if *seen {
            return Err(call.error(format!("option `{item}` is listed twice")));
        }
        *seen = true;
    }
    Ok(Value::List(
        kinds
            .iter()
            .enumerate()
            .filter(|(_, listed)| **listed)
            .map(|(kind, _)| kind.to_string())
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn kinds(rule: &str) -> Value {
        let rule = accepts_in(Family::V4, "mangle", "FORWARD", rule);
        target(&rule).option("strip-options").unwrap().value.clone()
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|item| (*item).to_string()).collect())
    }

    #[test]
    fn option_kinds_by_number_and_name() {
        assert_eq!(
            kinds("-p tcp -j TCPOPTSTRIP --strip-options 2,3,4,5,6,7"),
            list(&["2", "3", "4", "5", "6", "7"])
        );
        assert_eq!(
            kinds("-p tcp -j TCPOPTSTRIP --strip-options mss,wscale"),
            list(&["2", "3"])
        );
        assert_eq!(
            kinds("-p tcp -j TCPOPTSTRIP --strip-options 255,0x10"),
            list(&["16", "255"])
        );
        assert_eq!(
            kinds("-p tcp -j TCPOPTSTRIP --strip-options sack-permitted,sack,timestamp,md5"),
            list(&["4", "5", "8", "19"])
        );
        let rule = accepts_in(Family::V6, "mangle", "PREROUTING", "-p tcp -j TCPOPTSTRIP");
        assert!(target(&rule).options.is_empty());
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "INPUT", rule, expected);
        refuses("-j TCPOPTSTRIP", "works only with `-p tcp`");
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 0",
            "cannot strip option kind 0",
        );
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 1",
            "cannot strip option kind 1",
        );
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 1,2",
            "cannot strip option kind 1",
        );
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options MSS",
            "bad TCP option",
        );
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 256",
            "bad TCP option",
        );
        refuses("-p tcp -j TCPOPTSTRIP --strip-options 2,", "bad TCP option");
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 2,mss",
            "listed twice",
        );
        refuses(
            "-p tcp -j TCPOPTSTRIP --strip-options 2 --strip-options 3",
            "only be given once",
        );
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-p tcp -j TCPOPTSTRIP",
            "only in the mangle table",
        );
    }
}
