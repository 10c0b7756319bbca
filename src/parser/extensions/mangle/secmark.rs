//! `-j SECMARK --selctx CONTEXT` (libxt_SECMARK.c): labels packets with a
//! security context for the LSM (SELinux) policy. The option is mandatory;
//! iptables keeps at most 255 bytes of it, silently; the value is what it
//! keeps.
//!
//! The kernel accepts SECMARK only in the mangle and security tables, and
//! only when the running LSM knows the context (a kernel without SELinux,
//! or with another policy, refuses it: that depends on the machine).

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelReqs, OptCall, OptSpec, Termination,
};

use super::mangle_or_security;

/// The longest context the kernel stores (`SECMARK_SECCTX_MAX` - 1).
const MAX_CONTEXT: usize = 255;

static OPTIONS: [OptSpec; 1] = [OptSpec::new("selctx", 0, ArgType::String).mandatory()];

pub static SECMARK: ExtensionDef = ExtensionDef {
    name: "SECMARK",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        check: Some(mangle_or_security),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let kept = call.kept_text(MAX_CONTEXT, "security context");
    Ok(Value::Text(kept.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    #[test]
    fn labels_packets_in_security_and_mangle() {
        let context = "system_u:object_r:firewalld_exec_t:s0";
        let rule = accepts_in(
            Family::V4,
            "security",
            "INPUT",
            &format!("-j SECMARK --selctx {context}"),
        );
        assert_eq!(
            target(&rule).option("selctx").unwrap().value,
            Value::Text(context.into())
        );
        accepts_in(Family::V6, "mangle", "OUTPUT", "-j SECMARK --selctx a");
        let (loadable, diagnostics, _) = load(
            Family::V4,
            "security",
            "INPUT",
            &format!("-j SECMARK --selctx {}", "a".repeat(300)),
        );
        assert!(loadable);
        assert!(
            diagnostics
                .iter()
                .any(|d| d.message.contains("only the first 255"))
        );
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        refuses_in(
            Family::V4,
            "security",
            "INPUT",
            "-j SECMARK",
            "needs `--selctx`",
        );
        refuses_in(
            Family::V4,
            "security",
            "INPUT",
            "-j SECMARK --selctx a --selctx b",
            "only be given once",
        );
        refuses_in(
            Family::V4,
            "filter",
            "INPUT",
            "-j SECMARK --selctx a",
            "only in the mangle and security tables",
        );
    }
}
