//! `-m conntrack` and `-m state` (libxt_conntrack.c, which defines both).
//!
//! `conntrack` is used at the highest revision the kernel offers (3): state,
//! status, protocol, original and reply addresses and port ranges of the
//! connection, remaining lifetime and direction; at least one option is
//! required. `state` only knows `--state`, without the `SNAT` and `DNAT`
//! pseudo-states. State and status names may be abbreviated to any prefix
//! (`est` is `ESTABLISHED`), in any case, the first name in iptables' order
//! winning (`N` is `NEW` for states, `NONE` for statuses).
//!
//! The kernel only needs connection tracking; it accepts both matches in
//! every table and chain, and checks none of the values (a reversed port or
//! lifetime range loads and never matches).

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec};
use crate::parser::values;

const O_CTSTATE: u8 = 0;
const O_CTPROTO: u8 = 1;
const O_CTORIGSRC: u8 = 2;
const O_CTORIGDST: u8 = 3;
const O_CTREPLSRC: u8 = 4;
const O_CTREPLDST: u8 = 5;
const O_CTORIGSRCPORT: u8 = 6;
const O_CTORIGDSTPORT: u8 = 7;
const O_CTREPLSRCPORT: u8 = 8;
const O_CTREPLDSTPORT: u8 = 9;
const O_CTSTATUS: u8 = 10;
const O_CTEXPIRE: u8 = 11;
const O_CTDIR: u8 = 12;

static CONNTRACK_OPTIONS: [OptSpec; 13] = [
    OptSpec::new("ctstate", O_CTSTATE, ArgType::String).invert(),
    OptSpec::new("ctproto", O_CTPROTO, ArgType::Protocol).invert(),
    OptSpec::new("ctorigsrc", O_CTORIGSRC, ArgType::HostMask).invert(),
    OptSpec::new("ctorigdst", O_CTORIGDST, ArgType::HostMask).invert(),
    OptSpec::new("ctreplsrc", O_CTREPLSRC, ArgType::HostMask).invert(),
    OptSpec::new("ctrepldst", O_CTREPLDST, ArgType::HostMask).invert(),
    OptSpec::new("ctstatus", O_CTSTATUS, ArgType::String).invert(),
    OptSpec::new("ctexpire", O_CTEXPIRE, ArgType::UInt32Range).invert(),
    OptSpec::new("ctorigsrcport", O_CTORIGSRCPORT, ArgType::PortRange).invert(),
    OptSpec::new("ctorigdstport", O_CTORIGDSTPORT, ArgType::PortRange).invert(),
    OptSpec::new("ctreplsrcport", O_CTREPLSRCPORT, ArgType::PortRange).invert(),
    OptSpec::new("ctrepldstport", O_CTREPLDSTPORT, ArgType::PortRange).invert(),
    OptSpec::new("ctdir", O_CTDIR, ArgType::String),
];

pub static CONNTRACK: ExtensionDef = ExtensionDef {
    name: "conntrack",
    kind: ExtensionKind::Match,
    options: &CONNTRACK_OPTIONS,
    parse: Some(parse_conntrack),
    final_check: Some(check_conntrack),
    ..ExtensionDef::BASE
};

static STATE_OPTIONS: [OptSpec; 1] = [OptSpec::new("state", O_CTSTATE, ArgType::String)
    .mandatory()
    .invert()];

pub static STATE: ExtensionDef = ExtensionDef {
    name: "state",
    kind: ExtensionKind::Match,
    options: &STATE_OPTIONS,
    parse: Some(parse_state),
    ..ExtensionDef::BASE
};

/// The states `--ctstate` knows, in the order iptables tries them.
const CT_STATES: [(&str, u16); 7] = [
    ("INVALID", Value::STATE_INVALID),
    ("NEW", Value::STATE_NEW),
    ("ESTABLISHED", Value::STATE_ESTABLISHED),
    ("RELATED", Value::STATE_RELATED),
    ("UNTRACKED", Value::STATE_UNTRACKED),
    ("SNAT", Value::STATE_SNAT),
    ("DNAT", Value::STATE_DNAT),
];

/// The statuses of `--ctstatus` with their `IPS_*` bits.
const CT_STATUSES: [(&str, u16); 5] = [
    ("NONE", 0),
    ("EXPECTED", 1 << 0),
    ("SEEN_REPLY", 1 << 1),
    ("ASSURED", 1 << 2),
    ("CONFIRMED", 1 << 3),
];

/// `strncasecmp(word, name, strlen(word)) == 0`: `word` is a prefix of
/// `name`, ignoring case.
fn is_prefix_of(word: &str, name: &str) -> bool {
    word.len() <= name.len() && name.as_bytes()[..word.len()].eq_ignore_ascii_case(word.as_bytes())
}

/// A comma-separated list of names, each any prefix of a known name;
/// every element must be non-empty. Returns the union of the bits.
fn parse_name_list(
    call: &OptCall<'_, '_>,
    names: &[(&str, u16)],
    what: &str,
) -> Result<u16, ExtError> {
    let text = call.arg_text();
    let mut bits = 0;
    for word in values::split_ascii(text, b',') {
        let bit = names
            .iter()
            .find(|(name, _)| !word.is_empty() && is_prefix_of(word, name))
            .map(|(_, bit)| *bit)
            .ok_or_else(|| {
                let known: Vec<&str> = names.iter().map(|(name, _)| *name).collect();
                let message = if word.is_empty() {
                    format!("empty {what} in `--{} {text}`", call.spec.name)
                } else {
                    format!("unknown {what} `{word}` in `--{}`", call.spec.name)
                };
                call.error(message).help(format!(
                    "write a comma-separated list without spaces of {}",
                    known.join(", ")
                ))
            })?;
        bits |= bit;
    }
    Ok(bits)
}

fn parse_conntrack(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_CTSTATE => parse_name_list(call, &CT_STATES, "connection state").map(Value::States),
        O_CTSTATUS => {
            let bits = parse_name_list(call, &CT_STATUSES, "connection status")?;
            let names: Vec<String> = CT_STATUSES
                .iter()
                .filter(|(_, bit)| bits & bit != 0)
                .map(|(name, _)| (*name).to_string())
                .collect();
            Ok(Value::List(if names.is_empty() {
                vec!["NONE".to_string()].into()
            } else {
                names.into()
            }))
        }
        O_CTPROTO => {
            let value = call.generic()?;
            // iptables tests the bit of `!` before `--ctstatus` (0x40, which
            // is also XT_INV_PROTO) when the protocol is 0.
            let status_negated = call
                .previous
                .iter()
                .any(|option| option.name == "ctstatus" && option.negated);
            if value == Value::Protocol(0) && status_negated {
                return Err(call
                    .error("iptables refuses `--ctproto 0` after `! --ctstatus`: \"rule would never match protocol\"")
                    .help("protocol 0 (`all`) is no protocol to match: drop `--ctproto`, or give it before `! --ctstatus`"));
            }
            Ok(value)
        }
        O_CTDIR => call.symbol(&["ORIGINAL", "REPLY"], true),
        _ => call.generic(),
    }
}

fn check_conntrack(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call
            .error("`-m conntrack` needs at least one option")
            .help("for example `-m conntrack --ctstate ESTABLISHED,RELATED`"));
    }
    Ok(())
}

/// The states `--state` knows (no `SNAT`, `DNAT`), in iptables' order.
const STATES: [(&str, u16); 5] = [
    ("INVALID", Value::STATE_INVALID),
    ("NEW", Value::STATE_NEW),
    ("ESTABLISHED", Value::STATE_ESTABLISHED),
    ("RELATED", Value::STATE_RELATED),
    ("UNTRACKED", Value::STATE_UNTRACKED),
];

fn parse_state(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    if text.is_empty() || text.ends_with(',') {
        return Err(call
            .error("`--state` needs a list of states with no spaces")
            .help("for example `--state ESTABLISHED,RELATED`"));
    }
    parse_name_list(call, &STATES, "state").map(Value::States)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{AddrMask, Family, PortRange, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    fn net(addr: &str, mask: &str) -> Value {
        Value::HostMask(Box::new(AddrMask {
            addr: addr.parse::<IpAddr>().unwrap(),
            mask: mask.parse::<IpAddr>().unwrap(),
        }))
    }

    #[test]
    fn states_and_statuses() {
        let rule = accepts(
            "-m conntrack --ctstate NEW,RELATED,ESTABLISHED ! --ctstatus ASSURED,seen -j ACCEPT",
        );
        let ct = match_named(&rule, "conntrack");
        assert_eq!(
            ct.option("ctstate").unwrap().value,
            Value::States(Value::STATE_NEW | Value::STATE_RELATED | Value::STATE_ESTABLISHED)
        );
        let status = ct.option("ctstatus").unwrap();
        assert!(status.negated);
        assert_eq!(
            status.value,
            Value::List(vec!["SEEN_REPLY".into(), "ASSURED".into()].into())
        );
        // Prefixes, in any case: `S` is SNAT, `e` is ESTABLISHED.
        let rule = accepts("-m conntrack --ctstate S,inv,e --ctstatus n");
        let ct = match_named(&rule, "conntrack");
        assert_eq!(
            ct.option("ctstate").unwrap().value,
            Value::States(Value::STATE_SNAT | Value::STATE_INVALID | Value::STATE_ESTABLISHED)
        );
        assert_eq!(
            ct.option("ctstatus").unwrap().value,
            Value::List(vec!["NONE".into()].into())
        );
        accepts("-m conntrack --ctstate SNAT,DNAT,UNTRACKED");
    }

    #[test]
    fn bad_states_are_refused() {
        refuses(
            "-m conntrack --ctstate wrong",
            "unknown connection state `wrong`",
        );
        refuses("-m conntrack --ctstate NEW,", "empty connection state");
        refuses("-m conntrack --ctstate ,NEW", "empty connection state");
        refuses("-m conntrack --ctstate ''", "unknown connection state");
        refuses(
            "-m conntrack --ctstate NEWS",
            "unknown connection state `NEWS`",
        );
        refuses("-m conntrack --ctstatus FOO", "unknown connection status");
        refuses("-m conntrack", "needs at least one option");
    }

    #[test]
    fn protocol_ports_expiry_direction() {
        let rule = accepts(
            "-m conntrack --ctproto tcp --ctorigdstport 4: ! --ctreplsrcport ssh --ctexpire 3 --ctdir reply",
        );
        let ct = match_named(&rule, "conntrack");
        assert_eq!(ct.option("ctproto").unwrap().value, Value::Protocol(6));
        assert_eq!(
            ct.option("ctorigdstport").unwrap().value,
            Value::PortRange(PortRange {
                first: 4,
                last: 65535
            })
        );
        assert_eq!(
            ct.option("ctreplsrcport").unwrap().value,
            Value::PortRange(PortRange::single(22))
        );
        assert_eq!(ct.option("ctexpire").unwrap().value, Value::Range(3, 3));
        assert_eq!(
            ct.option("ctdir").unwrap().value,
            Value::Symbol("REPLY".into())
        );
        // The kernel takes reversed ranges and protocol 0 without a word.
        accepts("-m conntrack --ctorigsrcport 4:3 --ctexpire 4:3");
        accepts("-m conntrack ! --ctproto 0");
        refuses(
            "-m conntrack ! --ctstatus NONE --ctproto all",
            "never match protocol",
        );
        accepts("-m conntrack --ctproto all ! --ctstatus NONE");
        refuses("-m conntrack --ctexpire 42949672956", "--ctexpire");
        refuses("-m conntrack --ctexpire -1", "--ctexpire");
        refuses("-m conntrack --ctorigsrcport 1:2:3", "--ctorigsrcport");
        refuses("-m conntrack ! --ctdir REPLY", "cannot be negated");
        refuses(
            "-m conntrack --ctdir ORIGINAL --ctdir REPLY",
            "can only be given once",
        );
        refuses(
            "-m conntrack --ctdir both",
            "unknown value `both` for `--ctdir`",
        );
    }

    #[test]
    fn addresses_follow_getaddrinfo() {
        let rule = accepts(
            "-m conntrack --ctorigsrc 10.1 --ctrepldst 10.1.2.3/16 ! --ctorigdst 1.2.3.4/255.255.255.0",
        );
        let ct = match_named(&rule, "conntrack");
        assert_eq!(
            ct.option("ctorigsrc").unwrap().value,
            net("10.0.0.1", "255.255.255.255")
        );
        assert_eq!(
            ct.option("ctrepldst").unwrap().value,
            net("10.1.0.0", "255.255.0.0")
        );
        assert_eq!(
            ct.option("ctorigdst").unwrap().value,
            net("1.2.3.0", "255.255.255.0")
        );
        // A non-contiguous mask, or a number above 32, silently becomes /32.
        let rule = accepts("-m conntrack --ctorigsrc 10.1.2.3/255.0.255.0");
        let ct = match_named(&rule, "conntrack");
        assert_eq!(
            ct.option("ctorigsrc").unwrap().value,
            net("10.1.2.3", "255.255.255.255")
        );
        assert!(
            warnings(Family::V4, "-m conntrack --ctorigsrc 1.2.3.4/33")
                .iter()
                .any(|w| w.message.contains("not a contiguous"))
        );
        refuses("-m conntrack --ctorigsrc 1.2.3.08", "not an IPv4 address");
        refuses(
            "-m conntrack --ctorigsrc 1.2.3.4/",
            "neither a prefix length",
        );
        let rule = accepts6("-m conntrack --ctorigsrc 2001:db8::1/ffff:ff00::");
        let ct = match_named(&rule, "conntrack");
        assert_eq!(
            ct.option("ctorigsrc").unwrap().value,
            net("2001:d00::", "ffff:ff00::")
        );
        refuses6("-m conntrack --ctorigsrc 1.2.3.4", "not an IPv6 address");
        refuses6(
            "-m conntrack --ctorigsrc 2001:db8::1/129",
            "neither a prefix length",
        );
    }

    #[test]
    fn state_match() {
        let rule = accepts("-m state ! --state new,Est -j DROP");
        let state = match_named(&rule, "state").option("state").unwrap();
        assert!(state.negated);
        assert_eq!(
            state.value,
            Value::States(Value::STATE_NEW | Value::STATE_ESTABLISHED)
        );
        accepts6("-m state --state UNTRACKED");
        refuses("-m state --state DNAT", "unknown state `DNAT`");
        refuses("-m state --state S", "unknown state `S`");
        refuses("-m state --state NEW,", "needs a list of states");
        refuses("-m state", "needs `--state`");
        refuses("-m state wrong", "unexpected argument");
    }
}
