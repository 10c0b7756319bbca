//! How long fwlint takes, phase by phase, on the largest real rule files
//! and on generated rulesets of every shape and size.
//!
//! `cargo bench --bench scale` measures each file: reading (text to
//! model), the packet-flow analysis alone (wall time, and the CPU time of
//! all its threads, which a busy machine does not inflate), and the whole check
//! of one file as the engine runs it (reading, every lint, sorting). Each
//! figure is the median of several runs. Arguments filter the files by name (`cargo bench
//! --bench scale -- kube`); `FWLINT_BENCH_SIZES` (default `1000,10000,100000`)
//! chooses the generated sizes, so `FWLINT_BENCH_SIZES=1000000` adds the
//! million-rule files. The rulesets are generated into `target/bench-rulesets`
//! by `../shared/tools/gen-ruleset.py`; the real files come from
//! `../shared/corpus`. Either missing is said and skipped.
//!
//! Under `cargo test` (no `--bench` argument) it only checks that a small
//! generated ruleset reads and analyses, so the suite stays fast.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fwlint::analysis::{Analysis, Host, HostProfile};
use fwlint::engine::{self, Settings};
use fwlint::parser::{self, ReadOptions};
use fwlint::source::SourceFile;

const SHAPES: [&str; 3] = ["mixed", "blocklist", "kube"];

/// The largest real files of the corpus: the TUM dumps (IPv4 and IPv6).
const CORPUS: [&str; 3] = [
    "net-network/configs_chair_for_Network_Architectures_and_Services/iptables-save-2016-06-27_16-29-01",
    "net-network/configs_chair_for_Network_Architectures_and_Services/iptables-save-2015-09-03_15-56-50",
    "net-network/configs_chair_for_Network_Architectures_and_Services/ip6tables-save-2016-06-27_16-29-01",
];

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let benchmarking = args.iter().any(|arg| arg == "--bench");
    let filters: Vec<&str> = args
        .iter()
        .filter(|arg| !arg.starts_with('-'))
        .map(String::as_str)
        .collect();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let shared = root.join("../shared");
    let out = root.join("target/bench-rulesets");
    if !benchmarking {
        smoke(&shared, &out);
        return;
    }
    let sizes: Vec<usize> = std::env::var("FWLINT_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,100000".into())
        .split(',')
        .filter_map(|size| size.trim().parse().ok())
        .collect();
    let mut files: Vec<PathBuf> = Vec::new();
    for path in CORPUS {
        let file = shared.join("corpus").join(path);
        if file.exists() {
            files.push(file);
        } else {
            eprintln!("skipping {path}: ../shared/corpus is missing");
        }
    }
    for &size in &sizes {
        for shape in SHAPES {
            for family in [4, 6] {
                if let Some(file) = generate(&shared, &out, shape, family, size) {
                    files.push(file);
                }
            }
        }
    }
    println!(
        "{:<44} {:>8} {:>10} {:>10} {:>13} {:>10}",
        "file", "rules", "read", "analysis", "analysis CPU", "check"
    );
    for file in files {
        let name = file
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if !filters.is_empty() && !filters.iter().any(|filter| name.contains(filter)) {
            continue;
        }
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        let source = SourceFile::new(name.clone(), engine::decode(bytes));
        let options = ReadOptions::default();
        let read = parser::read(&source, &options);
        let rules = read.ruleset.rule_count();
        let read_time = median(|| drop(parser::read(&source, &options)));
        let analysis_time = median(|| {
            let host = Host::new(&read.ruleset, &HostProfile::default());
            drop(Analysis::new(&read.ruleset, host));
        });
        // The CPU time of every thread of the process (the analysis runs
        // tables and chains in parallel): what it costs, however busy the
        // machine is.
        let analysis_cpu = median_cpu(|| {
            let host = Host::new(&read.ruleset, &HostProfile::default());
            drop(Analysis::new(&read.ruleset, host));
        });
        let settings = Settings::default();
        let check_time = median(|| drop(engine::check_source(source.clone(), &settings)));
        println!(
            "{name:<44} {rules:>8} {:>10} {:>10} {:>13} {:>10}",
            show(read_time),
            show(analysis_time),
            analysis_cpu.map_or_else(|| "-".to_string(), show),
            show(check_time)
        );
    }
}

/// The median of a few runs of `work`: at least three, more while the
/// total stays under two seconds, at most eleven.
fn median(mut work: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    let started = Instant::now();
    while times.len() < 3 || (times.len() < 11 && started.elapsed() < Duration::from_secs(2)) {
        let run = Instant::now();
        work();
        times.push(run.elapsed());
    }
    times.sort();
    times[times.len() / 2]
}

/// The median CPU time of the process over a few runs of `work`, where
/// Linux tells it (`/proc/self/task/*/schedstat`, in nanoseconds).
fn median_cpu(mut work: impl FnMut()) -> Option<Duration> {
    let mut times = Vec::new();
    for _ in 0..5 {
        let before = process_cpu()?;
        work();
        times.push(process_cpu()?.saturating_sub(before));
    }
    times.sort();
    Some(times[times.len() / 2])
}

/// The CPU time of all threads of the process so far.
fn process_cpu() -> Option<Duration> {
    let mut nanoseconds: u64 = 0;
    for task in std::fs::read_dir("/proc/self/task").ok()? {
        let text = std::fs::read_to_string(task.ok()?.path().join("schedstat")).ok()?;
        nanoseconds += text.split_whitespace().next()?.parse::<u64>().ok()?;
    }
    Some(Duration::from_nanos(nanoseconds))
}

fn show(time: Duration) -> String {
    let ms = time.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2} ms")
    } else {
        format!("{ms:.0} ms")
    }
}

/// Generates (once) a ruleset of `size` rules, or says why it cannot.
fn generate(shared: &Path, out: &Path, shape: &str, family: u8, size: usize) -> Option<PathBuf> {
    let file = out.join(format!("{shape}-{size}-v{family}.rules"));
    if file.exists() {
        return Some(file);
    }
    let tool = shared.join("tools/gen-ruleset.py");
    if !tool.exists() {
        eprintln!("skipping generated rulesets: ../shared/tools/gen-ruleset.py is missing");
        return None;
    }
    std::fs::create_dir_all(out).ok()?;
    let output = Command::new("python3")
        .arg(&tool)
        .args(["--rules", &size.to_string(), "--shape", shape, "--family"])
        .arg(family.to_string())
        .output();
    match output {
        Ok(output) if output.status.success() => {
            std::fs::write(&file, output.stdout).ok()?;
            Some(file)
        }
        _ => {
            eprintln!("skipping {}: gen-ruleset.py failed", file.display());
            None
        }
    }
}

/// Under `cargo test`: one small generated ruleset of each shape reads
/// without errors and its analysis runs.
fn smoke(shared: &Path, out: &Path) {
    for shape in SHAPES {
        let Some(file) = generate(shared, out, shape, 4, 1000) else {
            return;
        };
        let text = std::fs::read_to_string(&file).expect("generated ruleset is readable");
        let source = SourceFile::new(shape, text);
        let read = parser::read(&source, &ReadOptions::default());
        assert!(read.loadable, "the generated {shape} ruleset loads");
        assert!(read.ruleset.rule_count() >= 900, "{shape} has its rules");
        let host = Host::new(&read.ruleset, &HostProfile::default());
        let analysis = Analysis::new(&read.ruleset, host);
        assert_eq!(analysis.tables.len(), read.ruleset.tables.len());
    }
}
