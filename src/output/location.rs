//! Where a file is, as the machine formats name it: relative to the root of
//! the run (the current directory) when the file lies inside it, with `/`
//! separators and no `./`; otherwise absolute. GitHub attaches annotations
//! and code-scanning alerts only to repository-relative paths, and
//! fingerprints must not change with the way a path was typed.
//!
//! Paths are resolved lexically (`a/../b` is `b`); symbolic links are not
//! followed, since the file may be standard input or no longer exist. This
//! module knows nothing of diagnostics.

use std::path::{Component, Path, PathBuf};

/// `name` (a source name as fwlint shows it) relative to `root`, when it
/// lies inside `root`; `None` when it lies outside or there is no root.
#[must_use]
pub fn relative_to(name: &str, root: Option<&Path>) -> Option<String> {
    let root = normalize(root?);
    let absolute = absolute(name, &root);
    let inside = absolute.strip_prefix(&root).ok()?;
    let parts: Vec<String> = inside
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The path a report names `name` by: relative to `root` when inside it,
/// otherwise as given (an absolute path, or `-` for standard input).
#[must_use]
pub fn report_path(name: &str, root: Option<&Path>) -> String {
    relative_to(name, root).unwrap_or_else(|| name.to_string())
}

/// `name` made absolute against `root` and resolved lexically, with `/`
/// separators; `None` when there is no root to resolve a relative name
/// against.
#[must_use]
pub fn absolute_path(name: &str, root: Option<&Path>) -> Option<String> {
    let path = Path::new(name);
    let absolute = if path.has_root() {
        normalize(path)
    } else {
        absolute(name, &normalize(root?))
    };
    Some(absolute.to_string_lossy().replace('\\', "/"))
}

fn absolute(name: &str, root: &Path) -> PathBuf {
    let path = Path::new(name);
    if path.has_root() {
        normalize(path)
    } else {
        normalize(&root.join(path))
    }
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut normal = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                normal.pop();
            }
            other => normal.push(other.as_os_str()),
        }
    }
    normal
}

/// Percent-encodes a `/`-separated path for a URI: every byte but the
/// unreserved characters of RFC 3986 and `/`. A `:` in a relative path
/// would otherwise read as a scheme, and a space makes the URI invalid.
#[must_use]
pub fn encode_uri_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// A `file://` URI for an absolute `/`-separated path.
#[must_use]
pub fn file_uri(absolute: &str) -> String {
    let path = encode_uri_path(absolute);
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        // A Windows drive path (`C:/...`) still needs the empty authority.
        format!("file:///{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROOT: &str = "/work/repo";

    fn root() -> Option<&'static Path> {
        Some(Path::new(ROOT))
    }

    #[test]
    fn paths_inside_the_root_become_relative() {
        assert_eq!(report_path("rules.v4", root()), "rules.v4");
        assert_eq!(report_path("./etc/rules.v4", root()), "etc/rules.v4");
        assert_eq!(
            report_path("/work/repo/etc/rules.v4", root()),
            "etc/rules.v4"
        );
        assert_eq!(report_path("etc/../rules.v6", root()), "rules.v6");
        assert_eq!(report_path("/work/repo/./a/b.rules", root()), "a/b.rules");
    }

    #[test]
    fn paths_outside_the_root_stay_as_given() {
        assert_eq!(
            report_path("/etc/iptables/rules.v4", root()),
            "/etc/iptables/rules.v4"
        );
        assert_eq!(relative_to("../other/rules.v4", root()), None);
        assert_eq!(relative_to("/work/repository/rules.v4", root()), None);
        assert_eq!(report_path("rules.v4", None), "rules.v4");
    }

    #[test]
    fn absolute_paths_resolve_against_the_root() {
        assert_eq!(
            absolute_path("../other/rules.v4", root()).as_deref(),
            Some("/work/other/rules.v4")
        );
        assert_eq!(
            absolute_path("/etc/./iptables/rules.v4", None).as_deref(),
            Some("/etc/iptables/rules.v4")
        );
        assert_eq!(absolute_path("rules.v4", None), None);
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(encode_uri_path("etc/my rules.v4"), "etc/my%20rules.v4");
        assert_eq!(encode_uri_path("a:b/c%d"), "a%3Ab/c%25d");
        assert_eq!(encode_uri_path("règles.v4"), "r%C3%A8gles.v4");
        assert_eq!(
            file_uri("/etc/iptables/rules.v4"),
            "file:///etc/iptables/rules.v4"
        );
        assert_eq!(file_uri("C:/fw/rules.v4"), "file:///C%3A/fw/rules.v4");
    }
}
