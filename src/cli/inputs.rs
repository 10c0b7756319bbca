//! Which files a path on the command line stands for.

use std::io;
use std::path::{Path, PathBuf};

/// Is `name` the name of a rule file fwlint looks for in directories?
#[must_use]
pub fn is_rule_file_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".v4")
        || lower.ends_with(".v6")
        || lower.ends_with(".rules")
        || lower.starts_with("iptables")
        || lower.starts_with("ip6tables")
}

/// A file stands for itself; a directory for the rule files below it
/// (hidden directories skipped), in sorted order.
pub fn expand(path: &Path) -> io::Result<Vec<PathBuf>> {
    let metadata = std::fs::metadata(path)?;
    if !metadata.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut found = Vec::new();
    walk(path, &mut found, 0)?;
    found.sort();
    Ok(found)
}

fn walk(directory: &Path, found: &mut Vec<PathBuf>, depth: usize) -> io::Result<()> {
    // Symbolic link cycles end here at the latest.
    if depth > 32 {
        return Ok(());
    }
    for entry in std::fs::read_dir(directory)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        let file_type = std::fs::metadata(&path).map(|metadata| metadata.file_type());
        match file_type {
            Ok(kind) if kind.is_dir() => walk(&path, found, depth + 1)?,
            Ok(kind) if kind.is_file() && is_rule_file_name(&name) => found.push(path),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_file_names() {
        for name in [
            "rules.v4",
            "rules.v6",
            "router.rules",
            "iptables-save",
            "ip6tables.conf",
        ] {
            assert!(is_rule_file_name(name), "{name}");
        }
        for name in ["README.md", "fwlint.toml", "notes.txt"] {
            assert!(!is_rule_file_name(name), "{name}");
        }
    }
}
