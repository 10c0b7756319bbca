//! What a lint sees and how it reports: the file's model and source, and a
//! report builder that stamps the lint's code on each diagnostic.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use std::cell::OnceCell;

use rayon::prelude::*;

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
    /// The analysis: given, or computed when a lint first asks; unused
    /// when `lent_analysis` is set.
    analysis: OnceCell<Analysis<'a>>,
    /// The analysis of the file's context, lent to the context of a task
    /// ([`FileContext::in_tasks`]).
    lent_analysis: Option<&'a Analysis<'a>>,
    /// What [`super::flow::dead`] finds for the rules it judges, computed
    /// once for the two lints that ask (shadowed-rule, redundant-rule),
    /// whichever task asks first: by table, chain and rule index; live
    /// rules are absent.
    dead_rules: Lent<'a, OnceLock<DeadRules>>,
}

type DeadRules = foldhash::HashMap<(TableKind, usize, usize), Dead>;

/// A value of the file's context, or the same value lent to a task's.
enum Lent<'a, T> {
    Own(T),
    Lent(&'a T),
}

impl<T> std::ops::Deref for Lent<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        match self {
            Lent::Own(value) => value,
            Lent::Lent(value) => value,
        }
    }
}

/// What the items of [`FileContext::in_tasks`] report: findings, and the
/// reader diagnostics they replace.
type Found = (Vec<Diagnostic>, Vec<(&'static str, Span)>);

/// `run` on each of `items`, on `threads` threads, each with a context
/// from `context`; the results in the order of `items`.
fn in_threads<'a, T: Sync>(
    items: &[T],
    threads: usize,
    context: impl Fn() -> FileContext<'a> + Sync,
    run: impl Fn(&mut FileContext<'a>, &T) -> Found + Sync,
) -> Vec<Found> {
    let next = AtomicUsize::new(0);
    // Each thread takes the next item until none is left.
    let worker = || {
        let mut cx = context();
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, run(&mut cx, item)));
        }
    };
    let mut done = std::thread::scope(|scope| {
        let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(worker)).collect();
        let mut done = worker();
        for helper in helpers {
            match helper.join() {
                Ok(more) => done.extend(more),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        done
    });
    done.sort_unstable_by_key(|(index, _)| *index);
    done.into_iter().map(|(_, found)| found).collect()
}

/// Files with fewer rules than this run their lints on one thread: a
/// thread costs more than it saves on them.
pub(super) const PARALLEL_RULES: usize = 20_000;

/// What the contexts of a file's tasks share: all of it can be read from
/// several threads at once. The analysis and what is found from it are
/// shared only with plain threads (see [`FileContext::in_tasks`]).
#[derive(Clone, Copy)]
struct Parts<'a> {
    source: &'a SourceFile,
    ruleset: &'a Ruleset,
    facts: &'a FileFacts,
    analysis: Option<(&'a Analysis<'a>, &'a OnceLock<DeadRules>)>,
}

impl<'a> Parts<'a> {
    fn context(self) -> FileContext<'a> {
        FileContext {
            source: self.source,
            ruleset: self.ruleset,
            facts: self.facts,
            current: super::ALL[0].meta(),
            diagnostics: Vec::new(),
            replaced: Vec::new(),
            graphs: HashMap::new(),
            analysis: OnceCell::new(),
            lent_analysis: self.analysis.map(|(analysis, _)| analysis),
            dead_rules: match self.analysis {
                Some((_, dead_rules)) => Lent::Lent(dead_rules),
                None => Lent::Own(OnceLock::new()),
            },
        }
    }
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
            lent_analysis: None,
            dead_rules: Lent::Own(OnceLock::new()),
        }
    }

    /// Gives the context an analysis built beforehand (in parallel with
    /// the lints that need none).
    pub fn set_analysis(&mut self, analysis: Analysis<'a>) {
        self.analysis = OnceCell::from(analysis);
        self.lent_analysis = None;
    }

    /// The packet-flow analysis of the file: the one given with
    /// [`FileContext::set_analysis`], or computed the first time a lint
    /// asks for it.
    pub fn analysis(&self) -> &Analysis<'a> {
        if let Some(analysis) = self.lent_analysis {
            return analysis;
        }
        self.analysis.get_or_init(|| {
            let host = Host::new(self.ruleset, &self.facts.host);
            Analysis::new(self.ruleset, host)
        })
    }

    /// Runs `work` on each of `items`, and keeps what it reports in the
    /// order of `items`, as if run one after another on this context.
    ///
    /// On a large file the items are shared out between threads, each
    /// with a context of its own: the lints' findings on 100,000 rules
    /// take about as long as the analysis. What a lint reports does not
    /// depend on the items around it, so each lint reports the same
    /// findings in the same order either way.
    ///
    /// `analysed` says whether `work` reads the analysis. When it does not
    /// (the lints that run beside the analysis), the items are rayon's
    /// tasks: a thread takes them when the analysis leaves it idle, and
    /// the analysis' tasks go on when they are done. When it does, the
    /// analysis is built first and lent to plain threads, not to rayon's
    /// tasks: a task that waits for a lazily computed part of the analysis
    /// (a `OnceLock`) must not be the thread computing it, which rayon's
    /// work stealing allows.
    pub(super) fn in_tasks<T: Sync>(
        &mut self,
        items: &[T],
        analysed: bool,
        work: impl Fn(&mut FileContext<'_>, &T) + Sync,
    ) {
        let threads = rayon::current_num_threads().min(items.len());
        if threads < 2 || self.ruleset.rule_count() < PARALLEL_RULES {
            for item in items {
                work(self, item);
            }
            return;
        }
        let parts = Parts {
            source: self.source,
            ruleset: self.ruleset,
            facts: self.facts,
            analysis: analysed.then(|| (self.analysis(), &*self.dead_rules)),
        };
        // What one item reported, taken out of the context that ran it.
        let run = |cx: &mut FileContext<'_>, item: &T| {
            work(cx, item);
            (
                std::mem::take(&mut cx.diagnostics),
                std::mem::take(&mut cx.replaced),
            )
        };
        let found: Vec<Found> = if analysed {
            in_threads(items, threads, || parts.context(), run)
        } else {
            items
                .par_iter()
                .map_init(|| parts.context(), |cx, item| run(cx, item))
                .collect()
        };
        for (diagnostics, replaced) in found {
            self.diagnostics.extend(diagnostics);
            self.replaced.extend(replaced);
        }
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
