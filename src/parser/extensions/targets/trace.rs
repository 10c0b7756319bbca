//! `-j TRACE` (libxt_TRACE.c): marks the packet so that every rule it
//! meets afterwards is logged (nf_log / `xtables-monitor --trace`), and
//! goes on with the next rule. It takes no options. The kernel accepts it
//! only in the raw table.

use crate::model::{ExtensionKind, TableKind};
use crate::parser::extensions::{ExtensionDef, KernelReqs, Termination};

pub static TRACE: ExtensionDef = ExtensionDef {
    name: "TRACE",
    kind: ExtensionKind::Target,
    kernel: KernelReqs {
        table: Some(TableKind::Raw),
        ..KernelReqs::NONE
    },
    termination: Termination::Continues,
    ..ExtensionDef::BASE
};

#[cfg(test)]
mod tests {
    use crate::model::Family;
    use crate::parser::extensions::testing::{accepts_in, refuses_in};

    #[test]
    fn raw_table_only() {
        accepts_in(Family::V4, "raw", "PREROUTING", "-j TRACE");
        accepts_in(Family::V6, "raw", "OUTPUT", "-j TRACE");
        refuses_in(
            Family::V4,
            "mangle",
            "PREROUTING",
            "-j TRACE",
            "works only in the raw table",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-j TRACE",
            "works only in the raw table",
        );
        refuses_in(
            Family::V4,
            "raw",
            "PREROUTING",
            "-j TRACE --log",
            "unknown option `--log`",
        );
    }
}
