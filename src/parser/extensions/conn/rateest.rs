//! `-m rateest` (libxt_rateest.c, an old-style parser in iptables 1.8.9):
//! compares the rate of an estimator made by the `RATEEST` target
//! (`--rateest1 NAME`, or `--rateest NAME`) with a given rate, or with a
//! second estimator (`--rateest2 NAME`), or their difference with
//! `--rateest-delta`. `--rateest-bps1`/`--rateest-pps1` and
//! `--rateest-bps2`/`--rateest-pps2` (`--rateest-bps`, `--rateest-pps`)
//! choose bytes or packets per second, each with an optional rate after it;
//! `[!] --rateest-lt`, `--rateest-gt`, `--rateest-eq` the comparison (the
//! last one given counts).
//!
//! A byte rate is a C floating-point number of bytes per second, or of a
//! unit (`bit`, `kbit`, `Kibit`, ..., `Bps`, `KBps`, `KiBps`, ..., any
//! case); iptables stores it in 32 bits, wrapping silently. Packet rates
//! are 32-bit numbers. Estimator names keep 15 bytes.
//!
//! iptables checks nothing more; the kernel refuses the match without a
//! byte or packet comparison, without `lt`/`gt`/`eq`, and when an
//! estimator of that name does not exist when the rule is loaded (made by
//! a `RATEEST` rule loaded before it).

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_RATEEST1: u8 = 0;
const O_RATEEST2: u8 = 1;
const O_BPS1: u8 = 2;
const O_PPS1: u8 = 3;
const O_BPS2: u8 = 4;
const O_PPS2: u8 = 5;
const O_DELTA: u8 = 6;
const O_LT: u8 = 7;
const O_GT: u8 = 8;
const O_EQ: u8 = 9;

/// `char name[IFNAMSIZ]`: 15 bytes and the final NUL.
const MAX_NAME: usize = 15;

// The old-style parser checks repetition and `!` itself.
static OPTIONS: [OptSpec; 13] = [
    OptSpec::new("rateest1", O_RATEEST1, ArgType::String).custom(),
    OptSpec::new("rateest", O_RATEEST1, ArgType::String).custom(),
    OptSpec::new("rateest2", O_RATEEST2, ArgType::String).custom(),
    OptSpec::new("rateest-bps1", O_BPS1, ArgType::None).custom(),
    OptSpec::new("rateest-pps1", O_PPS1, ArgType::None).custom(),
    OptSpec::new("rateest-bps2", O_BPS2, ArgType::None).custom(),
    OptSpec::new("rateest-pps2", O_PPS2, ArgType::None).custom(),
    OptSpec::new("rateest-bps", O_BPS2, ArgType::None).custom(),
    OptSpec::new("rateest-pps", O_PPS2, ArgType::None).custom(),
    OptSpec::new("rateest-delta", O_DELTA, ArgType::None).custom(),
    OptSpec::new("rateest-lt", O_LT, ArgType::None).custom(),
    OptSpec::new("rateest-gt", O_GT, ArgType::None).custom(),
    OptSpec::new("rateest-eq", O_EQ, ArgType::None).custom(),
];

pub static RATEEST: ExtensionDef = ExtensionDef {
    name: "rateest",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// The units of byte rates, in bits per second (from iproute2).
const UNITS: [(&str, f64); 18] = [
    ("bit", 1.0),
    ("Kibit", 1024.0),
    ("kbit", 1000.0),
    ("Mibit", 1024.0 * 1024.0),
    ("mbit", 1_000_000.0),
    ("Gibit", 1024.0 * 1024.0 * 1024.0),
    ("gbit", 1_000_000_000.0),
    ("Tibit", 1024.0 * 1024.0 * 1024.0 * 1024.0),
    ("tbit", 1_000_000_000_000.0),
    ("Bps", 8.0),
    ("KiBps", 8.0 * 1024.0),
    ("KBps", 8000.0),
    ("MiBps", 8.0 * 1024.0 * 1024.0),
    ("MBps", 8_000_000.0),
    ("GiBps", 8.0 * 1024.0 * 1024.0 * 1024.0),
    ("GBps", 8_000_000_000.0),
    ("TiBps", 8.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0),
    ("TBps", 8_000_000_000_000.0),
];

/// `rateest_get_rate`: bytes per second, `None` when it does not read.
fn parse_byte_rate(text: &str) -> Option<(u32, f64)> {
    let (bits_or_bytes, used) = values::strtod_prefix(text)?;
    let unit = &text[used..];
    let bytes = if unit.is_empty() {
        bits_or_bytes / 8.0
    } else {
        let (_, scale) = UNITS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(unit))?;
        bits_or_bytes * scale / 8.0
    };
    Some((values::c_double_to_u32(bytes), bytes))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let id = call.spec.id;
    let name = call.spec.name;
    if call.invert && !matches!(id, O_LT | O_GT | O_EQ) {
        return Err(ExtError::new(format!(
            "`--{name}` of `rateest` cannot be negated with `!`"
        ))
        .at(call.span));
    }
    if call.seen & bit(id) != 0 {
        let what = match id {
            O_LT | O_GT | O_EQ => format!("`--{name}`"),
            _ => format!(
                "`--{}`",
                OPTIONS
                    .iter()
                    .find(|spec| spec.id == id)
                    .map_or(name, |spec| spec.name)
            ),
        };
        return Err(
            ExtError::new(format!("{what} of `rateest` can only be given once")).at(call.span),
        );
    }
    match id {
        O_RATEEST1 | O_RATEEST2 => {
            let kept = call.kept_text(MAX_NAME, "estimator name");
            Ok(Value::Text(kept.into()))
        }
        O_BPS1 | O_BPS2 => {
            // The rate is optional: only an argument not starting with `-`
            // or `!` is one.
            let Some(arg) = call.rest.next_value() else {
                return Ok(Value::Flag);
            };
            let (rate, exact) = parse_byte_rate(arg.text).ok_or_else(|| {
                ExtError::new(format!("could not read the rate `{}`", arg.text))
                    .at(arg.span)
                    .help("write bytes per second, or a number with a unit such as `8bit`, `5kbit`, `2mbit` or `1MBps`")
            })?;
            if !(0.0..4_294_967_296.0).contains(&exact) {
                call.warnings.push(crate::parser::extensions::ExtWarning::new(format!(
                        "rate `{}` does not fit in 32 bits: iptables silently keeps {rate} bytes per second",
                        arg.text
                    ), arg.span));
            }
            Ok(Value::UInt(u64::from(rate)))
        }
        O_PPS1 | O_PPS2 => {
            let Some(arg) = call.rest.next_value() else {
                return Ok(Value::Flag);
            };
            values::parse_uint(arg.text, 0, u64::from(u32::MAX))
                .map(Value::UInt)
                .ok_or_else(|| {
                    ExtError::new(format!("could not read the packet rate `{}`", arg.text))
                        .at(arg.span)
                        .help("write a number of packets per second from 0 to 4294967295")
                })
        }
        _ => Ok(Value::Flag),
    }
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let extension = call.extension;
    let has = |names: &[&str]| names.iter().any(|name| extension.has_option(name));
    if !has(&[
        "rateest-bps1",
        "rateest-pps1",
        "rateest-bps2",
        "rateest-pps2",
    ]) {
        return Err(call
            .error("the kernel refuses `-m rateest` without `--rateest-bps` or `--rateest-pps`")
            .help("say what to compare, as `--rateest-bps 1mbit` or `--rateest-pps 100`"));
    }
    if !has(&["rateest-lt", "rateest-gt", "rateest-eq"]) {
        return Err(call
            .error("the kernel refuses `-m rateest` without `--rateest-lt`, `--rateest-gt` or `--rateest-eq`")
            .help("say how to compare, as `--rateest-gt`"));
    }
    if !has(&["rateest1"]) {
        return Err(call
            .error("the kernel refuses `-m rateest` without `--rateest1` (or `--rateest`): no estimator has an empty name")
            .help("name the estimator a `RATEEST --rateest-name NAME` rule makes"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, match_named, refuses, warnings};

    #[test]
    fn absolute_and_relative_modes() {
        let rule = accepts("-m rateest --rateest RE1 ! --rateest-lt --rateest-bps 8bit -j DROP");
        let rateest = match_named(&rule, "rateest");
        assert_eq!(
            rateest.option("rateest1").unwrap().value,
            Value::Text("RE1".into())
        );
        assert!(rateest.option("rateest-lt").unwrap().negated);
        assert_eq!(
            rateest.option("rateest-bps2").unwrap().value,
            Value::UInt(1)
        );
        let rule = accepts("-m rateest --rateest RE1 --rateest-gt --rateest-bps 5kbit");
        assert_eq!(
            match_named(&rule, "rateest")
                .option("rateest-bps2")
                .unwrap()
                .value,
            Value::UInt(625)
        );
        let rule = accepts(
            "-m rateest --rateest-delta --rateest1 RE1 --rateest-pps1 0 --rateest-lt --rateest-pps2 42 --rateest2 RE2",
        );
        let rateest = match_named(&rule, "rateest");
        assert_eq!(
            rateest.option("rateest-pps1").unwrap().value,
            Value::UInt(0)
        );
        assert_eq!(
            rateest.option("rateest-pps2").unwrap().value,
            Value::UInt(42)
        );
        assert_eq!(
            rateest.option("rateest2").unwrap().value,
            Value::Text("RE2".into())
        );
        // Rates are optional after the comparison options.
        let rule = accepts("-m rateest --rateest1 RE1 --rateest-lt --rateest-bps --rateest2 RE2");
        assert_eq!(
            match_named(&rule, "rateest")
                .option("rateest-bps2")
                .unwrap()
                .value,
            Value::Flag
        );
        accepts("-m rateest --rateest RE1 --rateest-lt --rateest-gt --rateest-bps 1e3kbit");
        accepts("-m rateest --rateest RE1 --rateest-eq --rateest-bps 5 --rateest-pps 3");
        accepts("-m rateest --rateest RE1 --rateest-eq --rateest-bps 1MiBPS");
    }

    #[test]
    fn rates_wrap_at_32_bits() {
        let rule = accepts("-m rateest --rateest RE1 --rateest-lt --rateest-bps 99999999999999");
        assert_eq!(
            match_named(&rule, "rateest")
                .option("rateest-bps2")
                .unwrap()
                .value,
            Value::UInt(1_645_168_639)
        );
        assert!(
            warnings(
                Family::V4,
                "-m rateest --rateest RE1 --rateest-lt --rateest-bps 99999999999999"
            )
            .iter()
            .any(|w| w.message.contains("does not fit in 32 bits"))
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m rateest --rateest RE1 --rateest-lt --rateest-bps 5xbit",
            "could not read the rate `5xbit`",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-lt --rateest-pps 5x",
            "could not read the packet rate",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-lt --rateest-bps 5 --rateest-bps 6",
            "`--rateest-bps2` of `rateest` can only be given once",
        );
        refuses(
            "-m rateest --rateest1 RE1 --rateest1 RE1 --rateest-lt --rateest-bps",
            "`--rateest1` of `rateest` can only be given once",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-lt --rateest-lt --rateest-bps",
            "`--rateest-lt` of `rateest` can only be given once",
        );
        refuses(
            "-m rateest ! --rateest RE1 --rateest-lt --rateest-bps",
            "cannot be negated",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-lt ! --rateest-bps",
            "cannot be negated",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-lt ! --rateest-delta --rateest-bps",
            "cannot be negated",
        );
    }

    #[test]
    fn kernel_checks() {
        refuses("-m rateest", "without `--rateest-bps` or `--rateest-pps`");
        refuses(
            "-m rateest --rateest RE1",
            "without `--rateest-bps` or `--rateest-pps`",
        );
        refuses(
            "-m rateest --rateest RE1 --rateest-bps",
            "without `--rateest-lt`",
        );
        refuses(
            "-m rateest --rateest-lt --rateest-bps 5",
            "without `--rateest1`",
        );
    }
}
