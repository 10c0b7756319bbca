//! `-m esp` (libxt_esp.c): the SPI of an IPsec ESP header, for both
//! families. `-p esp` loads it by itself when `--espspi` follows. The kernel
//! accepts it only with `-p esp` (not negated), in every table and chain.
//!
//! `--espspi` is `spi[:spi]` of 32-bit numbers (C's base-0 `strtoul`);
//! either bound may be left out (`:5`, `5:`, `:`). A reversed range is
//! accepted by iptables 1.8.9 and matches no packet.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::generic;
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec};

const O_ESPSPI: u8 = 0;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("espspi", O_ESPSPI, ArgType::UInt32Range).invert()];

pub static ESP: ExtensionDef = ExtensionDef {
    name: "esp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(50),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    generic::int_range(call, "SPI")
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    fn spi(rule: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "esp")
            .option("espspi")
            .unwrap()
            .value
            .clone()
    }

    #[test]
    fn spi_ranges() {
        assert_eq!(
            spi("-p esp -m esp --espspi 0 -j ACCEPT"),
            Value::Range(0, 0)
        );
        assert_eq!(spi("-p esp --espspi :32 -j ACCEPT"), Value::Range(0, 32));
        assert_eq!(
            spi("-p esp --espspi 4: -j ACCEPT"),
            Value::Range(4, u64::from(u32::MAX))
        );
        assert_eq!(
            spi("-p esp --espspi : -j ACCEPT"),
            Value::Range(0, u64::from(u32::MAX))
        );
        assert_eq!(
            spi("-p esp --espspi 0x10:0x20 -j ACCEPT"),
            Value::Range(16, 32)
        );
        assert_eq!(spi("-p 50 --espspi \"\" -j ACCEPT"), Value::Range(0, 0));
        assert_eq!(spi("-p esp --espspi 4:3 -j ACCEPT"), Value::Range(4, 3));
        accepts("-p esp -m esp -j ACCEPT");
        let rule = accepts6("-p esp -m esp ! --espspi 0:4294967294 -j ACCEPT");
        assert!(match_named(&rule, "esp").option("espspi").unwrap().negated);
    }

    #[test]
    fn reversed_ranges_are_reported() {
        let found = warnings(Family::V4, "-p esp --espspi 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("matches no SPI")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p esp --espspi 3:4 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-p esp --espspi -1 -j ACCEPT", "--espspi");
        refuses("-p esp --espspi 4294967296 -j ACCEPT", "--espspi");
        refuses("-p esp --espspi 5x -j ACCEPT", "unexpected characters");
        refuses("-p esp --espspi 1:2:3 -j ACCEPT", "too many parts");
        refuses(
            "-p esp --espspi 1 --espspi 2 -j ACCEPT",
            "can only be given once",
        );
        refuses("-m esp -j ACCEPT", "works only with `-p esp`");
        refuses6("-m esp --espspi 1 -j ACCEPT", "works only with `-p esp`");
    }
}
