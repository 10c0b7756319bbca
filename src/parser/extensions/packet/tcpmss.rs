//! `-m tcpmss --mss min[:max]` (libxt_tcpmss.c): matches the MSS option of
//! TCP SYN packets. Both ends are 16-bit C numbers; an empty first end is 0
//! and an empty last end 65535; a reversed range is refused. The kernel
//! accepts the match only with `-p tcp`.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("mss", 0, ArgType::UInt16Range)
    .mandatory()
    .invert()];

pub static TCPMSS: ExtensionDef = ExtensionDef {
    name: "tcpmss",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(6),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let value = call.generic()?;
    if let Value::Range(first, last) = value {
        if first > last {
            return Err(call
                .error(format!("MSS range `{}` is reversed", call.arg_text()))
                .help(format!("write the lower value first: `{last}:{first}`")));
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, refuses6};

    fn mss(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "tcpmss")
            .option("mss")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn ranges_with_default_ends() {
        assert_eq!(mss("-p tcp -m tcpmss --mss 42"), Value::Range(42, 42));
        assert_eq!(mss("-p tcp -m tcpmss --mss :"), Value::Range(0, 65535));
        assert_eq!(mss("-p tcp -m tcpmss --mss :42"), Value::Range(0, 42));
        assert_eq!(mss("-p tcp -m tcpmss --mss 42:"), Value::Range(42, 65535));
        assert_eq!(
            mss("-p tcp -m tcpmss --mss 42:12345"),
            Value::Range(42, 12345)
        );
        let rule = accepts6("-p tcp -m tcpmss ! --mss 1000:1500 -j DROP");
        assert!(match_named(&rule, "tcpmss").option("mss").unwrap().negated);
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-p tcp -m tcpmss --mss 42:65536",
            "needs numbers from 0 to 65535",
        );
        refuses("-p tcp -m tcpmss --mss 65535:1000", "reversed");
        refuses("-p tcp -m tcpmss", "`tcpmss` needs `--mss`");
        refuses("-m tcpmss --mss 42", "works only with `-p tcp`");
        refuses("! -p tcp -m tcpmss --mss 42", "works only with `-p tcp`");
        refuses6("-p udp -m tcpmss --mss 42", "works only with `-p tcp`");
    }
}
