//! `-m addrtype` (libxt_addrtype.c, revision 1): matches the routing type of
//! the source or destination address (`--src-type`, `--dst-type`: a comma
//! list of `UNSPEC`, `UNICAST`, `LOCAL`, `BROADCAST`, `ANYCAST`, `MULTICAST`,
//! `BLACKHOLE`, `UNREACHABLE`, `PROHIBIT`, `THROW`, `NAT`, `XRESOLVE`; each
//! item may be any leading part of a name, in any case, and means the first
//! name it starts). `--limit-iface-in` / `--limit-iface-out` restrict the
//! route lookup to the packet's input or output interface.
//!
//! The kernel refuses `--limit-iface-in` in chains reached from `OUTPUT` or
//! `POSTROUTING`, `--limit-iface-out` in chains reached from `PREROUTING` or
//! `INPUT`, and for IPv6 the types `BROADCAST`, `BLACKHOLE`, `PROHIBIT`,
//! `THROW`, `NAT` and `XRESOLVE`.

use crate::model::{ExtensionKind, Family, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};

const O_SRC: u8 = 0;
const O_DST: u8 = 1;
const O_IN: u8 = 2;
const O_OUT: u8 = 3;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("src-type", O_SRC, ArgType::String).invert(),
    OptSpec::new("dst-type", O_DST, ArgType::String).invert(),
    OptSpec::new("limit-iface-in", O_IN, ArgType::None).excl(bit(O_OUT)),
    OptSpec::new("limit-iface-out", O_OUT, ArgType::None).excl(bit(O_IN)),
];

pub static ADDRTYPE: ExtensionDef = ExtensionDef {
    name: "addrtype",
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

/// The address types, in the kernel's bit order (`RTN_*`).
pub const TYPES: [&str; 12] = [
    "UNSPEC",
    "UNICAST",
    "LOCAL",
    "BROADCAST",
    "ANYCAST",
    "MULTICAST",
    "BLACKHOLE",
    "UNREACHABLE",
    "PROHIBIT",
    "THROW",
    "NAT",
    "XRESOLVE",
];

/// Types the kernel refuses for IPv6.
const NOT_IPV6: [&str; 6] = [
    "BROADCAST",
    "BLACKHOLE",
    "PROHIBIT",
    "THROW",
    "NAT",
    "XRESOLVE",
];

/// The first type whose name starts with `item` (case-insensitive).
fn find_type(item: &str) -> Option<usize> {
    if item.is_empty() {
        return None;
    }
    TYPES.iter().position(|name| {
        name.get(..item.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(item))
    })
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if matches!(call.spec.id, O_IN | O_OUT) {
        return Ok(Value::Flag);
    }
    let text = call.arg_text();
    let mut mask = 0u16;
    let mut offset = 0;
    for item in text.split(',') {
        let start = offset;
        offset += item.len() + 1;
        let Some(index) = find_type(item) else {
            let (shown, span) = match (item.is_empty(), call.arg) {
                (false, Some(arg)) => (item, arg.sub_span(start..start + item.len())),
                _ => (text, call.arg_span()),
            };
            return Err(ExtError::new(format!(
                "unknown address type `{shown}` in `--{}`",
                call.spec.name
            ))
            .at(span)
            .help(format!(
                "address types are {}, separated by commas",
                TYPES.join(", ")
            )));
        };
        mask |= 1 << index;
    }
    let names: Vec<String> = TYPES
        .iter()
        .enumerate()
        .filter(|(index, _)| mask & (1 << index) != 0)
        .map(|(_, name)| (*name).to_string())
        .collect();
    Ok(Value::List(names.into()))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(bit(O_SRC) | bit(O_DST), "-m addrtype --dst-type LOCAL")?;
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let options = &call.extension.options;
    if call.family == Family::V6 {
        for option in options {
            let Value::List(names) = &option.value else {
                continue;
            };
            if let Some(name) = names.iter().find(|name| NOT_IPV6.contains(&name.as_str())) {
                return Err(ExtError::new(format!(
                    "the kernel does not match address type `{name}` for IPv6: it refuses this rule"
                ))
                .at(option.span)
                .help(
                    "IPv6 knows only UNSPEC, UNICAST, LOCAL, ANYCAST, MULTICAST and UNREACHABLE",
                ));
            }
        }
    }
    if options.iter().any(|option| option.name == "limit-iface-in") {
        call.refuse_hooks(
            Hook::Output.bit() | Hook::Postrouting.bit(),
            "`--limit-iface-in` (the input interface)",
        )?;
    }
    if options
        .iter()
        .any(|option| option.name == "limit-iface-out")
    {
        call.refuse_hooks(
            Hook::Prerouting.bit() | Hook::Input.bit(),
            "`--limit-iface-out` (the output interface)",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::error_text;
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, match_named, refuses, refuses_in, refuses6,
    };

    fn types(rule: &str, option: &str) -> Value {
        let rule = accepts(rule);
        match_named(&rule, "addrtype")
            .option(option)
            .unwrap()
            .value
            .clone()
    }

    fn list(names: &[&str]) -> Value {
        Value::List(names.iter().map(|name| (*name).to_string()).collect())
    }

    #[test]
    fn type_lists_in_kernel_order() {
        assert_eq!(
            types("-m addrtype --src-type UNSPEC", "src-type"),
            list(&["UNSPEC"])
        );
        assert_eq!(
            types(
                "-m addrtype --dst-type xresolve,blackhole,BROADCAST",
                "dst-type"
            ),
            list(&["BROADCAST", "BLACKHOLE", "XRESOLVE"])
        );
        // A leading part of a name is enough: the first name it starts.
        assert_eq!(
            types("-m addrtype --src-type LOC", "src-type"),
            list(&["LOCAL"])
        );
        assert_eq!(
            types("-m addrtype --src-type UN", "src-type"),
            list(&["UNSPEC"])
        );
        assert_eq!(
            types("-m addrtype --src-type uni", "src-type"),
            list(&["UNICAST"])
        );
        let rule = accepts("-m addrtype ! --src-type LOCAL --dst-type LOCAL --limit-iface-in");
        let addrtype = match_named(&rule, "addrtype");
        assert!(addrtype.option("src-type").unwrap().negated);
        assert_eq!(
            addrtype.option("limit-iface-in").unwrap().value,
            Value::Flag
        );
        accepts_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m addrtype --dst-type LOCAL --limit-iface-out",
        );
        accepts6("-m addrtype --dst-type UNREACHABLE,LOCAL,MULTICAST,ANYCAST,UNICAST,UNSPEC");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m addrtype", "needs `--src-type` or `--dst-type`");
        refuses(
            "-m addrtype --limit-iface-in",
            "needs `--src-type` or `--dst-type`",
        );
        refuses(
            "-m addrtype --src-type wrong",
            "unknown address type `wrong`",
        );
        refuses("-m addrtype --src-type LOCALX", "unknown address type");
        refuses("-m addrtype --src-type local,", "unknown address type");
        refuses("-m addrtype --src-type ,LOCAL", "unknown address type");
        refuses(
            "-m addrtype --src-type LOCAL --src-type UNICAST",
            "only be given once",
        );
        refuses(
            "-m addrtype --src-type LOCAL ! --limit-iface-in",
            "cannot be negated",
        );
        refuses(
            "-m addrtype --src-type LOCAL --limit-iface-in --limit-iface-out",
            "cannot be used together",
        );
    }

    #[test]
    fn errors_point_at_the_bad_type() {
        let text = error_text(Family::V4, "-m addrtype --src-type LOCAL,BOGUS");
        assert_eq!(text, "BOGUS");
        let text = error_text(Family::V4, "-m addrtype --src-type \"LOCAL,BOGUS\"");
        assert_eq!(text, "\"LOCAL,BOGUS\"");
    }

    #[test]
    fn kernel_restrictions() {
        refuses(
            "-m addrtype --src-type LOCAL --limit-iface-out",
            "not allowed in chains reached from `INPUT`",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-m addrtype --src-type LOCAL --limit-iface-in",
            "not allowed in chains reached from `OUTPUT`",
        );
        refuses_in(
            Family::V4,
            "nat",
            "POSTROUTING",
            "-m addrtype --src-type LOCAL --limit-iface-in",
            "not allowed",
        );
        refuses6(
            "-m addrtype --src-type BROADCAST",
            "address type `BROADCAST` for IPv6",
        );
        refuses6(
            "-m addrtype --dst-type LOCAL,BLACKHOLE",
            "address type `BLACKHOLE`",
        );
        refuses6("-m addrtype --dst-type THROW", "address type `THROW`");
        accepts("-m addrtype --src-type BROADCAST,BLACKHOLE,THROW");
    }
}
