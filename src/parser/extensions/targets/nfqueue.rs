//! `-j NFQUEUE` (libxt_NFQUEUE.c, revision 3): hands the packet to a
//! user-space program listening on a netlink queue (`--queue-num`, or one
//! of the range `--queue-balance first:last`; `--queue-cpu-fanout` picks
//! the queue by CPU and needs `--queue-balance`). The packet's fate is the
//! program's verdict; with no program listening it is dropped, unless
//! `--queue-bypass` accepts it. Either way the traversal of the table ends
//! here: a bypassed packet moves on to the next table, not to the next
//! rule (`nf_hook_slow` goes to the next hook entry).
//!
//! iptables 1.8.9 reads `--queue-balance` up to 65535, but the kernel counts
//! the queues of the range in 16 bits, so `0:65535` (and `:`) are refused
//! when loaded. NFQUEUE works in every table and chain.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, KernelCall, KernelReqs, OptCall, OptSpec, Termination, bit,
};

const O_QUEUE_NUM: u8 = 0;
const O_QUEUE_BALANCE: u8 = 1;
const O_QUEUE_BYPASS: u8 = 2;
const O_QUEUE_CPU_FANOUT: u8 = 3;

static OPTIONS: [OptSpec; 4] = [
    OptSpec::new("queue-num", O_QUEUE_NUM, ArgType::UInt16).excl(bit(O_QUEUE_BALANCE)),
    // iptables declares a maximum of 65534, which its range parser ignores.
    OptSpec::new("queue-balance", O_QUEUE_BALANCE, ArgType::UInt16Range).excl(bit(O_QUEUE_NUM)),
    OptSpec::new("queue-bypass", O_QUEUE_BYPASS, ArgType::None),
    OptSpec::new("queue-cpu-fanout", O_QUEUE_CPU_FANOUT, ArgType::None).also(bit(O_QUEUE_BALANCE)),
];

pub static NFQUEUE: ExtensionDef = ExtensionDef {
    name: "NFQUEUE",
    kind: ExtensionKind::Target,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    termination: Termination::Terminal,
    ..ExtensionDef::BASE
};

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let value = call.generic()?;
    if call.spec.id != O_QUEUE_BALANCE {
        return Ok(value);
    }
    let text = call.arg_text();
    if !text.contains(':') {
        return Err(call
            .error(format!(
                "`--queue-balance` needs a range `first:last`, not `{text}`"
            ))
            .help(format!("for one queue, write `--queue-num {text}`")));
    }
    if let Value::Range(first, last) = value {
        if first >= last {
            return Err(call
                .error(format!(
                    "the first queue ({first}) must be below the last ({last})"
                ))
                .help("for one queue, use `--queue-num`"));
        }
    }
    Ok(value)
}

/// `nfqueue_tg_check`: the number of queues must fit in 16 bits.
fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let Some(option) = call.extension.option("queue-balance") else {
        return Ok(());
    };
    if let Value::Range(first, last) = option.value {
        if last.saturating_sub(first) >= u64::from(u16::MAX) {
            return Err(ExtError::new(format!(
                "`--queue-balance {first}:{last}` spans {} queues: the kernel counts at most 65535 and refuses this rule",
                last.saturating_sub(first).saturating_add(1)
            ))
            .at(option.span)
            .help("end the range at 65534 at most"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts_in, accepts6, refuses, refuses6, target,
    };

    fn option(rule: &str, name: &str) -> Value {
        target(&accepts(rule)).option(name).unwrap().value.clone()
    }

    #[test]
    fn queues_and_flags() {
        assert!(target(&accepts("-j NFQUEUE")).options.is_empty());
        assert_eq!(
            option("-j NFQUEUE --queue-num 65535", "queue-num"),
            Value::UInt(65535)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-num 0x10", "queue-num"),
            Value::UInt(16)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-balance 0:65534", "queue-balance"),
            Value::Range(0, 65534)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-balance :4", "queue-balance"),
            Value::Range(0, 4)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-balance 4:", "queue-balance"),
            Value::Range(4, 65535)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-balance 0x3:010", "queue-balance"),
            Value::Range(3, 8)
        );
        assert_eq!(
            option("-j NFQUEUE --queue-bypass", "queue-bypass"),
            Value::Flag
        );
        accepts("-j NFQUEUE --queue-balance 65534:65535");
        accepts("-j NFQUEUE --queue-bypass --queue-balance 0:6 --queue-cpu-fanout");
        accepts6("-j NFQUEUE --queue-num 10 --queue-bypass");
        accepts_in(Family::V4, "nat", "PREROUTING", "-j NFQUEUE");
        accepts_in(Family::V6, "raw", "PREROUTING", "-j NFQUEUE --queue-num 3");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-j NFQUEUE --queue-num 65536", "from 0 to 65535");
        refuses("-j NFQUEUE --queue-num -1", "from 0 to 65535");
        refuses("-j NFQUEUE --queue-balance 0:65536", "from 0 to 65535");
        refuses("-j NFQUEUE --queue-balance -1:65535", "from 0 to 65535");
        refuses("-j NFQUEUE --queue-balance 4", "needs a range");
        refuses("-j NFQUEUE --queue-balance 4:4", "must be below");
        refuses("-j NFQUEUE --queue-balance 4:3", "must be below");
        refuses("-j NFQUEUE --queue-balance 3:4:5", "too many parts");
        refuses(
            "-j NFQUEUE --queue-num 1 --queue-balance 1:2",
            "cannot be used together",
        );
        refuses(
            "-j NFQUEUE --queue-cpu-fanout",
            "also needs `--queue-balance`",
        );
        refuses(
            "-j NFQUEUE --queue-bypass --queue-bypass",
            "only be given once",
        );
        refuses6(
            "-j NFQUEUE --queue-num 1 --queue-num 2",
            "only be given once",
        );
    }

    #[test]
    fn refuses_what_the_kernel_refuses() {
        refuses("-j NFQUEUE --queue-balance 0:65535", "spans 65536 queues");
        refuses6("-j NFQUEUE --queue-balance :", "spans 65536 queues");
    }
}
