//! `-j RATEEST` (libxt_RATEEST.c): feeds a named rate estimator that
//! `-m rateest` reads. `--rateest-name`, `--rateest-interval` and
//! `--rateest-ewmalog` are mandatory. iptables keeps 15 bytes of the name,
//! silently; the value is what it keeps.
//!
//! The two times are read like iproute's: a C floating-point number with an
//! optional unit `s`/`sec`/`secs`, `ms`/`msec`/`msecs` or
//! `us`/`usec`/`usecs` (any case); without a unit the number is in
//! microseconds. Each is stored as the whole number of microseconds
//! iptables computes ([`Value::UInt`]). The kernel gets powers of two:
//! the interval is rounded up to 250 ms times 2^0 to 2^5 (at most 8 s), and
//! the averaging time constant (`ewmalog`) to the interval times 2^1 to
//! 2^30; iptables refuses values outside these ranges and warns here when
//! it rounds.
//!
//! Estimators are shared by name: rules that name the same estimator must
//! give it the same interval and time constant, or the kernel refuses them.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtWarning, ExtensionDef, FinalCall, OptCall, OptSpec, Termination,
};

use crate::parser::values;

const O_NAME: u8 = 0;
const O_INTERVAL: u8 = 1;
const O_EWMALOG: u8 = 2;

/// The longest name the kernel stores (`IFNAMSIZ` - 1).
const MAX_NAME: usize = 15;

/// Microseconds per second, iproute's `TIME_UNITS_PER_SEC`.
const UNITS_PER_SEC: f64 = 1_000_000.0;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("rateest-name", O_NAME, ArgType::String).mandatory(),
    OptSpec::new("rateest-interval", O_INTERVAL, ArgType::String).mandatory(),
    OptSpec::new("rateest-ewmalog", O_EWMALOG, ArgType::String).mandatory(),
];

pub static RATEEST: ExtensionDef = ExtensionDef {
    name: "RATEEST",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// `RATEEST_get_time`: a time in microseconds, converted to `unsigned
/// int` as the C code does on x86-64 (through a 64-bit integer; values
/// that do not fit give 0).
fn parse_time(text: &str) -> Option<u32> {
    let (value, used) = values::strtod_prefix(text)?;
    let unit = &text[used..];
    let factor = match unit.to_ascii_lowercase().as_str() {
        "" => 1.0,
        "s" | "sec" | "secs" => UNITS_PER_SEC,
        "ms" | "msec" | "msecs" => UNITS_PER_SEC / 1000.0,
        "us" | "usec" | "usecs" => 1.0,
        _ => return None,
    };
    Some(values::c_double_to_u32(value * factor))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    if call.spec.id == O_NAME {
        let kept = call.kept_text(MAX_NAME, "estimator name");
        return Ok(Value::Text(kept.into()));
    }
    let name = call.spec.name;
    parse_time(text).map(|time| Value::UInt(u64::from(time))).ok_or_else(|| {
        call.error(format!("bad time `{text}` for `--{name}`"))
            .help("write a number with an optional unit: `s`, `ms` or `us` (the default), as `250ms`")
    })
}

/// The kernel's interval code (-2 to 3, for 250 ms times 2^(code + 2)) and
/// time-constant code (1 to 30), as `RATEEST_final_check` computes them.
fn kernel_codes(interval: u32, ewma: u32) -> Result<(i8, u8), &'static str> {
    let interval_code = (0u8..=5)
        .find(|&code| u64::from(interval) <= (1u64 << code) * 250_000)
        .ok_or("the interval is longer than 8 seconds")?;
    // `1 << 31` is negative in C, so the last round never succeeds.
    let ewma_code = (1u8..=30)
        .find(|&code| {
            let weight = 1.0 - 1.0 / f64::from(1u32 << code);
            f64::from(interval) / -weight.ln() > f64::from(ewma)
        })
        .map_or(31, |code| code - 1);
    if ewma_code == 0 || ewma_code >= 31 {
        return Err("the averaging time constant is out of range");
    }
    Ok((i8::try_from(interval_code).unwrap_or(5) - 2, ewma_code))
}

fn describe(micros: u64) -> String {
    if micros >= 1_000_000 {
        format!("{}s", micros as f64 / 1e6)
    } else if micros >= 1000 {
        format!("{}ms", micros as f64 / 1e3)
    } else {
        format!("{micros}us")
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let time = |name: &str| call.option(name).and_then(|option| option.value.as_uint());
    let (Some(interval), Some(ewma)) = (time("rateest-interval"), time("rateest-ewmalog")) else {
        return Ok(());
    };
    let interval = u32::try_from(interval).unwrap_or(u32::MAX);
    let ewma = u32::try_from(ewma).unwrap_or(u32::MAX);
    let (interval_code, ewma_code) = kernel_codes(interval, ewma).map_err(|why| {
        call.error(format!("`RATEEST`: {why}"))
            .help("use an interval from 1us to 8s and a time constant from 2 to 2^30 times the interval, as `--rateest-interval 250ms --rateest-ewmalog 500ms`")
    })?;
    let used_interval = 250_000u64 << u8::try_from(interval_code + 2).unwrap_or(0);
    let used_ewma = used_interval << ewma_code;
    let mut warn =
        |name: &str, given: u32, used: u64| {
            if u64::from(given) != used {
                let span = call
                    .option(name)
                    .map_or(call.name_span, |option| option.span);
                call.warnings.push(ExtWarning::new(format!(
                    "the kernel measures in powers of two: this `--{name}` of {} becomes {}",
                    describe(u64::from(given)),
                    describe(used)
                ), span).help(format!(
                    "write `{}` to say what the kernel does",
                    describe(used)
                )));
            }
        };
    warn("rateest-interval", interval, used_interval);
    warn("rateest-ewmalog", ewma, used_ewma);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{kernel_codes, parse_time};
    use crate::diagnostics::Severity;
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    #[test]
    fn c_numbers_and_units() {
        assert_eq!(parse_time("1SEC"), Some(1_000_000));
        assert_eq!(parse_time("2Secs"), Some(2_000_000));
        assert_eq!(parse_time("-1s"), Some(4_293_967_296));
        assert_eq!(parse_time("inf"), Some(0));
        assert_eq!(parse_time("1m"), None);
        assert_eq!(kernel_codes(250_000, 500_000), Ok((-2, 1)));
        assert_eq!(kernel_codes(8_000_000, 16_000_000), Ok((3, 1)));
        assert!(kernel_codes(8_100_000, 16_000_000).is_err());
        assert!(kernel_codes(1_000_000, 1_000_000).is_err());
        assert!(kernel_codes(0, 1).is_err());
    }

    #[test]
    fn estimators_with_rounded_times() {
        let rule = accepts_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j RATEEST --rateest-name RE1 --rateest-interval 250.0ms --rateest-ewmalog 500.0ms",
        );
        let rateest = target(&rule);
        assert_eq!(
            rateest.option("rateest-name").unwrap().value,
            Value::Text("RE1".into())
        );
        assert_eq!(
            rateest.option("rateest-interval").unwrap().value,
            Value::UInt(250_000)
        );
        assert_eq!(
            rateest.option("rateest-ewmalog").unwrap().value,
            Value::UInt(500_000)
        );
        let warned = |rule: &str| {
            let (loadable, diagnostics, _) = load(Family::V6, "mangle", "FORWARD", rule);
            assert!(loadable, "{rule}");
            diagnostics.iter().any(|d| d.severity != Severity::Error)
        };
        assert!(!warned(
            "-j RATEEST --rateest-name a --rateest-interval 1s --rateest-ewmalog 2s"
        ));
        assert!(warned(
            "-j RATEEST --rateest-name a --rateest-interval 1s --rateest-ewmalog 1.5s"
        ));
        assert!(warned(
            "-j RATEEST --rateest-name a --rateest-interval 0x10000 --rateest-ewmalog 1s"
        ));
        assert!(warned(
            "-j RATEEST --rateest-name abcdefghijklmnopqrst --rateest-interval 1s --rateest-ewmalog 2s"
        ));
        assert!(warned(
            "-j RATEEST --rateest-name a --rateest-interval 1s --rateest-ewmalog 1000000000s"
        ));
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "filter", "INPUT", rule, expected);
        refuses(
            "-j RATEEST --rateest-interval 1s --rateest-ewmalog 2s",
            "needs `--rateest-name`",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 1s",
            "needs `--rateest-ewmalog`",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 1m --rateest-ewmalog 2s",
            "bad time",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 8.1s --rateest-ewmalog 16s",
            "longer than 8 seconds",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval -1s --rateest-ewmalog 2s",
            "longer than 8 seconds",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 1s --rateest-ewmalog 1s",
            "out of range",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 0 --rateest-ewmalog 1",
            "out of range",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval inf --rateest-ewmalog 2s",
            "out of range",
        );
        refuses(
            "-j RATEEST --rateest-name a --rateest-interval 1s --rateest-ewmalog 0.001s",
            "out of range",
        );
    }
}
