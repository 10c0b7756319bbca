//! What a lint sees and how it reports: the file's model and source, and a
//! report builder that stamps the lint's code on each diagnostic.

use std::borrow::Cow;
use std::collections::HashMap;

use std::cell::OnceCell;

use super::flow::{Dead, dead, judged_rules};
use crate::analysis::{Analysis, Host, HostProfile};
use crate::diagnostics::{Diagnostic, Label, LintMeta};
use crate::model::graph::JumpGraph;
use crate::model::{Family, Ruleset, Table, TableKind};
use crate::source::{SourceFile, Span};

/// Facts about a file beyond its model.
#[derive(Debug, Clone, Default)]
pub struct FileFacts {
    /// Read as a `--noflush` fragment.
    pub fragment: bool,
    /// Lines the reader could not read, with their table: the model lacks
    /// whatever they would have done, so lints that reason about the
    /// whole table stay silent about it.
    pub failed_lines: Vec<(Span, Option<TableKind>)>,
    /// What the user said about the host.
    pub host: HostProfile,
}

impl FileFacts {
    /// True when some line of `table` could not be read.
    #[must_use]
    pub fn incomplete(&self, table: TableKind) -> bool {
        self.failed_lines
            .iter()
            .any(|(_, kind)| kind.is_none_or(|kind| kind == table))
    }
}

/// The context of the per-file passes.
pub struct FileContext<'a> {
    pub source: &'a SourceFile,
    pub ruleset: &'a Ruleset,
    pub facts: &'a FileFacts,
    pub(super) current: &'static LintMeta,
    diagnostics: Vec<Diagnostic>,
    /// Reader diagnostics a lint's finding replaces: (code, span).
    replaced: Vec<(&'static str, Span)>,
    graphs: HashMap<TableKind, JumpGraph>,
    analysis: OnceCell<Analysis<'a>>,
    /// What [`super::flow::dead`] finds for the rules it judges, computed
    /// once for the two lints that ask (shadowed-rule, redundant-rule): by
    /// table, chain and rule index; live rules are absent.
    dead_rules: OnceCell<foldhash::HashMap<(TableKind, usize, usize), Dead>>,
}

impl<'a> FileContext<'a> {
    #[must_use]
    pub fn new(source: &'a SourceFile, ruleset: &'a Ruleset, facts: &'a FileFacts) -> Self {
        FileContext {
            source,
            ruleset,
            facts,
            current: super::ALL[0].meta(),
            diagnostics: Vec::new(),
            replaced: Vec::new(),
            graphs: HashMap::new(),
            analysis: OnceCell::new(),
            dead_rules: OnceCell::new(),
        }
    }

    /// Gives the context an analysis built beforehand (in parallel with
    /// the lints that need none).
    pub fn set_analysis(&mut self, analysis: Analysis<'a>) {
        self.analysis = OnceCell::from(analysis);
    }

    /// The packet-flow analysis of the file: the one given with
    /// [`FileContext::set_analysis`], or computed the first time a lint
    /// asks for it.
    pub fn analysis(&self) -> &Analysis<'a> {
        self.analysis.get_or_init(|| {
            let host = Host::new(self.ruleset, &self.facts.host);
            Analysis::new(self.ruleset, host)
        })
    }

    /// Why rule `rule` of chain `chain` of table `table` never matches, if
    /// the analysis proves it (see [`super::flow::dead`]); `None` for a
    /// live rule or one the flow lints do not judge.
    pub fn dead_rule(&self, table: TableKind, chain: usize, rule: usize) -> Option<&Dead> {
        self.dead_rules
            .get_or_init(|| {
                judged_rules(self.analysis(), self.facts)
                    .filter_map(|(evaluator, chain, _, rule, _)| {
                        dead(evaluator, chain, rule)
                            .map(|found| ((evaluator.table.kind, chain, rule), found))
                    })
                    .collect()
            })
            .get(&(table, chain, rule))
    }

    #[must_use]
    pub fn family(&self) -> Family {
        self.ruleset.family
    }

    /// Reports a finding of the current lint at `span`; the returned
    /// diagnostic can be given labels and help.
    pub fn report(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        self.diagnostics
            .push(Diagnostic::new(self.current, span, message));
        self.diagnostics.last_mut().expect("just pushed")
    }

    /// Says that the last report replaces the reader's diagnostic `code` at
    /// the same place (a refusal the lint explains better).
    pub fn replaces(&mut self, code: &'static str, span: Span) {
        self.replaced.push((code, span));
    }

    /// The jump graph of `table`, computed once.
    pub fn graph(&mut self, table: &Table) -> &JumpGraph {
        self.graphs
            .entry(table.kind)
            .or_insert_with(|| JumpGraph::new(table))
    }

    /// The text of `span`.
    #[must_use]
    pub fn text(&self, span: Span) -> &str {
        self.source.slice(span)
    }

    /// The findings, and the reader diagnostics they replace.
    #[must_use]
    pub fn finish(self) -> (Vec<Diagnostic>, Vec<(&'static str, Span)>) {
        (self.diagnostics, self.replaced)
    }
}

/// One file of a run, for cross-file lints.
pub struct RunFile<'a> {
    pub source: &'a SourceFile,
    pub ruleset: &'a Ruleset,
    pub facts: &'a FileFacts,
    /// The file of the other family of the same host, when the run has it
    /// (same folder and stem, or `--pair`).
    pub pair: Option<usize>,
    /// For an IPv4 file with a conventional name (`rules.v4`,
    /// `iptables.rules`): whether its IPv6 sibling exists on disk.
    pub sibling_exists: Option<bool>,
}

/// The context of the cross-file pass.
pub struct RunContext<'a> {
    pub files: &'a [RunFile<'a>],
    pub(super) current: &'static LintMeta,
    /// Findings per file index.
    diagnostics: Vec<(usize, Diagnostic)>,
}

impl<'a> RunContext<'a> {
    #[must_use]
    pub fn new(files: &'a [RunFile<'a>]) -> Self {
        RunContext {
            files,
            current: super::ALL[0].meta(),
            diagnostics: Vec::new(),
        }
    }

    /// Reports a finding in file `file`.
    pub fn report(
        &mut self,
        file: usize,
        span: Span,
        message: impl Into<String>,
    ) -> &mut Diagnostic {
        self.diagnostics
            .push((file, Diagnostic::new(self.current, span, message)));
        &mut self.diagnostics.last_mut().expect("just pushed").1
    }

    #[must_use]
    pub fn finish(self) -> Vec<(usize, Diagnostic)> {
        self.diagnostics
    }
}

impl Diagnostic {
    /// Sets the text under the primary span.
    pub fn label(&mut self, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.label = Some(text.into());
        self
    }

    /// Adds a secondary label in the same file.
    pub fn secondary(&mut self, span: Span, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.add_label(Label {
            span,
            message: text.into(),
            path: None,
        });
        self
    }

    /// Adds a secondary label in another file of the run.
    pub fn secondary_in(
        &mut self,
        path: &str,
        span: Span,
        text: impl Into<Cow<'static, str>>,
    ) -> &mut Self {
        self.add_label(Label {
            span,
            message: text.into(),
            path: Some(path.to_string()),
        });
        self
    }

    /// Sets the help: how to fix it.
    pub fn help(&mut self, text: impl Into<Cow<'static, str>>) -> &mut Self {
        self.help = Some(text.into());
        self
    }
}
