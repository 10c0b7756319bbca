//! `-j IDLETIMER` (libxt_IDLETIMER.c, revision 1): restarts a timer each
//! time a packet passes; when it runs out the kernel notifies user space
//! through `/sys/class/xt_idletimer/timers/LABEL`. `--timeout` (seconds)
//! and `--label` are mandatory, `--alarm` (a flag) makes it an alarm
//! timer, which also wakes the system. iptables keeps at most 27 bytes of
//! the label, silently; the value is what it keeps.
//!
//! The kernel refuses a timeout of 0 or of 2147483 seconds and more, and a
//! label that cannot be a file name: `.`, `..`, one with `/`, or one of
//! the names sysfs reserves (`power`, `subsystem`, `uevent`). Timers are
//! shared by label: one label cannot be both an alarm and a plain timer.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec, Termination,
};

const O_TIMEOUT: u8 = 0;
const O_LABEL: u8 = 1;
const O_ALARM: u8 = 2;

/// The longest label the kernel stores (`MAX_IDLETIMER_LABEL_SIZE` - 1).
const MAX_LABEL: usize = 27;

/// The kernel's limit on the timeout, `INT_MAX / 1000` (exclusive).
const TIMEOUT_LIMIT: u64 = (i32::MAX as u64) / 1000;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("timeout", O_TIMEOUT, ArgType::UInt32).mandatory(),
    OptSpec::new("label", O_LABEL, ArgType::String).mandatory(),
    OptSpec::new("alarm", O_ALARM, ArgType::None),
];

pub static IDLETIMER: ExtensionDef = ExtensionDef {
    name: "IDLETIMER",
    kind: ExtensionKind::Target,
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
    if call.spec.id != O_LABEL {
        return call.generic();
    }
    let kept = call.kept_text(MAX_LABEL, "label");
    Ok(Value::Text(kept.into()))
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    if let Some(option) = call.extension.option("timeout") {
        let timeout = option.value.as_uint().unwrap_or(0);
        if timeout == 0 || timeout >= TIMEOUT_LIMIT {
            return Err(ExtError::new(format!(
                "the kernel refuses an idle timeout of {timeout} seconds"
            ))
            .at(option.span)
            .help(format!("use a timeout from 1 to {}", TIMEOUT_LIMIT - 1)));
        }
    }
    if let Some(option) = call.extension.option("label") {
        let label = option.value.as_text().unwrap_or("").as_bytes();
        let reserved: [&[u8]; 5] = [b".", b"..", b"power", b"subsystem", b"uevent"];
        if label.contains(&b'/') || reserved.contains(&label) {
            return Err(ExtError::new(format!(
                "the kernel refuses the label `{}`: it names a file in sysfs",
                String::from_utf8_lossy(label)
            ))
            .at(option.span)
            .help(
                "use a label without `/` other than `.`, `..`, `power`, `subsystem` and `uevent`",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    #[test]
    fn timers_with_labels() {
        let rule = accepts_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j IDLETIMER --timeout 42 --label bar --alarm",
        );
        let timer = target(&rule);
        assert_eq!(timer.option("timeout").unwrap().value, Value::UInt(42));
        assert_eq!(
            timer.option("label").unwrap().value,
            Value::Text("bar".into())
        );
        assert_eq!(timer.option("alarm").unwrap().value, Value::Flag);
        accepts_in(
            Family::V6,
            "mangle",
            "OUTPUT",
            "-j IDLETIMER --timeout 2147482 --label Power",
        );
        accepts_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-j IDLETIMER --timeout 1 --label -x",
        );
        let (loadable, diagnostics, _) = load(
            Family::V4,
            "filter",
            "INPUT",
            "-j IDLETIMER --timeout 5 --label abcdefghijklmnopqrstuvwxyz0123",
        );
        assert!(loadable);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("only the first 27"))
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "filter", "INPUT", rule, expected);
        refuses("-j IDLETIMER --timeout", "needs an argument");
        refuses("-j IDLETIMER --timeout 42", "needs `--label`");
        refuses("-j IDLETIMER --label a", "needs `--timeout`");
        refuses(
            "-j IDLETIMER --timeout 4294967296 --label a",
            "from 0 to 4294967295",
        );
        refuses(
            "-j IDLETIMER --timeout 5 --label a --alarm --alarm",
            "only be given once",
        );
        refuses(
            "-j IDLETIMER --timeout 5 --label a ! --alarm",
            "cannot be negated",
        );
        refuses("-j IDLETIMER --timeout 0 --label a", "timeout of 0 seconds");
        refuses(
            "-j IDLETIMER --timeout 2147483 --label a",
            "timeout of 2147483 seconds",
        );
        refuses("-j IDLETIMER --timeout 5 --label a/b", "refuses the label");
        refuses("-j IDLETIMER --timeout 5 --label ..", "refuses the label");
        refuses(
            "-j IDLETIMER --timeout 5 --label uevent",
            "refuses the label",
        );
    }
}
