//! The point of publishing with one multi-region automation instead of a loop: on the demo
//! adapter's clock (tokio's, paused: exact and instant), with per-step durations drawn as real
//! registrations take them (RegisterType 2–5 min, TestType 5–15 min, PublishType under a
//! minute), the time to publish to the demo's 26 regions at concurrency 5 and 10 beside a
//! serial loop over the same regions (target at 10: at most 0.15 of the loop's time), and the
//! minute at which the first failed region is known (a loop says so at its end), and what a
//! poll costs: the parent in the home region, plus each running region's child in its own region
//! and each region that just failed (at most 1 + running + just failed). Then canary first
//! (`--canary`: the home region alone, the others only once it published) beside all at once:
//! what holding the others back costs in wall time. Several seeds.
//! `cargo run --release --example rollout_times`.

use std::path::Path;
use std::time::Duration;

use std::sync::Arc;

use regship::cloud::clock::Clock;
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::demo::{DemoConnector, DemoWorld, demo_config};
use regship::cloud::guard::AccountGuard;
use regship::cloud::{Canary, Connections, RolloutRequest, StageRegions, canary_document};
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

/// One rollout at `concurrency` on a fresh demo world (at real durations), canary first when
/// `canary`.
async fn rollout(seed: u64, concurrency: u32, max_errors: u32, canary: bool) -> Measured {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = Workspace::load(root);
    let config = demo_config(&WorkspaceConfig::load(root)).unwrap();
    let clock = Clock::starting_at(1_795_000_000_000, 1.0);
    let connector = DemoConnector {
        world: DemoWorld::with_rollout_scale(&workspace, seed, clock, 1.0),
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
        canary: canary.then(|| Canary {
            document: canary_document("regship-publish-extension"),
            region: cloud.region(),
        }),
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
        // A canary run adds its two nested runs, read in the home region.
        let nested = if canary { 2 } else { 0 };
        let budget = 1 + nested + watch.totals().running + failed_now;
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
        let serial = rollout(seed, 1, 26, false).await;
        let five = rollout(seed, 5, 1, false).await;
        let ten = rollout(seed, 10, 1, false).await;
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

async fn canary_cost() {
    println!();
    println!("canary first (the home region alone, then the other 25) beside all at once");
    println!(
        "seed  c=5: all at once / canary first (min, +min)  c=10: all at once / canary first (min, +min)  calls/poll canary c=5"
    );
    for seed in [1, 2, 3] {
        let mut line = format!("{seed:4}");
        let mut per_poll = 0.0;
        for concurrency in [5, 10] {
            let all = rollout(seed, concurrency, 1, false).await;
            let first = rollout(seed, concurrency, 1, true).await;
            if concurrency == 5 {
                per_poll = first.calls as f64 / first.polls as f64;
            }
            line += &format!(
                "  {:5.1} / {:5.1} (+{:4.1})                ",
                all.minutes,
                first.minutes,
                first.minutes - all.minutes
            );
        }
        println!("{line}  {per_poll:.2}");
    }
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(async {
            measure().await;
            canary_cost().await;
        });
}
