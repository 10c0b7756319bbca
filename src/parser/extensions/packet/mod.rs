//! Matches on properties of the packet itself: addresses and address types,
//! interfaces, marks, lengths, header fields, payload, and comments.

mod comment;

use super::ExtensionDef;

pub static DEFS: &[&ExtensionDef] = &[&comment::COMMENT];
