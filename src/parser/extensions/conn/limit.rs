//! `-m limit` (libxt_limit.c): a token bucket shared by all packets of the
//! rule, `--limit RATE` (default `3/hour`) and `--limit-burst N` (0 to
//! 10000, default 5). Neither can be negated.
//!
//! A rate is `N[/unit]`: the unit any prefix of `second`, `minute`, `hour`
//! or `day` in any case (`/s`, `/Min`), seconds by default. iptables reads
//! `N` with `atoi`, which ignores what follows the digits (`5abc/m` is
//! `5/minute`) and keeps the low 32 bits of large numbers; iptables refuses
//! a rate of 0 and a rate above 10000 per second.
//!
//! The kernel keeps the period in units of 1/10000 s and refuses a burst of
//! 0, and a rate and burst whose product overflows its 32-bit credit
//! arithmetic (`--limit 1/day --limit-burst 5`). Those credits depend on the
//! kernel's HZ: fwlint computes them for HZ=250 and HZ=1000, which give the
//! same result and are what distribution kernels use.

use super::rate::{split_rate, unit_seconds, warn_loose_number};
use crate::model::{ExtensionKind, Rate, RateUnit, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec,
};
use crate::parser::values;

const O_LIMIT: u8 = 0;
const O_BURST: u8 = 1;

/// Periods are counted in 1/10000 of a second (`XT_LIMIT_SCALE`).
const SCALE: u64 = 10_000;
/// The default burst.
const DEFAULT_BURST: u64 = 5;
/// The default rate, `3/hour`.
const DEFAULT_RATE: Rate = Rate {
    amount: 3,
    unit: RateUnit::Hour,
    bytes: false,
};
/// `HZ * CREDITS_PER_JIFFY` of the kernel for HZ=250 or HZ=1000.
const HZ_CREDITS: u32 = 32_000;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("limit", O_LIMIT, ArgType::String),
    OptSpec::new("limit-burst", O_BURST, ArgType::UInt32).range(0, 10_000),
];

pub static LIMIT: ExtensionDef = ExtensionDef {
    name: "limit",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id != O_LIMIT {
        return call.generic();
    }
    let text = call.arg_text();
    let bad = |call: &OptCall<'_, '_>| {
        call.error(format!("bad rate `{text}` for `--limit`"))
            .help("write a number of packets and a unit, as `3/hour`, `10/s` or `1/minute`")
    };
    let Some((number, unit)) = split_rate(text) else {
        return Err(bad(call));
    };
    // `atoi` on the whole text, stored in 32 bits.
    let amount = u64::from(values::atoi(text.as_bytes()) as u32);
    if amount == 0 {
        return Err(bad(call));
    }
    if SCALE * unit_seconds(unit) / amount == 0 {
        return Err(call
            .error(format!(
                "rate `{text}` is too fast: `--limit` goes up to 10000/second"
            ))
            .help("for faster rates use `-m hashlimit`, which goes up to 1000000/second"));
    }
    warn_loose_number(call, number, amount);
    Ok(Value::Rate(Rate {
        amount,
        unit,
        bytes: false,
    }))
}

/// The kernel's `user2credits`, in its 32-bit arithmetic.
fn user2credits(user: u32) -> u32 {
    let scale = SCALE as u32;
    if user > u32::MAX / HZ_CREDITS {
        (user / scale).wrapping_mul(HZ_CREDITS)
    } else {
        user.wrapping_mul(HZ_CREDITS) / scale
    }
}

/// Does the kernel's overflow test pass for this period and burst?
fn kernel_accepts(period: u32, burst: u32) -> bool {
    burst != 0 && user2credits(period.wrapping_mul(burst)) >= user2credits(period)
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let limit = call.extension.option("limit");
    let rate = match limit.map(|option| &option.value) {
        Some(Value::Rate(rate)) => *rate,
        _ => DEFAULT_RATE,
    };
    let burst_option = call.extension.option("limit-burst");
    let burst = burst_option
        .and_then(|option| option.value.as_uint())
        .unwrap_or(DEFAULT_BURST);
    let Ok(burst) = u32::try_from(burst) else {
        return Ok(());
    };
    let period =
        u32::try_from(SCALE * unit_seconds(rate.unit) / rate.amount.max(1)).unwrap_or(u32::MAX);
    if kernel_accepts(period, burst) {
        return Ok(());
    }
    let span = burst_option
        .or(limit)
        .map_or(call.extension.span, |option| option.span);
    if burst == 0 {
        return Err(ExtError::new("the kernel refuses `--limit-burst 0`")
            .at(span)
            .help("the burst must be at least 1"));
    }
    let largest = (1..burst).take_while(|&b| kernel_accepts(period, b)).last();
    let help = match largest {
        Some(largest) => format!("with this rate the kernel takes a burst of at most {largest}"),
        None => "use a faster rate".to_string(),
    };
    Err(ExtError::new(format!(
        "the kernel refuses a burst of {burst} at this rate: the bucket overflows its 32-bit counters"
    ))
    .at(span)
    .help(help))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Rate, RateUnit, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, load, match_named, refuses, warnings,
    };

    fn rate(amount: u64, unit: RateUnit) -> Value {
        Value::Rate(Rate {
            amount,
            unit,
            bytes: false,
        })
    }

    #[test]
    fn rates_and_bursts() {
        let rule = accepts("-m limit --limit 1000/hour --limit-burst 1 -j ACCEPT");
        let limit = match_named(&rule, "limit");
        assert_eq!(
            limit.option("limit").unwrap().value,
            rate(1000, RateUnit::Hour)
        );
        assert_eq!(limit.option("limit-burst").unwrap().value, Value::UInt(1));
        let rule = accepts6("-m limit --limit 1/MIN");
        assert_eq!(
            match_named(&rule, "limit").option("limit").unwrap().value,
            rate(1, RateUnit::Minute)
        );
        let rule = accepts("-m limit --limit 10");
        assert_eq!(
            match_named(&rule, "limit").option("limit").unwrap().value,
            rate(10, RateUnit::Second)
        );
        accepts("-m limit --limit 1/d --limit-burst 1");
        accepts("-m limit --limit 10000/s");
        accepts("-m limit");
    }

    #[test]
    fn atoi_reads_loosely() {
        let rule = accepts("-m limit --limit 5abc/m");
        assert_eq!(
            match_named(&rule, "limit").option("limit").unwrap().value,
            rate(5, RateUnit::Minute)
        );
        assert!(
            warnings(Family::V4, "-m limit --limit 5abc/m")
                .iter()
                .any(|w| w.message.contains("as 5"))
        );
        let rule = accepts("-m limit --limit 4294967297/s");
        assert_eq!(
            match_named(&rule, "limit").option("limit").unwrap().value,
            rate(1, RateUnit::Second)
        );
        assert!(warnings(Family::V4, "-m limit --limit 10/s").is_empty());
    }

    #[test]
    fn refuses_bad_rates() {
        refuses("-m limit --limit 10001/s", "too fast");
        refuses("-m limit --limit -5/s", "too fast");
        refuses("-m limit --limit 2147483648/s", "too fast");
        refuses("-m limit --limit 7/seconds", "bad rate");
        refuses("-m limit --limit 7/", "bad rate");
        refuses("-m limit --limit abc", "bad rate");
        refuses("-m limit --limit 0/s", "bad rate");
        refuses("-m limit ! --limit 7", "cannot be negated");
        refuses("-m limit --limit 1/d --limit 2/d", "can only be given once");
        refuses("-m limit --limit-burst 10001", "--limit-burst");
    }

    #[test]
    fn kernel_overflow_checks() {
        refuses("-m limit --limit-burst 0", "refuses `--limit-burst 0`");
        refuses("-m limit --limit 1/day --limit-burst 5", "burst of 5");
        // The default burst is 5.
        refuses("-m limit --limit 1/day", "burst of 5");
        refuses("-m limit --limit 1/day --limit-burst 4", "overflows");
        refuses("-m limit --limit 10/day --limit-burst 50", "overflows");
        refuses("-m limit --limit 3/h --limit-burst 10000", "overflows");
        refuses("-m limit --limit 2/d --limit-burst 4", "overflows");
        let (_, diagnostics, _) = load(
            Family::V4,
            "filter",
            "INPUT",
            "-m limit --limit 10/day --limit-burst 50",
        );
        assert!(
            diagnostics.iter().any(|d| d.help.as_deref()
                == Some("with this rate the kernel takes a burst of at most 15"))
        );
        accepts("-m limit --limit 1/h --limit-burst 32");
        accepts("-m limit --limit 1/d --limit-burst 64");
        accepts("-m limit --limit 1/day --limit-burst 1");
    }
}
