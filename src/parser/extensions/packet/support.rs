//! Helpers shared by the extensions of this group: `value[/mask]` numbers
//! that may also be names from an iproute2 table (`devgroup`, `realm`).

use crate::model::Value;
use crate::parser::extensions::{ExtError, OptCall};
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
    call.warn_host(format!(
        "`{text}` is not in the default {}: iptables looks it up when the rule is loaded and fails if it is not there",
        map.file
    ), format!("write the number that `{text}` stands for in {}", map.file));
    Ok(Value::Symbol(text.into()))
}
