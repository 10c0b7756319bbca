//! `-j CONNSECMARK` (libxt_CONNSECMARK.c): copies the security mark from
//! the packet to its connection (`--save`) or back (`--restore`); exactly
//! one of the two flags is required. The kernel accepts it only in the
//! mangle and security tables.

use crate::model::ExtensionKind;
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelReqs, OptSpec, Termination, bit,
};

use super::mangle_or_security;

const O_SAVE: u8 = 0;
const O_RESTORE: u8 = 1;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("save", O_SAVE, ArgType::None).excl(bit(O_RESTORE)),
    OptSpec::new("restore", O_RESTORE, ArgType::None).excl(bit(O_SAVE)),
];

pub static CONNSECMARK: ExtensionDef = ExtensionDef {
    name: "CONNSECMARK",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(mangle_or_security),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    call.require_one_of(u32::MAX, "-j CONNSECMARK --save")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, refuses_in, target};

    #[test]
    fn saves_or_restores() {
        let rule = accepts_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j CONNSECMARK --restore",
        );
        assert_eq!(target(&rule).option("restore").unwrap().value, Value::Flag);
        accepts_in(Family::V6, "security", "OUTPUT", "-j CONNSECMARK --save");
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "mangle", "INPUT", rule, expected);
        refuses("-j CONNSECMARK", "needs `--save` or `--restore`");
        refuses("-j CONNSECMARK --save --save", "only be given once");
        refuses("-j CONNSECMARK --save --restore", "cannot be used together");
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-j CONNSECMARK --save",
            "not in raw",
        );
        refuses_in(
            Family::V4,
            "nat",
            "OUTPUT",
            "-j CONNSECMARK --save",
            "not in nat",
        );
    }
}
