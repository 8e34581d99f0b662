//! `regship integ --all` over 30 extensions on the demo adapter, on tokio's paused clock (exact
//! figures, no wall time): the calls a minute while the runs wait, stack listings and event
//! reads together (target: one shared budget, at most 60 in any minute, however many stacks are
//! in flight) and the time each stack operation adds beyond the stack's own time (from the
//! operation's last event to regship seeing it; targets: mean at most 1 s, p95 at most 2 s, at
//! concurrency 4 and 8). `cargo run --release --example integ_budget`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use regship::cloud::clock::Clock;
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::demo::{DemoConnector, DemoWorld, demo_config};
use regship::cloud::guard::AccountGuard;
use regship::cloud::port::Connector;
use regship::cloud::status::is_terminal;
use regship::cloud::{Cloud, StackEvent};
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::integ::{self, IntegObserver, Pacer};
use regship::workspace::Workspace;

const EXTENSIONS: usize = 30;

/// A monorepo of `EXTENSIONS` modules, every third one alpha, each with a `test/integ.yml`.
fn write_workspace(root: &Path) {
    let mut maturity = String::new();
    for n in 0..EXTENSIONS {
        let dir = root.join(format!("modules/Thing_{n:02}"));
        std::fs::create_dir_all(dir.join("test")).unwrap();
        let type_name = format!("Bench::Thing{n:02}::MODULE");
        std::fs::write(
            dir.join(".rpdk-config"),
            format!(
                r#"{{"artifact_type": "MODULE", "typeName": "{type_name}", "settings": {{}}}}"#
            ),
        )
        .unwrap();
        std::fs::write(
            dir.join("test/integ.yml"),
            format!(
                "Parameters:\n  IntegRevision:\n    Type: String\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n  Thing:\n    Type: {type_name}\n    Properties:\n      Purpose: !Ref IntegRevision\n"
            ),
        )
        .unwrap();
        let level = if n % 3 == 0 { "alpha" } else { "prod" };
        maturity.push_str(&format!("  {type_name}: {level}\n"));
    }
    std::fs::write(
        root.join("regship.yml"),
        format!("namespace: Bench\nextension_dirs: [modules]\nmaturity:\n{maturity}"),
    )
    .unwrap();
}

/// Records, per stack operation, when its last event happened and when the run saw it end.
#[derive(Default)]
struct Latency {
    /// Stack id -> the time of its newest terminal stack event.
    ended_at: HashMap<String, i64>,
    /// Stack name -> id.
    ids: HashMap<String, String>,
    added_ms: Vec<i64>,
}

struct Observer {
    clock: Clock,
    latency: Arc<Mutex<Latency>>,
}

impl IntegObserver for Observer {
    fn line(&mut self, text: &str) {
        // "<stack>: <operation> ended <STATUS>", written as soon as the run sees the end.
        let Some((stack, _)) = text.split_once(": ") else {
            return;
        };
        if !text.contains(" ended ") {
            return;
        }
        let mut latency = self.latency.lock().unwrap();
        let ended = latency
            .ids
            .get(stack)
            .and_then(|id| latency.ended_at.get(id))
            .copied();
        if let Some(ended) = ended {
            let added = self.clock.now_ms() - ended;
            latency.added_ms.push(added);
        }
    }

    fn event(&mut self, event: &StackEvent) {
        let mut latency = self.latency.lock().unwrap();
        latency
            .ids
            .insert(event.stack_name.clone(), event.stack_id.clone());
        if event.is_stack_event() && is_terminal(&event.status) {
            latency
                .ended_at
                .insert(event.stack_id.clone(), event.timestamp_ms);
        }
    }
}

/// One `integ --all` at `concurrency`, on a fresh demo world.
async fn measure(concurrency: usize) {
    let dir = tempfile::tempdir().unwrap();
    write_workspace(dir.path());
    let workspace = Workspace::load(dir.path());
    assert_eq!(workspace.extensions.len(), EXTENSIONS);
    let config = demo_config(&WorkspaceConfig::load(dir.path())).unwrap();
    let clock = Clock::starting_at(1_795_000_000_000, 1.0);
    let connector = DemoConnector {
        world: DemoWorld::new(&workspace, 1, clock),
    };
    let context = StageContext::new(&config, Stage::Beta, &Overrides::default());
    let cloud: Arc<dyn Cloud> = connector.connect(context).await.unwrap();
    let authorization = AccountGuard { read_only: false }
        .authorize(cloud.as_ref(), "bench")
        .await
        .unwrap();
    let pacer = Arc::new(Pacer::on(clock));
    let latency = Arc::new(Mutex::new(Latency::default()));

    // The polls of each whole minute, sampled on the same clock.
    let per_minute = Arc::new(Mutex::new(Vec::new()));
    let sampler = {
        let (pacer, per_minute) = (pacer.clone(), per_minute.clone());
        tokio::spawn(async move {
            let mut before = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(60)).await;
                let turns = pacer.turns();
                per_minute.lock().unwrap().push(turns - before);
                before = turns;
            }
        })
    };

    let started = tokio::time::Instant::now();
    let slots = Arc::new(tokio::sync::Semaphore::new(concurrency));
    let mut runs = tokio::task::JoinSet::new();
    for (index, extension) in workspace.extensions.iter().cloned().enumerate() {
        let (cloud, authorization, pacer, slots) = (
            cloud.clone(),
            authorization.clone(),
            pacer.clone(),
            slots.clone(),
        );
        let mut observer = Observer {
            clock,
            latency: latency.clone(),
        };
        runs.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            let run_id = format!("{}{index}", integ::new_run_id(pacer.now_ms()));
            integ::run(
                &cloud,
                &pacer,
                &authorization,
                &extension,
                &run_id,
                &mut observer,
            )
            .await
        });
    }
    let mut classes: std::collections::BTreeMap<&str, usize> = Default::default();
    while let Some(result) = runs.join_next().await {
        *classes.entry(result.unwrap().class.describe()).or_default() += 1;
    }
    let elapsed = started.elapsed();
    sampler.abort();
    let total = pacer.turns();
    let minutes = elapsed.as_secs_f64() / 60.0;

    let busiest = per_minute
        .lock()
        .unwrap()
        .iter()
        .copied()
        .max()
        .unwrap_or(total);
    let latency = latency.lock().unwrap();
    let mut added = latency.added_ms.clone();
    added.sort_unstable();
    let mean = added.iter().sum::<i64>() as f64 / added.len().max(1) as f64;
    let p = |q: f64| added[((added.len() - 1) as f64 * q).round() as usize];
    println!(
        "integ --all --concurrency {concurrency}: {EXTENSIONS} extensions, demo adapter, tokio's paused clock"
    );
    println!("  outcomes: {classes:?}");
    println!(
        "  simulated run time: {minutes:.1} min; calls (stack listings and event reads): {total} in all, {:.1}/min on average, {busiest} in the busiest whole minute (budget: 60/min, shared)",
        total as f64 / minutes
    );
    println!(
        "  time added beyond each stack operation's own ({} operations): mean {:.2} s, median {:.2} s, p95 {:.2} s, max {:.2} s",
        added.len(),
        mean / 1000.0,
        p(0.5) as f64 / 1000.0,
        p(0.95) as f64 / 1000.0,
        p(1.0) as f64 / 1000.0
    );
}

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
        .block_on(async {
            // One listing a tick serves every stack in flight, so more at a time costs no
            // latency: the default, twice it, and one at a time.
            for concurrency in [integ::DEFAULT_CONCURRENCY, 8, 1] {
                measure(concurrency).await;
            }
        });
}
