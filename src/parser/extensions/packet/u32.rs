//! `-m u32 --u32 TESTS` (libxt_u32.c): matches 32-bit words read from the
//! packet. The argument is `test[&&test...]`, each test
//! `location=value[,value...]`, a location a number followed by operations
//! (`&` mask, `<<` and `>>` shifts, `@` move to an offset), a value a number
//! or `min:max`. Numbers are 32-bit C numbers; blanks are allowed between
//! the parts. At most 10 tests, 10 numbers per location and 10 values per
//! test. The kernel has no restriction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};
use crate::parser::values;

/// `XT_U32_MAXSIZE`: tests, location numbers and values per test.
const MAX_PARTS: usize = 10;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("u32", 0, ArgType::String).mandatory().invert()];

pub static U32: ExtensionDef = ExtensionDef {
    name: "u32",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// Why a `--u32` argument is invalid, and at which byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct U32Error {
    pub at: usize,
    pub message: String,
}

fn fail<T>(at: usize, message: impl Into<String>) -> Result<T, U32Error> {
    Err(U32Error {
        at,
        message: message.into(),
    })
}

/// A number at `at`: `xtables_strtoui` (leading blanks, `+`, C bases).
fn number(text: &str, at: usize) -> Result<(u32, usize), U32Error> {
    match text
        .get(at..)
        .and_then(|rest| values::parse_uint_prefix(rest, 0, u64::from(u32::MAX)))
    {
        Some((value, rest)) => Ok((
            u32::try_from(value).unwrap_or(u32::MAX),
            text.len() - rest.len(),
        )),
        None => fail(at, "not a number, or above 0xffffffff"),
    }
}

/// Checks a `--u32` argument as `u32_parse` does; returns the number of
/// tests.
pub fn check(text: &str) -> Result<usize, U32Error> {
    let bytes = text.as_bytes();
    let mut at = 0;
    let mut tests = 0;
    let mut locations = 0;
    let mut values = 0;
    let mut reading_values = false;
    loop {
        while bytes.get(at).copied().is_some_and(values::is_c_space) {
            at += 1;
        }
        let Some(&byte) = bytes.get(at) else {
            if !reading_values {
                return fail(at, "the test ends after its location: `=value` is missing");
            }
            if values == 0 {
                return fail(at, "the test ends without a value");
            }
            tests += 1;
            if tests > MAX_PARTS {
                return fail(at, format!("too many tests (`&&`): at most {MAX_PARTS}"));
            }
            return Ok(tests);
        };
        if !reading_values {
            if byte == b'=' {
                if locations == 0 {
                    return fail(at, "the location is missing before `=`");
                }
                at += 1;
                reading_values = true;
                continue;
            }
            if locations != 0 {
                match byte {
                    b'&' | b'@' => {}
                    b'<' | b'>' => {
                        at += 1;
                        if bytes.get(at) != Some(&byte) {
                            return fail(at, format!("a second `{}` was expected", byte as char));
                        }
                    }
                    _ => return fail(at, "an operator (`&`, `<<`, `>>`, `@`) or `=` was expected"),
                }
                at += 1;
            }
            at = number(text, at)?.1;
            locations += 1;
            if locations > MAX_PARTS {
                return fail(
                    at,
                    format!("too many operators: a location has at most {MAX_PARTS} numbers"),
                );
            }
        } else if byte == b'&' {
            at += 1;
            if bytes.get(at) != Some(&b'&') {
                return fail(at, "a second `&` was expected");
            }
            if values == 0 {
                return fail(at, "the value is missing before `&&`");
            }
            tests += 1;
            if tests > MAX_PARTS {
                return fail(at, format!("too many tests (`&&`): at most {MAX_PARTS}"));
            }
            at += 1;
            reading_values = false;
            locations = 0;
            values = 0;
        } else {
            if values > 0 {
                if byte != b',' {
                    return fail(at, "`,` or `&&` was expected");
                }
                at += 1;
            }
            at = number(text, at)?.1;
            while bytes.get(at).copied().is_some_and(values::is_c_space) {
                at += 1;
            }
            if bytes.get(at) == Some(&b':') {
                at += 1;
                at = number(text, at)?.1;
            }
            values += 1;
            if values > MAX_PARTS {
                return fail(
                    at,
                    format!("too many values (`,`): a test has at most {MAX_PARTS}"),
                );
            }
        }
    }
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    check(text).map_err(|error| {
        // The byte where parsing stopped, widened to the whole character
        // around it: a span never splits a character.
        let mut start = error.at.min(text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        let end = text[start..]
            .chars()
            .next()
            .map_or(start, |c| start + c.len_utf8());
        let span = call.arg.map_or(call.span, |arg| arg.sub_span(start..end));
        ExtError::new(format!(
            "invalid `--u32` at byte {}: {}",
            error.at, error.message
        ))
        .at(span)
        .help(
            "write `location=value`, for example `0>>22&0x3C@12>>16=1:1024`; join tests with `&&`",
        )
    })?;
    Ok(Value::Text(text.into()))
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::model::Family;
    use crate::model::Value;
    use crate::parser::extensions::testing::error_text;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn grammar() {
        assert_eq!(check("0x0=0x0&&0x0=0x1"), Ok(2));
        assert_eq!(check(" 0x0 & 0xff << 2 >> 1 @ 4 = 1:2 , 5"), Ok(1));
        assert_eq!(check("0=1 : 2"), Ok(1));
        assert_eq!(check("0&1&2&3&4&5&6&7&8&9=1"), Ok(1));
        assert!(check("0&1&2&3&4&5&6&7&8&9&10=1").is_err());
        assert_eq!(check("0=1,2,3,4,5,6,7,8,9,10"), Ok(1));
        assert!(check("0=1,2,3,4,5,6,7,8,9,10,11").is_err());
        assert_eq!(check(&["0=0"; 10].join("&&")), Ok(10));
        assert!(check(&["0=0"; 11].join("&&")).is_err());
        assert_eq!(check("=1").unwrap_err().at, 0);
        assert_eq!(check("0=1,").unwrap_err().at, 4);
        assert_eq!(check("0<1=1").unwrap_err().at, 2);
        for bad in [
            "",
            "0",
            "0=",
            "0=1&&",
            "0=4294967296",
            "0=-1",
            "0=1:",
            "0=1&2",
            "0 1=2",
            "0=1 2",
        ] {
            assert!(check(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn errors_point_at_the_byte() {
        assert_eq!(error_text(Family::V4, "-m u32 --u32 0<1=1"), "1");
        assert_eq!(error_text(Family::V4, "-m u32 --u32 0=1,x"), "x");
    }

    #[test]
    fn values_keep_the_argument() {
        let rule = accepts("-m u32 --u32 \"0x0=0x0&&0x0=0x1\"");
        let option = match_named(&rule, "u32").option("u32").unwrap();
        assert_eq!(option.value, Value::Text("0x0=0x0&&0x0=0x1".into()));
        let rule = accepts6("-m u32 ! --u32 6&0xFF=17");
        assert!(match_named(&rule, "u32").option("u32").unwrap().negated);
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m u32 --u32 \"0=1&&\"", "invalid `--u32` at byte 5");
        refuses("-m u32 --u32 0=0x100000000", "not a number");
        refuses("-m u32", "`u32` needs `--u32`");
    }
}
