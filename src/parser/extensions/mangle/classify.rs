//! `-j CLASSIFY --set-class MAJOR:MINOR` (libxt_CLASSIFY.c): sets the
//! packet's priority (`skb->priority`), which selects a traffic-control
//! class. Both numbers are hexadecimal, read as C's `sscanf("%x:%x")`: an
//! optional `0x`, a sign, and anything after the minor number is ignored;
//! each keeps only its low 16 bits. The value is the 32-bit priority,
//! `MAJOR << 16 | MINOR`.
//!
//! The kernel accepts CLASSIFY in every table, but only in chains reached
//! from FORWARD, OUTPUT and POSTROUTING.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};
use crate::parser::values;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("set-class", 0, ArgType::String).mandatory()];

pub static CLASSIFY: ExtensionDef = ExtensionDef {
    name: "CLASSIFY",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        hooks: Hook::Forward.bit() | Hook::Output.bit() | Hook::Postrouting.bit(),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// One `%x` conversion of glibc's `sscanf`: leading white space, a sign, an
/// optional `0x` and hex digits, converted as `strtoul` does (saturating,
/// negated for `-`) and cut to 32 bits. Returns the value, whether it was
/// cut, and the rest of the text; `None` when nothing was converted.
pub(crate) fn scan_hex(text: &str) -> Option<(u32, bool, &str)> {
    let rest = text.trim_start_matches(|c: char| u8::try_from(c).is_ok_and(values::is_c_space));
    let (negative, rest) = match rest.as_bytes().first() {
        Some(b'-') => (true, &rest[1..]),
        Some(b'+') => (false, &rest[1..]),
        _ => (false, rest),
    };
    let (prefixed, rest) = match rest.get(..2) {
        Some("0x" | "0X") => (true, &rest[2..]),
        _ => (false, rest),
    };
    let digits = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
    if digits == 0 && !prefixed {
        return None;
    }
    let mut wide: u64 = 0;
    let mut saturated = false;
    for digit in rest[..digits].chars() {
        let value = u64::from(digit.to_digit(16).unwrap_or(0));
        match wide.checked_mul(16).and_then(|w| w.checked_add(value)) {
            Some(next) => wide = next,
            None => {
                saturated = true;
                break;
            }
        }
    }
    let wide = if saturated {
        u64::MAX
    } else if negative {
        wide.wrapping_neg()
    } else {
        wide
    };
    let cut = saturated || negative && wide != 0 || wide > u64::from(u32::MAX);
    Some(((wide & u64::from(u32::MAX)) as u32, cut, &rest[digits..]))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let bad = || {
        call.error(format!("bad class `{text}`"))
            .help("write `MAJOR:MINOR` in hexadecimal, as `1:10`")
    };
    let (major, major_cut, rest) = scan_hex(text).ok_or_else(bad)?;
    let rest = rest.strip_prefix(':').ok_or_else(bad)?;
    let (minor, minor_cut, trailing) = scan_hex(rest).ok_or_else(bad)?;
    if major_cut || major > 0xffff || minor_cut || minor > 0xffff {
        call.warn(format!(
            "class `{text}` is out of range: iptables keeps the low 16 bits of each number, so this is class {:x}:{:x}",
            major & 0xffff,
            minor & 0xffff
        ));
    }
    if !trailing.is_empty() {
        call.warn(format!(
            "iptables ignores `{trailing}` after the class `{}`",
            &text[..text.len() - trailing.len()]
        ));
    }
    Ok(Value::UInt(u64::from(
        (major & 0xffff) << 16 | (minor & 0xffff),
    )))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn class(text: &str) -> Value {
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "POSTROUTING",
            &format!("-j CLASSIFY --set-class {text}"),
        );
        target(&rule).option("set-class").unwrap().value.clone()
    }

    fn warned(text: &str) -> bool {
        let (_, diagnostics, _) = load(
            Family::V4,
            "mangle",
            "FORWARD",
            &format!("-j CLASSIFY --set-class {text}"),
        );
        diagnostics
            .iter()
            .any(|d| d.severity != crate::diagnostics::Severity::Error)
    }

    #[test]
    fn classes_are_hexadecimal_priorities() {
        assert_eq!(class("0000:ffff"), Value::UInt(0xffff));
        assert_eq!(class("1:2"), Value::UInt(0x1_0002));
        assert_eq!(class("0x1:0x2"), Value::UInt(0x1_0002));
        assert_eq!(class("abc:def"), Value::UInt(0x0abc_0def));
        assert_eq!(class("+1:+2"), Value::UInt(0x1_0002));
        assert_eq!(class("0x:1"), Value::UInt(1));
        assert_eq!(class("1:2xyz"), Value::UInt(0x1_0002));
        assert_eq!(class("1:-1"), Value::UInt(0x1_ffff));
        assert_eq!(class("fffff:1"), Value::UInt(0xffff_0001));
        assert_eq!(class("ffffffffffffffffffff:1"), Value::UInt(0xffff_0001));
        assert!(!warned("1:2"));
        assert!(warned("1:-1"));
        assert!(warned("10000:1"));
        assert!(warned("1:2:3"));
        accepts_in(
            Family::V6,
            "filter",
            "OUTPUT",
            "-j CLASSIFY --set-class 1:2",
        );
        accepts_in(Family::V4, "nat", "OUTPUT", "-j CLASSIFY --set-class 1:2");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        let refuses = |rule: &str, expected: &str| {
            refuses_in(Family::V4, "mangle", "FORWARD", rule, expected)
        };
        refuses("-j CLASSIFY", "needs `--set-class`");
        refuses("-j CLASSIFY --set-class 1", "bad class");
        refuses("-j CLASSIFY --set-class :1", "bad class");
        refuses("-j CLASSIFY --set-class 1:", "bad class");
        refuses("-j CLASSIFY --set-class g:1", "bad class");
        refuses("-j CLASSIFY --set-class 0xg:1", "bad class");
        refuses(
            "-j CLASSIFY --set-class 1:2 --set-class 1:3",
            "only be given once",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "INPUT",
            "-j CLASSIFY --set-class 1:2",
            "FORWARD, OUTPUT, POSTROUTING",
        );
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j CLASSIFY --set-class 1:2",
            "FORWARD, OUTPUT, POSTROUTING",
        );
    }
}
