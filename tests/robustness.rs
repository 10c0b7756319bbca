//! What fwlint promises about bad input, checked without libFuzzer: every
//! fuzz seed and regression input runs through the whole pipeline (the code
//! of `fuzz/src/lib.rs`, which also checks every span), every span of every
//! corpus file lies on the line it names, the output does not depend on the
//! number of threads, and fwlint neither executes anything nor touches the
//! network, whatever the input says.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use fwlint::engine::{self, Input, Settings};
use fwlint::source::SourceFile;

use crate::support;

use crate::fuzz_harness as harness;

/// Seeds larger than this are left out of the smoke run, as `fuzz/seed.sh`
/// leaves them out of the fuzz corpora.
const MAX_SEED_BYTES: u64 = 65_536;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `root`, sorted, so that runs and failures repeat.
fn files_under(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(path) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&path) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// The files of the shared corpus that are rule files (not its manifest).
fn corpus_files() -> Option<Vec<PathBuf>> {
    let corpus = support::corpus()?;
    Some(
        files_under(&corpus)
            .into_iter()
            .filter(|path| {
                !matches!(
                    path.file_name().and_then(|name| name.to_str()),
                    Some("MANIFEST.tsv" | "README.md")
                )
            })
            .collect(),
    )
}

/// The inputs `fuzz/seed.sh` seeds the fuzzers with, plus the regression
/// inputs: the repository's fixtures and examples, and the small files of
/// the shared corpus when it is there.
fn seed_files() -> Vec<PathBuf> {
    let mut seeds: Vec<PathBuf> = [
        manifest_dir().join("tests/fixtures"),
        manifest_dir().join("examples"),
    ]
    .iter()
    .flat_map(|root| files_under(root))
    .filter(|path| {
        !matches!(
            path.extension().and_then(|extension| extension.to_str()),
            Some("snap" | "toml")
        ) && path.file_name().and_then(|name| name.to_str()) != Some("README.md")
    })
    .collect();
    if let Some(corpus) = corpus_files() {
        seeds.extend(corpus.into_iter().filter(|path| {
            std::fs::metadata(path).is_ok_and(|metadata| metadata.len() <= MAX_SEED_BYTES)
        }));
    } else {
        support::skip(
            "fuzz seeds from the shared corpus",
            "../shared/corpus is missing; only the repository's fixtures run",
        );
    }
    seeds
}

fn regression_inputs() -> Vec<PathBuf> {
    files_under(&manifest_dir().join("tests/fixtures/regressions"))
        .into_iter()
        .filter(|path| path.extension().is_none_or(|extension| extension != "md"))
        .collect()
}

/// Each input that once crashed fwlint or gave a wrong span (found by the
/// fuzzers; see `tests/fixtures/regressions/README.md`) now runs through
/// the reader and the whole pipeline, every format written, spans sane.
#[test]
fn regression_inputs_run_through_the_whole_pipeline() {
    let inputs = regression_inputs();
    for path in &inputs {
        let bytes = std::fs::read(path).expect("regression input is readable");
        let outcome = std::panic::catch_unwind(|| {
            harness::read(&bytes);
            harness::pipeline(&bytes)
        });
        let outputs = outcome.unwrap_or_else(|_| panic!("{} crashes fwlint again", path.display()));
        assert!(
            outputs.iter().all(|(_, bytes)| !bytes.is_empty()),
            "{}: a format wrote nothing",
            path.display()
        );
    }
    eprintln!(
        "{} regression inputs ran through the pipeline",
        inputs.len()
    );
}

/// The fuzz targets' code over every seed, so that CI (stable Rust, no
/// libFuzzer) runs what the fuzzers start from.
#[test]
fn fuzz_seeds_run_through_the_reader_and_the_whole_pipeline() {
    let seeds = seed_files();
    assert!(
        seeds.len() >= 20,
        "the repository's fixtures alone give more than 20 seeds"
    );
    for path in &seeds {
        let bytes = std::fs::read(path).expect("seed is readable");
        harness::read(&bytes);
        let outputs = harness::pipeline(&bytes);
        assert_eq!(outputs.len(), harness::FORMATS.len(), "{}", path.display());
        // The settings byte reaches `--fragment` and a forced family: the
        // same text read each way must hold the same promises.
        for flags in [0xF9u8, 0xFA, 0xFC] {
            let mut flagged = vec![flags];
            flagged.extend_from_slice(&bytes);
            harness::pipeline(&flagged);
        }
    }
    eprintln!("{} fuzz seeds ran through the pipeline", seeds.len());
}

/// Every primary span and label of every finding on every corpus file, read
/// together as one run (so that IPv4/IPv6 pairs point into each other),
/// lies inside its file, on character boundaries, on the line it names.
#[test]
fn every_corpus_span_lies_on_the_line_it_names() {
    let Some(files) = corpus_files() else {
        support::skip(
            "every_corpus_span_lies_on_the_line_it_names",
            "../shared/corpus is missing",
        );
        return;
    };
    let inputs: Vec<Input> = files
        .iter()
        .map(|path| Input::Stdin {
            name: engine::display(path),
            text: engine::decode(std::fs::read(path).expect("corpus file is readable")),
        })
        .collect();
    let reports = engine::check_inputs_text(inputs, &Settings::default());
    let sources: BTreeMap<&str, &SourceFile> = reports
        .iter()
        .map(|report| (report.source.name(), &report.source))
        .collect();
    let mut spans = 0usize;
    let mut cross_file = 0usize;
    for report in &reports {
        harness::check_spans(&report.source, &report.diagnostics)
            .unwrap_or_else(|problem| panic!("{problem}"));
        for diagnostic in &report.diagnostics {
            spans += 1 + diagnostic.labels.len();
            for label in &diagnostic.labels {
                let Some(path) = &label.path else { continue };
                let other = sources
                    .get(path.as_str())
                    .unwrap_or_else(|| panic!("label points into {path}, not part of the run"));
                let mut pointing = diagnostic.clone();
                pointing.span = label.span;
                pointing.labels.clear();
                harness::check_spans(other, &[pointing]).unwrap_or_else(|problem| {
                    panic!("label of {}: {problem}", report.source.name())
                });
                cross_file += 1;
            }
        }
    }
    assert!(
        spans > 1000,
        "the corpus gives thousands of findings, got {spans}"
    );
    eprintln!(
        "{} corpus files: {spans} spans on their lines ({cross_file} into another file)",
        reports.len()
    );
}

fn run_fwlint(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fwlint"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("FORCE_COLOR")
        .stdin(Stdio::null());
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("fwlint runs")
}

/// A mixed set of files for the determinism test: every fixture, and every
/// twentieth corpus file (IPv4 and IPv6, small and large, loadable or not).
fn mixed_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = files_under(&manifest_dir().join("tests/fixtures/lints"))
        .into_iter()
        .filter(|path| {
            path.extension()
                .is_some_and(|extension| extension == "rules")
        })
        .collect();
    if let Some(corpus) = corpus_files() {
        files.extend(corpus.into_iter().step_by(20));
    }
    files
}

/// The same files give the same bytes in every format whether rayon runs
/// on one thread, two or eight.
#[test]
fn output_is_the_same_whatever_the_number_of_threads() {
    let files = mixed_files();
    let dir = manifest_dir();
    let paths: Vec<String> = files
        .iter()
        .map(|path| path.to_string_lossy().into_owned())
        .collect();
    for format in ["full", "concise", "json", "sarif", "github"] {
        let mut outputs: Vec<(String, Output)> = Vec::new();
        for threads in ["1", "2", "8"] {
            let mut args = vec!["--format", format, "--color", "never"];
            args.extend(paths.iter().map(String::as_str));
            let output = run_fwlint(&args, &[("RAYON_NUM_THREADS", threads)], &dir);
            assert!(
                matches!(output.status.code(), Some(0 | 1)),
                "--format {format} with {threads} threads: {:?}\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            outputs.push((threads.to_string(), output));
        }
        let (_, first) = &outputs[0];
        assert!(first.stdout.len() > 1000, "--format {format} wrote little");
        for (threads, output) in &outputs[1..] {
            assert!(
                output.stdout == first.stdout && output.status == first.status,
                "--format {format}: {threads} threads wrote other bytes than 1 thread"
            );
        }
    }
    eprintln!(
        "{} files: same bytes with 1, 2 and 8 threads in 5 formats",
        files.len()
    );
}

/// Source text without its comments, so that a doc comment that names
/// `getaddrinfo` (to say what fwlint imitates) is not mistaken for a call.
fn code_only(text: &str) -> String {
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Does `code` use `name`, not merely as the end of a longer identifier
/// (a test called `addresses_follow_getaddrinfo()` calls no resolver)?
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(at, _)| {
        !code[..at]
            .chars()
            .next_back()
            .is_some_and(|before| before.is_alphanumeric() || before == '_')
    })
}

/// fwlint reads rule files; nothing in it may run a program, open a socket
/// or ask a resolver, and no dependency may bring a network stack.
#[test]
fn the_source_neither_executes_nor_touches_the_network() {
    // `values::lookup_host` is fwlint's own numeric reader, named after the
    // iptables function it imitates; the resolvers are the `net::` ones.
    const FORBIDDEN: [&str; 14] = [
        "std::process::Command",
        "process::Command",
        "Command::new",
        "std::os::unix::process",
        "TcpStream",
        "TcpListener",
        "UdpSocket",
        "UnixStream",
        "ToSocketAddrs",
        "to_socket_addrs",
        "net::lookup_host",
        "getaddrinfo(",
        "gethostbyname",
        "extern \"C\"",
    ];
    let mut scanned = 0;
    for path in files_under(&manifest_dir().join("src")) {
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("source is readable");
        let code = code_only(&text);
        for forbidden in FORBIDDEN {
            assert!(
                !mentions(&code, forbidden),
                "{} uses `{forbidden}`: fwlint must never execute or reach the network",
                path.display()
            );
        }
        scanned += 1;
    }
    assert!(
        scanned > 50,
        "src/ has more than 50 files, scanned {scanned}"
    );

    // Without unsafe code there is no FFI call to a resolver either: the
    // library forbids it, the package denies it, and the one exception is
    // the binary setting an option of its allocator.
    let manifest: toml::Table = std::fs::read_to_string(manifest_dir().join("Cargo.toml"))
        .expect("Cargo.toml is readable")
        .parse()
        .expect("Cargo.toml is TOML");
    assert!(
        matches!(
            manifest["lints"]["rust"]["unsafe_code"].as_str(),
            Some("deny" | "forbid")
        ),
        "Cargo.toml keeps unsafe code denied"
    );
    let library = std::fs::read_to_string(manifest_dir().join("src/lib.rs")).expect("lib.rs");
    assert!(
        code_only(&library).contains("#![forbid(unsafe_code)]"),
        "the library forbids unsafe code"
    );
    for path in files_under(&manifest_dir().join("src")) {
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let code = code_only(&std::fs::read_to_string(&path).expect("source is readable"));
        if !["unsafe {", "unsafe fn", "unsafe impl", "unsafe extern"]
            .iter()
            .any(|form| mentions(&code, form))
        {
            continue;
        }
        assert!(
            path.ends_with("src/main.rs"),
            "{} uses unsafe code: only src/main.rs may, to set an allocator option",
            path.display()
        );
        let calls: Vec<&str> = code
            .match_indices("libmimalloc_sys::")
            .map(|(at, _)| {
                let name = &code[at + "libmimalloc_sys::".len()..];
                &name[..name
                    .find(|c: char| !c.is_alphanumeric() && c != '_')
                    .unwrap_or(name.len())]
            })
            .collect();
        assert!(
            !calls.is_empty()
                && calls
                    .iter()
                    .all(|name| matches!(*name, "mi_option_get" | "mi_option_set" | "mi_option_t")),
            "src/main.rs calls only mimalloc's option functions, found {calls:?}"
        );
    }

    let reached = runtime_dependencies(&manifest);
    const NETWORK_CRATES: [&str; 20] = [
        "reqwest",
        "hyper",
        "ureq",
        "native-tls",
        "rustls",
        "openssl",
        "openssl-sys",
        "curl",
        "curl-sys",
        "isahc",
        "attohttpc",
        "minreq",
        "surf",
        "h2",
        "tokio",
        "async-std",
        "mio",
        "socket2",
        "trust-dns-resolver",
        "hickory-resolver",
    ];
    for name in NETWORK_CRATES {
        assert!(
            !reached.contains(name),
            "the dependency `{name}` brings a network stack into fwlint"
        );
    }
    assert!(reached.contains("rayon") && reached.contains("miette"));
}

/// The crates fwlint's own `[dependencies]` pull in, transitively, as
/// `Cargo.lock` records them (dev-dependencies left out: the binary never
/// links them).
fn runtime_dependencies(manifest: &toml::Table) -> BTreeSet<String> {
    let lock: toml::Table = std::fs::read_to_string(manifest_dir().join("Cargo.lock"))
        .expect("Cargo.lock is readable")
        .parse()
        .expect("Cargo.lock is TOML");
    let mut edges: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for package in lock["package"].as_array().expect("packages") {
        let name = package["name"].as_str().expect("name").to_string();
        let dependencies: Vec<String> = package
            .get("dependencies")
            .and_then(|list| list.as_array())
            .map(|list| {
                list.iter()
                    .filter_map(|dependency| dependency.as_str())
                    // "name version" when several versions are locked.
                    .map(|dependency| {
                        dependency
                            .split(' ')
                            .next()
                            .unwrap_or(dependency)
                            .to_string()
                    })
                    .collect()
            })
            .unwrap_or_default();
        edges.entry(name).or_default().extend(dependencies);
    }
    let mut reached = BTreeSet::new();
    let mut stack: Vec<String> = manifest["dependencies"]
        .as_table()
        .expect("[dependencies]")
        .keys()
        .cloned()
        .collect();
    while let Some(name) = stack.pop() {
        if reached.insert(name.clone()) {
            stack.extend(edges.get(&name).cloned().unwrap_or_default());
        }
    }
    reached
}

/// Rule files that name hosts, and options that name files anywhere: with
/// no network at all (a private network namespace) fwlint gives the same
/// answer as with one, and under strace it starts no program and opens no
/// socket.
#[test]
fn hostile_inputs_run_without_a_network_and_without_exec() {
    let dir = tempfile::tempdir().expect("temp dir");
    let rules = dir.path().join("hostile.rules");
    std::fs::write(
        &rules,
        "*filter\n:INPUT DROP [0:0]\n:FORWARD DROP [0:0]\n:OUTPUT ACCEPT [0:0]\n\
         -A INPUT -s evil.example.com -j ACCEPT\n\
         -A INPUT -d localhost -p tcp --dport 22 -j ACCEPT\n\
         -A INPUT -s 10.0.0.0/8,www.example.org -j ACCEPT\n\
         -A OUTPUT -d ::ffff:1.2.3.4 -j ACCEPT\n\
         COMMIT\n*mangle\n-A PREROUTING -j TEE --gateway gateway.example.net\nCOMMIT\n",
    )
    .expect("rules written");
    let rules = rules.to_string_lossy().into_owned();
    let cases: Vec<Vec<&str>> = vec![
        vec!["--format", "json", &rules],
        vec!["--format", "sarif", &rules],
        vec!["--format", "github", &rules],
        vec!["--format", "full", "--color", "never", &rules],
        // Paths that look like places on the network are only ever paths.
        vec![
            "--format",
            "json",
            "--baseline",
            "http://evil.example.com/baseline.json",
            &rules,
        ],
        vec!["--format", "json", "//evil.example.com/share/rules.v4"],
        vec!["--format", "json", "/dev/tcp/203.0.113.1/80"],
    ];
    let mut answers = Vec::new();
    for args in &cases {
        let output = run_fwlint(args, &[], dir.path());
        assert!(
            matches!(output.status.code(), Some(0..=2)),
            "{args:?}: {:?}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            !String::from_utf8_lossy(&output.stderr).contains("panicked"),
            "{args:?} panicked"
        );
        answers.push(output);
    }
    let first: serde_json::Value =
        serde_json::from_slice(&answers[0].stdout).expect("--format json prints JSON");
    assert!(
        first.to_string().contains("evil.example.com"),
        "the host name is reported, not resolved"
    );

    if !is_root() || !installed("unshare") {
        support::skip(
            "hostile_inputs_run_without_a_network_and_without_exec (network namespace)",
            "needs root and `unshare`",
        );
    } else {
        for (args, with_network) in cases.iter().zip(&answers) {
            let mut full = vec!["-n", env!("CARGO_BIN_EXE_fwlint")];
            full.extend(args.iter().copied());
            let output = Command::new("unshare")
                .args(&full)
                .current_dir(dir.path())
                .env_remove("GITHUB_ACTIONS")
                .env_remove("GITHUB_STEP_SUMMARY")
                .stdin(Stdio::null())
                .output()
                .expect("unshare runs");
            assert_eq!(output.status.code(), with_network.status.code(), "{args:?}");
            assert_eq!(
                output.stdout, with_network.stdout,
                "{args:?}: the answer changed without a network"
            );
        }
    }

    if !installed("strace") {
        support::skip(
            "hostile_inputs_run_without_a_network_and_without_exec (strace)",
            "`strace` is not installed (Debian package `strace`)",
        );
        return;
    }
    for args in &cases {
        let log = dir.path().join("strace.log");
        let mut full = vec![
            "-f",
            "-qq",
            "-e",
            "trace=execve,execveat,socket,connect",
            "-o",
        ];
        let log_text = log.to_string_lossy().into_owned();
        full.push(&log_text);
        full.push(env!("CARGO_BIN_EXE_fwlint"));
        full.extend(args.iter().copied());
        let output = Command::new("strace")
            .args(&full)
            .current_dir(dir.path())
            .env_remove("GITHUB_ACTIONS")
            .env_remove("GITHUB_STEP_SUMMARY")
            .stdin(Stdio::null())
            .output()
            .expect("strace runs");
        let trace = std::fs::read_to_string(&log).unwrap_or_default();
        if !output.status.success() && trace.is_empty() {
            support::skip(
                "hostile_inputs_run_without_a_network_and_without_exec (strace)",
                &format!(
                    "strace cannot trace here: {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            );
            return;
        }
        let calls: Vec<&str> = trace
            .lines()
            .filter(|line| !line.contains("+++") && !line.contains("---"))
            .collect();
        let execs = calls.iter().filter(|line| line.contains("execve")).count();
        assert_eq!(execs, 1, "{args:?}: fwlint started a program:\n{trace}");
        assert!(
            !calls
                .iter()
                .any(|line| line.contains("socket(") || line.contains("connect(")),
            "{args:?}: fwlint opened a socket:\n{trace}"
        );
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

fn installed(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}
