//! `-m connlimit` (libxt_connlimit.c): matches on the number of connections
//! from (or to) an address or network: `[!] --connlimit-upto N` or
//! `[!] --connlimit-above N` (one of them is required), `--connlimit-mask
//! LEN` to group addresses by prefix (a length, or a mask written as an
//! address), and `--connlimit-saddr` (the default) or `--connlimit-daddr`.
//! A non-contiguous mask silently counts each address alone. The kernel
//! needs connection tracking and checks nothing else.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, FinalCall, OptSpec, bit};

const O_UPTO: u8 = 0;
const O_ABOVE: u8 = 1;
const O_MASK: u8 = 2;
const O_SADDR: u8 = 3;
const O_DADDR: u8 = 4;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("connlimit-upto", O_UPTO, ArgType::UInt32)
        .invert()
        .excl(bit(O_ABOVE)),
    OptSpec::new("connlimit-above", O_ABOVE, ArgType::UInt32)
        .invert()
        .excl(bit(O_UPTO)),
    OptSpec::new("connlimit-mask", O_MASK, ArgType::PlenMask),
    OptSpec::new("connlimit-saddr", O_SADDR, ArgType::None).excl(bit(O_DADDR)),
    OptSpec::new("connlimit-daddr", O_DADDR, ArgType::None).excl(bit(O_SADDR)),
];

pub static CONNLIMIT: ExtensionDef = ExtensionDef {
    name: "connlimit",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    final_check: Some(check),
    ..ExtensionDef::BASE
};

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(
        bit(O_UPTO) | bit(O_ABOVE),
        "-m connlimit --connlimit-above 10",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    #[test]
    fn limits_masks_and_sides() {
        let rule = accepts(
            "-m connlimit ! --connlimit-above 10 --connlimit-mask 24 --connlimit-daddr -j DROP",
        );
        let connlimit = match_named(&rule, "connlimit");
        let above = connlimit.option("connlimit-above").unwrap();
        assert!(above.negated);
        assert_eq!(above.value, Value::UInt(10));
        assert_eq!(
            connlimit.option("connlimit-mask").unwrap().value,
            Value::Plen(24)
        );
        assert!(connlimit.has_option("connlimit-daddr"));
        let rule = accepts("-m connlimit --connlimit-upto 4294967295 --connlimit-mask 255.255.0.0");
        assert_eq!(
            match_named(&rule, "connlimit")
                .option("connlimit-mask")
                .unwrap()
                .value,
            Value::Plen(16)
        );
        accepts6("-m connlimit --connlimit-upto 0 --connlimit-mask 128 --connlimit-saddr");
        accepts6("-m connlimit --connlimit-upto 0 --connlimit-mask ffff:ffff::");
    }

    #[test]
    fn non_contiguous_masks_count_single_addresses() {
        let rule = accepts("-m connlimit --connlimit-upto 1 --connlimit-mask 255.0.255.0");
        assert_eq!(
            match_named(&rule, "connlimit")
                .option("connlimit-mask")
                .unwrap()
                .value,
            Value::Plen(32)
        );
        // `128` is read as the IPv4 mask 0.0.0.128.
        let rule = accepts("-m connlimit --connlimit-upto 1 --connlimit-mask 128");
        assert_eq!(
            match_named(&rule, "connlimit")
                .option("connlimit-mask")
                .unwrap()
                .value,
            Value::Plen(32)
        );
        assert!(
            warnings(
                Family::V4,
                "-m connlimit --connlimit-upto 1 --connlimit-mask 255.0.255.0"
            )
            .iter()
            .any(|w| w.message.contains("not a contiguous"))
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m connlimit --connlimit-upto 4294967296",
            "--connlimit-upto",
        );
        refuses("-m connlimit --connlimit-above -1", "--connlimit-above");
        refuses(
            "-m connlimit --connlimit-upto 1 --connlimit-above 1",
            "cannot be used together",
        );
        refuses(
            "-m connlimit --connlimit-above 10 --connlimit-saddr --connlimit-daddr",
            "cannot be used together",
        );
        refuses(
            "-m connlimit --connlimit-above 10 --connlimit-mask abc",
            "prefix length from 0 to 32",
        );
        refuses6(
            "-m connlimit --connlimit-above 10 --connlimit-mask 129",
            "prefix length from 0 to 128",
        );
        refuses(
            "-m connlimit --connlimit-mask 24",
            "needs `--connlimit-upto` or `--connlimit-above`",
        );
        refuses(
            "-m connlimit",
            "needs `--connlimit-upto` or `--connlimit-above`",
        );
        refuses(
            "-m connlimit --connlimit-upto 1 --conlimit-above 1",
            "unknown option",
        );
        refuses(
            "-m connlimit --connlimit-upto 1 ! --connlimit-mask 24",
            "cannot be negated",
        );
    }
}
