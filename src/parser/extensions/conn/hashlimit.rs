//! `-m hashlimit` (libxt_hashlimit.c, revision 3): token buckets per
//! address, port or network, kept in a table that `--hashlimit-name` names
//! (mandatory). `[!] --hashlimit-upto RATE` or `[!] --hashlimit-above RATE`
//! (`--hashlimit` is the old name of `--hashlimit-upto`) is required; the
//! buckets are chosen by `--hashlimit-mode` (`srcip`, `srcport`, `dstip`,
//! `dstport`, separated by `,` or `|`) and the prefix lengths
//! `--hashlimit-srcmask`/`--hashlimit-dstmask`.
//!
//! A rate is `N[/unit]` packets (unit: a prefix of `second`, `minute`,
//! `hour`, `day`; at most 1000000/second), or `N[k|m]b/s` bytes per second.
//! iptables reads `N` with `atoll`, ignoring what follows the digits, and
//! finds a byte rate anywhere `b/s` appears. `--hashlimit-burst` is a number
//! of packets (1 to 1000000) or, with a byte rate, of bytes (`kb`, `mb`
//! suffixes), at least what one second of the rate allows.
//!
//! The kernel refuses a garbage collection interval or expiry time of 0,
//! prefix lengths beyond the family's (a non-contiguous mask is one), table
//! names `.`, `..` or with `/`, byte rates it cannot count (about 32 GB/s
//! and more), and packet rates whose burst overflows its 64-bit credits
//! (`--hashlimit-upto 1/day --hashlimit-burst 2`; computed for HZ=250 and
//! HZ=1000, which agree). It caps table sizes at 1048576 entries.

use super::rate::{split_rate, unit_name, unit_seconds, warn_loose_number};
use crate::model::{ExtensionKind, Family, Rate, RateUnit, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_UPTO: u8 = 0;
const O_ABOVE: u8 = 1;
const O_MODE: u8 = 3;
const O_SRCMASK: u8 = 4;
const O_DSTMASK: u8 = 5;
const O_NAME: u8 = 6;
const O_BURST: u8 = 7;
const O_HTABLE_SIZE: u8 = 8;
const O_HTABLE_MAX: u8 = 9;
const O_HTABLE_GCINT: u8 = 10;
const O_HTABLE_EXPIRE: u8 = 11;
const O_RATEMATCH: u8 = 12;
const O_INTERVAL: u8 = 13;

/// Packet rates are periods in 1/1000000 s (`XT_HASHLIMIT_SCALE_v2`).
const SCALE: u64 = 1_000_000;
/// The largest packet burst (`XT_HASHLIMIT_BURST_MAX`).
const BURST_MAX: u64 = 1_000_000;
const DEFAULT_BURST: u64 = 5;
/// `XT_HASHLIMIT_BYTE_SHIFT`: bytes are counted in chunks of 16.
const BYTE_SHIFT: u32 = 4;
/// The kernel's largest table size and entry count (`HASHLIMIT_MAX_SIZE`).
const MAX_TABLE: u64 = 1_048_576;
/// `char name[NAME_MAX]`: at most 254 bytes and the final NUL.
const MAX_NAME: usize = 254;
/// `HZ * CREDITS_PER_JIFFY / XT_HASHLIMIT_SCALE_v2` for HZ=250 or 1000.
const CREDITS_PER_PERIOD: u64 = 137_438_953;

static OPTIONS: [OptSpec; 14] = [
    OptSpec::new("hashlimit-upto", O_UPTO, ArgType::String)
        .invert()
        .excl(bit(O_ABOVE)),
    OptSpec::new("hashlimit-above", O_ABOVE, ArgType::String)
        .invert()
        .excl(bit(O_UPTO)),
    OptSpec::new("hashlimit", O_UPTO, ArgType::String)
        .invert()
        .excl(bit(O_ABOVE)),
    OptSpec::new("hashlimit-srcmask", O_SRCMASK, ArgType::Plen),
    OptSpec::new("hashlimit-dstmask", O_DSTMASK, ArgType::Plen),
    OptSpec::new("hashlimit-burst", O_BURST, ArgType::String),
    OptSpec::new("hashlimit-htable-size", O_HTABLE_SIZE, ArgType::UInt32),
    OptSpec::new("hashlimit-htable-max", O_HTABLE_MAX, ArgType::UInt32),
    OptSpec::new(
        "hashlimit-htable-gcinterval",
        O_HTABLE_GCINT,
        ArgType::UInt32,
    ),
    OptSpec::new("hashlimit-htable-expire", O_HTABLE_EXPIRE, ArgType::UInt32),
    OptSpec::new("hashlimit-mode", O_MODE, ArgType::String),
    OptSpec::new("hashlimit-name", O_NAME, ArgType::String)
        .mandatory()
        .min(1),
    OptSpec::new("hashlimit-rate-match", O_RATEMATCH, ArgType::None),
    OptSpec::new("hashlimit-rate-interval", O_INTERVAL, ArgType::String),
];

pub static HASHLIMIT: ExtensionDef = ExtensionDef {
    name: "hashlimit",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// The modes in the order iptables prints them.
const MODES: [&str; 4] = ["srcip", "srcport", "dstip", "dstport"];

/// `bytes_to_cost`: the cost of one 16-byte chunk, or `None` where iptables
/// divides by zero (and crashes).
fn bytes_to_cost(bytes: u64) -> Option<u32> {
    // Truncated to 32 bits, as iptables does.
    let chunks = (bytes >> BYTE_SHIFT) as u32;
    chunks.checked_add(1).map(|divisor| u32::MAX / divisor)
}

/// `cost_to_bytes`: how many bytes one second of the rate allows.
fn cost_to_bytes(cost: u32) -> u64 {
    let per_second = u64::from(u32::MAX / cost.max(1));
    (per_second - 1) << BYTE_SHIFT
}

/// `parse_bytes`: `N[k|m]b/s` wherever `b/s` is; `None` when this is no
/// byte rate (no `b/s`, nothing before it, or `N` is 0).
fn parse_byte_rate(call: &mut OptCall<'_, '_>) -> Result<Option<Rate>, ExtError> {
    let text = call.arg_text();
    let Some(position) = text.find("b/s").filter(|&position| position > 0) else {
        return Ok(None);
    };
    // `atoll`, stored in an unsigned 64-bit number.
    let amount = values::atoll(text.as_bytes()) as u64;
    if amount == 0 {
        return Ok(None);
    }
    let factor: u64 = match text.as_bytes()[position - 1] {
        b'm' => 1024 * 1024,
        b'k' => 1024,
        _ => 1,
    };
    let bytes = amount.wrapping_mul(factor);
    if bytes_to_cost(bytes).is_none() {
        return Err(call
            .error(format!(
                "iptables crashes on the byte rate `{text}` (a division by zero)"
            ))
            .help("byte rates go up to about 32 gigabytes per second"));
    }
    let wide_chunks = bytes >> BYTE_SHIFT;
    if wide_chunks > u64::from(u32::MAX) || wide_chunks == 0 {
        call.warn(format!(
            "iptables counts byte rates in 16-byte chunks, in 32 bits: it stores `{text}` as {}b/s",
            u64::from(wide_chunks as u32) << BYTE_SHIFT
        ));
    }
    let number = text[..position].trim_end_matches(['k', 'm']);
    let clean = number.bytes().all(|b| b.is_ascii_digit()) && position + 3 == text.len();
    if !clean {
        call.warn(format!(
            "iptables reads `{text}` as {bytes} bytes per second"
        ));
    }
    Ok(Some(Rate {
        amount: bytes,
        unit: RateUnit::Second,
        bytes: true,
    }))
}

/// `--hashlimit-upto`/`--hashlimit-above`: a byte rate, else a packet rate.
fn parse_rate(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if let Some(rate) = parse_byte_rate(call)? {
        return Ok(Value::Rate(rate));
    }
    let text = call.arg_text();
    let bad = |call: &OptCall<'_, '_>| {
        call.error(format!("bad rate `{text}` for `--{}`", call.spec.name))
            .help("write packets per unit, as `10/second` or `3/hour`, or bytes per second, as `512kb/s`")
    };
    let Some((number, unit)) = split_rate(text) else {
        return Err(bad(call));
    };
    let amount = values::atoll(text.as_bytes()) as u64;
    if amount == 0 {
        return Err(bad(call));
    }
    if SCALE * unit_seconds(unit) / amount == 0 {
        return Err(call
            .error(format!(
                "rate `{text}` is too fast: `--{}` goes up to 1000000/second",
                call.spec.name
            ))
            .help("for more packets than that, limit bytes instead, as `100mb/s`"));
    }
    warn_loose_number(call, number, amount);
    Ok(Value::Rate(Rate {
        amount,
        unit,
        bytes: false,
    }))
}

/// `parse_burst`: a number from 1 (up to 1000000 without suffix), then an
/// optional `k` or `m` that multiplies it; other characters after the
/// number are ignored.
fn parse_burst(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let bad = |call: &OptCall<'_, '_>| {
        call.error(format!(
            "bad burst `{text}`: `--hashlimit-burst` takes a number from 1 to {BURST_MAX}"
        ))
        .help("with a byte rate, a size such as `64kb` or `1mb`")
    };
    let Some((value, rest)) = values::parse_uint_prefix(text, 1, u64::MAX) else {
        return Err(bad(call));
    };
    if rest.is_empty() {
        if value > BURST_MAX {
            return Err(bad(call));
        }
        return Ok(Value::UInt(value));
    }
    let factor: u64 = match rest.as_bytes()[0] {
        b'm' => 1024 * 1024,
        b'k' => 1024,
        _ => 1,
    };
    let burst = value.wrapping_mul(factor);
    if value.checked_mul(factor).is_none() {
        call.warn(format!(
            "`{text}` overflows 64 bits: iptables keeps the remainder, {burst}"
        ));
    }
    if !matches!(rest, "k" | "m" | "kb" | "mb" | "b") {
        call.warn(format!(
            "iptables ignores `{}` in `{text}` and reads {burst}",
            &rest[usize::from(factor != 1)..]
        ));
    }
    Ok(Value::UInt(burst))
}

/// `parse_mode`: names separated by `,` or `|`; empty parts are skipped.
fn parse_mode(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut seen = [false; 4];
    for word in text.split([',', '|']).filter(|word| !word.is_empty()) {
        let index = MODES.iter().position(|mode| *mode == word).ok_or_else(|| {
            call.error(format!("unknown hashlimit mode `{word}`"))
                .help("use srcip, srcport, dstip and dstport, separated by commas")
        })?;
        seen[index] = true;
    }
    Ok(Value::List(
        MODES
            .iter()
            .zip(seen)
            .filter(|(_, seen)| *seen)
            .map(|(mode, _)| (*mode).to_string())
            .collect(),
    ))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_UPTO | O_ABOVE => parse_rate(call),
        O_BURST => parse_burst(call),
        O_MODE => parse_mode(call),
        O_NAME => {
            call.generic()?;
            let kept = call.kept_text(MAX_NAME, "hashlimit name");
            Ok(Value::Text(kept.into()))
        }
        O_HTABLE_SIZE | O_HTABLE_MAX => {
            let value = call.generic()?.as_uint().unwrap_or(0);
            if value > MAX_TABLE {
                call.warn(format!(
                    "the kernel caps `--{}` at {MAX_TABLE}",
                    call.spec.name
                ));
                return Ok(Value::UInt(MAX_TABLE));
            }
            Ok(Value::UInt(value))
        }
        O_INTERVAL => {
            let text = call.arg_text();
            let interval = values::atoi(text.as_bytes());
            if interval <= 0 {
                return Err(call
                    .error(format!("bad interval `{text}`: `--hashlimit-rate-interval` takes a number of seconds from 1"))
                    .help("for example `--hashlimit-rate-interval 10`"));
            }
            let interval = u64::from(interval.unsigned_abs());
            warn_loose_number(call, text, interval);
            Ok(Value::UInt(interval))
        }
        _ => call.generic(),
    }
}

fn rate_of(options: &[crate::model::ExtOption]) -> Option<Rate> {
    options
        .iter()
        .find_map(|option| match (&*option.name, &option.value) {
            ("hashlimit-upto" | "hashlimit-above", Value::Rate(rate)) => Some(*rate),
            _ => None,
        })
}

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(
        bit(O_UPTO) | bit(O_ABOVE),
        "-m hashlimit --hashlimit-upto 10/second --hashlimit-name ssh",
    )?;
    let Some(rate) = rate_of(call.options) else {
        return Ok(());
    };
    let Some(burst) = call.option("hashlimit-burst") else {
        return Ok(());
    };
    let value = burst.value.as_uint().unwrap_or(0);
    if rate.bytes {
        let least = cost_to_bytes(bytes_to_cost(rate.amount).unwrap_or(1));
        if least == 0 {
            return Err(ExtError::new(
                "iptables crashes on `--hashlimit-burst` with a byte rate under 16 bytes per second (a division by zero)",
            )
            .at(burst.span)
            .help("use a byte rate of at least `16b/s`, or leave out the burst"));
        }
        if value < least {
            return Err(ExtError::new(format!(
                "a burst of {value} bytes is smaller than one second of the rate: iptables needs at least {least}b"
            ))
            .at(burst.span)
            .help(format!("use `--hashlimit-burst {least}` or more, as `{}kb`", least.div_ceil(1024))));
        }
    } else if value > BURST_MAX {
        return Err(ExtError::new(format!(
            "a burst of {value} packets is too large: `--hashlimit-burst` goes up to {BURST_MAX}"
        ))
        .at(burst.span));
    }
    Ok(())
}

/// The kernel's `user2credits` for packet rates, in 64-bit wrapping
/// arithmetic.
fn user2credits(user: u64) -> u64 {
    user.wrapping_mul(CREDITS_PER_PERIOD)
}

fn credits_overflow(period: u64, burst: u64) -> bool {
    burst == 0 || user2credits(period.wrapping_mul(burst)) < user2credits(period)
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let extension = call.extension;
    let refuse = |option: &str, message: String, help: &str| {
        let span = extension
            .option(option)
            .map_or(extension.span, |option| option.span);
        Err(ExtError::new(message).at(span).help(help))
    };
    for (option, what) in [
        (
            "hashlimit-htable-gcinterval",
            "a garbage collection interval",
        ),
        ("hashlimit-htable-expire", "an expiry time"),
    ] {
        if extension.option(option).and_then(|o| o.value.as_uint()) == Some(0) {
            return refuse(
                option,
                format!("the kernel refuses {what} of 0"),
                "give a number of milliseconds from 1, or leave the default",
            );
        }
    }
    let width = match call.family {
        Family::V4 => 32,
        Family::V6 => 128,
    };
    for option in ["hashlimit-srcmask", "hashlimit-dstmask"] {
        if let Some(Value::Plen(length)) = extension.option(option).map(|o| &o.value) {
            if *length > width {
                return refuse(
                    option,
                    format!(
                        "the kernel refuses `--{option}`: it is not a contiguous mask of at most {width} bits"
                    ),
                    "give a prefix length, as `24`",
                );
            }
        }
    }
    if let Some(name) = extension
        .option("hashlimit-name")
        .and_then(|o| o.value.as_text())
    {
        if name == "." || name == ".." || name.contains('/') {
            return refuse(
                "hashlimit-name",
                format!("the kernel refuses the table name `{name}`: it names a file in /proc/net"),
                "use a name without `/` that is not `.` or `..`",
            );
        }
    }
    let Some(rate) = rate_of(&extension.options) else {
        return Ok(());
    };
    let rate_option = if extension.has_option("hashlimit-upto") {
        "hashlimit-upto"
    } else {
        "hashlimit-above"
    };
    let rate_match = extension.has_option("hashlimit-rate-match");
    if rate.bytes {
        let cost = bytes_to_cost(rate.amount).unwrap_or(0);
        if !rate_match && cost <= 1 {
            return refuse(
                rate_option,
                format!(
                    "the kernel refuses the byte rate {}b/s: it is too high to count",
                    rate.amount
                ),
                "byte rates go up to about 32 gigabytes per second",
            );
        }
        return Ok(());
    }
    let seconds = unit_seconds(rate.unit);
    let period = SCALE * seconds / rate.amount.max(1);
    if rate_match {
        if period / seconds == 0 {
            return refuse(
                rate_option,
                format!(
                    "with `--hashlimit-rate-match` the kernel refuses more than {SCALE} packets per {}",
                    unit_name(rate.unit)
                ),
                "use a smaller rate or a shorter unit",
            );
        }
        return Ok(());
    }
    let burst = extension
        .option("hashlimit-burst")
        .and_then(|o| o.value.as_uint())
        .unwrap_or(DEFAULT_BURST);
    if credits_overflow(period, burst) {
        let largest = (1..burst.min(BURST_MAX + 1))
            .take_while(|&b| !credits_overflow(period, b))
            .last();
        let help = match largest {
            Some(largest) => {
                format!("with this rate the kernel takes a burst of at most {largest}")
            }
            None => "use a faster rate".to_string(),
        };
        let option = if extension.has_option("hashlimit-burst") {
            "hashlimit-burst"
        } else {
            rate_option
        };
        return refuse(
            option,
            format!(
                "the kernel refuses a burst of {burst} at this rate: the bucket overflows its 64-bit counters"
            ),
            &help,
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Rate, RateUnit, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    const NAME: &str = "--hashlimit-name t";

    fn packets(amount: u64, unit: RateUnit) -> Value {
        Value::Rate(Rate {
            amount,
            unit,
            bytes: false,
        })
    }

    fn bytes(amount: u64) -> Value {
        Value::Rate(Rate {
            amount,
            unit: RateUnit::Second,
            bytes: true,
        })
    }

    #[test]
    fn packet_rates_and_options() {
        let rule = accepts(
            "-m hashlimit --hashlimit-upto 40/sec --hashlimit-burst 20 --hashlimit-mode dstport|srcip --hashlimit-srcmask 24 --hashlimit-name syn-flood --hashlimit-htable-expire 2000 -j ACCEPT",
        );
        let hashlimit = match_named(&rule, "hashlimit");
        assert_eq!(
            hashlimit.option("hashlimit-upto").unwrap().value,
            packets(40, RateUnit::Second)
        );
        assert_eq!(
            hashlimit.option("hashlimit-burst").unwrap().value,
            Value::UInt(20)
        );
        assert_eq!(
            hashlimit.option("hashlimit-mode").unwrap().value,
            Value::List(vec!["srcip".into(), "dstport".into()].into())
        );
        assert_eq!(
            hashlimit.option("hashlimit-srcmask").unwrap().value,
            Value::Plen(24)
        );
        assert_eq!(
            hashlimit.option("hashlimit-name").unwrap().value,
            Value::Text("syn-flood".into())
        );
        assert_eq!(
            hashlimit.option("hashlimit-htable-expire").unwrap().value,
            Value::UInt(2000)
        );
        // The old name, and `!` that turns one into the other.
        let rule = accepts6(&format!(
            "-m hashlimit ! --hashlimit-above 1/day --hashlimit-burst 1 {NAME}"
        ));
        let above = match_named(&rule, "hashlimit")
            .option("hashlimit-above")
            .unwrap()
            .clone();
        assert!(above.negated);
        assert_eq!(above.value, packets(1, RateUnit::Day));
        let rule = accepts(&format!("-m hashlimit --hashlimit 1000000/s {NAME}"));
        assert_eq!(
            match_named(&rule, "hashlimit")
                .option("hashlimit-upto")
                .unwrap()
                .value,
            packets(1_000_000, RateUnit::Second)
        );
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 1/min --hashlimit-mode ,srcip, {NAME}"
        ));
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-mode \"\" {NAME}"
        ));
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-htable-size 0 {NAME}"
        ));
    }

    #[test]
    fn byte_rates_and_bursts() {
        let rule = accepts(
            "-m hashlimit --hashlimit-upto 4kb/s --hashlimit-burst 400kb --hashlimit-name mini5",
        );
        let hashlimit = match_named(&rule, "hashlimit");
        assert_eq!(
            hashlimit.option("hashlimit-upto").unwrap().value,
            bytes(4096)
        );
        assert_eq!(
            hashlimit.option("hashlimit-burst").unwrap().value,
            Value::UInt(409_600)
        );
        accepts("-m hashlimit --hashlimit-upto 10mb/s --hashlimit-name mini6");
        accepts(
            "-m hashlimit --hashlimit-upto 123456b/s --hashlimit-burst 1mb --hashlimit-name mini7",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 5kb/s --hashlimit-burst 5 {NAME}"),
            "at least 5120b",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 5kb/sec --hashlimit-burst 5x {NAME}"),
            "at least 5120b",
        );
        // `5Mb/s` is 5 bytes per second: only `k` and `m` multiply.
        let rule = accepts(&format!("-m hashlimit --hashlimit-upto 5Mb/s {NAME}"));
        assert_eq!(
            match_named(&rule, "hashlimit")
                .option("hashlimit-upto")
                .unwrap()
                .value,
            bytes(5)
        );
        assert!(
            warnings(
                Family::V4,
                &format!("-m hashlimit --hashlimit-upto 5Mb/s {NAME}")
            )
            .iter()
            .any(|w| w.message.contains("as 5 bytes per second"))
        );
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 34359738351b/s {NAME}"
        ));
        refuses(
            &format!("-m hashlimit --hashlimit-upto 34359738352b/s {NAME}"),
            "too high to count",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 68719476720b/s {NAME}"),
            "division by zero",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 0kb/s {NAME}"),
            "bad rate",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m hashlimit --hashlimit-name mini1",
            "needs `--hashlimit-upto` or `--hashlimit-above`",
        );
        refuses(
            "-m hashlimit --hashlimit-upto 1/sec",
            "needs `--hashlimit-name`",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1000001/s {NAME}"),
            "too fast",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-above 1/s {NAME}"),
            "cannot be used together",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit 1/s {NAME}"),
            "can only be given once",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/fortnight {NAME}"),
            "bad rate",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-burst 0 {NAME}"),
            "bad burst",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-burst 1000001 {NAME}"),
            "bad burst",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-burst 2000k {NAME}"),
            "too large",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-mode srcip,foo {NAME}"),
            "unknown hashlimit mode",
        );
        refuses(
            &format!(
                "-m hashlimit --hashlimit-upto 1/s --hashlimit-mode srcip --hashlimit-mode dstip {NAME}"
            ),
            "can only be given once",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-srcmask 33 {NAME}"),
            "not a contiguous mask",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-dstmask 255.0.255.0 {NAME}"),
            "not a contiguous mask",
        );
        refuses6(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-srcmask 129 {NAME}"),
            "prefix length",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-rate-interval 0 {NAME}"),
            "bad interval",
        );
        refuses(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-name \"\"",
            "at least 1 characters",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s ! --hashlimit-mode srcip {NAME}"),
            "cannot be negated",
        );
    }

    #[test]
    fn kernel_checks() {
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-htable-gcinterval 0 {NAME}"),
            "garbage collection interval of 0",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/s --hashlimit-htable-expire 0 {NAME}"),
            "expiry time of 0",
        );
        refuses(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-name a/b",
            "table name `a/b`",
        );
        refuses(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-name ..",
            "table name `..`",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/d --hashlimit-burst 2 {NAME}"),
            "burst of 2",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 1/day --hashlimit-burst 1000000 {NAME}"),
            "overflows",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 3/d --hashlimit-burst 5 {NAME}"),
            "overflows",
        );
        refuses(
            &format!("-m hashlimit --hashlimit-upto 100/d --hashlimit-burst 156 {NAME}"),
            "overflows",
        );
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 100/d --hashlimit-burst 155 {NAME}"
        ));
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 3/d --hashlimit-burst 100 {NAME}"
        ));
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 7/d --hashlimit-burst 1000000 {NAME}"
        ));
        // Rate matching skips the burst test but needs a non-zero rate per second.
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 1/d --hashlimit-burst 1000000 --hashlimit-rate-match {NAME}"
        ));
        refuses(
            &format!("-m hashlimit --hashlimit-upto 100000000/d --hashlimit-rate-match {NAME}"),
            "rate-match",
        );
        accepts(&format!(
            "-m hashlimit --hashlimit-upto 40mb/s --hashlimit-rate-match --hashlimit-rate-interval 10 {NAME}"
        ));
        // Oversized tables are capped by the kernel.
        let rule = accepts(&format!(
            "-m hashlimit --hashlimit-upto 1/s --hashlimit-htable-size 4294967295 {NAME}"
        ));
        assert_eq!(
            match_named(&rule, "hashlimit")
                .option("hashlimit-htable-size")
                .unwrap()
                .value,
            Value::UInt(1_048_576)
        );
    }
}
