//! `-j NFLOG` (libxt_NFLOG.c): hands the packet to the nfnetlink logging
//! group `--nflog-group` (a user-space logger such as ulogd) and goes on
//! with the next rule. The prefix has room for 63 bytes; iptables cuts a
//! longer one silently. `--nflog-range` never worked (iptables says so);
//! `--nflog-size` replaces it. The kernel accepts NFLOG in every table and
//! chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtWarning, ExtensionDef, OptCall, OptSpec, Termination, bit,
};

use super::log::parse_prefix;

const O_GROUP: u8 = 0;
const O_PREFIX: u8 = 1;
const O_RANGE: u8 = 2;
const O_SIZE: u8 = 3;
const O_THRESHOLD: u8 = 4;

/// The size of `xt_nflog_info.prefix`, with its final NUL.
const PREFIX_SIZE: usize = 64;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("nflog-group", O_GROUP, ArgType::UInt16),
    OptSpec::new("nflog-prefix", O_PREFIX, ArgType::String).min(1),
    OptSpec::new("nflog-range", O_RANGE, ArgType::UInt32).excl(bit(O_SIZE)),
    OptSpec::new("nflog-size", O_SIZE, ArgType::UInt32).excl(bit(O_RANGE)),
    OptSpec::new("nflog-threshold", O_THRESHOLD, ArgType::UInt16),
];

pub static NFLOG: ExtensionDef = ExtensionDef {
    name: "NFLOG",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_PREFIX => parse_prefix(call, PREFIX_SIZE),
        O_RANGE => {
            let value = call.generic()?;
            call.warnings.push(ExtWarning::new("`--nflog-range` has never worked: the kernel ignores it and copies whole packets", call.span).help("use `--nflog-size` to limit the bytes copied to user space"));
            Ok(value)
        }
        _ => call.generic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, refuses, refuses6, target, warnings,
    };

    #[test]
    fn groups_sizes_and_prefixes() {
        let rule = accepts(
            "-j NFLOG --nflog-group 65535 --nflog-size 0 --nflog-threshold 1 --nflog-prefix x",
        );
        let nflog = target(&rule);
        assert_eq!(
            nflog.option("nflog-group").unwrap().value,
            Value::UInt(65535)
        );
        assert_eq!(nflog.option("nflog-size").unwrap().value, Value::UInt(0));
        assert_eq!(
            nflog.option("nflog-threshold").unwrap().value,
            Value::UInt(1)
        );
        accepts("-j NFLOG --nflog-size 4294967295");
        accepts("-j NFLOG --nflog-threshold 0");
        accepts_in(Family::V6, "nat", "POSTROUTING", "-j NFLOG");
    }

    #[test]
    fn warns_about_what_does_not_work_as_written() {
        let range = warnings(Family::V4, "-j NFLOG --nflog-range 1");
        assert!(
            range.iter().any(|w| w.message.contains("has never worked")),
            "{range:?}"
        );
        let long = "x".repeat(70);
        let rule = accepts(&format!("-j NFLOG --nflog-prefix {long}"));
        assert_eq!(
            target(&rule).option("nflog-prefix").unwrap().value,
            Value::Text("x".repeat(63).into())
        );
        let cut = warnings(Family::V4, &format!("-j NFLOG --nflog-prefix {long}"));
        assert!(
            cut.iter()
                .any(|w| w.message.contains("keeps only the first 63")),
            "{cut:?}"
        );
        assert!(
            warnings(
                Family::V4,
                &format!("-j NFLOG --nflog-prefix {}", "x".repeat(63))
            )
            .is_empty()
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j NFLOG --nflog-group 65536", "from 0 to 65535");
        refuses("-j NFLOG --nflog-range 4294967296", "from 0 to 4294967295");
        refuses("-j NFLOG --nflog-size -1", "from 0 to 4294967295");
        refuses6("-j NFLOG --nflog-threshold 65536", "from 0 to 65535");
        refuses(
            "-j NFLOG --nflog-range 5 --nflog-size 5",
            "cannot be used together",
        );
        refuses(r#"-j NFLOG --nflog-prefix """#, "at least 1 characters");
        refuses(
            "-j NFLOG --nflog-group 1 --nflog-group 2",
            "can only be given once",
        );
    }
}
