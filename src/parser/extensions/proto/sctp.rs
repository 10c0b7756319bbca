//! `-m sctp` (libxt_sctp.c, an old-style parser in iptables 1.8.9): ports
//! and chunk types of SCTP. `-p sctp` loads it by itself when one of its
//! options follows. The kernel accepts it only with `-p sctp` (not negated),
//! in every table and chain.
//!
//! Ports are as for `tcp` (numbers or SCTP service names, a reversed range
//! refused). `--chunk-types MODE LIST` takes two arguments: `all`, `any` or
//! `only`, then `ALL`, `NONE` or a comma-separated list of chunk names, each
//! optionally followed by `:FLAGS` (upper case: the flag must be set, lower
//! case: it must be clear). At most four chunk types may carry flags.
//!
//! iptables 1.8.9 files the flags of a chunk under its position in its name
//! table rather than under its type; for the chunks whose type is not their
//! position (`I_DATA`, `RE_CONFIG`, `PAD`, `ASCONF`, `ASCONF_ACK`,
//! `FORWARD_TSN`, `I_FORWARD_TSN`) the kernel never sees the flags. The
//! typed value follows the kernel: a list whose first item is the mode and
//! whose further items are `ALL`, `NONE`, or the chunks in type order as
//! iptables-save prints them (`DATA:Iu`).

use super::ports;
use crate::model::{ExtensionKind, Value};
use crate::parser::extensions::{
    Arg, ArgType, ExtError, ExtWarning, ExtensionDef, KernelReqs, OptCall, OptSpec, bit,
};

const O_SPORT: u8 = 0;
const O_DPORT: u8 = 1;
const O_CHUNKS: u8 = 2;

static OPTIONS: [OptSpec; 5] = [
    OptSpec::new("sport", O_SPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("source-port", O_SPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("dport", O_DPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("destination-port", O_DPORT, ArgType::String)
        .invert()
        .custom(),
    OptSpec::new("chunk-types", O_CHUNKS, ArgType::String)
        .invert()
        .custom(),
];

pub static SCTP: ExtensionDef = ExtensionDef {
    name: "sctp",
    kind: ExtensionKind::Match,
    options: &OPTIONS,
    parse: Some(parse),
    kernel: KernelReqs {
        proto: Some(132),
        ..KernelReqs::NONE
    },
    ..ExtensionDef::BASE
};

/// One chunk of `sctp_chunk_names`: name, type, and the letters of its
/// flags from bit 7 down to bit 0 (`-` for none).
struct Chunk {
    name: &'static str,
    kind: u8,
    flags: &'static [u8; 8],
}

const fn chunk(name: &'static str, kind: u8, flags: &'static [u8; 8]) -> Chunk {
    Chunk { name, kind, flags }
}

/// `sctp_chunk_names` of iptables 1.8.9, in its order.
static CHUNKS: [Chunk; 22] = [
    chunk("DATA", 0, b"----IUBE"),
    chunk("INIT", 1, b"--------"),
    chunk("INIT_ACK", 2, b"--------"),
    chunk("SACK", 3, b"--------"),
    chunk("HEARTBEAT", 4, b"--------"),
    chunk("HEARTBEAT_ACK", 5, b"--------"),
    chunk("ABORT", 6, b"-------T"),
    chunk("SHUTDOWN", 7, b"--------"),
    chunk("SHUTDOWN_ACK", 8, b"--------"),
    chunk("ERROR", 9, b"--------"),
    chunk("COOKIE_ECHO", 10, b"--------"),
    chunk("COOKIE_ACK", 11, b"--------"),
    chunk("ECN_ECNE", 12, b"--------"),
    chunk("ECN_CWR", 13, b"--------"),
    chunk("SHUTDOWN_COMPLETE", 14, b"-------T"),
    chunk("I_DATA", 64, b"----IUBE"),
    chunk("RE_CONFIG", 130, b"--------"),
    chunk("PAD", 132, b"--------"),
    chunk("ASCONF", 193, b"--------"),
    chunk("ASCONF_ACK", 128, b"--------"),
    chunk("FORWARD_TSN", 192, b"--------"),
    chunk("I_FORWARD_TSN", 194, b"--------"),
];

/// `XT_NUM_SCTP_FLAGS`: how many chunk types may carry flags.
const MAX_FLAGGED: usize = 4;

/// Flag tests for one entry of the kernel's `flag_info`: the key iptables
/// files them under, the flags that must be set, and the flags examined.
struct FlagInfo {
    key: usize,
    flag: u8,
    mask: u8,
}

/// `parse_sctp_chunk`: the chunk list of `--chunk-types`, as the list of
/// printed items of the typed value.
fn parse_chunks(call: &mut OptCall<'_, '_>, list: Arg<'_>) -> Result<Vec<String>, ExtError> {
    if list.text.eq_ignore_ascii_case("ALL") {
        return Ok(vec!["ALL".to_string()]);
    }
    if list.text.eq_ignore_ascii_case("NONE") {
        return Ok(vec!["NONE".to_string()]);
    }
    let error = |message: String| ExtError::new(message).at(list.span);
    let mut present = [false; CHUNKS.len()];
    let mut flag_info: Vec<FlagInfo> = Vec::new();
    let mut lost: Vec<&'static str> = Vec::new();
    for item in list.text.split(',').filter(|item| !item.is_empty()) {
        let (name, flags) = match item.split_once(':') {
            Some((name, flags)) => (name, Some(flags)),
            None => (item, None),
        };
        let Some(index) = CHUNKS
            .iter()
            .position(|chunk| chunk.name.eq_ignore_ascii_case(name))
        else {
            return Err(error(format!("unknown SCTP chunk type `{name}`")).help(
                "chunk types are DATA, INIT, INIT_ACK, SACK, HEARTBEAT, HEARTBEAT_ACK, ABORT, SHUTDOWN, \
                 SHUTDOWN_ACK, ERROR, COOKIE_ECHO, COOKIE_ACK, ECN_ECNE, ECN_CWR, SHUTDOWN_COMPLETE, I_DATA, \
                 RE_CONFIG, PAD, ASCONF, ASCONF_ACK, FORWARD_TSN, I_FORWARD_TSN, or ALL or NONE alone",
            ));
        };
        present[index] = true;
        let chunk = &CHUNKS[index];
        for letter in flags.unwrap_or("").bytes() {
            let Some(position) = chunk
                .flags
                .iter()
                .position(|flag| *flag == letter.to_ascii_uppercase())
            else {
                let valid: Vec<String> = chunk
                    .flags
                    .iter()
                    .filter(|flag| **flag != b'-')
                    .map(|flag| (*flag as char).to_string())
                    .collect();
                return Err(error(format!(
                    "invalid flag `{}` for SCTP chunk type `{}`",
                    String::from_utf8_lossy(&[letter]),
                    chunk.name
                ))
                .help(if valid.is_empty() {
                    format!("`{}` has no flags", chunk.name)
                } else {
                    format!(
                        "`{}` takes the flags {} (upper case: set, lower case: clear)",
                        chunk.name,
                        valid.join(", ")
                    )
                }));
            };
            let flag_bit = 1u8 << (7 - position);
            let info = match flag_info.iter().position(|info| info.key == index) {
                Some(found) => &mut flag_info[found],
                None => {
                    if flag_info.len() == MAX_FLAGGED {
                        return Err(error(format!(
                            "at most {MAX_FLAGGED} chunk types can carry flags in one `--chunk-types`"
                        ))
                        .help("split the test over several rules"));
                    }
                    flag_info.push(FlagInfo {
                        key: index,
                        flag: 0,
                        mask: 0,
                    });
                    flag_info.last_mut().expect("just pushed")
                }
            };
            info.mask |= flag_bit;
            if letter.is_ascii_uppercase() {
                info.flag |= flag_bit;
            }
            if usize::from(chunk.kind) != index && !lost.contains(&chunk.name) {
                lost.push(chunk.name);
            }
        }
    }
    for name in lost {
        call.warnings.push(ExtWarning::new(format!(
                "iptables 1.8.9 files the flags of `{name}` under the wrong chunk type: the kernel ignores them"
            ), list.span).help(format!("`{name}` matches with any flags")));
    }
    // The kernel's chunk map, printed in type order as iptables-save does.
    let mut chunks: Vec<(u8, usize)> = CHUNKS
        .iter()
        .enumerate()
        .filter(|(index, _)| present[*index])
        .map(|(index, chunk)| (chunk.kind, index))
        .collect();
    if chunks.is_empty() {
        return Ok(vec!["NONE".to_string()]);
    }
    chunks.sort_unstable();
    Ok(chunks
        .into_iter()
        .map(|(kind, index)| {
            let chunk = &CHUNKS[index];
            let mut text = chunk.name.to_string();
            // The kernel looks flags up by type: only entries filed under
            // the chunk's own type count.
            if let Some(info) = flag_info.iter().find(|info| info.key == usize::from(kind)) {
                text.push(':');
                for bit in (0..8).rev() {
                    if info.mask & (1 << bit) != 0 {
                        let letter = chunk.flags[7 - bit];
                        text.push(if info.flag & (1 << bit) != 0 {
                            letter as char
                        } else {
                            letter.to_ascii_lowercase() as char
                        });
                    }
                }
            }
            text
        })
        .collect())
}

fn parse(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let id = call.spec.id;
    if call.seen & bit(id) != 0 {
        let name = match id {
            O_SPORT => "--sport",
            O_DPORT => "--dport",
            _ => "--chunk-types",
        };
        return Err(
            ExtError::new(format!("only one `{name}` is allowed in an `sctp` match")).at(call.span),
        );
    }
    if id != O_CHUNKS {
        return Ok(Value::PortRange(ports::parse_strict_range(call, "sctp")?));
    }
    let Some(list) = call.rest.next_value() else {
        return Err(ExtError::new(
            "`--chunk-types` needs two arguments: `all`, `any` or `only`, then the chunk types",
        )
        .at(call.span)
        .help("for example `--chunk-types any INIT,COOKIE_ECHO`"));
    };
    let mode = call.arg_text();
    let mode = ["all", "any", "only"]
        .into_iter()
        .find(|known| known.eq_ignore_ascii_case(mode))
        .ok_or_else(|| {
            call.error(format!("unknown chunk match mode `{mode}`"))
                .help("the first argument of `--chunk-types` is `all`, `any` or `only`")
        })?;
    let mut items = vec![mode.to_string()];
    items.extend(parse_chunks(call, list)?);
    Ok(Value::List(items.into()))
}

#[cfg(test)]
mod tests {
    use crate::model::{Family, PortRange, Value};
    use crate::parser::extensions::testing::{
        accepts, accepts6, match_named, refuses, refuses6, warnings,
    };

    fn chunks(rule: &str) -> Vec<String> {
        let rule = accepts(rule);
        match &match_named(&rule, "sctp")
            .option("chunk-types")
            .unwrap()
            .value
        {
            Value::List(items) => items.to_vec(),
            other => panic!("not a list: {other:?}"),
        }
    }

    #[test]
    fn ports() {
        let rule = accepts("-p sctp -m sctp --sport 1:65535 ! --dport amqp -j ACCEPT");
        let sctp = match_named(&rule, "sctp");
        assert_eq!(
            sctp.option("sport").unwrap().value,
            Value::PortRange(PortRange {
                first: 1,
                last: 65535
            })
        );
        assert_eq!(
            sctp.option("dport").unwrap().value,
            Value::PortRange(PortRange::single(5672))
        );
        assert!(sctp.option("dport").unwrap().negated);
        let rule = accepts6("-p sctp --destination-port 0x50 -j ACCEPT");
        let sctp = match_named(&rule, "sctp");
        assert!(sctp.implicit);
        assert_eq!(
            sctp.option("dport").unwrap().value,
            Value::PortRange(PortRange::single(80))
        );
    }

    #[test]
    fn chunk_types() {
        assert_eq!(
            chunks("-p sctp -m sctp --chunk-types all DATA -j ACCEPT"),
            ["all", "DATA"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types ANY all -j ACCEPT"),
            ["any", "ALL"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types only none -j ACCEPT"),
            ["only", "NONE"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all \"\" -j ACCEPT"),
            ["all", "NONE"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all ,init,,data, -j ACCEPT"),
            ["all", "DATA", "INIT"]
        );
        assert_eq!(
            chunks(
                "-p sctp --chunk-types all ASCONF,ASCONF_ACK,I_DATA,SHUTDOWN_COMPLETE -j ACCEPT"
            ),
            ["all", "SHUTDOWN_COMPLETE", "I_DATA", "ASCONF_ACK", "ASCONF"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all DATA:iuBE -j ACCEPT"),
            ["all", "DATA:iuBE"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all DATA:I,DATA:u -j ACCEPT"),
            ["all", "DATA:Iu"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all DATA:- -j ACCEPT"),
            ["all", "DATA:-"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all INIT: -j ACCEPT"),
            ["all", "INIT"]
        );
        assert_eq!(
            chunks("-p sctp --chunk-types all I_DATA:I -j ACCEPT"),
            ["all", "I_DATA"]
        );
        assert_eq!(
            chunks(
                "-p sctp --chunk-types all DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA:E -j ACCEPT"
            ),
            ["all", "DATA:I", "ABORT:T", "SHUTDOWN_COMPLETE:t", "I_DATA"]
        );
        let rule = accepts("-p sctp ! --chunk-types all DATA -j ACCEPT");
        assert!(
            match_named(&rule, "sctp")
                .option("chunk-types")
                .unwrap()
                .negated
        );
    }

    #[test]
    fn lost_flags_are_reported() {
        let found = warnings(Family::V4, "-p sctp --chunk-types all I_DATA:I -j ACCEPT");
        assert!(
            found
                .iter()
                .any(|w| w.message.contains("flags of `I_DATA`")),
            "{found:?}"
        );
        assert!(warnings(Family::V4, "-p sctp --chunk-types all DATA:I -j ACCEPT").is_empty());
    }

    #[test]
    fn refuses_what_iptables_refuses() {
        refuses("-p sctp --sport -1 -j ACCEPT", "neither a port number");
        refuses("-p sctp --dport 65536 -j ACCEPT", "neither a port number");
        refuses("-p sctp --dport ssh -j ACCEPT", "known sctp service");
        refuses("-p sctp --sport 5:4 -j ACCEPT", "reversed");
        refuses(
            "-p sctp --sport 1 --source-port 2 -j ACCEPT",
            "only one `--sport`",
        );
        refuses("-p sctp --chunk-types all -j ACCEPT", "needs two arguments");
        refuses(
            "-p sctp --chunk-types all ! DATA -j ACCEPT",
            "needs two arguments",
        );
        refuses(
            "-p sctp --chunk-types foo DATA -j ACCEPT",
            "unknown chunk match mode `foo`",
        );
        refuses(
            "-p sctp --chunk-types all DATA,ALL -j ACCEPT",
            "unknown SCTP chunk type `ALL`",
        );
        refuses(
            "-p sctp --chunk-types all DATA:X -j ACCEPT",
            "invalid flag `X` for SCTP chunk type `DATA`",
        );
        refuses(
            "-p sctp --chunk-types all DATA:I:U -j ACCEPT",
            "invalid flag `:`",
        );
        refuses(
            "-p sctp --chunk-types all INIT:I -j ACCEPT",
            "invalid flag `I` for SCTP chunk type `INIT`",
        );
        refuses(
            "-p sctp --chunk-types all DATA:I,ABORT:T,SHUTDOWN_COMPLETE:t,I_DATA:E,INIT:- -j ACCEPT",
            "at most 4 chunk types",
        );
        refuses(
            "-p sctp --chunk-types all DATA --chunk-types any INIT -j ACCEPT",
            "only one `--chunk-types`",
        );
        refuses("-m sctp --dport 1 -j ACCEPT", "works only with `-p sctp`");
        refuses6(
            "-p tcp -m sctp --dport 1 -j ACCEPT",
            "works only with `-p sctp`",
        );
    }
}
