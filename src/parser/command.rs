//! One rule or command line, parsed as `do_parse()` of iptables 1.8.9 does
//! with the arguments `iptables-restore` hands it.
//!
//! The result is a [`Command`]: what to do (append, insert, new chain...) to
//! which chain, and for rule commands a [`RuleSpec`] with typed core matches,
//! extensions and an unresolved target. Whether the chain or the jump target
//! exists is decided later, when the commands are run in order (`load`).

use std::borrow::Cow;
use std::sync::OnceLock;

use super::extensions::{
    self, Arg, ArgSource, ExtError, ExtWarning, ExtensionDef, FinalCall, HasArg, OptCall, OptSpec,
    RuleSoFar, WarningKind, bit, flags,
};
use super::getopt::{Getopt, LongOptions, OptArg, OptKey, Step};
use super::tokens::Token;
use super::values::{self, ParsedAddress};
use crate::model::addr::AddressKind;
use crate::model::{
    Address, AddressMatch, Addresses, Counters, ExtOption, Extension, ExtensionKind, Family,
    Interface, Negatable, Protocol, TableKind, Termination, Value,
};
use crate::source::Span;

/// What kind of refusal an error is, which decides its diagnostic code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// An option iptables does not know here, a missing or stray argument.
    Option,
    /// A value iptables refuses: a bad address, port, mask, number...
    Value,
    /// A chain name iptables refuses, or a clash of chain names.
    Chain,
    /// Something iptables accepts but cannot do here (DROP in nat, `-o` in
    /// INPUT).
    Context,
}

/// A reason iptables would refuse the line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub kind: ErrorKind,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

impl LineError {
    fn new(kind: ErrorKind, span: Span, message: impl Into<String>) -> Self {
        LineError {
            kind,
            message: message.into(),
            span,
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn from_ext(error: ExtError, default_span: Span) -> Self {
        LineError {
            kind: ErrorKind::Value,
            message: error.message,
            span: error.span.unwrap_or(default_span),
            help: error.help,
        }
    }
}

/// Something iptables accepts but that deserves a word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineNote {
    pub kind: NoteKind,
    pub message: String,
    pub span: Span,
    pub help: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    /// An extension fwlint does not know; kept verbatim.
    UnknownExtension,
    /// A value iptables changes silently (truncation, wrap-around).
    ValueChanged,
    /// A value iptables looks up on the machine that loads the rules.
    DependsOnHost,
    /// The line is skipped (`-4` in an IPv6 file), or otherwise odd.
    Ignored,
}

/// The command of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandKind {
    Append,
    Insert(u32),
    Delete,
    DeleteNum(u32),
    Replace(u32),
    Check,
    List,
    ListRules,
    Flush,
    Zero,
    ZeroNum(u32),
    NewChain,
    DeleteChain,
    RenameChain,
    Policy,
}

impl CommandKind {
    #[must_use]
    pub fn takes_rule(self) -> bool {
        matches!(
            self,
            CommandKind::Append
                | CommandKind::Insert(_)
                | CommandKind::Delete
                | CommandKind::Replace(_)
                | CommandKind::Check
        )
    }

    fn bit(self) -> u16 {
        match self {
            CommandKind::Insert(_) => 1 << 0,
            CommandKind::Delete => 1 << 1,
            CommandKind::DeleteNum(_) => 1 << 2,
            CommandKind::Replace(_) => 1 << 3,
            CommandKind::Append => 1 << 4,
            CommandKind::List => 1 << 5,
            CommandKind::Flush => 1 << 6,
            CommandKind::Zero => 1 << 7,
            CommandKind::NewChain => 1 << 8,
            CommandKind::DeleteChain => 1 << 9,
            CommandKind::Policy => 1 << 10,
            CommandKind::RenameChain => 1 << 11,
            CommandKind::ListRules => 1 << 12,
            CommandKind::ZeroNum(_) => 1 << 13,
            CommandKind::Check => 1 << 14,
        }
    }

    fn letter(self) -> char {
        match self {
            CommandKind::Insert(_) => 'I',
            CommandKind::Delete | CommandKind::DeleteNum(_) => 'D',
            CommandKind::Replace(_) => 'R',
            CommandKind::Append => 'A',
            CommandKind::List => 'L',
            CommandKind::Flush => 'F',
            CommandKind::Zero | CommandKind::ZeroNum(_) => 'Z',
            CommandKind::NewChain => 'N',
            CommandKind::DeleteChain => 'X',
            CommandKind::Policy => 'P',
            CommandKind::RenameChain => 'E',
            CommandKind::ListRules => 'S',
            CommandKind::Check => 'C',
        }
    }
}

/// A name with the span where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named<'f> {
    /// Borrowed from the file when it is written there as it is.
    pub name: Cow<'f, str>,
    pub span: Span,
}

/// The target of a rule before chains are known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetSpec<'f> {
    None,
    /// `-j NAME`: a verdict, a chain, or a target extension (parsed when
    /// fwlint knows it, kept verbatim otherwise).
    Jump {
        name: Named<'f>,
        extension: Option<Extension>,
        span: Span,
    },
    /// `-g CHAIN`
    Goto {
        name: Named<'f>,
        span: Span,
    },
}

/// A rule as written on a rule command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSpec<'f> {
    pub protocol: Option<Negatable<Protocol>>,
    pub source: Option<AddressMatch>,
    pub destination: Option<AddressMatch>,
    pub in_interface: Option<Negatable<Interface>>,
    pub out_interface: Option<Negatable<Interface>>,
    pub fragment: Option<Negatable<()>>,
    pub matches: Vec<Extension>,
    pub target: TargetSpec<'f>,
    pub counters: Option<Counters>,
}

/// A parsed line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'f> {
    pub kind: CommandKind,
    /// The `-A`, `-I`... token.
    pub span: Span,
    pub chain: Option<Named<'f>>,
    /// `-E OLD NEW`
    pub new_name: Option<Named<'f>>,
    /// `-P CHAIN POLICY`
    pub policy: Option<Named<'f>>,
    pub rule: Option<RuleSpec<'f>>,
}

/// The result of one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineOutcome<'f> {
    Command(Box<Command<'f>>),
    /// `-4` in an IPv6 file or `-6` in an IPv4 file: iptables-restore
    /// skips the line.
    Skipped,
}

/// What a line is parsed against.
#[derive(Debug, Clone, Copy)]
pub struct LineContext {
    pub family: Family,
    pub table: Option<TableKind>,
    /// The whole line, for errors about the line as such.
    pub span: Span,
    /// Counters from a `[p:b]` prefix.
    pub counters: Option<Counters>,
}

struct Slot {
    def: Option<&'static ExtensionDef>,
    kind: ExtensionKind,
    name: Cow<'static, str>,
    name_span: Span,
    span: Span,
    implicit: bool,
    options: Vec<ExtOption>,
    seen: u32,
}

impl Slot {
    fn into_extension(self) -> Extension {
        // Options are pushed one at a time; the model keeps them, sized
        // exactly, for as long as the file is checked.
        Extension {
            kind: self.kind,
            name: self.name,
            known: self.def.is_some(),
            implicit: self.implicit,
            termination: self.def.map_or(Termination::Unknown, |def| def.termination),
            name_span: self.name_span,
            span: self.span,
            options: crate::exact::exact(self.options),
        }
    }
}

/// Options of the command line (`OPT_*` of iptables).
mod opt {
    pub const NUMERIC: u16 = 1 << 0;
    pub const SOURCE: u16 = 1 << 1;
    pub const DESTINATION: u16 = 1 << 2;
    pub const PROTOCOL: u16 = 1 << 3;
    pub const JUMP: u16 = 1 << 4;
    pub const VERBOSE: u16 = 1 << 5;
    pub const EXPANDED: u16 = 1 << 6;
    pub const VIANAMEIN: u16 = 1 << 7;
    pub const VIANAMEOUT: u16 = 1 << 8;
    pub const LINENUMBERS: u16 = 1 << 9;
    pub const COUNTERS: u16 = 1 << 10;
    pub const FRAGMENT: u16 = 1 << 11;

    pub const LETTERS: [char; 12] = ['n', 's', 'd', 'p', 'j', 'v', 'x', 'i', 'o', '0', 'c', 'f'];
}

/// `commands_v_options` of iptables: for each command (by bit position),
/// which of the first twelve options are illegal ('x').
const ILLEGAL: [&str; 15] = [
    "x     x  x  ", // INSERT
    "x     x  xx ", // DELETE
    "xxxxx xxxxxx", // DELETE_NUM
    "x     x  x  ", // REPLACE
    "x     x  x  ", // APPEND
    " xxxx  xx xx", // LIST
    "xxxxx xxxxxx", // FLUSH
    "xxxxx xxxxxx", // ZERO
    "xxxxx xxxxxx", // NEW_CHAIN
    "xxxxx xxxxxx", // DEL_CHAIN
    "xxxxx xxxx x", // SET_POLICY
    "xxxxx xxxxxx", // RENAME
    "xxxxx xxxxxx", // LIST_RULES
    "xxxxx xxxxxx", // ZERO_NUM
    "x     x  xx ", // CHECK
];

/// [`ILLEGAL`] as masks of the option bits each command refuses.
const ILLEGAL_MASKS: [u16; ILLEGAL.len()] = {
    let mut masks = [0u16; ILLEGAL.len()];
    let mut row = 0;
    while row < ILLEGAL.len() {
        let letters = ILLEGAL[row].as_bytes();
        let mut index = 0;
        while index < letters.len() {
            if letters[index] == b'x' {
                masks[row] |= 1 << index;
            }
            index += 1;
        }
        row += 1;
    }
    masks
};

struct Parser<'a, 'f> {
    tokens: &'a [Token<'f>],
    cx: LineContext,
    getopt: Getopt<'a>,
    slots: Vec<Slot>,
    /// Extensions whose options are in the long option table, newest first
    /// (as `xtables_options_xfrm` puts them): index into `slots`, and the
    /// extension's options.
    merged: Vec<(usize, &'static [OptSpec])>,
    target_slot: Option<usize>,
    options: u16,
    commands: u16,
    command: Option<(CommandKind, Span)>,
    chain: Option<Named<'f>>,
    new_name: Option<Named<'f>>,
    policy: Option<Named<'f>>,
    invert: Option<Span>,
    protocol_text: Option<(Cow<'a, str>, Span)>,
    /// [`Parser::proto_def`] once asked: options of a protocol match ask for
    /// it again and again.
    proto_def: Option<Option<&'static ExtensionDef>>,
    protocol: Option<Negatable<Protocol>>,
    proto_used: bool,
    source: Option<(OptArg<'a>, bool, Span)>,
    destination: Option<(OptArg<'a>, bool, Span)>,
    in_interface: Option<Negatable<Interface>>,
    out_interface: Option<Negatable<Interface>>,
    fragment: Option<Negatable<()>>,
    jump: Option<Named<'f>>,
    jump_span: Span,
    goto: bool,
    counters: Option<Counters>,
    notes: Vec<LineNote>,
    warnings: Vec<ExtWarning>,
}

/// The lists a [`Parser`] fills and empties again on every line, kept by
/// each thread from one line to the next: allocating them anew was two
/// allocations of the nine a line took.
#[derive(Default)]
struct Scratch {
    slots: Vec<Slot>,
    merged: Vec<(usize, &'static [OptSpec])>,
}

thread_local! {
    static SCRATCH: std::cell::Cell<Scratch> = std::cell::Cell::default();
}

/// Parses the arguments of one rule or command line.
pub fn parse_line<'f>(
    tokens: &[Token<'f>],
    cx: LineContext,
) -> (Result<LineOutcome<'f>, LineError>, Vec<LineNote>) {
    let Scratch { slots, merged } = SCRATCH.take();
    let mut parser = Parser {
        tokens,
        cx,
        getopt: Getopt::new(tokens),
        slots,
        merged,
        target_slot: None,
        options: 0,
        commands: 0,
        command: None,
        chain: None,
        new_name: None,
        policy: None,
        invert: None,
        protocol_text: None,
        proto_def: None,
        protocol: None,
        proto_used: false,
        source: None,
        destination: None,
        in_interface: None,
        out_interface: None,
        fragment: None,
        jump: None,
        jump_span: Span::empty_at(cx.span.end),
        goto: false,
        counters: cx.counters,
        notes: Vec::new(),
        warnings: Vec::new(),
    };
    let result = parser.run();
    let mut slots = std::mem::take(&mut parser.slots);
    let mut merged = std::mem::take(&mut parser.merged);
    slots.clear();
    merged.clear();
    SCRATCH.set(Scratch { slots, merged });
    let mut notes = std::mem::take(&mut parser.notes);
    notes.extend(parser.warnings.drain(..).map(|warning| LineNote {
        kind: match warning.kind {
            WarningKind::ValueChanged => NoteKind::ValueChanged,
            WarningKind::DependsOnHost => NoteKind::DependsOnHost,
        },
        message: warning.message,
        span: warning.span,
        help: warning.help,
    }));
    (result, notes)
}

fn is_value_like(text: &str) -> bool {
    !text.starts_with('-') && !text.starts_with('!')
}

struct Rest<'g, 'a> {
    getopt: &'g mut Getopt<'a>,
    last: Option<Span>,
}

impl<'a> ArgSource<'a> for Rest<'_, 'a> {
    fn next_value(&mut self) -> Option<Arg<'a>> {
        let next = self.getopt.peek()?;
        if !is_value_like(next.text) {
            return None;
        }
        self.next_any()
    }

    fn next_any(&mut self) -> Option<Arg<'a>> {
        let arg = self.getopt.take_next()?;
        self.last = Some(arg.span);
        Some(Arg {
            text: arg.text,
            span: arg.span,
            verbatim: arg.verbatim,
        })
    }

    fn peek(&self) -> Option<Arg<'a>> {
        self.getopt.peek().map(|arg| Arg {
            text: arg.text,
            span: arg.span,
            verbatim: arg.verbatim,
        })
    }
}

impl<'a, 'f> Parser<'a, 'f> {
    fn rule_so_far(&self) -> RuleSoFar {
        RuleSoFar {
            family: self.cx.family,
            table: self.cx.table,
            protocol: self.protocol.as_ref().map(|p| (p.value.0, p.negated)),
        }
    }

    fn token_span(&self, index: usize) -> Span {
        self.tokens
            .get(index)
            .map_or(self.cx.span, |token| token.span)
    }

    fn run(&mut self) -> Result<LineOutcome<'f>, LineError> {
        loop {
            let table = LongOptions {
                extensions: &self.merged,
            };
            let step = self.getopt.next(table);
            let invert = self.invert.take();
            match step {
                Step::End => {
                    // A `!` at the very end negates nothing.
                    self.invert = invert;
                    break;
                }
                Step::EndOfOptions { rest } => {
                    if rest < self.tokens.len() {
                        return Err(LineError::new(
                            ErrorKind::Option,
                            self.token_span(rest),
                            "unknown arguments after `--`",
                        ));
                    }
                    break;
                }
                Step::NonOption { token } => {
                    let text = &*self.tokens[token].text;
                    let span = self.token_span(token);
                    if text == "!" {
                        if invert.is_some() {
                            return Err(LineError::new(
                                ErrorKind::Option,
                                span,
                                "multiple consecutive `!` are not allowed",
                            ));
                        }
                        self.invert = Some(span);
                        continue;
                    }
                    return Err(self.bad_argument(token, invert));
                }
                Step::Opt {
                    key,
                    arg,
                    token,
                    span,
                } => {
                    let option_span = invert.map_or(span, |bang| bang.cover(span));
                    match key {
                        OptKey::Core(letter) => {
                            if let Some(outcome) =
                                self.core_option(letter, arg, token, span, invert)?
                            {
                                return Ok(outcome);
                            }
                        }
                        OptKey::Ext { slot, id } => {
                            let def = self.slots[slot]
                                .def
                                .expect("merged slots are known extensions");
                            let target = self.route(def, slot);
                            self.extension_option(target, id, arg, option_span, invert)?;
                        }
                    }
                }
                Step::MissingArg { token } | Step::Unknown { token, .. } => {
                    // An option of the protocol match loads it; any other
                    // option after an extension fwlint does not know is
                    // taken to be that extension's.
                    let tokens = self.tokens;
                    let written = tokens[token].text.trim_start_matches('-');
                    let written =
                        values::split_once_ascii(written, b'=').map_or(written, |(name, _)| name);
                    let for_protocol = self.proto_def().is_some_and(|def| {
                        def.options
                            .iter()
                            .any(|spec| spec.name.starts_with(written))
                    });
                    if for_protocol && self.load_proto(token, invert)? {
                        continue;
                    }
                    if self.unknown_extension_option(token, invert) {
                        continue;
                    }
                    if !for_protocol && self.load_proto(token, invert)? {
                        continue;
                    }
                    return Err(self.unknown_option(step, token));
                }
            }
        }
        self.finish()
    }

    /// The newest instance of the extension defined by `def`.
    fn route(&self, def: &'static ExtensionDef, fallback: usize) -> usize {
        self.slots
            .iter()
            .rposition(|slot| slot.def.is_some_and(|d| std::ptr::eq(d, def)))
            .unwrap_or(fallback)
    }

    fn bad_argument(&self, token: usize, invert: Option<Span>) -> LineError {
        let text = &*self.tokens[token].text;
        let span = self.token_span(token);
        let _ = invert;
        let mut error = LineError::new(
            ErrorKind::Option,
            span,
            format!("unexpected argument `{text}`"),
        );
        if text == "COMMIT" {
            error = error.help("`COMMIT` must be alone on its line, with nothing after it and a newline at its end");
        } else if text.starts_with('*') {
            error = error.help("a new table can only start after the `COMMIT` of the previous one");
        } else if let Some(previous) = token
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index))
        {
            if previous.text.starts_with("--") {
                error = error.help(format!(
                    "`{}` takes no argument here, or takes one argument only; separate values with commas",
                    previous.text
                ));
            }
        }
        error
    }

    fn unknown_option(&self, step: Step<'_>, token: usize) -> LineError {
        let written = match step {
            Step::Unknown { span, .. } => span,
            _ => self.token_span(token),
        };
        let text = self.tokens[token]
            .text
            .split('=')
            .next()
            .unwrap_or("")
            .to_string();
        if matches!(step, Step::MissingArg { .. }) {
            return LineError::new(
                ErrorKind::Option,
                written,
                format!("option `{text}` needs an argument"),
            );
        }
        let mut error = LineError::new(
            ErrorKind::Option,
            written,
            format!("unknown option `{text}`"),
        );
        let name = text.trim_start_matches('-');
        let owners: Vec<&'static str> = extensions::all()
            .filter(|def| {
                def.families.contains(self.cx.family)
                    && def.options.iter().any(|spec| spec.name == name)
            })
            .map(|def| def.name)
            .collect();
        if text.starts_with("--") && !owners.is_empty() {
            let protocols: Vec<&str> = owners
                .iter()
                .copied()
                .filter(|owner| {
                    matches!(
                        *owner,
                        "tcp" | "udp" | "sctp" | "dccp" | "icmp" | "icmp6" | "esp" | "ah" | "mh"
                    )
                })
                .collect();
            let help = if !protocols.is_empty() && self.protocol.is_none() {
                format!(
                    "`{text}` belongs to a protocol match: say which protocol first, as `-p {}`",
                    protocols[0]
                )
            } else {
                format!(
                    "`{text}` is an option of {}: load it first with `-m {}`",
                    owners
                        .iter()
                        .map(|owner| format!("`{owner}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    owners[0]
                )
            };
            error = error.help(help);
        }
        error
    }

    /// The match `-p` would load implicitly: `tcp` for `-p tcp` or `-p 6`,
    /// `icmp6` for `-p ipv6-icmp` or `-p icmpv6`.
    fn proto_def(&mut self) -> Option<&'static ExtensionDef> {
        if let Some(known) = self.proto_def {
            return known;
        }
        let def = self.find_proto_def();
        self.proto_def = Some(def);
        def
    }

    fn find_proto_def(&self) -> Option<&'static ExtensionDef> {
        let (protocol, _) = self.protocol_text.as_ref()?;
        let name: Cow<'_, str> = match values::parse_uint(protocol, 0, 255) {
            Some(number) => match u8::try_from(number).ok().and_then(values::protocol_name) {
                Some(name) if number != 0 => Cow::Borrowed(name),
                _ => return None,
            },
            None => Cow::Borrowed(protocol.as_ref()),
        };
        let name = match name.as_ref() {
            "icmpv6" | "ipv6-icmp" | "icmp6" => "icmp6",
            other => other,
        };
        extensions::find(name, ExtensionKind::Match, self.cx.family)
    }

    /// `command_default`'s implicit loading of the protocol match: after
    /// `-p tcp`, an option nothing knows loads the `tcp` match.
    fn load_proto(&mut self, token: usize, invert: Option<Span>) -> Result<bool, LineError> {
        if self.proto_used {
            return Ok(false);
        }
        let Some(def) = self.proto_def() else {
            return Ok(false);
        };
        self.proto_used = true;
        let span = self.token_span(token);
        self.slots.push(Slot {
            def: Some(def),
            kind: ExtensionKind::Match,
            name: Cow::Borrowed(def.name),
            name_span: span,
            span,
            implicit: true,
            options: Vec::new(),
            seen: 0,
        });
        let slot = self.slots.len() - 1;
        self.merge(slot, def);
        self.invert = invert;
        self.getopt.rewind_to(token);
        Ok(true)
    }

    /// Puts the options of the known extension in `slot` first in the long
    /// option table, in place of those of an earlier instance.
    fn merge(&mut self, slot: usize, def: &'static ExtensionDef) {
        self.merged
            .retain(|&(other, _)| !self.slots[other].def.is_some_and(|d| std::ptr::eq(d, def)));
        self.merged.insert(0, (slot, def.options));
    }

    /// An option after an extension fwlint does not know is taken to be
    /// one of its options, together with the values that follow it.
    fn unknown_extension_option(&mut self, token: usize, invert: Option<Span>) -> bool {
        let Some(slot) = self.slots.iter().rposition(|slot| slot.def.is_none()) else {
            return false;
        };
        let text = self.tokens[token].text.clone();
        if !text.starts_with('-') {
            return false;
        }
        self.getopt.rewind_to(token + 1);
        let mut span = invert.map_or(self.token_span(token), |bang| {
            bang.cover(self.token_span(token))
        });
        let (name, attached) = match text.trim_start_matches('-').split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (text.trim_start_matches('-').to_string(), None),
        };
        let mut args: Vec<String> = attached.into_iter().collect();
        while let Some(next) = self.getopt.peek() {
            if !is_value_like(next.text) {
                break;
            }
            self.getopt.take_next();
            span = span.cover(next.span);
            args.push(next.text.to_string());
        }
        let target = &mut self.slots[slot];
        target.span = target.span.cover(span);
        target.options.reserve_exact(1);
        target.options.push(ExtOption {
            name: Cow::Owned(name),
            negated: invert.is_some(),
            value: Value::Raw(args.into()),
            span,
        });
        true
    }

    fn extension_option(
        &mut self,
        slot: usize,
        id: u8,
        arg: Option<OptArg<'a>>,
        span: Span,
        invert: Option<Span>,
    ) -> Result<(), LineError> {
        let def = self.slots[slot]
            .def
            .expect("only known extensions have options in the table");
        let spec = def
            .option_by_id(id)
            .expect("option ids come from the extension's own table");
        let canonical = def
            .options
            .iter()
            .find(|other| other.id == id)
            .unwrap_or(spec);
        let seen = self.slots[slot].seen;
        if !spec.has_flag(flags::CUSTOM) {
            let once = !spec.has_flag(flags::MULTI) || spec.excl & bit(id) != 0;
            if once && seen & bit(id) != 0 {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!(
                        "`--{}` of `{}` can only be given once",
                        canonical.name, def.name
                    ),
                ));
            }
            if invert.is_some() && !spec.has_flag(flags::INVERT) {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!(
                        "`--{}` of `{}` cannot be negated with `!`",
                        canonical.name, def.name
                    ),
                ));
            }
            if spec.has_arg() == HasArg::Required && arg.is_none() {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!("`--{}` needs an argument", canonical.name),
                ));
            }
        }
        let rule = self.rule_so_far();
        let mut rest = Rest {
            getopt: &mut self.getopt,
            last: None,
        };
        let previous = std::mem::take(&mut self.slots[slot].options);
        let mut warnings = Vec::new();
        let mut call = OptCall {
            spec,
            ext_name: def.name,
            arg: arg.map(|arg| Arg {
                text: arg.text,
                span: arg.span,
                verbatim: arg.verbatim,
            }),
            invert: invert.is_some(),
            span,
            rule,
            previous: &previous,
            seen,
            rest: &mut rest,
            warnings: &mut warnings,
        };
        let result = match def.parse {
            Some(hook) => hook(&mut call),
            None => extensions::parse_generic(&mut call),
        };
        let last = rest.last;
        self.slots[slot].options = previous;
        self.warnings.extend(warnings);
        let value = result.map_err(|error| LineError::from_ext(error, span))?;
        let mut full = span;
        if let Some(arg) = arg {
            full = full.cover(arg.span);
        }
        if let Some(last) = last {
            full = full.cover(last);
        }
        let target = &mut self.slots[slot];
        target.seen |= bit(id);
        target.span = target.span.cover(full);
        // Grown one at a time, the options need no second allocation of
        // their exact size when the model takes them: most extensions have
        // one or two.
        target.options.reserve_exact(1);
        target.options.push(ExtOption {
            name: Cow::Borrowed(canonical.name),
            negated: invert.is_some(),
            value,
            span: full,
        });
        Ok(())
    }

    fn set_option(
        &mut self,
        option: u16,
        span: Span,
        invert: Option<Span>,
    ) -> Result<(), LineError> {
        let index = option.trailing_zeros() as usize;
        let letter = opt::LETTERS[index];
        if self.options & option != 0 {
            return Err(LineError::new(
                ErrorKind::Option,
                span,
                format!("`-{letter}` can be given only once"),
            ));
        }
        self.options |= option;
        if let Some(bang) = invert {
            let invertible = matches!(
                option,
                opt::SOURCE
                    | opt::DESTINATION
                    | opt::PROTOCOL
                    | opt::VIANAMEIN
                    | opt::VIANAMEOUT
                    | opt::FRAGMENT
            );
            if !invertible {
                return Err(LineError::new(
                    ErrorKind::Option,
                    bang.cover(span),
                    format!("`-{letter}` cannot be negated with `!`"),
                ));
            }
        }
        Ok(())
    }

    fn add_command(
        &mut self,
        kind: CommandKind,
        span: Span,
        invert: Option<Span>,
        others: u16,
    ) -> Result<(), LineError> {
        if let Some(bang) = invert {
            return Err(LineError::new(
                ErrorKind::Option,
                bang.cover(span),
                "`!` cannot negate a command",
            ));
        }
        if self.commands & !others != 0 {
            let (previous, _) = self.command.expect("a command bit implies a command");
            return Err(LineError::new(
                ErrorKind::Option,
                span,
                format!(
                    "`-{}` cannot be used with `-{}`",
                    kind.letter(),
                    previous.letter()
                ),
            )
            .help("put each command on its own line"));
        }
        self.commands |= kind.bit();
        self.command = Some((kind, span));
        Ok(())
    }

    /// The argument as a name: borrowed from the file when its token is
    /// written there as it is, which nearly every chain and target name is.
    fn named(&self, arg: OptArg<'_>) -> Named<'f> {
        let name = match &self.tokens[arg.token].text {
            Cow::Borrowed(whole) => {
                // The argument is the token or a part of it (`-AINPUT`).
                let offset = (arg.text.as_ptr() as usize).wrapping_sub(whole.as_ptr() as usize);
                match whole.get(offset..offset.wrapping_add(arg.text.len())) {
                    Some(part) if std::ptr::eq(part, arg.text) => Cow::Borrowed(part),
                    _ => Cow::Owned(arg.text.to_string()),
                }
            }
            Cow::Owned(_) => Cow::Owned(arg.text.to_string()),
        };
        Named {
            name,
            span: arg.span,
        }
    }

    fn chain_arg(&self, arg: Option<OptArg<'_>>) -> Option<Named<'f>> {
        arg.map(|arg| self.named(arg))
    }

    fn optional_chain(&mut self, arg: Option<OptArg<'_>>) -> Option<Named<'f>> {
        if let Some(arg) = arg {
            return self.chain_arg(Some(arg));
        }
        if self.getopt.next_is_value() {
            let next = self.getopt.take_next();
            return self.chain_arg(next);
        }
        None
    }

    fn rule_number(&mut self) -> Result<Option<u32>, LineError> {
        if !self.getopt.next_is_value() {
            return Ok(None);
        }
        let arg = self.getopt.take_next().expect("checked above");
        values::parse_uint(arg.text, 1, i32::MAX as u64)
            .map(|number| Some(u32::try_from(number).unwrap_or(u32::MAX)))
            .ok_or_else(|| {
                LineError::new(
                    ErrorKind::Value,
                    arg.span,
                    format!("invalid rule number `{}`", arg.text),
                )
                .help("rule numbers start at 1")
            })
    }

    /// The argument as iptables 1.8.9 reads it for `-p -s -d -i -o -j`:
    /// `argv[optind - 1]`, which is the whole token when the value was
    /// attached (`-ptcp`, `--protocol=tcp`).
    fn raw_arg(&self, arg: Option<OptArg<'a>>, token: usize) -> OptArg<'a> {
        let arg = arg.expect("these options require an argument");
        if arg.token == token {
            let whole: &'a Token<'a> = &self.tokens[token];
            return OptArg {
                text: &whole.text,
                span: whole.span,
                token,
                verbatim: whole.verbatim,
            };
        }
        arg
    }

    #[allow(clippy::too_many_lines)]
    fn core_option(
        &mut self,
        letter: u8,
        arg: Option<OptArg<'a>>,
        token: usize,
        span: Span,
        invert: Option<Span>,
    ) -> Result<Option<LineOutcome<'f>>, LineError> {
        match letter {
            b'A' => {
                self.add_command(CommandKind::Append, span, invert, 0)?;
                self.chain = self.chain_arg(arg);
            }
            b'C' => {
                self.add_command(CommandKind::Check, span, invert, 0)?;
                self.chain = self.chain_arg(arg);
            }
            b'D' => {
                self.add_command(CommandKind::Delete, span, invert, 0)?;
                self.chain = self.chain_arg(arg);
                if let Some(number) = self.rule_number()? {
                    self.command = Some((CommandKind::DeleteNum(number), span));
                    self.commands = CommandKind::DeleteNum(number).bit();
                }
            }
            b'R' => {
                self.add_command(CommandKind::Replace(0), span, invert, 0)?;
                self.chain = self.chain_arg(arg);
                match self.rule_number()? {
                    Some(number) => self.command = Some((CommandKind::Replace(number), span)),
                    None => {
                        return Err(LineError::new(
                            ErrorKind::Option,
                            span,
                            "`-R` needs a rule number after the chain",
                        ));
                    }
                }
            }
            b'I' => {
                self.add_command(CommandKind::Insert(1), span, invert, 0)?;
                self.chain = self.chain_arg(arg);
                let number = self.rule_number()?.unwrap_or(1);
                self.command = Some((CommandKind::Insert(number), span));
            }
            b'L' | b'S' => {
                let kind = if letter == b'L' {
                    CommandKind::List
                } else {
                    CommandKind::ListRules
                };
                self.add_command(
                    kind,
                    span,
                    invert,
                    CommandKind::Zero.bit() | CommandKind::ZeroNum(0).bit(),
                )?;
                self.chain = self.optional_chain(arg);
                self.rule_number()?;
            }
            b'F' => {
                self.add_command(CommandKind::Flush, span, invert, 0)?;
                self.chain = self.optional_chain(arg);
            }
            b'Z' => {
                self.add_command(
                    CommandKind::Zero,
                    span,
                    invert,
                    CommandKind::List.bit() | CommandKind::ListRules.bit(),
                )?;
                self.chain = self.optional_chain(arg);
                if let Some(number) = self.rule_number()? {
                    self.command = Some((CommandKind::ZeroNum(number), span));
                    self.commands = (self.commands & !CommandKind::Zero.bit())
                        | CommandKind::ZeroNum(number).bit();
                }
            }
            b'N' => {
                let name = self.chain_arg(arg).expect("-N requires an argument");
                check_new_chain_name(&name)?;
                self.add_command(CommandKind::NewChain, span, invert, 0)?;
                self.chain = Some(name);
            }
            b'X' => {
                self.add_command(CommandKind::DeleteChain, span, invert, 0)?;
                self.chain = self.optional_chain(arg);
            }
            b'E' => {
                self.add_command(CommandKind::RenameChain, span, invert, 0)?;
                self.chain = self.chain_arg(arg);
                if self.getopt.next_is_value() {
                    let next = self.getopt.take_next();
                    self.new_name = self.chain_arg(next);
                } else {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        span,
                        "`-E` needs the old and the new chain name",
                    ));
                }
            }
            b'P' => {
                self.add_command(CommandKind::Policy, span, invert, 0)?;
                self.chain = self.chain_arg(arg);
                if self.getopt.next_is_value() {
                    let next = self.getopt.take_next();
                    self.policy = self.chain_arg(next);
                } else {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        span,
                        "`-P` needs a chain and a policy",
                    ));
                }
            }
            b'h' => {
                return Err(LineError::new(
                    ErrorKind::Context,
                    span,
                    "`-h` makes iptables-restore print its help and exit without loading anything",
                ));
            }
            b'V' => {
                return Err(LineError::new(
                    ErrorKind::Context,
                    span,
                    "`-V` makes iptables-restore print its version and exit without loading anything",
                ));
            }
            b'p' => {
                self.set_option(opt::PROTOCOL, span, invert)?;
                let raw = self.raw_arg(arg, token);
                let lowered: Cow<'a, str> =
                    if raw.text.bytes().any(|byte| byte.is_ascii_uppercase()) {
                        Cow::Owned(raw.text.to_ascii_lowercase())
                    } else {
                        Cow::Borrowed(raw.text)
                    };
                let number = values::parse_protocol(&lowered).ok_or_else(|| {
                    LineError::new(ErrorKind::Value, raw.span, format!("unknown protocol `{}`", raw.text))
                        .help("use a protocol name such as `tcp`, `udp`, `icmp`, or a number from 0 to 255")
                })?;
                if number == 0 && invert.is_some() {
                    return Err(LineError::new(
                        ErrorKind::Value,
                        invert.unwrap_or(span).cover(raw.span),
                        "`! -p all` would never match",
                    ));
                }
                let full = invert.map_or(span, |bang| bang.cover(span)).cover(raw.span);
                if self.cx.family == Family::V6
                    && invert.is_none()
                    && matches!(number, 43 | 44 | 51 | 60)
                {
                    self.notes.push(LineNote {
                        kind: NoteKind::Ignored,
                        message: format!(
                            "`-p {}` never matches in ip6tables: it names an IPv6 extension header",
                            raw.text
                        ),
                        span: raw.span,
                        help: Some("match extension headers with `-m ipv6header`, `-m frag`, `-m rt`, `-m ah` or `-m dst`".into()),
                    });
                }
                self.protocol_text = Some((lowered, raw.span));
                self.proto_def = None;
                self.protocol = Some(Negatable {
                    value: Protocol(number),
                    negated: invert.is_some(),
                    span: full,
                });
            }
            b's' | b'd' => {
                let option = if letter == b's' {
                    opt::SOURCE
                } else {
                    opt::DESTINATION
                };
                self.set_option(option, span, invert)?;
                let raw = self.raw_arg(arg, token);
                let full = invert.map_or(span, |bang| bang.cover(span)).cover(raw.span);
                if letter == b's' {
                    self.source = Some((raw, invert.is_some(), full));
                } else {
                    self.destination = Some((raw, invert.is_some(), full));
                }
            }
            b'g' => {
                self.set_option(opt::JUMP, span, invert)?;
                let arg = arg.expect("-g requires an argument");
                check_target_name(arg.text, arg.span)?;
                self.goto = true;
                self.jump = Some(self.named(arg));
                self.jump_span = span.cover(arg.span);
            }
            b'j' => {
                self.set_option(opt::JUMP, span, invert)?;
                let raw = self.raw_arg(arg, token);
                check_target_name(raw.text, raw.span)?;
                self.jump = Some(self.named(raw));
                self.jump_span = span.cover(raw.span);
                let def = if Verdictish::is_standard(raw.text) {
                    standard_target(self.cx.family)
                } else {
                    extensions::find(raw.text, ExtensionKind::Target, self.cx.family)
                };
                // A name fwlint does not know may be a chain or an extension;
                // the loader decides once chains are known. Options after it
                // are kept with it meanwhile.
                self.slots.push(Slot {
                    def,
                    kind: ExtensionKind::Target,
                    name: target_name(raw.text, def),
                    name_span: self.jump_span,
                    span: self.jump_span,
                    implicit: false,
                    options: Vec::new(),
                    seen: 0,
                });
                let slot = self.slots.len() - 1;
                self.target_slot = Some(slot);
                if let Some(def) = def {
                    self.merge(slot, def);
                }
            }
            b'i' | b'o' => {
                if arg.is_some_and(|arg| arg.text.is_empty()) {
                    return Err(LineError::new(
                        ErrorKind::Value,
                        arg.map_or(span, |arg| arg.span),
                        "an empty interface name is not allowed",
                    ));
                }
                let option = if letter == b'i' {
                    opt::VIANAMEIN
                } else {
                    opt::VIANAMEOUT
                };
                self.set_option(option, span, invert)?;
                let raw = self.raw_arg(arg, token);
                match values::check_interface(raw.text) {
                    Err(message) => {
                        return Err(LineError::new(ErrorKind::Value, raw.span, message));
                    }
                    Ok(Some(warning)) => self.notes.push(LineNote {
                        kind: NoteKind::ValueChanged,
                        message: format!("interface `{}` can never exist: {warning}", raw.text),
                        span: raw.span,
                        help: None,
                    }),
                    Ok(None) => {}
                }
                let value = Negatable {
                    value: Interface {
                        name: raw.text.to_string(),
                    },
                    negated: invert.is_some(),
                    span: invert.map_or(span, |bang| bang.cover(span)).cover(raw.span),
                };
                if letter == b'i' {
                    self.in_interface = Some(value);
                } else {
                    self.out_interface = Some(value);
                }
            }
            b'f' => {
                if self.cx.family == Family::V6 {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        span,
                        "`-f` does not exist in ip6tables",
                    )
                    .help("match fragments with `-m frag` instead"));
                }
                self.set_option(opt::FRAGMENT, span, invert)?;
                self.fragment = Some(Negatable {
                    value: (),
                    negated: invert.is_some(),
                    span: invert.map_or(span, |bang| bang.cover(span)),
                });
            }
            b'v' => {
                if self.options & opt::VERBOSE == 0 {
                    self.set_option(opt::VERBOSE, span, invert)?;
                }
            }
            b'n' => self.set_option(opt::NUMERIC, span, invert)?,
            b'x' => self.set_option(opt::EXPANDED, span, invert)?,
            b'0' => self.set_option(opt::LINENUMBERS, span, invert)?,
            b'm' => {
                if let Some(bang) = invert {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        bang.cover(span),
                        "`!` cannot negate `-m`",
                    )
                    .help("negate the match's options instead: `-m conntrack ! --ctstate NEW`"));
                }
                let arg = arg.expect("-m requires an argument");
                self.load_match(arg, span)?;
            }
            b't' => {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    "`-t` cannot be used in a rule file: the table is set by the `*table` line",
                ));
            }
            b'w' | b'W' => {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!("`-{}` cannot be used with iptables-restore", letter as char),
                ));
            }
            b'M' => {}
            b'c' => {
                self.set_option(opt::COUNTERS, span, invert)?;
                let first = arg.expect("-c requires an argument");
                let (packets_text, bytes_arg) = match first.text.split_once(',') {
                    Some((packets, bytes)) => (packets, Some((bytes.to_string(), first.span))),
                    None => (first.text, None),
                };
                let bytes_arg = match bytes_arg {
                    Some(bytes) => bytes,
                    None if self.getopt.next_is_value() => {
                        let next = self.getopt.take_next().expect("checked above");
                        (next.text.to_string(), next.span)
                    }
                    None => {
                        return Err(LineError::new(
                            ErrorKind::Option,
                            span,
                            "`-c` needs a packet and a byte counter",
                        ));
                    }
                };
                let packets = scan_u64(packets_text).ok_or_else(|| {
                    LineError::new(
                        ErrorKind::Value,
                        first.span,
                        "the packet counter of `-c` is not a number",
                    )
                })?;
                let bytes = scan_u64(&bytes_arg.0).ok_or_else(|| {
                    LineError::new(
                        ErrorKind::Value,
                        bytes_arg.1,
                        "the byte counter of `-c` is not a number",
                    )
                })?;
                self.counters = Some(Counters { packets, bytes });
            }
            b'4' | b'6' => {
                let wanted = if letter == b'4' {
                    Family::V4
                } else {
                    Family::V6
                };
                if wanted != self.cx.family {
                    return Ok(Some(LineOutcome::Skipped));
                }
            }
            other => {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!("unknown option `-{}`", other as char),
                ));
            }
        }
        Ok(None)
    }

    fn load_match(&mut self, arg: OptArg<'a>, span: Span) -> Result<(), LineError> {
        let name = arg.text;
        if name.len() >= 29 {
            return Err(LineError::new(
                ErrorKind::Value,
                arg.span,
                format!("match name `{name}` is too long (28 characters at most)"),
            ));
        }
        let lookup = match name {
            "icmpv6" | "ipv6-icmp" | "icmp6" => "icmp6",
            other => other,
        };
        let full = span.cover(arg.span);
        match extensions::find(lookup, ExtensionKind::Match, self.cx.family) {
            Some(def) => {
                let already = self
                    .slots
                    .iter()
                    .any(|slot| slot.def.is_some_and(|d| std::ptr::eq(d, def)));
                self.slots.push(Slot {
                    def: Some(def),
                    kind: ExtensionKind::Match,
                    name: Cow::Borrowed(def.name),
                    name_span: full,
                    span: full,
                    implicit: false,
                    options: Vec::new(),
                    seen: 0,
                });
                let slot = self.slots.len() - 1;
                if !already {
                    self.merge(slot, def);
                }
            }
            None => {
                if let Some(other) =
                    extensions::find(lookup, ExtensionKind::Match, other_family(self.cx.family))
                {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        arg.span,
                        format!(
                            "match `{name}` exists only in {}",
                            match self.cx.family {
                                Family::V4 => "ip6tables",
                                Family::V6 => "iptables",
                            }
                        ),
                    )
                    .help(family_alternative(other.name, self.cx.family)));
                }
                if extensions::find(lookup, ExtensionKind::Target, self.cx.family).is_some() {
                    return Err(LineError::new(
                        ErrorKind::Option,
                        arg.span,
                        format!("`{name}` is a target, not a match"),
                    )
                    .help(format!("use it with `-j {name}`")));
                }
                self.notes.push(LineNote {
                    kind: NoteKind::UnknownExtension,
                    message: format!("fwlint does not know the match `{name}`"),
                    span: full,
                    help: Some(format!(
                        "fwlint keeps its options as written and treats what it matches as unknown; iptables-restore fails with \"Couldn't load match `{name}'\" unless an extension of that name is installed"
                    )),
                });
                self.slots.push(Slot {
                    def: None,
                    kind: ExtensionKind::Match,
                    name: Cow::Owned(name.to_string()),
                    name_span: full,
                    span: full,
                    implicit: false,
                    options: Vec::new(),
                    seen: 0,
                });
            }
        }
        Ok(())
    }

    fn final_checks(&mut self) -> Result<(), LineError> {
        let rule = self.rule_so_far();
        let target = self.target_slot;
        let matches_then_target = (0..self.slots.len())
            .filter(|&index| Some(index) != target)
            .chain(target);
        for index in matches_then_target {
            let slot = &self.slots[index];
            let Some(def) = slot.def else { continue };
            if let Some(hook) = def.final_check {
                let mut warnings = Vec::new();
                let mut call = FinalCall {
                    def,
                    rule,
                    options: &slot.options,
                    seen: slot.seen,
                    name_span: slot.name_span,
                    warnings: &mut warnings,
                };
                let result = hook(&mut call);
                self.warnings.extend(warnings);
                result.map_err(|error| LineError::from_ext(error, slot.name_span))?;
            }
            // iptables runs the extension's own check before the generic
            // one (`xtables_option_mfcall`).
            check_option_table(def, slot.seen, slot.name_span)?;
        }
        Ok(())
    }

    fn addresses(&self, raw: OptArg<'_>) -> Result<Addresses, LineError> {
        // A single address is kept inline, a list sized exactly: the model
        // keeps these for every rule of the file.
        let count = raw.text.bytes().filter(|&byte| byte == b',').count() + 1;
        let mut only = None;
        let mut addresses = Vec::with_capacity(if count == 1 { 0 } else { count });
        let mut offset = 0;
        for part in values::split_ascii(raw.text, b',') {
            let part_span = if self.tokens.get(raw.token).is_some_and(|t| t.verbatim)
                && raw.span.len() as usize == raw.text.len()
            {
                raw.span.part(offset..offset + part.len())
            } else {
                raw.span
            };
            offset += part.len() + 1;
            let kind = match values::parse_address(part, self.cx.family) {
                Ok(ParsedAddress::Net(net)) => AddressKind::Net(net),
                Ok(ParsedAddress::Hostname { name, prefix, .. }) => {
                    AddressKind::Hostname { name, prefix }
                }
                Err(values::AddressError::InvalidMask(mask)) => {
                    return Err(LineError::new(ErrorKind::Value, part_span, format!("invalid mask `{mask}`")).help(
                        match self.cx.family {
                            Family::V4 => "write a prefix length from 0 to 32, or a dotted mask such as 255.255.255.0",
                            Family::V6 => "write a prefix length from 0 to 128",
                        },
                    ));
                }
                Err(values::AddressError::InvalidAddress(address)) => {
                    return Err(LineError::new(
                        ErrorKind::Value,
                        part_span,
                        format!(
                            "`{address}` is not a valid {} address",
                            match self.cx.family {
                                Family::V4 => "IPv4",
                                Family::V6 => "IPv6",
                            }
                        ),
                    )
                    .help(
                        if self.cx.family == Family::V4 && address.contains(':') {
                            "this looks like an IPv6 address: it belongs in the ip6tables file"
                                .to_string()
                        } else if self.cx.family == Family::V6
                            && address.contains('.')
                            && !address.contains(':')
                        {
                            "this looks like an IPv4 address: it belongs in the iptables file"
                                .to_string()
                        } else {
                            "iptables would try to resolve it as a host name, and fail".to_string()
                        },
                    ));
                }
                Err(values::AddressError::TooLong) => {
                    return Err(LineError::new(
                        ErrorKind::Value,
                        part_span,
                        "host name too long",
                    ));
                }
            };
            let address = Address {
                kind,
                span: part_span,
            };
            if count == 1 {
                only = Some(address);
            } else {
                addresses.push(address);
            }
        }
        Ok(match only {
            Some(address) => Addresses::One(address),
            None => Addresses::Several(crate::exact::exact(addresses)),
        })
    }

    fn finish(&mut self) -> Result<LineOutcome<'f>, LineError> {
        let line_end = Span::empty_at(self.cx.span.end);
        if self.cx.table == Some(TableKind::Nat) {
            if let Some(policy) = &self.policy {
                if policy.name == "DROP" {
                    return Err(LineError::new(ErrorKind::Context, policy.span, "`DROP` is not allowed in the nat table")
                        .help("the nat table sees only the first packet of a connection; filter in the filter table"));
                }
            }
            if let Some(jump) = &self.jump {
                if jump.name == "DROP" {
                    return Err(LineError::new(ErrorKind::Context, jump.span, "`DROP` is not allowed in the nat table")
                        .help("the nat table sees only the first packet of a connection; drop in the filter table"));
                }
            }
        }
        self.final_checks()?;
        let Some((kind, command_span)) = self.command else {
            return Err(
                LineError::new(ErrorKind::Option, self.cx.span, "no command on this line")
                    .help("a rule line starts with a command such as `-A CHAIN`"),
            );
        };
        if let Some(bang) = self.invert {
            return Err(LineError::new(
                ErrorKind::Option,
                bang,
                "nothing follows this `!`",
            ));
        }
        let any = match self.cx.family {
            Family::V4 => "0.0.0.0/0",
            Family::V6 => "::/0",
        };
        let _ = any;
        let source = match self.source {
            Some((raw, negated, span)) => Some(Negatable {
                value: self.addresses(raw)?,
                negated,
                span,
            }),
            None => None,
        };
        let destination = match self.destination {
            Some((raw, negated, span)) => Some(Negatable {
                value: self.addresses(raw)?,
                negated,
                span,
            }),
            None => None,
        };
        for addresses in [&source, &destination].into_iter().flatten() {
            if addresses.negated && addresses.value.len() > 1 {
                return Err(LineError::new(
                    ErrorKind::Value,
                    addresses.span,
                    "`!` cannot negate a list of several addresses",
                )
                .help("use one rule per address, or `-m iprange` or an ipset"));
            }
        }
        if let CommandKind::Replace(_) = kind {
            let multiple = |a: &Option<AddressMatch>| a.as_ref().is_some_and(|a| a.value.len() > 1);
            if multiple(&source) || multiple(&destination) {
                return Err(LineError::new(
                    ErrorKind::Value,
                    command_span,
                    "`-R` needs a single source and destination address",
                ));
            }
        }
        self.generic_opt_check(kind, command_span)?;
        if let Some(chain) = &self.chain {
            if chain.name.len() >= 29 {
                return Err(LineError::new(
                    ErrorKind::Chain,
                    chain.span,
                    format!(
                        "chain name `{}` is too long ({} characters; 28 at most)",
                        chain.name,
                        chain.name.len()
                    ),
                ));
            }
        }
        if kind.takes_rule() {
            let chain = self.chain.as_ref().map_or("", |chain| chain.name.as_ref());
            if matches!(chain, "PREROUTING" | "INPUT") {
                if let Some(out) = &self.out_interface {
                    return Err(LineError::new(
                        ErrorKind::Context,
                        out.span,
                        format!("`-o` cannot be used in `{chain}`: incoming packets have no output interface yet"),
                    )
                    .help("match the input interface with `-i`, or move the rule to FORWARD or OUTPUT"));
                }
            }
            if matches!(chain, "POSTROUTING" | "OUTPUT") {
                if let Some(input) = &self.in_interface {
                    return Err(LineError::new(
                        ErrorKind::Context,
                        input.span,
                        format!("`-i` cannot be used in `{chain}`: outgoing packets have no input interface"),
                    )
                    .help("match the output interface with `-o`, or move the rule to PREROUTING, INPUT or FORWARD"));
                }
            }
        }
        let mut target = TargetSpec::None;
        if let Some(jump) = self.jump.take() {
            if self.goto {
                target = TargetSpec::Goto {
                    name: jump,
                    span: self.jump_span,
                };
            } else {
                let extension = self.target_slot.map(|slot| {
                    let placeholder = Slot {
                        def: None,
                        kind: ExtensionKind::Target,
                        name: Cow::Borrowed(""),
                        name_span: line_end,
                        span: line_end,
                        implicit: false,
                        options: Vec::new(),
                        seen: 0,
                    };
                    std::mem::replace(&mut self.slots[slot], placeholder).into_extension()
                });
                let span = extension.as_ref().map_or(self.jump_span, |ext| ext.span);
                target = TargetSpec::Jump {
                    name: jump,
                    extension,
                    span,
                };
            }
        }
        let target_slot = self.target_slot;
        // A new vector of the exact size: the slots' list is used again
        // for the next line.
        let mut matches: Vec<Extension> =
            Vec::with_capacity(self.slots.len() - usize::from(target_slot.is_some()));
        matches.extend(
            self.slots
                .drain(..)
                .enumerate()
                .filter(|(index, _)| Some(*index) != target_slot)
                .map(|(_, slot)| slot.into_extension()),
        );
        let rule = kind.takes_rule().then(|| RuleSpec {
            protocol: self.protocol.take(),
            source,
            destination,
            in_interface: self.in_interface.take(),
            out_interface: self.out_interface.take(),
            fragment: self.fragment.take(),
            matches,
            target,
            counters: self.counters,
        });
        Ok(LineOutcome::Command(Box::new(Command {
            kind,
            span: command_span,
            chain: self.chain.take(),
            new_name: self.new_name.take(),
            policy: self.policy.take(),
            rule,
        })))
    }

    fn generic_opt_check(&self, kind: CommandKind, span: Span) -> Result<(), LineError> {
        // An option is refused when every command given refuses it, and
        // the first such option (in the order of `opt::LETTERS`) is named.
        if self.commands == 0 {
            return Ok(());
        }
        let allowed = (0..ILLEGAL.len())
            .filter(|&row| self.commands & (1 << row) != 0)
            .fold(0u16, |allowed, row| allowed | !ILLEGAL_MASKS[row]);
        let refused = self.options & !allowed;
        if refused == 0 {
            return Ok(());
        }
        let letter = opt::LETTERS[refused.trailing_zeros() as usize];
        Err(LineError::new(
            ErrorKind::Option,
            span,
            format!(
                "option `-{letter}` cannot be used with `-{}`",
                kind.letter()
            ),
        ))
    }
}

struct Verdictish;

impl Verdictish {
    fn is_standard(name: &str) -> bool {
        matches!(name, "ACCEPT" | "DROP" | "QUEUE" | "RETURN")
    }
}

/// The name of a `-j` target as the model keeps it: the common targets,
/// which fwlint knows, cost no allocation.
fn target_name(written: &str, def: Option<&'static ExtensionDef>) -> Cow<'static, str> {
    if let Some(def) = def.filter(|def| def.name == written) {
        return Cow::Borrowed(def.name);
    }
    match ["ACCEPT", "DROP", "QUEUE", "RETURN"]
        .into_iter()
        .find(|verdict| *verdict == written)
    {
        Some(verdict) => Cow::Borrowed(verdict),
        None => Cow::Owned(written.to_string()),
    }
}

/// The `standard` target of `family`, which every verdict is: looked up
/// once rather than for nearly every rule.
fn standard_target(family: Family) -> Option<&'static ExtensionDef> {
    static STANDARD: OnceLock<[Option<&'static ExtensionDef>; 2]> = OnceLock::new();
    STANDARD.get_or_init(|| {
        [Family::V4, Family::V6]
            .map(|family| extensions::find("standard", ExtensionKind::Target, family))
    })[usize::from(family == Family::V6)]
}

fn other_family(family: Family) -> Family {
    match family {
        Family::V4 => Family::V6,
        Family::V6 => Family::V4,
    }
}

fn family_alternative(name: &str, family: Family) -> String {
    match (name, family) {
        ("icmp6", Family::V4) => "in iptables, use `-p icmp -m icmp --icmp-type`".to_string(),
        ("icmp", Family::V6) => {
            "in ip6tables, use `-p ipv6-icmp -m icmp6 --icmpv6-type`".to_string()
        }
        ("ttl", Family::V6) => "in ip6tables, use `-m hl`".to_string(),
        ("hl", Family::V4) => "in iptables, use `-m ttl`".to_string(),
        _ => "move this rule to the file of the other family".to_string(),
    }
}

/// `sscanf("%llu")` of the `-c` counters.
fn scan_u64(text: &str) -> Option<u64> {
    let trimmed = text.trim_start();
    let digits: &str = &trimmed[..trimmed.bytes().take_while(u8::is_ascii_digit).count()];
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok().or(Some(u64::MAX))
}

/// `xt_parse_target`: a target name is 1 to 28 characters without spaces.
fn check_target_name(name: &str, span: Span) -> Result<(), LineError> {
    if name.is_empty() {
        return Err(LineError::new(ErrorKind::Value, span, "empty target name"));
    }
    if name.len() >= 29 {
        return Err(LineError::new(
            ErrorKind::Value,
            span,
            format!(
                "target name `{name}` is too long ({} characters; 28 at most)",
                name.len()
            ),
        ));
    }
    if name.chars().any(char::is_whitespace) {
        return Err(LineError::new(
            ErrorKind::Value,
            span,
            format!("target name `{name}` contains a space"),
        ));
    }
    Ok(())
}

/// `assert_valid_chain_name` for `-N`.
fn check_new_chain_name(name: &Named) -> Result<(), LineError> {
    if name.name.len() >= 29 {
        return Err(LineError::new(
            ErrorKind::Chain,
            name.span,
            format!(
                "chain name `{}` is too long ({} characters; 28 at most)",
                name.name,
                name.name.len()
            ),
        ));
    }
    if name.name.starts_with(['-', '!']) {
        return Err(LineError::new(
            ErrorKind::Chain,
            name.span,
            format!("a chain name cannot start with `{}`", &name.name[..1]),
        ));
    }
    if Verdictish::is_standard(&name.name)
        || extensions::find(&name.name, ExtensionKind::Target, Family::V4).is_some()
        || extensions::find(&name.name, ExtensionKind::Target, Family::V6).is_some()
    {
        return Err(LineError::new(
            ErrorKind::Chain,
            name.span,
            format!(
                "chain name `{}` clashes with a target of the same name",
                name.name
            ),
        ));
    }
    if name.name.chars().any(char::is_whitespace) {
        return Err(LineError::new(
            ErrorKind::Chain,
            name.span,
            "a chain name cannot contain spaces",
        ));
    }
    Ok(())
}

/// `xtables_options_fcheck`: mandatory options, exclusive and required
/// combinations.
fn check_option_table(def: &'static ExtensionDef, seen: u32, span: Span) -> Result<(), LineError> {
    for spec in def.options {
        if spec.has_flag(flags::MAND) && seen & bit(spec.id) == 0 {
            let canonical = def
                .options
                .iter()
                .find(|other| other.id == spec.id)
                .unwrap_or(spec);
            return Err(LineError::new(
                ErrorKind::Option,
                span,
                format!("`{}` needs `--{}`", def.name, canonical.name),
            ));
        }
        if seen & bit(spec.id) == 0 {
            continue;
        }
        // Only an option given that this one excludes, or one not given
        // that it needs, can fail below; nearly always there is none.
        let suspects = ((spec.excl & seen) | (spec.also & !seen)) & !bit(spec.id);
        if suspects == 0 {
            continue;
        }
        for other in def.options {
            if other.id == spec.id {
                continue;
            }
            if spec.excl & bit(other.id) != 0 && seen & bit(other.id) != 0 {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!(
                        "`--{}` cannot be used together with `--{}`",
                        spec.name, other.name
                    ),
                ));
            }
            if spec.also & bit(other.id) != 0 && seen & bit(other.id) == 0 {
                return Err(LineError::new(
                    ErrorKind::Option,
                    span,
                    format!("`--{}` also needs `--{}`", spec.name, other.name),
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::tokens::tokenize;

    fn parse(line: &str) -> (Result<LineOutcome<'_>, LineError>, Vec<LineNote>) {
        let (tokens, _) = tokenize(line, 0, true);
        let cx = LineContext {
            family: Family::V4,
            table: Some(TableKind::Filter),
            span: Span::new(0, u32::try_from(line.len()).expect("short line")),
            counters: None,
        };
        parse_line(&tokens, cx)
    }

    /// A thread keeps the parser's lists from one line to the next: what a
    /// line gives must not depend on the lines parsed before it on the
    /// same thread, even one refused halfway through its extensions.
    #[test]
    fn a_line_parses_alike_after_any_other() {
        let lines = [
            "-A INPUT -p tcp -m tcp --dport 22 -m conntrack --ctstate NEW -m comment --comment \"ssh\" -j ACCEPT",
            "-A INPUT -p udp -m multiport --dports 53,123 -m limit --limit 5/sec -j LOG --log-prefix \"x \"",
            "-A INPUT -m recent --set --rcheck -j DROP",
            "-A INPUT -m nosuchmatch --opt 1 -j NOSUCHTARGET --other",
            "-A INPUT -s 10.0.0.0/8 -j REJECT --reject-with tcp-reset",
        ];
        let alone: Vec<String> = lines
            .iter()
            .map(|line| {
                let line = (*line).to_string();
                std::thread::spawn(move || format!("{:?}", parse(&line)))
                    .join()
                    .expect("parsing does not panic")
            })
            .collect();
        for before in lines {
            for (line, expected) in lines.iter().zip(&alone) {
                let _ = parse(before);
                assert_eq!(
                    &format!("{:?}", parse(line)),
                    expected,
                    "{line} after {before}"
                );
            }
        }
    }
}
