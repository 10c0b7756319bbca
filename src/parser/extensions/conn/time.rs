//! `-m time` (libxt_time.c): matches the time the packet arrives:
//! `--datestart`/`--datestop` (`YYYY[-MM[-DD[Thh[:mm[:ss]]]]]`, UTC, years
//! 1970 to 2038), `--timestart`/`--timestop` (`hh:mm[:ss]`),
//! `[!] --monthdays` (1 to 31) and `[!] --weekdays` (`Mon`..`Sun` or 1 to
//! 7), `--contiguous` (only when the stop time is before the start time),
//! and `--kerneltz` (or its old name `--localtz`) or `--utc` (the default).
//!
//! iptables reads the numbers with C's `strtoul`, so signs and blanks
//! before them pass and overlong numbers wrap; it lets `mktime` normalise
//! dates (`2001-02-31` is March 3rd), keeps only two characters of a month
//! day and three of a week day (`Mox` is Monday, `123` is the 12th), and
//! drops week day numbers above 7. The kernel checks nothing more and
//! accepts the match in every table and chain.
//!
//! Values: dates are seconds since 1970 (UTC), times seconds since
//! midnight, month and week days the lists of days they select (before
//! `!`).

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_DATE_START: u8 = 0;
const O_DATE_STOP: u8 = 1;
const O_TIME_START: u8 = 2;
const O_TIME_STOP: u8 = 3;
const O_CONTIGUOUS: u8 = 4;
const O_MONTHDAYS: u8 = 5;
const O_WEEKDAYS: u8 = 6;
const O_LOCAL_TZ: u8 = 7;
const O_UTC: u8 = 8;
const O_KERNEL_TZ: u8 = 9;

static OPTIONS: [OptSpec; 10] = [
    OptSpec::new("datestart", O_DATE_START, ArgType::String),
    OptSpec::new("datestop", O_DATE_STOP, ArgType::String),
    OptSpec::new("timestart", O_TIME_START, ArgType::String),
    OptSpec::new("timestop", O_TIME_STOP, ArgType::String),
    OptSpec::new("contiguous", O_CONTIGUOUS, ArgType::None),
    OptSpec::new("weekdays", O_WEEKDAYS, ArgType::String).invert(),
    OptSpec::new("monthdays", O_MONTHDAYS, ArgType::String).invert(),
    OptSpec::new("kerneltz", O_KERNEL_TZ, ArgType::None).excl(bit(O_UTC)),
    OptSpec::new("localtz", O_LOCAL_TZ, ArgType::None).excl(bit(O_UTC)),
    OptSpec::new("utc", O_UTC, ArgType::None).excl(bit(O_LOCAL_TZ) | bit(O_KERNEL_TZ)),
];

pub static TIME: ExtensionDef = ExtensionDef {
    name: "time",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(check),
    ..ExtensionDef::BASE
};

/// The last second of a day.
const MAX_DAYTIME: u64 = 86399;

/// The week day names iptables prints, for bits 1 to 7.
const WEEK_DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// `strtoul(text, &end, 10)` kept in an `unsigned int`, and the rest;
/// sets `wrapped` when the number did not fit.
fn number<'t>(text: &'t [u8], wrapped: &mut bool) -> (u64, &'t [u8]) {
    let (value, used) = values::strtoul(text, 10);
    *wrapped |= value > u64::from(u32::MAX);
    (value & u64::from(u32::MAX), &text[used..])
}

/// Days from 1970-01-01 to the first of `month` (1-12) of `year`.
fn days_from_civil(year: i64, month: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// `time_parse_date`: the fields in order, each optional from the month
/// on; returns seconds since the epoch as `mktime` in UTC computes them, or
/// `None` where iptables refuses the text or `mktime` gives a date before
/// 1970.
fn parse_date(text: &str, wrapped: &mut bool) -> Result<u64, &'static str> {
    const INVALID: &str = "invalid";
    let bytes = text.as_bytes();
    // Each field: its maximum and the separator that may follow it.
    let fields: [(u64, u8); 6] = [
        (0, b'-'),
        (12, b'-'),
        (31, b'T'),
        (23, b':'),
        (59, b':'),
        (59, 0),
    ];
    let mut values = [1970u64, 1, 1, 0, 0, 0];
    let mut rest = bytes;
    for (index, (max, separator)) in fields.iter().enumerate() {
        let (value, after) = number(rest, wrapped);
        let ends = after.is_empty();
        if !ends && (*separator == 0 || after[0] != *separator) {
            return Err(INVALID);
        }
        if index == 0 {
            if !(1970..=2038).contains(&value) {
                return Err(INVALID);
            }
        } else if value > *max {
            return Err(INVALID);
        }
        values[index] = value;
        if ends {
            break;
        }
        rest = &after[1..];
    }
    let [year, month, day, hour, minute, second] =
        values.map(|value| i64::try_from(value).unwrap_or(i64::MAX));
    // mktime normalises: month 0 is December of the year before, day 0 the
    // last day of the month before.
    let months = year * 12 + month - 1;
    let days = days_from_civil(months.div_euclid(12), months.rem_euclid(12) + 1) + day - 1;
    let seconds = days * 86400 + hour * 3600 + minute * 60 + second;
    u64::try_from(seconds).map_err(|_| "before 1970")
}

/// `time_parse_minutes`: `hh:mm[:ss]`, the hour before a mandatory colon.
fn parse_daytime(text: &str, wrapped: &mut bool) -> Option<u64> {
    let (hour, rest) = number(text.as_bytes(), wrapped);
    let rest = rest.strip_prefix(b":")?;
    if hour > 23 {
        return None;
    }
    let (minute, rest) = number(rest, wrapped);
    if minute > 59 {
        return None;
    }
    if rest.is_empty() {
        return Some(hour * 3600 + minute * 60);
    }
    let rest = rest.strip_prefix(b":")?;
    let (second, rest) = number(rest, wrapped);
    (rest.is_empty() && second <= 59).then_some(hour * 3600 + minute * 60 + second)
}

/// `my_strseg`: the comma-separated parts of `text`, each cut to `keep`
/// bytes; iteration stops at an empty remainder (a trailing comma).
fn segments(text: &[u8], keep: usize) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = Some(text);
    while let Some(current) = rest.filter(|current| !current.is_empty()) {
        let (part, next) = match current.iter().position(|&b| b == b',') {
            Some(comma) => (&current[..comma], Some(&current[comma + 1..])),
            None => (current, None),
        };
        parts.push(&part[..part.len().min(keep)]);
        rest = next;
    }
    parts
}

fn parse_monthdays(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut days = 0u32;
    if text.split(',').any(|part| part.len() > 2) {
        call.warn(format!(
            "iptables reads only the first two characters of each day in `--monthdays {text}`"
        ));
    }
    for part in segments(text.as_bytes(), 2) {
        let (value, used) = values::strtoul(part, 0);
        let day = value & u64::from(u32::MAX);
        if used != part.len() || day > 31 {
            return Err(call
                .error(format!(
                    "`{}` is not a day of the month",
                    String::from_utf8_lossy(part)
                ))
                .help("`--monthdays` takes days from 1 to 31 separated by commas, as `1,15`"));
        }
        days |= 1 << day;
    }
    Ok(Value::List(
        (1..=31)
            .filter(|day| days & (1 << day) != 0)
            .map(|day| day.to_string())
            .collect(),
    ))
}

fn parse_weekdays(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let mut days = 0u32;
    if text
        .split(',')
        .any(|part| part.len() > 3 && part.starts_with(|c: char| c.is_ascii_digit()))
    {
        call.warn(format!(
            "iptables reads only the first three characters of each day in `--weekdays {text}`"
        ));
    }
    for part in segments(text.as_bytes(), 3) {
        let (value, used) = values::strtoul(part, 0);
        if used == part.len() {
            let day = value & u64::from(u32::MAX);
            if day == 0 {
                return Err(call
                    .error("week day 0 does not exist: the week begins with Monday, 1")
                    .help("`--weekdays` takes Mon to Sun, or 1 to 7"));
            }
            if day > 7 {
                call.warn(format!(
                    "iptables silently drops week day {day}: days go from 1 (Monday) to 7"
                ));
            }
            // `1 << day` in C's 32-bit arithmetic on x86.
            days |= 1 << (day & 31);
            continue;
        }
        let found: Vec<usize> = WEEK_DAYS
            .iter()
            .enumerate()
            .filter(|(_, name)| part.len() >= 2 && part[..2] == name.as_bytes()[..2])
            .map(|(index, _)| index + 1)
            .collect();
        if found.is_empty() {
            return Err(call
                .error(format!("`{}` is not a day of the week", String::from_utf8_lossy(part)))
                .help("`--weekdays` takes Mon, Tue, Wed, Thu, Fri, Sat and Sun (or 1 to 7) separated by commas"));
        }
        for day in found {
            days |= 1 << day;
        }
    }
    Ok(Value::List(
        WEEK_DAYS
            .iter()
            .enumerate()
            .filter(|(index, _)| days & (1 << (index + 1)) != 0)
            .map(|(_, name)| (*name).to_string())
            .collect(),
    ))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    match call.spec.id {
        O_DATE_START | O_DATE_STOP | O_TIME_START | O_TIME_STOP => {
            let mut wrapped = false;
            let value = if matches!(call.spec.id, O_DATE_START | O_DATE_STOP) {
                parse_date(text, &mut wrapped).map_err(|why| {
                    call.error(if why == "before 1970" {
                        format!("date `{text}` is before 1970: iptables refuses it")
                    } else {
                        format!("invalid date `{text}`")
                    })
                    .help("write `YYYY[-MM[-DD[Thh[:mm[:ss]]]]]` with a year from 1970 to 2038, as `2024-01-31T18:00`")
                })?
            } else {
                parse_daytime(text, &mut wrapped).ok_or_else(|| {
                    call.error(format!("invalid time `{text}`"))
                        .help("write `hh:mm[:ss]` between 00:00:00 and 23:59:59")
                })?
            };
            if wrapped {
                call.warn(format!(
                    "a number in `{text}` does not fit in 32 bits: iptables keeps the remainder and reads something else"
                ));
            }
            Ok(Value::UInt(value))
        }
        O_MONTHDAYS => parse_monthdays(call),
        O_WEEKDAYS => parse_weekdays(call),
        O_LOCAL_TZ => {
            call.warnings.push(crate::parser::extensions::ExtWarning::new("`--localtz` is the old name of `--kerneltz`: the kernel's time zone has caveats", call.span).help("write `--kerneltz`, or leave both out to match in UTC"));
            Ok(Value::Flag)
        }
        _ => call.generic(),
    }
}

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if !call.has(O_CONTIGUOUS) {
        return Ok(());
    }
    let daytime = |name: &str| call.option(name).and_then(|option| option.value.as_uint());
    let start = daytime("timestart").unwrap_or(0);
    let stop = daytime("timestop").unwrap_or(MAX_DAYTIME);
    if start < stop {
        return Err(call
            .error("`--contiguous` only makes sense when `--timestop` is before `--timestart`")
            .help("it joins the evening of one day to the morning of the next, as `--timestart 22:00 --timestop 06:00 --contiguous`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    fn days(names: &[&str]) -> Value {
        Value::List(names.iter().map(|name| (*name).to_string()).collect())
    }

    #[test]
    fn dates_times_and_days() {
        let rule = accepts(
            "-m time --timestart 01:02:03 --timestop 04:05:06 --monthdays 1,2,3,4,5 --weekdays Mon,Fri,Sun --datestart 2001-02-03T04:05:06 --datestop 2012-09-08T09:06:05 --kerneltz",
        );
        let time = match_named(&rule, "time");
        assert_eq!(time.option("timestart").unwrap().value, Value::UInt(3723));
        assert_eq!(
            time.option("timestop").unwrap().value,
            Value::UInt(4 * 3600 + 5 * 60 + 6)
        );
        assert_eq!(
            time.option("monthdays").unwrap().value,
            days(&["1", "2", "3", "4", "5"])
        );
        assert_eq!(
            time.option("weekdays").unwrap().value,
            days(&["Mon", "Fri", "Sun"])
        );
        assert_eq!(
            time.option("datestart").unwrap().value,
            Value::UInt(981_173_106)
        );
        assert_eq!(
            time.option("datestop").unwrap().value,
            Value::UInt(1_347_095_165)
        );
        assert!(time.has_option("kerneltz"));
        let rule = accepts6("-m time --datestart 1970 --datestop 2038-12-31T23:59:59");
        let time = match_named(&rule, "time");
        assert_eq!(time.option("datestart").unwrap().value, Value::UInt(0));
        assert_eq!(
            time.option("datestop").unwrap().value,
            Value::UInt(2_177_452_799)
        );
        accepts("-m time --timestart 22:00 --timestop 06:00 --contiguous --utc");
        accepts("-m time");
    }

    #[test]
    fn c_number_quirks() {
        // mktime normalises the date; strtoul takes blanks and signs.
        let rule = accepts("-m time --datestart 2001-02-31 --datestop \" 2001-+2-3T-0\"");
        let time = match_named(&rule, "time");
        assert_eq!(
            time.option("datestart").unwrap().value,
            Value::UInt(983_577_600)
        );
        assert_eq!(
            time.option("datestop").unwrap().value,
            Value::UInt(981_158_400)
        );
        let rule = accepts(
            "-m time --timestart :30 --timestop 12: --monthdays 123,0,,07 --weekdays 9,32,Mox,Th",
        );
        let time = match_named(&rule, "time");
        assert_eq!(time.option("timestart").unwrap().value, Value::UInt(1800));
        assert_eq!(
            time.option("timestop").unwrap().value,
            Value::UInt(12 * 3600)
        );
        assert_eq!(time.option("monthdays").unwrap().value, days(&["7", "12"]));
        assert_eq!(
            time.option("weekdays").unwrap().value,
            days(&["Mon", "Thu"])
        );
        // 2^32 wraps to hour 0.
        let rule = accepts("-m time --timestart 4294967296:00");
        assert_eq!(
            match_named(&rule, "time")
                .option("timestart")
                .unwrap()
                .value,
            Value::UInt(0)
        );
        accepts("-m time --monthdays \"\"");
        assert!(
            warnings(Family::V4, "-m time --weekdays 9")
                .iter()
                .any(|w| w.message.contains("drops week day 9"))
        );
        assert!(
            warnings(Family::V4, "-m time --localtz")
                .iter()
                .any(|w| w.message.contains("old name"))
        );
    }

    #[test]
    fn negated_days() {
        let rule = accepts("-m time ! --weekdays Sat,Sun ! --monthdays 31");
        let time = match_named(&rule, "time");
        assert!(time.option("weekdays").unwrap().negated);
        assert_eq!(
            time.option("weekdays").unwrap().value,
            days(&["Sat", "Sun"])
        );
        assert!(time.option("monthdays").unwrap().negated);
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m time --contiguous", "only makes sense");
        refuses(
            "-m time --timestart 09:00 --timestop 10:00 --contiguous",
            "only makes sense",
        );
        refuses("-m time --timestart 24:00", "invalid time");
        refuses("-m time --timestart 12", "invalid time");
        refuses("-m time --timestart 12:60", "invalid time");
        refuses("-m time --timestart 12:00:00x", "invalid time");
        refuses("-m time --datestart 2039", "invalid date");
        refuses("-m time --datestart 1969-12-31", "invalid date");
        refuses("-m time --datestart 2001-13", "invalid date");
        refuses(
            "-m time --datestart 2001-01-01 12:00",
            "unexpected argument",
        );
        refuses("-m time --datestart 2001-01-01t12", "invalid date");
        refuses("-m time --datestart 1970-00", "before 1970");
        refuses("-m time --monthdays 08", "not a day of the month");
        refuses("-m time --monthdays 32", "not a day of the month");
        refuses("-m time --weekdays Mon,,Tue", "week begins with Monday");
        refuses("-m time --weekdays M", "not a day of the week");
        refuses("-m time --weekdays mon", "not a day of the week");
        refuses("-m time --utc --kerneltz", "cannot be used together");
        refuses("-m time --localtz --utc", "cannot be used together");
        refuses("-m time ! --timestart 10:00", "cannot be negated");
        refuses(
            "-m time --timestart 10:00 --timestart 11:00",
            "can only be given once",
        );
    }
}
