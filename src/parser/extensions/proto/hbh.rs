//! `-m hbh` (libip6t_hbh.c, IPv6 only): the Hop-by-Hop Options extension
//! header. The kernel finds the header among the extension headers: no `-p`
//! is needed, and the match works in every table and chain. `dst`
//! (libip6t_dst.c) is the same match for the Destination Options header,
//! with its own option names: it is defined with the functions below.
//!
//! `--hbh-len` is the header length (a 32-bit number). `--hbh-opts` lists
//! up to 16 options as `type[:length]`; numbers are read by C's `strtoul`
//! (base 0, a minus sign wraps around) and cut to 8 bits without a word.
//! Type 0 (Pad1) cannot have a length. Without a length, or with length
//! 255, any length matches. The typed value lists `type[:length]` as
//! iptables-save prints them.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, Families, OptCall, OptSpec};
use crate::parser::values;

/// `IP6T_OPTS_OPTSNR`: the slots of the kernel's option list.
pub const MAX_OPTIONS: usize = 16;

const O_LEN: u8 = 0;
const O_OPTS: u8 = 1;

/// The options of `hbh` or `dst`: the header length and the option list.
pub(super) const fn options(len: &'static str, opts: &'static str) -> [OptSpec; 2] {
    [
        OptSpec::new(len, O_LEN, ArgType::UInt32).invert(),
        OptSpec::new(opts, O_OPTS, ArgType::String),
    ]
}

/// The definition of `hbh` or `dst`, which differ only in their names.
pub(super) const fn definition(name: &'static str, options: &'static [OptSpec]) -> ExtensionDef {
    ExtensionDef {
        name,
        kind: ExtensionKind::Match,
        families: Families::V6,
        options,
        parse: Some(parse),
        ..ExtensionDef::BASE
    }
}

static OPTIONS: [OptSpec; 2] = options("hbh-len", "hbh-opts");

pub static HBH: ExtensionDef = definition("hbh", &OPTIONS);

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_OPTS => parse_option_list(call).map(|list| Value::List(list.into())),
        _ => call.generic(),
    }
}

/// `parse_opts_num`: one number of the list, cut to 8 bits (with a warning
/// when that changes it).
fn option_number(call: &mut OptCall<'_, '_>, text: &str, what: &str) -> Result<u8, ExtError> {
    let Some((value, overflow, used)) = values::strtoul_full(text.as_bytes(), 0) else {
        return Err(call
            .error(format!(
                "no number in the {what} `{text}` of `--{}`",
                call.spec.name
            ))
            .help("write `type[:length]` items separated by commas"));
    };
    if overflow {
        return Err(call.error(format!(
            "the {what} `{text}` of `--{}` is too big",
            call.spec.name
        )));
    }
    if used != text.len() {
        return Err(call
            .error(format!(
                "unexpected characters in the {what} `{text}` of `--{}`",
                call.spec.name
            ))
            .help("write `type[:length]` items separated by commas"));
    }
    let byte = (value & 0xff) as u8;
    if value > 0xff {
        call.warn_help(
            format!("the {what} `{text}` does not fit in 8 bits: iptables keeps {byte}"),
            format!("option {what}s go from 0 to 255"),
        );
    }
    Ok(byte)
}

/// `parse_options` of libip6t_hbh.c and libip6t_dst.c.
fn parse_option_list(call: &mut OptCall<'_, '_>) -> Result<Vec<String>, ExtError> {
    let text = call.arg_text();
    let too_many = |call: &OptCall<'_, '_>| {
        call.error(format!(
            "too many options in `--{}`: at most {MAX_OPTIONS}",
            call.spec.name
        ))
        .help("split the test over several rules")
    };
    let mut list = Vec::new();
    for (index, item) in text.split(',').enumerate() {
        if index == MAX_OPTIONS {
            return Err(too_many(call));
        }
        let (kind_text, length_text) = match item.split_once(':') {
            Some((kind, length)) => {
                if index == MAX_OPTIONS - 1 {
                    return Err(too_many(call));
                }
                (kind, Some(length))
            }
            None => (item, None),
        };
        let kind = option_number(call, kind_text, "type")?;
        let Some(length_text) = length_text else {
            list.push(kind.to_string());
            continue;
        };
        if kind == 0 {
            return Err(call
                .error(format!("option type 0 (Pad1) has no length: `{item}`"))
                .help("write `0` alone"));
        }
        let length = option_number(call, length_text, "length")?;
        if length == 0xff {
            call.warn_help(
                format!("length 255 in `{item}` means any length to the kernel"),
                format!("write `{kind}` alone to say so"),
            );
            list.push(kind.to_string());
        } else {
            list.push(format!("{kind}:{length}"));
        }
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6, warnings};

    fn opts(rule: &str) -> Vec<String> {
        let rule = accepts6(rule);
        match &match_named(&rule, "hbh").option("hbh-opts").unwrap().value {
            Value::List(items) => items.to_vec(),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn length_and_options() {
        let rule =
            accepts6("-m hbh ! --hbh-len 42 --hbh-opts 1:2,23:42,4:6,8:10,42,23,4:5 -j ACCEPT");
        let hbh = match_named(&rule, "hbh");
        assert_eq!(hbh.option("hbh-len").unwrap().value, Value::UInt(42));
        assert!(hbh.option("hbh-len").unwrap().negated);
        assert_eq!(
            opts("-m hbh --hbh-opts 0x10:0x20,+1,0 -j ACCEPT"),
            ["16:32", "1", "0"]
        );
        assert_eq!(opts("-m hbh --hbh-opts \" 1\" -j ACCEPT"), ["1"]);
        assert_eq!(
            opts("-m hbh --hbh-opts 257,1:256,-1 -j ACCEPT"),
            ["1", "1:0", "255"]
        );
        assert_eq!(opts("-m hbh --hbh-opts 1:255 -j ACCEPT"), ["1"]);
        accepts6("-m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16 -j ACCEPT");
        accepts6("-m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15:2,16 -j ACCEPT");
        accepts6("-m hbh -j ACCEPT");
    }

    #[test]
    fn cut_values_are_reported() {
        let found = warnings(Family::V6, "-m hbh --hbh-opts 257 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("iptables keeps 1")),
            "{found:?}"
        );
        let found = warnings(Family::V6, "-m hbh --hbh-opts 1:255 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("any length")),
            "{found:?}"
        );
        assert!(warnings(Family::V6, "-m hbh --hbh-opts 1:2 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6("-m hbh --hbh-opts 0:1 -j ACCEPT", "Pad1");
        refuses6("-m hbh --hbh-opts 256:1 -j ACCEPT", "Pad1");
        refuses6("-m hbh --hbh-opts 1, -j ACCEPT", "no number");
        refuses6("-m hbh --hbh-opts \"\" -j ACCEPT", "no number");
        refuses6("-m hbh --hbh-opts 1: -j ACCEPT", "no number in the length");
        refuses6("-m hbh --hbh-opts 1x -j ACCEPT", "unexpected characters");
        refuses6("-m hbh --hbh-opts 08 -j ACCEPT", "unexpected characters");
        refuses6(
            "-m hbh --hbh-opts 1:2:3 -j ACCEPT",
            "unexpected characters in the length",
        );
        refuses6(
            "-m hbh --hbh-opts 99999999999999999999999 -j ACCEPT",
            "too big",
        );
        refuses6(
            "-m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17 -j ACCEPT",
            "too many options",
        );
        refuses6(
            "-m hbh --hbh-opts 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16:2 -j ACCEPT",
            "too many options",
        );
        refuses6("-m hbh ! --hbh-opts 1 -j ACCEPT", "cannot be negated");
        refuses6(
            "-m hbh --hbh-opts 1 --hbh-opts 2 -j ACCEPT",
            "can only be given once",
        );
        refuses("-m hbh -j ACCEPT", "exists only in ip6tables");
    }
}
