//! Prints DescribeStackEvents calls per minute while following an active and an idle stack, and
//! GetPipelineState calls per minute while following a running pipeline (on a simulated clock,
//! so the figures are exact and take no wall time), and the cost and memory of merging 100,000
//! events: `cargo run --release --example poll_rates`.

use std::time::{Duration, Instant};

use regship::cloud::StackEvent;
use regship::cloud::fake::{Fake, ScriptedStack, generated_events};
use regship::watch::stack_events::{DEFAULT_HISTORY_CAP, StackEventPoller, StackWatch, Start};

/// Follows `stack` for `minutes` simulated minutes; returns the calls made in each minute.
async fn calls_per_minute(stack: &ScriptedStack, minutes: u64) -> Vec<u64> {
    let mut poller = StackEventPoller::new(
        Fake::stack_events(stack.clone()),
        "demo",
        Start::Beginning,
        DEFAULT_HISTORY_CAP,
    );
    let mut per_minute = vec![0; minutes as usize];
    while stack.now() < Duration::from_secs(60 * minutes) {
        let minute = (stack.now().as_secs() / 60) as usize;
        let report = poller.poll().await;
        per_minute[minute] += u64::from(report.calls);
        stack.advance(report.delay);
    }
    per_minute
}

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

/// Follows a pipeline that runs for `minutes` simulated minutes (then fails); returns the
/// GetPipelineState calls made in each minute.
async fn pipeline_calls_per_minute(minutes: u64) -> Vec<u64> {
    use regship::cloud::{PipelineActionState, PipelineStage, PipelineState};
    use regship::watch::pipeline::{PipelineWatch, follow_until_done};
    let started = tokio::time::Instant::now();
    let per_minute = std::cell::RefCell::new(vec![0u64; minutes as usize + 1]);
    let poll = || {
        let elapsed = started.elapsed();
        per_minute.borrow_mut()[(elapsed.as_secs() / 60) as usize] += 1;
        let status = if elapsed < Duration::from_secs(60 * minutes) {
            "InProgress"
        } else {
            "Failed"
        };
        std::future::ready(Ok(PipelineState {
            name: "demo".into(),
            stages: vec![PipelineStage {
                name: "Build".into(),
                status: Some(status.into()),
                execution_id: Some("e1".into()),
                actions: vec![PipelineActionState {
                    name: "Demo".into(),
                    status: Some(status.into()),
                    summary: None,
                    last_change_ms: Some(0),
                    external_id: None,
                    error: None,
                }],
            }],
        }))
    };
    let mut watch = PipelineWatch::default();
    follow_until_done(poll, &mut watch, Duration::ZERO, |_| {})
        .await
        .expect("the simulated pipeline answers");
    let mut counts = per_minute.into_inner();
    counts.truncate(minutes as usize);
    counts
}

#[tokio::main(flavor = "current_thread", start_paused = true)]
async fn main() {
    let active = ScriptedStack::new("demo");
    active.push(
        Duration::ZERO,
        "demo",
        "",
        "UPDATE_IN_PROGRESS",
        Some("User Initiated"),
    );
    for second in 1..600 {
        active.push(
            Duration::from_secs(second),
            &format!("R{}", second % 50),
            "AWS::SSM::Parameter",
            "UPDATE_IN_PROGRESS",
            None,
        );
    }
    let active_calls = calls_per_minute(&active, 5).await;

    let idle = ScriptedStack::new("demo");
    idle.push(Duration::ZERO, "demo", "", "UPDATE_COMPLETE", None);
    let idle_calls = calls_per_minute(&idle, 5).await;

    println!("DescribeStackEvents calls per minute (targets: active < 40, idle < 5)");
    println!("  active stack, minutes 1-5: {active_calls:?}");
    println!("  idle stack,   minutes 1-5: {idle_calls:?}");
    println!(
        "GetPipelineState calls per minute following a running pipeline (target about 12): {:?}",
        pipeline_calls_per_minute(5).await
    );

    let events = generated_events(0..100_000);
    let pages: Vec<Vec<StackEvent>> = events
        .chunks(100)
        .map(|page| page.iter().rev().cloned().collect())
        .collect();
    drop(events);
    let before = peak_rss_mib();
    let started = Instant::now();
    let mut watch = StackWatch::new("big", DEFAULT_HISTORY_CAP);
    let mut emitted = 0;
    for page in pages {
        emitted += watch.merge(page).len();
    }
    let elapsed = started.elapsed();
    println!(
        "merge of 100,000 events in pages of 100 (target < 100 ms): {:.1} ms, {emitted} emitted, {} retained (cap {DEFAULT_HISTORY_CAP})",
        elapsed.as_secs_f64() * 1000.0,
        watch.events.len()
    );
    println!(
        "peak RSS: {before:.1} MiB with the input pages built, {:.1} MiB after merging",
        peak_rss_mib()
    );
}
