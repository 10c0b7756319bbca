//! `-m rt` (libip6t_rt.c, IPv6 only): the Routing extension header. The
//! kernel finds the header among the extension headers: no `-p` is needed,
//! and the match works in every table and chain.
//!
//! `--rt-type`, `--rt-len` (32-bit numbers) and `--rt-segsleft` (a range)
//! test the header's fields. The options of type 0 headers, `--rt-0-res`
//! and `--rt-0-addrs` (up to 16 IPv6 addresses), need `--rt-type 0` given
//! before them and not negated; `--rt-0-not-strict` needs `--rt-0-addrs`
//! before it. The typed value of `--rt-0-addrs` lists the addresses as
//! iptables-save prints them.

use std::net::Ipv6Addr;

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::generic;
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, Families, OptCall, OptSpec, bit};

/// `IP6T_RT_HOPS`: the slots of the kernel's address list.
pub const MAX_ADDRESSES: usize = 16;

const O_TYPE: u8 = 0;
const O_SEGSLEFT: u8 = 1;
const O_LEN: u8 = 2;
const O_RES: u8 = 3;
const O_ADDRS: u8 = 4;
const O_NOT_STRICT: u8 = 5;

static OPTIONS: [OptSpec; 6] = [
    OptSpec::new("rt-type", O_TYPE, ArgType::UInt32).invert(),
    OptSpec::new("rt-segsleft", O_SEGSLEFT, ArgType::UInt32Range).invert(),
    OptSpec::new("rt-len", O_LEN, ArgType::UInt32).invert(),
    OptSpec::new("rt-0-res", O_RES, ArgType::None),
    OptSpec::new("rt-0-addrs", O_ADDRS, ArgType::String),
    OptSpec::new("rt-0-not-strict", O_NOT_STRICT, ArgType::None),
];

pub static RT: ExtensionDef = ExtensionDef {
    name: "rt",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// Is there a `--rt-type 0`, not negated, before this option?
fn has_type_zero(call: &OptCall<'_, '_>) -> bool {
    call.seen & bit(O_TYPE) != 0
        && call.previous.iter().any(|option| {
            option.name == "rt-type" && !option.negated && option.value == Value::UInt(0)
        })
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_TYPE => {
            let value = call.generic()?;
            if value.as_uint().is_some_and(|kind| kind > 255) {
                let fate = if call.invert {
                    "every packet"
                } else {
                    "no packet"
                };
                call.warn_help(
                    format!(
                        "the routing type is an 8-bit field, so `--rt-type {}` matches {fate}",
                        call.arg_text()
                    ),
                    "routing types go from 0 to 255",
                );
            }
            Ok(value)
        }
        O_SEGSLEFT => generic::int_range(call, "segments-left value"),
        O_RES | O_ADDRS if !has_type_zero(call) => Err(ExtError::new(format!(
            "`--{}` needs `--rt-type 0` before it",
            call.spec.name
        ))
        .at(call.span)
        .help("the reserved field and the address list exist only in type 0 routing headers")),
        O_ADDRS => parse_addresses(call).map(|list| Value::List(list.into())),
        O_NOT_STRICT if call.seen & bit(O_ADDRS) == 0 => Err(ExtError::new(
            "`--rt-0-not-strict` needs `--rt-0-addrs` before it",
        )
        .at(call.span)
        .help("`--rt-0-not-strict` says the address list need not be the whole route")),
        _ => call.generic(),
    }
}

/// `parse_addresses`: comma-separated IPv6 addresses (as `inet_pton`, no
/// names, no masks).
fn parse_addresses(call: &OptCall<'_, '_>) -> Result<Vec<String>, ExtError> {
    let text = call.arg_text();
    let mut list = Vec::new();
    for (index, item) in text.split(',').enumerate() {
        if index == MAX_ADDRESSES {
            return Err(call
                .error(format!(
                    "too many addresses in `--rt-0-addrs`: at most {MAX_ADDRESSES}"
                ))
                .help("a type 0 routing header of a rule lists at most 16 addresses"));
        }
        let address: Ipv6Addr = item.parse().map_err(|_| {
            call.error(format!("`{item}` is not an IPv6 address"))
                .help("`--rt-0-addrs` takes numeric IPv6 addresses separated by commas")
        })?;
        list.push(address.to_string());
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6, warnings};

    #[test]
    fn fields_and_type_0_options() {
        let rule =
            accepts6("-m rt --rt-type 0 ! --rt-segsleft 1:23 ! --rt-len 42 --rt-0-res -j ACCEPT");
        let rt = match_named(&rule, "rt");
        assert_eq!(rt.option("rt-type").unwrap().value, Value::UInt(0));
        assert_eq!(rt.option("rt-segsleft").unwrap().value, Value::Range(1, 23));
        assert!(rt.option("rt-segsleft").unwrap().negated);
        assert_eq!(rt.option("rt-len").unwrap().value, Value::UInt(42));
        assert_eq!(rt.option("rt-0-res").unwrap().value, Value::Flag);
        let rule = accepts6(
            "-m rt --rt-type 00 --rt-0-addrs ::1,FE80:0::1,::ffff:1.2.3.4 --rt-0-not-strict -j ACCEPT",
        );
        let rt = match_named(&rule, "rt");
        assert_eq!(
            rt.option("rt-0-addrs").unwrap().value,
            Value::List(
                vec![
                    "::1".to_string(),
                    "fe80::1".to_string(),
                    "::ffff:1.2.3.4".to_string()
                ]
                .into()
            )
        );
        assert!(rt.has_option("rt-0-not-strict"));
        let rule = accepts6("-m rt --rt-segsleft 3: -j ACCEPT");
        assert_eq!(
            match_named(&rule, "rt")
                .option("rt-segsleft")
                .unwrap()
                .value,
            Value::Range(3, u64::from(u32::MAX))
        );
        accepts6(
            "-m rt --rt-type 0 --rt-0-addrs ::1,::2,::3,::4,::5,::6,::7,::8,::9,::a,::b,::c,::d,::e,::f,::10 -j ACCEPT",
        );
        accepts6("-m rt ! --rt-type 1 -j ACCEPT");
        accepts6("-m rt -j ACCEPT");
    }

    #[test]
    fn surprising_values_are_reported() {
        let found = warnings(Family::V6, "-m rt --rt-type 256 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("8-bit")),
            "{found:?}"
        );
        let found = warnings(Family::V6, "-m rt --rt-segsleft 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("reversed")),
            "{found:?}"
        );
        assert!(warnings(Family::V6, "-m rt --rt-type 2 --rt-segsleft 3:4 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6(
            "-m rt --rt-0-addrs ::1 -j ACCEPT",
            "needs `--rt-type 0` before it",
        );
        refuses6(
            "-m rt --rt-type 1 --rt-0-res -j ACCEPT",
            "needs `--rt-type 0` before it",
        );
        refuses6(
            "-m rt ! --rt-type 0 --rt-0-res -j ACCEPT",
            "needs `--rt-type 0` before it",
        );
        refuses6(
            "-m rt --rt-0-res --rt-type 0 -j ACCEPT",
            "needs `--rt-type 0` before it",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-not-strict -j ACCEPT",
            "needs `--rt-0-addrs` before it",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-not-strict --rt-0-addrs ::1 -j ACCEPT",
            "needs `--rt-0-addrs` before it",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-addrs ::1, -j ACCEPT",
            "`` is not an IPv6 address",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-addrs 1.2.3.4 -j ACCEPT",
            "not an IPv6 address",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-addrs localhost -j ACCEPT",
            "not an IPv6 address",
        );
        refuses6(
            "-m rt --rt-type 0 --rt-0-addrs ::1,::2,::3,::4,::5,::6,::7,::8,::9,::a,::b,::c,::d,::e,::f,::10,::11 -j ACCEPT",
            "too many addresses",
        );
        refuses6("-m rt ! --rt-0-res -j ACCEPT", "cannot be negated");
        refuses6("-m rt --rt-segsleft 4:3:2 -j ACCEPT", "too many parts");
        refuses("-m rt -j ACCEPT", "exists only in ip6tables");
    }
}
