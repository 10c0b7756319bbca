//! `-m devgroup` (libxt_devgroup.c): matches the group of the input
//! (`--src-group`) or output (`--dst-group`) interface, as
//! `value[/mask]` of 32-bit C numbers, or a name from
//! `/etc/iproute2/group` (Debian's file names only `default`, 0). At least
//! one option is needed.
//!
//! The kernel refuses `--src-group` in chains reached from `OUTPUT` or
//! `POSTROUTING` (no input interface there) and `--dst-group` in chains
//! reached from `PREROUTING` or `INPUT` (no output interface yet).

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::packet::support::{NameMap, parse_val_mask_named};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec,
};

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("src-group", 0, ArgType::String).invert(),
    OptSpec::new("dst-group", 1, ArgType::String).invert(),
];

pub static DEVGROUP: ExtensionDef = ExtensionDef {
    name: "devgroup",
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

const GROUPS: NameMap = NameMap {
    file: "/etc/iproute2/group",
    names: &[("default", 0)],
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    parse_val_mask_named(call, &GROUPS)
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-m devgroup --src-group 1")?;
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let options = &call.extension.options;
    if options.iter().any(|option| option.name == "src-group") {
        call.refuse_hooks(
            Hook::Output.bit() | Hook::Postrouting.bit(),
            "`--src-group` (the input interface's group)",
        )?;
    }
    if options.iter().any(|option| option.name == "dst-group") {
        call.refuse_hooks(
            Hook::Prerouting.bit() | Hook::Input.bit(),
            "`--dst-group` (the output interface's group)",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, match_named, refuses, refuses_in, warnings,
    };

    #[test]
    fn groups_by_number_and_name() {
        let rule = accepts("-m devgroup --src-group 0x1/0xf");
        assert_eq!(
            match_named(&rule, "devgroup")
                .option("src-group")
                .unwrap()
                .value,
            Value::MarkMask {
                value: 1,
                mask: 0xf
            }
        );
        let rule = accepts("-m devgroup ! --src-group default");
        let option = match_named(&rule, "devgroup").option("src-group").unwrap();
        assert!(option.negated);
        assert_eq!(
            option.value,
            Value::MarkMask {
                value: 0,
                mask: u32::MAX
            }
        );
        accepts_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m devgroup ! --src-group 1 ! --dst-group 2",
        );
        accepts_in(Family::V6, "filter", "OUTPUT", "-m devgroup --dst-group 1");
    }

    #[test]
    fn unknown_names_depend_on_the_machine() {
        let rule = accepts("-m devgroup --src-group lan");
        assert_eq!(
            match_named(&rule, "devgroup")
                .option("src-group")
                .unwrap()
                .value,
            Value::Symbol("lan".into())
        );
        let found = warnings(Family::V4, "-m devgroup --src-group lan");
        assert!(
            found
                .iter()
                .any(|w| w.name == "depends-on-host" && w.message.contains("/etc/iproute2/group")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m devgroup", "needs `--src-group` or `--dst-group`");
        refuses("-m devgroup --src-group 1/", "bad mask");
        refuses("-m devgroup --src-group 1x", "neither a 32-bit");
        refuses("-m devgroup --src-group 4294967296", "neither a 32-bit");
        refuses(
            "-m devgroup --dst-group 1",
            "not allowed in chains reached from `INPUT`",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m devgroup --src-group 1",
            "`OUTPUT`",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "POSTROUTING",
            "-m devgroup --src-group 1",
            "`POSTROUTING`",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-m devgroup --dst-group 1",
            "`PREROUTING`",
        );
    }
}
