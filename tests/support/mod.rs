//! Shared helpers of the integration tests: where the corpus is, whether
//! the real iptables and network namespaces are at hand, and running
//! fwlint's library on text.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

use fwlint::engine::{self, FileReport, Settings};
use fwlint::model::Family;
use fwlint::source::SourceFile;

/// `../shared/corpus`, beside the checkout, if it is there.
pub fn corpus() -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    path.join("MANIFEST.tsv").is_file().then_some(path)
}

/// Says why a test does nothing here. It writes to the process's stderr
/// directly, so that the message shows even though the test passes.
pub fn skip(test: &str, reason: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "SKIPPED {test}: {reason}");
}

/// Runs fwlint's reader and lints on `text` as the file `name`.
pub fn check(name: &str, text: &str, family: Option<Family>) -> FileReport {
    engine::check_source(
        SourceFile::new(name, text),
        &Settings {
            family,
            ..Settings::default()
        },
    )
}

/// Can this process make private network namespaces and run the legacy
/// iptables-restore in them?
pub fn live_iptables() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            install_iptables_if_missing();
            for program in [
                "iptables-legacy-restore",
                "ip6tables-legacy-restore",
                "unshare",
            ] {
                let found = Command::new("sh")
                    .args(["-c", &format!("command -v {program}")])
                    .stdout(Stdio::null())
                    .status()
                    .map(|status| status.success())
                    .unwrap_or(false);
                if !found {
                    return Err(format!(
                        "`{program}` is not installed (Debian package `iptables`)"
                    ));
                }
            }
            let status = Command::new("unshare")
                .args(["-n", "true"])
                .stderr(Stdio::null())
                .status()
                .map_err(|error| error.to_string())?;
            if !status.success() {
                return Err(
                    "`unshare -n` is not permitted here (needs root or user namespaces)".into(),
                );
            }
            Ok(())
        })
        .clone()
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .map(|status| status.success())
        .unwrap_or(false)
}

/// As root on Debian, installs the `iptables` package when it is missing,
/// so that the oracle can ask the real tool.
fn install_iptables_if_missing() {
    if installed("iptables-legacy-restore") || !installed("apt-get") {
        return;
    }
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    if !is_root {
        return;
    }
    eprintln!("installing the Debian package `iptables` for the oracle tests");
    let _ = Command::new("apt-get")
        .args(["install", "-y", "-qq", "iptables"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdout(Stdio::null())
        .status();
}

/// What the real iptables-restore (legacy) says of `text`, in a private
/// network namespace: first with `--test`, then loading it for real.
#[derive(Debug, Clone)]
pub struct LiveVerdict {
    pub test_ok: bool,
    pub load_ok: bool,
    pub stderr: String,
}

impl LiveVerdict {
    /// True when a failed load came from this machine's kernel (a module
    /// it does not have), not from the rules.
    pub fn environment_failure(&self) -> bool {
        !self.load_ok
            && (self.stderr.contains("missing kernel module")
                || self.stderr.contains("No such file or directory")
                || self.missing_set())
    }

    /// iptables looks sets up while it parses: a rule naming a set this
    /// machine does not have fails even with `--test`.
    pub fn missing_set(&self) -> bool {
        self.stderr.contains("Set ") && self.stderr.contains("doesn't exist")
    }
}

pub fn live_verdict(family: Family, text: &str) -> LiveVerdict {
    let program = match family {
        Family::V4 => "iptables-legacy-restore",
        Family::V6 => "ip6tables-legacy-restore",
    };
    let run = |test: bool| {
        let mut command = Command::new("unshare");
        command.args(["-n", program]);
        if test {
            command.arg("--test");
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("unshare runs");
        {
            use std::io::Write;
            let mut stdin = child.stdin.take().expect("piped");
            let _ = stdin.write_all(text.as_bytes());
        }
        let output = child.wait_with_output().expect("iptables-restore finishes");
        (
            output.status.success(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (test_ok, test_err) = run(true);
    let (load_ok, load_err) = if test_ok {
        run(false)
    } else {
        (false, String::new())
    };
    LiveVerdict {
        test_ok,
        load_ok,
        stderr: format!("{test_err}{load_err}"),
    }
}

/// Runs the fwlint binary in `dir` with `args`, outside any GitHub Actions
/// environment, with no standard input.
pub fn fwlint_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fwlint"))
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .stdin(Stdio::null())
        .output()
        .expect("fwlint runs")
}

/// The JSON fwlint wrote on standard output (the test fails with both
/// outputs when it is not JSON).
pub fn stdout_json(output: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "no JSON ({error}): {}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}
