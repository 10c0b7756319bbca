//! `-m cluster` (libxt_cluster.c): splits connections among the nodes of a
//! cluster by a hash. `--cluster-total-nodes N` (1 to 32) and
//! `--cluster-hash-seed SEED` are mandatory, with either
//! `[!] --cluster-local-node K` (1 to N) or `[!] --cluster-local-nodemask M`
//! (which iptables limits to 1..32, and which must stay below 2^N). The
//! kernel needs connection tracking and accepts the match in every table
//! and chain.

use crate::model::ExtensionKind;
use crate::parser::extensions::{ArgType, ExtError, ExtensionDef, FinalCall, OptSpec, bit};

const O_TOTAL_NODES: u8 = 0;
const O_LOCAL_NODE: u8 = 1;
const O_LOCAL_NODEMASK: u8 = 2;
const O_HASH_SEED: u8 = 3;

/// `XT_CLUSTER_NODES_MAX`.
const NODES_MAX: u64 = 32;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("cluster-total-nodes", O_TOTAL_NODES, ArgType::UInt32)
        .range(1, NODES_MAX)
        .mandatory(),
    OptSpec::new("cluster-local-node", O_LOCAL_NODE, ArgType::UInt32)
        .range(1, NODES_MAX)
        .invert()
        .excl(bit(O_LOCAL_NODEMASK)),
    OptSpec::new("cluster-local-nodemask", O_LOCAL_NODEMASK, ArgType::UInt32)
        .range(1, NODES_MAX)
        .invert()
        .excl(bit(O_LOCAL_NODE)),
    OptSpec::new("cluster-hash-seed", O_HASH_SEED, ArgType::UInt32).mandatory(),
];

pub static CLUSTER: ExtensionDef = ExtensionDef {
    name: "cluster",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    final_check: Some(check),
    ..ExtensionDef::BASE
};

fn check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    let value = |name: &str| call.option(name).and_then(|option| option.value.as_uint());
    let total = value("cluster-total-nodes").unwrap_or(NODES_MAX);
    if let Some(node) = value("cluster-local-node") {
        if node > total {
            return Err(call
                .error(format!(
                    "`--cluster-local-node {node}` is beyond `--cluster-total-nodes {total}`"
                ))
                .help(format!("nodes are numbered from 1 to {total}")));
        }
        return Ok(());
    }
    if let Some(mask) = value("cluster-local-nodemask") {
        if mask >> total != 0 {
            return Err(call
                .error(format!("`--cluster-local-nodemask {mask}` has bits beyond the {total} nodes of the cluster"))
                .help(format!("the mask must be below {}", 1u64 << total)));
        }
        return Ok(());
    }
    call.require_one_of(
        bit(O_LOCAL_NODE) | bit(O_LOCAL_NODEMASK),
        "-m cluster --cluster-total-nodes 2 --cluster-local-node 1 --cluster-hash-seed 0xdeadbeef",
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, match_named, refuses_in};

    fn accepts(rule: &str) -> crate::model::Rule {
        accepts_in(Family::V4, "mangle", "PREROUTING", rule)
    }

    fn refuses(rule: &str, expected: &str) {
        refuses_in(Family::V4, "mangle", "PREROUTING", rule, expected);
    }

    #[test]
    fn nodes_and_masks() {
        let rule = accepts(
            "-m cluster --cluster-total-nodes 2 ! --cluster-local-node 2 --cluster-hash-seed 0xfeedcafe",
        );
        let cluster = match_named(&rule, "cluster");
        assert_eq!(
            cluster.option("cluster-total-nodes").unwrap().value,
            Value::UInt(2)
        );
        assert!(cluster.option("cluster-local-node").unwrap().negated);
        assert_eq!(
            cluster.option("cluster-hash-seed").unwrap().value,
            Value::UInt(0xfeed_cafe)
        );
        accepts(
            "-m cluster --cluster-total-nodes 32 --cluster-local-node 32 --cluster-hash-seed 1",
        );
        accepts(
            "-m cluster --cluster-total-nodes 3 --cluster-local-nodemask 7 --cluster-hash-seed 1",
        );
        accepts_in(
            Family::V6,
            "filter",
            "INPUT",
            "-m cluster --cluster-total-nodes 3 --cluster-local-node 1 --cluster-hash-seed 1",
        );
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses(
            "-m cluster",
            "needs `--cluster-local-node` or `--cluster-local-nodemask`",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3",
            "needs `--cluster-local-node` or `--cluster-local-nodemask`",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3 --cluster-hash-seed 1",
            "needs `--cluster-local-node` or",
        );
        refuses(
            "-m cluster --cluster-total-nodes 2 --cluster-local-node 3 --cluster-hash-seed 1",
            "beyond",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3 --cluster-local-nodemask 8 --cluster-hash-seed 1",
            "bits beyond",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3 --cluster-local-nodemask 33 --cluster-hash-seed 1",
            "--cluster-local-nodemask",
        );
        refuses(
            "-m cluster --cluster-total-nodes 33 --cluster-local-node 1 --cluster-hash-seed 1",
            "--cluster-total-nodes",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3 --cluster-local-node 1",
            "needs `--cluster-hash-seed`",
        );
        refuses(
            "-m cluster --cluster-total-nodes 3 --cluster-local-node 1 --cluster-local-nodemask 1 --cluster-hash-seed 1",
            "cannot be used together",
        );
        refuses(
            "-m cluster --cluster-total-nodes 2 --cluster-local-node 3 --cluster-hash-seed",
            "needs an argument",
        );
    }
}
