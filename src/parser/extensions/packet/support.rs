//! Helpers shared by the extensions of this group: `value[/mask]` numbers
//! that may also be names from an iproute2 table (`devgroup`, `realm`), and
//! the hooks a rule is known to be reached from, for the kernel checks that
//! depend on an extension's options.

use crate::model::{Hook, Value};
use crate::parser::extensions::{ExtError, KernelCall, OptCall};
use crate::parser::values;

/// An iproute2 name table (`/etc/iproute2/group`, `/etc/iproute2/rt_realms`)
/// as Debian ships it: only the names present in the default file.
pub struct NameMap {
    /// The file iptables reads the names from.
    pub file: &'static str,
    pub names: &'static [(&'static str, u32)],
}

/// `xtables_parse_val_mask` with a name map: `value[/mask]` of 32-bit C
/// numbers, or a name of the map (without a mask). Names fwlint does not
/// know are taken as defined on the machine that loads the rules: they give
/// a warning and a [`Value::Symbol`]; numbers give a [`Value::MarkMask`].
pub fn parse_val_mask_named(call: &mut OptCall<'_, '_>, map: &NameMap) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let name = call.spec.name;
    let max = u64::from(u32::MAX);
    if let Some((value, rest)) = values::parse_uint_prefix(text, 0, max) {
        let value = u32::try_from(value).unwrap_or(u32::MAX);
        if rest.is_empty() {
            return Ok(Value::MarkMask {
                value,
                mask: u32::MAX,
            });
        }
        if let Some(mask_text) = rest.strip_prefix('/') {
            return values::parse_uint(mask_text, 0, max)
                .map(|mask| Value::MarkMask {
                    value,
                    mask: u32::try_from(mask).unwrap_or(u32::MAX),
                })
                .ok_or_else(|| {
                    call.error(format!(
                        "bad mask `{mask_text}` for `--{name}`: it needs a 32-bit number"
                    ))
                });
        }
    }
    if let Some((_, value)) = map.names.iter().find(|(known, _)| *known == text) {
        return Ok(Value::MarkMask {
            value: *value,
            mask: u32::MAX,
        });
    }
    let plausible = text
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'/' && b != b'#');
    if !plausible {
        return Err(call
            .error(format!(
                "`{text}` is neither a 32-bit `value[/mask]` nor a name for `--{name}`"
            ))
            .help(format!(
                "write a number such as `0x1` or `0x1/0xf`, or a name from {}",
                map.file
            )));
    }
    call.warn(format!(
        "`{text}` is not in the default {}: iptables looks it up when the rule is loaded and fails if it is not there",
        map.file
    ));
    Ok(Value::Symbol(text.to_string()))
}

/// The hooks the rule's chain is reached from, when fwlint knows them: the
/// hook of a built-in chain. User chains give `None` (their hooks are known
/// only once the whole table is read).
#[must_use]
pub fn known_hooks(call: &KernelCall<'_>) -> Option<u8> {
    call.table.builtin_hook(call.chain).map(Hook::bit)
}

/// The chain names of the hooks in `mask`, for messages.
#[must_use]
pub fn hook_names(mask: u8) -> String {
    Hook::ALL
        .iter()
        .filter(|hook| mask & hook.bit() != 0)
        .map(|hook| format!("`{}`", hook.chain_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Fails when the rule's chain is reached from a hook in `forbidden`.
pub fn refuse_hooks(call: &KernelCall<'_>, forbidden: u8, what: &str) -> Result<(), ExtError> {
    let Some(reached) = known_hooks(call) else {
        return Ok(());
    };
    if reached & forbidden == 0 {
        return Ok(());
    }
    Err(call.error(format!(
        "{what} is not allowed in chains reached from {}: the kernel refuses this rule",
        hook_names(reached & forbidden)
    )))
}

pub const PREROUTING: u8 = 1 << 0;
pub const INPUT: u8 = 1 << 1;
pub const FORWARD: u8 = 1 << 2;
pub const OUTPUT: u8 = 1 << 3;
pub const POSTROUTING: u8 = 1 << 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_bits_follow_the_model() {
        assert_eq!(PREROUTING, Hook::Prerouting.bit());
        assert_eq!(INPUT, Hook::Input.bit());
        assert_eq!(FORWARD, Hook::Forward.bit());
        assert_eq!(OUTPUT, Hook::Output.bit());
        assert_eq!(POSTROUTING, Hook::Postrouting.bit());
        assert_eq!(hook_names(INPUT | OUTPUT), "`INPUT`, `OUTPUT`");
    }
}
