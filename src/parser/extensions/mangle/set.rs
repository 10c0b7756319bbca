//! `-j SET` (libxt_SET.c, revision 3, an old-style parser): adds the
//! packet's addresses and ports to an ipset (`--add-set NAME FLAGS`),
//! deletes them (`--del-set NAME FLAGS`), or reads the mark, priority or
//! queue to give the packet from the entry it matches (`--map-set NAME
//! FLAGS` with `--map-mark`, `--map-prio`, `--map-queue`). FLAGS is a
//! comma-separated list of `src` and `dst`, one per dimension of the set
//! (at most six); iptables only looks at their first three letters.
//!
//! The three set options are stored as [`Value::List`]: the set name (at
//! most 31 bytes), then `src` or `dst` per dimension. `--exist` (with
//! `--add-set`: refresh the timeout of an existing entry) and the map flags
//! are flags, `--timeout` (with `--add-set`, 0 to 4294967294) a number;
//! these may be repeated, the last `--timeout` counting. iptables ignores a
//! `!` before any of them.
//!
//! The sets must exist, for the rule's family, when the rule is loaded
//! (iptables looks them up then): that depends on the machine, not on the
//! rules. The kernel accepts `--map-set` only in the mangle table, and
//! `--map-prio`/`--map-queue` only in chains reached from FORWARD, OUTPUT
//! and POSTROUTING.

use crate::model::{ExtensionKind, Hook, TableKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec,
    Termination, bit, hook_names,
};

const O_ADD_SET: u8 = 0;
const O_DEL_SET: u8 = 1;
const O_EXIST: u8 = 2;
const O_TIMEOUT: u8 = 3;
const O_MAP_SET: u8 = 4;
const O_MAP_MARK: u8 = 5;
const O_MAP_PRIO: u8 = 6;
const O_MAP_QUEUE: u8 = 7;

/// The longest set name (`IPSET_MAXNAMELEN` - 1).
const MAX_SET_NAME: usize = 31;
/// The most dimensions a set has (`IPSET_DIM_MAX`).
const MAX_DIMENSIONS: usize = 6;

// The old-style parser checks repetition itself and ignores `!`.
static OPTIONS: [OptSpec; 8] = [
    OptSpec::new("add-set", O_ADD_SET, ArgType::String).custom(),
    OptSpec::new("del-set", O_DEL_SET, ArgType::String).custom(),
    OptSpec::new("exist", O_EXIST, ArgType::None).custom(),
    OptSpec::new("timeout", O_TIMEOUT, ArgType::String).custom(),
    OptSpec::new("map-set", O_MAP_SET, ArgType::String).custom(),
    OptSpec::new("map-mark", O_MAP_MARK, ArgType::None).custom(),
    OptSpec::new("map-prio", O_MAP_PRIO, ArgType::None).custom(),
    OptSpec::new("map-queue", O_MAP_QUEUE, ArgType::None).custom(),
];

pub static SET: ExtensionDef = ExtensionDef {
    name: "SET",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// `parse_dirs`: one `src` or `dst` per dimension, by their first three
/// letters.
fn parse_directions(
    call: &mut OptCall<'_, '_>,
    text: &str,
    span: crate::source::Span,
) -> Result<Vec<String>, ExtError> {
    let items: Vec<&str> = text.split(',').collect();
    if items.len() > MAX_DIMENSIONS {
        return Err(ExtError::new(format!(
            "a set has at most {MAX_DIMENSIONS} dimensions, `{text}` names {}",
            items.len()
        ))
        .at(span));
    }
    let mut directions = Vec::with_capacity(items.len());
    for item in items {
        let direction = ["src", "dst"]
            .into_iter()
            .find(|direction| item.starts_with(direction))
            .ok_or_else(|| {
                ExtError::new(format!("`{item}` is neither `src` nor `dst`"))
                    .at(span)
                    .help("list `src` or `dst` for each dimension of the set, separated by commas, as `src,dst`")
            })?;
        if item.len() > 3 {
            call.warnings
                .push(crate::parser::extensions::ExtWarning::new(
                    format!("iptables reads `{item}` as `{direction}` and ignores the rest"),
                    span,
                ));
        }
        directions.push(direction.to_string());
    }
    Ok(directions)
}

fn parse_set(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let name = call.spec.name;
    if call.seen & bit(call.spec.id) != 0 {
        return Err(ExtError::new(format!("`--{name}` can only be given once")).at(call.span));
    }
    let set = call.arg_text();
    let Some(flags) = call.rest.next_value() else {
        return Err(ExtError::new(format!(
            "`--{name}` needs two arguments: the set name and its flags"
        ))
        .at(call.span)
        .help(format!("for example `--{name} {set} src`")));
    };
    if set.len() > MAX_SET_NAME {
        return Err(call
            .error(format!(
                "set name `{set}` is too long: at most {MAX_SET_NAME} bytes"
            ))
            .help("ipset names have at most 31 bytes"));
    }
    let mut list = vec![set.to_string()];
    list.extend(parse_directions(call, flags.text, flags.span)?);
    Ok(Value::List(list.into()))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.invert {
        call.warnings.push(
            crate::parser::extensions::ExtWarning::new(
                format!("iptables ignores the `!` before `--{}`", call.spec.name),
                call.span,
            )
            .help("drop the `!`: the target options of `SET` cannot be negated"),
        );
    }
    match call.spec.id {
        O_ADD_SET | O_DEL_SET | O_MAP_SET => parse_set(call),
        O_TIMEOUT => {
            let text = call.arg_text();
            crate::parser::values::parse_uint(text, 0, u64::from(u32::MAX - 1))
                .map(Value::UInt)
                .ok_or_else(|| {
                    call.error(format!(
                        "`--timeout` needs seconds from 0 to 4294967294, not `{text}`"
                    ))
                })
        }
        _ => Ok(Value::Flag),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(
        bit(O_ADD_SET) | bit(O_DEL_SET) | bit(O_MAP_SET),
        "-j SET --add-set NAME src",
    )?;
    let needs = |option: u8, owner: u8, owner_name: &str| -> Result<(), ExtError> {
        if call.has(option) && !call.has(owner) {
            let name = OPTIONS
                .iter()
                .find(|spec| spec.id == option)
                .map_or("", |spec| spec.name);
            return Err(call.error(format!("`--{name}` works only with `--{owner_name}`")));
        }
        Ok(())
    };
    needs(O_EXIST, O_ADD_SET, "add-set")?;
    needs(O_TIMEOUT, O_ADD_SET, "add-set")?;
    needs(O_MAP_MARK, O_MAP_SET, "map-set")?;
    needs(O_MAP_PRIO, O_MAP_SET, "map-set")?;
    needs(O_MAP_QUEUE, O_MAP_SET, "map-set")?;
    if call.has(O_MAP_SET)
        && call.seen & (bit(O_MAP_MARK) | bit(O_MAP_PRIO) | bit(O_MAP_QUEUE)) == 0
    {
        return Err(call
            .error("`--map-set` needs `--map-mark`, `--map-prio` or `--map-queue`")
            .help("say what to take from the set entry"));
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let Some(map) = call.extension.option("map-set") else {
        return Ok(());
    };
    if call.table != TableKind::Mangle {
        return Err(ExtError::new(format!(
            "`--map-set` works only in the mangle table, not in {}",
            call.table.as_str()
        ))
        .at(map.span));
    }
    let queue_or_prio = call
        .extension
        .options
        .iter()
        .find(|option| option.name == "map-prio" || option.name == "map-queue");
    if let Some(option) = queue_or_prio {
        let allowed = Hook::Forward.bit() | Hook::Output.bit() | Hook::Postrouting.bit();
        let wrong = call.hooks & !allowed;
        if wrong != 0 {
            return Err(ExtError::new(format!(
                "`--{}` works only in chains reached from FORWARD, OUTPUT and POSTROUTING, not from {}",
                option.name,
                hook_names(wrong)
            ))
            .at(option.span));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|item| (*item).to_string()).collect())
    }

    fn accepts(rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "filter", "INPUT", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "filter", "INPUT", rule, expected);
    }

    #[test]
    fn sets_and_flags() {
        let rule = accepts(
            "-j SET --add-set foo src,dst --exist --timeout 5 --timeout 6 --del-set bar dst",
        );
        let set = target(&rule);
        assert_eq!(
            set.option("add-set").unwrap().value,
            list(&["foo", "src", "dst"])
        );
        assert_eq!(set.option("del-set").unwrap().value, list(&["bar", "dst"]));
        assert_eq!(set.option("exist").unwrap().value, Value::Flag);
        assert_eq!(
            set.options
                .iter()
                .rev()
                .find(|o| o.name == "timeout")
                .unwrap()
                .value,
            Value::UInt(6)
        );
        let rule = accepts("-j SET --add-set foo src,dst,srcx,dstfoo");
        assert_eq!(
            target(&rule).option("add-set").unwrap().value,
            list(&["foo", "src", "dst", "src", "dst"])
        );
        accepts("-j SET --add-set foo src,dst,src,dst,src,dst");
        accepts("-j SET --add-set foo src --timeout 4294967294");
        accepts_in(
            Family::V6,
            "mangle",
            "PREROUTING",
            "-j SET --map-set m src --map-mark --map-mark",
        );
        accepts_in(
            Family::V4,
            "mangle",
            "FORWARD",
            "-j SET --map-set m src --map-prio --map-queue",
        );
        let (loadable, diagnostics, _) = load(
            Family::V4,
            "filter",
            "INPUT",
            "-j SET ! --add-set foo src ! --exist",
        );
        assert!(loadable);
        assert_eq!(
            diagnostics
                .iter()
                .filter(|d| d.message.contains("ignores the `!`"))
                .count(),
            2
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("-j SET", "needs one of `--add-set`");
        refuses("-j SET --map-mark", "needs one of `--add-set`");
        refuses("-j SET --add-set foo", "needs two arguments");
        refuses("-j SET --add-set foo --exist", "needs two arguments");
        refuses("-j SET --add-set foo !src", "needs two arguments");
        refuses("-j SET --add-set foo sr", "neither `src` nor `dst`");
        refuses("-j SET --add-set foo src,", "neither `src` nor `dst`");
        refuses(
            "-j SET --add-set foo src,dst,src,dst,src,dst,src",
            "at most 6 dimensions",
        );
        refuses(
            "-j SET --add-set foo src --add-set foo dst",
            "only be given once",
        );
        refuses(
            "-j SET --del-set foo src --exist",
            "`--exist` works only with `--add-set`",
        );
        refuses(
            "-j SET --del-set foo src --timeout 5",
            "`--timeout` works only with `--add-set`",
        );
        refuses(
            "-j SET --add-set foo src --timeout 4294967295",
            "from 0 to 4294967294",
        );
        refuses(
            "-j SET --add-set foo src --map-mark",
            "works only with `--map-set`",
        );
        refuses("-j SET --map-set m src", "needs `--map-mark`");
        refuses(
            "-j SET --add-set abcdefghijklmnopqrstuvwxyz0123456 src",
            "too long",
        );
        refuses(
            "-j SET --map-set m src --map-mark",
            "only in the mangle table",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j SET --map-set m src --map-prio",
            "FORWARD, OUTPUT and POSTROUTING",
        );
    }
}
