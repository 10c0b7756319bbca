//! Every diagnostic code fwlint has: the reader's and the lints', in code
//! order. `fwlint rule` and the machine-readable outputs read it.

use crate::diagnostics::LintMeta;
use crate::lints;
use crate::parser::codes;

/// All codes, sorted by code.
#[must_use]
pub fn all() -> Vec<&'static LintMeta> {
    let mut metas: Vec<&'static LintMeta> = codes::ALL.to_vec();
    metas.extend(lints::ALL.iter().map(|lint| lint.meta()));
    metas.sort_by_key(|meta| meta.code);
    metas
}

/// The code called `key`: a code (`FW101`, any case) or a name
/// (`unreachable-rule`).
#[must_use]
pub fn find(key: &str) -> Option<&'static LintMeta> {
    all()
        .into_iter()
        .find(|meta| meta.code.eq_ignore_ascii_case(key) || meta.name == key)
}
