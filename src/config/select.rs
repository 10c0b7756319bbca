//! Choosing codes: what a selector (`FW107`, `shadowed-rule`, `FW1`,
//! `security`, `ALL`) names, and which codes a list of selections leaves
//! enabled.
//!
//! The rule is ruff's: for each code, the most specific selector that
//! names it decides (a code or name beats a prefix, a longer prefix beats a
//! shorter one, a prefix beats a category, a category beats `ALL`); when an
//! enabling and a disabling selector are equally specific, disabling wins.
//! One exception keeps files that `iptables-restore` refuses from passing
//! unnoticed: a syntax code (category `syntax`) stays enabled unless a
//! selector that names syntax codes on purpose (its code or name, a prefix
//! of `FW0`, or the category `syntax`) ignores it; `select` alone never
//! drops one.

use crate::diagnostics::{Category, LintMeta};
use crate::registry;

/// What one selector names.
#[derive(Debug, Clone)]
pub enum Selector {
    All,
    Category(Category),
    /// A code prefix such as `FW1`, upper case.
    Prefix(String),
    Code(&'static LintMeta),
}

impl PartialEq for Selector {
    fn eq(&self, other: &Selector) -> bool {
        match (self, other) {
            (Selector::All, Selector::All) => true,
            (Selector::Category(a), Selector::Category(b)) => a == b,
            (Selector::Prefix(a), Selector::Prefix(b)) => a == b,
            (Selector::Code(a), Selector::Code(b)) => a.code == b.code,
            _ => false,
        }
    }
}

impl Eq for Selector {}

impl Selector {
    /// Reads a selector; the error says what is wrong and suggests the
    /// closest code, name or category.
    pub fn parse(text: &str) -> Result<Selector, String> {
        let trimmed = text.trim();
        if trimmed == "ALL" {
            return Ok(Selector::All);
        }
        if let Some(meta) = find_code(trimmed) {
            return Ok(Selector::Code(meta));
        }
        if let Some(category) = Category::parse(trimmed) {
            return Ok(Selector::Category(category));
        }
        let upper = trimmed.to_ascii_uppercase();
        if upper.len() >= 2
            && upper.starts_with("FW")
            && upper[2..].bytes().all(|b| b.is_ascii_digit())
            && upper.len() < 5
        {
            if registry::all()
                .iter()
                .any(|meta| meta.code.starts_with(&upper))
            {
                return Ok(Selector::Prefix(upper));
            }
            return Err(format!("no code starts with `{trimmed}`"));
        }
        Err(match suggest(trimmed) {
            Some(close) => {
                format!("unknown code, name or category `{trimmed}`: did you mean `{close}`?")
            }
            None => format!(
                "unknown code, name or category `{trimmed}`: run `fwlint rule --all` for the list"
            ),
        })
    }

    /// Does this selector name `meta`?
    #[must_use]
    pub fn names(&self, meta: &LintMeta) -> bool {
        match self {
            Selector::All => true,
            Selector::Category(category) => meta.category == *category,
            Selector::Prefix(prefix) => meta.code.starts_with(prefix.as_str()),
            Selector::Code(code) => code.code == meta.code,
        }
    }

    /// How specific the selector is: the more specific one decides.
    #[must_use]
    pub fn specificity(&self) -> usize {
        match self {
            Selector::All => 0,
            Selector::Category(_) => 1,
            Selector::Prefix(prefix) => 1 + prefix.len(),
            Selector::Code(_) => 100,
        }
    }

    /// Does ignoring with this selector mean to drop syntax codes?
    fn aims_at_syntax(&self) -> bool {
        match self {
            Selector::All => false,
            Selector::Category(category) => *category == Category::Syntax,
            Selector::Prefix(prefix) => prefix.starts_with("FW0"),
            Selector::Code(_) => true,
        }
    }
}

/// A code (any case) or a name.
#[must_use]
pub fn find_code(key: &str) -> Option<&'static LintMeta> {
    registry::find(key.trim())
}

/// The code, name or category closest to `key`, when one is close enough
/// to be a likely typo.
#[must_use]
pub fn suggest(key: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    let mut candidates: Vec<String> = Vec::new();
    for meta in registry::all() {
        candidates.push(meta.name.to_string());
        candidates.push(meta.code.to_string());
    }
    candidates.extend(Category::ALL.iter().map(|c| c.as_str().to_string()));
    closest(&lower, candidates.iter().map(String::as_str)).map(str::to_string)
}

/// The candidate with the smallest edit distance to `key`, if it is within
/// a third of the key's length (at least 2).
pub fn closest<'a>(key: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(2);
    candidates
        .map(|candidate| {
            (
                strsim::levenshtein(key, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, _)| *distance <= limit)
        .min_by_key(|(distance, candidate)| (*distance, *candidate))
        .map(|(_, candidate)| candidate)
}

/// Selections in the order they apply; later levels replace nothing, the
/// most specific selector wins across all of them.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `select`: when set, only what it names (and syntax codes) is on.
    pub select: Option<Vec<Selector>>,
    pub extend_select: Vec<Selector>,
    pub ignore: Vec<Selector>,
}

impl Selection {
    /// Is `meta` enabled?
    #[must_use]
    pub fn enables(&self, meta: &LintMeta) -> bool {
        // The best (specificity, enable) so far; `None` = no selector
        // named it.
        let mut best: Option<(usize, bool)> = None;
        let mut consider = |selector: &Selector, enable: bool| {
            if !selector.names(meta) {
                return;
            }
            let rank = selector.specificity();
            best = match best {
                Some((current, _)) if current > rank => best,
                // Equally specific: disabling wins.
                Some((current, false)) if current == rank => best,
                _ => Some((rank, enable)),
            };
        };
        match &self.select {
            Some(selectors) => selectors.iter().for_each(|s| consider(s, true)),
            None => consider(&Selector::All, true),
        }
        self.extend_select.iter().for_each(|s| consider(s, true));
        self.ignore.iter().for_each(|s| consider(s, false));
        let enabled = best.is_some_and(|(_, enable)| enable);
        if enabled || meta.category != Category::Syntax {
            return enabled;
        }
        // A syntax code goes only when an ignore aims at it.
        !self
            .ignore
            .iter()
            .any(|selector| selector.names(meta) && selector.aims_at_syntax())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selectors(texts: &[&str]) -> Vec<Selector> {
        texts.iter().map(|t| Selector::parse(t).expect(t)).collect()
    }

    fn enabled(selection: &Selection, key: &str) -> bool {
        selection.enables(find_code(key).expect(key))
    }

    #[test]
    fn selectors_name_codes_names_prefixes_and_categories() {
        let shadowed = find_code("shadowed-rule").expect("exists");
        assert_eq!(Selector::parse("fw107"), Ok(Selector::Code(shadowed)));
        assert_eq!(Selector::parse("FW1"), Ok(Selector::Prefix("FW1".into())));
        assert_eq!(
            Selector::parse("security"),
            Ok(Selector::Category(Category::Security))
        );
        let error = Selector::parse("shadowed-rules").expect_err("typo");
        assert!(error.contains("did you mean `shadowed-rule`"), "{error}");
        assert!(Selector::parse("FW9").is_err());
    }

    #[test]
    fn the_most_specific_selector_decides() {
        let selection = Selection {
            select: Some(selectors(&["FW1"])),
            extend_select: Vec::new(),
            ignore: selectors(&["shadowed-rule"]),
        };
        assert!(enabled(&selection, "FW101"));
        assert!(!enabled(&selection, "FW107"));
        assert!(!enabled(&selection, "FW301"));
        let selection = Selection {
            select: Some(selectors(&["FW107"])),
            extend_select: Vec::new(),
            ignore: selectors(&["correctness"]),
        };
        assert!(enabled(&selection, "FW107"));
    }

    #[test]
    fn syntax_codes_stay_unless_ignored_on_purpose() {
        let selection = Selection {
            select: Some(selectors(&["security"])),
            extend_select: Vec::new(),
            ignore: selectors(&["ALL"]),
        };
        assert!(enabled(&selection, "FW002"));
        assert!(enabled(&selection, "undefined-chain"));
        let selection = Selection {
            select: None,
            extend_select: Vec::new(),
            ignore: selectors(&["invalid-option", "FW00"]),
        };
        assert!(!enabled(&selection, "FW002"));
        assert!(!enabled(&selection, "FW005"));
        assert!(enabled(&selection, "FW010"));
    }
}
