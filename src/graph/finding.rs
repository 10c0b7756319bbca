//! What a finding highlights on the diagram: the rules, policies and
//! chains its primary span and its labels point at, with the finding's
//! message as the caption. It works the same for every code, since it reads
//! only the spans of the [`Diagnostic`].

use super::{Mark, Marks, Role};
use crate::diagnostics::Diagnostic;
use crate::model::Ruleset;
use crate::source::Span;

/// The marks of `diagnostic`, a finding of the file `ruleset` was read
/// from. Labels that point into another file are left out.
#[must_use]
pub fn marks(ruleset: &Ruleset, diagnostic: &Diagnostic) -> Marks {
    let mut places = Vec::new();
    let primary_note = diagnostic
        .label
        .as_deref()
        .map_or_else(|| format!("{} is here", diagnostic.code), str::to_string);
    places.extend(
        places_at(ruleset, diagnostic.span)
            .into_iter()
            .map(|(table, chain, rule)| Mark {
                table,
                chain,
                rule,
                role: Role::Finding,
                note: Some(primary_note.clone()),
            }),
    );
    for label in diagnostic
        .labels
        .iter()
        .filter(|label| label.path.is_none())
    {
        for (table, chain, rule) in places_at(ruleset, label.span) {
            places.push(Mark {
                table,
                chain,
                rule,
                role: Role::Related,
                note: Some(label.message.to_string()),
            });
        }
    }
    Marks {
        caption: Some(format!(
            "{} {}: {}",
            diagnostic.code, diagnostic.name, diagnostic.message
        )),
        places,
        ..Marks::default()
    }
}

/// The rules, policies and chain declarations `span` falls in.
fn places_at(
    ruleset: &Ruleset,
    span: Span,
) -> Vec<(crate::model::TableKind, String, Option<usize>)> {
    let inside = |outer: Span| {
        outer.start <= span.start && (span.start < outer.end || outer.start == span.start)
    };
    let mut found = Vec::new();
    for table in &ruleset.tables {
        for chain in &table.chains {
            for (index, rule) in chain.rules.iter().enumerate() {
                if inside(rule.span) {
                    found.push((table.kind, chain.name.clone(), Some(index)));
                }
            }
            let policy = chain.policy.as_ref().and_then(|policy| policy.span);
            if policy.is_some_and(inside) || chain.declared.is_some_and(inside) {
                found.push((table.kind, chain.name.clone(), None));
            }
        }
    }
    found.dedup();
    found
}
