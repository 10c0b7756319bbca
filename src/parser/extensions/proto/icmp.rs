//! `-m icmp` (libipt_icmp.c, IPv4 only): the ICMP type and code. `-p icmp`
//! loads it by itself when `--icmp-type` follows. `--icmp-type` must be
//! given. The kernel accepts the match only with `-p icmp` (not negated),
//! in every table and chain.
//!
//! The type is read as `__parse_icmp` of libxt_icmp.h: first as a name of
//! iptables 1.8.9's table, where any unambiguous abbreviation of a name
//! will do in any case (`echo-req`); two names starting the same way are an
//! error even when they mean the same type. Otherwise it is `type[/code]`,
//! numbers from 0 to 255 in C's base-0 syntax; each may be written as a
//! range `a:b`, but the type range must be a single value, and a code range
//! is kept whole (`3/1:2`). Type 255 (`any`) matches every ICMP packet.
//! This parser and the definition below also serve `icmp6`.

use crate::model::{ExtensionKind, IcmpType, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelReqs, OptCall, OptSpec, ParseHook,
};
use crate::parser::values;

/// One name of the ICMP or ICMPv6 type table: type and code range.
pub struct IcmpName {
    pub name: &'static str,
    pub icmp: IcmpType,
}

/// An entry of a name table.
pub(super) const fn entry(name: &'static str, kind: u8, code_min: u8, code_max: u8) -> IcmpName {
    IcmpName {
        name,
        icmp: IcmpType {
            kind,
            code_min,
            code_max,
        },
    }
}

/// `icmp_codes` of iptables 1.8.9, in its order (which decides what is
/// ambiguous and how errors read).
pub static ICMP_NAMES: [IcmpName; 40] = [
    entry("any", 0xff, 0, 0xff),
    entry("echo-reply", 0, 0, 0xff),
    entry("pong", 0, 0, 0xff),
    entry("destination-unreachable", 3, 0, 0xff),
    entry("network-unreachable", 3, 0, 0),
    entry("host-unreachable", 3, 1, 1),
    entry("protocol-unreachable", 3, 2, 2),
    entry("port-unreachable", 3, 3, 3),
    entry("fragmentation-needed", 3, 4, 4),
    entry("source-route-failed", 3, 5, 5),
    entry("network-unknown", 3, 6, 6),
    entry("host-unknown", 3, 7, 7),
    entry("network-prohibited", 3, 9, 9),
    entry("host-prohibited", 3, 10, 10),
    entry("TOS-network-unreachable", 3, 11, 11),
    entry("TOS-host-unreachable", 3, 12, 12),
    entry("communication-prohibited", 3, 13, 13),
    entry("host-precedence-violation", 3, 14, 14),
    entry("precedence-cutoff", 3, 15, 15),
    entry("source-quench", 4, 0, 0xff),
    entry("redirect", 5, 0, 0xff),
    entry("network-redirect", 5, 0, 0),
    entry("host-redirect", 5, 1, 1),
    entry("TOS-network-redirect", 5, 2, 2),
    entry("TOS-host-redirect", 5, 3, 3),
    entry("echo-request", 8, 0, 0xff),
    entry("ping", 8, 0, 0xff),
    entry("router-advertisement", 9, 0, 0xff),
    entry("router-solicitation", 10, 0, 0xff),
    entry("time-exceeded", 11, 0, 0xff),
    entry("ttl-exceeded", 11, 0, 0xff),
    entry("ttl-zero-during-transit", 11, 0, 0),
    entry("ttl-zero-during-reassembly", 11, 1, 1),
    entry("parameter-problem", 12, 0, 0xff),
    entry("ip-header-bad", 12, 0, 0),
    entry("required-option-missing", 12, 1, 1),
    entry("timestamp-request", 13, 0, 0xff),
    entry("timestamp-reply", 14, 0, 0xff),
    entry("address-mask-request", 17, 0, 0xff),
    entry("address-mask-reply", 18, 0, 0xff),
];

/// `parse_range` of libxt_icmp.h: a number from 0 to 255, optionally
/// followed by `:number`; returns both bounds and the rest of the text.
fn parse_range(text: &str) -> Option<(u8, u8, &str)> {
    let (first, rest) = values::parse_uint_prefix(text, 0, 255)?;
    let first = u8::try_from(first).ok()?;
    match rest.strip_prefix(':') {
        Some(after) => {
            let (last, rest) = values::parse_uint_prefix(after, 0, 255)?;
            Some((first, u8::try_from(last).ok()?, rest))
        }
        None => Some((first, first, rest)),
    }
}

/// `__ipt_parse_icmp`: the argument of `--icmp-type` or `--icmpv6-type`,
/// looked up in `table`; `what` is `ICMP` or `ICMPv6`.
pub fn parse_icmp_type(
    call: &mut OptCall<'_, '_>,
    table: &'static [IcmpName],
    what: &str,
) -> Result<IcmpType, ExtError> {
    let text = call.arg_text();
    let mut found: Option<&IcmpName> = None;
    for entry in table {
        let name = entry.name.as_bytes();
        if name.len() < text.len() || !name[..text.len()].eq_ignore_ascii_case(text.as_bytes()) {
            continue;
        }
        if let Some(first) = found {
            return Err(call
                .error(format!(
                    "the {what} type `{text}` is ambiguous: it could be `{}` or `{}`",
                    first.name, entry.name
                ))
                .help("write more of the name, or the type number"));
        }
        found = Some(entry);
    }
    if let Some(entry) = found {
        return Ok(entry.icmp);
    }
    let (tool, protocol) = if what == "ICMP" {
        ("iptables", "icmp")
    } else {
        ("ip6tables", "ipv6-icmp")
    };
    let unknown = || {
        call.error(format!("unknown {what} type `{text}`")).help(format!(
            "write a type name (see `{tool} -p {protocol} -h`) or `type[/code]` with numbers from 0 to 255"
        ))
    };
    let Some((kind, kind_last, rest)) = parse_range(text) else {
        return Err(unknown());
    };
    let (code_min, code_max, rest) = match rest.strip_prefix('/') {
        None => (0, 0xff, rest),
        Some(codes) => parse_range(codes).ok_or_else(|| {
            call.error(format!("unknown {what} code in `{text}`"))
                .help("the code after `/` is a number from 0 to 255")
        })?,
    };
    if let Some(stray) = rest.chars().next() {
        return Err(call
            .error(format!(
                "unexpected character `{stray}` in {what} type `{text}`"
            ))
            .help("write `type` or `type/code`"));
    }
    if kind != kind_last {
        return Err(call
            .error(format!(
                "`{text}` is a range of {what} types, which iptables does not support"
            ))
            .help("write one rule per type"));
    }
    let icmp = IcmpType {
        kind,
        code_min,
        code_max,
    };
    if code_min > code_max && !(what == "ICMP" && icmp.is_any()) {
        let fate = if call.invert { "every" } else { "no" };
        call.warn_help(format!(
                "the code range of `{text}` is reversed: iptables accepts it, and it matches {fate} {what} packet of type {kind}"
            ), format!("write the lower code first: `{kind}/{code_max}:{code_min}`"));
    }
    Ok(icmp)
}

/// The option of `icmp` or `icmp6`: the type, mandatory.
pub(super) const fn options(name: &'static str) -> [OptSpec; 1] {
    [OptSpec::new(name, 0, ArgType::String).mandatory().invert()]
}

/// The definition of `icmp` or `icmp6`: `parse` reads the type with the
/// family's name table, and the kernel wants `-p` to be `proto`.
pub(super) const fn definition(
    name: &'static str,
    families: Families,
    options: &'static [OptSpec],
    parse: ParseHook,
    proto: u8,
) -> ExtensionDef {
    ExtensionDef {
        name,
        kind: ExtensionKind::Match,
        families,
        options,
        parse: Some(parse),
        kernel: KernelReqs {
            proto: Some(proto),
            ..KernelReqs::NONE
        },
        ..ExtensionDef::BASE
    }
}

static OPTIONS: [OptSpec; 1] = options("icmp-type");

pub static ICMP: ExtensionDef = definition("icmp", Families::V4, &OPTIONS, parse, 1);

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_icmp_type(call, &ICMP_NAMES, "ICMP").map(Value::Icmp)
}

#[cfg(test)]
mod tests {
    use super::ICMP_NAMES;
    use crate::model::{Family, IcmpType, Value};
    use crate::parser::extensions::testing::{accepts, match_named, refuses, refuses6, warnings};

    fn icmp(rule: &str) -> IcmpType {
        let rule = accepts(rule);
        match match_named(&rule, "icmp")
            .option("icmp-type")
            .unwrap()
            .value
        {
            Value::Icmp(icmp) => icmp,
            ref other => panic!("not an ICMP type: {other:?}"),
        }
    }

    fn typed(kind: u8, code_min: u8, code_max: u8) -> IcmpType {
        IcmpType {
            kind,
            code_min,
            code_max,
        }
    }

    #[test]
    fn icmp_names_are_those_of_1_8_9() {
        assert_eq!(ICMP_NAMES.len(), 40);
        assert!(
            ICMP_NAMES
                .iter()
                .all(|entry| !entry.name.starts_with("mld"))
        );
    }

    #[test]
    fn names_abbreviations_and_numbers() {
        assert_eq!(
            icmp("-p icmp -m icmp --icmp-type any -j ACCEPT"),
            IcmpType::ANY
        );
        assert_eq!(icmp("-p icmp --icmp-type an -j ACCEPT"), IcmpType::ANY);
        assert_eq!(
            icmp("-p icmp --icmp-type echo-request -j ACCEPT"),
            typed(8, 0, 255)
        );
        assert_eq!(
            icmp("-p icmp --icmp-type ECHO-REQ -j ACCEPT"),
            typed(8, 0, 255)
        );
        assert_eq!(
            icmp("-p icmp --icmp-type host-unr -j ACCEPT"),
            typed(3, 1, 1)
        );
        assert_eq!(
            icmp("-p icmp --icmp-type tos-host-redirect -j ACCEPT"),
            typed(5, 3, 3)
        );
        assert_eq!(icmp("-p icmp --icmp-type 3 -j ACCEPT"), typed(3, 0, 255));
        assert_eq!(icmp("-p icmp --icmp-type 3:3 -j ACCEPT"), typed(3, 0, 255));
        assert_eq!(icmp("-p icmp --icmp-type 0x8 -j ACCEPT"), typed(8, 0, 255));
        assert_eq!(
            icmp("-p icmp --icmp-type \" 8\" -j ACCEPT"),
            typed(8, 0, 255)
        );
        assert_eq!(icmp("-p icmp --icmp-type 3/1:2 -j ACCEPT"), typed(3, 1, 2));
        assert_eq!(
            icmp("-p icmp --icmp-type 255/255 -j ACCEPT"),
            typed(255, 255, 255)
        );
        assert_eq!(icmp("-p 1 --icmp-type 11/0 -j ACCEPT"), typed(11, 0, 0));
        let rule = accepts("-p icmp ! --icmp-type any -j ACCEPT");
        assert!(
            match_named(&rule, "icmp")
                .option("icmp-type")
                .unwrap()
                .negated
        );
    }

    #[test]
    fn reversed_codes_are_reported() {
        let found = warnings(Family::V4, "-p icmp --icmp-type 3/2:1 -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches no ICMP packet of type 3")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p icmp --icmp-type 255/2:1 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p icmp --icmp-type p -j ACCEPT",
            "could be `pong` or `protocol-unreachable`",
        );
        refuses("-p icmp --icmp-type ttl -j ACCEPT", "ambiguous");
        refuses(
            "-p icmp --icmp-type \"\" -j ACCEPT",
            "could be `any` or `echo-reply`",
        );
        refuses(
            "-p icmp --icmp-type mld-listener-query -j ACCEPT",
            "unknown ICMP type",
        );
        refuses(
            "-p icmp --icmp-type echo-request/0 -j ACCEPT",
            "unknown ICMP type",
        );
        refuses("-p icmp --icmp-type 256 -j ACCEPT", "unknown ICMP type");
        refuses("-p icmp --icmp-type 3: -j ACCEPT", "unknown ICMP type");
        refuses("-p icmp --icmp-type 8/256 -j ACCEPT", "unknown ICMP code");
        refuses("-p icmp --icmp-type 3/ -j ACCEPT", "unknown ICMP code");
        refuses(
            "-p icmp --icmp-type 3x -j ACCEPT",
            "unexpected character `x`",
        );
        refuses(
            "-p icmp --icmp-type 3/4/5 -j ACCEPT",
            "unexpected character `/`",
        );
        refuses("-p icmp --icmp-type 3:4 -j ACCEPT", "range of ICMP types");
        refuses(
            "-p icmp --icmp-type 8 --icmp-type 0 -j ACCEPT",
            "can only be given once",
        );
        refuses("-p icmp -m icmp -j ACCEPT", "needs `--icmp-type`");
        refuses(
            "-m icmp --icmp-type 8 -j ACCEPT",
            "works only with `-p icmp`",
        );
        refuses6(
            "-p icmp -m icmp --icmp-type 8 -j ACCEPT",
            "exists only in iptables",
        );
    }
}
