//! `-m string` (libxt_string.c, revision 1): matches a byte pattern in the
//! packet, searched with a kernel text-search algorithm (`--algo bm`, `kmp`
//! or `fsm`; mandatory) between the offsets `--from` and `--to` (16-bit,
//! default 0 and 65535). The pattern is `--string TEXT` or `--hex-string`,
//! where `|41 42|` blocks give bytes in hexadecimal and `\` quotes the next
//! character; at most 128 bytes; exactly one of the two. `--icase` ignores
//! case.
//!
//! The kernel refuses an unknown algorithm, `--from` above `--to`, and an
//! empty pattern.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};

const O_FROM: u8 = 0;
const O_TO: u8 = 1;
const O_ALGO: u8 = 2;
const O_ICASE: u8 = 3;
const O_STRING: u8 = 4;
const O_HEX_STRING: u8 = 5;

/// `XT_STRING_MAX_PATTERN_SIZE`.
pub const MAX_PATTERN: usize = 128;
/// The longest algorithm name the kernel structure holds.
const MAX_ALGO: usize = 15;
/// The text-search algorithms of the kernel (`ts_bm`, `ts_kmp`, `ts_fsm`).
pub const ALGORITHMS: [&str; 3] = ["bm", "kmp", "fsm"];

static OPTIONS: [OptSpec; 6] = [
    OptSpec::new("from", O_FROM, ArgType::UInt16),
    OptSpec::new("to", O_TO, ArgType::UInt16),
    OptSpec::new("algo", O_ALGO, ArgType::String).mandatory(),
    OptSpec::new("string", O_STRING, ArgType::String)
        .invert()
        .excl(bit(O_HEX_STRING)),
    OptSpec::new("hex-string", O_HEX_STRING, ArgType::String)
        .invert()
        .excl(bit(O_STRING)),
    OptSpec::new("icase", O_ICASE, ArgType::None),
];

pub static STRING: ExtensionDef = ExtensionDef {
    name: "string",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// `parse_hex_string`: the bytes of a `--hex-string` argument.
pub fn decode_hex_string(text: &str) -> Result<Vec<u8>, String> {
    let s = text.as_bytes();
    let at = |index: usize| s.get(index).copied();
    if s.is_empty() {
        return Err("the pattern needs at least one character".into());
    }
    let mut pattern = Vec::new();
    let mut i = 0;
    let mut hex = false;
    let mut literal = false;
    while i < s.len() {
        if pattern.len() >= MAX_PATTERN {
            return Err(format!("the pattern is longer than {MAX_PATTERN} bytes"));
        }
        match s[i] {
            b'\\' if !hex => literal = true,
            b'\\' => return Err("`\\` cannot quote a character inside a `|...|` hex block".into()),
            b'|' => {
                if hex {
                    hex = false;
                } else {
                    hex = true;
                    while at(i + 1) == Some(b' ') {
                        i += 1;
                    }
                }
                if i + 1 >= s.len() {
                    break;
                }
                i += 1;
            }
            _ => {}
        }
        if literal {
            let Some(quoted) = at(i + 1) else {
                return Err("`\\` at the end quotes nothing".into());
            };
            pattern.push(quoted);
            i += 2;
            literal = false;
        } else if hex {
            if i + 1 >= s.len() {
                return Err("a hex block has an odd number of digits".into());
            }
            if i + 2 >= s.len() {
                return Err("a hex block is not closed with `|`".into());
            }
            let digit = |index: usize| {
                let byte = s[index];
                (byte as char).to_digit(16).ok_or_else(|| {
                    format!(
                        "`{}` is not a hex digit",
                        String::from_utf8_lossy(&s[index..=index])
                    )
                })
            };
            let high = digit(i)?;
            let low = digit(i + 1)?;
            pattern.push(u8::try_from(high * 16 + low).unwrap_or(u8::MAX));
            i += if at(i + 2) == Some(b' ') { 3 } else { 2 };
        } else {
            pattern.push(s[i]);
            i += 1;
        }
    }
    Ok(pattern)
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    match call.spec.id {
        O_ALGO => {
            let kept = call.kept_text(MAX_ALGO, "algorithm name");
            Ok(Value::Symbol(kept.into()))
        }
        O_STRING => {
            if text.len() > MAX_PATTERN {
                return Err(call
                    .error(format!(
                        "the pattern is {} bytes long: at most {MAX_PATTERN}",
                        text.len()
                    ))
                    .help("match a shorter part of it"));
            }
            Ok(Value::Text(text.into()))
        }
        O_HEX_STRING => {
            decode_hex_string(text).map_err(|message| {
                call.error(format!("invalid `--hex-string`: {message}"))
                    .help("write bytes in hex between bars, as `|0d 0a|`, and other characters as they are")
            })?;
            Ok(Value::Text(text.into()))
        }
        _ => call.generic(),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(
        bit(O_STRING) | bit(O_HEX_STRING),
        "-m string --algo bm --string \"GET /\"",
    )?;
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let options = &call.extension.options;
    let number = |name: &str, default: u64| {
        call.extension
            .option(name)
            .and_then(|option| option.value.as_uint())
            .unwrap_or(default)
    };
    let (from, to) = (number("from", 0), number("to", u64::from(u16::MAX)));
    if from > to {
        return Err(call
            .error(format!(
                "`--from {from}` is after `--to {to}`: the kernel refuses this rule"
            ))
            .help("the search window starts at `--from` and ends at `--to`"));
    }
    if let Some(algo) = call.extension.option("algo") {
        let name = algo.value.as_text().unwrap_or("");
        if !ALGORITHMS.contains(&name) {
            return Err(ExtError::new(format!(
                "the kernel has no text-search algorithm `{name}`: it refuses this rule"
            ))
            .at(algo.span)
            .help("use `--algo bm` or `--algo kmp` (lower case)"));
        }
    }
    for option in options {
        let Some(text) = option.value.as_text() else {
            continue;
        };
        let length = match option.name.as_ref() {
            "string" => text.len(),
            "hex-string" => decode_hex_string(text).map_or(1, |pattern| pattern.len()),
            _ => continue,
        };
        if length == 0 {
            return Err(
                ExtError::new("the pattern is empty: the kernel refuses this rule").at(option.span),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::decode_hex_string;
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    #[test]
    fn hex_strings_as_iptables_reads_them() {
        assert_eq!(decode_hex_string("|0a0a0a0a|").unwrap(), vec![10; 4]);
        assert_eq!(
            decode_hex_string("a|41 42|b\\|").unwrap(),
            b"aABb|".to_vec()
        );
        assert_eq!(decode_hex_string("| 41|").unwrap(), b"A".to_vec());
        assert_eq!(decode_hex_string("|41 |").unwrap(), b"A".to_vec());
        assert_eq!(decode_hex_string("|41||42|").unwrap(), b"A|42".to_vec());
        assert_eq!(decode_hex_string("ab|").unwrap(), b"ab".to_vec());
        assert_eq!(decode_hex_string("|").unwrap(), Vec::<u8>::new());
        for bad in ["", "|4|", "|41", "\\", "|41\\|", "|4g|"] {
            assert!(decode_hex_string(bad).is_err(), "{bad:?} should be refused");
        }
        assert!(decode_hex_string(&"x".repeat(129)).is_err());
        assert_eq!(decode_hex_string(&"x".repeat(128)).unwrap().len(), 128);
    }

    #[test]
    fn patterns_and_search_window() {
        let rule = accepts("-m string --algo bm --from 0 --to 65535 --string test");
        let string = match_named(&rule, "string");
        assert_eq!(
            string.option("algo").unwrap().value,
            Value::Symbol("bm".into())
        );
        assert_eq!(
            string.option("string").unwrap().value,
            Value::Text("test".into())
        );
        assert_eq!(string.option("to").unwrap().value, Value::UInt(65535));
        let rule = accepts6("-m string ! --string test --algo kmp --icase");
        assert!(
            match_named(&rule, "string")
                .option("string")
                .unwrap()
                .negated
        );
        accepts("-m string --hex-string \"|0a0a0a0a|\" --algo bm");
        accepts(&format!("-m string --string {} --algo bm", "x".repeat(128)));
        accepts("-m string --string x --algo kmp --from 5 --to 5");
    }

    #[test]
    fn long_algorithm_names_are_cut() {
        let found = warnings(
            Family::V4,
            "-m string --string x --algo bmxxxxxxxxxxxxxxxxxx",
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("keeps only the first 15")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            &format!("-m string --string {} --algo bm", "x".repeat(129)),
            "at most 128",
        );
        refuses("-m string --algo bm", "needs `--string` or `--hex-string`");
        refuses("-m string --string x", "`string` needs `--algo`");
        refuses(
            "-m string --string x --hex-string x --algo bm",
            "cannot be used together",
        );
        refuses(
            "-m string --string x --algo bm ! --icase",
            "cannot be negated",
        );
        refuses(
            "-m string --hex-string \"|4g|\" --algo bm",
            "not a hex digit",
        );
        refuses(
            "-m string --string x --algo bm --to 70000",
            "needs a number from 0 to 65535",
        );
    }

    #[test]
    fn kernel_refusals() {
        refuses(
            "-m string --algo wrong --string x",
            "no text-search algorithm `wrong`",
        );
        refuses(
            "-m string --algo BM --string x",
            "no text-search algorithm `BM`",
        );
        refuses(
            "-m string --string x --algo bm --from 10 --to 5",
            "is after `--to 5`",
        );
        refuses("-m string --string \"\" --algo bm", "pattern is empty");
        refuses("-m string --hex-string \"|\" --algo bm", "pattern is empty");
    }
}
