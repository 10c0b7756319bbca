//! The NAT targets of libxt_NAT.c, for both families: `SNAT`, `DNAT`,
//! `MASQUERADE` and `REDIRECT`.
//!
//! `--to-source` / `--to-destination` take `[addr[-addr]][:port[-port]]`
//! (IPv6 addresses in brackets when a port follows); `--to-ports` takes
//! `port[-port]`. A port needs the rule's `-p` to be tcp, udp, sctp, dccp
//! or icmp *before* the target's options, as iptables reads them in order.
//! A `/base` after a port range shifts the mapping (DNAT only, as the kernel
//! gives DNAT revision 2); SNAT and MASQUERADE read it but lose the base,
//! REDIRECT refuses it.
//!
//! The kernel accepts these targets only in the nat table: SNAT in chains
//! reached from POSTROUTING and INPUT, DNAT from PREROUTING and OUTPUT,
//! MASQUERADE from POSTROUTING, REDIRECT from PREROUTING and OUTPUT.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{ExtensionKind, Family, Hook, NatRange, PortRange, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};
use crate::parser::values;

const O_TO_DEST: u8 = 0;
const O_TO_SRC: u8 = 1;
const O_TO_PORTS: u8 = 2;
const O_RANDOM: u8 = 3;
const O_RANDOM_FULLY: u8 = 4;
const O_PERSISTENT: u8 = 5;

static SNAT_OPTIONS: [OptSpec; 4] = [
    OptSpec::new("to-source", O_TO_SRC, ArgType::String).mandatory(),
    OptSpec::new("random", O_RANDOM, ArgType::None),
    OptSpec::new("random-fully", O_RANDOM_FULLY, ArgType::None),
    OptSpec::new("persistent", O_PERSISTENT, ArgType::None),
];

static DNAT_OPTIONS: [OptSpec; 3] = [
    OptSpec::new("to-destination", O_TO_DEST, ArgType::String).mandatory(),
    OptSpec::new("random", O_RANDOM, ArgType::None),
    OptSpec::new("persistent", O_PERSISTENT, ArgType::None),
];

static MASQUERADE_OPTIONS: [OptSpec; 3] = [
    OptSpec::new("to-ports", O_TO_PORTS, ArgType::String),
    OptSpec::new("random", O_RANDOM, ArgType::None),
    OptSpec::new("random-fully", O_RANDOM_FULLY, ArgType::None),
];

static REDIRECT_OPTIONS: [OptSpec; 2] = [
    OptSpec::new("to-ports", O_TO_PORTS, ArgType::String),
    OptSpec::new("random", O_RANDOM, ArgType::None),
];

/// A NAT target: it works only in the nat table, in chains reached from
/// the hooks `allowed`.
const fn nat_target(name: &'static str, options: &'static [OptSpec], allowed: u8) -> ExtensionDef {
    ExtensionDef {
        name,
        kind: ExtensionKind::Target,
        options,
        parse: Some(parse),
        kernel: KernelReqs {
            table: Some(TableKind::Nat),
            hooks: allowed,
            ..KernelReqs::NONE
        },
        termination: Termination::Terminal,
        ..ExtensionDef::BASE
    }
}

pub static SNAT: ExtensionDef = nat_target(
    "SNAT",
    &SNAT_OPTIONS,
    Hook::Postrouting.bit() | Hook::Input.bit(),
);

pub static DNAT: ExtensionDef = nat_target(
    "DNAT",
    &DNAT_OPTIONS,
    Hook::Prerouting.bit() | Hook::Output.bit(),
);

pub static MASQUERADE: ExtensionDef =
    nat_target("MASQUERADE", &MASQUERADE_OPTIONS, Hook::Postrouting.bit());

pub static REDIRECT: ExtensionDef = nat_target(
    "REDIRECT",
    &REDIRECT_OPTIONS,
    Hook::Prerouting.bit() | Hook::Output.bit(),
);

/// A port range with the optional base of a shifted mapping (`a-b/base`).
struct Ports {
    range: PortRange,
    base: Option<u16>,
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_TO_DEST | O_TO_SRC => {
            let text = call.arg_text();
            let (mut range, base) = parse_to(call, text)?;
            if let Some(base) = base {
                shifted(call, base)?;
                if call.ext_name != "DNAT" {
                    // Only DNAT keeps the base; the others drop it.
                    range.base = None;
                }
            }
            if let (Some(first), Some(last)) = (range.first, range.last) {
                if first > last {
                    call.warn(format!(
                        "address range `{first}-{last}` is reversed: the kernel then picks addresses outside it"
                    ));
                }
            }
            Ok(Value::Nat(Box::new(range)))
        }
        O_TO_PORTS => {
            let text = call.arg_text();
            let ports = parse_ports(call, text)?;
            if let Some(base) = ports.base {
                shifted(call, base)?;
            }
            Ok(Value::PortRange(ports.range))
        }
        _ => call.generic(),
    }
}

/// What each target makes of a `/base`: DNAT keeps it (revision 2 of the
/// kernel target), REDIRECT refuses it (`DNAT_fcheck`), SNAT and
/// MASQUERADE drop it, as their kernel structure has no room for it.
fn shifted(call: &mut OptCall<'_, '_>, base: u16) -> Result<(), ExtError> {
    match call.ext_name {
        "DNAT" => Ok(()),
        "REDIRECT" => Err(call
            .error("`REDIRECT` cannot shift a port range (`/base`)")
            .help(
                "give the range only (`--to-ports first-last`), or use DNAT for a shifted mapping",
            )),
        name => {
            call.warn(format!(
                "`{name}` has no room for the base port `{base}`: iptables drops it and the kernel shifts ports as if it were 0"
            ));
            Ok(())
        }
    }
}

/// `__NAT_parse`'s `portok`: ports need one of these protocols, read from
/// `-p` as far as the rule is parsed, negated or not.
fn ports_allowed(call: &OptCall<'_, '_>) -> bool {
    matches!(call.rule.protocol, Some((6 | 17 | 132 | 33 | 1, _)))
}

/// `parse_to`: `[addr[-addr]][:ports]`, where `addr` may sit in brackets
/// (IPv6). Without brackets, a second colon makes the whole text an
/// address; a colon at the start or after two characters (`:80`,
/// `[]:80`) leaves only ports.
fn parse_to(call: &mut OptCall<'_, '_>, text: &str) -> Result<(NatRange, Option<u16>), ExtError> {
    let family = call.rule.family;
    let (addresses, colon) = match text.find('[') {
        Some(open) => {
            let start = open + 1;
            let close = text[start..].find(']').map(|index| start + index);
            let Some(close) = close.filter(|_| family == Family::V6) else {
                return Err(call.error(format!("invalid address format `{text}`")).help(
                    match family {
                        Family::V4 => {
                            "IPv4 addresses take no brackets: write `addr[-addr][:port[-port]]`"
                        }
                        Family::V6 => "close the bracket: `[addr[-addr]]:port[-port]`",
                    },
                ));
            };
            let colon = text[close + 1..].find(':').map(|index| close + 1 + index);
            (&text[start..close], colon)
        }
        None => {
            let colon = text
                .find(':')
                .filter(|&colon| !text[colon + 1..].contains(':'));
            (colon.map_or(text, |colon| &text[..colon]), colon)
        }
    };
    let mut range = NatRange {
        first: None,
        last: None,
        ports: None,
        base: None,
    };
    let mut base = None;
    if let Some(colon) = colon {
        let ports = parse_ports(call, &text[colon + 1..])?;
        range.ports = Some(ports.range);
        range.base = ports.base;
        base = ports.base;
        if colon == 0 || colon == 2 {
            return Ok((range, base));
        }
    }
    let (first, last) = match addresses.split_once('-') {
        Some((first, last)) => (first, Some(last)),
        None => (addresses, None),
    };
    let first = parse_address(call, first, family)?;
    let last = match last {
        Some(last) => parse_address(call, last, family)?,
        None => first,
    };
    range.first = Some(first);
    range.last = Some(last);
    Ok((range, base))
}

/// `inet_pton`: numeric addresses only, no host names, no short forms.
fn parse_address(call: &OptCall<'_, '_>, text: &str, family: Family) -> Result<IpAddr, ExtError> {
    let parsed = match family {
        Family::V4 => text.parse::<Ipv4Addr>().ok().map(IpAddr::V4),
        Family::V6 => text.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    };
    parsed.ok_or_else(|| {
        let (kind, help) = match family {
            Family::V4 => ("IPv4", "NAT addresses are written in full (`10.0.0.1`); host names are not resolved here"),
            Family::V6 => ("IPv6", "NAT addresses are numeric; put them in brackets when a port follows: `[2001:db8::1]:80`"),
        };
        call.part_error(text, format!("`{text}` is not an {kind} address")).help(help)
    })
}

/// `parse_ports`: `port[-port[/base]]`. A single port may be a service
/// name; numbers follow `strtoul` (hex and octal too); the end of a range
/// must be a number; text after the base is ignored, as iptables does.
fn parse_ports(call: &mut OptCall<'_, '_>, text: &str) -> Result<Ports, ExtError> {
    if !ports_allowed(call) {
        return Err(call.part_error(text,
            "a port needs `-p tcp`, `udp`, `sctp` or `dccp` before the target",
        )
        .help("iptables reads `-p` before the target's options: put it earlier in the rule, or drop the port"));
    }
    let invalid = |part: &str| {
        call.part_error(
            part,
            format!("port `{part}` is neither a number from 0 to 65535 nor a service name"),
        )
    };
    let max = u64::from(u16::MAX);
    let (first, rest) = match values::parse_uint_prefix(text, 0, max) {
        Some((port, rest)) => (port_u16(port), rest),
        None => (
            values::service_port(text, None).ok_or_else(|| invalid(text))?,
            "",
        ),
    };
    let single = PortRange::single(first);
    let after_first = match rest.as_bytes().first() {
        None => {
            return Ok(Ports {
                range: single,
                base: None,
            });
        }
        Some(b'-') => &rest[1..],
        Some(b':') => {
            return Err(call
                .part_error(text, format!("port range `{text}` uses a colon"))
                .help("NAT port ranges take a dash: `first-last`"));
        }
        Some(_) => {
            return Err(call.part_error(rest, format!("unexpected `{rest}` after port {first}")));
        }
    };
    let (last, rest) = values::parse_uint_prefix(after_first, 0, max).ok_or_else(|| {
        call.part_error(
            after_first,
            format!("`{after_first}` is not a port number from 0 to 65535"),
        )
        .help("the end of a port range must be a number, not a service name")
    })?;
    let last = port_u16(last);
    if last < first {
        return Err(call
            .part_error(text, format!("port range `{first}-{last}` is reversed"))
            .help(format!("write the lower port first: `{last}-{first}`")));
    }
    let range = PortRange { first, last };
    let base_text = match rest.as_bytes().first() {
        None => return Ok(Ports { range, base: None }),
        Some(b'/') => &rest[1..],
        Some(_) => {
            return Err(call.part_error(
                rest,
                format!("unexpected `{rest}` after port range {first}-{last}"),
            ));
        }
    };
    let base = match values::parse_uint_prefix(base_text, 1, max) {
        Some((base, _ignored)) => port_u16(base),
        None => values::service_port(base_text, None).ok_or_else(|| {
            call.part_error(
                base_text,
                format!(
                    "base port `{base_text}` is neither a number from 1 to 65535 nor a service name"
                ),
            )
        })?,
    };
    Ok(Ports {
        range,
        base: Some(base),
    })
}

fn port_u16(port: u64) -> u16 {
    u16::try_from(port).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{Family, NatRange, PortRange, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn nat(family: Family, chain: &str, rule: &str, option: &str) -> Value {
        let rule = accepts_in(family, "nat", chain, rule);
        target(&rule).option(option).unwrap().value.clone()
    }

    fn range(first: Option<&str>, last: Option<&str>, ports: Option<(u16, u16)>) -> Value {
        let ip = |text: &str| text.parse::<IpAddr>().unwrap();
        Value::Nat(Box::new(NatRange {
            first: first.map(ip),
            last: last.map(ip),
            ports: ports.map(|(first, last)| PortRange { first, last }),
            base: None,
        }))
    }

    fn warned(family: Family, chain: &str, rule: &str, text: &str) -> bool {
        let (loadable, diagnostics, _) = load(family, "nat", chain, rule);
        loadable && diagnostics.iter().any(|d| d.message.contains(text))
    }

    #[test]
    fn dnat_addresses_and_ports() {
        let v4 = Family::V4;
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-j DNAT --to-destination 1.1.1.1",
                "to-destination"
            ),
            range(Some("1.1.1.1"), Some("1.1.1.1"), None)
        );
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65535",
                "to-destination"
            ),
            range(Some("1.1.1.1"), Some("1.1.1.10"), Some((1025, 65535)))
        );
        assert_eq!(
            nat(
                v4,
                "OUTPUT",
                "-p tcp -j DNAT --to-destination :80",
                "to-destination"
            ),
            range(None, None, Some((80, 80)))
        );
        // A colon after two characters leaves only the port, as in iptables.
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination 12:80",
                "to-destination"
            ),
            range(None, None, Some((80, 80)))
        );
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-p udp -j DNAT --to-destination 1.1.1.1:0x50",
                "to-destination"
            ),
            range(Some("1.1.1.1"), Some("1.1.1.1"), Some((80, 80)))
        );
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination 1.1.1.1:ssh",
                "to-destination"
            ),
            range(Some("1.1.1.1"), Some("1.1.1.1"), Some((22, 22)))
        );
        for rule in [
            "-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/65535",
            "-p tcp -j DNAT --to-destination 1.1.1.1:10-20/ftp",
            "-p tcp -j DNAT --to-destination 1.1.1.1:80-90/1000x",
            "-p icmp -j DNAT --to-destination 1.1.1.1:80",
            "! -p tcp -j DNAT --to-destination 1.1.1.1:80",
            "-p sctp -j DNAT --to-destination 1.1.1.1:80",
            "-p dccp -j DNAT --to-destination 1.1.1.1:80 --random --persistent",
        ] {
            accepts_in(v4, "nat", "PREROUTING", rule);
        }
        assert!(warned(
            v4,
            "PREROUTING",
            "-j DNAT --to-destination 1.2.3.5-1.2.3.4",
            "is reversed"
        ));
    }

    #[test]
    fn ipv6_brackets() {
        let v6 = Family::V6;
        assert_eq!(
            nat(
                v6,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination [dead::beef-dead::fee7]:1025-65535",
                "to-destination"
            ),
            range(Some("dead::beef"), Some("dead::fee7"), Some((1025, 65535)))
        );
        assert_eq!(
            nat(
                v6,
                "PREROUTING",
                "-j DNAT --to-destination dead::beef-dead::fee7",
                "to-destination"
            ),
            range(Some("dead::beef"), Some("dead::fee7"), None)
        );
        // Two colons without brackets: the whole text is an address.
        assert_eq!(
            nat(
                v6,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination ::1:80",
                "to-destination"
            ),
            range(Some("::1:80"), Some("::1:80"), None)
        );
        assert_eq!(
            nat(
                v6,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination []:80",
                "to-destination"
            ),
            range(None, None, Some((80, 80)))
        );
        // iptables ignores what follows the bracket up to the colon.
        assert_eq!(
            nat(
                v6,
                "PREROUTING",
                "-p tcp -j DNAT --to-destination [::1]xy:80",
                "to-destination"
            ),
            range(Some("::1"), Some("::1"), Some((80, 80)))
        );
        accepts_in(
            v6,
            "nat",
            "PREROUTING",
            "-p icmp -j DNAT --to-destination [::1]:80",
        );
        accepts_in(
            v6,
            "nat",
            "POSTROUTING",
            "-j SNAT --to-source ::1 --random --random-fully --persistent",
        );
    }

    #[test]
    fn snat_masquerade_redirect() {
        let v4 = Family::V4;
        assert_eq!(
            nat(
                v4,
                "POSTROUTING",
                "-p tcp -j SNAT --to-source 1.1.1.1:1025-65535",
                "to-source"
            ),
            range(Some("1.1.1.1"), Some("1.1.1.1"), Some((1025, 65535)))
        );
        accepts_in(
            v4,
            "nat",
            "INPUT",
            "-j SNAT --to-source 1.1.1.1 --random --random-fully --persistent",
        );
        assert_eq!(
            nat(
                v4,
                "POSTROUTING",
                "-p udp -j MASQUERADE --to-ports 1024-65535",
                "to-ports"
            ),
            Value::PortRange(PortRange {
                first: 1024,
                last: 65535
            })
        );
        assert_eq!(
            nat(
                Family::V6,
                "OUTPUT",
                "-p udp -j REDIRECT --to-ports 0-0",
                "to-ports"
            ),
            Value::PortRange(PortRange::single(0))
        );
        assert_eq!(
            nat(
                v4,
                "PREROUTING",
                "-p tcp -j REDIRECT --to-ports ftp-data",
                "to-ports"
            ),
            Value::PortRange(PortRange::single(20))
        );
        accepts_in(v4, "nat", "PREROUTING", "-j REDIRECT --random");
        accepts_in(
            v4,
            "nat",
            "POSTROUTING",
            "-j MASQUERADE --random --random-fully",
        );
        assert!(warned(
            v4,
            "POSTROUTING",
            "-p tcp -j SNAT --to-source 1.2.3.4:100-200/300",
            "base port `300`"
        ));
        assert!(warned(
            Family::V6,
            "POSTROUTING",
            "-p tcp -j MASQUERADE --to-ports 100-200/300",
            "base port"
        ));
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let v4 = Family::V4;
        let pre = |rule: &str, message: &str| refuses_in(v4, "nat", "PREROUTING", rule, message);
        pre(
            "-j DNAT --to-destination 1.1.1.1:1025-65535",
            "needs `-p tcp`",
        );
        pre(
            "-j DNAT --to-destination 1.1.1.1:80 -p tcp",
            "needs `-p tcp`",
        );
        pre(
            "-p udplite -j DNAT --to-destination 1.1.1.1:80",
            "needs `-p tcp`",
        );
        pre(
            "-j DNAT --to-destination 1.1.1.1 --to-destination 2.2.2.2",
            "only be given once",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1-1.1.1.10:1025-65536",
            "`65536` is not a port number",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/0",
            "base port `0`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:1000-2000/65536",
            "base port `65536`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:echo-ssh",
            "port `echo-ssh`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:080",
            "unexpected `80`",
        );
        pre("-p tcp -j DNAT --to-destination 1.1.1.1:90-80", "reversed");
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:80-",
            "is not a port number",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:http-90",
            "port `http-90`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:80/100",
            "unexpected `/100`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.1.1.1:80-90-100",
            "unexpected `-100`",
        );
        pre(
            "-p tcp -j DNAT --to-destination 1.2.3.4:80:90",
            "`1.2.3.4:80:90` is not an IPv4 address",
        );
        pre("-j DNAT --to-destination 10.1", "not an IPv4 address");
        pre("-j DNAT --to-destination localhost", "not an IPv4 address");
        pre(
            "-j DNAT --to-destination [1.2.3.4]",
            "invalid address format",
        );
        pre(
            "-j DNAT --to-destination 1.1.1.1 --random-fully",
            "unknown option `--random-fully`",
        );
        pre("-j DNAT", "needs `--to-destination`");
        pre("-p tcp -j REDIRECT --to-ports 42-1234/567", "cannot shift");
        pre("-p tcp -j REDIRECT --to-ports 65536", "port `65536`");
        pre(
            "-p tcp -j REDIRECT --to-ports 10-ssh",
            "`ssh` is not a port number",
        );
        pre("-j REDIRECT --to-ports 42", "needs `-p tcp`");
        pre("-j REDIRECT --persistent", "unknown option `--persistent`");
        refuses_in(
            v4,
            "nat",
            "POSTROUTING",
            "-p tcp -j MASQUERADE --to-ports 80:90",
            "uses a colon",
        );
        refuses_in(
            v4,
            "nat",
            "POSTROUTING",
            "-p udp -j MASQUERADE --to-ports -1",
            "port `-1`",
        );
        refuses_in(v4, "nat", "POSTROUTING", "-j SNAT", "needs `--to-source`");
        let v6 = Family::V6;
        refuses_in(
            v6,
            "nat",
            "PREROUTING",
            "-j DNAT --to-destination [dead::beef]:1025-65535",
            "needs `-p tcp`",
        );
        refuses_in(
            v6,
            "nat",
            "PREROUTING",
            "-p icmpv6 -j DNAT --to-destination [::1]:80",
            "needs `-p tcp`",
        );
        refuses_in(
            v6,
            "nat",
            "PREROUTING",
            "-p tcp -j DNAT --to-destination [::1",
            "invalid address format",
        );
        refuses_in(
            v6,
            "nat",
            "PREROUTING",
            "-j DNAT --to-destination 1.2.3.4",
            "not an IPv6 address",
        );
    }

    #[test]
    fn errors_point_at_the_faulty_part() {
        // The text `load` reads: `*nat\n-A PREROUTING RULE\nCOMMIT\n`.
        let faulty = |rule: &str| {
            let (_, diagnostics, _) = load(Family::V4, "nat", "PREROUTING", rule);
            let error = diagnostics.first().expect("an error");
            let start = error.span.start as usize - "*nat\n-A PREROUTING ".len();
            rule[start..start + error.span.len() as usize].to_string()
        };
        assert_eq!(
            faulty("-p tcp -j DNAT --to-destination 1.2.3.4:90-80"),
            "90-80"
        );
        assert_eq!(
            faulty("-p tcp -j DNAT --to-destination 1.2.3.4:80/100"),
            "/100"
        );
        assert_eq!(
            faulty("-p tcp -j DNAT --to-destination 1.2.3.4-1.2.3.x:80"),
            "1.2.3.x"
        );
        assert_eq!(
            faulty("-p tcp -j DNAT --to-destination 1.2.3.4:10-20/foo"),
            "foo"
        );
        assert_eq!(faulty("-j DNAT --to-destination 1.2.3.4:80"), "80");
        assert_eq!(
            faulty(r#"-j DNAT --to-destination "1.2.3.4:80""#),
            r#""1.2.3.4:80""#
        );
    }

    #[test]
    fn refuses_what_the_kernel_refuses() {
        let v4 = Family::V4;
        refuses_in(
            v4,
            "nat",
            "PREROUTING",
            "-j SNAT --to-source 1.2.3.4",
            "works only in chains reached from INPUT, POSTROUTING",
        );
        refuses_in(
            v4,
            "nat",
            "POSTROUTING",
            "-j DNAT --to-destination 1.2.3.4",
            "works only in chains reached from PREROUTING, OUTPUT",
        );
        refuses_in(
            v4,
            "nat",
            "INPUT",
            "-j DNAT --to-destination 1.2.3.4",
            "works only in chains reached",
        );
        refuses_in(
            v4,
            "filter",
            "INPUT",
            "-j DNAT --to-destination 1.2.3.4",
            "works only in the nat table",
        );
        refuses_in(
            v4,
            "nat",
            "OUTPUT",
            "-j MASQUERADE",
            "works only in chains reached from POSTROUTING",
        );
        refuses_in(
            Family::V6,
            "nat",
            "INPUT",
            "-j MASQUERADE",
            "works only in chains reached from POSTROUTING",
        );
        refuses_in(
            v4,
            "nat",
            "POSTROUTING",
            "-j REDIRECT",
            "works only in chains reached from PREROUTING, OUTPUT",
        );
        refuses_in(
            v4,
            "mangle",
            "PREROUTING",
            "-j REDIRECT",
            "works only in the nat table",
        );
    }
}
