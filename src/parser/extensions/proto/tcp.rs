//! `-m tcp` (libxt_tcp.c, an old-style parser in iptables 1.8.9): ports,
//! flags and options of TCP. `-p tcp` loads it by itself when one of its
//! options follows. The kernel accepts it only with `-p tcp` (not negated),
//! in every table and chain.
//!
//! Ports are numbers (C's base-0 `strtoul`: `0x16` is 22, `08` is refused)
//! or TCP service names; a reversed range is refused. `--syn` is
//! `--tcp-flags FIN,SYN,RST,ACK SYN`; only one of the two may be given.

use super::ports;
use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    Arg, ArgType, ExtError, ExtWarning, ExtensionDef, KernelReqs, OptCall, OptSpec, bit,
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

/// `parse_tcp_flag`: comma-separated flag names, any case; empty items are
/// skipped.
fn parse_flag_list(arg: Arg<'_>) -> Result<u8, ExtError> {
    let mut flags = 0;
    for name in arg.text.split(',').filter(|name| !name.is_empty()) {
        let flag = TCP_FLAGS
            .iter()
            .find(|(flag, _)| flag.eq_ignore_ascii_case(name))
            .ok_or_else(|| {
                ExtError::new(format!("unknown TCP flag `{name}`"))
                    .at(arg.span)
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
            Ok(Value::PortRange(ports::parse_strict_range(call, "tcp")?))
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
            let mask = parse_flag_list(call.arg.unwrap_or(Arg {
                text: "",
                span: call.span,
                verbatim: false,
            }))?;
            let Some(compare_arg) = call.rest.next_value() else {
                return Err(ExtError::new(
                    "`--tcp-flags` needs two lists: the flags to examine and the flags that must be set",
                )
                .at(call.span)
                .help("for example `--tcp-flags SYN,RST,ACK,FIN SYN`"));
            };
            let compare = parse_flag_list(compare_arg)?;
            if compare & !mask != 0 {
                let fate = if call.invert {
                    "every packet"
                } else {
                    "no packet"
                };
                call.warnings.push(ExtWarning::new(format!(
                        "`--tcp-flags {} {}` requires flags that it does not examine: it matches {fate}",
                        call.arg_text(),
                        compare_arg.text
                    ), compare_arg.span).help("every flag of the second list must also be in the first"));
            }
            Ok(Value::TcpFlags { mask, compare })
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
    use crate::model::{Family, PortRange, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

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
            tcp.option("sport").unwrap().value,
            Value::PortRange(PortRange {
                first: 1024,
                last: 2048
            })
        );
        assert_eq!(
            tcp.option("tcp-flags").unwrap().value,
            Value::TcpFlags {
                mask: 0x12,
                compare: 0x02
            }
        );
        let rule = accepts("-p tcp --destination-port ssh: --tcp-flags ,,syn, ACK -j ACCEPT");
        let tcp = match_named(&rule, "tcp");
        assert!(tcp.implicit);
        assert_eq!(
            tcp.option("dport").unwrap().value,
            Value::PortRange(PortRange {
                first: 22,
                last: 65535
            })
        );
        assert_eq!(
            tcp.option("tcp-flags").unwrap().value,
            Value::TcpFlags {
                mask: 0x02,
                compare: 0x10
            }
        );
        let rule = accepts("-p tcp --dport 0x16 --sport :1023 -j ACCEPT");
        let tcp = match_named(&rule, "tcp");
        assert_eq!(
            tcp.option("dport").unwrap().value,
            Value::PortRange(PortRange::single(22))
        );
        assert_eq!(
            tcp.option("sport").unwrap().value,
            Value::PortRange(PortRange {
                first: 0,
                last: 1023
            })
        );
        let rule = accepts("-p tcp ! --syn --tcp-option 0x10 -j ACCEPT");
        let tcp = match_named(&rule, "tcp");
        assert_eq!(
            tcp.option("syn").unwrap().value,
            Value::TcpFlags {
                mask: 0x17,
                compare: 0x02
            }
        );
        assert!(tcp.option("syn").unwrap().negated);
        assert_eq!(tcp.option("tcp-option").unwrap().value, Value::UInt(16));
        accepts("-p 6 --dport amqp -j ACCEPT");
        accepts("-p tcp --dport 22 -m tcp --dport 23 -j ACCEPT");
        accepts6("-p tcp --dport 22 -j ACCEPT");
    }

    #[test]
    fn impossible_flag_tests_are_reported() {
        let found = warnings(Family::V4, "-p tcp --tcp-flags SYN ACK -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches no packet")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p tcp ! --tcp-flags SYN ACK -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches every packet")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p tcp --tcp-flags ALL SYN,ACK -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-p tcp --dport 08 -j ACCEPT", "neither a port number");
        refuses("-p tcp --dport 65536 -j ACCEPT", "neither a port number");
        refuses("-p tcp --dport bootps -j ACCEPT", "known tcp service");
        refuses(
            "-p tcp --dport 1:2:3 -j ACCEPT",
            "`2:3` is neither a port number",
        );
        refuses("-p tcp --dport 2000:1000 -j ACCEPT", "reversed");
        refuses(
            "-p tcp --dport \"\" -j ACCEPT",
            "needs a port, not an empty argument",
        );
        refuses("-p tcp --sport 1 --sport 2 -j ACCEPT", "only one");
        refuses(
            "-p tcp --destination-port 1 --dport 2 -j ACCEPT",
            "only one `--dport`",
        );
        refuses("-p tcp --syn --tcp-flags ALL NONE -j ACCEPT", "only one");
        refuses("-p tcp --tcp-flags SYN -j ACCEPT", "two lists");
        refuses("-p tcp --tcp-flags SYN ! ACK -j ACCEPT", "two lists");
        refuses(
            "-p tcp --tcp-flags SYN,FOO SYN -j ACCEPT",
            "unknown TCP flag `FOO`",
        );
        refuses(
            "-p tcp --tcp-flags SYN BAR -j ACCEPT",
            "unknown TCP flag `BAR`",
        );
        refuses("-p tcp --tcp-option 0 -j ACCEPT", "bad TCP option");
        refuses("-p tcp --tcp-option 256 -j ACCEPT", "bad TCP option");
        refuses("-m tcp --dport 22 -j ACCEPT", "works only with `-p tcp`");
        refuses(
            "! -p tcp -m tcp --dport 22 -j ACCEPT",
            "works only with `-p tcp`",
        );
        refuses(
            "-p udp -m tcp --dport 22 -j ACCEPT",
            "works only with `-p tcp`",
        );
        refuses("--dport 22 -j ACCEPT", "unknown option `--dport`");
    }
}
