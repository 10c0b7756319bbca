//! `-m frag` (libip6t_frag.c, IPv6 only): the Fragment extension header.
//! The kernel finds the header among the extension headers: no `-p` is
//! needed, and the match works in every table and chain.
//!
//! `--fragid` is a range of 32-bit identifications (a reversed range is
//! accepted and matches nothing); `--fragres`, `--fragfirst`, `--fragmore`
//! and `--fraglast` test the header's bits, and `--fragmore` excludes
//! `--fraglast`. `--fraglen` is accepted, but the kernel never tests it.

use super::common;
use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::generic;
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, Families, OptCall, OptSpec, bit};

const O_FRAGID: u8 = 0;
const O_FRAGLEN: u8 = 1;
const O_FRAGRES: u8 = 2;
const O_FRAGFIRST: u8 = 3;
const O_FRAGMORE: u8 = 4;
const O_FRAGLAST: u8 = 5;

static OPTIONS: [OptSpec; 6] = [
    OptSpec::new("fragid", O_FRAGID, ArgType::UInt32Range).invert(),
    OptSpec::new("fraglen", O_FRAGLEN, ArgType::UInt32).invert(),
    OptSpec::new("fragres", O_FRAGRES, ArgType::None),
    OptSpec::new("fragfirst", O_FRAGFIRST, ArgType::None),
    OptSpec::new("fragmore", O_FRAGMORE, ArgType::None).excl(bit(O_FRAGLAST)),
    OptSpec::new("fraglast", O_FRAGLAST, ArgType::None).excl(bit(O_FRAGMORE)),
];

pub static FRAG: ExtensionDef = ExtensionDef {
    name: "frag",
    kind: ExtensionKind::Match,
    families: Families::V6,
    options: &OPTIONS,
    parse: Some(parse),
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_FRAGID => generic::int_range(call, "fragment identification"),
        O_FRAGLEN => {
            let value = call.generic()?;
            common::ignored_by_kernel(call, "it never compares the length of the fragment header");
            Ok(value)
        }
        _ => call.generic(),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts6, match_named, refuses, refuses6, warnings};

    #[test]
    fn identifications_and_flags() {
        let rule = accepts6(
            "-m frag ! --fragid 1 ! --fraglen 42 --fragres --fragfirst --fragmore -j ACCEPT",
        );
        let frag = match_named(&rule, "frag");
        assert_eq!(frag.option("fragid").unwrap().value, Value::Range(1, 1));
        assert!(frag.option("fragid").unwrap().negated);
        assert_eq!(frag.option("fraglen").unwrap().value, Value::UInt(42));
        assert_eq!(frag.option("fragmore").unwrap().value, Value::Flag);
        let rule = accepts6("-m frag --fragid 42: --fraglast -j ACCEPT");
        let frag = match_named(&rule, "frag");
        assert_eq!(
            frag.option("fragid").unwrap().value,
            Value::Range(42, u64::from(u32::MAX))
        );
        assert!(frag.has_option("fraglast"));
        accepts6("-m frag --fragid 4:3 -j ACCEPT");
        accepts6("-p udp --dport 546 -m frag --fraglast -j ACCEPT");
        accepts6("-m frag -j ACCEPT");
    }

    #[test]
    fn surprising_values_are_reported() {
        let found = warnings(Family::V6, "-m frag --fraglen 42 -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("ignores `--fraglen`")),
            "{found:?}"
        );
        let found = warnings(Family::V6, "-m frag --fragid 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("reversed")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_ip6tables_refuses() {
        refuses6(
            "-m frag --fraglast --fragmore -j ACCEPT",
            "cannot be used together",
        );
        refuses6(
            "-m frag --fragmore --fragmore -j ACCEPT",
            "can only be given once",
        );
        refuses6("-m frag ! --fragres -j ACCEPT", "cannot be negated");
        refuses6("-m frag --fraglen -1 -j ACCEPT", "--fraglen");
        refuses6("-m frag --fragid 1:2:3 -j ACCEPT", "too many parts");
        refuses("-m frag --fragfirst -j ACCEPT", "exists only in ip6tables");
    }
}
