//! `-m policy` (libxt_policy.c, both families): matches the IPsec policy
//! that decapsulated (`--dir in`) or will encapsulate (`--dir out`) the
//! packet. `--pol ipsec` (the default) or `none`; `--strict` compares the
//! whole policy element by element instead of looking for one matching
//! element. An element is described by `--reqid`, `--spi` (32-bit numbers),
//! `--proto` (`ah`, `esp` or `ipcomp`), `--mode` (`transport` or
//! `tunnel`), `--tunnel-src` and `--tunnel-dst` (address/mask as
//! libxtables reads `XTTYPE_HOSTMASK`, see [`crate::parser::extensions::generic::parse_host_mask`]; tunnel mode
//! only), each at most once per element; `--next` (with `--strict` only)
//! starts the next element, up to 4 elements.
//!
//! The kernel refuses `--dir in` in chains reached from `OUTPUT` or
//! `POSTROUTING`, and `--dir out` in chains reached from `PREROUTING` or
//! `INPUT`.

use crate::model::{ExtOption, ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};

const O_DIRECTION: u8 = 0;
const O_POLICY: u8 = 1;
const O_STRICT: u8 = 2;
const O_REQID: u8 = 3;
const O_SPI: u8 = 4;
const O_PROTO: u8 = 5;
const O_MODE: u8 = 6;
const O_TUNNEL_SRC: u8 = 7;
const O_TUNNEL_DST: u8 = 8;
const O_NEXT: u8 = 9;

/// At most this many policy elements (`XT_POLICY_MAX_ELEM`).
const MAX_ELEMENTS: usize = 4;

static OPTIONS: [OptSpec; 10] = [
    OptSpec::new("dir", O_DIRECTION, ArgType::String),
    OptSpec::new("pol", O_POLICY, ArgType::String),
    OptSpec::new("strict", O_STRICT, ArgType::None),
    OptSpec::new("reqid", O_REQID, ArgType::UInt32)
        .multi()
        .invert(),
    OptSpec::new("spi", O_SPI, ArgType::UInt32).multi().invert(),
    OptSpec::new("tunnel-src", O_TUNNEL_SRC, ArgType::HostMask)
        .multi()
        .invert(),
    OptSpec::new("tunnel-dst", O_TUNNEL_DST, ArgType::HostMask)
        .multi()
        .invert(),
    OptSpec::new("proto", O_PROTO, ArgType::Protocol)
        .multi()
        .invert(),
    OptSpec::new("mode", O_MODE, ArgType::String)
        .multi()
        .invert(),
    OptSpec::new("next", O_NEXT, ArgType::None)
        .multi()
        .also(bit(O_STRICT)),
];

pub static POLICY: ExtensionDef = ExtensionDef {
    name: "policy",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// The options that describe a policy element.
const ELEMENT_OPTIONS: [&str; 6] = ["reqid", "spi", "tunnel-src", "tunnel-dst", "proto", "mode"];

/// The options of the last element so far (after the last `--next`).
fn current_element(previous: &[ExtOption]) -> &[ExtOption] {
    let start = previous
        .iter()
        .rposition(|option| option.name == "next")
        .map_or(0, |index| index + 1);
    &previous[start..]
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let id = call.spec.id;
    let name = call.spec.name;
    if ELEMENT_OPTIONS.contains(&name)
        && current_element(call.previous)
            .iter()
            .any(|option| option.name == name)
    {
        return Err(ExtError::new(format!(
            "`--{name}` is given twice in the same policy element"
        ))
        .at(call.span)
        .help("start a new element with `--next` (which needs `--strict`)"));
    }
    match id {
        O_DIRECTION => call.symbol(&["in", "out"], false),
        O_POLICY => call.symbol(&["none", "ipsec"], false),
        O_MODE => call.symbol(&["transport", "tunnel"], false),
        O_TUNNEL_SRC | O_TUNNEL_DST => call.generic(),
        O_PROTO => {
            let value = call.generic()?;
            if !matches!(value, Value::Protocol(50 | 51 | 108)) {
                return Err(call
                    .error(format!(
                        "`--proto {}` is not an IPsec protocol",
                        call.arg_text()
                    ))
                    .help("the policy protocol is `ah`, `esp` or `ipcomp`"));
            }
            Ok(value)
        }
        O_NEXT => {
            let elements = call
                .previous
                .iter()
                .filter(|option| option.name == "next")
                .count()
                + 1;
            if elements + 1 > MAX_ELEMENTS {
                return Err(
                    ExtError::new(format!("a policy has at most {MAX_ELEMENTS} elements"))
                        .at(call.span),
                );
            }
            Ok(Value::Flag)
        }
        _ => call.generic(),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if !call.has(O_DIRECTION) {
        return Err(call
            .error("`policy` needs `--dir in` or `--dir out`")
            .help("`--dir in` matches the policy that decapsulated the packet, `--dir out` the one that will encapsulate it"));
    }
    let none = call
        .option("pol")
        .is_some_and(|option| option.value == Value::Symbol("none".into()));
    if none {
        if call.has(O_STRICT) {
            return Err(call.error("`--pol none` cannot be combined with `--strict`"));
        }
        if call.has(O_NEXT) {
            return Err(call.error("`--pol none` cannot describe policy elements (`--next`)"));
        }
        if let Some(option) = call
            .options
            .iter()
            .find(|option| ELEMENT_OPTIONS.contains(&option.name.as_ref()))
        {
            let span = option.span;
            call.warnings.push(
                crate::parser::extensions::ExtWarning::new(
                    format!(
                        "`--{}` is ignored with `--pol none`: iptables drops it",
                        option.name
                    ),
                    span,
                )
                .help("remove it, or match `--pol ipsec`"),
            );
        }
        return Ok(());
    }
    let strict = call.has(O_STRICT);
    for (index, element) in call
        .options
        .split(|option| option.name == "next")
        .enumerate()
    {
        let described = element
            .iter()
            .any(|option| ELEMENT_OPTIONS.contains(&option.name.as_ref()));
        if strict && !described {
            return Err(call
                .error(format!("policy element {index} is empty, but `--strict` needs each element described"))
                .help("give at least one of `--reqid`, `--spi`, `--proto`, `--mode`, `--tunnel-src` and `--tunnel-dst` in each element"));
        }
        let tunnel_address = element
            .iter()
            .find(|option| matches!(option.name.as_ref(), "tunnel-src" | "tunnel-dst"));
        if let Some(address) = tunnel_address {
            let mode = element.iter().find(|option| option.name == "mode");
            let tunnel = match mode {
                Some(mode) => (mode.value == Value::Symbol("tunnel".into())) != mode.negated,
                None => false,
            };
            if !tunnel {
                return Err(ExtError::new(format!(
                    "`--{}` is valid only in tunnel mode",
                    address.name
                ))
                .at(address.span)
                .help("add `--mode tunnel` to the same policy element"));
            }
        }
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let Some(direction) = call.extension.option("dir") else {
        return Ok(());
    };
    if direction.value == Value::Symbol("in".into()) {
        call.refuse_hooks(
            Hook::Output.bit() | Hook::Postrouting.bit(),
            "`--dir in` (the decapsulation policy)",
        )
    } else {
        call.refuse_hooks(
            Hook::Prerouting.bit() | Hook::Input.bit(),
            "`--dir out` (the encapsulation policy)",
        )
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{AddrMask, Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, match_named, refuses, refuses_in, refuses6, warnings,
    };

    #[test]
    fn elements_and_values() {
        let rule = accepts(
            "-m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x1 --proto esp --mode tunnel \
             --tunnel-dst 10.0.0.0/8 --tunnel-src 10.0.0.0/8 --next --reqid 2",
        );
        let policy = match_named(&rule, "policy");
        assert_eq!(
            policy.option("dir").unwrap().value,
            Value::Symbol("in".into())
        );
        assert_eq!(policy.option("spi").unwrap().value, Value::UInt(1));
        assert_eq!(policy.option("proto").unwrap().value, Value::Protocol(50));
        assert_eq!(
            policy.option("tunnel-dst").unwrap().value,
            Value::HostMask(Box::new(AddrMask {
                addr: "10.0.0.0".parse::<IpAddr>().unwrap(),
                mask: "255.0.0.0".parse::<IpAddr>().unwrap(),
            }))
        );
        assert_eq!(
            policy
                .options
                .iter()
                .filter(|option| option.name == "reqid")
                .count(),
            2
        );
        accepts("-m policy --dir in --pol ipsec --proto ipcomp");
        accepts("-m policy --dir in");
        accepts("-m policy --dir in --pol ipsec --tunnel-src 1.2.3.4 ! --mode transport");
        accepts(
            "-m policy --dir in --pol ipsec --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4",
        );
        accepts6(
            "-m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x1 --proto ipcomp --mode tunnel \
             --tunnel-dst 2001:db8::/32 --tunnel-src 2001:db8::/32 --next --reqid 2",
        );
        accepts_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m policy --dir out --pol ipsec",
        );
        accepts_in(
            Family::V4,
            "filter",
            "FORWARD",
            "-m policy --dir out --pol none",
        );
    }

    fn tunnel_src(address: &str) -> Value {
        let rule = accepts(&format!(
            "-m policy --dir in --mode tunnel --tunnel-src {address}"
        ));
        match_named(&rule, "policy")
            .option("tunnel-src")
            .unwrap()
            .value
            .clone()
    }

    fn net(addr: &str, mask: &str) -> Value {
        Value::HostMask(Box::new(AddrMask {
            addr: addr.parse::<IpAddr>().unwrap(),
            mask: mask.parse::<IpAddr>().unwrap(),
        }))
    }

    #[test]
    fn tunnel_addresses_as_getaddrinfo_reads_them() {
        assert_eq!(tunnel_src("10.1"), net("10.0.0.1", "255.255.255.255"));
        assert_eq!(tunnel_src("010.0.0.1"), net("8.0.0.1", "255.255.255.255"));
        assert_eq!(
            tunnel_src("1.2.3.4/255.255.0.0"),
            net("1.2.0.0", "255.255.0.0")
        );
        assert_eq!(tunnel_src("1.2.3.4/0x10"), net("1.2.0.0", "255.255.0.0"));
        assert_eq!(tunnel_src("1.2.3.4/0"), net("0.0.0.0", "0.0.0.0"));
        // Masks that are not prefixes become the full mask.
        assert_eq!(tunnel_src("1.2.3.4/33"), net("1.2.3.4", "255.255.255.255"));
        assert_eq!(
            tunnel_src("1.2.3.4/255.0.255.0"),
            net("1.2.3.4", "255.255.255.255")
        );
        let found = warnings(
            Family::V4,
            "-m policy --dir in --mode tunnel --tunnel-src 1.2.3.4/33",
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("not a contiguous network mask")),
            "{found:?}"
        );
        refuses(
            "-m policy --dir in --mode tunnel --tunnel-src 1.2.3.4/24/2",
            "neither a prefix length from 0 to 32 nor a network mask",
        );
        refuses(
            "-m policy --dir in --mode tunnel --tunnel-src 1.2.3.4/-1",
            "neither a prefix length from 0 to 32 nor a network mask",
        );
        refuses(
            "-m policy --dir in --mode tunnel --tunnel-src 08.0.0.1",
            "not an IPv4 address",
        );
        refuses(
            "-m policy --dir in --mode tunnel --tunnel-src 1.2.3.256",
            "not an IPv4 address",
        );
        refuses6(
            "-m policy --dir in --mode tunnel --tunnel-src 1.2.3.4",
            "not an IPv6 address",
        );
    }

    #[test]
    fn element_options_are_ignored_with_pol_none() {
        accepts("-m policy --dir in --pol none --reqid 1");
        let found = warnings(Family::V4, "-m policy --dir in --pol none --reqid 1");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("ignored with `--pol none`")),
            "{found:?}"
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m policy --dir in --pol ipsec --strict",
            "element 0 is empty",
        );
        refuses(
            "-m policy --dir in --pol ipsec --strict --reqid 1 --next",
            "element 1 is empty",
        );
        refuses(
            "-m policy --dir in --pol ipsec --strict --reqid 1 --spi 0x1 --proto esp --tunnel-dst 10.0.0.0/8",
            "valid only in tunnel mode",
        );
        refuses6(
            "-m policy --dir in --pol ipsec --tunnel-src 2001:db8::/32 ! --mode tunnel",
            "valid only in tunnel mode",
        );
        refuses(
            "-m policy --dir in --pol ipsec --reqid 1 --reqid 2",
            "twice in the same policy element",
        );
        refuses(
            "-m policy --dir in --pol ipsec --reqid 1 --next --reqid 2",
            "`--next` also needs `--strict`",
        );
        refuses(
            "-m policy --dir in --strict --reqid 1 --next --reqid 2 --next --reqid 3 --next --reqid 4 --next --reqid 5",
            "at most 4 elements",
        );
        refuses(
            "-m policy --dir in --pol ipsec --proto tcp",
            "not an IPsec protocol",
        );
        refuses(
            "-m policy --dir in --pol ipsec --mode Tunnel",
            "unknown value `Tunnel` for `--mode`",
        );
        refuses("-m policy --dir sideways", "unknown value `sideways`");
        refuses("-m policy --pol ipsec", "needs `--dir in` or `--dir out`");
        refuses("-m policy --dir in --dir out", "only be given once");
        refuses(
            "-m policy --dir in --pol none --strict --reqid 1",
            "cannot be combined with `--strict`",
        );
        refuses("-m policy ! --dir in", "cannot be negated");
    }

    #[test]
    fn kernel_restrictions() {
        refuses(
            "-m policy --dir out --pol ipsec",
            "`--dir out` (the encapsulation policy) is not allowed",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m policy --dir in --pol ipsec",
            "`--dir in`",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "PREROUTING",
            "-m policy --dir out",
            "`PREROUTING`",
        );
    }
}
