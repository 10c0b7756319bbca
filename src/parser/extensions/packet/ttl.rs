//! `-m ttl` (libipt_ttl.c, IPv4 only): compares the IPv4 time-to-live with
//! an 8-bit number: `--ttl-eq` (or its old spelling `--ttl`; negated, it
//! means "not equal"), `--ttl-lt` or `--ttl-gt`, exactly one of them. The
//! IPv6 counterpart is `hl`. The kernel has no restriction.

use crate::model::ExtensionKind;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, OptSpec, bit,
};

const O_EQ: u8 = 0;
const O_LT: u8 = 1;
const O_GT: u8 = 2;
const ANY: u32 = bit(O_EQ) | bit(O_LT) | bit(O_GT);

// `--ttl` shares the id of `--ttl-eq`: iptables looks options up by id, so
// it may be negated too.
static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("ttl-lt", O_LT, ArgType::UInt8).excl(ANY),
    OptSpec::new("ttl-gt", O_GT, ArgType::UInt8).excl(ANY),
    OptSpec::new("ttl-eq", O_EQ, ArgType::UInt8)
        .excl(ANY)
        .invert(),
    OptSpec::new("ttl", O_EQ, ArgType::UInt8).excl(ANY),
];

pub static TTL: ExtensionDef = ExtensionDef {
    name: "ttl",
    kind: ExtensionKind::Match,
    families: Families::V4,
    options: &OPTIONS,
    final_check: Some(final_check),
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen & ANY == 0 {
        return Err(call
            .error("`ttl` needs one of `--ttl-eq`, `--ttl-lt` and `--ttl-gt`")
            .help("for example `-m ttl --ttl-lt 5`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, match_named, refuses, refuses6};

    #[test]
    fn comparisons() {
        let rule = accepts("-m ttl --ttl-eq 255");
        assert_eq!(
            match_named(&rule, "ttl").option("ttl-eq").unwrap().value,
            Value::UInt(255)
        );
        let rule = accepts("-m ttl ! --ttl 5");
        let option = match_named(&rule, "ttl").option("ttl-eq").unwrap();
        assert!(option.negated);
        assert_eq!(option.value, Value::UInt(5));
        let rule = accepts("-m ttl --ttl-gt 0x10");
        assert_eq!(
            match_named(&rule, "ttl").option("ttl-gt").unwrap().value,
            Value::UInt(16)
        );
        accepts("-m ttl --ttl-lt 0");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m ttl --ttl-eq 256", "needs a number from 0 to 255");
        refuses("-m ttl --ttl-eq -1", "needs a number from 0 to 255");
        refuses("-m ttl", "needs one of `--ttl-eq`");
        refuses("-m ttl ! --ttl-lt 5", "cannot be negated");
        refuses("-m ttl --ttl-eq 5 --ttl 5", "only be given once");
        refuses("-m ttl --ttl-lt 5 --ttl-gt 1", "cannot be used together");
        refuses6("-m ttl --ttl-eq 5", "exists only in iptables");
    }
}
