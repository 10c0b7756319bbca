//! `-m rpfilter` (libxt_rpfilter.c): reverse-path filtering: matches packets
//! whose source address would be routed back through the interface they
//! came in on (`--loose`: through any interface; `--validmark`: use the
//! packet mark for the lookup; `--accept-local`: accept local source
//! addresses; `--invert`: match the packets that fail). No option may be
//! negated or repeated.
//!
//! The kernel accepts it only in the `raw` and `mangle` tables, and only in
//! chains reached from `PREROUTING`.

use crate::model::{ExtensionKind, Hook, TableKind};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptSpec};

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("loose", 0, ArgType::None),
    OptSpec::new("validmark", 1, ArgType::None),
    OptSpec::new("accept-local", 2, ArgType::None),
    OptSpec::new("invert", 3, ArgType::None),
];

pub static RPFILTER: ExtensionDef = ExtensionDef {
    name: "rpfilter",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    kernel: KernelReqs {
        hooks: Hook::Prerouting.bit(),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    if matches!(call.table, TableKind::Raw | TableKind::Mangle) {
        return Ok(());
    }
    Err(call
        .error(format!(
            "`rpfilter` works only in the raw and mangle tables, not in {}: the kernel refuses this rule",
            call.table.as_str()
        ))
        .help("move the rule to `-t raw` or `-t mangle`, chain PREROUTING"))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, match_named, refuses_in};

    #[test]
    fn options_are_flags() {
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-m rpfilter --loose --validmark --accept-local --invert -j DROP",
        );
        let rpfilter = match_named(&rule, "rpfilter");
        assert_eq!(rpfilter.option("invert").unwrap().value, Value::Flag);
        assert!(rpfilter.has_option("validmark"));
        accepts_in(Family::V4, "raw", "PREROUTING", "-m rpfilter");
        accepts_in(Family::V6, "raw", "PREROUTING", "-m rpfilter --invert");
        // A chain no hook reaches is not checked for hooks.
        accepts_in(Family::V4, "mangle", "CUSTOM", "-m rpfilter");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-m rpfilter ! --loose",
            "cannot be negated",
        );
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-m rpfilter --loose --loose",
            "only be given once",
        );
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-m rpfilter",
            "only in the raw and mangle tables",
        );
        refuses_in(
            Family::V4,
            "nat",
            "PREROUTING",
            "-m rpfilter",
            "only in the raw and mangle tables",
        );
        refuses_in(
            Family::V4,
            "filter",
            "CUSTOM",
            "-m rpfilter",
            "only in the raw and mangle tables",
        );
        refuses_in(
            Family::V4,
            "raw",
            "OUTPUT",
            "-m rpfilter",
            "works only in chains reached from PREROUTING",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "FORWARD",
            "-m rpfilter --invert",
            "reached from PREROUTING",
        );
    }
}
