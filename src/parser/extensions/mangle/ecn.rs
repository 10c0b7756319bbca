//! `-j ECN` (libipt_ECN.c, IPv4 only): changes the ECN bits of IPv4
//! packets (`--ecn-ip-ect 0-3`) or the ECE and CWR flags of TCP packets
//! (`--ecn-tcp-ece 0|1`, `--ecn-tcp-cwr 0|1`); `--ecn-tcp-remove` (a flag)
//! clears both TCP flags and excludes the two TCP options. The numbers are
//! stored as given.
//!
//! The kernel accepts ECN only in the mangle table, and the TCP operations
//! only with `-p tcp` (not negated).

use crate::model::{ExtensionKind, TableKind};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, Families, FinalCall, KernelCall, KernelReqs, OptSpec,
    Termination, bit,
};

const O_TCP_REMOVE: u8 = 0;
const O_TCP_CWR: u8 = 1;
const O_TCP_ECE: u8 = 2;
const O_IP_ECT: u8 = 3;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("ecn-tcp-remove", O_TCP_REMOVE, ArgType::None)
        .excl(bit(O_TCP_CWR) | bit(O_TCP_ECE)),
    OptSpec::new("ecn-tcp-cwr", O_TCP_CWR, ArgType::UInt8)
        .range(0, 1)
        .excl(bit(O_TCP_REMOVE)),
    OptSpec::new("ecn-tcp-ece", O_TCP_ECE, ArgType::UInt8)
        .range(0, 1)
        .excl(bit(O_TCP_REMOVE)),
    OptSpec::new("ecn-ip-ect", O_IP_ECT, ArgType::UInt8).range(0, 3),
];

pub static ECN: ExtensionDef = ExtensionDef {
    name: "ECN",
    kind: ExtensionKind::Target,
    families: Families::V4,
    options: &OPTIONS,
    final_check: Some(final_check),
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-j ECN --ecn-tcp-remove")?;
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let tcp_option = call
        .extension
        .options
        .iter()
        .find(|option| option.name.starts_with("ecn-tcp-"));
    if let Some(option) = tcp_option {
        if call.protocol() != Some(6) {
            return Err(ExtError::new(format!(
                "`--{}` changes TCP flags: the kernel refuses it without `-p tcp`",
                option.name
            ))
            .at(option.span)
            .help("add `-p tcp` to the rule"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn tcp_and_ip_operations() {
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "OUTPUT",
            "-p tcp -j ECN --ecn-tcp-remove",
        );
        assert_eq!(
            target(&rule).option("ecn-tcp-remove").unwrap().value,
            Value::Flag
        );
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "FORWARD",
            "-p tcp -j ECN --ecn-tcp-cwr 0 --ecn-tcp-ece 1 --ecn-ip-ect 2",
        );
        assert_eq!(
            target(&rule).option("ecn-tcp-ece").unwrap().value,
            Value::UInt(1)
        );
        accepts_in(Family::V4, "mangle", "POSTROUTING", "-j ECN --ecn-ip-ect 3");
        accepts_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-p tcp -j ECN --ecn-tcp-remove --ecn-ip-ect 1",
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "OUTPUT", rule, expected);
        refuses("-j ECN", "needs one of");
        refuses("-p tcp -j ECN", "needs one of");
        refuses("-j ECN --ecn-tcp-remove", "without `-p tcp`");
        refuses("-p udp -j ECN --ecn-tcp-ece 0", "without `-p tcp`");
        refuses("! -p tcp -j ECN --ecn-tcp-cwr 1", "without `-p tcp`");
        refuses("-p tcp -j ECN --ecn-tcp-cwr 2", "from 0 to 1");
        refuses("-j ECN --ecn-ip-ect 4", "from 0 to 3");
        refuses(
            "-p tcp -j ECN --ecn-tcp-remove --ecn-tcp-ece 1",
            "cannot be used together",
        );
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-j ECN --ecn-ip-ect 1",
            "only in the mangle table",
        );
        refuses_in(
            Family::V6,
            "mangle",
            "OUTPUT",
            "-j ECN --ecn-ip-ect 1",
            "exists only in iptables",
        );
    }
}
