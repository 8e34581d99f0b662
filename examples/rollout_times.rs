//! The point of publishing with one multi-region automation instead of a loop: on the demo
//! adapter's clock (tokio's, paused: exact and instant), with per-step durations drawn as real
//! registrations take them (RegisterType 2–5 min, TestType 5–15 min, PublishType under a
//! minute), the time to publish to the demo's 26 regions at concurrency 5 and 10 beside a
//! serial loop over the same regions (target at 10: at most 0.15 of the loop's time), and the
//! minute at which the first failed region is known (a loop says so at its end). Several seeds.
//! `cargo run --release --example rollout_times`.

use std::path::Path;
use std::time::Duration;

use regship::cloud::RolloutRequest;
use regship::cloud::clock::Clock;
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::demo::{DemoConnector, DemoWorld, demo_config};
use regship::cloud::guard::AccountGuard;
use regship::cloud::port::Connector;
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::rollout_watch::{RolloutWatch, is_failure, is_final};
use regship::workspace::Workspace;

/// How often the watcher polls (as `regship rollout watch` does).
const POLL: Duration = Duration::from_secs(15);

/// One rollout at `concurrency` on a fresh demo world: (minutes to the end, minute the first
/// failure was known, polls, calls).
async fn rollout(seed: u64, concurrency: u32, max_errors: u32) -> (f64, f64, u32, u32) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::load(root);
    let config = demo_config(&WorkspaceConfig::load(root)).unwrap();
    let clock = Clock::starting_at(1_795_000_000_000, 1.0);
    let connector = DemoConnector {
        world: DemoWorld::new(&workspace, seed, clock),
    };
    let context = StageContext::new(&config, Stage::Prod, &Overrides::default());
    let cloud = connector.connect(context).await.unwrap();
    let facts = regship::ops::regions::facts(cloud.as_ref()).await.unwrap();
    let regions: Vec<String> = regship::ops::regions::decide(&config.accounts.prod, &facts)
        .into_iter()
        .filter(|r| r.included)
        .map(|r| r.region)
        .collect();
    let authorization = AccountGuard::default()
        .check_account(cloud.context(), &cloud.identity().await.unwrap(), "rollout")
        .unwrap();
    let request = RolloutRequest {
        document: "regship-publish-extension".into(),
        document_version: "1".into(),
        parameters: vec![("Publish".into(), "true".into())],
        account: "444444444444".into(),
        regions,
        max_concurrency: concurrency,
        max_errors,
        execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
    };
    let id = cloud.start_rollout(&authorization, &request).await.unwrap();
    let started = tokio::time::Instant::now();
    let mut watch = RolloutWatch::new(&id);
    let (mut first_failure, mut polls, mut calls) = (None, 0, 0);
    loop {
        let changes = watch.poll(cloud.as_ref()).await.unwrap();
        polls += 1;
        calls += watch.calls;
        if first_failure.is_none() && changes.iter().any(|c| is_failure(&c.status)) {
            first_failure = Some(started.elapsed());
        }
        if is_final(&watch.state.as_ref().unwrap().status) {
            break;
        }
        tokio::time::sleep(POLL).await;
    }
    let minutes = |d: Duration| d.as_secs_f64() / 60.0;
    let total = started.elapsed();
    (
        minutes(total),
        minutes(first_failure.unwrap_or(total)),
        polls,
        calls,
    )
}

async fn measure() {
    println!("26 regions, demo adapter, tokio's paused clock; one region's TestType fails");
    println!(
        "seed  loop (min)  c=5 (min, ratio)  c=10 (min, ratio)  first failure known: loop / c=5 / c=10 (min)  calls/poll at c=10"
    );
    for seed in [1, 2, 3] {
        // The loop: one region after another, every region attempted whatever fails.
        let (serial, serial_failure, _, _) = rollout(seed, 1, 26).await;
        let (five, five_failure, _, _) = rollout(seed, 5, 1).await;
        let (ten, ten_failure, polls, calls) = rollout(seed, 10, 1).await;
        println!(
            "{seed:4}  {serial:10.1}  {five:5.1} ({:.3})      {ten:5.1} ({:.3})       {serial:.1} (reported at the end; failed at {serial_failure:.1}) / {five_failure:.1} / {ten_failure:.1}            {:.2}",
            five / serial,
            ten / serial,
            calls as f64 / polls as f64
        );
    }
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(measure());
}
