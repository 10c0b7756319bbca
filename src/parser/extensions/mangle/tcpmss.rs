//! `-j TCPMSS` (libxt_TCPMSS.c): lowers the MSS option of TCP SYN packets,
//! to `--set-mss N` or to the path MTU minus the headers
//! (`--clamp-mss-to-pmtu`, stored as a flag). iptables does not make the
//! two exclusive: the last one given is the one the kernel gets. The
//! largest MSS is 65535 minus the IP header (65515 for IPv4, 65495 for
//! IPv6).
//!
//! The kernel requires `-p tcp` and a `tcp` match that selects SYN packets
//! (`--syn`, or `--tcp-flags` with SYN among the flags that must be set,
//! not negated). Clamping to the path MTU works only in chains reached from
//! FORWARD, OUTPUT and POSTROUTING.

use crate::model::{ExtensionKind, Hook, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, KernelCall, KernelReqs, OptSpec,
    Termination, hook_names,
};

const O_SET_MSS: u8 = 0;
const O_CLAMP_MSS: u8 = 1;

/// The SYN bit of the TCP flags.
const SYN: u8 = 0x02;

static OPTIONS4: [OptSpec; 2] = [
    OptSpec::new("set-mss", O_SET_MSS, ArgType::UInt16).max(65535 - 20),
    OptSpec::new("clamp-mss-to-pmtu", O_CLAMP_MSS, ArgType::None),
];

static OPTIONS6: [OptSpec; 2] = [
    OptSpec::new("set-mss", O_SET_MSS, ArgType::UInt16).max(65535 - 40),
    OptSpec::new("clamp-mss-to-pmtu", O_CLAMP_MSS, ArgType::None),
];

const KERNEL: KernelReqs = KernelReqs {
    proto: Some(6),
    check: Some(kernel_check),
    ..KernelReqs::NONE
};

pub static TCPMSS4: ExtensionDef = ExtensionDef {
    name: "TCPMSS",
    kind: ExtensionKind::Target,
    families: Families::V4,
    options: &OPTIONS4,
    final_check: Some(final_check),
    kernel: KERNEL,
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

pub static TCPMSS6: ExtensionDef = ExtensionDef {
    name: "TCPMSS",
    kind: ExtensionKind::Target,
    families: Families::V6,
    options: &OPTIONS6,
    final_check: Some(final_check),
    kernel: KERNEL,
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-j TCPMSS --clamp-mss-to-pmtu")?;
    Ok(())
}

/// Does the rule have a `tcp` match that the kernel counts as selecting
/// SYN packets?
fn has_syn_match(call: &KernelCall<'_>) -> bool {
    call.rule.matches_named("tcp").any(|tcp| {
        tcp.options.iter().any(|option| {
            matches!(option.value, Value::TcpFlags { compare, .. } if compare & SYN != 0)
                && !option.negated
        })
    })
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let clamps = call
        .extension
        .options
        .last()
        .is_some_and(|option| option.name == "clamp-mss-to-pmtu");
    if clamps {
        let allowed = Hook::Forward.bit() | Hook::Output.bit() | Hook::Postrouting.bit();
        let wrong = call.hooks & !allowed;
        if wrong != 0 {
            return Err(call
                .error(format!(
                    "`TCPMSS --clamp-mss-to-pmtu` works only in chains reached from FORWARD, OUTPUT and POSTROUTING, not from {}",
                    hook_names(wrong)
                ))
                .help("clamp in the FORWARD, OUTPUT or POSTROUTING chain, or use `--set-mss`"));
        }
    }
    // `-p tcp` itself is checked through `proto`.
    if call.protocol() == Some(6) && !has_syn_match(call) {
        return Err(call
            .error("`TCPMSS` works only on TCP SYN packets: the kernel refuses it without a match on the SYN flag")
            .help("add `--syn` or `--tcp-flags SYN,RST SYN` after `-p tcp`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    fn accepts(chain: &str, rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "mangle", chain, rule)
    }

    fn refuses(chain: &str, rule: &str, expected: &str) {
        refuses_in(Family::V4, "mangle", chain, rule, expected);
    }

    #[test]
    fn syn_packets_get_their_mss_set_or_clamped() {
        let rule = accepts(
            "FORWARD",
            "-p tcp -m tcp --tcp-flags FIN,SYN,RST,ACK SYN -j TCPMSS --set-mss 42",
        );
        assert_eq!(
            target(&rule).option("set-mss").unwrap().value,
            Value::UInt(42)
        );
        let rule = accepts("POSTROUTING", "-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu");
        assert_eq!(
            target(&rule).option("clamp-mss-to-pmtu").unwrap().value,
            Value::Flag
        );
        accepts("FORWARD", "-p tcp --syn -j TCPMSS --set-mss 65515");
        accepts(
            "FORWARD",
            "-p tcp --tcp-flags ALL SYN,ACK -j TCPMSS --set-mss 0",
        );
        accepts(
            "FORWARD",
            "-p tcp -m tcp --dport 80 -m tcp --syn -j TCPMSS --set-mss 1",
        );
        // The last of the two options counts.
        accepts(
            "PREROUTING",
            "-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu --set-mss 1",
        );
        accepts_in(
            Family::V4,
            "filter",
            "INPUT",
            "-p tcp --syn -j TCPMSS --set-mss 1",
        );
        accepts_in(
            Family::V6,
            "mangle",
            "OUTPUT",
            "-p tcp --syn -j TCPMSS --set-mss 65495",
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses("FORWARD", "-j TCPMSS", "needs `--set-mss`");
        refuses(
            "FORWARD",
            "-p tcp --syn -j TCPMSS --set-mss 65516",
            "from 0 to 65515",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "FORWARD",
            "-p tcp --syn -j TCPMSS --set-mss 65496",
            "from 0 to 65495",
        );
        refuses(
            "FORWARD",
            "-p tcp -j TCPMSS --set-mss 42",
            "only on TCP SYN packets",
        );
        refuses(
            "FORWARD",
            "-p tcp ! --syn -j TCPMSS --set-mss 1",
            "only on TCP SYN packets",
        );
        refuses(
            "FORWARD",
            "-p tcp ! --tcp-flags SYN SYN -j TCPMSS --set-mss 1",
            "only on TCP SYN packets",
        );
        refuses(
            "FORWARD",
            "-p tcp --tcp-flags SYN NONE -j TCPMSS --set-mss 1",
            "only on TCP SYN packets",
        );
        refuses(
            "FORWARD",
            "-m tcp --syn -j TCPMSS --set-mss 1",
            "works only with `-p tcp`",
        );
        refuses(
            "PREROUTING",
            "-p tcp --syn -j TCPMSS --clamp-mss-to-pmtu",
            "FORWARD, OUTPUT and POSTROUTING",
        );
        refuses(
            "INPUT",
            "-p tcp --syn -j TCPMSS --set-mss 1 --clamp-mss-to-pmtu",
            "FORWARD, OUTPUT and POSTROUTING",
        );
    }
}
