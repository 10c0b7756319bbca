//! Match and target extensions: what options each one takes and how their
//! values are checked, following libxtables and each `libxt_*.c` of
//! iptables 1.8.9, plus the checks the kernel makes when the rule is loaded.
//!
//! An extension is described by a static [`ExtensionDef`]: a table of
//! options (the `xt_option_entry` table of iptables), an optional parse hook
//! for options whose value needs more than the generic type parser (the
//! `x6_parse` of iptables), a final check over all options (`x6_fcheck`), and
//! the kernel's requirements (protocol, table, hooks, `checkentry`). The
//! generic machinery of `xtoptions.c` (once-only options, `!`, mandatory,
//! exclusive and required combinations, typed values) lives here, with
//! helpers for what many extensions do (parts of an argument, strings cut
//! to a fixed size, warnings, hook masks); the generic type parsers are in
//! `generic`, and those pure ones that need no option in
//! [`crate::parser::values`]. Each extension file only says what is
//! special about it. Adding an extension means writing its file and
//! listing it in its group's `DEFS` (see `registry`).
//!
//! This module produces typed option values for the model; it does not load
//! rules into chains and does not know about lints.

mod conn;
mod dscp_helper;
mod generic;
mod mangle;
mod packet;
mod proto;
mod registry;
mod targets;
#[cfg(test)]
pub(crate) mod testing;

use std::borrow::Cow;

pub use generic::{parse_generic, parse_syslog_level, parse_value_mask};
pub use registry::{all, find};

use crate::model::{ExtOption, Extension, ExtensionKind, Family, Rule, TableKind, Value};
use crate::source::Span;

/// The type of an option's argument, as `enum xt_option_type` of libxtables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    /// No argument.
    None,
    UInt8,
    UInt16,
    UInt32,
    UInt64,
    /// `a[:b]` ranges of integers.
    UInt8Range,
    UInt16Range,
    UInt32Range,
    UInt64Range,
    Double,
    String,
    /// `value[/mask]` of 8 bits, or a TOS name.
    TosMask,
    /// `mark[/mask]` of 32 bits.
    MarkMask32,
    /// A syslog level name or 0-7.
    SyslogLevel,
    /// One address (a name resolves at load time).
    Host,
    /// An address with an optional `/prefix`.
    HostMask,
    /// A protocol name or number.
    Protocol,
    /// A port number or service name.
    Port,
    /// `port[:port]`.
    PortRange,
    /// A prefix length, or a mask written as an address.
    Plen,
    /// Like [`ArgType::Plen`], stored as a mask.
    PlenMask,
    /// A MAC address.
    EtherMac,
}

/// How an option takes its argument on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HasArg {
    No,
    Required,
    /// Only attached: `--opt=value`.
    Optional,
}

/// Option flags, as `XTOPT_*`.
pub mod flags {
    /// The option may be negated with `!`.
    pub const INVERT: u8 = 1 << 0;
    /// The option must be given.
    pub const MAND: u8 = 1 << 1;
    /// The option may be given several times.
    pub const MULTI: u8 = 1 << 2;
    /// The extension checks repetition and `!` itself (old-style parsers
    /// of iptables); the generic checks are skipped.
    pub const CUSTOM: u8 = 1 << 3;
}

/// One option of an extension, as an `xt_option_entry`.
#[derive(Debug, Clone, Copy)]
pub struct OptSpec {
    /// The long name without `--`.
    pub name: &'static str,
    /// Options sharing an id are synonyms; ids index `excl`/`also` bits.
    pub id: u8,
    pub ty: ArgType,
    pub flags: u8,
    /// Ids (as bits) of options that cannot be combined with this one.
    pub excl: u32,
    /// Ids (as bits) of options that must be given with this one.
    pub also: u32,
    pub min: u64,
    pub max: u64,
    /// How many colon-separated parts a range type takes (default 2).
    pub parts: u8,
    /// Overrides how the argument is taken (defaults from `ty`).
    pub has_arg: Option<HasArg>,
}

impl OptSpec {
    #[must_use]
    pub const fn new(name: &'static str, id: u8, ty: ArgType) -> OptSpec {
        OptSpec {
            name,
            id,
            ty,
            flags: 0,
            excl: 0,
            also: 0,
            min: 0,
            max: 0,
            parts: 2,
            has_arg: None,
        }
    }

    #[must_use]
    pub const fn flags(mut self, flags: u8) -> OptSpec {
        self.flags = flags;
        self
    }

    #[must_use]
    pub const fn invert(mut self) -> OptSpec {
        self.flags |= flags::INVERT;
        self
    }

    #[must_use]
    pub const fn mandatory(mut self) -> OptSpec {
        self.flags |= flags::MAND;
        self
    }

    #[must_use]
    pub const fn multi(mut self) -> OptSpec {
        self.flags |= flags::MULTI;
        self
    }

    #[must_use]
    pub const fn custom(mut self) -> OptSpec {
        self.flags |= flags::CUSTOM;
        self
    }

    #[must_use]
    pub const fn excl(mut self, ids: u32) -> OptSpec {
        self.excl = ids;
        self
    }

    #[must_use]
    pub const fn also(mut self, ids: u32) -> OptSpec {
        self.also = ids;
        self
    }

    #[must_use]
    pub const fn min(mut self, min: u64) -> OptSpec {
        self.min = min;
        self
    }

    #[must_use]
    pub const fn max(mut self, max: u64) -> OptSpec {
        self.max = max;
        self
    }

    #[must_use]
    pub const fn range(mut self, min: u64, max: u64) -> OptSpec {
        self.min = min;
        self.max = max;
        self
    }

    #[must_use]
    pub const fn parts(mut self, parts: u8) -> OptSpec {
        self.parts = parts;
        self
    }

    #[must_use]
    pub const fn optional_arg(mut self) -> OptSpec {
        self.has_arg = Some(HasArg::Optional);
        self
    }

    #[must_use]
    pub const fn has_arg(&self) -> HasArg {
        match self.has_arg {
            Some(has_arg) => has_arg,
            None => match self.ty {
                ArgType::None => HasArg::No,
                _ => HasArg::Required,
            },
        }
    }

    #[must_use]
    pub const fn has_flag(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }
}

/// The bit of option id `id`, for `excl` and `also`.
#[must_use]
pub const fn bit(id: u8) -> u32 {
    1 << id
}

/// Which address families an extension exists for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Families {
    Both,
    V4,
    V6,
}

impl Families {
    #[must_use]
    pub fn contains(self, family: Family) -> bool {
        matches!(
            (self, family),
            (Families::Both, _) | (Families::V4, Family::V4) | (Families::V6, Family::V6)
        )
    }
}

/// An error found in an extension's options; `span` defaults to the option
/// (or, in final checks, to the extension's name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtError {
    pub message: String,
    pub span: Option<Span>,
    pub help: Option<String>,
}

impl ExtError {
    pub fn new(message: impl Into<String>) -> ExtError {
        ExtError {
            message: message.into(),
            span: None,
            help: None,
        }
    }

    #[must_use]
    pub fn at(mut self, span: Span) -> ExtError {
        self.span = Some(span);
        self
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> ExtError {
        self.help = Some(help.into());
        self
    }
}

/// What a warning about an option says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WarningKind {
    /// iptables accepts the value but stores or uses something else than
    /// what is written (a truncated string, a port that wraps around).
    ValueChanged,
    /// iptables looks the value up on the machine that loads the rules (a
    /// host name, a user name, a label from a configuration file): fwlint
    /// cannot know what it stands for, or whether the load succeeds.
    DependsOnHost,
}

/// A warning about an option that iptables accepts but that does not do
/// what it seems to, or whose meaning depends on the loading machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtWarning {
    pub kind: WarningKind,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl ExtWarning {
    /// A [`WarningKind::ValueChanged`] warning.
    pub fn new(message: impl Into<String>, span: Span) -> ExtWarning {
        ExtWarning {
            kind: WarningKind::ValueChanged,
            message: message.into(),
            span,
            help: None,
        }
    }

    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> ExtWarning {
        self.help = Some(help.into());
        self
    }

    #[must_use]
    pub fn kind(mut self, kind: WarningKind) -> ExtWarning {
        self.kind = kind;
        self
    }
}

/// An argument as given on the command line.
#[derive(Debug, Clone, Copy)]
pub struct Arg<'a> {
    pub text: &'a str,
    pub span: Span,
    /// True when `text` is the source slice under `span` byte for byte
    /// (no quotes, no escapes), so offsets into the text are offsets into
    /// the source.
    pub verbatim: bool,
}

impl Arg<'_> {
    /// The span of bytes `range` of the argument: exact when the argument
    /// was written without quotes or escapes, the whole argument otherwise.
    /// Equal lengths alone prove nothing: `"0\u{FFFD}` unterminated is as
    /// long as its text `0\u{FFFD}\n`, shifted by one byte.
    #[must_use]
    pub fn sub_span(&self, range: std::ops::Range<usize>) -> Span {
        if self.verbatim
            && self.span.len() as usize == self.text.len()
            && range.end <= self.text.len()
        {
            self.span.part(range)
        } else {
            self.span
        }
    }

    /// The span of `part`, a slice of the argument's text (the whole
    /// argument when `part` is not one).
    #[must_use]
    pub fn part_span(&self, part: &str) -> Span {
        // Both are slices of the same string, so the addresses give the
        // offset.
        let offset = (part.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        if offset <= self.text.len() && part.len() <= self.text.len() - offset {
            self.sub_span(offset..offset + part.len())
        } else {
            self.span
        }
    }
}

/// What the rule says so far, for options that depend on it.
#[derive(Debug, Clone, Copy)]
pub struct RuleSoFar {
    pub family: Family,
    pub table: Option<TableKind>,
    /// `-p` as parsed so far: number and negation.
    pub protocol: Option<(u8, bool)>,
}

/// One call of an extension's parse hook for one option occurrence.
pub struct OptCall<'c, 'a> {
    pub spec: &'static OptSpec,
    pub ext_name: &'static str,
    pub arg: Option<Arg<'a>>,
    pub invert: bool,
    /// The span of the option token (and its `!` and argument).
    pub span: Span,
    pub rule: RuleSoFar,
    /// Options of this extension instance parsed so far.
    pub previous: &'c [ExtOption],
    /// Ids (as bits) of options seen so far.
    pub seen: u32,
    /// Further arguments after this option, for options that take more than
    /// one (`--tcp-flags MASK COMP`).
    pub rest: &'c mut dyn ArgSource<'a>,
    /// Warnings to report, even when parsing succeeds.
    pub warnings: &'c mut Vec<ExtWarning>,
}

/// Access to the arguments following an option.
pub trait ArgSource<'a> {
    /// The next argument if it does not start with `-` or `!`, consumed.
    fn next_value(&mut self) -> Option<Arg<'a>>;
    /// The next argument whatever it looks like, consumed.
    fn next_any(&mut self) -> Option<Arg<'a>>;
    /// The next argument, not consumed.
    fn peek(&self) -> Option<Arg<'a>>;
}

impl<'a> OptCall<'_, 'a> {
    /// The argument, which the generic checks guarantee for options that
    /// require one.
    #[must_use]
    pub fn arg_text(&self) -> &'a str {
        self.arg.map_or("", |arg| arg.text)
    }

    #[must_use]
    pub fn arg_span(&self) -> Span {
        self.arg.map_or(self.span, |arg| arg.span)
    }

    /// The value of the generic type parser for this option.
    pub fn generic(&mut self) -> Result<Value, ExtError> {
        parse_generic(self)
    }

    /// The span of `part`, a slice of the argument's text: exact when the
    /// argument is written as is (not quoted), else the whole argument.
    #[must_use]
    pub fn part_span(&self, part: &str) -> Span {
        self.arg.map_or(self.span, |arg| arg.part_span(part))
    }

    /// The argument as one of `names`, compared exactly or, with
    /// `ignore_case`, ignoring ASCII case: a [`Value::Symbol`] spelled as in
    /// `names`.
    pub fn symbol(&self, names: &[&str], ignore_case: bool) -> Result<Value, ExtError> {
        let text = self.arg_text();
        names
            .iter()
            .find(|name| {
                if ignore_case {
                    name.eq_ignore_ascii_case(text)
                } else {
                    **name == text
                }
            })
            .map(|name| Value::Symbol((*name).into()))
            .ok_or_else(|| {
                let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
                let case = if ignore_case {
                    "in any case"
                } else {
                    "case matters"
                };
                self.error(format!("unknown value `{text}` for `--{}`", self.spec.name))
                    .help(format!("use one of {} ({case})", quoted.join(", ")))
            })
    }

    /// An error about the argument, pointing at it.
    pub fn error(&self, message: impl Into<String>) -> ExtError {
        ExtError::new(message).at(self.arg_span())
    }

    /// An error about `part`, a slice of the argument, pointing at it (see
    /// [`OptCall::part_span`]).
    pub fn part_error(&self, part: &str, message: impl Into<String>) -> ExtError {
        ExtError::new(message).at(self.part_span(part))
    }

    /// A warning that iptables changes the value silently, pointing at the
    /// argument.
    pub fn warn(&mut self, message: impl Into<String>) {
        let span = self.arg_span();
        self.warnings.push(ExtWarning::new(message, span));
    }

    /// Like [`OptCall::warn`], with a help text.
    pub fn warn_help(&mut self, message: impl Into<String>, help: impl Into<String>) {
        let span = self.arg_span();
        self.warnings
            .push(ExtWarning::new(message, span).help(help));
    }

    /// The first `max` bytes of the argument (cut back to a character
    /// boundary): what iptables keeps of a string it copies into a
    /// fixed-size field, silently. `what` names the value in the warning
    /// that a longer argument gets (`comment`, `` `--log-prefix` ``), which
    /// quotes what is kept when that is short.
    pub fn kept_text(&mut self, max: usize, what: &str) -> &'a str {
        let text = self.arg_text();
        let kept = crate::parser::values::truncate_bytes(text, max);
        if kept.len() < text.len() {
            let quoted = if max <= 64 {
                format!(", `{kept}`")
            } else {
                String::new()
            };
            self.warn(format!(
                "{what} is {} bytes long: iptables keeps only the first {max}{quoted}",
                text.len()
            ));
        }
        kept
    }

    /// A warning that iptables looks the value up on the machine that loads
    /// the rules, so that fwlint cannot know what it means.
    pub fn warn_host(&mut self, message: impl Into<String>, help: impl Into<String>) {
        let span = self.arg_span();
        self.warnings.push(
            ExtWarning::new(message, span)
                .help(help)
                .kind(WarningKind::DependsOnHost),
        );
    }
}

/// The context of an extension's final check.
pub struct FinalCall<'a> {
    pub def: &'static ExtensionDef,
    pub rule: RuleSoFar,
    pub options: &'a [ExtOption],
    pub seen: u32,
    /// The `-m NAME` / `-j NAME` tokens.
    pub name_span: Span,
    pub warnings: &'a mut Vec<ExtWarning>,
}

impl FinalCall<'_> {
    #[must_use]
    pub fn option(&self, name: &str) -> Option<&ExtOption> {
        self.options.iter().find(|option| option.name == name)
    }

    #[must_use]
    pub fn has(&self, id: u8) -> bool {
        self.seen & bit(id) != 0
    }

    pub fn error(&self, message: impl Into<String>) -> ExtError {
        ExtError::new(message).at(self.name_span)
    }

    /// Fails unless one of the options `ids` (as bits) was given. The
    /// message names them as the option table spells them first, in its
    /// order (`` `dscp` needs `--dscp` or `--dscp-class` ``); the help shows
    /// `example`.
    pub fn require_one_of(&self, ids: u32, example: &str) -> Result<(), ExtError> {
        if self.seen & ids != 0 {
            return Ok(());
        }
        let mut named = 0;
        let mut names = Vec::new();
        for spec in self.def.options {
            if ids & bit(spec.id) != 0 && named & bit(spec.id) == 0 {
                named |= bit(spec.id);
                names.push(format!("`--{}`", spec.name));
            }
        }
        let list = match names.split_last() {
            Some((last, [])) => last.clone(),
            Some((last, [first])) => format!("{first} or {last}"),
            Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
            None => "an option".to_string(),
        };
        Err(self
            .error(format!("`{}` needs {list}", self.def.name))
            .help(format!("for example `{example}`")))
    }
}

/// The context of a kernel check: the whole rule, where it is loaded.
pub struct KernelCall<'a> {
    pub family: Family,
    pub table: TableKind,
    pub chain: &'a str,
    /// The hooks (as [`crate::model::Hook::bit`]) from which the rule's
    /// chain is reached; 0 when no built-in chain reaches it.
    pub hooks: u8,
    pub rule: &'a Rule,
    pub extension: &'a Extension,
}

impl KernelCall<'_> {
    /// The rule's `-p` protocol when it is given and not negated.
    #[must_use]
    pub fn protocol(&self) -> Option<u8> {
        self.rule
            .protocol
            .as_ref()
            .filter(|protocol| !protocol.negated)
            .map(|protocol| protocol.value.0)
    }

    pub fn error(&self, message: impl Into<String>) -> ExtError {
        ExtError::new(message).at(self.extension.span)
    }

    /// Fails when the rule's chain is reached from a hook in `forbidden`;
    /// `what` names what the kernel refuses there.
    pub fn refuse_hooks(&self, forbidden: u8, what: &str) -> Result<(), ExtError> {
        let wrong = self.hooks & forbidden;
        if wrong == 0 {
            return Ok(());
        }
        Err(self.error(format!(
            "{what} is not allowed in chains reached from {}: the kernel refuses this rule",
            hook_names(wrong)
        )))
    }
}

/// The chain names of the hooks in `mask` (as [`crate::model::Hook::bit`]),
/// in backticks, for messages.
#[must_use]
pub fn hook_names(mask: u8) -> String {
    crate::model::Hook::ALL
        .iter()
        .filter(|hook| mask & hook.bit() != 0)
        .map(|hook| format!("`{}`", hook.chain_name()))
        .collect::<Vec<_>>()
        .join(", ")
}

pub type ParseHook = fn(&mut OptCall<'_, '_>) -> Result<Value, ExtError>;
pub type FinalHook = fn(&mut FinalCall<'_>) -> Result<(), ExtError>;
pub type KernelHook = fn(&KernelCall<'_>) -> Result<(), ExtError>;

/// What the kernel requires of a rule that uses an extension.
#[derive(Debug, Clone, Copy)]
pub struct KernelReqs {
    /// The rule must say `-p` with this protocol, not negated.
    pub proto: Option<u8>,
    /// The extension works only in this table.
    pub table: Option<TableKind>,
    /// Hooks (as [`crate::model::Hook::bit`]) the rule may be reached from;
    /// 0 means all.
    pub hooks: u8,
    /// Further checks of the kernel's `checkentry`.
    pub check: Option<KernelHook>,
    /// Hooks allowed for this use of the extension, when they depend on
    /// its options (`TCPMSS --clamp-mss-to-pmtu`); overrides `hooks`.
    pub hooks_for: Option<fn(&Extension) -> u8>,
}

impl KernelReqs {
    pub const NONE: KernelReqs = KernelReqs {
        proto: None,
        table: None,
        hooks: 0,
        check: None,
        hooks_for: None,
    };
}

pub use crate::model::Termination;

/// One match or target extension, for one or both families.
#[derive(Debug)]
pub struct ExtensionDef {
    pub name: &'static str,
    pub kind: ExtensionKind,
    pub families: Families,
    pub options: &'static [OptSpec],
    /// Parses one option; without it the generic type parser is used.
    pub parse: Option<ParseHook>,
    /// Checks the options together once the rule is read.
    pub final_check: Option<FinalHook>,
    pub kernel: KernelReqs,
    /// For targets: does the rule end traversal?
    pub termination: Termination,
}

impl ExtensionDef {
    /// A definition with no options and no checks, to be filled in with
    /// struct update syntax.
    pub const BASE: ExtensionDef = ExtensionDef {
        name: "",
        kind: ExtensionKind::Match,
        families: Families::Both,
        options: &[],
        parse: None,
        final_check: None,
        kernel: KernelReqs::NONE,
        termination: Termination::Unknown,
    };

    /// The option with id `id`.
    #[must_use]
    pub fn option_by_id(&self, id: u8) -> Option<&'static OptSpec> {
        self.options.iter().find(|option| option.id == id)
    }
}

/// The canonical name of an option value, for the model.
#[must_use]
pub fn option_name(spec: &'static OptSpec) -> Cow<'static, str> {
    Cow::Borrowed(spec.name)
}

#[cfg(test)]
mod tests {
    use super::{Arg, hook_names};
    use crate::model::Hook;
    use crate::source::Span;

    #[test]
    fn hook_names_follow_the_kernel_order() {
        assert_eq!(
            hook_names(Hook::Output.bit() | Hook::Input.bit()),
            "`INPUT`, `OUTPUT`"
        );
        assert_eq!(hook_names(0), "");
    }

    #[test]
    fn parts_of_an_argument() {
        let text = "1.2.3.4-1.2.3.x";
        let plain = Arg {
            text,
            span: Span::new(10, 25),
            verbatim: true,
        };
        assert_eq!(plain.part_span(&text[8..]), Span::new(18, 25));
        assert_eq!(plain.sub_span(0..7), Span::new(10, 17));
        // Not a slice of the argument: the whole argument.
        assert_eq!(plain.part_span("1.2.3.x"), plain.span);
        // Quoted: the text is shorter than its span.
        let quoted = Arg {
            text,
            span: Span::new(10, 27),
            verbatim: false,
        };
        assert_eq!(quoted.part_span(&text[8..]), quoted.span);
        // An unterminated quote: text and span are equally long, yet the
        // text is shifted against the source.
        let unterminated = Arg {
            text: "0\u{FFFD}\n",
            span: Span::new(10, 15),
            verbatim: false,
        };
        assert_eq!(unterminated.sub_span(1..4), unterminated.span);
    }
}
