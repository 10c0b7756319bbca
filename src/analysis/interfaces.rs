//! Interface names as a finite set of atoms.
//!
//! A ruleset names a few interfaces (`eth0`) and wildcards (`eth+`). Every
//! real interface falls into exactly one atom: a name the ruleset spells
//! out, "another name beginning with `eth`" for each wildcard stem (the
//! longest stem that fits), the empty name (no interface: the output
//! interface on the way to a local socket), or "any other name". Each
//! `-i`/`-o` pattern is then a set of atoms, exactly.

use crate::model::{Ruleset, Value};

/// The most atoms a bit set holds; further names fall into "any other".
const MAX_ATOMS: usize = 128;

#[derive(Debug, Clone)]
pub struct Atoms {
    /// Exact names, in bit order after the two fixed atoms.
    names: Vec<String>,
    /// Wildcard stems (without `+`), each with its bit.
    stems: Vec<(String, usize)>,
    /// Names that did not fit: patterns touching them are approximate.
    pub overflow: bool,
}

/// Bit of the empty interface name.
pub const EMPTY: u128 = 1;
/// Bit of "any name the ruleset does not mention".
pub const OTHER: u128 = 2;

impl Atoms {
    /// The atoms of every interface `ruleset` names, plus `extra` (names a
    /// traced packet uses).
    #[must_use]
    pub fn of(ruleset: &Ruleset, extra: &[&str]) -> Atoms {
        let mut names: Vec<String> = vec!["lo".to_string()];
        let mut stems: Vec<String> = Vec::new();
        let mut add = |pattern: &str| {
            if let Some(stem) = pattern.strip_suffix('+') {
                if !stem.is_empty() && !stems.iter().any(|s| s == stem) {
                    stems.push(stem.to_string());
                }
            } else if !pattern.is_empty() && !names.iter().any(|n| n == pattern) {
                names.push(pattern.to_string());
            }
        };
        for table in &ruleset.tables {
            for chain in &table.chains {
                for rule in &chain.rules {
                    for interface in [rule.in_interface(), rule.out_interface()]
                        .into_iter()
                        .flatten()
                    {
                        add(&interface.value.name);
                    }
                    for extension in &rule.matches {
                        for option in &extension.options {
                            if let Value::Interface(interface) = &option.value {
                                add(&interface.name);
                            }
                        }
                    }
                }
            }
        }
        for name in extra {
            add(name);
        }
        let mut overflow = false;
        let room = MAX_ATOMS - 2;
        if names.len() + stems.len() > room {
            overflow = true;
            let keep_stems = stems.len().min(room / 2);
            stems.truncate(keep_stems);
            names.truncate(room - stems.len());
        }
        let first_stem_bit = 2 + names.len();
        Atoms {
            stems: stems
                .into_iter()
                .enumerate()
                .map(|(index, stem)| (stem, first_stem_bit + index))
                .collect(),
            names,
            overflow,
        }
    }

    /// Every atom.
    #[must_use]
    pub fn all(&self) -> u128 {
        let count = 2 + self.names.len() + self.stems.len();
        if count >= 128 {
            u128::MAX
        } else {
            (1u128 << count) - 1
        }
    }

    /// The atom an actual interface called `name` falls into.
    #[must_use]
    pub fn atom_of(&self, name: &str) -> u128 {
        if name.is_empty() {
            return EMPTY;
        }
        if let Some(index) = self.names.iter().position(|n| n == name) {
            return 1 << (2 + index);
        }
        self.stems
            .iter()
            .filter(|(stem, _)| name.starts_with(stem.as_str()))
            .max_by_key(|(stem, _)| stem.len())
            .map_or(OTHER, |(_, bit)| 1 << bit)
    }

    /// The atoms a `-i`/`-o` pattern matches, and whether that is exact.
    #[must_use]
    pub fn pattern(&self, pattern: &str) -> (u128, bool) {
        let Some(stem) = pattern.strip_suffix('+') else {
            let atom = self.atom_of(pattern);
            // A name that did not fit fell into a shared atom.
            let exact = atom != OTHER || !self.overflow;
            return (atom, exact && !(atom & (OTHER) != 0 && self.overflow));
        };
        if stem.is_empty() {
            return (self.all(), true);
        }
        let mut bits = 0u128;
        for (index, name) in self.names.iter().enumerate() {
            if name.starts_with(stem) {
                bits |= 1 << (2 + index);
            }
        }
        let mut exact = true;
        for (other, bit) in &self.stems {
            if other.starts_with(stem) {
                bits |= 1 << bit;
            } else if stem.starts_with(other.as_str()) {
                // A wider stem's atom holds some names of this one too.
                bits |= 1 << bit;
                exact = false;
            }
        }
        if !self.stems.iter().any(|(other, _)| other == stem) {
            bits |= OTHER;
            exact = false;
        }
        (bits, exact && !self.overflow)
    }

    /// A readable name of the atoms in `bits`, for messages.
    #[must_use]
    pub fn describe(&self, bits: u128) -> Vec<String> {
        let mut out = Vec::new();
        if bits & EMPTY != 0 {
            out.push("(none)".to_string());
        }
        for (index, name) in self.names.iter().enumerate() {
            if bits & (1 << (2 + index)) != 0 {
                out.push(name.clone());
            }
        }
        for (stem, bit) in &self.stems {
            if bits & (1 << bit) != 0 {
                out.push(format!("{stem}+"));
            }
        }
        if bits & OTHER != 0 {
            out.push("(other)".to_string());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Family, Ruleset};

    fn atoms(extra: &[&str]) -> Atoms {
        Atoms::of(
            &Ruleset {
                family: Family::V4,
                tables: Vec::new(),
                fragment: false,
            },
            extra,
        )
    }

    #[test]
    fn names_and_wildcards_become_atoms() {
        let atoms = atoms(&["eth0", "eth+", "wlan0"]);
        let (eth, exact) = atoms.pattern("eth+");
        assert!(exact);
        assert_ne!(eth & atoms.atom_of("eth0"), 0);
        assert_ne!(eth & atoms.atom_of("eth7"), 0);
        assert_eq!(eth & atoms.atom_of("wlan0"), 0);
        assert_eq!(eth & atoms.atom_of(""), 0);
        assert_eq!(atoms.pattern("+").0, atoms.all());
        assert_eq!(atoms.atom_of("ppp0"), OTHER);
        assert_eq!(atoms.pattern("eth0").0, atoms.atom_of("eth0"));
    }
}
