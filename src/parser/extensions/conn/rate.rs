//! Packet rates as `limit` and `hashlimit` read them: `N[/unit]`, the unit
//! any prefix of `second`, `minute`, `hour` or `day` in any case.

use crate::model::RateUnit;
use crate::parser::extensions::OptCall;

/// The rate units, their names and their seconds, in the order iptables
/// tries them.
const UNITS: [(&str, RateUnit, u64); 4] = [
    ("second", RateUnit::Second, 1),
    ("minute", RateUnit::Minute, 60),
    ("hour", RateUnit::Hour, 3600),
    ("day", RateUnit::Day, 86400),
];

/// The unit of a rate (`/second`, `/minute`, `/hour`, `/day`): any prefix
/// of these words, in any case, as `strncasecmp(unit, word, strlen(unit))`
/// finds it, tried in that order.
#[must_use]
pub fn rate_unit(unit: &str) -> Option<(RateUnit, u64)> {
    if unit.is_empty() {
        return None;
    }
    UNITS
        .into_iter()
        .find(|(word, _, _)| {
            word.len() >= unit.len()
                && word.as_bytes()[..unit.len()].eq_ignore_ascii_case(unit.as_bytes())
        })
        .map(|(_, unit, seconds)| (unit, seconds))
}

/// `N[/unit]`: the text before the unit and the unit (seconds when none is
/// given); `None` when the unit is unknown.
#[must_use]
pub fn split_rate(text: &str) -> Option<(&str, RateUnit)> {
    match text.split_once('/') {
        Some((number, unit)) => rate_unit(unit).map(|(unit, _)| (number, unit)),
        None => Some((text, RateUnit::Second)),
    }
}

/// The seconds of a rate unit.
#[must_use]
pub fn unit_seconds(unit: RateUnit) -> u64 {
    UNITS
        .into_iter()
        .find(|(_, known, _)| *known == unit)
        .map_or(1, |(_, _, seconds)| seconds)
}

/// The name of a rate unit, as iptables-save prints it.
#[must_use]
pub fn unit_name(unit: RateUnit) -> &'static str {
    UNITS
        .into_iter()
        .find(|(_, known, _)| *known == unit)
        .map_or("second", |(name, _, _)| name)
}

/// Warns when `number` (the text before the unit) is not what C's `atoi`
/// and friends make of it.
pub fn warn_loose_number(call: &mut OptCall<'_, '_>, number: &str, value: u64) {
    let clean = number.trim_start_matches('0');
    let clean = if clean.is_empty() && !number.is_empty() {
        "0"
    } else {
        clean
    };
    if clean != value.to_string() {
        call.warn(format!("iptables reads `{number}` as {value}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_units_are_prefixes() {
        assert_eq!(rate_unit("s"), Some((RateUnit::Second, 1)));
        assert_eq!(rate_unit("MIN"), Some((RateUnit::Minute, 60)));
        assert_eq!(rate_unit("h"), Some((RateUnit::Hour, 3600)));
        assert_eq!(rate_unit("day"), Some((RateUnit::Day, 86400)));
        assert_eq!(rate_unit("seconds"), None);
        assert_eq!(rate_unit(""), None);
        assert_eq!(split_rate("5abc/m"), Some(("5abc", RateUnit::Minute)));
        assert_eq!(split_rate("10"), Some(("10", RateUnit::Second)));
        assert_eq!(split_rate("1/x"), None);
        assert_eq!(unit_seconds(RateUnit::Hour), 3600);
        assert_eq!(unit_name(RateUnit::Day), "day");
    }
}
