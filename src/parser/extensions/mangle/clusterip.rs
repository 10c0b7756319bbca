//! `-j CLUSTERIP` (libipt_CLUSTERIP.c, IPv4 only): shares one IP address
//! among the nodes of a cluster, each node answering for the connections
//! whose hash it owns. The first rule for an address creates the cluster
//! with `--new` and all of `--hashmode` (`sourceip`,
//! `sourceip-sourceport`, `sourceip-sourceport-destport`, stored as a
//! symbol), `--clustermac` (a multicast MAC), `--total-nodes` and
//! `--local-node` (at most 16), and optionally `--hash-init`; later rules
//! for the same address give no option at all.
//!
//! Traversal goes on for the packets whose hash this node owns; the kernel
//! drops the others, so the target's effect depends on the packet
//! ([`Termination::Depends`]).
//!
//! The kernel requires the rule to match exactly one destination address
//! (`-d ADDRESS/32`), refuses local node 0, and without `--new` needs a
//! cluster created earlier for that address. The target is deprecated in
//! favour of `-m cluster`, and Linux 6.3 removed it.

use crate::model::addr::AddressKind;
use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtWarning, ExtensionDef, Families, FinalCall, KernelCall, KernelReqs,
    OptCall, OptSpec, Termination, bit,
};

const O_NEW: u8 = 0;
const O_HASHMODE: u8 = 1;
const O_CLUSTERMAC: u8 = 2;
const O_TOTAL_NODES: u8 = 3;
const O_LOCAL_NODE: u8 = 4;
const O_HASH_INIT: u8 = 5;

/// The options a new cluster needs.
const FULL: u32 =
    bit(O_NEW) | bit(O_HASHMODE) | bit(O_CLUSTERMAC) | bit(O_TOTAL_NODES) | bit(O_LOCAL_NODE);

/// `CLUSTERIP_MAX_NODES`.
const MAX_NODES: u64 = 16;

// iptables gives the others `.also = O_NEW`, which is 0 and so requires
// nothing: the final check does it.
static OPTIONS: [OptSpec; 6] = [
    OptSpec::new("new", O_NEW, ArgType::None),
    OptSpec::new("hashmode", O_HASHMODE, ArgType::String),
    OptSpec::new("clustermac", O_CLUSTERMAC, ArgType::EtherMac),
    OptSpec::new("total-nodes", O_TOTAL_NODES, ArgType::UInt16).max(MAX_NODES),
    OptSpec::new("local-node", O_LOCAL_NODE, ArgType::UInt16).max(MAX_NODES),
    OptSpec::new("hash-init", O_HASH_INIT, ArgType::UInt32),
];

pub static CLUSTERIP: ExtensionDef = ExtensionDef {
    name: "CLUSTERIP",
    kind: ExtensionKind::Target,
    families: Families::V4,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Depends,
};

const HASH_MODES: [&str; 3] = [
    "sourceip",
    "sourceip-sourceport",
    "sourceip-sourceport-destport",
];

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    match call.spec.id {
        O_HASHMODE => {
            let text = call.arg_text();
            if HASH_MODES.contains(&text) {
                Ok(Value::Symbol(text.into()))
            } else {
                Err(call
                    .error(format!("unknown hash mode `{text}`"))
                    .help("use sourceip, sourceip-sourceport or sourceip-sourceport-destport"))
            }
        }
        O_CLUSTERMAC => {
            let value = call.generic()?;
            if matches!(value, Value::Mac(mac) if mac[0] & 0x01 == 0) {
                return Err(call
                    .error("the cluster MAC must be a multicast address")
                    .help("set the lowest bit of the first byte, as `01:00:5e:00:00:20`"));
            }
            Ok(value)
        }
        _ => call.generic(),
    }
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    if call.seen != 0 && call.seen & FULL != FULL {
        return Err(call.error("`CLUSTERIP` needs all of `--new`, `--hashmode`, `--clustermac`, `--total-nodes` and `--local-node`, or none of them").help(
            "the first rule of a cluster address creates it with all of them; later rules for that address give none",
        ));
    }
    call.warnings.push(
        ExtWarning::new(
            "`CLUSTERIP` is deprecated, and kernels since Linux 6.3 do not have it",
            call.name_span,
        )
        .help("use `-m cluster` instead"),
    );
    Ok(())
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let single = call.rule.destination.as_ref().is_some_and(|destination| {
        destination.value.iter().all(|address| match &address.kind {
            AddressKind::Net(net) => net.prefix_len() == Some(32) && !net.addr.is_unspecified(),
            AddressKind::Hostname { prefix, .. } => prefix.is_none_or(|prefix| prefix == 32),
        })
    });
    if !single {
        return Err(call
            .error("`CLUSTERIP` needs the rule to match one destination address: the kernel refuses it otherwise")
            .help("add `-d ADDRESS` with the cluster's address"));
    }
    if let Some(node) = call.extension.option("local-node") {
        if node.value.as_uint() == Some(0) {
            return Err(
                ExtError::new("the kernel refuses local node 0: nodes count from 1")
                    .at(node.span)
                    .help("give this node's number, from 1 to `--total-nodes`"),
            );
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts_in, load, refuses_in, target};

    const NEW: &str = "--new --hashmode sourceip --clustermac 01:AA:7B:47:F7:D7 --total-nodes 2";

    #[test]
    fn new_clusters_and_later_rules() {
        let rule = accepts_in(
            Family::V4,
            "filter",
            "INPUT",
            &format!("-d 10.31.3.236/32 -i lo -j CLUSTERIP {NEW} --local-node 1 --hash-init 1"),
        );
        let cluster = target(&rule);
        assert_eq!(
            cluster.option("hashmode").unwrap().value,
            Value::Symbol("sourceip".into())
        );
        assert_eq!(
            cluster.option("clustermac").unwrap().value,
            Value::Mac([0x01, 0xaa, 0x7b, 0x47, 0xf7, 0xd7])
        );
        assert_eq!(cluster.option("local-node").unwrap().value, Value::UInt(1));
        accepts_in(Family::V4, "mangle", "INPUT", "-d 10.1.1.1 -j CLUSTERIP");
        let (_, diagnostics, _) = load(Family::V4, "filter", "INPUT", "-d 10.1.1.1 -j CLUSTERIP");
        assert!(diagnostics.iter().any(|d| d.message.contains("deprecated")));
    }

    #[test]
    fn refuses_what_iptables_and_the_kernel_refuse() {
        let refuses =
            |rule: &str, expected: &str| refuses_in(Family::V4, "filter", "INPUT", rule, expected);
        refuses("-d 10.1.1.1 -j CLUSTERIP --new", "or none of them");
        refuses(
            "-d 10.1.1.1 -j CLUSTERIP --hashmode sourceip --clustermac 01:AA:7B:47:F7:D7 --total-nodes 2 --local-node 1",
            "or none of them",
        );
        refuses(
            "-d 10.1.1.1 -j CLUSTERIP --new --hashmode foo",
            "unknown hash mode",
        );
        refuses(
            "-d 10.1.1.1 -j CLUSTERIP --new --clustermac 00:AA:7B:47:F7:D7",
            "multicast",
        );
        refuses(
            &format!("-d 10.1.1.1 -j CLUSTERIP {NEW} --local-node 17"),
            "from 0 to 16",
        );
        refuses(
            &format!("-d 10.31.3.236/32 -i lo -j CLUSTERIP {NEW} --local-node 0"),
            "local node 0",
        );
        refuses(
            &format!("-j CLUSTERIP {NEW} --local-node 1"),
            "one destination address",
        );
        refuses(
            &format!("-d 10.0.0.0/8 -j CLUSTERIP {NEW} --local-node 1"),
            "one destination address",
        );
        refuses_in(
            Family::V6,
            "filter",
            "INPUT",
            "-d ::1 -j CLUSTERIP",
            "CLUSTERIP",
        );
    }
}
