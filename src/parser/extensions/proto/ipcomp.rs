//! `-m ipcomp` (libxt_ipcomp.c): the Compression Parameter Index of an
//! IPComp header, for both families. `-p ipcomp` loads it by itself when one
//! of its options follows. The kernel accepts it only with `-p ipcomp`
//! (protocol 108, not negated), in every table and chain.
//!
//! `--ipcompspi` is `spi[:spi]` of 32-bit numbers, but the kernel compares
//! it with the 16-bit CPI of the packet. iptables 1.8.9 gives the match no
//! default range: without `--ipcompspi` it matches only CPI 0. The kernel
//! never looks at `--compres`.

use super::common;
use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::generic;
use crate::parser::extensions::{
    ArgType, ExtError, ExtWarning, ExtensionDef, FinalCall, KernelReqs, OptCall, OptSpec,
};

const O_SPI: u8 = 0;
const O_RES: u8 = 1;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("ipcompspi", O_SPI, ArgType::UInt32Range).invert(),
    OptSpec::new("compres", O_RES, ArgType::None),
];

pub static IPCOMP: ExtensionDef = ExtensionDef {
    name: "ipcomp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        proto: Some(108),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    if call.spec.id == O_RES {
        common::ignored_by_kernel(
            call,
            "it never checks the reserved field of the IPComp header",
        );
        return Ok(Value::Flag);
    }
    let value = generic::int_range(call, "CPI")?;
    if let Value::Range(first, _) = value {
        if first > u64::from(u16::MAX) {
            let fate = if call.invert {
                "every packet"
            } else {
                "no packet"
            };
            call.warn_help(
                format!(
                    "the IPComp CPI is a 16-bit number, so `--ipcompspi {}` matches {fate}",
                    call.arg_text()
                ),
                "CPIs go from 0 to 65535",
            );
        }
    }
    Ok(value)
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if !call.has(O_SPI) {
        call.warnings.push(ExtWarning::new("without `--ipcompspi`, iptables 1.8.9 leaves the range at 0:0: this matches only CPI 0", call.name_span).help("to match every IPComp packet, write `--ipcompspi :`, or just `-p ipcomp`"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    #[test]
    fn cpi_ranges() {
        let rule = accepts("-p ipcomp -m ipcomp --ipcompspi 18 -j DROP");
        assert_eq!(
            match_named(&rule, "ipcomp")
                .option("ipcompspi")
                .unwrap()
                .value,
            Value::Range(18, 18)
        );
        let rule = accepts6("-p 108 --ipcompspi :4 -j DROP");
        assert_eq!(
            match_named(&rule, "ipcomp")
                .option("ipcompspi")
                .unwrap()
                .value,
            Value::Range(0, 4)
        );
        let rule = accepts("-p ipcomp -m ipcomp ! --ipcompspi : -j ACCEPT");
        let spi = match_named(&rule, "ipcomp").option("ipcompspi").unwrap();
        assert!(spi.negated);
        assert_eq!(spi.value, Value::Range(0, u64::from(u32::MAX)));
        accepts("-p ipcomp -m ipcomp --ipcompspi 4:3 -j ACCEPT");
    }

    #[test]
    fn surprising_values_are_reported() {
        let found = warnings(Family::V4, "-p ipcomp -m ipcomp -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("only CPI 0")),
            "{found:?}"
        );
        let found = warnings(
            Family::V4,
            "-p ipcomp -m ipcomp --ipcompspi 5 --compres -j ACCEPT",
        );
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("ignores `--compres`")),
            "{found:?}"
        );
        let found = warnings(Family::V6, "-p ipcomp --ipcompspi 70000 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("16-bit")),
            "{found:?}"
        );
        let found = warnings(Family::V4, "-p ipcomp --ipcompspi 4:3 -j ACCEPT");
        assert!(
            found.iter().any(|w| w.message.contains("matches no CPI")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p ipcomp --ipcompspi 3:4 -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m ipcomp --ipcompspi 1 -j ACCEPT",
            "works only with `-p ipcomp`",
        );
        refuses6(
            "-p esp -m ipcomp --ipcompspi 1 -j ACCEPT",
            "works only with `-p ipcomp`",
        );
        refuses("-p ipcomp --ipcompspi x -j ACCEPT", "--ipcompspi");
        refuses(
            "-p ipcomp -m ipcomp ! --compres -j ACCEPT",
            "cannot be negated",
        );
    }
}
