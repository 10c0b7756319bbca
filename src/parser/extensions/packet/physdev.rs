//! `-m physdev` (libxt_physdev.c): matches the bridge ports of bridged
//! packets: `--physdev-in` / `--physdev-out` name a port (a trailing `+` is
//! a wildcard; at most 15 bytes), `--physdev-is-in`, `--physdev-is-out` and
//! `--physdev-is-bridged` test whether there is one. Every option may be
//! negated; at least one is needed.
//!
//! The kernel refuses `--physdev-out` and `--physdev-is-out` in chains
//! reached from `OUTPUT` unless the rule also says `--physdev-is-bridged`
//! (not negated): locally generated packets have no bridge output port yet.

use crate::model::{ExtensionKind, Hook, Interface, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec,
};
use crate::parser::values;

const O_IN: u8 = 0;
const O_OUT: u8 = 1;
const O_IS_IN: u8 = 2;
const O_IS_OUT: u8 = 3;
const O_IS_BRIDGED: u8 = 4;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("physdev-in", O_IN, ArgType::String).invert(),
    OptSpec::new("physdev-out", O_OUT, ArgType::String).invert(),
    OptSpec::new("physdev-is-in", O_IS_IN, ArgType::None).invert(),
    OptSpec::new("physdev-is-out", O_IS_OUT, ArgType::None).invert(),
    OptSpec::new("physdev-is-bridged", O_IS_BRIDGED, ArgType::None).invert(),
];

pub static PHYSDEV: ExtensionDef = ExtensionDef {
    name: "physdev",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if !matches!(call.spec.id, O_IN | O_OUT) {
        return Ok(Value::Flag);
    }
    let name = call.arg_text();
    match values::check_interface(name) {
        Err(message) => return Err(call.error(message)),
        Ok(Some(problem)) => call.warn(format!("bridge port `{name}` can never exist: {problem}")),
        Ok(None) => {}
    }
    Ok(Value::Interface(Box::new(Interface {
        name: name.to_string(),
    })))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call.error("`physdev` needs at least one option").help(
            "for example `-m physdev --physdev-in eth0` or `-m physdev --physdev-is-bridged`",
        ));
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let options = &call.extension.options;
    let output = options
        .iter()
        .find(|option| matches!(option.name.as_ref(), "physdev-out" | "physdev-is-out"));
    let bridged = options
        .iter()
        .any(|option| option.name == "physdev-is-bridged" && !option.negated);
    if let Some(option) = output {
        if !bridged {
            return call.refuse_hooks(Hook::Output.bit(), &format!("`--{}` without `--physdev-is-bridged`", option.name))
                .map_err(|error| error.help("locally generated packets have no bridge output port; add `--physdev-is-bridged` or use the rule in FORWARD or POSTROUTING"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Interface, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, match_named, refuses, refuses_in, warnings,
    };

    #[test]
    fn ports_and_flags() {
        let rule = accepts("-m physdev --physdev-is-in --physdev-in lo");
        let physdev = match_named(&rule, "physdev");
        assert_eq!(
            physdev.option("physdev-in").unwrap().value,
            Value::Interface(Box::new(Interface { name: "lo".into() }))
        );
        assert_eq!(physdev.option("physdev-is-in").unwrap().value, Value::Flag);
        let rule = accepts6("-m physdev ! --physdev-in eth+ ! --physdev-is-bridged");
        let physdev = match_named(&rule, "physdev");
        assert!(physdev.option("physdev-in").unwrap().negated);
        assert!(physdev.option("physdev-is-bridged").unwrap().negated);
        accepts("-m physdev --physdev-in 0123456789abcde");
        accepts_in(
            Family::V4,
            "mangle",
            "POSTROUTING",
            "-m physdev --physdev-out lo --physdev-is-bridged",
        );
        accepts_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m physdev --physdev-out lo",
        );
        accepts_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m physdev --physdev-out lo --physdev-is-bridged",
        );
        accepts_in(Family::V4, "filter", "OUTPUT", "-m physdev --physdev-in lo");
    }

    #[test]
    fn odd_port_names_warn() {
        accepts("-m physdev --physdev-in a/b");
        let found = warnings(Family::V4, "-m physdev --physdev-in a/b");
        assert!(
            found.iter().any(|w| w.message.contains("can never exist")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m physdev", "needs at least one option");
        refuses(
            "-m physdev --physdev-in 0123456789abcdef",
            "shorter than IFNAMSIZ",
        );
        refuses(
            "-m physdev --physdev-in a --physdev-in b",
            "only be given once",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m physdev --physdev-out eth0",
            "`--physdev-out` without `--physdev-is-bridged`",
        );
        refuses_in(
            Family::V6,
            "filter",
            "OUTPUT",
            "-m physdev --physdev-is-out",
            "`--physdev-is-out` without",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m physdev --physdev-out eth0 ! --physdev-is-bridged",
            "not allowed in chains reached from `OUTPUT`",
        );
    }
}
