//! `-m owner` (libxt_owner.c, revision 1): matches the socket that sent the
//! packet: `[!] --uid-owner USER`, `[!] --gid-owner GROUP` (a name, a
//! number, or a range `a-b` / `a:b` of numbers up to 4294967294),
//! `[!] --socket-exists`, and `--suppl-groups` (after `--gid-owner`: also
//! match supplementary groups). At least one option is required.
//!
//! Names are looked up in the user and group databases of the machine that
//! loads the rules; fwlint knows only `root` (0) and warns about others.
//! The kernel refuses reversed ranges and accepts the match only in chains
//! reached from OUTPUT and POSTROUTING.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_USER: u8 = 0;
const O_GROUP: u8 = 1;
const O_SOCK_EXISTS: u8 = 2;
const O_SUPPL_GROUPS: u8 = 6;

/// The largest id: `-1` is reserved.
const MAX_ID: u64 = u32::MAX as u64 - 1;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("uid-owner", O_USER, ArgType::String).invert(),
    OptSpec::new("gid-owner", O_GROUP, ArgType::String).invert(),
    OptSpec::new("socket-exists", O_SOCK_EXISTS, ArgType::None).invert(),
    OptSpec::new("suppl-groups", O_SUPPL_GROUPS, ArgType::None),
];

pub static OWNER: ExtensionDef = ExtensionDef {
    name: "owner",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(check),
    kernel: KernelReqs {
        hooks: Hook::Output.bit() | Hook::Postrouting.bit(),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// `owner_parse_range`: `a`, `a-b` or `a:b`, numbers up to 4294967294.
fn parse_id_range(text: &str) -> Option<(u64, u64)> {
    let (first, rest) = values::parse_uint_prefix(text, 0, MAX_ID)?;
    if rest.is_empty() {
        return Some((first, first));
    }
    let second = rest.strip_prefix(['-', ':'])?;
    let (last, rest) = values::parse_uint_prefix(second, 0, MAX_ID)?;
    rest.is_empty().then_some((first, last))
}

/// Could `name` be a user or group name? (Portable names: letters, digits,
/// `.`, `_`, `-`, not starting with a digit or `-`, maybe a final `$`.)
fn is_plausible_name(name: &str) -> bool {
    let stem = name.strip_suffix('$').unwrap_or(name);
    !stem.is_empty()
        && stem.len() <= 32
        && stem.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && stem
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_USER | O_GROUP => {
            let text = call.arg_text();
            let what = if call.spec.id == O_USER {
                "user"
            } else {
                "group"
            };
            if text == "root" {
                return Ok(Value::Range(0, 0));
            }
            if let Some((first, last)) = parse_id_range(text) {
                return Ok(Value::Range(first, last));
            }
            if is_plausible_name(text) {
                call.warn_host(format!(
                    "`{text}` is a {what} name: iptables looks it up on the machine that loads the rules, and refuses the rule if there is no such {what}"
                ), format!("write the numeric {what} id (`getent {} {text}` shows it)", if call.spec.id == O_USER { "passwd" } else { "group" }));
                return Ok(Value::Text(text.into()));
            }
            Err(call
                .error(format!(
                    "`{text}` is neither a {what} name nor an id or range of ids"
                ))
                .help("write a name, a number up to 4294967294, or a range such as `1000-1999`"))
        }
        O_SUPPL_GROUPS => {
            if call.seen & bit(O_GROUP) == 0 {
                return Err(ExtError::new("`--suppl-groups` must come after `--gid-owner`")
                    .at(call.span)
                    .help("it widens `--gid-owner` to supplementary groups: write `--gid-owner GROUP --suppl-groups`"));
            }
            Ok(Value::Flag)
        }
        _ => call.generic(),
    }
}

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call
            .error("`-m owner` needs `--uid-owner`, `--gid-owner` or `--socket-exists`")
            .help("for example `-m owner --uid-owner root`"));
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    for name in ["uid-owner", "gid-owner"] {
        if let Some(option) = call.extension.option(name) {
            if let Value::Range(first, last) = option.value {
                if first > last {
                    return Err(ExtError::new(format!(
                        "the kernel refuses the reversed range `{first}-{last}` of `--{name}`"
                    ))
                    .at(option.span)
                    .help(format!("write the lower id first: `{last}-{first}`")));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, match_named, refuses_in, warnings};

    fn accepts(rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "filter", "OUTPUT", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "filter", "OUTPUT", rule, expected);
    }

    #[test]
    fn users_groups_and_ranges() {
        let rule = accepts("-m owner ! --uid-owner root --gid-owner 0-10 --suppl-groups -j ACCEPT");
        let owner = match_named(&rule, "owner");
        let uid = owner.option("uid-owner").unwrap();
        assert!(uid.negated);
        assert_eq!(uid.value, Value::Range(0, 0));
        assert_eq!(
            owner.option("gid-owner").unwrap().value,
            Value::Range(0, 10)
        );
        assert!(owner.has_option("suppl-groups"));
        let rule = accepts("-m owner --uid-owner 5:0x10");
        assert_eq!(
            match_named(&rule, "owner")
                .option("uid-owner")
                .unwrap()
                .value,
            Value::Range(5, 16)
        );
        accepts("-m owner --uid-owner 4294967294");
        accepts("-m owner --socket-exists");
        accepts_in(
            Family::V6,
            "mangle",
            "POSTROUTING",
            "-m owner --gid-owner root",
        );
        let rule = accepts("-m owner --uid-owner www-data");
        assert_eq!(
            match_named(&rule, "owner")
                .option("uid-owner")
                .unwrap()
                .value,
            Value::Text("www-data".into())
        );
        assert!(
            warnings(Family::V4, "-m owner --uid-owner www-data")
                .iter()
                .any(|w| w.name == "depends-on-host" && w.message.contains("user name"))
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m owner --uid-owner 4294967295", "neither a user name");
        refuses("-m owner --uid-owner 5-", "neither a user name");
        refuses("-m owner --gid-owner 1.5", "neither a group name");
        refuses(
            "-m owner --suppl-groups --gid-owner 0-10",
            "must come after `--gid-owner`",
        );
        refuses("-m owner --suppl-groups", "must come after `--gid-owner`");
        refuses(
            "-m owner --gid-owner 0-10 ! --suppl-groups",
            "cannot be negated",
        );
        refuses(
            "-m owner --gid-owner 0 --suppl-groups --suppl-groups",
            "can only be given once",
        );
        refuses(
            "-m owner",
            "needs `--uid-owner`, `--gid-owner` or `--socket-exists`",
        );
        refuses("-m owner --uid-owner 10-5", "reversed range");
    }

    #[test]
    fn only_for_local_output() {
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-m owner --uid-owner root",
            "works only in chains reached from OUTPUT, POSTROUTING",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "PREROUTING",
            "-m owner --socket-exists",
            "works only in chains reached from",
        );
        refuses_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m owner --uid-owner 0",
            "works only in chains reached from",
        );
    }
}
