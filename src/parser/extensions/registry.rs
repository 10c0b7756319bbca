//! The list of every extension fwlint knows, and lookup by name.

use foldhash::HashMap;
use std::sync::OnceLock;

use super::{ExtensionDef, conn, mangle, packet, proto, targets};
use crate::model::{ExtensionKind, Family};

/// Every extension definition, by group. Each group lists its own files.
pub static GROUPS: [&[&ExtensionDef]; 5] = [
    proto::DEFS,
    conn::DEFS,
    packet::DEFS,
    targets::DEFS,
    mangle::DEFS,
];

/// All extension definitions.
pub fn all() -> impl Iterator<Item = &'static ExtensionDef> {
    GROUPS.iter().flat_map(|group| group.iter().copied())
}

/// Definitions per name: match v4, match v6, target v4, target v6.
type Slots = [Option<&'static ExtensionDef>; 4];

fn slot(kind: ExtensionKind, family: Family) -> usize {
    usize::from(kind == ExtensionKind::Target) * 2 + usize::from(family == Family::V6)
}

fn index() -> &'static HashMap<&'static str, Slots> {
    static INDEX: OnceLock<HashMap<&'static str, Slots>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut map: HashMap<&'static str, Slots> = HashMap::default();
        for def in all() {
            let entry = map.entry(def.name).or_default();
            for family in [Family::V4, Family::V6] {
                if def.families.contains(family) {
                    entry[slot(def.kind, family)].get_or_insert(def);
                }
            }
        }
        map
    })
}

/// The extension called `name` of `kind` for `family`, if fwlint knows it.
#[must_use]
pub fn find(name: &str, kind: ExtensionKind, family: Family) -> Option<&'static ExtensionDef> {
    index()
        .get(name)
        .and_then(|slots| slots[slot(kind, family)])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::extensions::{ArgType, HasArg};

    #[test]
    fn names_are_unique_per_kind_and_family() {
        let mut seen = std::collections::HashSet::new();
        for def in all() {
            for family in [Family::V4, Family::V6] {
                if def.families.contains(family) {
                    assert!(
                        seen.insert((
                            def.name,
                            def.kind == ExtensionKind::Target,
                            family == Family::V6
                        )),
                        "{} is defined twice for {family:?}",
                        def.name
                    );
                }
            }
        }
    }

    #[test]
    fn synonyms_agree_on_type_and_ids_fit_in_a_mask() {
        for def in all() {
            for option in def.options {
                assert!(
                    option.id < 32,
                    "{}: --{} has id {}",
                    def.name,
                    option.name,
                    option.id
                );
                for other in def.options.iter().filter(|other| other.id == option.id) {
                    assert_eq!(
                        option.has_arg() == HasArg::No,
                        other.has_arg() == HasArg::No,
                        "{}: --{} and --{} share an id but not an argument style",
                        def.name,
                        option.name,
                        other.name
                    );
                }
                if option.ty == ArgType::None {
                    assert_eq!(option.has_arg(), HasArg::No);
                }
            }
        }
    }
}
