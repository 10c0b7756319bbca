//! `-m mh` (libip6t_mh.c, IPv6 only): the type of a Mobility Header.
//! `-p mh` or `-p ipv6-mh` load it by themselves when `--mh-type` follows
//! (`-p mobility-header`, the name iptables-save prints, does not). The
//! kernel accepts it only with `-p mh` (135, not negated), in every table
//! and chain.
//!
//! `--mh-type` is `type[:type]`; a type is a name, or any case-insensitive
//! abbreviation of one (the first name that starts that way, unless a later
//! one is spelled exactly so), or else a number from 0 to 255 in C's
//! base-0 syntax. An empty side of a range stands for 0 or 255. A reversed
//! range is refused. The typed value is the range of types.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelReqs, OptCall, OptSpec,
};
use crate::parser::values;

const O_MH_TYPE: u8 = 0;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("mh-type", O_MH_TYPE, ArgType::String).invert()];

pub static MH: ExtensionDef = ExtensionDef {
    name: "mh",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(135),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// `mh_names` of iptables 1.8.9, in its order.
const NAMES: [(&str, u8); 16] = [
    ("binding-refresh-request", 0),
    ("brr", 0),
    ("home-test-init", 1),
    ("hoti", 1),
    ("careof-test-init", 2),
    ("coti", 2),
    ("home-test", 3),
    ("hot", 3),
    ("careof-test", 4),
    ("cot", 4),
    ("binding-update", 5),
    ("bu", 5),
    ("binding-acknowledgement", 6),
    ("ba", 6),
    ("binding-error", 7),
    ("be", 7),
];

/// `name_to_type`.
fn name_to_type(call: &OptCall<'_, '_>, text: &str) -> Result<u8, ExtError> {
    let mut found: Option<(&str, u8)> = None;
    for &(name, kind) in &NAMES {
        let starts = name.len() >= text.len()
            && name.as_bytes()[..text.len()].eq_ignore_ascii_case(text.as_bytes());
        if starts && (found.is_none() || name.len() == text.len()) {
            found = Some((name, kind));
        }
    }
    if let Some((_, kind)) = found {
        return Ok(kind);
    }
    values::parse_uint(text, 0, 255)
        .and_then(|kind| u8::try_from(kind).ok())
        .ok_or_else(|| {
            call.error(format!("invalid MH type `{text}`")).help(
                "write a number from 0 to 255 or a name: binding-refresh-request (brr), home-test-init (hoti), \
                 careof-test-init (coti), home-test (hot), careof-test (cot), binding-update (bu), \
                 binding-acknowledgement (ba), binding-error (be)",
            )
        })
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let Some((first, last)) = text.split_once(':') else {
        let kind = name_to_type(call, text)?;
        return Ok(Value::Range(u64::from(kind), u64::from(kind)));
    };
    let first = if first.is_empty() {
        0
    } else {
        name_to_type(call, first)?
    };
    let last = if last.is_empty() {
        255
    } else {
        name_to_type(call, last)?
    };
    if first > last {
        return Err(call
            .error(format!("the MH type range `{text}` is reversed"))
            .help(format!("write the lower type first: `{last}:{first}`")));
    }
    Ok(Value::Range(u64::from(first), u64::from(last)))
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6};

    fn mh_type(rule: &str) -> Value {
        let rule = accepts6(rule);
        match_named(&rule, "mh")
            .option("mh-type")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn types_by_name_number_and_range() {
        assert_eq!(
            mh_type("-p mobility-header -m mh --mh-type 1 -j ACCEPT"),
            Value::Range(1, 1)
        );
        assert_eq!(
            mh_type("-p mh --mh-type 4:123 -j ACCEPT"),
            Value::Range(4, 123)
        );
        assert_eq!(
            mh_type("-p ipv6-mh -m mh --mh-type : -j ACCEPT"),
            Value::Range(0, 255)
        );
        assert_eq!(
            mh_type("-p 135 -m mh --mh-type 3: -j ACCEPT"),
            Value::Range(3, 255)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type b -j ACCEPT"),
            Value::Range(0, 0)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type home-test -j ACCEPT"),
            Value::Range(3, 3)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type HOT -j ACCEPT"),
            Value::Range(3, 3)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type bu:ba -j ACCEPT"),
            Value::Range(5, 6)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type 0x10 -j ACCEPT"),
            Value::Range(16, 16)
        );
        assert_eq!(
            mh_type("-p mh -m mh --mh-type \"\" -j ACCEPT"),
            Value::Range(0, 0)
        );
        let rule = accepts6("-p mh -m mh ! --mh-type 4 -j ACCEPT");
        assert!(match_named(&rule, "mh").option("mh-type").unwrap().negated);
        accepts6("-p mh -m mh -j ACCEPT");
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6("-p mh -m mh --mh-type 4:3 -j ACCEPT", "reversed");
        refuses6(
            "-p mh -m mh --mh-type 256 -j ACCEPT",
            "invalid MH type `256`",
        );
        refuses6(
            "-p mh -m mh --mh-type 1:2:3 -j ACCEPT",
            "invalid MH type `2:3`",
        );
        refuses6("-p mh -m mh --mh-type x -j ACCEPT", "invalid MH type `x`");
        refuses6(
            "-p mh -m mh --mh-type 1 --mh-type 2 -j ACCEPT",
            "can only be given once",
        );
        refuses6("-m mh -j ACCEPT", "works only with `-p mobility-header`");
        refuses6(
            "! -p mh -m mh -j ACCEPT",
            "works only with `-p mobility-header`",
        );
        refuses6(
            "-p mobility-header --mh-type 1 -j ACCEPT",
            "unknown option `--mh-type`",
        );
        refuses6(
            "-p ipv6-mh --mh-type 1 -j ACCEPT",
            "unknown option `--mh-type`",
        );
        refuses6("-p 135 --mh-type 1 -j ACCEPT", "unknown option `--mh-type`");
        refuses("-p mh -m mh -j ACCEPT", "exists only in ip6tables");
    }
}
