//! `-m srh` (libip6t_srh.c, revision 1, IPv6 only): the Segment Routing
//! Header. No `-p` is needed; the match works in every table and chain.
//!
//! Every option is invertible and may be given once. The `-eq`, `-gt` and
//! `-lt` tests of one field (`--srh-hdr-len-*`, `--srh-segs-left-*`,
//! `--srh-last-entry-*`) share one value in the kernel: the last one given
//! holds for all of them. The SIDs are `address[/prefix]` (or a mask
//! written as an address).

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, Families, OptCall, OptSpec};

const O_NEXTHDR: u8 = 0;
const O_LEN_EQ: u8 = 1;
const O_LEN_GT: u8 = 2;
const O_LEN_LT: u8 = 3;
const O_SEGS_EQ: u8 = 4;
const O_SEGS_GT: u8 = 5;
const O_SEGS_LT: u8 = 6;
const O_LAST_EQ: u8 = 7;
const O_LAST_GT: u8 = 8;
const O_LAST_LT: u8 = 9;
const O_TAG: u8 = 10;
const O_PSID: u8 = 11;
const O_NSID: u8 = 12;
const O_LSID: u8 = 13;

static OPTIONS: [OptSpec; 14] = [
    OptSpec::new("srh-next-hdr", O_NEXTHDR, ArgType::UInt8).invert(),
    OptSpec::new("srh-hdr-len-eq", O_LEN_EQ, ArgType::UInt8).invert(),
    OptSpec::new("srh-hdr-len-gt", O_LEN_GT, ArgType::UInt8).invert(),
    OptSpec::new("srh-hdr-len-lt", O_LEN_LT, ArgType::UInt8).invert(),
    OptSpec::new("srh-segs-left-eq", O_SEGS_EQ, ArgType::UInt8).invert(),
    OptSpec::new("srh-segs-left-gt", O_SEGS_GT, ArgType::UInt8).invert(),
    OptSpec::new("srh-segs-left-lt", O_SEGS_LT, ArgType::UInt8).invert(),
    OptSpec::new("srh-last-entry-eq", O_LAST_EQ, ArgType::UInt8).invert(),
    OptSpec::new("srh-last-entry-gt", O_LAST_GT, ArgType::UInt8).invert(),
    OptSpec::new("srh-last-entry-lt", O_LAST_LT, ArgType::UInt8).invert(),
    OptSpec::new("srh-tag", O_TAG, ArgType::UInt16).invert(),
    OptSpec::new("srh-psid", O_PSID, ArgType::HostMask).invert(),
    OptSpec::new("srh-nsid", O_NSID, ArgType::HostMask).invert(),
    OptSpec::new("srh-lsid", O_LSID, ArgType::HostMask).invert(),
];

pub static SRH: ExtensionDef = ExtensionDef {
    name: "srh",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

/// The options that share a field with option `id`.
fn field_of(id: u8) -> Option<[&'static str; 3]> {
    match id {
        O_LEN_EQ..=O_LEN_LT => Some(["srh-hdr-len-eq", "srh-hdr-len-gt", "srh-hdr-len-lt"]),
        O_SEGS_EQ..=O_SEGS_LT => Some(["srh-segs-left-eq", "srh-segs-left-gt", "srh-segs-left-lt"]),
        O_LAST_EQ..=O_LAST_LT => Some([
            "srh-last-entry-eq",
            "srh-last-entry-gt",
            "srh-last-entry-lt",
        ]),
        _ => None,
    }
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let value = call.generic()?;
    if let Some(field) = field_of(call.spec.id) {
        let overwritten: Vec<String> = call
            .previous
            .iter()
            .filter(|option| field.contains(&&*option.name) && option.value != value)
            .map(|option| format!("`--{}`", option.name))
            .collect();
        if !overwritten.is_empty() {
            call.warn_help(
                format!(
                    "{} and `--{}` share one field: the kernel compares all of them with {}",
                    overwritten.join(", "),
                    call.spec.name,
                    call.arg_text()
                ),
                "give these tests the same value, or split them over several rules".to_string(),
            );
        }
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv6Addr};

    use crate::model::{AddrMask, Family, Value};
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6, warnings};

    #[test]
    fn fields_and_sids() {
        let rule = accepts6(
            "-m srh ! --srh-next-hdr 17 --srh-segs-left-eq 1 --srh-last-entry-gt 4 --srh-tag 65535 \
             ! --srh-psid a::/64 --srh-nsid b::1/ffff:: --srh-lsid c::/0 -j ACCEPT",
        );
        let srh = match_named(&rule, "srh");
        assert_eq!(srh.option("srh-next-hdr").unwrap().value, Value::UInt(17));
        assert!(srh.option("srh-next-hdr").unwrap().negated);
        assert_eq!(srh.option("srh-tag").unwrap().value, Value::UInt(65535));
        let v6 = |text: &str| IpAddr::V6(text.parse::<Ipv6Addr>().unwrap());
        assert_eq!(
            srh.option("srh-psid").unwrap().value,
            Value::HostMask(Box::new(AddrMask {
                addr: v6("a::"),
                mask: v6("ffff:ffff:ffff:ffff::")
            }))
        );
        assert!(srh.option("srh-psid").unwrap().negated);
        assert_eq!(
            srh.option("srh-nsid").unwrap().value,
            Value::HostMask(Box::new(AddrMask {
                addr: v6("b::"),
                mask: v6("ffff::")
            }))
        );
        accepts6("-m srh -j ACCEPT");
    }

    #[test]
    fn shared_fields_are_reported() {
        let found = warnings(
            Family::V6,
            "-m srh --srh-hdr-len-eq 1 --srh-hdr-len-gt 2 -j ACCEPT",
        );
        assert!(
            found.iter().any(|w| w.message.contains("share one field")),
            "{found:?}"
        );
        assert!(
            warnings(
                Family::V6,
                "-m srh --srh-hdr-len-gt 1 --srh-hdr-len-lt 1 -j ACCEPT"
            )
            .is_empty()
        );
        assert!(
            warnings(
                Family::V6,
                "-m srh --srh-hdr-len-gt 1 --srh-segs-left-lt 5 -j ACCEPT"
            )
            .is_empty()
        );
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6("-m srh --srh-next-hdr 256 -j ACCEPT", "from 0 to 255");
        refuses6("-m srh --srh-tag 65536 -j ACCEPT", "from 0 to 65535");
        refuses6("-m srh --srh-psid fe80::1/129 -j ACCEPT", "prefix length");
        refuses6(
            "-m srh --srh-psid 1.2.3.4 -j ACCEPT",
            "is not an IPv6 address",
        );
        refuses6(
            "-m srh --srh-tag 1 --srh-tag 2 -j ACCEPT",
            "can only be given once",
        );
        refuses("-m srh -j ACCEPT", "exists only in ip6tables");
    }
}
