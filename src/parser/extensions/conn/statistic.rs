//! `-m statistic` (libxt_statistic.c): matches packets at random or every
//! n-th one. `--mode random|nth` is mandatory; random mode needs
//! `[!] --probability P` (a C floating-point number from 0 to 1), nth mode
//! needs both `[!] --every N` (from 1) and `--packet P` (the initial
//! counter, at most N-1); the options of one mode cannot be used with the
//! other's. The kernel accepts the match in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, OptCall, OptSpec, bit,
};

const O_MODE: u8 = 0;
const O_PROBABILITY: u8 = 1;
const O_EVERY: u8 = 2;
const O_PACKET: u8 = 3;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("mode", O_MODE, ArgType::String).mandatory(),
    OptSpec::new("probability", O_PROBABILITY, ArgType::Double)
        .invert()
        .range(0, 1)
        .excl(bit(O_EVERY) | bit(O_PACKET)),
    OptSpec::new("every", O_EVERY, ArgType::UInt32)
        .invert()
        .min(1)
        .excl(bit(O_PROBABILITY))
        .also(bit(O_PACKET)),
    OptSpec::new("packet", O_PACKET, ArgType::UInt32)
        .excl(bit(O_PROBABILITY))
        .also(bit(O_EVERY)),
];

pub static STATISTIC: ExtensionDef = ExtensionDef {
    name: "statistic",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(check),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_MODE => {
            let text = call.arg_text();
            ["random", "nth"]
                .into_iter()
                .find(|mode| *mode == text)
                .map(|mode| Value::Symbol(mode.into()))
                .ok_or_else(|| {
                    call.error(format!("unknown statistic mode `{text}`"))
                        .help("use `random` (with `--probability`) or `nth` (with `--every` and `--packet`)")
                })
        }
        _ => call.generic(),
    }
}

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let mode = call
        .option("mode")
        .and_then(|option| option.value.as_text())
        .unwrap_or("random");
    if mode == "random" && !call.has(O_PROBABILITY) {
        return Err(call
            .error("random mode of `-m statistic` needs `--probability`")
            .help("for example `--mode random --probability 0.5`"));
    }
    if mode == "nth" && !call.has(O_EVERY) && !call.has(O_PACKET) {
        return Err(call
            .error("nth mode of `-m statistic` needs `--every` and `--packet`")
            .help("for example `--mode nth --every 3 --packet 0`"));
    }
    let every = call
        .option("every")
        .and_then(|option| option.value.as_uint());
    let packet = call
        .option("packet")
        .and_then(|option| option.value.as_uint());
    if let (Some(every), Some(packet)) = (every, packet) {
        if packet >= every {
            let span = call
                .option("packet")
                .map_or(call.name_span, |option| option.span);
            return Err(ExtError::new(format!(
                "`--packet {packet}` must be below `--every {every}`: the counter goes from 0 to {}",
                every.saturating_sub(1)
            ))
            .at(span));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    #[test]
    fn random_mode() {
        let rule = accepts("-m statistic --mode random ! --probability 0.50000000000 -j DROP");
        let statistic = match_named(&rule, "statistic");
        assert_eq!(
            statistic.option("mode").unwrap().value,
            Value::Symbol("random".into())
        );
        let probability = statistic.option("probability").unwrap();
        assert!(probability.negated);
        assert_eq!(probability.value, Value::Double(0.5));
        // C's strtod: hexadecimal floats, leading blanks, NaN.
        let rule = accepts6("-m statistic --mode random --probability 0x0.8");
        assert_eq!(
            match_named(&rule, "statistic")
                .option("probability")
                .unwrap()
                .value,
            Value::Double(0.5)
        );
        accepts("-m statistic --mode random --probability \" .5\"");
        accepts("-m statistic --mode random --probability nan");
        accepts("-m statistic --mode random --probability 1");
        refuses(
            "-m statistic --mode random --probability 1.1",
            "from 0 to 1",
        );
        refuses(
            "-m statistic --mode random --probability inf",
            "from 0 to 1",
        );
        refuses(
            "-m statistic --mode random --probability 0.5x",
            "from 0 to 1",
        );
        refuses("-m statistic --mode random", "needs `--probability`");
        refuses(
            "-m statistic --mode random --every 3 --packet 1",
            "needs `--probability`",
        );
    }

    #[test]
    fn nth_mode() {
        let rule = accepts("-m statistic --mode nth ! --every 5 --packet 2");
        let statistic = match_named(&rule, "statistic");
        assert!(statistic.option("every").unwrap().negated);
        assert_eq!(statistic.option("every").unwrap().value, Value::UInt(5));
        assert_eq!(statistic.option("packet").unwrap().value, Value::UInt(2));
        accepts("-m statistic --mode nth --every 1 --packet 0");
        refuses(
            "-m statistic --mode nth ! --every 5",
            "also needs `--packet`",
        );
        refuses("-m statistic --mode nth --packet 1", "also needs `--every`");
        refuses(
            "-m statistic --mode nth ! --every 5 --packet 5",
            "must be below `--every 5`",
        );
        refuses("-m statistic --mode nth --every 0 --packet 0", "--every");
        refuses(
            "-m statistic --mode nth --probability 0.5",
            "needs `--every` and `--packet`",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m statistic", "needs `--probability`");
        refuses("-m statistic --probability 1", "needs `--mode`");
        refuses(
            "-m statistic --mode Random --probability 1",
            "unknown statistic mode",
        );
        refuses(
            "-m statistic ! --mode random --probability 0.5",
            "cannot be negated",
        );
        refuses(
            "-m statistic --mode random --probability 0.5 --packet 1",
            "cannot be used together",
        );
        refuses(
            "-m statistic --mode nth --every 2 ! --packet 1",
            "cannot be negated",
        );
    }
}
