//! `-m connlabel` (libxt_connlabel.c): matches (and with `--set`, sets) one
//! of the 128 label bits of the packet's connection, `[!] --label LABEL`.
//! A label is a bit number (C's `strtoul`, so `0x10` is 16) or a name that
//! iptables looks up in `/etc/xtables/connlabel.conf` of the machine that
//! loads the rules: fwlint cannot see that file, so it warns about names
//! (and refuses names that begin like a number, as `08`).
//!
//! iptables keeps the bit number in 16 bits, silently; the kernel refuses
//! bit numbers from 128 on. It needs connection tracking, and accepts the
//! match in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec,
};

use crate::parser::values;

const O_LABEL: u8 = 0;
const O_SET: u8 = 1;

/// The number of label bits of a connection (`XT_CONNLABEL_MAXBIT` + 1).
const LABEL_BITS: u64 = 128;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("label", O_LABEL, ArgType::String)
        .min(1)
        .mandatory()
        .invert(),
    OptSpec::new("set", O_SET, ArgType::None),
];

pub static CONNLABEL: ExtensionDef = ExtensionDef {
    name: "connlabel",
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
    let value = call.generic()?;
    if call.spec.id != O_LABEL {
        return Ok(value);
    }
    let text = call.arg_text();
    let (number, used) = values::strtoul(text.as_bytes(), 0);
    if used == text.len() {
        // `connlabel_value_parse` returns the number as an `int`; a
        // negative one is looked up as a name, which no sane
        // connlabel.conf has.
        let as_int = number as i32;
        if as_int < 0 {
            return Err(call
                .error(format!("label `{text}` is not a bit number from 0 to 127"))
                .help("connection labels are bits 0 to 127, or names from /etc/xtables/connlabel.conf"));
        }
        // The kernel structure holds the bit in 16 bits.
        let bit = u64::from(as_int as u16);
        if bit != number {
            call.warn(format!(
                "label `{text}` does not fit in 16 bits: iptables keeps only the low ones, which is bit {bit}"
            ));
        }
        return Ok(Value::UInt(bit));
    }
    if used > 0 {
        // A number with something after it: looked up as a name, which a
        // connlabel.conf could only have by accident.
        return Err(call
            .error(format!("label `{text}` is not a bit number from 0 to 127"))
            .help("connection labels are bits 0 to 127 (`0x` for hexadecimal, `0` for octal), or names from /etc/xtables/connlabel.conf"));
    }
    call.warn_host(format!(
        "`{text}` is a label name: iptables looks it up in /etc/xtables/connlabel.conf on the machine that loads the rules, and refuses the rule if it is not there"
    ), "write the label's bit number, from 0 to 127");
    Ok(Value::Text(text.into()))
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    if let Some(label) = call.extension.option("label") {
        if let Value::UInt(bit) = label.value {
            if bit >= LABEL_BITS {
                return Err(ExtError::new(format!(
                    "the kernel refuses connection label bit {bit}: labels are bits 0 to 127"
                ))
                .at(label.span));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    #[test]
    fn numeric_labels() {
        let rule = accepts("-m connlabel ! --label 41 --set");
        let connlabel = match_named(&rule, "connlabel");
        let label = connlabel.option("label").unwrap();
        assert!(label.negated);
        assert_eq!(label.value, Value::UInt(41));
        assert!(connlabel.has_option("set"));
        let rule = accepts6("-m connlabel --label \" 0x10\"");
        assert_eq!(
            match_named(&rule, "connlabel")
                .option("label")
                .unwrap()
                .value,
            Value::UInt(16)
        );
        accepts("-m connlabel --label 127");
    }

    #[test]
    fn bits_wrap_at_16_and_stop_at_128() {
        let rule = accepts("-m connlabel --label 65537");
        assert_eq!(
            match_named(&rule, "connlabel")
                .option("label")
                .unwrap()
                .value,
            Value::UInt(1)
        );
        assert!(
            warnings(Family::V4, "-m connlabel --label 4294967336")
                .iter()
                .any(|w| w.name == "value-changed" && w.message.contains("bit 40"))
        );
        refuses("-m connlabel --label 128", "bits 0 to 127");
        refuses("-m connlabel --label 2048", "bits 0 to 127");
        refuses("-m connlabel --label -1", "not a bit number");
        refuses("-m connlabel --label 08", "not a bit number");
        refuses("-m connlabel --label 0x", "not a bit number");
        refuses("-m connlabel --label \"\"", "at least 1 characters");
        refuses("-m connlabel --set", "needs `--label`");
        refuses("-m connlabel --label 1 ! --set", "cannot be negated");
    }

    #[test]
    fn names_depend_on_the_machine() {
        let rule = accepts("-m connlabel --label bit40");
        assert_eq!(
            match_named(&rule, "connlabel")
                .option("label")
                .unwrap()
                .value,
            Value::Text("bit40".into())
        );
        assert!(
            warnings(Family::V4, "-m connlabel --label bit40")
                .iter()
                .any(|w| w.name == "depends-on-host" && w.message.contains("connlabel.conf"))
        );
    }
}
