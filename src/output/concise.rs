//! `--format concise`: one line per finding,
//! `path:line:col: severity[code/name] message`, for editors and grep.

use std::io::{self, Write};

use super::Run;

pub fn write(run: &Run<'_>, out: &mut dyn Write) -> io::Result<()> {
    for file in run.files {
        for diagnostic in file.diagnostics.iter().filter(|d| !d.suppressed) {
            let (line, column, _, _) = super::position(file.source, diagnostic.span);
            writeln!(
                out,
                "{}:{line}:{column}: {}[{}/{}] {}",
                file.source.name(),
                diagnostic.severity,
                diagnostic.code,
                diagnostic.name,
                diagnostic.message
            )?;
        }
    }
    Ok(())
}
