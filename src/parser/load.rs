//! Running the file: classifying lines as `iptables-restore` does, parsing
//! rule lines, executing the commands in order against the tables (as
//! libiptc does), and checking each table as the kernel does when it is
//! committed.
//!
//! Only executing must go line after line. A large file is read in
//! batches of lines: while one batch runs, the next is classified and
//! parsed beside it, and the checks at commit look at many rules at once;
//! what each step reports is reported in the order of a reading that
//! did one thing at a time.

use foldhash::HashMap;
use std::cell::RefCell;

use rayon::prelude::*;

use super::codes;
use super::command::{
    self, Command, CommandKind, ErrorKind, LineContext, LineError, LineNote, LineOutcome, NoteKind,
    RuleSpec, TargetSpec,
};
use super::extensions::{self, ExtError, KernelCall, Termination};
use super::family::FamilySource;
use super::lines::{self, PhysicalLine};
use super::tokens::{self, TokenProblem};
use super::{Comment, ReadResult};
use crate::diagnostics::{Diagnostic, LintMeta, Severity};
use crate::model::graph::JumpGraph;
use crate::model::{
    Chain, Counters, ExtensionKind, Family, Hook, Policy, Rule, Ruleset, SeldomFields, Table,
    TableKind, Target, TargetKind, Verdict,
};
use crate::source::{LineIndex, SourceFile, Span};

/// The most arguments a rule line may have: iptables-restore's argv holds
/// 255 entries, three of which it fills itself, and one stays NULL.
const MAX_ARGUMENTS: usize = 251;

/// How many lines outside of any table are reported one by one.
const OUTSIDE_REPORTED: usize = 10;

/// Parse rule lines in parallel only when there are enough of them to pay
/// for it.
const PARALLEL_LINES: usize = 1024;

/// How many command lines are parsed ahead of running them.
const PARSE_BATCH: usize = 1024;

/// Check a committed table on all cores only when it has enough rules to
/// pay for it.
const PARALLEL_RULES: usize = 4096;

#[derive(Clone)]
struct TableState {
    kind: TableKind,
    span: Span,
    chains: Vec<Chain>,
    committed: bool,
    /// Chain names to positions, for the first `.1` chains; chains are
    /// appended far more often than renamed or deleted, which call
    /// [`TableState::forget_names`].
    names: RefCell<(HashMap<String, usize>, usize)>,
}

impl TableState {
    fn new(kind: TableKind, span: Span, fragment: bool) -> Self {
        let chains = kind
            .hooks()
            .iter()
            .map(|hook| Chain {
                name: hook.chain_name().to_string(),
                hook: Some(*hook),
                policy: (!fragment).then_some(Policy {
                    verdict: Verdict::Accept,
                    span: None,
                }),
                declared: None,
                undeclared_use: None,
                rules: Vec::new(),
            })
            .collect();
        TableState {
            kind,
            span,
            chains,
            committed: false,
            names: RefCell::default(),
        }
    }

    fn chain_index(&self, name: &str) -> Option<usize> {
        let mut names = self.names.borrow_mut();
        let (map, known) = &mut *names;
        while *known < self.chains.len() {
            map.insert(self.chains[*known].name.clone(), *known);
            *known += 1;
        }
        map.get(name).copied().filter(|&index| {
            self.chains
                .get(index)
                .is_some_and(|chain| chain.name == name)
        })
    }

    /// Drops the name index after chains were renamed or deleted.
    fn forget_names(&self) {
        *self.names.borrow_mut() = (HashMap::default(), 0);
    }

    /// What a second `*table` line without `--noflush` does: flush every
    /// chain and delete the user chains. Policies stay.
    fn flush_all(&mut self) {
        self.chains.retain(Chain::is_builtin);
        self.forget_names();
        for chain in &mut self.chains {
            chain.rules.clear();
        }
        self.committed = false;
    }

    fn into_table(self) -> Table {
        Table::new(self.kind, self.span, self.chains)
    }
}

/// A line after classification, before commands run.
enum Item<'a> {
    TableStart {
        kind: Option<TableKind>,
        name: &'a str,
        span: Span,
    },
    Chain {
        line: PhysicalLine<'a>,
    },
    Commit,
    Command {
        line: PhysicalLine<'a>,
        /// The `*table` block the line is in: its kind and its name as
        /// written.
        table: (Option<TableKind>, &'a str),
    },
}

/// What classifying has learned so far, kept from one batch of lines to
/// the next.
#[derive(Default)]
struct Classification<'a> {
    /// The file has `\r\n` line endings, which are read as `\n`.
    crlf: bool,
    /// A `*table` line was read and its `COMMIT` not yet.
    in_table: bool,
    /// The `#` lines, handed to the reader at the end.
    comments: Vec<Comment>,
    /// What is wrong with the lines of the batch being classified; see
    /// [`Batch::problems`].
    problems: Vec<Diagnostic>,
    last_split: Option<Span>,
    /// Lines outside of any table, and the last of them: text that is not
    /// a rule file at all would give one finding per line; past a few, one
    /// finding says how many more there are.
    outside: usize,
    last_outside: Option<Span>,
    /// The table of the block being classified.
    table: (Option<TableKind>, &'a str),
}

/// The lines of one batch, classified, before their command lines are
/// parsed.
struct Batch<'f> {
    items: Vec<Item<'f>>,
    /// What classifying found wrong with these lines. A batch is classified
    /// while the one before it still runs, so these wait until the batch
    /// itself runs: the diagnostics come in the order they would if every
    /// batch were classified just before it ran.
    problems: Vec<Diagnostic>,
    /// The file ends with this batch.
    last: bool,
}

impl<'f> Classification<'f> {
    /// Pass 1 over the lines of one batch: up to [`PARSE_BATCH`] command
    /// lines, and the other lines among them.
    fn classify_batch(&mut self, lines: &mut lines::PhysicalLines<'f>) -> Batch<'f> {
        let mut items = Vec::new();
        let mut commands = 0;
        for line in lines.by_ref() {
            if self.classify_line(line, &mut items) {
                commands += 1;
                if commands == PARSE_BATCH {
                    break;
                }
            }
        }
        Batch {
            items,
            problems: std::mem::take(&mut self.problems),
            last: commands < PARSE_BATCH,
        }
    }

    /// Pass 1: what a line is, as iptables-restore's main loop decides.
    /// Returns true when it is a command line.
    fn classify_line(&mut self, mut line: PhysicalLine<'f>, items: &mut Vec<Item<'f>>) -> bool {
        if self.crlf {
            if let Some(stripped) = line.text.strip_suffix('\r') {
                line.text = stripped;
            }
        }
        if line.split {
            if self.last_split != Some(line.line_span) {
                self.last_split = Some(line.line_span);
                self.problems.push(diagnostic(
                    &codes::LIMIT_EXCEEDED,
                    line.line_span.part(0..1),
                    format!(
                        "this line is {} bytes long: iptables-restore reads at most {} bytes per line and reads the rest as a new line",
                        line.line_span.len(),
                        lines::LINE_BUFFER - 1
                    ),
                    Some("shorten the line: long comments are cut at 255 bytes by the kernel anyway"),
                ));
            }
            if line.continuation {
                return false;
            }
        }
        let content = line.text;
        let span = line.span();
        if content.is_empty() && line.newline {
            return false;
        }
        if content.starts_with('#') {
            self.comments.push(Comment {
                span,
                text: content.to_string(),
            });
            return false;
        }
        if self.in_table && content.starts_with("COMMIT") {
            if content != "COMMIT" || !line.newline {
                let message = if content == "COMMIT" {
                    "`COMMIT` on the last line has no newline after it: iptables-restore (legacy) does not recognise it".to_string()
                } else {
                    "`COMMIT` must be alone on its line".to_string()
                };
                self.problems.push(diagnostic(
                    &codes::INVALID_LINE,
                    span,
                    message,
                    Some("write `COMMIT` with nothing before or after it, and end the file with a newline"),
                ));
            }
            items.push(Item::Commit);
            self.in_table = false;
            return false;
        }
        if content.starts_with('*') {
            if self.in_table {
                self.problems.push(diagnostic(
                    &codes::INVALID_LINE,
                    span,
                    "a new table starts before the previous one was committed",
                    Some("end the previous table with a `COMMIT` line"),
                ));
                items.push(Item::Commit);
            }
            let rest = content.strip_prefix('*').unwrap_or(content);
            let name_start = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            let name = rest[name_start..].split([' ', '\t']).next().unwrap_or("");
            let name_span = span.part(1 + name_start..1 + name_start + name.len());
            let kind = TableKind::parse(name);
            if name.is_empty() {
                self.problems.push(diagnostic(
                    &codes::INVALID_LINE,
                    span,
                    "a `*` line needs a table name",
                    Some("write `*filter`, `*nat`, `*mangle`, `*raw` or `*security`"),
                ));
            } else if kind.is_none() {
                let suggestion = closest(name, TableKind::ALL.iter().map(|kind| kind.as_str()));
                let help = suggestion.map_or_else(
                    || "the tables are filter, nat, mangle, raw and security".to_string(),
                    |best| format!("did you mean `*{best}`? The tables are filter, nat, mangle, raw and security"),
                );
                self.problems.push(diagnostic(
                    &codes::UNKNOWN_TABLE,
                    name_span,
                    format!("there is no table `{name}`"),
                    Some(&help),
                ));
            }
            self.in_table = true;
            self.table = (kind, name);
            items.push(Item::TableStart {
                kind,
                name,
                span: name_span,
            });
            return false;
        }
        if !self.in_table {
            let help =
                if content.starts_with('-') || content.starts_with(':') || content.starts_with('[')
                {
                    "rules and chains belong between a `*table` line and its `COMMIT`"
                } else {
                    "outside a table, a line must be blank, a `#` comment or a `*table` line"
                };
            self.outside += 1;
            if self.outside <= OUTSIDE_REPORTED {
                self.problems.push(diagnostic(
                    &codes::INVALID_LINE,
                    span,
                    "this line is outside of any table",
                    Some(help),
                ));
            } else {
                self.last_outside = Some(span);
            }
            return false;
        }
        if content.starts_with(':') {
            items.push(Item::Chain { line });
            return false;
        }
        if content.bytes().all(|byte| matches!(byte, b' ' | b'\t')) {
            self.problems.push(diagnostic(
                &codes::INVALID_LINE,
                span,
                "a line of only spaces inside a table",
                Some("iptables-restore reads it as a command and fails with \"no command specified\"; make it empty"),
            ));
            return false;
        }
        items.push(Item::Command {
            line,
            table: self.table,
        });
        true
    }
}

struct Reader<'f> {
    file: &'f SourceFile,
    family: Family,
    fragment: bool,
    diagnostics: Vec<Diagnostic>,
    loadable: bool,
    /// A refusal that a lint reports (undefined chains, loops), so the
    /// reader emits no diagnostic of its own for it.
    refused: bool,
    comments: Vec<Comment>,
    tables: Vec<TableState>,
    current: Option<usize>,
    /// The table kind of the block being read, even when it is unknown.
    current_kind: Option<TableKind>,
    /// The `*table` name of the block being read, even when it is unknown.
    current_span: Option<Span>,
    /// The `*table` name of the block being run, as written.
    current_name: &'f str,
    /// How many `-A` lines each chain of each table has: see
    /// [`count_appends`].
    appends: HashMap<(&'f str, &'f str), u32>,
    failed_lines: Vec<(Span, Option<TableKind>)>,
}

/// Reads `file` as a rule file of `family`.
pub fn read_file(
    file: &SourceFile,
    family: Family,
    family_source: FamilySource,
    fragment: bool,
) -> ReadResult {
    let text = file.text();
    let crlf = memchr::memmem::find(text.as_bytes(), b"\r\n").is_some();
    let mut reader = Reader {
        file,
        family,
        fragment,
        diagnostics: Vec::new(),
        loadable: true,
        refused: false,
        comments: Vec::new(),
        tables: Vec::new(),
        current: None,
        current_kind: None,
        current_span: None,
        current_name: "",
        appends: count_appends(text, file.index()),
        failed_lines: Vec::new(),
    };
    if crlf {
        let offset = memchr::memmem::find(text.as_bytes(), b"\r\n").unwrap_or(0);
        reader.error(
            &codes::CRLF_LINE_ENDINGS,
            Span::from_range(offset..offset + 1),
            "this file has Windows line endings (`\\r\\n`)",
            Some("iptables-restore does not strip `\\r`, so `COMMIT\\r` and `ACCEPT\\r` are not understood and the file fails to load; convert it with `dos2unix` (fwlint reads the rest as if the endings were `\\n`)"),
        );
    }
    if text.contains('\u{FFFD}') {
        if let Some(position) = text.find('\u{FFFD}') {
            reader.warn(
                &codes::INVALID_ENCODING,
                Span::from_range(position..position + '\u{FFFD}'.len_utf8()),
                "this file is not valid UTF-8 (or contains U+FFFD)",
                Some("fwlint reads invalid bytes as U+FFFD; save the file as UTF-8, and check that it is a rule file at all"),
            );
        }
    }
    reader.read_lines(text, crlf);
    reader.finish(family_source)
}

impl<'f> Reader<'f> {
    fn push(
        &mut self,
        meta: &'static LintMeta,
        span: Span,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        self.add(diagnostic(meta, span, message, help));
    }

    fn error(
        &mut self,
        meta: &'static LintMeta,
        span: Span,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        self.push(meta, span, message, help);
    }

    fn warn(
        &mut self,
        meta: &'static LintMeta,
        span: Span,
        message: impl Into<String>,
        help: Option<&str>,
    ) {
        self.push(meta, span, message, help);
    }

    fn add(&mut self, diagnostic: Diagnostic) {
        if diagnostic.severity == Severity::Error {
            self.loadable = false;
        }
        self.diagnostics.push(diagnostic);
    }

    fn line_error(&mut self, error: LineError) {
        let meta = match error.kind {
            ErrorKind::Option => &codes::INVALID_OPTION,
            ErrorKind::Value => &codes::INVALID_VALUE,
            ErrorKind::Chain => &codes::INVALID_CHAIN,
            ErrorKind::Context => &codes::NOT_ALLOWED_HERE,
        };
        let mut diagnostic = Diagnostic::new(meta, error.span, error.message);
        diagnostic.help = error.help.map(Into::into);
        self.add(diagnostic);
    }

    fn line_note(&mut self, note: LineNote) {
        let meta = match note.kind {
            NoteKind::UnknownExtension => &codes::UNKNOWN_EXTENSION,
            NoteKind::ValueChanged => &codes::VALUE_CHANGED,
            NoteKind::DependsOnHost => &codes::DEPENDS_ON_HOST,
            NoteKind::Ignored => &codes::IGNORED_LINE,
        };
        let mut diagnostic = Diagnostic::new(meta, note.span, note.message);
        diagnostic.help = note.help.map(Into::into);
        self.add(diagnostic);
    }

    /// Reads the lines in batches: each batch is classified (pass 1), its
    /// command lines parsed (pass 2) and everything run in order (pass 3),
    /// so that neither the lines of a huge file nor their parsed form exist
    /// all at once. Running is sequential; the next batch is classified and
    /// parsed (on all cores) while this one runs.
    fn read_lines(&mut self, text: &'f str, crlf: bool) {
        let family = self.family;
        let mut state = Classification {
            crlf,
            ..Classification::default()
        };
        let mut lines = lines::physical_lines(text);
        let mut batch = state.classify_batch(&mut lines);
        let mut parsed = parse_commands(&batch.items, family);
        while !batch.last {
            let ((), (next, next_parsed)) = rayon::join(
                || self.run(batch, parsed),
                || {
                    let next = state.classify_batch(&mut lines);
                    let parsed = parse_commands(&next.items, family);
                    (next, parsed)
                },
            );
            batch = next;
            parsed = next_parsed;
        }
        self.run(batch, parsed);
        self.comments = state.comments;
        if let Some(span) = state.last_outside {
            let more = state.outside - OUTSIDE_REPORTED;
            self.error(
                &codes::INVALID_LINE,
                span,
                format!("and {more} more line{} outside of any table, up to this one", if more == 1 { "" } else { "s" }),
                Some("this does not look like an iptables-save file: check that it is the right file"),
            );
        }
        self.end_of_file(state.in_table);
    }

    /// Pass 3: run a batch in order, with its parsed command lines.
    fn run(&mut self, batch: Batch<'f>, parsed: Vec<ParsedLine>) {
        for problem in batch.problems {
            self.add(problem);
        }
        let mut parsed = parsed.into_iter();
        for item in batch.items {
            match item {
                Item::TableStart { kind, name, span } => {
                    self.current_kind = kind;
                    self.current_span = Some(span);
                    self.current_name = name;
                    self.current = kind.map(|kind| self.start_table(kind, span));
                }
                Item::Chain { line } => self.chain_line(line),
                Item::Commit => {
                    if let Some(index) = self.current.take() {
                        self.commit(index);
                    }
                    self.current_kind = None;
                }
                Item::Command { line, .. } => {
                    let result = parsed.next().unwrap_or_default();
                    self.command_line(line, result);
                }
            }
        }
    }

    /// A table still open at the end of the file.
    fn end_of_file(&mut self, in_table: bool) {
        if in_table {
            let end = u32::try_from(self.file.text().len()).unwrap_or(u32::MAX);
            let table_span = self.current_span.unwrap_or(Span::empty_at(end));
            let mut diagnostic = Diagnostic::new(
                &codes::MISSING_COMMIT,
                table_span,
                "this table is never committed: the file ends without `COMMIT`",
            )
            .with_help("add a `COMMIT` line at the end of the table; iptables-restore loads nothing of it otherwise");
            diagnostic.label = Some("table opened here".into());
            self.add(diagnostic);
            if let Some(index) = self.current.take() {
                self.commit(index);
            }
        }
    }

    fn start_table(&mut self, kind: TableKind, span: Span) -> usize {
        if let Some(index) = self.tables.iter().position(|table| table.kind == kind) {
            if !self.fragment {
                self.tables[index].flush_all();
            }
            self.tables[index].span = span;
            return index;
        }
        self.tables.push(TableState::new(kind, span, self.fragment));
        self.tables.len() - 1
    }

    fn chain_line(&mut self, line: PhysicalLine<'_>) {
        let span = line.span();
        let rest = &line.text[1..];
        let mut fields = Vec::new();
        let mut offset = 1;
        for field in rest.split([' ', '\t']) {
            if !field.is_empty() {
                fields.push((field, span.part(offset..offset + field.len())));
            }
            offset += field.len() + 1;
        }
        let Some(&(name, name_span)) = fields.first() else {
            self.error(
                &codes::INVALID_LINE,
                span,
                "a `:` line needs a chain name",
                Some(
                    "write `:CHAIN POLICY [packets:bytes]`, with `-` as the policy of a user chain",
                ),
            );
            return;
        };
        if name.len() >= 29 {
            self.error(
                &codes::INVALID_CHAIN,
                name_span,
                format!(
                    "chain name `{name}` is too long ({} characters; 28 at most)",
                    name.len()
                ),
                None,
            );
            return;
        }
        let Some(index) = self.current else {
            return;
        };
        let fragment = self.fragment;
        let table = &mut self.tables[index];
        let builtin = table.kind.builtin_hook(name);
        let mut problem: Option<(Span, String, Option<String>)> = None;
        if builtin.is_none() {
            if let Some(existing) = table.chain_index(name) {
                if fragment {
                    table.chains[existing].rules.clear();
                    table.chains[existing].declared = Some(name_span);
                } else if table.chains[existing].declared.is_none() {
                    // Used earlier without a declaration (already a
                    // refusal there); this declares it.
                    table.chains[existing].declared = Some(name_span);
                } else {
                    problem = Some((
                        name_span,
                        format!("chain `{name}` is declared twice"),
                        Some("iptables-restore fails with \"File exists\"; remove one of the declarations".into()),
                    ));
                }
            } else if Verdict::parse(name).is_some() {
                problem = Some((
                    name_span,
                    format!("`{name}` is a verdict and cannot be a chain name"),
                    None,
                ));
            } else {
                table.chains.push(Chain {
                    name: name.to_string(),
                    hook: None,
                    policy: None,
                    declared: Some(name_span),
                    undeclared_use: None,
                    rules: Vec::new(),
                });
            }
        } else if let Some(existing) = table.chain_index(name) {
            table.chains[existing].declared = Some(name_span);
        }
        if let Some((span, message, help)) = problem {
            self.error(&codes::INVALID_CHAIN, span, message, help.as_deref());
            return;
        }
        let Some(&(policy, policy_span)) = fields.get(1) else {
            self.error(
                &codes::INVALID_CHAIN,
                name_span,
                format!("chain `{name}` has no policy"),
                Some("write the policy after the name: `ACCEPT` or `DROP` for a built-in chain, `-` for a user chain"),
            );
            return;
        };
        if policy == "-" {
            return;
        }
        let table = &mut self.tables[index];
        let kind = table.kind;
        if builtin.is_none() {
            let help = if Hook::from_chain_name(name).is_some() {
                format!(
                    "the {} table has no built-in chain `{name}`, so this declares a user chain, which has no policy",
                    kind.as_str()
                )
            } else {
                "only built-in chains have a policy; write `-`".to_string()
            };
            self.error(
                &codes::INVALID_CHAIN,
                policy_span,
                format!("user chain `{name}` cannot have a policy"),
                Some(&help),
            );
            return;
        }
        let Some(verdict) = Verdict::parse(policy)
            .filter(|verdict| matches!(verdict, Verdict::Accept | Verdict::Drop))
        else {
            self.error(
                &codes::INVALID_CHAIN,
                policy_span,
                format!("`{policy}` is not a policy"),
                Some("a built-in chain's policy is `ACCEPT` or `DROP`"),
            );
            return;
        };
        if let Some(existing) = table.chain_index(name) {
            table.chains[existing].policy = Some(Policy {
                verdict,
                span: Some(policy_span),
            });
        }
    }

    fn command_line(&mut self, line: PhysicalLine<'_>, parsed: ParsedLine) {
        let span = line.span();
        let ParsedLine {
            result,
            notes,
            problems,
        } = parsed;
        let broken = problems.iter().any(|d| d.severity == Severity::Error);
        for diagnostic in problems {
            self.add(diagnostic);
        }
        for note in notes {
            self.line_note(note);
        }
        let Some(result) = result else {
            if broken {
                self.failed_lines.push((span, self.current_kind));
            }
            return;
        };
        let command = match result {
            Ok(LineOutcome::Command(command)) => *command,
            Ok(LineOutcome::Skipped) => {
                self.push(
                    &codes::IGNORED_LINE,
                    span,
                    format!(
                        "{} skips this line: it is marked for the other address family",
                        self.family.restore_program()
                    ),
                    None,
                );
                return;
            }
            Err(error) => {
                self.line_error(error);
                self.failed_lines.push((span, self.current_kind));
                return;
            }
        };
        let Some(index) = self.current else {
            return;
        };
        self.apply(index, command, span);
    }

    /// The chain `chain` of the table, for a command that needs it. When it
    /// does not exist: in a fragment it is assumed to exist elsewhere (and
    /// said so); otherwise iptables-restore fails here, and the chain is
    /// recorded as used undeclared so that the rest of the file can still
    /// be checked (the `undefined-chain` lint reports it). Built-in names
    /// the table lacks are refused outright.
    fn missing_chain(&mut self, index: usize, chain: &command::Named, what: &str) -> Option<usize> {
        let table = &self.tables[index];
        if let Some(existing) = table.chain_index(&chain.name) {
            return Some(existing);
        }
        let kind = table.kind;
        if Hook::from_chain_name(&chain.name).is_some() {
            self.push(
                &codes::INVALID_CHAIN,
                chain.span,
                format!(
                    "{what} chain `{}`, which the {} table does not have",
                    chain.name,
                    kind.as_str()
                ),
                Some(&format!(
                    "the {} table has the chains {}",
                    kind.as_str(),
                    kind.hooks()
                        .iter()
                        .map(|hook| hook.chain_name())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return None;
        }
        if self.fragment {
            self.push(
                &codes::FRAGMENT_ASSUMPTION,
                chain.span,
                format!("chain `{}` is not declared here: assumed to exist where this fragment is loaded", chain.name),
                None,
            );
        } else {
            self.refused = true;
        }
        let table = &mut self.tables[index];
        table.chains.push(Chain {
            name: chain.name.to_string(),
            hook: None,
            policy: None,
            declared: None,
            undeclared_use: (!self.fragment).then_some(chain.span),
            rules: Vec::new(),
        });
        Some(table.chains.len() - 1)
    }

    #[allow(clippy::too_many_lines)]
    fn apply(&mut self, index: usize, command: Command, line: Span) {
        let Command {
            kind,
            span: command_span,
            chain,
            new_name,
            policy,
            rule,
        } = command;
        match kind {
            CommandKind::Append
            | CommandKind::Insert(_)
            | CommandKind::Replace(_)
            | CommandKind::Delete
            | CommandKind::Check => {
                let Some(chain) = chain else { return };
                let Some(rule) = rule else { return };
                let Some(chain_index) = self.missing_chain(index, &chain, "rule for") else {
                    return;
                };
                let Some(rule) = self.build_rule(index, rule, line) else {
                    return;
                };
                let table = &mut self.tables[index];
                let rules = &mut table.chains[chain_index].rules;
                if rules.capacity() == 0 {
                    let appended = self.appends.get(&(self.current_name, chain.name.as_ref()));
                    rules.reserve_exact(appended.map_or(1, |&count| count as usize));
                }
                match kind {
                    CommandKind::Append => rules.push(rule),
                    CommandKind::Insert(number) => {
                        let position = number as usize - 1;
                        if position > rules.len() {
                            let length = rules.len();
                            self.push(
                                &codes::COMMAND_FAILED,
                                command_span,
                                format!("cannot insert at position {number}: chain `{}` has {length} rules at this point", chain.name),
                                Some("insert at a position from 1 to one past the last rule, or append with `-A`"),
                            );
                        } else {
                            rules.insert(position, rule);
                        }
                    }
                    CommandKind::Replace(number) => {
                        let position = number as usize - 1;
                        if position >= rules.len() {
                            let length = rules.len();
                            self.push(
                                &codes::COMMAND_FAILED,
                                command_span,
                                format!("cannot replace rule {number}: chain `{}` has {length} rules at this point", chain.name),
                                None,
                            );
                        } else {
                            rules[position] = rule;
                        }
                    }
                    CommandKind::Delete | CommandKind::Check => {
                        let key = without_spans(&rule);
                        let found = rules
                            .iter()
                            .position(|existing| without_spans(existing) == key);
                        match (found, kind) {
                            (Some(position), CommandKind::Delete) => {
                                rules.remove(position);
                            }
                            (Some(_), _) => {}
                            (None, _) => {
                                if self.fragment {
                                    self.push(
                                        &codes::FRAGMENT_ASSUMPTION,
                                        command_span,
                                        format!("this rule is not in `{}` here: assumed to exist where this fragment is loaded", chain.name),
                                        None,
                                    );
                                } else {
                                    self.push(
                                        &codes::COMMAND_FAILED,
                                        command_span,
                                        format!("no rule like this exists in `{}` at this point", chain.name),
                                        Some("iptables-restore starts from empty chains, so there is nothing to delete or check"),
                                    );
                                }
                            }
                        }
                    }
                    _ => unreachable!("matched above"),
                }
            }
            CommandKind::DeleteNum(number) => {
                let Some(chain) = chain else { return };
                let Some(chain_index) = self.missing_chain(index, &chain, "command for") else {
                    return;
                };
                let rules = &mut self.tables[index].chains[chain_index].rules;
                if (number as usize) <= rules.len() {
                    rules.remove(number as usize - 1);
                } else if !self.fragment {
                    let length = rules.len();
                    self.push(
                        &codes::COMMAND_FAILED,
                        command_span,
                        format!("cannot delete rule {number}: chain `{}` has {length} rules at this point", chain.name),
                        None,
                    );
                }
            }
            CommandKind::Flush => match chain {
                Some(chain) => {
                    if let Some(chain_index) = self.missing_chain(index, &chain, "flush of") {
                        self.tables[index].chains[chain_index].rules.clear();
                    }
                }
                None => {
                    for chain in &mut self.tables[index].chains {
                        chain.rules.clear();
                    }
                }
            },
            CommandKind::Zero
            | CommandKind::ZeroNum(_)
            | CommandKind::List
            | CommandKind::ListRules => {
                if let Some(chain) = &chain {
                    if self.missing_chain(index, chain, "command for").is_none() {
                        return;
                    }
                }
                let what = match kind {
                    CommandKind::List | CommandKind::ListRules => {
                        "prints a listing when the file is loaded; it loads nothing"
                    }
                    _ => "zeroes packet counters; it loads nothing",
                };
                self.push(
                    &codes::IGNORED_LINE,
                    command_span,
                    format!("this command {what}"),
                    None,
                );
            }
            CommandKind::NewChain => {
                let Some(chain) = chain else { return };
                let table = &mut self.tables[index];
                if table.chain_index(&chain.name).is_some() {
                    if !self.fragment {
                        self.push(
                            &codes::INVALID_CHAIN,
                            chain.span,
                            format!("chain `{}` already exists", chain.name),
                            Some("iptables-restore fails with \"Chain already exists\"; remove the second declaration"),
                        );
                    }
                    return;
                }
                table.chains.push(Chain {
                    name: chain.name.to_string(),
                    hook: None,
                    policy: None,
                    declared: Some(chain.span),
                    undeclared_use: None,
                    rules: Vec::new(),
                });
            }
            CommandKind::DeleteChain => self.delete_chain(index, chain.as_ref(), command_span),
            CommandKind::RenameChain => {
                let (Some(chain), Some(new_name)) = (chain, new_name) else {
                    return;
                };
                let Some(chain_index) = self.missing_chain(index, &chain, "rename of") else {
                    return;
                };
                let table = &mut self.tables[index];
                if table.chains[chain_index].is_builtin() {
                    self.push(
                        &codes::INVALID_CHAIN,
                        chain.span,
                        format!("built-in chain `{}` cannot be renamed", chain.name),
                        None,
                    );
                    return;
                }
                if table.chain_index(&new_name.name).is_some()
                    || Verdict::parse(&new_name.name).is_some()
                {
                    self.push(
                        &codes::INVALID_CHAIN,
                        new_name.span,
                        format!("chain `{}` already exists", new_name.name),
                        None,
                    );
                    return;
                }
                if new_name.name.len() >= 29 {
                    self.push(
                        &codes::INVALID_CHAIN,
                        new_name.span,
                        format!("chain name `{}` is too long", new_name.name),
                        None,
                    );
                    return;
                }
                let old = std::mem::replace(
                    &mut table.chains[chain_index].name,
                    new_name.name.to_string(),
                );
                table.forget_names();
                for other in &mut table.chains {
                    for rule in &mut other.rules {
                        match &mut rule.target.kind {
                            TargetKind::Jump(target) | TargetKind::Goto(target)
                                if **target == *old =>
                            {
                                *target = new_name.name.as_ref().into();
                            }
                            _ => {}
                        }
                    }
                }
            }
            CommandKind::Policy => {
                let (Some(chain), Some(policy)) = (chain, policy) else {
                    return;
                };
                let Some(chain_index) = self.missing_chain(index, &chain, "policy for") else {
                    return;
                };
                let table = &mut self.tables[index];
                if !table.chains[chain_index].is_builtin() {
                    self.push(
                        &codes::INVALID_CHAIN,
                        chain.span,
                        format!("user chain `{}` cannot have a policy", chain.name),
                        Some("only built-in chains have a policy; end a user chain with an explicit rule instead"),
                    );
                    return;
                }
                match Verdict::parse(&policy.name)
                    .filter(|verdict| matches!(verdict, Verdict::Accept | Verdict::Drop))
                {
                    Some(verdict) => {
                        table.chains[chain_index].policy = Some(Policy {
                            verdict,
                            span: Some(policy.span),
                        });
                    }
                    None => self.push(
                        &codes::INVALID_CHAIN,
                        policy.span,
                        format!("`{}` is not a policy", policy.name),
                        Some("a built-in chain's policy is `ACCEPT` or `DROP`"),
                    ),
                }
            }
        }
    }

    fn delete_chain(&mut self, index: usize, chain: Option<&command::Named>, span: Span) {
        let names: Vec<String> = match chain {
            Some(chain) => {
                let Some(chain_index) = self.missing_chain(index, chain, "deletion of") else {
                    return;
                };
                if self.tables[index].chains[chain_index].is_builtin() {
                    self.push(
                        &codes::INVALID_CHAIN,
                        chain.span,
                        format!("built-in chain `{}` cannot be deleted", chain.name),
                        None,
                    );
                    return;
                }
                vec![chain.name.to_string()]
            }
            None => self.tables[index]
                .chains
                .iter()
                .filter(|chain| !chain.is_builtin())
                .map(|chain| chain.name.clone())
                .collect(),
        };
        for name in names {
            let table = &self.tables[index];
            let Some(position) = table.chain_index(&name) else {
                continue;
            };
            if !table.chains[position].rules.is_empty() {
                self.push(
                    &codes::INVALID_CHAIN,
                    span,
                    format!("chain `{name}` cannot be deleted: it still has rules"),
                    Some(&format!("flush it first with `-F {name}`")),
                );
                continue;
            }
            let referenced = table.chains.iter().any(|chain| {
                chain.rules.iter().any(|rule| {
                    matches!(&rule.target.kind, TargetKind::Jump(target) | TargetKind::Goto(target) if **target == *name)
                })
            });
            if referenced {
                self.push(
                    &codes::INVALID_CHAIN,
                    span,
                    format!("chain `{name}` cannot be deleted: rules still jump to it"),
                    None,
                );
                continue;
            }
            self.tables[index].chains.remove(position);
            self.tables[index].forget_names();
        }
    }

    /// Resolves the target against the chains that exist now and builds
    /// the rule the table will hold.
    fn build_rule(&mut self, index: usize, spec: RuleSpec, line: Span) -> Option<Rule> {
        let RuleSpec {
            protocol,
            source,
            destination,
            in_interface,
            out_interface,
            fragment,
            matches,
            target,
            counters,
        } = spec;
        let target = match target {
            TargetSpec::None => Target {
                kind: TargetKind::None,
                span: Span::empty_at(line.end),
            },
            TargetSpec::Goto { name, span } => {
                let table = &self.tables[index];
                match table.chain_index(&name.name) {
                    Some(position) if table.chains[position].is_builtin() => {
                        self.push(
                            &codes::INVALID_CHAIN,
                            name.span,
                            format!("`-g {}` goes to a built-in chain", name.name),
                            Some("rules can jump or go only to user chains"),
                        );
                        return None;
                    }
                    Some(_) => Target {
                        kind: TargetKind::Goto(name.name.into()),
                        span,
                    },
                    None => {
                        self.missing_chain(index, &name, "goto to")?;
                        Target {
                            kind: TargetKind::Goto(name.name.into()),
                            span,
                        }
                    }
                }
            }
            TargetSpec::Jump {
                name,
                extension,
                span,
            } => {
                if let Some(verdict) = Verdict::parse(&name.name) {
                    Target {
                        kind: TargetKind::Verdict(verdict),
                        span,
                    }
                } else {
                    let table = &self.tables[index];
                    match table.chain_index(&name.name) {
                        Some(position) if table.chains[position].is_builtin() => {
                            self.push(
                                &codes::INVALID_CHAIN,
                                name.span,
                                format!("`-j {}` jumps to a built-in chain", name.name),
                                Some("rules can jump only to user chains"),
                            );
                            return None;
                        }
                        Some(_) => {
                            if let Some(extension) =
                                extension.as_ref().filter(|ext| !ext.options.is_empty())
                            {
                                let option = &extension.options[0];
                                self.push(
                                    &codes::INVALID_OPTION,
                                    option.span,
                                    format!("unknown option `--{}`: `{}` is a chain, which takes no options", option.name, name.name),
                                    None,
                                );
                                return None;
                            }
                            Target {
                                kind: TargetKind::Jump(name.name.into()),
                                span: name.span.cover(span),
                            }
                        }
                        None => match extension {
                            Some(extension)
                                if extension.known
                                    || ((!extension.options.is_empty()
                                        || looks_like_extension(&name.name))
                                        && extensions::find(
                                            &name.name,
                                            ExtensionKind::Target,
                                            other_family(self.family),
                                        )
                                        .is_none()) =>
                            {
                                if !extension.known {
                                    self.push(
                                        &codes::UNKNOWN_EXTENSION,
                                        extension.name_span,
                                        format!("fwlint does not know the target `{}`", name.name),
                                        Some(&format!(
                                            "fwlint keeps its options as written and treats what it does as unknown; iptables-restore fails with \"Couldn't load target `{}'\" unless an extension of that name is installed",
                                            name.name
                                        )),
                                    );
                                }
                                Target {
                                    kind: TargetKind::Extension(Box::new(extension)),
                                    span,
                                }
                            }
                            _ => {
                                if let Some(extension) = extensions::find(
                                    &name.name,
                                    ExtensionKind::Target,
                                    other_family(self.family),
                                ) {
                                    self.push(
                                        &codes::INVALID_OPTION,
                                        name.span,
                                        format!(
                                            "target `{}` exists only in {}",
                                            extension.name,
                                            other_family(self.family)
                                                .restore_program()
                                                .trim_end_matches("-restore")
                                        ),
                                        None,
                                    );
                                    return None;
                                }
                                self.missing_chain(index, &name, "jump to")?;
                                Target {
                                    kind: TargetKind::Jump(name.name.into()),
                                    span,
                                }
                            }
                        },
                    }
                }
            }
        };
        Some(Rule {
            span: line,
            protocol,
            source: source.map(Box::new),
            destination: destination.map(Box::new),
            seldom: SeldomFields::boxed(in_interface, out_interface, fragment, counters),
            matches: matches.into_boxed_slice(),
            target,
        })
    }

    /// The kernel's checks when a table is committed.
    fn commit(&mut self, index: usize) {
        self.tables[index].committed = true;
        // What a chain holds now is kept for as long as the file is checked,
        // without the room to grow ([`super::exact`]): kube-proxy's tens of
        // thousands of chains of two or three rules, shrunk in place, took
        // a sixth of all memory.
        for chain in &mut self.tables[index].chains {
            chain.rules = crate::exact::exact(std::mem::take(&mut chain.rules)).into_vec();
        }
        let table = &self.tables[index];
        let graph = JumpGraph::of_chains(&table.chains);
        let rules: usize = table.chains.iter().map(|chain| chain.rules.len()).sum();
        let parallel = rules >= PARALLEL_RULES;
        let problems = kernel_problems(table.kind, &table.chains, &graph, self.family, parallel);
        if !graph.cycles.is_empty() {
            self.refused = true;
        }
        for (span, message, help) in problems {
            self.push(&codes::NOT_ALLOWED_HERE, span, message, help.as_deref());
        }
    }

    fn finish(self, family_source: FamilySource) -> ReadResult {
        let Reader {
            family,
            fragment,
            mut diagnostics,
            loadable,
            refused,
            comments,
            tables,
            failed_lines,
            ..
        } = self;
        diagnostics.sort_by_key(|diagnostic| (diagnostic.span.start, diagnostic.span.end));
        ReadResult {
            ruleset: Ruleset {
                family,
                tables: tables.into_iter().map(TableState::into_table).collect(),
                fragment,
            },
            family_source,
            diagnostics,
            loadable: loadable && !refused,
            comments,
            failed_lines,
        }
    }
}

/// How many `-A CHAIN` lines each chain of each `*table` has, counted on
/// the text before anything runs, so that a chain's rules are allocated
/// once at their full size. Grown by doubling, a chain of 100,000 rules
/// held its old and its new copy at once, and its unused room until
/// commit: the largest part of reading a blocklist. The count is only a
/// first size: lines that fail, and other commands, change the chain later.
fn count_appends<'a>(text: &'a str, lines: &LineIndex) -> HashMap<(&'a str, &'a str), u32> {
    let mut counts: HashMap<(&str, &str), u32> = HashMap::default();
    let mut table = "";
    // The file's own line index: the lines are not searched for again.
    for number in 0..lines.line_count() {
        let start = lines.line_start(number) as usize;
        let end = lines.line_end(text, number) as usize;
        let Some(line) = text.get(start..end) else {
            continue;
        };
        let command = match line.as_bytes().first() {
            Some(b'*') => {
                table = line[1..].trim_end_matches(['\r', ' ', '\t']);
                continue;
            }
            Some(b'-') => line,
            // `iptables-save -c` writes the counters first: `[0:0] -A INPUT`.
            Some(b'[') => line.split_once("] ").map_or("", |(_, command)| command),
            _ => continue,
        };
        if let Some(rest) = command.strip_prefix("-A ") {
            let end = memchr::memchr2(b' ', b'\t', rest.as_bytes()).unwrap_or(rest.len());
            *counts.entry((table, &rest[..end])).or_default() += 1;
        }
    }
    counts
}

/// A diagnostic of the code described by `meta`, with its help.
fn diagnostic(
    meta: &'static LintMeta,
    span: Span,
    message: impl Into<String>,
    help: Option<&str>,
) -> Diagnostic {
    let mut diagnostic = Diagnostic::new(meta, span, message);
    diagnostic.help = help.map(|help| help.to_string().into());
    diagnostic
}

/// Pass 2: parse the command lines of a batch, in parallel when there are
/// many.
fn parse_commands<'f>(items: &[Item<'f>], family: Family) -> Vec<ParsedLine<'f>> {
    let parse = |item: &Item<'f>| match item {
        Item::Command {
            line,
            table: (kind, name),
        } => Some(parse_command_line(*line, family, *kind, name)),
        _ => None,
    };
    if items.len() >= PARALLEL_LINES {
        items.par_iter().filter_map(parse).collect()
    } else {
        items.iter().filter_map(parse).collect()
    }
}

/// The outcome of parsing one command line in pass 2.
#[derive(Default)]
struct ParsedLine<'f> {
    result: Option<Result<LineOutcome<'f>, LineError>>,
    notes: Vec<LineNote>,
    /// Problems of the line itself (counters prefix, tokens).
    problems: Vec<Diagnostic>,
}

// Kept out of line so that profiles show the parsing of lines on its own.
#[inline(never)]
fn parse_command_line<'f>(
    line: PhysicalLine<'f>,
    family: Family,
    table: Option<TableKind>,
    table_name: &str,
) -> ParsedLine<'f> {
    let span = line.span();
    let mut parsed = ParsedLine::default();
    let mut text = line.text;
    let mut offset = line.start;
    let mut counters = None;
    if text.starts_with('[') {
        match counters_prefix(text) {
            Ok((value, rest_start)) => {
                counters = value;
                text = &text[rest_start..];
                offset += u32::try_from(rest_start).unwrap_or(0);
            }
            Err(message) => {
                parsed.problems.push(
                    Diagnostic::new(
                        &codes::INVALID_LINE,
                        span.part(0..text.find(' ').unwrap_or(text.len())),
                        message,
                    )
                    .with_help("a rule may start with `[packets:bytes]`, as `[0:0] -A INPUT ...`"),
                );
                return parsed;
            }
        }
    }
    let (tokens, problems) = tokens::tokenize(text, offset, line.newline);
    for problem in problems {
        match problem {
            TokenProblem::TooLong(span) => {
                parsed.problems.push(
                    Diagnostic::new(&codes::LIMIT_EXCEEDED, span, "this argument is longer than 1,023 bytes, the most iptables-restore accepts")
                        .with_help("iptables-restore fails with \"Parameter too long!\""),
                );
                return parsed;
            }
            TokenProblem::UnterminatedQuote(span) => parsed.problems.push(
                Diagnostic::new(&codes::UNTERMINATED_QUOTE, span, "this quote is never closed: iptables takes the rest of the line as one argument")
                    .with_help("close the quote where the argument ends"),
            ),
        }
    }
    if tokens.len() > MAX_ARGUMENTS {
        parsed.problems.push(
            Diagnostic::new(
                &codes::LIMIT_EXCEEDED,
                tokens[MAX_ARGUMENTS].span,
                format!(
                    "this line has {} arguments; iptables-restore accepts at most {MAX_ARGUMENTS}",
                    tokens.len()
                ),
            )
            .with_help("split the rule, or use an ipset or multiport for long lists"),
        );
        return parsed;
    }
    if tokens.first().is_some_and(|token| token.text == "COMMIT") {
        parsed.problems.push(
            Diagnostic::new(
                &codes::INVALID_LINE,
                span,
                "`COMMIT` must be alone on its line, at the start of the line",
            )
            .with_help("remove what is before or after it"),
        );
        return parsed;
    }
    let _ = table_name;
    let cx = LineContext {
        family,
        table,
        span,
        counters,
    };
    let (result, notes) = command::parse_line(&tokens, cx);
    parsed.result = Some(result);
    parsed.notes = notes;
    parsed
}

/// `tokenize_rule_counters`: `[packets:bytes]` before the command. Returns
/// the counters (when they are numbers) and where the command starts.
fn counters_prefix(text: &str) -> Result<(Option<Counters>, usize), String> {
    let Some(close) = text.find(']') else {
        return Err("this `[packets:bytes]` prefix has no `]`".to_string());
    };
    let inner = &text[1..];
    let first = inner.trim_start_matches(':');
    if first.is_empty() {
        return Err("this `[packets:bytes]` prefix has no `:`".to_string());
    }
    let Some(colon) = first.find(':') else {
        return Err("this `[packets:bytes]` prefix has no `]` after its `:`".to_string());
    };
    let after = first[colon + 1..].trim_start_matches(']');
    if after.is_empty() {
        return Err("this `[packets:bytes]` prefix has no `]` after its `:`".to_string());
    }
    let counters = text[1..close].split_once(':').and_then(|(packets, bytes)| {
        Some(Counters {
            packets: packets.parse().ok()?,
            bytes: bytes.parse().ok()?,
        })
    });
    Ok((counters, close + 1))
}

fn other_family(family: Family) -> Family {
    match family {
        Family::V4 => Family::V6,
        Family::V6 => Family::V4,
    }
}

/// Names of targets from xtables-addons and other packages that fwlint does
/// not model; a jump to one is an unknown extension, not a missing chain.
const THIRD_PARTY_TARGETS: [&str; 16] = [
    "TARPIT",
    "DELUDE",
    "CHAOS",
    "ECHO",
    "IPMARK",
    "LOGMARK",
    "RAWDNAT",
    "RAWSNAT",
    "STEAL",
    "SYSRQ",
    "DHCPMAC",
    "DNETMAP",
    "ACCOUNT",
    "PROTO",
    "IPV4OPTSSTRIP",
    "ULOG",
];

fn looks_like_extension(name: &str) -> bool {
    THIRD_PARTY_TARGETS.contains(&name)
}

/// The candidate closest to `name` by edit distance, when it is close.
fn closest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let lowered = name.to_ascii_lowercase();
    candidates
        .filter(|candidate| *candidate != name)
        .map(|candidate| {
            (
                edit_distance(&lowered, &candidate.to_ascii_lowercase()),
                candidate,
            )
        })
        .filter(|(distance, candidate)| *distance <= (candidate.len().max(name.len()) / 3).max(1))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// A rule with every span cleared, to compare rules by content (`-D`, `-C`).
fn without_spans(rule: &Rule) -> Rule {
    let mut copy = rule.clone();
    let zero = Span::default();
    copy.span = zero;
    if let Some(p) = &mut copy.protocol {
        p.span = zero;
    }
    for addresses in [&mut copy.source, &mut copy.destination]
        .into_iter()
        .flatten()
    {
        addresses.span = zero;
        for address in &mut addresses.value {
            address.span = zero;
        }
    }
    copy.seldom_mut(|seldom| {
        seldom.counters = None;
        for interface in [&mut seldom.in_interface, &mut seldom.out_interface]
            .into_iter()
            .flatten()
        {
            interface.span = zero;
        }
        if let Some(fragment) = &mut seldom.fragment {
            fragment.span = zero;
        }
    });
    let clear = |extension: &mut crate::model::Extension| {
        extension.name_span = zero;
        extension.span = zero;
        for option in &mut extension.options {
            option.span = zero;
        }
    };
    copy.matches.iter_mut().for_each(clear);
    copy.target.span = zero;
    if let TargetKind::Extension(extension) = &mut copy.target.kind {
        clear(extension);
    }
    copy
}

/// A refusal of the kernel at commit: where, why, and what to do.
type Problem = (Span, String, Option<String>);

/// What the kernel finds wrong with a table when it is committed: first the
/// checks of each rule's extensions, then those of the hooks each is
/// reached from (loops are the `chain-loop` lint's), each in rule order.
///
/// Rules are read from memory touched long before, which takes most of the
/// time: each rule is read once for both kinds of check, and when
/// `parallel`, on all cores, the parts coming back in order.
fn kernel_problems(
    table: TableKind,
    chains: &[Chain],
    graph: &JumpGraph,
    family: Family,
    parallel: bool,
) -> Vec<Problem> {
    let check = |mut found: (Vec<Problem>, Vec<Problem>), (chain_index, chain, rules)| {
        let (extension_problems, hook_problems) = &mut found;
        let hooks = graph.hooks[chain_index];
        crate::model::fetch_together(rules);
        for rule in rules {
            if has_known_extension(rule) {
                extension_checks(table, family, hooks, chain, rule, extension_problems);
                hook_checks(hooks, chain, rule, hook_problems);
            }
        }
        found
    };
    // Listed first, so that tens of thousands of small chains (kube-proxy's)
    // are shared out as easily as one long chain.
    let chunks: Vec<(usize, &Chain, &[Rule])> = chains
        .iter()
        .enumerate()
        .flat_map(|(chain_index, chain)| {
            chain
                .rules
                .chunks(READ_AHEAD)
                .map(move |rules| (chain_index, chain, rules))
        })
        .collect();
    let parts: Vec<(Vec<Problem>, Vec<Problem>)> = if parallel {
        chunks
            .into_par_iter()
            .fold(Default::default, check)
            .collect()
    } else {
        vec![chunks.into_iter().fold(Default::default(), check)]
    };
    let (extension_problems, hook_problems): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
    extension_problems
        .into_iter()
        .chain(hook_problems)
        .flatten()
        .collect()
}

/// How many rules are fetched together ([`crate::model::fetch_together`]),
/// and the smallest share of the work between threads.
const READ_AHEAD: usize = 32;

/// Whether the kernel checks `rule` at all: it does when the rule has an
/// extension fwlint knows.
fn has_known_extension(rule: &Rule) -> bool {
    rule.extensions().any(|extension| extension.known)
}

/// The kernel's own checks of each extension of `rule`, in `chain`.
fn extension_checks(
    table: TableKind,
    family: Family,
    hooks: u8,
    chain: &Chain,
    rule: &Rule,
    problems: &mut Vec<Problem>,
) {
    for extension in rule.extensions() {
        if !extension.known {
            continue;
        }
        let Some(def) = extensions::find(&extension.name, extension.kind, family).or_else(|| {
            (extension.kind == ExtensionKind::Match)
                .then(|| extensions::find("icmp6", ExtensionKind::Match, family))
                .flatten()
                .filter(|_| matches!(extension.name.as_ref(), "icmpv6" | "ipv6-icmp"))
        }) else {
            continue;
        };
        let kernel = def.kernel;
        if let Some(proto) = kernel.proto {
            let ok = rule
                .protocol
                .as_ref()
                .is_some_and(|p| p.value.0 == proto && !p.negated);
            if !ok {
                let proto_name = super::protocol_name(proto).unwrap_or("?");
                problems.push((
                    extension.name_span,
                    format!(
                        "`{}` works only with `-p {proto_name}`: the kernel refuses this rule",
                        extension.name
                    ),
                    Some(match extension.kind {
                        ExtensionKind::Match => {
                            format!("add `-p {proto_name}` before `-m {}`", extension.name)
                        }
                        ExtensionKind::Target => format!("add `-p {proto_name}` to this rule"),
                    }),
                ));
            }
        }
        if let Some(only) = kernel.table {
            if only != table {
                problems.push((
                    extension.name_span,
                    format!(
                        "`{}` works only in the {} table",
                        extension.name,
                        only.as_str()
                    ),
                    None,
                ));
            }
        }
        if let Some(check) = kernel.check {
            let call = KernelCall {
                family,
                table,
                chain: &chain.name,
                hooks,
                rule,
                extension,
            };
            if let Err(ExtError {
                message,
                span,
                help,
            }) = check(&call)
            {
                problems.push((span.unwrap_or(extension.span), message, help));
            }
        }
    }
}

/// The kernel's hook checks of `rule`, in `chain` reached from the hooks
/// `reached`: extensions used where a hook they do not support leads.
fn hook_checks(reached: u8, chain: &Chain, rule: &Rule, problems: &mut Vec<Problem>) {
    if reached == 0 {
        return;
    }
    for extension in rule.extensions().filter(|extension| extension.known) {
        let Some(def) = extensions::find(&extension.name, extension.kind, Family::V4)
            .or_else(|| extensions::find(&extension.name, extension.kind, Family::V6))
        else {
            continue;
        };
        let allowed = def
            .kernel
            .hooks_for
            .map_or(def.kernel.hooks, |hooks| hooks(extension));
        if allowed == 0 || reached & !allowed == 0 {
            continue;
        }
        let names = |mask: u8| {
            Hook::ALL
                .iter()
                .filter(|hook| mask & hook.bit() != 0)
                .map(|hook| hook.chain_name())
                .collect::<Vec<_>>()
                .join(", ")
        };
        let via = if chain.is_builtin() {
            String::new()
        } else {
            format!(
                " (chain `{}` is reached from {})",
                chain.name,
                names(reached & !allowed)
            )
        };
        problems.push((
            extension.name_span,
            format!(
                "`{}` works only in chains reached from {}{via}: the kernel refuses the table",
                extension.name,
                names(allowed)
            ),
            None,
        ));
    }
}

#[allow(dead_code)]
fn termination(name: &str, family: Family) -> Termination {
    extensions::find(name, ExtensionKind::Target, family)
        .map_or(Termination::Unknown, |def| def.termination)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_are_counted_per_table_and_chain() {
        let text = "*filter\n-A INPUT -j ACCEPT\n[5:300] -A INPUT -j DROP\n-A FORWARD\n-I INPUT 1 -j ACCEPT\n\
                    COMMIT\n*nat\n-A INPUT -j ACCEPT\nCOMMIT\n";
        let counts = count_appends(text, &LineIndex::new(text));
        assert_eq!(counts.get(&("filter", "INPUT")), Some(&2));
        assert_eq!(counts.get(&("filter", "FORWARD")), Some(&1));
        assert_eq!(counts.get(&("nat", "INPUT")), Some(&1));
        assert_eq!(counts.len(), 3);
    }

    /// A filter table of `rules`, each a chain (by number) and a rule (by
    /// number): rules the kernel refuses for their own sake (`--dport`
    /// without `-p`, MASQUERADE outside nat) and for the hooks that reach
    /// them (`-m mac` from OUTPUT), in built-in and user chains, among
    /// rules it takes and rules with extensions fwlint does not know.
    fn table_of(rules: &[(usize, usize)]) -> crate::model::Table {
        let mut text = String::from("*filter\n:LAN - [0:0]\n-A OUTPUT -j LAN\n");
        for &(chain, rule) in rules {
            let chain = ["INPUT", "OUTPUT", "LAN"][chain % 3];
            let rule = [
                "-m tcp --dport 22 -j ACCEPT",
                "-m mac --mac-source 00:11:22:33:44:55 -j DROP",
                "-p tcp -j MASQUERADE",
                "-p udp -m udp --dport 53 -j ACCEPT",
                "-m bogus --bogus 1 -j ACCEPT",
                "-j ACCEPT",
                "-p tcp -m mac --mac-source 00:11:22:33:44:55 -m bogus -j REJECT",
            ][rule % 7];
            text.push_str(&format!("-A {chain} {rule}\n"));
        }
        text.push_str("COMMIT\n");
        let file = SourceFile::new("test.rules", text);
        let options = super::super::ReadOptions::default();
        let mut result = super::super::read(&file, &options);
        result.ruleset.tables.remove(0)
    }

    /// [`kernel_problems`] the plain way: every rule in turn, without
    /// fetching rules together, on one core.
    fn kernel_problems_one_by_one(table: &crate::model::Table, graph: &JumpGraph) -> Vec<Problem> {
        let (mut extension_problems, mut hook_problems) = (Vec::new(), Vec::new());
        for (index, chain) in table.chains.iter().enumerate() {
            for rule in &chain.rules {
                let hooks = graph.hooks[index];
                extension_checks(
                    table.kind,
                    Family::V4,
                    hooks,
                    chain,
                    rule,
                    &mut extension_problems,
                );
                hook_checks(hooks, chain, rule, &mut hook_problems);
            }
        }
        extension_problems.extend(hook_problems);
        extension_problems
    }

    proptest::proptest! {
        #[test]
        fn committed_tables_are_checked_as_rule_by_rule(
            rules in proptest::collection::vec((0..3usize, 0..7usize), 0..120),
        ) {
            let table = table_of(&rules);
            let graph = JumpGraph::of_chains(&table.chains);
            let plain = kernel_problems_one_by_one(&table, &graph);
            for parallel in [false, true] {
                let problems = kernel_problems(table.kind, &table.chains, &graph, Family::V4, parallel);
                proptest::prop_assert_eq!(&problems, &plain);
            }
        }
    }

    #[test]
    fn large_committed_tables_are_checked_as_rule_by_rule() {
        let rules: Vec<(usize, usize)> =
            (0..PARALLEL_RULES + 100).map(|n| (n % 3, n % 7)).collect();
        let table = table_of(&rules);
        let graph = JumpGraph::of_chains(&table.chains);
        let problems = kernel_problems(table.kind, &table.chains, &graph, Family::V4, true);
        assert_eq!(problems, kernel_problems_one_by_one(&table, &graph));
        let about = |what: &str| {
            problems
                .iter()
                .filter(|(_, message, _)| message.contains(what))
                .count()
        };
        assert!(about("works only with `-p tcp`") > 100);
        assert!(about("works only in the nat table") > 100);
        assert!(about("works only in chains reached from") > 100);
    }
}
