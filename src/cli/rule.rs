//! `fwlint rule`: the documentation of a code, or the list of all codes.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostics::LintMeta;
use crate::registry;

#[derive(Serialize)]
struct RuleJson<'a> {
    code: &'a str,
    name: &'a str,
    category: &'a str,
    severity: &'a str,
    summary: &'a str,
    explanation: String,
}

fn json_of(meta: &'static LintMeta) -> RuleJson<'static> {
    RuleJson {
        code: meta.code,
        name: meta.name,
        category: meta.category.as_str(),
        severity: meta.default_severity().as_str(),
        summary: meta.summary,
        explanation: meta.documentation().trim_end().to_string(),
    }
}

/// Prints the documentation of `key` (a code or a name); `Ok(false)` when
/// there is no such code.
pub fn show(key: &str, json: bool, out: &mut dyn Write) -> io::Result<bool> {
    let Some(meta) = registry::find(key) else {
        return Ok(false);
    };
    if json {
        serde_json::to_writer_pretty(&mut *out, &json_of(meta))?;
        writeln!(out)?;
    } else {
        writeln!(out, "# {} {}", meta.code, meta.name)?;
        writeln!(out)?;
        writeln!(
            out,
            "{} (category {}, default severity {})",
            meta.summary,
            meta.category.as_str(),
            meta.default_severity()
        )?;
        writeln!(out)?;
        write!(out, "{}", meta.documentation())?;
    }
    Ok(true)
}

/// Lists every code.
pub fn list(json: bool, out: &mut dyn Write) -> io::Result<()> {
    let metas = registry::all();
    if json {
        let entries: Vec<RuleJson<'_>> = metas.into_iter().map(json_of).collect();
        serde_json::to_writer_pretty(&mut *out, &entries)?;
        return writeln!(out);
    }
    let width = metas.iter().map(|meta| meta.name.len()).max().unwrap_or(0);
    for meta in metas {
        writeln!(
            out,
            "{}  {:width$}  {:11}  {:7}  {}",
            meta.code,
            meta.name,
            meta.category.as_str(),
            meta.default_severity().as_str(),
            meta.summary
        )?;
    }
    Ok(())
}

/// Names close to `key`, for a helpful "no such code" message.
#[must_use]
pub fn suggestions(key: &str) -> Vec<&'static str> {
    registry::all()
        .into_iter()
        .filter(|meta| meta.name.contains(key) || key.contains(meta.name))
        .map(|meta| meta.name)
        .collect()
}
