//! FW303 unused-suppression: a `# fwlint: ignore[...]` that names an
//! unknown code, is malformed, or suppresses nothing.
//!
//! Unlike the other lints it has no pass over the model: whether a
//! suppression was used is known only once every finding of the file is
//! in, so the suppression layer (`crate::suppression`) reports it with the
//! constructors below. Lines cannot suppress it, only `file-ignore` and
//! the configuration can: a suppression that silences the report of its
//! own uselessness would never be seen.

use crate::declare_code;
use crate::diagnostics::{Diagnostic, LintMeta};
use crate::lints::Lint;
use crate::source::Span;

declare_code! {
    /// ## What it does
    /// Reports suppression comments (`# fwlint: ignore[...]`,
    /// `# fwlint: file-ignore[...]`, and the same text in
    /// `-m comment --comment "..."`) that are malformed, name a code or
    /// name fwlint does not have, or suppress nothing: no finding of the
    /// named code starts on the rule they apply to (or, for `file-ignore`,
    /// anywhere in the file), or the code is not enabled for the file.
    ///
    /// ## Why is this bad?
    /// A suppression that does not work hides nothing today but misleads
    /// the reader, and it silently starts hiding a real finding when the
    /// rule under it changes. A misspelt code suppresses nothing at all,
    /// and the finding its author meant to accept stays. Removing stale
    /// suppressions keeps every remaining one meaningful.
    ///
    /// ## Example
    /// ```iptables
    /// *filter
    /// # fwlint: ignore[shadowed-rule] kept until the migration ends
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// Use instead:
    /// ```iptables
    /// *filter
    /// -A INPUT -p tcp --dport 22 -j ACCEPT
    /// COMMIT
    /// ```
    ///
    /// ## Options
    /// `--no-ignores` disables every inline suppression (for audits); the
    /// unused ones are then not reported, the malformed and unknown ones
    /// still are. This code can be turned off only in fwlint.toml, on the
    /// command line, or with `# fwlint: file-ignore[unused-suppression]`.
    pub static UNUSED_SUPPRESSION = {
        code: "FW303",
        name: "unused-suppression",
        category: Style,
        summary: "suppression comment that is malformed, unknown or unused",
    };
}

pub struct UnusedSuppression;

impl Lint for UnusedSuppression {
    fn meta(&self) -> &'static LintMeta {
        &UNUSED_SUPPRESSION
    }
}

const SYNTAX_HELP: &str = "write `# fwlint: ignore[CODE-OR-NAME, ...] reason` on a comment line above the rule, or `# fwlint: file-ignore[...]` for the whole file";

/// A suppression comment fwlint cannot read.
#[must_use]
pub fn malformed(span: Span, problem: &str) -> Diagnostic {
    Diagnostic::new(
        &UNUSED_SUPPRESSION,
        span,
        format!("malformed suppression: {problem}"),
    )
    .with_help(SYNTAX_HELP)
}

/// A suppression that names no code fwlint has.
#[must_use]
pub fn unknown(span: Span, key: &str, suggestion: Option<&str>) -> Diagnostic {
    let help = match suggestion {
        Some(close) => format!("did you mean `{close}`?"),
        None => "name a code (`FW107`) or a name (`shadowed-rule`); `fwlint rule --all` lists them"
            .to_string(),
    };
    Diagnostic::new(
        &UNUSED_SUPPRESSION,
        span,
        format!("suppression of `{key}`, which is not a code or name of fwlint"),
    )
    .with_label("unknown code")
    .with_help(help)
}

/// A suppression of `meta` that suppressed nothing; `enabled` says
/// whether the code is on for the file at all.
#[must_use]
pub fn unused(span: Span, meta: &LintMeta, whole_file: bool, enabled: bool) -> Diagnostic {
    let message = if !enabled {
        format!(
            "suppression of `{}` ({}), which is not enabled for this file",
            meta.name, meta.code
        )
    } else if whole_file {
        format!(
            "suppression of `{}` ({}) in a file where it reports nothing",
            meta.name, meta.code
        )
    } else {
        format!(
            "suppression of `{}` ({}) on a rule where it reports nothing",
            meta.name, meta.code
        )
    };
    Diagnostic::new(&UNUSED_SUPPRESSION, span, message)
        .with_label("unused")
        .with_help("remove it; `fwlint --no-ignores` shows what every suppression hides")
}

/// A line suppression with no rule after it.
#[must_use]
pub fn dangling(span: Span) -> Diagnostic {
    Diagnostic::new(
        &UNUSED_SUPPRESSION,
        span,
        "suppression comment with no rule after it",
    )
    .with_help("an `ignore[...]` comment applies to the next rule line; move it above the rule, or use `file-ignore[...]`")
}

/// A line suppression of this very code.
#[must_use]
pub fn not_on_a_line(span: Span) -> Diagnostic {
    Diagnostic::new(
        &UNUSED_SUPPRESSION,
        span,
        "`unused-suppression` cannot be suppressed on a line",
    )
    .with_help("use `# fwlint: file-ignore[unused-suppression]`, or ignore it in fwlint.toml")
}
