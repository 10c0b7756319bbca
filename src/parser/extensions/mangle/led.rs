//! `-j LED` (libxt_LED.c): blinks the LED trigger `netfilter-ID` for each
//! packet. `--led-trigger-id` (at most 16 bytes) is mandatory;
//! `--led-delay` is the blink time in milliseconds (a number, or anything
//! starting with `inf` for a LED that stays on, stored as the symbol
//! `inf`); `--led-always-blink` (a flag) blinks even when the LED is
//! already on. The kernel module (`xt_LED`) needs LED support in the
//! kernel.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec, Termination};
use crate::parser::values;

const O_TRIGGER_ID: u8 = 0;
const O_DELAY: u8 = 1;
const O_ALWAYS_BLINK: u8 = 2;

/// The trigger name is `netfilter-` and the id, in 27 bytes.
const MAX_ID: u64 = 27 - "netfilter-".len() as u64 - 1;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("led-trigger-id", O_TRIGGER_ID, ArgType::String)
        .max(MAX_ID)
        .mandatory(),
    OptSpec::new("led-delay", O_DELAY, ArgType::String),
    OptSpec::new("led-always-blink", O_ALWAYS_BLINK, ArgType::None),
];

pub static LED: ExtensionDef = ExtensionDef {
    name: "LED",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id != O_DELAY {
        return call.generic();
    }
    let text = call.arg_text();
    if text
        .get(..3)
        .is_some_and(|start| start.eq_ignore_ascii_case("inf"))
    {
        return Ok(Value::Symbol("inf".into()));
    }
    values::parse_uint(text, 0, u64::from(u32::MAX))
        .map(Value::UInt)
        .ok_or_else(|| {
            call.error(format!(
                "`--led-delay` needs milliseconds from 0 to 4294967295 or `inf`, not `{text}`"
            ))
        })
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn triggers_and_delays() {
        let rule = accepts_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j LED --led-trigger-id \"foo\" --led-delay 42 --led-always-blink",
        );
        let led = target(&rule);
        assert_eq!(
            led.option("led-trigger-id").unwrap().value,
            Value::Text("foo".into())
        );
        assert_eq!(led.option("led-delay").unwrap().value, Value::UInt(42));
        let rule = accepts_in(
            Family::V6,
            "mangle",
            "FORWARD",
            "-j LED --led-delay INFINITY --led-trigger-id a",
        );
        assert_eq!(
            target(&rule).option("led-delay").unwrap().value,
            Value::Symbol("inf".into())
        );
        accepts_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-j LED --led-trigger-id abcdefghijklmnop --led-delay 0x10",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "filter", "INPUT", rule, expected);
        refuses("-j LED", "needs `--led-trigger-id`");
        refuses(
            "-j LED --led-trigger-id abcdefghijklmnopq",
            "at most 16 characters",
        );
        refuses(
            "-j LED --led-trigger-id a --led-delay -1",
            "needs milliseconds",
        );
        refuses(
            "-j LED --led-trigger-id a --led-delay 4294967296",
            "needs milliseconds",
        );
        refuses(
            "-j LED --led-trigger-id a --led-always-blink --led-always-blink",
            "only be given once",
        );
        refuses(
            "-j LED --led-trigger-id a --led-trigger-id b",
            "only be given once",
        );
    }
}
