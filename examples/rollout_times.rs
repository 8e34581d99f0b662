//! The point of publishing with one multi-region automation instead of a loop: on the demo
//! adapter's clock (tokio's, paused: exact and instant), with per-step durations drawn as real
//! registrations take them (RegisterType 2–5 min, TestType 5–15 min, PublishType under a
//! minute), the time to publish to the demo's 26 regions at concurrency 5 and 10 beside a
//! serial loop over the same regions (target at 10: at most 0.15 of the loop's time), and the
//! minute at which the first failed region is known (a loop says so at its end), and what a
//! poll costs: the parent in the home region, plus each running region's child in its own region
//! and each region that just failed (at most 1 + running + just failed). Several seeds.
//! `cargo run --release --example rollout_times`.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use regship::cloud::clock::Clock;
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::demo::{DemoConnector, DemoWorld, demo_config};
use regship::cloud::guard::AccountGuard;
use regship::cloud::{Connections, RolloutRequest, StageRegions};
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::rollout_watch::{RolloutWatch, is_failure, is_final};
use regship::workspace::Workspace;

/// How often the watcher polls (as `regship rollout watch` does).
const POLL: Duration = Duration::from_secs(15);

/// One rollout: minutes to its end, the minute the first failure was known, polls, calls, and
/// the most calls one poll made.
struct Measured {
    minutes: f64,
    first_failure: f64,
    polls: u32,
    calls: u32,
    busiest_poll: u32,
}

/// One rollout at `concurrency` on a fresh demo world.
async fn rollout(seed: u64, concurrency: u32, max_errors: u32) -> Measured {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::load(root);
    let config = demo_config(&WorkspaceConfig::load(root)).unwrap();
    let clock = Clock::starting_at(1_795_000_000_000, 1.0);
    let connector = DemoConnector {
        world: DemoWorld::new(&workspace, seed, clock),
    };
    let context = StageContext::new(&config, Stage::Prod, &Overrides::default());
    let stage = StageRegions::new(Connections::new(Arc::new(connector)), context);
    let cloud = stage.home().await.unwrap();
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
        canary: None,
    };
    let id = cloud.start_rollout(&authorization, &request).await.unwrap();
    let started = tokio::time::Instant::now();
    let mut watch = RolloutWatch::new(&id);
    let (mut first_failure, mut polls, mut calls, mut busiest_poll) = (None, 0, 0, 0);
    loop {
        let changes = watch.poll(&stage).await.unwrap();
        polls += 1;
        calls += watch.calls;
        busiest_poll = busiest_poll.max(watch.calls);
        let failed_now = changes.iter().filter(|c| is_failure(&c.status)).count();
        let budget = 1 + watch.totals().running + failed_now;
        assert!(watch.calls as usize <= budget, "a poll over its budget");
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
    Measured {
        minutes: minutes(total),
        first_failure: minutes(first_failure.unwrap_or(total)),
        polls,
        calls,
        busiest_poll,
    }
}

async fn measure() {
    println!("26 regions, demo adapter, tokio's paused clock; one region's TestType fails");
    println!(
        "seed  loop (min)  c=5 (min, ratio)  c=10 (min, ratio)  first failure known: loop / c=5 / c=10 (min)  calls/poll (most) c=5 / c=10"
    );
    for seed in [1, 2, 3] {
        // The loop: one region after another, every region attempted whatever fails.
        let serial = rollout(seed, 1, 26).await;
        let five = rollout(seed, 5, 1).await;
        let ten = rollout(seed, 10, 1).await;
        let per_poll = |m: &Measured| m.calls as f64 / m.polls as f64;
        println!(
            "{seed:4}  {:10.1}  {:5.1} ({:.3})      {:5.1} ({:.3})       {:.1} (reported at the end; failed at {:.1}) / {:.1} / {:.1}            {:.2} ({}) / {:.2} ({})",
            serial.minutes,
            five.minutes,
            five.minutes / serial.minutes,
            ten.minutes,
            ten.minutes / serial.minutes,
            serial.minutes,
            serial.first_failure,
            five.first_failure,
            ten.first_failure,
            per_poll(&five),
            five.busiest_poll,
            per_poll(&ten),
            ten.busiest_poll,
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
