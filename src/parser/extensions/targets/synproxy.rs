//! `-j SYNPROXY` (libxt_SYNPROXY.c): answers a TCP SYN with a SYN cookie
//! and opens the connection to the server only once the client's ACK
//! proves the cookie. The SYN and the client's ACK are consumed; every other
//! packet goes on with the next rule, so whether the rule ends traversal
//! depends on the packet.
//!
//! iptables reads `--wscale` and `--mss` as 32-bit numbers but the kernel
//! keeps 8 and 16 bits of them. The kernel accepts SYNPROXY only with
//! `-p tcp` (not negated) and in chains reached from INPUT and FORWARD.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};

const O_SACK_PERM: u8 = 0;
const O_TIMESTAMP: u8 = 1;
const O_WSCALE: u8 = 2;
const O_MSS: u8 = 3;
const O_ECN: u8 = 4;

/// The largest window scale TCP uses (RFC 7323).
const MAX_WSCALE: u64 = 14;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("sack-perm", O_SACK_PERM, ArgType::None),
    OptSpec::new("timestamp", O_TIMESTAMP, ArgType::None),
    OptSpec::new("wscale", O_WSCALE, ArgType::UInt32),
    OptSpec::new("mss", O_MSS, ArgType::UInt32),
    OptSpec::new("ecn", O_ECN, ArgType::None),
];

pub static SYNPROXY: ExtensionDef = ExtensionDef {
    name: "SYNPROXY",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(6),
        hooks: Hook::Input.bit() | Hook::Forward.bit(),
        ..KernelReqs::NONE
    },
    termination: Termination::Depends,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let value = call.generic()?;
    let (bits, Some(number)) = (
        match call.spec.id {
            O_WSCALE => 8,
            O_MSS => 16,
            _ => return Ok(value),
        },
        value.as_uint(),
    ) else {
        return Ok(value);
    };
    let kept = number & ((1 << bits) - 1);
    let name = call.spec.name;
    if kept != number {
        call.warn(format!(
            "`--{name} {number}` does not fit in {bits} bits: the kernel keeps {kept}"
        ));
    }
    if call.spec.id == O_WSCALE && kept > MAX_WSCALE {
        call.warn(format!(
            "window scale {kept} is above {MAX_WSCALE}: TCP peers treat it as {MAX_WSCALE}"
        ));
    }
    Ok(Value::UInt(kept))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, refuses, refuses_in, target, warnings,
    };

    #[test]
    fn options_and_values() {
        let rule = accepts(
            "-p tcp -m tcp --dport 42 -m conntrack --ctstate INVALID,UNTRACKED -j SYNPROXY --sack-perm --timestamp --wscale 9 --mss 1460",
        );
        let synproxy = target(&rule);
        assert_eq!(synproxy.option("wscale").unwrap().value, Value::UInt(9));
        assert_eq!(synproxy.option("mss").unwrap().value, Value::UInt(1460));
        assert_eq!(synproxy.option("ecn"), None);
        accepts_in(Family::V4, "mangle", "INPUT", "-p tcp -j SYNPROXY --ecn");
        accepts_in(Family::V6, "security", "FORWARD", "-p tcp -j SYNPROXY");
    }

    #[test]
    fn truncated_values_get_warnings() {
        let rule = accepts("-p tcp -j SYNPROXY --wscale 300 --mss 70000");
        assert_eq!(
            target(&rule).option("wscale").unwrap().value,
            Value::UInt(44)
        );
        assert_eq!(
            target(&rule).option("mss").unwrap().value,
            Value::UInt(4464)
        );
        let found = warnings(Family::V4, "-p tcp -j SYNPROXY --wscale 300 --mss 70000");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("the kernel keeps 44")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("the kernel keeps 4464")),
            "{found:?}"
        );
        assert!(
            warnings(Family::V4, "-p tcp -j SYNPROXY --wscale 15")
                .iter()
                .any(|w| w.message.contains("above 14"))
        );
        assert!(warnings(Family::V4, "-p tcp -j SYNPROXY --wscale 14 --mss 65535").is_empty());
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses(
            "-j SYNPROXY --sack-perm --timestamp --mss 1460 --wscale 9",
            "works only with `-p tcp`",
        );
        refuses("! -p tcp -j SYNPROXY", "works only with `-p tcp`");
        refuses(
            "-p tcp -j SYNPROXY --wscale 4294967296",
            "from 0 to 4294967295",
        );
        refuses("-p tcp -j SYNPROXY --ecn --ecn", "only be given once");
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-p tcp -j SYNPROXY",
            "works only in chains reached from INPUT, FORWARD",
        );
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-p tcp -j SYNPROXY",
            "works only in chains reached from INPUT, FORWARD",
        );
    }
}
