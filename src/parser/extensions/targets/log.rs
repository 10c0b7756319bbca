//! `-j LOG` (libxt_LOG.c): writes a line about the packet to the kernel log
//! and goes on with the next rule. The level is a syslog level (`warning`
//! when not given); the prefix has room for 29 bytes in the kernel's
//! structure, and iptables cuts a longer one silently. The kernel accepts
//! LOG in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec, Termination};

// Ids follow the XT_LOG_* flag bits, as in iptables.
const O_TCPSEQ: u8 = 0;
const O_TCPOPTS: u8 = 1;
const O_IPOPTS: u8 = 2;
const O_UID: u8 = 3;
const O_MAC: u8 = 5;
const O_LEVEL: u8 = 6;
const O_PREFIX: u8 = 7;

/// The size of `xt_log_info.prefix`, with its final NUL.
const PREFIX_SIZE: usize = 30;

static OPTIONS: [OptSpec; 7] = [
    OptSpec::new("log-level", O_LEVEL, ArgType::SyslogLevel),
    OptSpec::new("log-prefix", O_PREFIX, ArgType::String).min(1),
    OptSpec::new("log-tcp-sequence", O_TCPSEQ, ArgType::None),
    OptSpec::new("log-tcp-options", O_TCPOPTS, ArgType::None),
    OptSpec::new("log-ip-options", O_IPOPTS, ArgType::None),
    OptSpec::new("log-uid", O_UID, ArgType::None),
    OptSpec::new("log-macdecode", O_MAC, ArgType::None),
];

pub static LOG: ExtensionDef = ExtensionDef {
    name: "LOG",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id == O_PREFIX {
        return parse_prefix(call, PREFIX_SIZE);
    }
    call.generic()
}

/// A log prefix (`--log-prefix`, `--nflog-prefix`, `--ulog-prefix`): at
/// least one character, no newline, cut to the kernel's field.
pub(super) fn parse_prefix(call: &mut OptCall<'_, '_>, size: usize) -> Result<Value, ExtError> {
    call.generic()?;
    if call.arg_text().contains('\n') {
        let name = call.spec.name;
        return Err(call
            .error(format!("`--{name}` cannot contain a newline"))
            .help("a newline would split the log line in two"));
    }
    let what = format!("`--{}`", call.spec.name);
    Ok(Value::Text(call.kept_text(size - 1, &what).into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts_in, refuses, target, warnings};

    #[test]
    fn levels_prefix_and_flags() {
        let rule = accepts(
            r#"-j LOG --log-prefix "test: " --log-level alert --log-tcp-sequence --log-uid"#,
        );
        let log = target(&rule);
        assert_eq!(
            log.option("log-prefix").unwrap().value,
            Value::Text("test: ".into())
        );
        assert_eq!(
            log.option("log-level").unwrap().value,
            Value::SyslogLevel(1)
        );
        assert_eq!(log.option("log-uid").unwrap().value, Value::Flag);
        assert_eq!(
            target(&accepts("-j LOG --log-level 0x7"))
                .option("log-level")
                .unwrap()
                .value,
            Value::SyslogLevel(7)
        );
        assert_eq!(
            target(&accepts("-j LOG --log-level panic"))
                .option("log-level")
                .unwrap()
                .value,
            Value::SyslogLevel(0)
        );
        accepts("-j LOG --log-ip-options --log-tcp-options --log-macdecode");
        accepts_in(Family::V4, "nat", "PREROUTING", "-j LOG");
        accepts_in(Family::V6, "raw", "OUTPUT", "-j LOG --log-level debug");
    }

    #[test]
    fn long_prefixes_are_cut_with_a_warning() {
        let rule = accepts("-j LOG --log-prefix 123456789012345678901234567890abc");
        assert_eq!(
            target(&rule).option("log-prefix").unwrap().value,
            Value::Text("12345678901234567890123456789".into())
        );
        let found = warnings(
            Family::V4,
            "-j LOG --log-prefix 123456789012345678901234567890abc",
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("keeps only the first 29")),
            "{found:?}"
        );
        assert!(
            warnings(
                Family::V4,
                "-j LOG --log-prefix 12345678901234567890123456789"
            )
            .is_empty()
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j LOG --log-level 8", "log level `8` is unknown");
        refuses("-j LOG --log-level warn", "log level `warn` is unknown");
        refuses("-j LOG --log-level ERR", "log level `ERR` is unknown");
        refuses(r#"-j LOG --log-prefix """#, "at least 1 characters");
        refuses("-j LOG --log-prefix", "needs an argument");
        refuses("-j LOG --log-uid --log-uid", "can only be given once");
        refuses("-j LOG ! --log-uid", "cannot be negated");
    }
}
