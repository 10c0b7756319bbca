//! `-m multiport` (libxt_multiport.c, revision 1): lists of ports and port
//! ranges, for both families.
//!
//! One of `--sports`, `--dports` or `--ports` (either direction) must be
//! given, and only one. The list holds at most 15 ports, a range `a:b`
//! counting two; a range must go strictly upwards (`5:5` is refused) and
//! needs both ends. Ports are numbers (C's base-0 `strtoul`) or service
//! names of the rule's protocol. iptables checks the protocol when it reads
//! the option, so `-p` must come before it: tcp, udp, udplite, sctp or dccp,
//! not negated (the kernel makes the same check).

use super::ports;
use crate::model::{ExtensionKind, PortRange, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_SOURCE: u8 = 0;
const O_DEST: u8 = 1;
const O_EITHER: u8 = 2;
const ANY: u32 = bit(O_SOURCE) | bit(O_DEST) | bit(O_EITHER);

/// `XT_MULTI_PORTS`: the slots of the kernel's list.
pub const MAX_PORTS: usize = 15;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("sports", O_SOURCE, ArgType::String)
        .invert()
        .excl(ANY),
    OptSpec::new("source-ports", O_SOURCE, ArgType::String)
        .invert()
        .excl(ANY),
    OptSpec::new("dports", O_DEST, ArgType::String)
        .invert()
        .excl(ANY),
    OptSpec::new("destination-ports", O_DEST, ArgType::String)
        .invert()
        .excl(ANY),
    OptSpec::new("ports", O_EITHER, ArgType::String)
        .invert()
        .excl(ANY),
];

pub static MULTIPORT: ExtensionDef = ExtensionDef {
    name: "multiport",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

/// `check_proto`: the service protocol of the rule's `-p`, which must come
/// before the option.
fn protocol(call: &OptCall<'_, '_>) -> Result<&'static str, ExtError> {
    let help = "write `-p tcp` (or udp, udplite, sctp, dccp) before `-m multiport`";
    let only = || {
        ExtError::new("`multiport` works only with `-p tcp`, `udp`, `udplite`, `sctp` or `dccp`")
            .at(call.span)
            .help(help)
    };
    match call.rule.protocol {
        Some((_, true)) => Err(only()),
        None | Some((0, false)) => Err(ExtError::new(
            "`multiport` needs `-p tcp`, `udp`, `udplite`, `sctp` or `dccp` before its options",
        )
        .at(call.span)
        .help(help)),
        Some((6, false)) => Ok("tcp"),
        Some((17, false)) => Ok("udp"),
        Some((136, false)) => Ok("udplite"),
        Some((132, false)) => Ok("sctp"),
        Some((33, false)) => Ok("dccp"),
        Some(_) => Err(only()),
    }
}

/// `parse_multi_ports_v1`.
fn parse_list(call: &OptCall<'_, '_>, protocol: &str) -> Result<Vec<PortRange>, ExtError> {
    let text = call.arg_text();
    let too_many = || {
        call.error(format!(
            "too many ports in `{text}`: a list holds at most {MAX_PORTS}, a range counting two"
        ))
        .help("split the list over several rules, or use an ipset")
    };
    // Sized at once: the model keeps the list as it is.
    let mut list = Vec::with_capacity(text.bytes().filter(|&byte| byte == b',').count() + 1);
    let mut slots = 0;
    for item in values::split_ascii(text, b',') {
        if slots == MAX_PORTS {
            return Err(too_many());
        }
        match values::split_once_ascii(item, b':') {
            None => {
                list.push(PortRange::single(ports::parse_port(call, item, protocol)?));
                slots += 1;
            }
            Some((first, last)) => {
                if slots == MAX_PORTS - 1 {
                    return Err(too_many());
                }
                let first_port = ports::parse_port(call, first, protocol)?;
                let last_port = ports::parse_port(call, last, protocol)?;
                if first_port >= last_port {
                    return Err(call
                        .error(format!(
                            "invalid port range `{item}`: the first port must be below the last"
                        ))
                        .help(if first_port == last_port {
                            format!("write the single port `{first_port}`")
                        } else {
                            format!("write the lower port first: `{last_port}:{first_port}`")
                        }));
                }
                list.push(PortRange {
                    first: first_port,
                    last: last_port,
                });
                slots += 2;
            }
        }
    }
    Ok(list)
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let protocol = protocol(call)?;
    parse_list(call, protocol).map(|list| Value::Ports(list.into()))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(ANY, "-m multiport --dports 80,443")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{PortRange, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, refuses6};

    fn list(ranges: &[(u16, u16)]) -> Value {
        Value::Ports(
            ranges
                .iter()
                .map(|&(first, last)| PortRange { first, last })
                .collect(),
        )
    }

    #[test]
    fn port_lists() {
        let rule = accepts("-p tcp -m multiport --dports 53,1024:65535 -j ACCEPT");
        let multiport = match_named(&rule, "multiport");
        assert_eq!(
            multiport.option("dports").unwrap().value,
            list(&[(53, 53), (1024, 65535)])
        );
        let rule = accepts6("-p udp -m multiport ! --source-ports 0x35,domain -j ACCEPT");
        let sports = match_named(&rule, "multiport").option("sports").unwrap();
        assert!(sports.negated);
        assert_eq!(sports.value, list(&[(53, 53), (53, 53)]));
        let rule = accepts("-p sctp -m multiport --ports amqp -j ACCEPT");
        assert_eq!(
            match_named(&rule, "multiport")
                .option("ports")
                .unwrap()
                .value,
            list(&[(5672, 5672)])
        );
        accepts("-p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15 -j ACCEPT");
        accepts("-p tcp -m multiport --ports 1,2,3,4,5,6,7,8,9,10,11,12,13,14:15 -j ACCEPT");
        accepts("-p 6 -m multiport --dports ssh,http -j ACCEPT");
        accepts("-p udplite -m multiport --dports 1 -j ACCEPT");
        accepts("-m multiport -p tcp --dports 1 -j ACCEPT");
        accepts("-p dccp -m multiport --dports 1 -j ACCEPT");
        accepts("-p tcp -m multiport --dports 1 -m multiport --sports 2 -j ACCEPT");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p tcp -m multiport --sports 1024:65536 -j ACCEPT",
            "`65536` is neither a port number",
        );
        refuses(
            "-p udp -m multiport --dports ssh -j ACCEPT",
            "known udp service",
        );
        refuses(
            "-p tcp -m multiport --dports 5:5 -j ACCEPT",
            "invalid port range `5:5`",
        );
        refuses(
            "-p tcp -m multiport --dports 5:4 -j ACCEPT",
            "invalid port range",
        );
        refuses(
            "-p tcp -m multiport --dports 1024: -j ACCEPT",
            "a port is missing",
        );
        refuses(
            "-p tcp -m multiport --dports 1,2, -j ACCEPT",
            "a port is missing",
        );
        refuses(
            "-p tcp -m multiport --dports 1:2:3 -j ACCEPT",
            "`2:3` is neither a port number",
        );
        refuses(
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT",
            "too many ports",
        );
        refuses(
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:16 -j ACCEPT",
            "too many ports",
        );
        refuses(
            "-p tcp -m multiport --dports 1,2,3,4,5,6,7,8,9,10,11,12,13:14,15,16 -j ACCEPT",
            "too many ports",
        );
        refuses("-m multiport --dports 1 -p tcp -j ACCEPT", "needs `-p tcp`");
        refuses(
            "-p tcp -m multiport --dports 1,,2 -j ACCEPT",
            "a port is missing in `1,,2`",
        );
        refuses(
            "-p tcp -m multiport --dports \"\" -j ACCEPT",
            "needs a port, not an empty argument",
        );
        refuses("-p all -m multiport --dports 1 -j ACCEPT", "needs `-p tcp`");
        refuses(
            "! -p tcp -m multiport --dports 1 -j ACCEPT",
            "works only with `-p tcp`",
        );
        refuses6(
            "-p icmpv6 -m multiport --dports 1 -j ACCEPT",
            "works only with `-p tcp`",
        );
        refuses(
            "-p tcp -m multiport --dports 1 --sports 2 -j ACCEPT",
            "cannot be used together",
        );
        refuses(
            "-p tcp -m multiport --dports 1 --destination-ports 2 -j ACCEPT",
            "can only be given once",
        );
        refuses("-p tcp -m multiport -j ACCEPT", "needs one of `--sports`");
        refuses(
            "-p tcp --multiport -j ACCEPT",
            "unknown option `--multiport`",
        );
    }
}
