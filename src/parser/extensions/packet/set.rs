//! `-m set` (libxt_set.c, revision 4; an old-style parser): matches packets
//! whose addresses or ports are in an ipset. `--match-set NAME FLAGS` (the
//! deprecated `--set` is the same) takes two arguments: the set name (at
//! most 31 bytes) and a comma list of 1 to 6 `src`/`dst` (iptables only
//! compares the first three letters of each). `--return-nomatch`,
//! `! --update-counters`, `! --update-subcounters`, and one each of
//! `--packets-eq|lt|gt` and `--bytes-eq|lt|gt` (64-bit C numbers; only the
//! `-eq` forms may be negated) refine it.
//!
//! iptables asks the kernel for the set while parsing: `iptables-restore`
//! (even with `--test`) fails when the set does not exist on the machine or
//! has the other address family. That depends on the machine, not on the
//! file: fwlint accepts any set name.
//!
//! iptables warns that `--set` is deprecated; fwlint cannot tell the two
//! spellings apart (options are looked up by id), so it does not.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    Arg, ArgType, ExtError, ExtWarning, ExtensionDef, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_MATCH_SET: u8 = 0;
const O_RETURN_NOMATCH: u8 = 1;
const O_UPDATE_COUNTERS: u8 = 2;
const O_UPDATE_SUBCOUNTERS: u8 = 3;
const O_PACKETS_EQ: u8 = 4;
const O_PACKETS_LT: u8 = 5;
const O_PACKETS_GT: u8 = 6;
const O_BYTES_EQ: u8 = 7;
const O_BYTES_LT: u8 = 8;
const O_BYTES_GT: u8 = 9;
const PACKETS: u32 = bit(O_PACKETS_EQ) | bit(O_PACKETS_LT) | bit(O_PACKETS_GT);
const BYTES: u32 = bit(O_BYTES_EQ) | bit(O_BYTES_LT) | bit(O_BYTES_GT);

/// `IPSET_MAXNAMELEN` - 1.
pub const MAX_SET_NAME: usize = 31;
/// `IPSET_DIM_MAX`.
pub const MAX_DIMENSIONS: usize = 6;

// The old-style parser checks `!` and repetition itself.
static OPTIONS: [OptSpec; 11] = [
    OptSpec::new("match-set", O_MATCH_SET, ArgType::String)
        .mandatory()
        .custom(),
    OptSpec::new("set", O_MATCH_SET, ArgType::String)
        .mandatory()
        .custom(),
    OptSpec::new("return-nomatch", O_RETURN_NOMATCH, ArgType::None).custom(),
    OptSpec::new("update-counters", O_UPDATE_COUNTERS, ArgType::None).custom(),
    OptSpec::new("update-subcounters", O_UPDATE_SUBCOUNTERS, ArgType::None).custom(),
    OptSpec::new("packets-eq", O_PACKETS_EQ, ArgType::String).custom(),
    OptSpec::new("packets-lt", O_PACKETS_LT, ArgType::String).custom(),
    OptSpec::new("packets-gt", O_PACKETS_GT, ArgType::String).custom(),
    OptSpec::new("bytes-eq", O_BYTES_EQ, ArgType::String).custom(),
    OptSpec::new("bytes-lt", O_BYTES_LT, ArgType::String).custom(),
    OptSpec::new("bytes-gt", O_BYTES_GT, ArgType::String).custom(),
];

pub static SET: ExtensionDef = ExtensionDef {
    name: "set",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// `parse_dirs`: each item must start with `src` or `dst`.
fn parse_directions(call: &mut OptCall<'_, '_>, flags: Arg<'_>) -> Result<Vec<String>, ExtError> {
    let items: Vec<&str> = flags.text.split(',').collect();
    if items.len() > MAX_DIMENSIONS {
        return Err(ExtError::new(format!(
            "`--{}` takes at most {MAX_DIMENSIONS} `src`/`dst` flags, not {}",
            call.spec.name,
            items.len()
        ))
        .at(flags.span));
    }
    let mut offset = 0;
    let mut directions = Vec::with_capacity(items.len());
    for item in items {
        let start = offset;
        offset += item.len() + 1;
        let span = if item.is_empty() {
            flags.span
        } else {
            flags.sub_span(start..start + item.len())
        };
        let Some(direction) = ["src", "dst"]
            .into_iter()
            .find(|direction| item.starts_with(direction))
        else {
            return Err(ExtError::new(format!("set flag `{item}` is neither `src` nor `dst`"))
                .at(span)
                .help("write a comma list of `src` and `dst`, one per dimension of the set, as `src,dst`"));
        };
        if item.len() > direction.len() {
            call.warnings.push(ExtWarning::new(
                format!(
                    "iptables reads only the first three letters of `{item}`: this is `{direction}`"
                ),
                span,
            ));
        }
        directions.push(direction.to_string());
    }
    Ok(directions)
}

fn match_set(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.seen & bit(O_MATCH_SET) != 0 {
        return Err(
            ExtError::new("`--match-set` can be given only once in a `set` match")
                .at(call.span)
                .help("use a second `-m set` to test another set"),
        );
    }
    let Some(flags) = call.rest.next_value() else {
        return Err(ExtError::new(format!(
            "`--{}` needs two arguments: the set name and its flags",
            call.spec.name
        ))
        .at(call.span)
        .help("for example `--match-set blocklist src`"));
    };
    let name = call.arg_text();
    if name.is_empty() {
        return Err(call
            .error("the set name is empty")
            .help("no ipset can have an empty name"));
    }
    if name.len() > MAX_SET_NAME {
        return Err(call.error(format!(
            "set name `{name}` is {} bytes long: at most {MAX_SET_NAME}",
            name.len()
        )));
    }
    let directions = parse_directions(call, flags)?;
    let mut list = vec![name.to_string()];
    list.extend(directions);
    Ok(Value::List(list.into()))
}

fn counter(call: &mut OptCall<'_, '_>, group: u32, what: &str) -> Result<Value, ExtError> {
    let id = call.spec.id;
    if call.seen & group != 0 {
        return Err(ExtError::new(format!(
            "only one of `--{what}-eq`, `--{what}-lt` and `--{what}-gt` is allowed"
        ))
        .at(call.span));
    }
    if call.invert && !matches!(id, O_PACKETS_EQ | O_BYTES_EQ) {
        return Err(
            ExtError::new(format!("`--{}` cannot be negated with `!`", call.spec.name))
                .at(call.span)
                .help(format!("`! --{what}-eq` is the only negated counter test")),
        );
    }
    let text = call.arg_text();
    values::parse_uint(text, 0, 0)
        .map(Value::UInt)
        .ok_or_else(|| call.error(format!("`{text}` is not a counter value (a 64-bit number)")))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_MATCH_SET => match_set(call),
        O_RETURN_NOMATCH => {
            if call.invert {
                return Err(
                    ExtError::new("`--return-nomatch` cannot be negated with `!`").at(call.span),
                );
            }
            Ok(Value::Flag)
        }
        O_UPDATE_COUNTERS | O_UPDATE_SUBCOUNTERS => {
            if !call.invert {
                call.warn(format!(
                    "`--{}` without `!` does nothing: counters are updated anyway",
                    call.spec.name
                ));
            }
            Ok(Value::Flag)
        }
        O_PACKETS_EQ | O_PACKETS_LT | O_PACKETS_GT => counter(call, PACKETS, "packets"),
        _ => counter(call, BYTES, "bytes"),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::error_text;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|item| (*item).to_string()).collect())
    }

    #[test]
    fn sets_and_flags() {
        let rule = accepts("-m set --match-set foo src -j DROP");
        assert_eq!(
            match_named(&rule, "set").option("match-set").unwrap().value,
            list(&["foo", "src"])
        );
        let rule = accepts6("-m set ! --match-set foo srcxyz,dstabc");
        let option = match_named(&rule, "set").option("match-set").unwrap();
        assert!(option.negated);
        assert_eq!(option.value, list(&["foo", "src", "dst"]));
        accepts("-m set --match-set foo src,dst,src,dst,src,dst");
        let found = warnings(Family::V4, "-m set --match-set foo srcxyz,dst");
        assert!(
            found.iter().any(|w| w.message.contains("this is `src`")),
            "{found:?}"
        );
        let rule = accepts("-m set --set foo dst");
        assert_eq!(
            match_named(&rule, "set").option("match-set").unwrap().value,
            list(&["foo", "dst"])
        );
    }

    #[test]
    fn counters_and_updates() {
        let rule =
            accepts("-m set --match-set foo src ! --packets-eq 5 --bytes-gt 0x10 --return-nomatch");
        let set = match_named(&rule, "set");
        assert!(set.option("packets-eq").unwrap().negated);
        assert_eq!(set.option("bytes-gt").unwrap().value, Value::UInt(16));
        assert_eq!(set.option("return-nomatch").unwrap().value, Value::Flag);
        accepts("-m set --match-set foo src --bytes-eq 18446744073709551615");
        accepts("-m set --match-set foo src ! --update-counters ! --update-subcounters");
        accepts("-m set --match-set foo src --return-nomatch --return-nomatch");
        let found = warnings(Family::V4, "-m set --match-set foo src --update-counters");
        assert!(
            found.iter().any(|w| w.message.contains("does nothing")),
            "{found:?}"
        );
    }

    #[test]
    fn errors_point_at_the_bad_flag() {
        assert_eq!(
            error_text(Family::V4, "-m set --match-set foo src,any"),
            "any"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m set --match-set foo", "needs two arguments");
        refuses("-m set --match-set foo -j DROP", "needs two arguments");
        refuses("-m set --match-set foo !src", "needs two arguments");
        refuses("-m set", "`set` needs `--match-set`");
        refuses("-m set --match-set foo src,", "set flag `` is neither");
        refuses("-m set --match-set foo any", "set flag `any` is neither");
        refuses(
            "-m set --match-set foo src,dst,src,dst,src,dst,src",
            "at most 6",
        );
        refuses(
            "-m set --match-set foo src --match-set bar dst",
            "only once",
        );
        refuses(
            &format!("-m set --match-set {} src", "s".repeat(32)),
            "at most 31",
        );
        refuses(
            "-m set --match-set foo src ! --return-nomatch",
            "cannot be negated",
        );
        refuses(
            "-m set --match-set foo src ! --packets-lt 5",
            "cannot be negated",
        );
        refuses(
            "-m set --match-set foo src --packets-lt 5 --packets-gt 3",
            "only one of",
        );
        refuses(
            "-m set --match-set foo src --packets-lt -1",
            "not a counter value",
        );
        refuses(
            "-m set --match-set foo src --bytes-lt 18446744073709551616",
            "not a counter value",
        );
    }
}
