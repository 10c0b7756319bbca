//! The standard target (libxt_standard.c): `ACCEPT`, `DROP`, `QUEUE`,
//! `RETURN` and jumps to user chains. It takes no options.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ExtensionDef, Termination};

pub static STANDARD: ExtensionDef = ExtensionDef {
    name: "standard",
    kind: ExtensionKind::Target,
    termination: Termination::Terminal,
    ..ExtensionDef::BASE
};
