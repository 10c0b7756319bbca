//! `-m ecn` (libxt_ecn.c): matches the ECN bits: `--ecn-tcp-cwr` and
//! `--ecn-tcp-ece` test the TCP header flags, `--ecn-ip-ect 0-3` the ECN
//! field of the IP header. At least one option is needed. The kernel
//! accepts the TCP tests only with `-p tcp` (not negated); `--ecn-ip-ect`
//! alone works with any protocol.

use crate::model::ExtensionKind;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptSpec,
};

const O_CWR: u8 = 0;
const O_ECE: u8 = 1;
const O_ECT: u8 = 2;

static OPTIONS: [OptSpec; 3] = [
    OptSpec::new("ecn-tcp-cwr", O_CWR, ArgType::None).invert(),
    OptSpec::new("ecn-tcp-ece", O_ECE, ArgType::None).invert(),
    OptSpec::new("ecn-ip-ect", O_ECT, ArgType::UInt8)
        .invert()
        .range(0, 3),
];

pub static ECN: ExtensionDef = ExtensionDef {
    name: "ecn",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen == 0 {
        return Err(call.error(
            "`ecn` needs at least one of `--ecn-tcp-cwr`, `--ecn-tcp-ece` and `--ecn-ip-ect`",
        ));
    }
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let tcp_bits = call
        .extension
        .options
        .iter()
        .find(|option| option.name != "ecn-ip-ect");
    match tcp_bits {
        Some(option) if call.protocol() != Some(6) => Err(call
            .error(format!(
                "`--{}` tests a TCP flag: the kernel accepts it only with `-p tcp`",
                option.name
            ))
            .help("add `-p tcp` before `-m ecn`, or test only `--ecn-ip-ect`")),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Value;
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, refuses6};

    #[test]
    fn tcp_flags_and_ip_field() {
        let rule = accepts("-p tcp -m ecn ! --ecn-tcp-ece ! --ecn-tcp-cwr ! --ecn-ip-ect 2");
        let ecn = match_named(&rule, "ecn");
        assert!(ecn.option("ecn-tcp-ece").unwrap().negated);
        assert_eq!(ecn.option("ecn-tcp-cwr").unwrap().value, Value::Flag);
        assert_eq!(ecn.option("ecn-ip-ect").unwrap().value, Value::UInt(2));
        accepts("-m ecn --ecn-ip-ect 3");
        accepts6("-p udp -m ecn --ecn-ip-ect 0");
        accepts6("-p tcp -m ecn --ecn-tcp-cwr");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m ecn", "needs at least one");
        refuses("-m ecn --ecn-ip-ect 4", "needs a number from 0 to 3");
        refuses("-m ecn --ecn-tcp-cwr", "accepts it only with `-p tcp`");
        refuses(
            "! -p tcp -m ecn --ecn-tcp-ece",
            "accepts it only with `-p tcp`",
        );
        refuses6(
            "-p udp -m ecn --ecn-ip-ect 1 --ecn-tcp-ece",
            "accepts it only with `-p tcp`",
        );
        refuses(
            "-p tcp -m ecn --ecn-tcp-cwr --ecn-tcp-cwr",
            "only be given once",
        );
    }
}
