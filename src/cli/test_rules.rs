//! `fwlint test-rules`: runs the examples rule packs embed, and says for
//! each whether it passed. Without paths it tests the packs shipped with
//! fwlint. Exit codes: 0 when every example passes, 1 when one fails, 2
//! when a pack cannot be loaded.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use crate::packs::{self, Pack, PackError};

#[derive(Debug, Args)]
pub(super) struct TestRulesArgs {
    /// Pack files, or folders whose `*.toml` files are packs (default: the packs shipped with fwlint).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
}

fn load(args: &TestRulesArgs) -> Result<Vec<Pack>, PackError> {
    if args.paths.is_empty() {
        return packs::shipped();
    }
    let mut loaded = Vec::new();
    for path in &args.paths {
        if path.is_dir() {
            loaded.extend(packs::load_dir(path)?);
        } else {
            loaded.push(packs::load_file(path)?);
        }
    }
    Ok(loaded)
}

pub(super) fn run(args: &TestRulesArgs) -> io::Result<u8> {
    let packs = match load(args) {
        Ok(packs) => packs,
        Err(error) => {
            write!(io::stderr(), "{}", error.render(100))?;
            return Ok(2);
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if packs.is_empty() {
        writeln!(io::stderr(), "fwlint: error: no rule packs found")?;
        return Ok(2);
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for pack in &packs {
        writeln!(
            out,
            "{}: pack `{}`, {} rule{}",
            pack.origin,
            pack.name,
            pack.rules.len(),
            if pack.rules.len() == 1 { "" } else { "s" }
        )?;
        for outcome in packs::run_examples(pack) {
            let example = format!(
                "{} {} (line {})",
                outcome.code,
                outcome.kind.as_str(),
                outcome.line
            );
            match &outcome.failure {
                None => {
                    passed += 1;
                    writeln!(out, "  ok    {example}")?;
                }
                Some(why) => {
                    failed += 1;
                    writeln!(out, "  FAIL  {example}: {why}")?;
                }
            }
        }
    }
    writeln!(
        out,
        "{} example{}: {passed} passed, {failed} failed",
        passed + failed,
        if passed + failed == 1 { "" } else { "s" }
    )?;
    Ok(u8::from(failed > 0))
}
