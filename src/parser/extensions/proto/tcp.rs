//! `-m tcp` (libxt_tcp.c, an old-style parser in iptables 1.8.9): ports,
//! flags and options of TCP. The kernel accepts it only with `-p tcp`.

use crate::model::{ExtensionKind, PortRange, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_SPORT: u8 = 0;
const O_DPORT: u8 = 1;
const O_SYN: u8 = 2;
const O_FLAGS: u8 = 3;
const O_OPTION: u8 = 4;

// The tcp parser accepts `!` before every option and checks repetition
// itself, so every option is `custom`.
static OPTIONS: [OptSpec; 7] = [
    OptSpec::new("sport", O_SPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("source-port", O_SPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("dport", O_DPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("destination-port", O_DPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("syn", O_SYN, ArgType::None).invert().custom(),
    OptSpec::new("tcp-flags", O_FLAGS, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("tcp-option", O_OPTION, ArgType::String)
        .invert()
        .custom(),
];

pub static TCP: ExtensionDef = ExtensionDef {
    name: "tcp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(6),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// `parse_tcp_ports`: `port`, `first:last`, `:last`, `first:`; numbers
/// follow C's `strtoul` (so `0x16` is 22 and `08` is invalid) or name a
/// TCP service.
pub fn parse_ports(call: &OptCall<'_, '_>, protocol: &str) -> Result<PortRange, ExtError> {
    let text = call.arg_text();
    let port = |part: &str| {
        values::parse_port(part, Some(protocol)).ok_or_else(|| {
            call.error(format!(
                "`{part}` is neither a port number (0-65535) nor a known {protocol} service"
            ))
        })
    };
    let Some((first, last)) = text.split_once(':') else {
        let single = port(text)?;
        return Ok(PortRange::single(single));
    };
    let first = if first.is_empty() { 0 } else { port(first)? };
    let last = if last.is_empty() {
        u16::MAX
    } else {
        port(last)?
    };
    if first > last {
        return Err(call
            .error(format!("port range `{text}` is reversed"))
            .help(format!("write the lower port first: `{last}:{first}`")));
    }
    Ok(PortRange { first, last })
}

/// The TCP flags by name, as iptables spells them.
pub const TCP_FLAGS: [(&str, u8); 8] = [
    ("FIN", 0x01),
    ("SYN", 0x02),
    ("RST", 0x04),
    ("PSH", 0x08),
    ("ACK", 0x10),
    ("URG", 0x20),
    ("ALL", 0x3f),
    ("NONE", 0),
];

fn parse_flag_list(call: &OptCall<'_, '_>, text: &str) -> Result<u8, ExtError> {
    let mut flags = 0;
    for name in text.split(',').filter(|name| !name.is_empty()) {
        let flag = TCP_FLAGS
            .iter()
            .find(|(flag, _)| flag.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                call.error(format!("unknown TCP flag `{name}`"))
                    .help("TCP flags are FIN, SYN, RST, PSH, ACK, URG, ALL and NONE")
            })?;
        flags |= flag.1;
    }
    Ok(flags)
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let id = call.spec.id;
    let once = |what: &str| {
        ExtError::new(format!("only one {what} is allowed in a `tcp` match")).at(call.span)
    };
    match id {
        O_SPORT | O_DPORT => {
            if call.seen & bit(id) != 0 {
                return Err(once(if id == O_SPORT {
                    "`--sport`"
                } else {
                    "`--dport`"
                }));
            }
            Ok(Value::PortRange(parse_ports(call, "tcp")?))
        }
        O_SYN | O_FLAGS => {
            if call.seen & (bit(O_SYN) | bit(O_FLAGS)) != 0 {
                return Err(once("of `--syn` and `--tcp-flags`"));
            }
            if id == O_SYN {
                return Ok(Value::TcpFlags {
                    mask: 0x17,
                    compare: 0x02,
                });
            }
            let mask = parse_flag_list(call, call.arg_text())?;
            let Some(compare) = call.rest.next_value() else {
                return Err(ExtError::new("`--tcp-flags` needs two lists: the flags to examine and the flags that must be set")
                    .at(call.span)
                    .help("for example `--tcp-flags SYN,RST,ACK,FIN SYN`"));
            };
            let compare_flags = parse_flag_list(call, compare.text)?;
            Ok(Value::TcpFlags {
                mask,
                compare: compare_flags,
            })
        }
        _ => {
            if call.seen & bit(O_OPTION) != 0 {
                return Err(once("`--tcp-option`"));
            }
            let text = call.arg_text();
            values::parse_uint(text, 1, 255)
                .map(Value::UInt)
                .ok_or_else(|| {
                    call.error(format!(
                        "bad TCP option `{text}`: use a number from 1 to 255"
                    ))
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{PortRange, Value};
    use crate::parser::extensions::testing::{accepts, match_named, refuses};

    #[test]
    fn ports_flags_and_options() {
        let rule = accepts(
            "-p tcp -m tcp --dport 22 ! --sport 1024:2048 --tcp-flags SYN,ACK SYN -j ACCEPT",
        );
        let tcp = match_named(&rule, "tcp");
        assert_eq!(
            tcp.option("dport").unwrap().value,
            Value::PortRange(PortRange::single(22))
        );
        assert!(tcp.option("sport").unwrap().negated);
        assert_eq!(
            tcp.option("tcp-flags").unwrap().value,
            Value::TcpFlags {
                mask: 0x12,
                compare: 0x02
            }
        );
        accepts("-p tcp --dport ssh -j ACCEPT");
        accepts("-p tcp --dport 0x16 -j ACCEPT");
        accepts("-p tcp --syn --tcp-option 2 -j ACCEPT");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-p tcp --dport 08 -j ACCEPT", "neither a port number");
        refuses("-p tcp --dport 65536 -j ACCEPT", "neither a port number");
        refuses("-p tcp --dport 2000:1000 -j ACCEPT", "reversed");
        refuses("-p tcp --sport 1 --sport 2 -j ACCEPT", "only one");
        refuses("-p tcp --syn --tcp-flags ALL NONE -j ACCEPT", "only one");
        refuses("-p tcp --tcp-flags SYN -j ACCEPT", "two lists");
        refuses(
            "-p tcp --tcp-flags SYN,FOO SYN -j ACCEPT",
            "unknown TCP flag",
        );
        refuses("-m tcp --dport 22 -j ACCEPT", "works only with `-p tcp`");
        refuses("--dport 22 -j ACCEPT", "unknown option `--dport`");
    }
}
