//! `-j HMARK` (libxt_HMARK.c): sets the packet mark to a hash of its
//! addresses, ports and protocol, `mark = hash % --hmark-mod +
//! --hmark-offset`. `--hmark-mod` (1 or more) and `--hmark-rnd` (the hash
//! seed) are required, and something to hash: `--hmark-tuple` or one of
//! the masks and values.
//!
//! `--hmark-tuple` lists what to hash, by names that may be shortened and
//! are stored in full ([`Value::List`]): `ct` (the conntrack tuple rather
//! than the packet's), `src`, `dst`, `sport`, `dport`, `proto` and `spi`.
//! Each of the last six sets the matching mask to all ones, and counts for
//! iptables as that mask option given: a later `--hmark-src-prefix` after
//! `src` is a repeated option. The prefix options take a length or a mask
//! and are stored as [`Value::Plen`] (a mask that is not contiguous, or an
//! IPv4 "length" above 32 that iptables reads as such a mask, hashes the
//! whole address); the other masks and values are numbers.
//!
//! SPI masks cannot be combined with port masks (iptables), nor an SPI
//! value with port values (the kernel).

use crate::model::{ExtOption, ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec,
    Termination, bit,
};

const O_SADDR_MASK: u8 = 0;
const O_DADDR_MASK: u8 = 1;
const O_SPI: u8 = 2;
const O_SPI_MASK: u8 = 3;
const O_SPORT: u8 = 4;
const O_DPORT: u8 = 5;
const O_SPORT_MASK: u8 = 6;
const O_DPORT_MASK: u8 = 7;
const O_PROTO_MASK: u8 = 8;
const O_RND: u8 = 9;
const O_MODULUS: u8 = 10;
const O_OFFSET: u8 = 11;
/// Not an option: set by `--hmark-tuple ct`.
const O_CT: u8 = 12;
const O_TYPE: u8 = 13;

/// The options that say what to hash.
const PKT_MASK: u32 = bit(O_SADDR_MASK)
    | bit(O_DADDR_MASK)
    | bit(O_SPI_MASK)
    | bit(O_SPORT_MASK)
    | bit(O_DPORT_MASK)
    | bit(O_PROTO_MASK)
    | bit(O_SPORT)
    | bit(O_DPORT)
    | bit(O_SPI);

static OPTIONS: [OptSpec; 13] = [
    OptSpec::new("hmark-tuple", O_TYPE, ArgType::String),
    OptSpec::new("hmark-src-prefix", O_SADDR_MASK, ArgType::PlenMask),
    OptSpec::new("hmark-dst-prefix", O_DADDR_MASK, ArgType::PlenMask),
    OptSpec::new("hmark-sport-mask", O_SPORT_MASK, ArgType::UInt16),
    OptSpec::new("hmark-dport-mask", O_DPORT_MASK, ArgType::UInt16),
    OptSpec::new("hmark-spi-mask", O_SPI_MASK, ArgType::UInt32),
    OptSpec::new("hmark-sport", O_SPORT, ArgType::UInt16),
    OptSpec::new("hmark-dport", O_DPORT, ArgType::UInt16),
    OptSpec::new("hmark-spi", O_SPI, ArgType::UInt32),
    OptSpec::new("hmark-proto-mask", O_PROTO_MASK, ArgType::UInt16),
    OptSpec::new("hmark-rnd", O_RND, ArgType::UInt32),
    OptSpec::new("hmark-mod", O_MODULUS, ArgType::UInt32)
        .min(1)
        .mandatory(),
    OptSpec::new("hmark-offset", O_OFFSET, ArgType::UInt32),
];

pub static HMARK: ExtensionDef = ExtensionDef {
    name: "HMARK",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

/// The names of `--hmark-tuple`, in the order iptables tries them, with the
/// option each one stands for.
const TUPLE: [(&str, u8); 7] = [
    ("ct", O_CT),
    ("src", O_SADDR_MASK),
    ("dst", O_DADDR_MASK),
    ("sport", O_SPORT_MASK),
    ("dport", O_DPORT_MASK),
    ("proto", O_PROTO_MASK),
    ("spi", O_SPI_MASK),
];

/// The option ids that the `--hmark-tuple` given so far stands for.
fn tuple_bits(options: &[ExtOption]) -> u32 {
    options
        .iter()
        .filter(|option| option.name == "hmark-tuple")
        .filter_map(|option| match &option.value {
            Value::List(names) => Some(names),
            _ => None,
        })
        .flatten()
        .filter_map(|name| TUPLE.iter().find(|(full, _)| full == name))
        .fold(0, |bits, (_, id)| bits | bit(*id))
}

fn parse_tuple(call: &OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let help = "list what to hash, separated by commas without spaces: ct, src, dst, sport, dport, proto, spi";
    let items: Vec<&str> = text.split(',').collect();
    let mut names = Vec::with_capacity(items.len());
    for (index, item) in items.iter().enumerate() {
        if item.is_empty() {
            let message = if index + 1 == items.len() {
                "`--hmark-tuple` ends with a comma".to_string()
            } else {
                format!("empty name in `--hmark-tuple {text}`")
            };
            return Err(call.error(message).help(help));
        }
        let (name, _) = TUPLE
            .iter()
            .find(|(name, _)| {
                name.get(..item.len())
                    .is_some_and(|start| start.eq_ignore_ascii_case(item))
            })
            .ok_or_else(|| {
                call.error(format!("unknown `--hmark-tuple` element `{item}`"))
                    .help(help)
            })?;
        names.push((*name).to_string());
    }
    Ok(Value::List(names.into()))
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let id = call.spec.id;
    if id == O_TYPE {
        return parse_tuple(call);
    }
    if tuple_bits(call.previous) & bit(id) != 0 {
        return Err(ExtError::new(format!(
            "`--{}` repeats what `--hmark-tuple` already set: iptables counts it as given twice",
            call.spec.name
        ))
        .at(call.span)
        .help("drop this option, or the matching name from `--hmark-tuple`"));
    }
    call.generic()
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let flags = call.seen | tuple_bits(call.options);
    if flags & bit(O_MODULUS) == 0 {
        return Err(call
            .error("`HMARK` needs `--hmark-mod`")
            .help("add the number of marks to spread over, as `--hmark-mod 4`"));
    }
    if flags & bit(O_RND) == 0 {
        return Err(call
            .error("`HMARK` needs `--hmark-rnd`")
            .help("add a random seed for the hash, as `--hmark-rnd 0xcafe`"));
    }
    if flags & bit(O_SPI_MASK) != 0 && flags & (bit(O_SPORT_MASK) | bit(O_DPORT_MASK)) != 0 {
        return Err(call
            .error("`HMARK` cannot hash on an SPI mask and on port masks at the same time")
            .help("drop `--hmark-spi-mask` (or `spi`), or the port masks (or `sport`, `dport`)"));
    }
    if flags & (PKT_MASK | bit(O_CT)) == 0 {
        return Err(call
            .error("`HMARK` has nothing to hash")
            .help("add `--hmark-tuple`, as `--hmark-tuple src,dst,sport,dport,proto`"));
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let spi = call.extension.option("hmark-spi");
    let port = call
        .extension
        .options
        .iter()
        .find(|option| option.name == "hmark-sport" || option.name == "hmark-dport");
    if let (Some(_), Some(port)) = (spi, port) {
        return Err(ExtError::new(format!(
            "`--{}` with `--hmark-spi`: the kernel refuses an SPI value together with port values",
            port.name
        ))
        .at(port.span));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    fn accepts(family: Family, rule: &str) -> crate::model::Rule {
        accepts_in(family, "filter", "INPUT", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "filter", "INPUT", rule, expected);
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|item| (*item).to_string()).collect())
    }

    #[test]
    fn tuples_masks_and_prefixes() {
        let rule = accepts(
            Family::V4,
            "-j HMARK --hmark-src-prefix 32 --hmark-dst-prefix 32 --hmark-sport-mask 0xffff --hmark-dport-mask 0xffff --hmark-proto-mask 0xffff --hmark-rnd 0x00000004 --hmark-mod 42 --hmark-offset 1 --hmark-tuple ct",
        );
        let hmark = target(&rule);
        assert_eq!(
            hmark.option("hmark-src-prefix").unwrap().value,
            Value::Plen(32)
        );
        assert_eq!(hmark.option("hmark-mod").unwrap().value, Value::UInt(42));
        assert_eq!(hmark.option("hmark-tuple").unwrap().value, list(&["ct"]));
        let rule = accepts(
            Family::V6,
            "-j HMARK --hmark-tuple S,D,SP,DP,P,c --hmark-rnd 1 --hmark-mod 2",
        );
        assert_eq!(
            target(&rule).option("hmark-tuple").unwrap().value,
            list(&["src", "dst", "sport", "dport", "proto", "ct"])
        );
        let prefix = |family, text: &str| {
            let rule = accepts(
                family,
                &format!("-j HMARK --hmark-src-prefix {text} --hmark-rnd 1 --hmark-mod 2"),
            );
            target(&rule)
                .option("hmark-src-prefix")
                .unwrap()
                .value
                .clone()
        };
        assert_eq!(prefix(Family::V4, "255.255.0.0"), Value::Plen(16));
        assert_eq!(prefix(Family::V4, "255.0.255.0"), Value::Plen(32));
        assert_eq!(prefix(Family::V4, "33"), Value::Plen(32));
        assert_eq!(prefix(Family::V4, "256"), Value::Plen(32));
        assert_eq!(prefix(Family::V4, "0"), Value::Plen(0));
        assert_eq!(prefix(Family::V6, "ffff:ff00::"), Value::Plen(24));
        assert_eq!(prefix(Family::V6, "ffff::ff00"), Value::Plen(128));
        let (_, diagnostics, _) = load(
            Family::V4,
            "filter",
            "INPUT",
            "-j HMARK --hmark-src-prefix 33 --hmark-rnd 1 --hmark-mod 2",
        );
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("not a contiguous"))
        );
        accepts(
            Family::V4,
            "-j HMARK --hmark-src-prefix 24 --hmark-tuple src --hmark-rnd 1 --hmark-mod 2",
        );
        accepts(
            Family::V4,
            "-j HMARK --hmark-tuple src,src --hmark-rnd 1 --hmark-mod 2",
        );
        accepts(
            Family::V4,
            "-j HMARK --hmark-sport 1 --hmark-rnd 1 --hmark-mod 2",
        );
        accepts(
            Family::V4,
            "-j HMARK --hmark-spi 1 --hmark-tuple ct --hmark-rnd 1 --hmark-mod 2",
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("-j HMARK", "needs `--hmark-mod`");
        refuses(
            "-j HMARK --hmark-tuple ct --hmark-mod 2",
            "needs `--hmark-rnd`",
        );
        refuses("-j HMARK --hmark-rnd 1 --hmark-mod 2", "nothing to hash");
        refuses(
            "-j HMARK --hmark-tuple ct --hmark-rnd 1 --hmark-mod 0",
            "from 1 to 4294967295",
        );
        refuses(
            "-j HMARK --hmark-src-prefix 32 --hmark-sport-mask 0xffff --hmark-rnd 4 --hmark-mod 42 --hmark-spi-mask 4",
            "SPI mask and on port masks",
        );
        refuses(
            "-j HMARK --hmark-tuple spi,sport --hmark-rnd 1 --hmark-mod 2",
            "SPI mask and on port masks",
        );
        refuses(
            "-j HMARK --hmark-tuple spi --hmark-dport-mask 1 --hmark-rnd 1 --hmark-mod 2",
            "SPI mask",
        );
        refuses(
            "-j HMARK --hmark-tuple src, --hmark-rnd 1 --hmark-mod 2",
            "ends with a comma",
        );
        refuses(
            "-j HMARK --hmark-tuple ,src --hmark-rnd 1 --hmark-mod 2",
            "empty name",
        );
        refuses(
            "-j HMARK --hmark-tuple srcx --hmark-rnd 1 --hmark-mod 2",
            "unknown `--hmark-tuple` element",
        );
        refuses(
            "-j HMARK --hmark-tuple src --hmark-src-prefix 24 --hmark-rnd 1 --hmark-mod 2",
            "already set",
        );
        refuses(
            "-j HMARK --hmark-tuple src --hmark-tuple dst --hmark-rnd 1 --hmark-mod 2",
            "only be given once",
        );
        refuses(
            "-j HMARK --hmark-spi 1 --hmark-sport 2 --hmark-tuple ct --hmark-rnd 1 --hmark-mod 2",
            "SPI value",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j HMARK --hmark-dst-prefix 129 --hmark-rnd 1 --hmark-mod 2",
            "prefix length from 0 to 128",
        );
    }
}
