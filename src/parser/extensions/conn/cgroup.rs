//! `-m cgroup` (libxt_cgroup.c, revision 2): matches the control group of
//! the socket that sent or receives the packet, by cgroup v2 path
//! (`[!] --path PATH`, relative to the cgroup2 root; iptables keeps 511
//! bytes) or by net_cls class id (`[!] --cgroup ID`). The kernel needs
//! exactly one of them, refuses a path that does not exist on the machine
//! that loads the rules (fwlint cannot know: it warns, except for the root),
//! and accepts the match only in chains reached from INPUT, OUTPUT and
//! POSTROUTING.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec,
};

const O_CLASSID: u8 = 0;
const O_PATH: u8 = 1;

/// `XT_CGROUP_PATH_MAX` is 512 with the final NUL.
const MAX_PATH: usize = 511;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("path", O_PATH, ArgType::String).invert(),
    OptSpec::new("cgroup", O_CLASSID, ArgType::UInt32).invert(),
];

pub static CGROUP: ExtensionDef = ExtensionDef {
    name: "cgroup",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        hooks: Hook::Input.bit() | Hook::Output.bit() | Hook::Postrouting.bit(),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id != O_PATH {
        return call.generic();
    }
    let kept = call.kept_text(MAX_PATH, "cgroup path");
    if !matches!(kept, "" | "/") {
        call.warn_host(format!(
            "the kernel refuses this rule unless the cgroup `{kept}` exists when the rules are loaded"
        ), "make sure the cgroup exists before the rules are loaded: a systemd unit's cgroup exists only while the unit is active");
    }
    Ok(Value::Text(kept.into()))
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let extension = call.extension;
    match (extension.option("path"), extension.option("cgroup")) {
        (None, None) => Err(call
            .error("the kernel refuses `-m cgroup` without `--path` or `--cgroup`")
            .help("match a cgroup v2 path, as `--path /system.slice`, or a net_cls class id, as `--cgroup 1`")),
        (Some(_), Some(classid)) => Err(ExtError::new("the kernel refuses `--path` and `--cgroup` together")
            .at(classid.span)
            .help("use two rules, one for each")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, match_named, refuses_in, warnings};

    fn accepts(rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "mangle", "OUTPUT", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "mangle", "OUTPUT", rule, expected);
    }

    #[test]
    fn paths_and_class_ids() {
        let rule = accepts("! -s 10.0.0.1 -m cgroup ! --path \"/\"");
        let path = match_named(&rule, "cgroup").option("path").unwrap().clone();
        assert!(path.negated);
        assert_eq!(path.value, Value::Text("/".into()));
        let rule = accepts("-m cgroup --cgroup 0x10");
        assert_eq!(
            match_named(&rule, "cgroup").option("cgroup").unwrap().value,
            Value::UInt(16)
        );
        accepts_in(
            Family::V6,
            "filter",
            "INPUT",
            "-m cgroup --path /user.slice",
        );
        assert!(
            warnings(Family::V4, "-m cgroup --path /user.slice")
                .iter()
                .any(|w| w.name == "depends-on-host"
                    && w.message.contains("unless the cgroup `/user.slice` exists"))
        );
        assert!(warnings(Family::V4, "-m cgroup --path /").is_empty());
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("-m cgroup", "without `--path` or `--cgroup`");
        refuses("-m cgroup --cgroup 1 --path \"/\"", "together");
        refuses("-m cgroup --cgroup 4294967296", "--cgroup");
        refuses("-m cgroup --path / --path /", "can only be given once");
        refuses_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m cgroup --cgroup 1",
            "works only in chains reached from INPUT, OUTPUT, POSTROUTING",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-m cgroup --path /",
            "works only in chains reached from",
        );
    }
}
