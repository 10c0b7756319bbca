//! GNU `getopt_long` as iptables calls it, over the arguments of one line.
//!
//! iptables parses each rule line with `getopt_long` and the option string
//! `-:A:C:D:...`: arguments are returned in order (non-options too), a
//! missing argument is reported apart from an unknown option, long options
//! may be abbreviated to any unambiguous prefix, and `--opt=value` attaches an
//! argument. The table of long options grows as extensions are loaded; the
//! caller passes it in at every step.

use super::extensions::{HasArg, OptSpec};
use super::tokens::Token;
use super::values::split_once_ascii;
use crate::source::Span;

/// What an option stands for: a core option (its short letter) or option
/// `id` of the loaded extension in `slot`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKey {
    Core(u8),
    Ext { slot: usize, id: u8 },
}

/// One entry of the long option table.
#[derive(Debug, Clone, Copy)]
pub struct LongOpt {
    pub name: &'static str,
    pub has_arg: HasArg,
    pub key: OptKey,
}

/// An argument taken by an option.
#[derive(Debug, Clone, Copy)]
pub struct OptArg<'a> {
    pub text: &'a str,
    pub span: Span,
    /// Index of the token it came from.
    pub token: usize,
    /// True when `text` is the source slice under `span` byte for byte, so
    /// that offsets into the text are offsets into the source.
    pub verbatim: bool,
}

/// One step of the scan.
#[derive(Debug, Clone, Copy)]
pub enum Step<'a> {
    Opt {
        key: OptKey,
        arg: Option<OptArg<'a>>,
        /// Index of the option's token.
        token: usize,
        /// The option as written (`--dport`, `-p`).
        span: Span,
    },
    NonOption {
        token: usize,
    },
    /// A known option without its required argument.
    MissingArg {
        token: usize,
    },
    /// An unknown or ambiguous option, or an argument given to an option
    /// that takes none.
    Unknown {
        token: usize,
        /// The option as written, for the message.
        span: Span,
    },
    /// `--` ended the options; `rest` is the index of the first argument
    /// after it.
    EndOfOptions {
        rest: usize,
    },
    End,
}

/// The short options of iptables, with `:` for a required and `::` for an
/// optional argument (`IPT_OPTSTRING` without its leading `-:`).
const SHORT_OPTIONS: &str =
    "A:C:D:E:F::I:L::M:N:P:VX::Z::c:d:i:j:o:p:s:t:R:S::W::46bfg:h::m:nvw::x";

/// [`SHORT_OPTIONS`] as a table by letter, so that a short option is
/// looked up at once rather than searched for in the string.
const SHORT_HAS_ARG: [Option<HasArg>; 128] = {
    let bytes = SHORT_OPTIONS.as_bytes();
    let mut table = [None; 128];
    let mut position = 0;
    while position < bytes.len() {
        let letter = bytes[position];
        let required = position + 1 < bytes.len() && bytes[position + 1] == b':';
        let optional = required && position + 2 < bytes.len() && bytes[position + 2] == b':';
        if letter != b':' && table[letter as usize].is_none() {
            table[letter as usize] = Some(if optional {
                HasArg::Optional
            } else if required {
                HasArg::Required
            } else {
                HasArg::No
            });
        }
        position += 1;
    }
    table
};

fn short_has_arg(letter: u8) -> Option<HasArg> {
    SHORT_HAS_ARG.get(usize::from(letter)).copied().flatten()
}

/// The long option table at one step of the scan: the core options,
/// then the options of the loaded extensions, newest first, each with the
/// slot of its extension. Only entries whose name starts with the same
/// byte as the name written can match it or be abbreviated to it, so
/// only those are looked at.
#[derive(Debug, Clone, Copy)]
pub struct LongOptions<'t> {
    pub extensions: &'t [(usize, &'static [OptSpec])],
}

impl LongOptions<'_> {
    /// Offers each entry whose name starts with `first`, in table order, to
    /// `visit`, until it returns `false`.
    fn visit(&self, first: u8, mut visit: impl FnMut(LongOpt) -> bool) {
        for entry in core_starting_with(first) {
            if !visit(*entry) {
                return;
            }
        }
        for &(slot, options) in self.extensions {
            for spec in options {
                if spec.name.as_bytes().first() != Some(&first) {
                    continue;
                }
                let entry = LongOpt {
                    name: spec.name,
                    has_arg: spec.has_arg(),
                    key: OptKey::Ext { slot, id: spec.id },
                };
                if !visit(entry) {
                    return;
                }
            }
        }
    }
}

/// The scanner; `next` is called with the current long option table.
#[derive(Debug)]
pub struct Getopt<'a> {
    tokens: &'a [Token<'a>],
    /// Index of the next token to scan.
    pub optind: usize,
    /// Position inside a cluster of short options (`-nv`).
    cluster: Option<(usize, usize)>,
}

fn text_of<'a>(token: &'a Token<'a>) -> &'a str {
    &token.text
}

impl<'a> Getopt<'a> {
    #[must_use]
    pub fn new(tokens: &'a [Token<'a>]) -> Self {
        Getopt {
            tokens,
            optind: 0,
            cluster: None,
        }
    }

    /// Scans from `token` again, as iptables does with `optind--` after it
    /// loaded a protocol match.
    pub fn rewind_to(&mut self, token: usize) {
        self.optind = token;
        self.cluster = None;
    }

    fn arg_of(&self, index: usize) -> OptArg<'a> {
        let token = &self.tokens[index];
        OptArg {
            text: text_of(token),
            span: token.span,
            token: index,
            verbatim: token.verbatim,
        }
    }

    /// Takes the token after the current one as an argument, as iptables'
    /// old-style parsers do with `argv[optind++]`.
    pub fn take_next(&mut self) -> Option<OptArg<'a>> {
        let index = self.optind;
        (index < self.tokens.len()).then(|| {
            self.optind += 1;
            self.arg_of(index)
        })
    }

    /// The next token without consuming it.
    #[must_use]
    pub fn peek(&self) -> Option<OptArg<'a>> {
        (self.optind < self.tokens.len() && self.cluster.is_none())
            .then(|| self.arg_of(self.optind))
    }

    /// `xs_has_arg`: is the next token an argument (not `-x` or `!`)?
    #[must_use]
    pub fn next_is_value(&self) -> bool {
        self.peek()
            .is_some_and(|arg| !arg.text.starts_with('-') && !arg.text.starts_with('!'))
    }

    pub fn next(&mut self, long: LongOptions<'_>) -> Step<'a> {
        if let Some((index, position)) = self.cluster {
            return self.short(index, position);
        }
        let Some(token) = self.tokens.get(self.optind) else {
            return Step::End;
        };
        let index = self.optind;
        let text = text_of(token);
        if text == "--" {
            self.optind += 1;
            return Step::EndOfOptions { rest: self.optind };
        }
        if let Some(body) = text.strip_prefix("--") {
            self.optind += 1;
            return self.long(index, body, long);
        }
        if text.len() > 1 && text.starts_with('-') {
            return self.short(index, 1);
        }
        self.optind += 1;
        Step::NonOption { token: index }
    }

    fn short(&mut self, index: usize, position: usize) -> Step<'a> {
        let token = &self.tokens[index];
        let text = text_of(token).as_bytes();
        let letter = text[position];
        // getopt walks bytes, as C does; the span must still cover whole
        // characters, or a cluster like `-é` points into the middle of one.
        let whole = text_of(token);
        let mut start = position - 1;
        while !whole.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = position + 1;
        while !whole.is_char_boundary(end) {
            end += 1;
        }
        let option_span = token.sub_span(start..end);
        let at_end = position + 1 >= text.len();
        self.cluster = if at_end {
            None
        } else {
            Some((index, position + 1))
        };
        if at_end {
            self.optind = index + 1;
        }
        let Some(has_arg) = short_has_arg(letter) else {
            return Step::Unknown {
                token: index,
                span: option_span,
            };
        };
        let key = OptKey::Core(letter);
        match has_arg {
            HasArg::No => Step::Opt {
                key,
                arg: None,
                token: index,
                span: option_span,
            },
            HasArg::Required | HasArg::Optional => {
                if !at_end {
                    // The rest of the cluster is the argument: `-pTCP`.
                    self.cluster = None;
                    self.optind = index + 1;
                    let full = text_of(token);
                    let arg = OptArg {
                        text: &full[position + 1..],
                        span: token.sub_span(position + 1..full.len()),
                        token: index,
                        verbatim: token.verbatim,
                    };
                    return Step::Opt {
                        key,
                        arg: Some(arg),
                        token: index,
                        span: option_span,
                    };
                }
                if has_arg == HasArg::Optional {
                    return Step::Opt {
                        key,
                        arg: None,
                        token: index,
                        span: option_span,
                    };
                }
                match self.take_next() {
                    Some(arg) => Step::Opt {
                        key,
                        arg: Some(arg),
                        token: index,
                        span: option_span,
                    },
                    None => Step::MissingArg { token: index },
                }
            }
        }
    }

    fn long(&mut self, index: usize, body: &str, long: LongOptions<'_>) -> Step<'a> {
        let token = &self.tokens[index];
        let (name, attached) = match split_once_ascii(body, b'=') {
            Some((name, value)) => (name, Some(value)),
            None => (body, None),
        };
        let option_span = token.sub_span(0..2 + name.len());
        let mut exact: Option<LongOpt> = None;
        let mut prefix: Option<LongOpt> = None;
        let mut ambiguous = false;
        if let Some(&first) = name.as_bytes().first() {
            long.visit(first, |entry| {
                if entry.name == name {
                    exact = Some(entry);
                    return false;
                }
                if entry.name.starts_with(name) {
                    match prefix {
                        None => prefix = Some(entry),
                        Some(first) if first.has_arg != entry.has_arg || first.key != entry.key => {
                            ambiguous = true;
                        }
                        Some(_) => {}
                    }
                }
                true
            });
        }
        let found = match (exact, prefix) {
            (Some(entry), _) => entry,
            (None, Some(entry)) if !ambiguous && !name.is_empty() => entry,
            _ => {
                return Step::Unknown {
                    token: index,
                    span: option_span,
                };
            }
        };
        match (found.has_arg, attached) {
            (HasArg::No, Some(_)) => Step::Unknown {
                token: index,
                span: option_span,
            },
            (HasArg::No, None) | (HasArg::Optional, None) => Step::Opt {
                key: found.key,
                arg: None,
                token: index,
                span: option_span,
            },
            (_, Some(_)) => {
                let start = 2 + name.len() + 1;
                let full = text_of(token);
                Step::Opt {
                    key: found.key,
                    arg: Some(OptArg {
                        text: &full[start.min(full.len())..],
                        span: token.sub_span(start..full.len()),
                        token: index,
                        verbatim: token.verbatim,
                    }),
                    token: index,
                    span: option_span,
                }
            }
            (HasArg::Required, None) => match self.take_next() {
                Some(arg) => Step::Opt {
                    key: found.key,
                    arg: Some(arg),
                    token: index,
                    span: option_span,
                },
                None => Step::MissingArg { token: index },
            },
        }
    }
}

/// The core long options of iptables (`original_opts` in iptables.c).
pub const CORE_LONG_OPTIONS: [LongOpt; 37] = {
    const fn core(name: &'static str, has_arg: HasArg, letter: u8) -> LongOpt {
        LongOpt {
            name,
            has_arg,
            key: OptKey::Core(letter),
        }
    }
    use HasArg::{No, Optional, Required};
    [
        core("append", Required, b'A'),
        core("delete", Required, b'D'),
        core("check", Required, b'C'),
        core("insert", Required, b'I'),
        core("replace", Required, b'R'),
        core("list", Optional, b'L'),
        core("list-rules", Optional, b'S'),
        core("flush", Optional, b'F'),
        core("zero", Optional, b'Z'),
        core("new-chain", Required, b'N'),
        core("delete-chain", Optional, b'X'),
        core("rename-chain", Required, b'E'),
        core("policy", Required, b'P'),
        core("source", Required, b's'),
        core("destination", Required, b'd'),
        core("src", Required, b's'),
        core("dst", Required, b'd'),
        core("protocol", Required, b'p'),
        core("in-interface", Required, b'i'),
        core("jump", Required, b'j'),
        core("table", Required, b't'),
        core("match", Required, b'm'),
        core("numeric", No, b'n'),
        core("out-interface", Required, b'o'),
        core("verbose", No, b'v'),
        core("wait", Optional, b'w'),
        core("wait-interval", Optional, b'W'),
        core("exact", No, b'x'),
        core("fragments", No, b'f'),
        core("version", No, b'V'),
        core("help", Optional, b'h'),
        core("line-numbers", No, b'0'),
        core("modprobe", Required, b'M'),
        core("set-counters", Required, b'c'),
        core("goto", Required, b'g'),
        core("ipv4", No, b'4'),
        core("ipv6", No, b'6'),
    ]
};

/// [`CORE_LONG_OPTIONS`] ordered by the first byte of their names, so that
/// those that can match a name are found by two binary searches. Their
/// order among themselves does not matter: core names are all different,
/// and a prefix shared by several either names one option or is ambiguous
/// whatever the order.
static CORE_BY_FIRST_BYTE: [LongOpt; CORE_LONG_OPTIONS.len()] = {
    let mut table = CORE_LONG_OPTIONS;
    let mut sorted = 1;
    while sorted < table.len() {
        let mut index = sorted;
        while index > 0 && table[index - 1].name.as_bytes()[0] > table[index].name.as_bytes()[0] {
            let entry = table[index];
            table[index] = table[index - 1];
            table[index - 1] = entry;
            index -= 1;
        }
        sorted += 1;
    }
    table
};

fn core_starting_with(first: u8) -> &'static [LongOpt] {
    let first_byte = |entry: &LongOpt| entry.name.as_bytes()[0];
    let start = CORE_BY_FIRST_BYTE.partition_point(|entry| first_byte(entry) < first);
    let end = CORE_BY_FIRST_BYTE.partition_point(|entry| first_byte(entry) <= first);
    &CORE_BY_FIRST_BYTE[start..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::tokens::tokenize;

    fn scan(line: &str) -> Vec<String> {
        let (tokens, _) = tokenize(line, 0, true);
        let mut getopt = Getopt::new(&tokens);
        let mut out = Vec::new();
        let table = LongOptions { extensions: &[] };
        loop {
            match getopt.next(table) {
                Step::Opt { key, arg, .. } => {
                    out.push(format!("{key:?}={}", arg.map_or("-", |a| a.text)))
                }
                Step::NonOption { token } => out.push(format!("arg:{}", tokens[token].text)),
                Step::MissingArg { .. } => out.push("missing".into()),
                Step::Unknown { .. } => out.push("unknown".into()),
                Step::EndOfOptions { .. } => out.push("--".into()),
                Step::End => break,
            }
        }
        out
    }

    #[test]
    fn short_options_with_arguments() {
        assert_eq!(scan("-A INPUT"), ["Core(65)=INPUT"]);
        assert_eq!(scan("-AINPUT"), ["Core(65)=INPUT"]);
        assert_eq!(scan("-nv"), ["Core(110)=-", "Core(118)=-"]);
        assert_eq!(scan("-s"), ["missing"]);
    }

    #[test]
    fn long_options_and_abbreviations() {
        assert_eq!(scan("--append INPUT"), ["Core(65)=INPUT"]);
        assert_eq!(scan("--append=INPUT"), ["Core(65)=INPUT"]);
        assert_eq!(scan("--app INPUT"), ["Core(65)=INPUT"]);
        assert_eq!(scan("--d x"), ["unknown", "arg:x"]);
        assert_eq!(scan("--dst x"), ["Core(100)=x"]);
        assert_eq!(scan("--numeric=1"), ["unknown"]);
        assert_eq!(scan("--bogus"), ["unknown"]);
    }

    #[test]
    fn non_options_come_in_order() {
        assert_eq!(scan("! -s 1.2.3.4"), ["arg:!", "Core(115)=1.2.3.4"]);
        assert_eq!(scan("-s -d"), ["Core(115)=-d"]);
    }

    #[test]
    fn optional_arguments_must_be_attached() {
        assert_eq!(scan("-L INPUT"), ["Core(76)=-", "arg:INPUT"]);
        assert_eq!(scan("-LINPUT"), ["Core(76)=INPUT"]);
    }
}
