//! `-m bpf` (libxt_bpf.c, revision 1): runs a classic BPF program on the
//! packet. `--bytecode "N,code jt jf k,..."` gives the program as
//! `nfbpf_compile` prints it: the number of instructions (1-64), then each
//! instruction as four decimal numbers (read by `sscanf`, so they wrap to
//! 16, 8, 8 and 32 bits). `--object-pinned PATH` names a program pinned in
//! the BPF file system instead; iptables opens it while parsing, so a rule
//! file with it loads only on a machine that has it. Exactly one of the two
//! is needed.
//!
//! The kernel verifies the program (`bpf_check_classic`): known opcodes,
//! forward jumps inside the program, no division by a constant zero, shifts
//! below 32, scratch memory cells 0-15 written before they are read, known
//! ancillary loads, and a return as the last instruction.

use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    ArgType, ExtError, ExtensionDef, FinalCall, KernelCall, KernelReqs, OptCall, OptSpec, bit,
};
use crate::parser::values;

const O_BYTECODE: u8 = 0;
const O_PINNED: u8 = 1;

/// `XT_BPF_MAX_NUM_INSTR`.
pub const MAX_INSTRUCTIONS: usize = 64;
/// The longest pinned path the kernel structure holds (`XT_BPF_PATH_MAX` - 1).
const MAX_PATH: usize = 511;

static OPTIONS: [OptSpec; 2] = [
    OptSpec::new("bytecode", O_BYTECODE, ArgType::String),
    OptSpec::new("object-pinned", O_PINNED, ArgType::String),
];

pub static BPF: ExtensionDef = ExtensionDef {
    name: "bpf",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    final_check: Some(final_check),
    kernel: KernelReqs {
        check: Some(kernel_check),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// One classic BPF instruction (`struct sock_filter`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instruction {
    pub code: u16,
    pub jt: u8,
    pub jf: u8,
    pub k: u32,
}

/// A program as iptables reads it, with the numbers it had to wrap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    pub instructions: Vec<Instruction>,
    /// Numbers that did not fit their field, as written.
    pub wrapped: Vec<String>,
}

/// `sscanf`'s `%u` family: blanks, a sign, decimal digits, as `strtoul`
/// (saturating at `u64::MAX`, a minus sign negates modulo 2^64). Returns
/// the value and the byte after the number.
fn scan_number(bytes: &[u8], at: usize) -> Option<(u64, usize)> {
    let (value, _, used) = values::strtoul_full(bytes.get(at..)?, 10)?;
    Some((value, at + used))
}

/// Reads one field of `bits` bits, noting when the number had to wrap.
fn field(bytes: &[u8], at: usize, bits: u32, wrapped: &mut Vec<String>) -> Option<(u64, usize)> {
    let (value, end) = scan_number(bytes, at)?;
    let kept = value & ((1u64 << bits) - 1);
    if kept != value {
        let written = String::from_utf8_lossy(&bytes[at..end]).trim().to_string();
        wrapped.push(format!("`{written}` (kept as {kept})"));
    }
    Some((kept, end))
}

/// `bpf_parse_string`: the program of `--bytecode`.
pub fn parse_program(text: &str) -> Result<Program, String> {
    let bytes = text.as_bytes();
    let mut wrapped = Vec::new();
    let length = match field(bytes, 0, 16, &mut wrapped) {
        Some((length, end)) if bytes.get(end) == Some(&b',') => {
            usize::try_from(length).unwrap_or(usize::MAX)
        }
        _ => {
            return Err(
                "the program must start with its number of instructions and a comma".into(),
            );
        }
    };
    if length == 0 {
        return Err("the program has no instructions".into());
    }
    if length > MAX_INSTRUCTIONS {
        return Err(format!(
            "a program has at most {MAX_INSTRUCTIONS} instructions, not {length}"
        ));
    }
    let mut instructions = Vec::with_capacity(length);
    let mut at = 0;
    while let Some(comma) = bytes[at..].iter().position(|&byte| byte == b',') {
        at += comma + 1;
        if at >= bytes.len() {
            break;
        }
        if instructions.len() >= length {
            return Err(format!(
                "the program has more instructions than the {length} it announces"
            ));
        }
        let index = instructions.len();
        let bad = || format!("instruction {index} is not four numbers `code jt jf k`");
        let (code, end) = field(bytes, at, 16, &mut wrapped).ok_or_else(bad)?;
        let (jt, end) = field(bytes, end, 8, &mut wrapped).ok_or_else(bad)?;
        let (jf, end) = field(bytes, end, 8, &mut wrapped).ok_or_else(bad)?;
        let (k, _) = field(bytes, end, 32, &mut wrapped).ok_or_else(bad)?;
        instructions.push(Instruction {
            code: u16::try_from(code).unwrap_or(u16::MAX),
            jt: u8::try_from(jt).unwrap_or(u8::MAX),
            jf: u8::try_from(jf).unwrap_or(u8::MAX),
            k: u32::try_from(k).unwrap_or(u32::MAX),
        });
    }
    if instructions.len() != length {
        return Err(format!(
            "the program has {} instructions, fewer than the {length} it announces",
            instructions.len()
        ));
    }
    Ok(Program {
        instructions,
        wrapped,
    })
}

/// The program as iptables-save prints it.
#[must_use]
pub fn program_text(instructions: &[Instruction]) -> String {
    let mut text = instructions.len().to_string();
    for insn in instructions {
        text.push_str(&format!(
            ",{} {} {} {}",
            insn.code, insn.jt, insn.jf, insn.k
        ));
    }
    text
}

// Classic BPF opcodes (linux/bpf_common.h, linux/filter.h).
const LD: u16 = 0x00;
const LDX: u16 = 0x01;
const ST: u16 = 0x02;
const STX: u16 = 0x03;
const ALU: u16 = 0x04;
const JMP: u16 = 0x05;
const RET: u16 = 0x06;
const MISC: u16 = 0x07;
const W: u16 = 0x00;
const H: u16 = 0x08;
const B: u16 = 0x10;
const IMM: u16 = 0x00;
const ABS: u16 = 0x20;
const IND: u16 = 0x40;
const MEM: u16 = 0x60;
const LEN: u16 = 0x80;
const MSH: u16 = 0xa0;
const K: u16 = 0x00;
const X: u16 = 0x08;
const A: u16 = 0x10;
const DIV: u16 = 0x30;
const MOD: u16 = 0x90;
const LSH: u16 = 0x60;
const RSH: u16 = 0x70;
const NEG: u16 = 0x80;
const JA: u16 = 0x00;
const TAX: u16 = 0x00;
const TXA: u16 = 0x80;
/// ALU operations with a K or X operand.
const ALU_OPS: [u16; 10] = [0x00, 0x10, 0x20, DIV, MOD, 0x50, 0x40, 0xa0, LSH, RSH];
/// Conditional jumps (JEQ, JGT, JGE, JSET).
const COND_JUMPS: [u16; 4] = [0x10, 0x20, 0x30, 0x40];
/// `BPF_MEMWORDS`.
const MEMWORDS: u32 = 16;
/// `SKF_AD_OFF` and the ancillary loads the kernel knows (`SKF_AD_*`).
const AD_OFF: u32 = 0xffff_f000;
const AD_MAX: u32 = 64;

fn is_cond_jump(code: u16) -> bool {
    COND_JUMPS
        .iter()
        .any(|op| code == JMP | op | K || code == JMP | op | X)
}

/// `chk_code_allowed`.
fn allowed(code: u16) -> bool {
    let alu = ALU_OPS
        .iter()
        .any(|op| code == ALU | op | K || code == ALU | op | X)
        || code == ALU | NEG;
    let loads = [
        LD | W | ABS,
        LD | H | ABS,
        LD | B | ABS,
        LD | W | LEN,
        LD | W | IND,
        LD | H | IND,
        LD | B | IND,
        LD | IMM,
        LD | MEM,
        LDX | W | LEN,
        LDX | B | MSH,
        LDX | IMM,
        LDX | MEM,
    ];
    let others = [ST, STX, MISC | TAX, MISC | TXA, RET | K, RET | A, JMP | JA];
    alu || loads.contains(&code) || others.contains(&code) || is_cond_jump(code)
}

/// `bpf_check_classic`: why the kernel refuses the program, if it does.
pub fn verify(program: &[Instruction]) -> Result<(), String> {
    let length = program.len();
    if length == 0 {
        return Err("the program is empty".into());
    }
    for (pc, insn) in program.iter().enumerate() {
        let code = insn.code;
        if !allowed(code) {
            return Err(format!("instruction {pc} has an unknown opcode {code}"));
        }
        let remaining = length - pc - 1;
        match code {
            c if (c == ALU | DIV | K || c == ALU | MOD | K) && insn.k == 0 => {
                return Err(format!("instruction {pc} divides by the constant 0"));
            }
            c if (c == ALU | LSH | K || c == ALU | RSH | K) && insn.k >= 32 => {
                return Err(format!(
                    "instruction {pc} shifts by {} bits (at most 31)",
                    insn.k
                ));
            }
            c if [LD | MEM, LDX | MEM, ST, STX].contains(&c) && insn.k >= MEMWORDS => {
                return Err(format!(
                    "instruction {pc} uses memory cell {} (cells are 0-15)",
                    insn.k
                ));
            }
            c if c == JMP | JA && usize::try_from(insn.k).map_or(true, |k| k >= remaining) => {
                return Err(format!(
                    "instruction {pc} jumps past the end of the program"
                ));
            }
            c if is_cond_jump(c)
                && (usize::from(insn.jt) >= remaining || usize::from(insn.jf) >= remaining) =>
            {
                return Err(format!(
                    "instruction {pc} jumps past the end of the program"
                ));
            }
            c if [LD | W | ABS, LD | H | ABS, LD | B | ABS].contains(&c) && insn.k >= AD_OFF => {
                let ancillary = insn.k - AD_OFF;
                if ancillary >= AD_MAX || ancillary % 4 != 0 {
                    return Err(format!("instruction {pc} loads an unknown ancillary field"));
                }
            }
            _ => {}
        }
    }
    let last = program[length - 1].code;
    if last != RET | K && last != RET | A {
        return Err(format!(
            "the last instruction ({}) is not a return",
            length - 1
        ));
    }
    check_memory(program)
}

/// `check_load_and_stores`: scratch cells must be written, on every path,
/// before they are read.
fn check_memory(program: &[Instruction]) -> Result<(), String> {
    let mut masks = vec![u16::MAX; program.len()];
    let mut valid: u16 = 0;
    for (pc, insn) in program.iter().enumerate() {
        valid &= masks[pc];
        let cell = 1u16 << (insn.k % MEMWORDS);
        match insn.code {
            c if c == ST || c == STX => valid |= cell,
            c if (c == LD | MEM || c == LDX | MEM) && valid & cell == 0 => {
                return Err(format!(
                    "instruction {pc} reads memory cell {} before it is written",
                    insn.k
                ));
            }
            c if c == JMP | JA => {
                if let Some(mask) = usize::try_from(insn.k)
                    .ok()
                    .and_then(|k| masks.get_mut(pc + 1 + k))
                {
                    *mask &= valid;
                }
                valid = u16::MAX;
            }
            c if is_cond_jump(c) => {
                for offset in [insn.jt, insn.jf] {
                    if let Some(mask) = masks.get_mut(pc + 1 + usize::from(offset)) {
                        *mask &= valid;
                    }
                }
                valid = u16::MAX;
            }
            _ => {}
        }
    }
    Ok(())
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    if call.spec.id == O_PINNED {
        let kept = call.kept_text(MAX_PATH, "the path");
        return Ok(Value::Text(kept.into()));
    }
    let program = parse_program(text).map_err(|message| {
        call.error(format!("invalid `--bytecode`: {message}"))
            .help("write `N,code jt jf k,code jt jf k,...` as `nfbpf_compile` prints it")
    })?;
    if !program.wrapped.is_empty() {
        call.warn(format!(
            "{} too large for its field: iptables keeps only the low bits",
            program.wrapped.join(", ")
        ));
    }
    Ok(Value::Text(program_text(&program.instructions).into()))
}

fn final_check(call: &mut FinalCall<'_>) -> Result<(), ExtError> {
    match call.seen & (bit(O_BYTECODE) | bit(O_PINNED)) {
        0 => Err(call.error("`bpf` needs `--bytecode` or `--object-pinned`")),
        both if both == bit(O_BYTECODE) | bit(O_PINNED) => {
            Err(call.error("`--bytecode` cannot be used together with `--object-pinned`"))
        }
        _ => Ok(()),
    }
}

fn kernel_check(call: &KernelCall<'_>) -> Result<(), ExtError> {
    let Some(option) = call.extension.option("bytecode") else {
        return Ok(());
    };
    let Some(text) = option.value.as_text() else {
        return Ok(());
    };
    let program = parse_program(text).map_err(|message| ExtError::new(message).at(option.span))?;
    verify(&program.instructions).map_err(|message| {
        ExtError::new(format!("the kernel refuses this BPF program: {message}")).at(option.span)
    })
}

#[cfg(test)]
mod tests {
    use super::{Instruction, parse_program, verify};
    use crate::model::{Family, Value};
    use crate::parser::extensions::testing::{accepts, accepts6, match_named, refuses, warnings};

    fn insn(code: u16, jt: u8, jf: u8, k: u32) -> Instruction {
        Instruction { code, jt, jf, k }
    }

    #[test]
    fn programs_as_sscanf_reads_them() {
        let program = parse_program("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0").unwrap();
        assert_eq!(program.instructions[1], insn(21, 0, 1, 6));
        assert!(program.wrapped.is_empty());
        assert_eq!(parse_program("1,6 0 0 0,").unwrap().instructions.len(), 1);
        assert_eq!(
            parse_program(" 1,6 0 0 0 junk").unwrap().instructions.len(),
            1
        );
        let wrapped = parse_program("1,65542 256 0 0").unwrap();
        assert_eq!(wrapped.instructions[0], insn(6, 0, 0, 0));
        assert_eq!(wrapped.wrapped.len(), 2);
        assert_eq!(
            parse_program("1,-65530 0 0 0").unwrap().instructions[0].code,
            6
        );
        for bad in [
            "1 ,6 0 0 0",
            "0,",
            "65,6 0 0 0",
            "2,6 0 0 0",
            "1,6 0 0 0,6 0 0 0",
            "1,6 0 0",
            "1,6,0,0,0",
            "x",
        ] {
            assert!(parse_program(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn kernel_verifier() {
        assert!(
            verify(&[
                insn(0x30, 0, 0, 9),
                insn(0x15, 0, 1, 6),
                insn(6, 0, 0, 1),
                insn(6, 0, 0, 0)
            ])
            .is_ok()
        );
        assert!(
            verify(&[insn(0x30, 0, 0, 0)]).is_err(),
            "no return at the end"
        );
        assert!(
            verify(&[insn(0x15, 1, 0, 0), insn(6, 0, 0, 0)]).is_err(),
            "jump past the end"
        );
        assert!(
            verify(&[insn(0x34, 0, 0, 0), insn(6, 0, 0, 0)]).is_err(),
            "division by zero"
        );
        assert!(
            verify(&[insn(0x64, 0, 0, 32), insn(6, 0, 0, 0)]).is_err(),
            "shift too wide"
        );
        assert!(
            verify(&[insn(0x60, 0, 0, 1), insn(0x16, 0, 0, 0)]).is_err(),
            "unwritten cell"
        );
        assert!(
            verify(&[
                insn(0x02, 0, 0, 1),
                insn(0x60, 0, 0, 1),
                insn(0x16, 0, 0, 0)
            ])
            .is_ok()
        );
        assert!(
            verify(&[insn(0xff, 0, 0, 0), insn(6, 0, 0, 0)]).is_err(),
            "unknown opcode"
        );
        assert!(
            verify(&[insn(0x20, 0, 0, 0xffff_f000), insn(0x16, 0, 0, 0)]).is_ok(),
            "SKF_AD_PROTOCOL"
        );
        assert!(
            verify(&[insn(0x20, 0, 0, 0xffff_f040), insn(0x16, 0, 0, 0)]).is_err(),
            "unknown ancillary"
        );
    }

    #[test]
    fn loads_with_canonical_program() {
        let rule = accepts("-m bpf --bytecode \"4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0\"");
        assert_eq!(
            match_named(&rule, "bpf").option("bytecode").unwrap().value,
            Value::Text("4,48 0 0 9,21 0 1 6,6 0 0 1,6 0 0 0".into())
        );
        let rule = accepts6("-m bpf --bytecode \"1,65542 0 0 0\"");
        assert_eq!(
            match_named(&rule, "bpf").option("bytecode").unwrap().value,
            Value::Text("1,6 0 0 0".into())
        );
        let found = warnings(Family::V4, "-m bpf --bytecode \"1,65542 0 0 0\"");
        assert!(
            found.iter().any(|w| w.message.contains("65542")),
            "{found:?}"
        );
        accepts("-m bpf --object-pinned /sys/fs/bpf/prog");
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-m bpf", "needs `--bytecode` or `--object-pinned`");
        refuses(
            "-m bpf --bytecode \"1,6 0 0 0\" --object-pinned /x",
            "cannot be used together",
        );
        refuses("-m bpf --bytecode \"2,6 0 0 0\"", "fewer than the 2");
        refuses(
            "-m bpf --bytecode \"1,6 0 0 0\" --bytecode \"1,6 0 0 0\"",
            "only be given once",
        );
        refuses("-m bpf ! --bytecode \"1,6 0 0 0\"", "cannot be negated");
        refuses(
            "-m bpf --bytecode \"1,48 0 0 0\"",
            "the kernel refuses this BPF program",
        );
    }
}
