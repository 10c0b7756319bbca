//! `-j CT` and `-j NOTRACK` (libxt_CT.c): set up the connection-tracking
//! entry of a new connection before conntrack sees it: no tracking at all
//! (`--notrack`, or the `NOTRACK` alias), a helper, a timeout policy,
//! which events to report, and a zone. Both go on with the next rule.
//!
//! The kernel accepts them only in the raw table. Unless `--notrack` is
//! given, a `--helper` or `--timeout` needs the rule's `-p` (not negated),
//! and the helper must exist for that protocol and family; user-space
//! helpers (`nfct helper add`) and timeout policies (`nfct timeout add`)
//! are objects fwlint cannot see: they get a warning.

use crate::model::{ExtensionKind, Family, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtWarning, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall,
    OptSpec, Termination,
};
use crate::parser::values;

const O_NOTRACK: u8 = 0;
const O_HELPER: u8 = 1;
const O_TIMEOUT: u8 = 2;
const O_CTEVENTS: u8 = 3;
const O_EXPEVENTS: u8 = 4;
const O_ZONE: u8 = 5;
const O_ZONE_ORIG: u8 = 6;
const O_ZONE_REPLY: u8 = 7;

/// Sizes of the `helper` and `timeout` fields of `xt_ct_target_info_v1`.
const HELPER_SIZE: usize = 16;
const TIMEOUT_SIZE: usize = 32;

static OPTIONS: [OptSpec; 8] = [
    OptSpec::new("notrack", O_NOTRACK, ArgType::None),
    OptSpec::new("helper", O_HELPER, ArgType::String),
    OptSpec::new("timeout", O_TIMEOUT, ArgType::String),
    OptSpec::new("ctevents", O_CTEVENTS, ArgType::String),
    OptSpec::new("expevents", O_EXPEVENTS, ArgType::String),
    OptSpec::new("zone-orig", O_ZONE_ORIG, ArgType::String),
    OptSpec::new("zone-reply", O_ZONE_REPLY, ArgType::String),
    OptSpec::new("zone", O_ZONE, ArgType::String),
];

pub static CT: ExtensionDef = ExtensionDef {
    name: "CT",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        table: Some(TableKind::Raw),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// `-j NOTRACK`: `CT --notrack` under its old name, without options.
pub static NOTRACK: ExtensionDef = ExtensionDef {
    name: "NOTRACK",
    kind: ExtensionKind::Target,
    kernel: KernelReqs {
        table: Some(TableKind::Raw),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// Connection events, in the order iptables-save prints them.
const CT_EVENTS: [&str; 10] = [
    "new",
    "related",
    "destroy",
    "reply",
    "assured",
    "protoinfo",
    "helper",
    "mark",
    "natseqinfo",
    "secmark",
];
const EXP_EVENTS: [&str; 1] = ["new"];

/// The helpers the kernel registers: name, protocol, and whether it exists
/// for IPv6 too.
const HELPERS: [(&str, u8, bool); 13] = [
    ("ftp", 6, true),
    ("tftp", 17, true),
    ("irc", 6, false),
    ("sip", 17, true),
    ("sip", 6, true),
    ("pptp", 6, false),
    ("amanda", 17, true),
    ("sane", 6, true),
    ("netbios-ns", 17, false),
    ("snmp", 17, false),
    ("snmp_trap", 17, false),
    ("RAS", 17, true),
    ("Q.931", 6, true),
];

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_HELPER => {
            let helper = call.kept_text(HELPER_SIZE - 1, "`--helper`");
            if !helper.is_empty() && !HELPERS.iter().any(|(name, _, _)| *name == helper) {
                call.warn_host(format!(
                    "the kernel has no helper `{helper}`: the load fails unless a user-space helper of that name is registered"
                ), "register it with `nfct helper add` before the rules are loaded, or use a kernel helper such as `ftp` or `sip`");
            }
            Ok(Value::Text(helper.into()))
        }
        O_TIMEOUT => {
            let timeout = call.kept_text(TIMEOUT_SIZE - 1, "`--timeout`");
            if !timeout.is_empty() {
                call.warn_host(format!(
                    "the load fails unless a timeout policy `{timeout}` exists on the machine that loads the rules"
                ), format!("create it with `nfct timeout add {timeout} ...` before the rules are loaded"));
            }
            Ok(Value::Text(timeout.into()))
        }
        O_CTEVENTS => parse_events(call, &CT_EVENTS),
        O_EXPEVENTS => parse_events(call, &EXP_EVENTS),
        O_ZONE | O_ZONE_ORIG | O_ZONE_REPLY => {
            let text = call.arg_text();
            if text.eq_ignore_ascii_case("mark") {
                return Ok(Value::Symbol("mark".into()));
            }
            values::parse_uint(text, 0, u64::from(u16::MAX))
                .map(Value::UInt)
                .ok_or_else(|| {
                    call.error(format!(
                        "zone `{text}` is neither a number from 0 to 65535 nor `mark`"
                    ))
                })
        }
        _ => call.generic(),
    }
}

/// `ct_parse_events`: a comma-separated list of known names (exact case);
/// the value lists each once, in iptables' order.
fn parse_events(call: &OptCall<'_, '_>, known: &[&'static str]) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut mask = 0u32;
    for name in text.split(',') {
        let index = known
            .iter()
            .position(|known| *known == name)
            .ok_or_else(|| {
                call.error(format!("unknown event `{name}`"))
                    .help(format!("the events are {}", known.join(", ")))
            })?;
        mask |= 1 << index;
    }
    Ok(Value::List(
        known
            .iter()
            .enumerate()
            .filter(|(index, _)| mask & (1 << index) != 0)
            .map(|(_, name)| (*name).to_string())
            .collect(),
    ))
}

/// Options that do nothing together: with `--notrack` the kernel sets up
/// no connection, and several zone options make one zone.
fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let zones = [O_ZONE, O_ZONE_ORIG, O_ZONE_REPLY]
        .iter()
        .filter(|&&id| call.has(id))
        .count();
    if zones > 1 {
        let span = call.name_span;
        call.warnings.push(ExtWarning::new("several zone options make one zone: iptables keeps the last number and combines the directions", span).help("give one of `--zone`, `--zone-orig` and `--zone-reply`"));
    }
    if call.has(O_NOTRACK) {
        let ignored: Vec<String> = call
            .options
            .iter()
            .filter(|option| option.name != "notrack")
            .map(|option| format!("`--{}`", option.name))
            .collect();
        if !ignored.is_empty() {
            let span = call.name_span;
            call.warnings.push(ExtWarning::new(
                format!("with `--notrack` the kernel ignores {}", ignored.join(", ")),
                span,
            ));
        }
    }
    Ok(())
}

/// `xt_ct_tg_check`: helpers and timeouts apply to one layer-4 protocol.
fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let extension = call.extension;
    if extension.has_option("notrack") {
        return Ok(());
    }
    for (name, what) in [("helper", "a helper"), ("timeout", "a timeout policy")] {
        let Some(option) = extension.option(name) else {
            continue;
        };
        if option.value.as_text().is_some_and(str::is_empty) {
            continue;
        }
        if call.protocol().is_none_or(|protocol| protocol == 0) {
            return Err(ExtError::new(format!(
                "`--{name}` needs the rule's protocol: the kernel refuses {what} without `-p`"
            ))
            .at(option.span)
            .help("add `-p tcp` or `-p udp` (not negated) to the rule"));
        }
    }
    let (Some(option), Some(protocol)) = (extension.option("helper"), call.protocol()) else {
        return Ok(());
    };
    let Some(helper) = option.value.as_text() else {
        return Ok(());
    };
    let known: Vec<&(&str, u8, bool)> = HELPERS
        .iter()
        .filter(|(name, _, _)| *name == helper)
        .collect();
    if known.is_empty() {
        // Perhaps a user-space helper: the parser has warned.
        return Ok(());
    }
    let fits = |&&(_, proto, v6): &&(&str, u8, bool)| {
        proto == protocol && (v6 || call.family == Family::V4)
    };
    if known.iter().any(fits) {
        return Ok(());
    }
    let for_family: Vec<String> = known
        .iter()
        .filter(|(_, _, v6)| *v6 || call.family == Family::V4)
        .map(|(_, proto, _)| format!("`-p {}`", values::protocol_name(*proto).unwrap_or("?")))
        .collect();
    let help = if for_family.is_empty() {
        format!("helper `{helper}` exists for IPv4 only")
    } else {
        format!("helper `{helper}` works with {}", for_family.join(" and "))
    };
    Err(ExtError::new(format!(
        "the kernel has no helper `{helper}` for this protocol and family"
    ))
    .at(option.span)
    .help(help))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn raw(family: Family, rule: &str) -> crate::model::Rule {
        accepts_in(family, "raw", "PREROUTING", rule)
    }

    fn warned(family: Family, rule: &str, text: &str) -> bool {
        let (loadable, diagnostics, _) = load(family, "raw", "PREROUTING", rule);
        loadable && diagnostics.iter().any(|d| d.message.contains(text))
    }

    #[test]
    fn options_and_values() {
        let rule = raw(
            Family::V4,
            "-j CT --ctevents new,related,destroy,reply,assured,protoinfo,helper,mark",
        );
        let events = &target(&rule).option("ctevents").unwrap().value;
        assert_eq!(
            events,
            &Value::List(
                [
                    "new",
                    "related",
                    "destroy",
                    "reply",
                    "assured",
                    "protoinfo",
                    "helper",
                    "mark"
                ]
                .map(String::from)
                .into()
            )
        );
        let rule = raw(
            Family::V4,
            "-j CT --ctevents secmark,new,new --expevents new",
        );
        assert_eq!(
            target(&rule).option("ctevents").unwrap().value,
            Value::List(vec!["new".into(), "secmark".into()].into())
        );
        assert_eq!(
            target(&raw(Family::V4, "-j CT --zone 65535"))
                .option("zone")
                .unwrap()
                .value,
            Value::UInt(65535)
        );
        assert_eq!(
            target(&raw(Family::V6, "-j CT --zone 0x10"))
                .option("zone")
                .unwrap()
                .value,
            Value::UInt(16)
        );
        assert_eq!(
            target(&raw(Family::V4, "-j CT --zone MARK"))
                .option("zone")
                .unwrap()
                .value,
            Value::Symbol("mark".into())
        );
        assert_eq!(
            target(&raw(Family::V4, "-j CT --notrack"))
                .option("notrack")
                .unwrap()
                .value,
            Value::Flag
        );
        accepts_in(Family::V4, "raw", "OUTPUT", "-j CT");
        accepts_in(Family::V6, "raw", "OUTPUT", "-j NOTRACK");
    }

    #[test]
    fn helpers_per_protocol_and_family() {
        raw(Family::V4, "-p tcp -j CT --helper ftp");
        raw(Family::V6, "-p tcp -j CT --helper ftp");
        raw(Family::V4, "-p udp -j CT --helper tftp");
        raw(Family::V4, "-p tcp -j CT --helper irc");
        raw(Family::V6, "-p udp -j CT --helper sip");
        raw(Family::V6, "-p tcp -j CT --helper sip");
        raw(Family::V4, "-p udp -j CT --helper snmp_trap");
        raw(Family::V6, "-p udp -j CT --helper RAS");
        raw(Family::V4, "-p tcp -j CT --helper Q.931");
        // --notrack makes the kernel skip the helper.
        raw(Family::V4, "-j CT --notrack --helper ftp");
        let refuse = |family, rule, message| refuses_in(family, "raw", "PREROUTING", rule, message);
        refuse(
            Family::V4,
            "-j CT --helper ftp",
            "needs the rule's protocol",
        );
        refuse(
            Family::V4,
            "! -p tcp -j CT --helper ftp",
            "needs the rule's protocol",
        );
        refuse(
            Family::V4,
            "-p udp -j CT --helper ftp",
            "no helper `ftp` for this protocol",
        );
        refuse(
            Family::V6,
            "-p tcp -j CT --helper irc",
            "no helper `irc` for this protocol",
        );
        refuse(
            Family::V6,
            "-p udp -j CT --helper netbios-ns",
            "no helper `netbios-ns`",
        );
        refuse(
            Family::V4,
            "-j CT --timeout test",
            "needs the rule's protocol",
        );
    }

    #[test]
    fn warnings_for_what_has_no_effect() {
        assert!(warned(
            Family::V4,
            "-p tcp -j CT --helper H.245",
            "has no helper `H.245`"
        ));
        assert!(warned(
            Family::V4,
            "-p tcp -j CT --helper 1234567890123456789",
            "keeps only the first 15"
        ));
        let (_, diagnostics, _) = load(
            Family::V4,
            "raw",
            "PREROUTING",
            "-p tcp -j CT --helper H.245 --timeout web",
        );
        let host: Vec<&str> = diagnostics
            .iter()
            .filter(|d| d.name == "depends-on-host")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(host.len(), 2, "{diagnostics:?}");
        assert!(host[1].contains("timeout policy `web`"), "{host:?}");
        assert!(warned(
            Family::V4,
            "-j CT --zone 5 --zone-orig 6",
            "several zone options"
        ));
        assert!(warned(
            Family::V4,
            "-j CT --notrack --zone 5",
            "ignores `--zone`"
        ));
        assert!(!warned(
            Family::V4,
            "-p tcp -j CT --helper ftp --zone 5",
            "ignores"
        ));
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuse = |rule, message| refuses_in(Family::V4, "raw", "PREROUTING", rule, message);
        refuse("-j CT --zone 65536", "zone `65536`");
        refuse("-j CT --zone -1", "zone `-1`");
        refuse(r#"-j CT --zone """#, "zone ``");
        refuse("-j CT --ctevents new,,related", "unknown event ``");
        refuse("-j CT --ctevents NEW", "unknown event `NEW`");
        refuse("-j CT --expevents related", "unknown event `related`");
        refuse("-j CT --zone 1 --zone 2", "only be given once");
        refuse("-j NOTRACK --notrack", "unknown option `--notrack`");
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j CT --notrack",
            "works only in the raw table",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j CT --notrack",
            "works only in the raw table",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j NOTRACK",
            "works only in the raw table",
        );
    }
}
