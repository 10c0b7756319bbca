//! Match and target extensions (`-m NAME ...`, `-j NAME ...`) with their
//! typed options.

use std::borrow::Cow;

use crate::source::Span;

use super::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExtensionKind {
    Match,
    Target,
}

/// How a target ends the traversal of a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Termination {
    /// Traversal goes on with the next rule (LOG, MARK, ...).
    Continues,
    /// The packet's fate in this table is decided (REJECT, NAT targets...).
    Terminal,
    /// Depends on the options (`NFQUEUE --queue-bypass`).
    Depends,
    /// Not a target, or not known.
    Unknown,
}

/// One option of an extension, with its typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtOption {
    /// The option's canonical long name without `--` (`dport` for
    /// `--destination-port`); for an unknown extension, the name as written.
    pub name: Cow<'static, str>,
    pub negated: bool,
    pub value: Value,
    /// The `!`, the option and its arguments.
    pub span: Span,
}

/// One match or target extension of a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub kind: ExtensionKind,
    /// The name as iptables-save prints it (`tcp`, `conntrack`, `LOG`):
    /// borrowed from fwlint's table of extensions when it knows the
    /// extension, so that the model of a large file holds no copy of it.
    pub name: Cow<'static, str>,
    /// False when fwlint does not know the extension: its options are then
    /// kept verbatim, and every result that depends on it is uncertain.
    pub known: bool,
    /// True for a protocol match that `-p` loaded without `-m`.
    pub implicit: bool,
    /// For targets: whether the rule ends traversal (from what fwlint
    /// knows of the target; [`Termination::Unknown`] otherwise).
    pub termination: Termination,
    /// `-m NAME` or `-j NAME`; for implicit matches, the first option.
    pub name_span: Span,
    /// From the name through the last option.
    pub span: Span,
    pub options: Box<[ExtOption]>,
}

impl Extension {
    /// The first option called `name`.
    #[must_use]
    pub fn option(&self, name: &str) -> Option<&ExtOption> {
        self.options.iter().find(|option| option.name == name)
    }

    #[must_use]
    pub fn has_option(&self, name: &str) -> bool {
        self.option(name).is_some()
    }

    /// True when the extension matches every packet (only `comment` does).
    #[must_use]
    pub fn is_match_all(&self) -> bool {
        self.known && self.kind == ExtensionKind::Match && self.name == "comment"
    }
}
