//! `-m connbytes` (libxt_connbytes.c): matches how many packets or bytes a
//! connection has carried so far, or their average size.
//! `[!] --connbytes from[:to]`, `--connbytes-dir original|reply|both` and
//! `--connbytes-mode packets|bytes|avgpkt` are all mandatory. A lone
//! `from` means "from on", without upper bound. The kernel needs connection
//! tracking (and turns on its accounting); it accepts the match in every
//! table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, OptCall, OptSpec};

const O_CONNBYTES: u8 = 0;
const O_DIR: u8 = 1;
const O_MODE: u8 = 2;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("connbytes", O_CONNBYTES, ArgType::UInt64Range)
        .mandatory()
        .invert(),
    OptSpec::new("connbytes-dir", O_DIR, ArgType::String).mandatory(),
    OptSpec::new("connbytes-mode", O_MODE, ArgType::String).mandatory(),
];

pub static CONNBYTES: ExtensionDef = ExtensionDef {
    name: "connbytes",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_CONNBYTES => {
            let Value::Range(from, to) = call.generic()? else {
                return Err(call.error("`--connbytes` needs `from[:to]`"));
            };
            // Without a colon there is no upper bound.
            let to = if call.arg_text().contains(':') {
                to
            } else {
                u64::MAX
            };
            if from > to {
                return Err(call
                    .error(format!(
                        "`--connbytes {from}:{to}` is reversed: {from} should be less than {to}"
                    ))
                    .help(format!("write the lower bound first: `{to}:{from}`")));
            }
            Ok(Value::Range(from, to))
        }
        O_DIR => call.symbol(&["original", "reply", "both"], false),
        _ => call.symbol(&["packets", "bytes", "avgpkt"], false),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses};

    const TAIL: &str = "--connbytes-mode packets --connbytes-dir original";

    #[test]
    fn counts_directions_modes() {
        let rule = accepts(
            "-m connbytes ! --connbytes 10:1000 --connbytes-dir both --connbytes-mode avgpkt -j DROP",
        );
        let connbytes = match_named(&rule, "connbytes");
        let count = connbytes.option("connbytes").unwrap();
        assert!(count.negated);
        assert_eq!(count.value, Value::Range(10, 1000));
        assert_eq!(
            connbytes.option("connbytes-dir").unwrap().value,
            Value::Symbol("both".into())
        );
        assert_eq!(
            connbytes.option("connbytes-mode").unwrap().value,
            Value::Symbol("avgpkt".into())
        );
        let single = accepts6(&format!("-m connbytes --connbytes 1000 {TAIL}"));
        assert_eq!(
            match_named(&single, "connbytes")
                .option("connbytes")
                .unwrap()
                .value,
            Value::Range(1000, u64::MAX)
        );
        let open = accepts(&format!("-m connbytes --connbytes :1000 {TAIL}"));
        assert_eq!(
            match_named(&open, "connbytes")
                .option("connbytes")
                .unwrap()
                .value,
            Value::Range(0, 1000)
        );
        accepts(&format!("-m connbytes --connbytes : {TAIL}"));
        accepts(&format!("-m connbytes --connbytes 1000: {TAIL}"));
        accepts(&format!(
            "-m connbytes --connbytes 0:18446744073709551615 {TAIL}"
        ));
    }

    #[test]
    fn refuses_bad_counts_and_names() {
        refuses(
            &format!("-m connbytes --connbytes 1000:0 {TAIL}"),
            "is reversed",
        );
        refuses(
            &format!("-m connbytes --connbytes -1:0 {TAIL}"),
            "--connbytes",
        );
        refuses(
            &format!("-m connbytes --connbytes 0:-1 {TAIL}"),
            "--connbytes",
        );
        refuses(
            &format!("-m connbytes --connbytes 0:18446744073709551616 {TAIL}"),
            "--connbytes",
        );
        refuses(
            &format!("-m connbytes --connbytes 1:2:3 {TAIL}"),
            "too many parts",
        );
        refuses(
            "-m connbytes --connbytes 0:1000 --connbytes-mode wrong --connbytes-dir both",
            "unknown value `wrong`",
        );
        refuses(
            "-m connbytes --connbytes 0:1000 --connbytes-mode bytes --connbytes-dir Both",
            "unknown value `Both`",
        );
        refuses(
            "-m connbytes --connbytes 0:1000 --connbytes-dir original",
            "needs `--connbytes-mode`",
        );
        refuses(
            "-m connbytes --connbytes 0:1000 --connbytes-mode packets",
            "needs `--connbytes-dir`",
        );
        refuses(
            "-m connbytes --connbytes-dir original",
            "needs `--connbytes`",
        );
        refuses(
            &format!("-m connbytes ! --connbytes-dir original --connbytes 1 {TAIL}"),
            "cannot be negated",
        );
    }
}
