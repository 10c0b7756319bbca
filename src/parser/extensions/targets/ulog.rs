//! `-j ULOG` (libipt_ULOG.c, IPv4 only): the old netlink logging target.
//! iptables 1.8.9 still parses it, but Linux removed `ipt_ULOG` in 3.17
//! (2014): no current kernel loads a rule using it ("Extension ULOG
//! revision 0 not supported, missing kernel module?"). NFLOG replaces it.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec, Termination,
};

use super::log::parse_prefix;

const O_NLGROUP: u8 = 0;
const O_PREFIX: u8 = 1;
const O_CPRANGE: u8 = 2;
const O_QTHRESHOLD: u8 = 3;

/// `ULOG_PREFIX_LEN`, with the final NUL.
const PREFIX_SIZE: usize = 32;
/// `ULOG_MAX_QLEN`.
const MAX_QUEUE: u64 = 50;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("ulog-nlgroup", O_NLGROUP, ArgType::UInt8).range(1, 32),
    OptSpec::new("ulog-prefix", O_PREFIX, ArgType::String).min(1),
    OptSpec::new("ulog-cprange", O_CPRANGE, ArgType::UInt64),
    OptSpec::new("ulog-qthreshold", O_QTHRESHOLD, ArgType::UInt64).range(1, MAX_QUEUE),
];

pub static ULOG: ExtensionDef = ExtensionDef {
    name: "ULOG",
    kind: ExtensionKind::Target,
    families: crate::parser::extensions::Families::V4,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id == O_PREFIX {
        return parse_prefix(call, PREFIX_SIZE);
    }
    call.generic()
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    Err(call
        .error("the `ULOG` target was removed from Linux 3.17: the kernel cannot load this rule")
        .help("log through nfnetlink with `-j NFLOG --nflog-group N` (ulogd reads both)"))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{load, refuses, refuses6, target};

    #[test]
    fn parses_options_but_no_kernel_loads_it() {
        let (loadable, diagnostics, rule) = load(
            Family::V4,
            "filter",
            "INPUT",
            "-j ULOG --ulog-nlgroup 32 --ulog-prefix x --ulog-cprange 100 --ulog-qthreshold 50",
        );
        assert!(!loadable);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("removed from Linux 3.17")),
            "{diagnostics:?}"
        );
        let rule = rule.expect("the rule is read even though the kernel refuses it");
        let ulog = target(&rule);
        assert_eq!(ulog.option("ulog-nlgroup").unwrap().value, Value::UInt(32));
        assert_eq!(ulog.option("ulog-cprange").unwrap().value, Value::UInt(100));
        refuses("-j ULOG", "removed from Linux 3.17");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j ULOG --ulog-nlgroup 33", "from 1 to 32");
        refuses("-j ULOG --ulog-nlgroup 0", "from 1 to 32");
        refuses("-j ULOG --ulog-qthreshold 51", "from 1 to 50");
        refuses(r#"-j ULOG --ulog-prefix """#, "at least 1 characters");
        refuses6("-j ULOG", "ULOG");
    }
}
