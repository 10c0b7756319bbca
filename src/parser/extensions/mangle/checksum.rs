//! `-j CHECKSUM --checksum-fill` (libxt_CHECKSUM.c): computes the checksum
//! of packets whose checksum was left for the network card, for old DHCP
//! clients that cannot cope with that. The option is mandatory and is a
//! flag. The kernel accepts CHECKSUM only in the mangle table, and warns
//! unless the rule is restricted with `-p udp`.

use crate::model::{ExtensionKind, TableKind};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelReqs, OptSpec, Termination,
};

static OPTIONS: [OptSpec; 1] = [OptSpec::new("checksum-fill", 0, ArgType::None).mandatory()];

pub static CHECKSUM: ExtensionDef = ExtensionDef {
    name: "CHECKSUM",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    final_check: Some(final_check),
    kernel: KernelReqs {
        table: Some(TableKind::Mangle),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.has(0) && call.rule.protocol != Some((17, false)) {
        call.warnings.push(crate::parser::extensions::ExtWarning::new("`CHECKSUM` computes checksums of every protocol here: the kernel warns that it should be avoided"
                , call.name_span).help("if it is really needed (for old DHCP clients), restrict it with `-p udp`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::diagnostics::Severity;
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    #[test]
    fn fills_checksums_in_mangle() {
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "POSTROUTING",
            "-p udp --dport 68 -j CHECKSUM --checksum-fill",
        );
        assert_eq!(
            target(&rule).option("checksum-fill").unwrap().value,
            Value::Flag
        );
        accepts_in(Family::V6, "mangle", "INPUT", "-j CHECKSUM --checksum-fill");
        let (_, diagnostics, _) = load(
            Family::V4,
            "mangle",
            "OUTPUT",
            "-j CHECKSUM --checksum-fill",
        );
        assert!(
            diagnostics
                .iter()
                .any(|d| d.severity != Severity::Error && d.message.contains("avoided"))
        );
        let (_, diagnostics, _) = load(
            Family::V4,
            "mangle",
            "OUTPUT",
            "-p udp -j CHECKSUM --checksum-fill",
        );
        assert!(diagnostics.is_empty());
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "OUTPUT", rule, expected);
        refuses("-j CHECKSUM", "needs `--checksum-fill`");
        refuses(
            "-j CHECKSUM --checksum-fill --checksum-fill",
            "only be given once",
        );
        refuses("-j CHECKSUM ! --checksum-fill", "cannot be negated");
        refuses_in(
            Family::V4,
            "filter",
            "OUTPUT",
            "-j CHECKSUM --checksum-fill",
            "only in the mangle table",
        );
    }
}
