//! What every diagnostic code is: its stable code, its name, its category
//! and its documentation.

use super::Severity;

/// The category of a code; it sets the default severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// iptables-restore or the kernel refuses the file.
    Syntax,
    /// The ruleset does not do what it says.
    Correctness,
    /// Probably a mistake, or a result fwlint cannot fully check.
    Suspicious,
    /// Lets in traffic that a careful administrator would keep out.
    Security,
    /// Works, but is written in a way that misleads or is outdated.
    Style,
    /// Works, but costs more per packet than it needs to.
    Performance,
}

impl Category {
    pub const ALL: [Category; 6] = [
        Category::Syntax,
        Category::Correctness,
        Category::Suspicious,
        Category::Security,
        Category::Style,
        Category::Performance,
    ];

    #[must_use]
    pub fn default_severity(self) -> Severity {
        match self {
            Category::Syntax | Category::Correctness => Severity::Error,
            Category::Suspicious | Category::Security => Severity::Warning,
            Category::Style | Category::Performance => Severity::Info,
        }
    }

    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Syntax => "syntax",
            Category::Correctness => "correctness",
            Category::Suspicious => "suspicious",
            Category::Security => "security",
            Category::Style => "style",
            Category::Performance => "performance",
        }
    }

    #[must_use]
    pub fn parse(text: &str) -> Option<Category> {
        Category::ALL
            .into_iter()
            .find(|category| category.as_str() == text)
    }
}

/// The description of one diagnostic code. The documentation is Markdown
/// with the headings `## What it does`, `## Why is this bad?`, `## Example`
/// and `Use instead:`.
#[derive(Debug)]
pub struct LintMeta {
    pub code: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// Overrides the category's default severity where a code needs it.
    pub severity: Option<Severity>,
    pub summary: &'static str,
    pub docs: &'static str,
}

impl LintMeta {
    /// The documentation as Markdown, without the space each doc-comment
    /// line starts with.
    #[must_use]
    pub fn documentation(&self) -> String {
        let mut text = String::with_capacity(self.docs.len());
        for line in self.docs.lines() {
            text.push_str(line.strip_prefix(' ').unwrap_or(line));
            text.push('\n');
        }
        text
    }

    #[must_use]
    pub fn default_severity(&self) -> Severity {
        self.severity
            .unwrap_or_else(|| self.category.default_severity())
    }
}

/// Declares a `static` [`LintMeta`] whose documentation is the doc comment
/// written above it, as clippy does.
#[macro_export]
macro_rules! declare_code {
    (
        $(#[doc = $doc:literal])*
        $vis:vis static $ident:ident = {
            code: $code:literal,
            name: $name:literal,
            category: $category:ident,
            $(severity: $severity:ident,)?
            summary: $summary:literal $(,)?
        };
    ) => {
        $vis static $ident: $crate::diagnostics::LintMeta = $crate::diagnostics::LintMeta {
            code: $code,
            name: $name,
            category: $crate::diagnostics::Category::$category,
            severity: $crate::declare_code!(@severity $($severity)?),
            summary: $summary,
            docs: concat!($($doc, "\n"),*),
        };
    };
    (@severity) => { None };
    (@severity $severity:ident) => { Some($crate::diagnostics::Severity::$severity) };
}
