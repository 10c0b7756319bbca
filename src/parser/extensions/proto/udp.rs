//! `-m udp` (libxt_udp.c): source and destination ports. The kernel accepts
//! it only with `-p udp`.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtensionDef, KernelReqs, OptSpec};

const O_SPORT: u8 = 0;
const O_DPORT: u8 = 1;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("sport", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("source-port", O_SPORT, ArgType::PortRange).invert(),
    OptSpec::new("dport", O_DPORT, ArgType::PortRange).invert(),
    OptSpec::new("destination-port", O_DPORT, ArgType::PortRange).invert(),
];

pub static UDP: ExtensionDef = ExtensionDef {
    name: "udp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    kernel: KernelReqs {
        proto: Some(17),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};
