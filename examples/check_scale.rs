//! Prints the wall time and peak memory of scan + check on generated monorepos of growing size,
//! to show the cost is linear in the number of files: `cargo run --release --example check_scale`.

#[path = "../tests/support/synthetic.rs"]
#[allow(dead_code)] // the rain variant is for the check benchmark
mod synthetic;

use std::time::Instant;

use regship::checks::check_workspace;
use regship::workspace::Workspace;

/// Peak resident set size of this process in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn count_files(dir: &std::path::Path) -> usize {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|entry| {
                    if entry.path().is_dir() {
                        count_files(&entry.path())
                    } else {
                        1
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}

fn main() {
    println!(
        "{:>10} {:>8} {:>12} {:>12} {:>10} {:>14}",
        "extensions", "files", "findings", "median ms", "us/file", "peak RSS MiB"
    );
    for count in [250, 500, 1_000, 2_000] {
        let dir = tempfile::tempdir().expect("temp dir");
        synthetic::build(dir.path(), count);
        let files = count_files(dir.path());
        let mut times = Vec::new();
        let mut findings = 0;
        for _ in 0..7 {
            let start = Instant::now();
            findings = check_workspace(&Workspace::load(dir.path())).len();
            times.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        times.sort_by(f64::total_cmp);
        let median = times[times.len() / 2];
        println!(
            "{count:>10} {files:>8} {findings:>12} {median:>12.1} {:>10.1} {:>14.1}",
            median * 1000.0 / files as f64,
            peak_rss_mib().unwrap_or(f64::NAN)
        );
    }
}
