//! The DiffServ class names of iptables' `dscp_helper.c`, shared by the
//! `dscp` match (`--dscp-class`) and the `DSCP` target
//! (`--set-dscp-class`).

use super::{ExtError, OptCall};
use crate::model::Value;
use crate::parser::values;

/// The DiffServ classes and their code points, in the order iptables
/// tries them.
pub const CLASSES: [(&str, u8); 22] = [
    ("CS0", 0x00),
    ("CS1", 0x08),
    ("CS2", 0x10),
    ("CS3", 0x18),
    ("CS4", 0x20),
    ("CS5", 0x28),
    ("CS6", 0x30),
    ("CS7", 0x38),
    ("BE", 0x00),
    ("AF11", 0x0a),
    ("AF12", 0x0c),
    ("AF13", 0x0e),
    ("AF21", 0x12),
    ("AF22", 0x14),
    ("AF23", 0x16),
    ("AF31", 0x1a),
    ("AF32", 0x1c),
    ("AF33", 0x1e),
    ("AF41", 0x22),
    ("AF42", 0x24),
    ("AF43", 0x26),
    ("EF", 0x2e),
];

/// `class_to_dscp`: the first class whose name starts the text, ignoring
/// case (iptables compares only as many characters as the name has, so
/// `EFX` is `EF`). Returns the class name and its code point.
#[must_use]
pub fn class_to_dscp(text: &str) -> Option<(&'static str, u8)> {
    CLASSES
        .iter()
        .copied()
        .find(|(name, _)| values::starts_with_ignore_case(text, name))
}

/// A class option: the code point of the class the argument names, with a
/// warning when iptables ignores the end of the argument.
pub fn parse_class(call: &mut OptCall<'_, '_>) -> Result<Value, ExtError> {
    let text = call.arg_text();
    let (name, dscp) = class_to_dscp(text).ok_or_else(|| {
        call.error(format!("unknown DSCP class `{text}`"))
            .help("classes are CS0-CS7, BE, AF11-AF13, AF21-AF23, AF31-AF33, AF41-AF43 and EF")
    })?;
    if text.len() > name.len() {
        call.warn(format!(
            "iptables reads `{text}` as class `{name}` and ignores the rest"
        ));
    }
    Ok(Value::UInt(u64::from(dscp)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_are_matched_by_their_start() {
        assert_eq!(class_to_dscp("EF"), Some(("EF", 0x2e)));
        assert_eq!(class_to_dscp("af111"), Some(("AF11", 0x0a)));
        assert_eq!(class_to_dscp("BEST"), Some(("BE", 0)));
        assert_eq!(class_to_dscp("CS"), None);
        assert_eq!(class_to_dscp("AF4"), None);
    }
}
