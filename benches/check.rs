//! Scan + check of a generated 1,000-extension monorepo (target: under 1 s on 2 cores).

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use regship::checks::check_workspace;
use regship::workspace::Workspace;

fn scan_and_check(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    synthetic::build(dir.path(), 1_000);
    let mut group = c.benchmark_group("workspace");
    group.sample_size(20);
    group.bench_function("load 1000 extensions", |b| {
        b.iter(|| Workspace::load(dir.path()))
    });
    group.bench_function("load + check 1000 extensions", |b| {
        b.iter(|| check_workspace(&Workspace::load(dir.path())))
    });
    let workspace = Workspace::load(dir.path());
    group.bench_function("check 1000 loaded extensions", |b| {
        b.iter(|| check_workspace(&workspace))
    });
    // The same monorepo with rain directives in every (larger) setup template, and with those
    // templates without the directives: what the directives cost (target: within 10 %).
    for (directives, name) in [
        (
            false,
            "load + check 1000 extensions, larger setup templates",
        ),
        (
            true,
            "load + check 1000 extensions, the same with rain directives",
        ),
    ] {
        let rain = tempfile::tempdir().unwrap();
        synthetic::build(rain.path(), 1_000);
        synthetic::use_rain_directives(rain.path(), 1_000, directives);
        group.bench_function(name, |b| {
            b.iter(|| check_workspace(&Workspace::load(rain.path())))
        });
    }
    group.finish();
}

criterion_group!(benches, scan_and_check);
criterion_main!(benches);
