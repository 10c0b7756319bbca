//! `-m iprange` (libxt_iprange.c, revision 1, both families): matches a
//! source or destination address within an inclusive range
//! (`--src-range first[-last]`, `--dst-range ...`; without `-last` the range
//! is one address). Addresses are numeric only: IPv4 in iptables' dotted
//! form (where `10.1` is `10.1.0.0`), IPv6 as `inet_pton` reads it. A
//! reversed range loads, with a warning from iptables, and never matches.
//! At least one of the options is needed; the kernel has no restriction.

use std::net::{IpAddr, Ipv6Addr};

use crate::model::{ExtensionKind, Family, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec};
use crate::parser::values;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("src-range", 0, ArgType::String).invert(),
    OptSpec::new("dst-range", 1, ArgType::String).invert(),
];

pub static IPRANGE: ExtensionDef = ExtensionDef {
    name: "iprange",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

fn address(text: &str, family: Family) -> Option<IpAddr> {
    match family {
        Family::V4 => values::parse_ipv4_numeric(text, false).map(IpAddr::V4),
        Family::V6 => text.parse::<Ipv6Addr>().ok().map(IpAddr::V6),
    }
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let family = call.rule.family;
    let (first_text, last_text) = text.split_once('-').unwrap_or((text, text));
    let read = |part: &str| {
        address(part, family).ok_or_else(|| {
            call.part_error(
                part,
                format!(
                    "`{part}` is not a numeric {} address in `--{}`",
                    values::family_name(family),
                    call.spec.name
                ),
            )
            .help("write `first-last` with two numeric addresses; host names are not allowed here")
        })
    };
    let first = read(first_text)?;
    let last = read(last_text)?;
    if first > last {
        let what = if call.invert {
            "matches every address"
        } else {
            "never matches"
        };
        call.warn(format!(
            "range `{first}-{last}` is reversed: iptables accepts it, but it {what}"
        ));
    }
    Ok(Value::AddrRange(Box::new((first, last))))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-m iprange --src-range 192.0.2.1-192.0.2.9")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, error_text, match_named, refuses, refuses6, warnings,
    };

    fn range(first: &str, last: &str) -> Value {
        Value::AddrRange(Box::new((
            first.parse::<IpAddr>().unwrap(),
            last.parse::<IpAddr>().unwrap(),
        )))
    }

    #[test]
    fn ranges_of_both_families() {
        let rule = accepts("-m iprange --src-range 1.1.1.1-1.1.1.10 ! --dst-range 10.1-10.2");
        let iprange = match_named(&rule, "iprange");
        assert_eq!(
            iprange.option("src-range").unwrap().value,
            range("1.1.1.1", "1.1.1.10")
        );
        let dst = iprange.option("dst-range").unwrap();
        assert!(dst.negated);
        assert_eq!(dst.value, range("10.1.0.0", "10.2.0.0"));
        let rule = accepts("-m iprange --dst-range 1.1.1.1");
        assert_eq!(
            match_named(&rule, "iprange")
                .option("dst-range")
                .unwrap()
                .value,
            range("1.1.1.1", "1.1.1.1")
        );
        let rule = accepts6("-m iprange ! --src-range 2001:db8::1-2001:db8::10");
        assert_eq!(
            match_named(&rule, "iprange")
                .option("src-range")
                .unwrap()
                .value,
            range("2001:db8::1", "2001:db8::10")
        );
    }

    #[test]
    fn errors_point_at_the_bad_address() {
        assert_eq!(
            error_text(Family::V4, "-m iprange --src-range 1.1.1.1-1.1.1.300"),
            "1.1.1.300"
        );
        assert_eq!(
            error_text(Family::V4, "-m iprange --src-range 1.1.1.x-1.1.1.3"),
            "1.1.1.x"
        );
    }

    #[test]
    fn reversed_ranges_load_with_a_warning() {
        accepts("-m iprange --src-range 10.0.0.9-10.0.0.1");
        let found = warnings(Family::V4, "-m iprange --src-range 10.0.0.9-10.0.0.1");
        assert!(
            found.iter().any(|w| w.message.contains("reversed")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m iprange", "needs `--src-range` or `--dst-range`");
        refuses(
            "-m iprange --src-range 1.1.1.1-",
            "not a numeric IPv4 address",
        );
        refuses(
            "-m iprange --src-range 1.1.1.256",
            "not a numeric IPv4 address",
        );
        refuses(
            "-m iprange --src-range example.com",
            "not a numeric IPv4 address",
        );
        refuses(
            "-m iprange --src-range 1.1.1.1/24",
            "not a numeric IPv4 address",
        );
        refuses(
            "-m iprange --src-range 2001:db8::1",
            "not a numeric IPv4 address",
        );
        refuses6(
            "-m iprange --src-range 1.1.1.1-1.1.1.2",
            "not a numeric IPv6 address",
        );
        refuses(
            "-m iprange --src-range 1.1.1.1 --src-range 1.1.1.2",
            "only be given once",
        );
    }
}
