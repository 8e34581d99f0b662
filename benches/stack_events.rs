//! Merging 100,000 stack events into a `StackWatch` (target: under 100 ms).

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use regship::cloud::StackEvent;
use regship::watch::stack_events::{DEFAULT_HISTORY_CAP, StackWatch};

fn pages() -> Vec<Vec<StackEvent>> {
    let events: Vec<StackEvent> = (0..100_000u64)
        .map(|n| StackEvent {
            event_id: format!("event-{n:08}"),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/big/1".into(),
            stack_name: "big".into(),
            logical_id: format!("Resource{}", n % 500),
            physical_id: Some(format!("physical-{}", n % 500)),
            resource_type: "AWS::SSM::Parameter".into(),
            status: if n % 2 == 0 {
                "UPDATE_IN_PROGRESS".into()
            } else {
                "UPDATE_COMPLETE".into()
            },
            reason: None,
            timestamp_ms: n as i64,
        })
        .collect();
    events
        .chunks(100)
        .map(|page| page.iter().rev().cloned().collect())
        .collect()
}

fn merge(c: &mut Criterion) {
    let mut group = c.benchmark_group("stack events");
    group.sample_size(10);
    group.bench_function("merge 100,000 events (pages of 100)", |b| {
        b.iter_batched(
            pages,
            |pages| {
                let mut watch = StackWatch::new("big", DEFAULT_HISTORY_CAP);
                pages
                    .into_iter()
                    .map(|page| watch.merge(page).len())
                    .sum::<usize>()
            },
            BatchSize::LargeInput,
        )
    });
    group.finish();
}

criterion_group!(benches, merge);
criterion_main!(benches);
