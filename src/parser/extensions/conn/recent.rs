//! `-m recent` (libxt_recent.c, revision 1 of each family): lists of
//! recently seen addresses. Exactly one of `[!] --set`, `--rcheck`,
//! `--update` or `--remove` is required; `--seconds N` (from 1) and
//! `--hitcount N` narrow the checks, `--reap` (which needs `--seconds`)
//! purges old entries, `--rttl` (not with `--set` or `--remove`) compares
//! TTLs; `--name` picks the list (`DEFAULT`; iptables keeps 199 bytes),
//! `--rsource` (the default) or `--rdest` which address, and `--mask` an
//! address-form mask applied to it (a full mask by default).
//!
//! The kernel refuses `--seconds` and `--hitcount` with `--set` or
//! `--remove`, a hit count from 65536 on (the kernel here keeps at most
//! 65535 time stamps per entry), and list names that are empty, `.`, `..`
//! or contain `/` (they name files in `/proc/net/xt_recent`). It accepts the
//! match in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};

const O_SET: u8 = 0;
const O_RCHECK: u8 = 1;
const O_UPDATE: u8 = 2;
const O_REMOVE: u8 = 3;
const O_SECONDS: u8 = 4;
const O_REAP: u8 = 5;
const O_HITCOUNT: u8 = 6;
const O_RTTL: u8 = 7;
const O_NAME: u8 = 8;
const O_RSOURCE: u8 = 9;
const O_RDEST: u8 = 10;
const O_MASK: u8 = 11;

const ANY_OP: u32 = bit(O_SET) | bit(O_RCHECK) | bit(O_UPDATE) | bit(O_REMOVE);

/// `XT_RECENT_NAME_LEN` is 200 with the final NUL.
const MAX_NAME: usize = 199;
/// The kernel's `XT_RECENT_MAX_NSTAMPS`: hit counts must stay below it.
const MAX_STAMPS: u64 = 65536;

static OPTIONS: [OptSpec; 12] = [
    OptSpec::new("set", O_SET, ArgType::None)
        .invert()
        .excl(ANY_OP),
    OptSpec::new("rcheck", O_RCHECK, ArgType::None)
        .invert()
        .excl(ANY_OP),
    OptSpec::new("update", O_UPDATE, ArgType::None)
        .invert()
        .excl(ANY_OP),
    OptSpec::new("remove", O_REMOVE, ArgType::None)
        .invert()
        .excl(ANY_OP),
    OptSpec::new("seconds", O_SECONDS, ArgType::UInt32).min(1),
    OptSpec::new("reap", O_REAP, ArgType::None).also(bit(O_SECONDS)),
    OptSpec::new("hitcount", O_HITCOUNT, ArgType::UInt32),
    OptSpec::new("rttl", O_RTTL, ArgType::None).excl(bit(O_SET) | bit(O_REMOVE)),
    OptSpec::new("name", O_NAME, ArgType::String),
    OptSpec::new("rsource", O_RSOURCE, ArgType::None),
    OptSpec::new("rdest", O_RDEST, ArgType::None),
    OptSpec::new("mask", O_MASK, ArgType::Host),
];

pub static RECENT: ExtensionDef = ExtensionDef {
    name: "recent",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_NAME => {
            let kept = call.kept_text(MAX_NAME, "list name");
            Ok(Value::Text(kept.into()))
        }
        _ => call.generic(),
    }
}

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(ANY_OP, "-m recent --rcheck --seconds 60")?;
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let extension = call.extension;
    let operation = ["set", "remove"]
        .into_iter()
        .find(|name| extension.has_option(name));
    if let Some(operation) = operation {
        for option in ["seconds", "hitcount"] {
            if let Some(found) = extension.option(option) {
                return Err(ExtError::new(format!(
                    "the kernel refuses `--{option}` with `--{operation}`: only `--rcheck` and `--update` use it"
                ))
                .at(found.span));
            }
        }
    }
    if let Some(hitcount) = extension.option("hitcount") {
        if hitcount
            .value
            .as_uint()
            .is_some_and(|count| count >= MAX_STAMPS)
        {
            return Err(ExtError::new(format!(
                "the kernel refuses a hit count above {}",
                MAX_STAMPS - 1
            ))
            .at(hitcount.span));
        }
    }
    if let Some(name) = extension.option("name") {
        let text = name.value.as_text().unwrap_or("");
        if text.is_empty() || text == "." || text == ".." || text.contains('/') {
            return Err(ExtError::new(format!(
                "the kernel refuses the list name `{text}`: it names a file in /proc/net/xt_recent"
            ))
            .at(name.span)
            .help("use a non-empty name without `/` that is not `.` or `..`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    #[test]
    fn operations_and_modifiers() {
        let rule = accepts(
            "-m recent ! --update --seconds 60 --reap --hitcount 4 --rttl --name ssh --rdest -j DROP",
        );
        let recent = match_named(&rule, "recent");
        assert!(recent.option("update").unwrap().negated);
        assert_eq!(recent.option("seconds").unwrap().value, Value::UInt(60));
        assert_eq!(recent.option("hitcount").unwrap().value, Value::UInt(4));
        assert_eq!(
            recent.option("name").unwrap().value,
            Value::Text("ssh".into())
        );
        assert!(
            recent.has_option("reap") && recent.has_option("rttl") && recent.has_option("rdest")
        );
        let rule = accepts("-m recent --rcheck --mask 255.255.0.0 --rsource");
        assert_eq!(
            match_named(&rule, "recent").option("mask").unwrap().value,
            Value::Host("255.255.0.0".parse::<IpAddr>().unwrap())
        );
        // getaddrinfo reads short IPv4 forms.
        let rule = accepts("-m recent --rcheck --mask 10.1");
        assert_eq!(
            match_named(&rule, "recent").option("mask").unwrap().value,
            Value::Host("10.0.0.1".parse::<IpAddr>().unwrap())
        );
        accepts6("-m recent --set --mask ffff:ffff:ffff:ffff::");
        accepts("-m recent --rcheck --rdest --rsource");
        accepts("-m recent --rcheck --hitcount 65535");
        accepts("-m recent --set");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m recent --rttl", "needs one of `--set`");
        refuses("-m recent --set --rcheck", "cannot be used together");
        refuses("-m recent --set --set", "can only be given once");
        refuses("-m recent --set --rttl", "cannot be used together");
        refuses("-m recent --remove --rttl", "cannot be used together");
        refuses("-m recent --rcheck --reap", "also needs `--seconds`");
        refuses("-m recent --rcheck --seconds 0", "--seconds");
        refuses(
            "-m recent --rcheck --rdest --rdest",
            "can only be given once",
        );
        refuses("-m recent --rcheck ! --rttl", "cannot be negated");
        refuses("-m recent --rcheck --mask 1.2.3.4/8", "not an IPv4 address");
    }

    #[test]
    fn kernel_checks() {
        refuses("-m recent --set --seconds 5", "`--seconds` with `--set`");
        refuses(
            "-m recent --remove --hitcount 5",
            "`--hitcount` with `--remove`",
        );
        refuses(
            "-m recent --rcheck --hitcount 65536",
            "hit count above 65535",
        );
        refuses("-m recent --rcheck --name \"\"", "list name ``");
        refuses("-m recent --rcheck --name .", "list name `.`");
        refuses("-m recent --rcheck --name a/b", "list name `a/b`");
    }

    #[test]
    fn long_names_are_cut() {
        let long = "n".repeat(210);
        let rule = accepts(&format!("-m recent --rcheck --name {long}"));
        assert_eq!(
            match_named(&rule, "recent").option("name").unwrap().value,
            Value::Text("n".repeat(199).into())
        );
        assert!(
            warnings(Family::V4, &format!("-m recent --rcheck --name {long}"))
                .iter()
                .any(|w| w.message.contains("first 199"))
        );
    }
}
