//! `-m ah`: the Authentication Header of IPsec. Two different matches share
//! the name:
//!
//! - IPv4 (libipt_ah.c): `--ahspi` only. The kernel accepts it only with
//!   `-p ah` (not negated); `-p ah` loads it by itself.
//! - IPv6 (libip6t_ah.c): `--ahspi`, `--ahlen` (the whole header length in
//!   bytes) and `--ahres` (the reserved field must be zero). The kernel
//!   finds the header among the extension headers, so no `-p` is needed
//!   (and `-p ah` never matches in ip6tables, as the upper-layer protocol of
//!   a packet is never an extension header).
//!
//! `--ahspi` is `spi[:spi]` of 32-bit numbers; a reversed range is accepted
//! by iptables 1.8.9 and matches no packet.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::generic;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, KernelReqs, OptCall, OptSpec,
};

const O_AHSPI: u8 = 0;
const O_AHLEN: u8 = 1;
const O_AHRES: u8 = 2;

static OPTIONS_V4: [OptSpec; 1] = [OptSpec::new("ahspi", O_AHSPI, ArgType::UInt32Range).invert()];

static OPTIONS_V6: [OptSpec; 3] = [
    OptSpec::new("ahspi", O_AHSPI, ArgType::UInt32Range).invert(),
    OptSpec::new("ahlen", O_AHLEN, ArgType::UInt32).invert(),
    OptSpec::new("ahres", O_AHRES, ArgType::None),
];

pub static AH_V4: ExtensionDef = ExtensionDef {
    name: "ah",
    kind: ExtensionKind::Match,
    families: Families::V4,
    options: &OPTIONS_V4,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(51),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

pub static AH_V6: ExtensionDef = ExtensionDef {
    name: "ah",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS_V6,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_AHSPI => generic::int_range(call, "SPI"),
        _ => call.generic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    #[test]
    fn ipv4_needs_protocol_ah() {
        let rule = accepts("-p ah -m ah --ahspi 3: -j ACCEPT");
        assert_eq!(
            match_named(&rule, "ah").option("ahspi").unwrap().value,
            Value::Range(3, u64::from(u32::MAX))
        );
        let rule = accepts("-p 51 --ahspi 7 -j ACCEPT");
        let ah = match_named(&rule, "ah");
        assert!(ah.implicit);
        assert_eq!(ah.option("ahspi").unwrap().value, Value::Range(7, 7));
        accepts("-p ah -m ah -j ACCEPT");
        refuses("-m ah --ahspi 0 -j ACCEPT", "works only with `-p ah`");
        refuses(
            "-p ah -m ah --ahlen 5 -j ACCEPT",
            "unknown option `--ahlen`",
        );
        refuses("-p ah -m ah --ahres -j ACCEPT", "unknown option `--ahres`");
        refuses("-p ah -m ah --ahspi -1 -j ACCEPT", "--ahspi");
        refuses("-p ah -m ah --ahspi 4294967296 -j ACCEPT", "--ahspi");
        refuses("-p ah -m ah --ahspi 0:invalid -j ACCEPT", "--ahspi");
        refuses("-p ah -m ah --ahspi -j ACCEPT", "not `-j`");
    }

    #[test]
    fn ipv6_takes_length_and_reserved() {
        let rule = accepts6("-m ah ! --ahlen 0x10 --ahspi 5 --ahres -j ACCEPT");
        let ah = match_named(&rule, "ah");
        assert_eq!(ah.option("ahlen").unwrap().value, Value::UInt(16));
        assert!(ah.option("ahlen").unwrap().negated);
        assert_eq!(ah.option("ahspi").unwrap().value, Value::Range(5, 5));
        assert_eq!(ah.option("ahres").unwrap().value, Value::Flag);
        accepts6("-m ah -j ACCEPT");
        accepts6("-p tcp -m ah --ahspi 1 -j ACCEPT");
        refuses6("-m ah ! --ahres -j ACCEPT", "cannot be negated");
        refuses6("-m ah --ahlen 4294967296 -j ACCEPT", "--ahlen");
        refuses6("-m ah --ahspi invalid -j ACCEPT", "--ahspi");
    }

    #[test]
    fn reversed_ranges_are_reported() {
        let found = warnings(Family::V6, "-m ah --ahspi 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("matches no SPI")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p ah ! --ahspi 4:3 -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("matches every SPI")),
            "{found:?}"
        );
    }
}
