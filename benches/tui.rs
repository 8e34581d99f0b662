//! TUI figures: time to first frame on a 1,000-extension workspace (target under 100 ms) and
//! render time of the events view with 50,000 events (target under 2 ms a frame) and of the
//! pipeline view with 50 actions, the prod view with 30 regions x 50 extensions and the rollout
//! view with 30 regions, the resources view as the readiness board with 50 extensions (target
//! under 2 ms a frame); the demo from its start to its first
//! complete frame (target under 100 ms).

#[path = "../tests/support/synthetic.rs"]
#[allow(dead_code)] // the rain variant is for the check benchmark
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use regship::app::{self, AppState, Input, TaskResult};
use regship::app::{BoardResult, EventsResult, PipelineResult, RolloutResult, WorkspaceResult};
use regship::cloud::fake::generated_events;
use regship::config::Stage;
use regship::ui::keymap::Keymap;
use regship::ui::theme::Theme;
use regship::workspace::Workspace;

fn draw(terminal: &mut Terminal<TestBackend>, state: &AppState, theme: &Theme, keymap: &Keymap) {
    terminal
        .draw(|frame| regship::ui::draw(frame, state, theme, keymap))
        .unwrap();
}

/// A pipeline whose Build stage runs `actions` build actions, one failed.
fn pipeline_of(actions: usize) -> regship::app::PipelineView {
    use regship::cloud::{PipelineActionState, PipelineStage, PipelineState};
    let action = |n: usize| PipelineActionState {
        name: format!("Extension{n}"),
        status: Some(if n == 7 { "Failed" } else { "Succeeded" }.into()),
        summary: None,
        last_change_ms: Some(1_700_000_000_000 + n as i64 * 1000),
        external_id: Some(format!("regship-Extension{n}:0b1c")),
        error: (n == 7).then(|| "JobFailed: Error while executing command: cfn test".into()),
    };
    regship::app::PipelineView {
        state: PipelineState {
            name: "regship-extensions".into(),
            stages: vec![PipelineStage {
                name: "Build".into(),
                status: Some("Failed".into()),
                execution_id: Some("e1".into()),
                actions: (0..actions).map(action).collect(),
            }],
        },
        executions: Vec::new(),
        extensions: (0..actions)
            .map(|n| (format!("Extension{n}"), format!("resources/Extension_{n}")))
            .collect(),
    }
}

/// `extensions` extensions in `regions` regions: current, lagging and missing mixed.
fn versions_of(
    regions: usize,
    extensions: usize,
) -> Vec<regship::ops::versions::ExtensionVersions> {
    use regship::ops::versions::{ExtensionVersions, RegionVersion, Standing};
    (0..extensions)
        .map(|e| ExtensionVersions {
            extension: format!("resources/Extension_{e}"),
            type_name: format!("Bench::Thing::E{e}"),
            maturity: regship::config::Maturity::Prod,
            newest: Some("1.2.0".into()),
            regions: (0..regions)
                .map(|r| {
                    let standing = match (r + e) % 7 {
                        0 => Standing::Missing,
                        1 | 2 => Standing::Lagging,
                        _ => Standing::Current,
                    };
                    RegionVersion {
                        region: format!("region-{r:02}"),
                        public: match standing {
                            Standing::Missing => None,
                            Standing::Lagging => Some("1.1.4".into()),
                            _ => Some("1.2.0".into()),
                        },
                        private_default: Some("00000012".into()),
                        standing,
                        detail: None,
                    }
                })
                .collect(),
        })
        .collect()
}

/// The board's stages read for `folders`: setup stacks, contract-test and integration runs and
/// builds, in a mix of states (the published versions come as the prod view reads them).
fn board_of(folders: &[String]) -> Vec<regship::ops::status::BoardPart> {
    use regship::ops::integ::{IntegClass, PastRun};
    use regship::ops::status::{BoardPart, TestRun};
    vec![
        BoardPart::Sandbox(Ok(folders
            .iter()
            .map(|f| {
                let name = f.rsplit('/').next().unwrap_or(f).replace('_', "-");
                (format!("setup-{name}"), "CREATE_COMPLETE".to_string())
            })
            .collect())),
        BoardPart::Cicd(Ok(folders
            .iter()
            .enumerate()
            .map(|(n, f)| {
                (
                    f.clone(),
                    if n % 5 == 0 { "Failed" } else { "Succeeded" }.to_string(),
                )
            })
            .collect())),
        BoardPart::Histories {
            tests: folders
                .iter()
                .step_by(2)
                .map(|f| TestRun {
                    extension: f.clone(),
                    passed: 12,
                    failed: 0,
                    skipped: 1,
                    errors: 0,
                    exit_code: Some(0),
                    complete: true,
                    started_ms: 0,
                })
                .collect(),
            integ: folders
                .iter()
                .step_by(3)
                .map(|f| PastRun {
                    extension: f.clone(),
                    version: Some("00000004".into()),
                    run_id: "r".into(),
                    class: IntegClass::Passed,
                    allowed: false,
                    blocks: false,
                    started_ms: 0,
                    duration_ms: 60_000,
                    reasons: Vec::new(),
                })
                .collect(),
        },
    ]
}

/// A rollout over `regions` regions, mid-way: done, running, pending and one failed.
fn rollout_of(regions: usize) -> regship::ops::rollout_watch::RolloutWatch {
    use regship::cloud::{RegionRun, RolloutRequest, RolloutState};
    let mut watch = regship::ops::rollout_watch::RolloutWatch::new("parent-1");
    watch.state = Some(RolloutState {
        execution_id: "parent-1".into(),
        status: "InProgress".into(),
        started_ms: Some(1_700_000_000_000),
        ended_ms: None,
        failure: None,
        regions: (0..regions)
            .map(|r| {
                let status = match r % 10 {
                    0..=4 => "Success",
                    5 | 6 => "InProgress",
                    7 => "Failed",
                    _ => "Pending",
                };
                RegionRun {
                    region: format!("region-{r:02}"),
                    execution_id: Some(format!("child-{r}")),
                    status: status.into(),
                    current_step: Some("WaitForTests".into()),
                    failure: (status == "Failed")
                        .then(|| "TestType FAILED: contract_create_read".into()),
                    started_ms: Some(1_700_000_000_000 + r as i64 * 60_000),
                    ended_ms: (status == "Success" || status == "Failed")
                        .then_some(1_700_000_600_000 + r as i64 * 60_000),
                }
            })
            .collect(),
        request: RolloutRequest {
            document: "regship-publish-extension".into(),
            document_version: "3".into(),
            parameters: Vec::new(),
            account: "444444444444".into(),
            regions: (0..regions).map(|r| format!("region-{r:02}")).collect(),
            max_concurrency: 5,
            max_errors: 1,
            execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
            canary: None,
        },
        reads: 1,
        nested: Vec::new(),
    });
    watch
}

fn tui(c: &mut Criterion) {
    let (theme, keymap) = (Theme::default_theme(), Keymap::default_keymap());
    let dir = tempfile::tempdir().unwrap();
    synthetic::build(dir.path(), 1_000);
    let mut group = c.benchmark_group("tui");
    group.sample_size(20);
    group.bench_function(
        "first frame, 1000 extensions listed (read + check + draw 160x48)",
        |b| {
            b.iter(|| {
                let mut state = AppState::new("bench", Stage::Sandbox);
                let views = regship::tui::extension_views(&Workspace::load(dir.path()));
                app::update(
                    &mut state,
                    TaskResult::new(0, WorkspaceResult::Loaded(Ok(views))),
                );
                let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
                draw(&mut terminal, &state, &theme, &keymap);
            })
        },
    );
    group.bench_function("first frame while the workspace loads (draw 160x48)", |b| {
        b.iter(|| {
            let state = AppState::new("bench", Stage::Sandbox);
            let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
            draw(&mut terminal, &state, &theme, &keymap);
        })
    });

    let mut state = AppState::new("bench", Stage::Sandbox);
    state.history_cap = 50_000;
    app::update(&mut state, Input::CommandMode);
    for c in "events big".chars() {
        app::update(&mut state, Input::InputChar(c));
    }
    app::update(&mut state, Input::InputSubmit);
    let generation = state.generation;
    app::update(
        &mut state,
        TaskResult::new(
            generation,
            EventsResult::Polled {
                events: generated_events(0..50_000),
                problem: None,
                stopped: false,
            },
        ),
    );
    assert_eq!(state.events.as_ref().unwrap().watch.events.len(), 50_000);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    group.bench_function("events view frame, 50000 events (160x48)", |b| {
        b.iter(|| draw(&mut terminal, &state, &theme, &keymap))
    });

    let mut state = AppState::new("bench", Stage::Cicd);
    app::update(&mut state, Input::Show(regship::app::ViewKind::Pipeline));
    let generation = state.generation;
    app::update(
        &mut state,
        TaskResult::new(
            generation,
            PipelineResult::Loaded {
                stage: Stage::Cicd,
                result: Ok(pipeline_of(50)),
            },
        ),
    );
    app::update(&mut state, Input::Bottom);
    group.bench_function("pipeline view frame, 50 actions (160x48)", |b| {
        b.iter(|| draw(&mut terminal, &state, &theme, &keymap))
    });
    // The prod view: 30 regions by 50 extensions (as many columns as fit are drawn).
    let mut state = AppState::new("bench", Stage::Prod);
    app::update(&mut state, Input::Show(regship::app::ViewKind::Prod));
    app::update(
        &mut state,
        TaskResult::new(0, BoardResult::VersionsLoaded(Ok(versions_of(30, 50)))),
    );
    group.bench_function(
        "prod view frame, 30 regions x 50 extensions (160x48)",
        |b| b.iter(|| draw(&mut terminal, &state, &theme, &keymap)),
    );
    let mut state = AppState::new("bench", Stage::Prod);
    app::update(&mut state, Input::Show(regship::app::ViewKind::Rollout));
    app::update(
        &mut state,
        TaskResult::new(0, RolloutResult::Polled(Ok(Box::new(rollout_of(30))))),
    );
    group.bench_function("rollout view frame, 30 regions (160x48)", |b| {
        b.iter(|| draw(&mut terminal, &state, &theme, &keymap))
    });
    // The readiness board: 50 extensions, every stage read (prod over 26 regions).
    let small = tempfile::tempdir().unwrap();
    synthetic::build(small.path(), 50);
    let mut state = AppState::new("bench", Stage::Sandbox);
    let views = regship::tui::extension_views(&Workspace::load(small.path()));
    let folders: Vec<String> = views.iter().map(|v| v.row.folder.clone()).collect();
    app::update(
        &mut state,
        TaskResult::new(0, WorkspaceResult::Loaded(Ok(views))),
    );
    let mut versions = versions_of(26, folders.len());
    for (found, folder) in versions.iter_mut().zip(&folders) {
        found.extension = folder.clone();
    }
    app::update(
        &mut state,
        TaskResult::new(0, BoardResult::VersionsLoaded(Ok(versions))),
    );
    for part in board_of(&folders) {
        app::update(&mut state, TaskResult::new(0, BoardResult::Read(part)));
    }
    group.bench_function(
        "resources view (the readiness board) frame, 50 extensions x 5 stages (160x48)",
        |b| b.iter(|| draw(&mut terminal, &state, &theme, &keymap)),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    group.bench_function(
        "demo: start to the first complete frame (read + check + demo world + accounts + draw 160x48)",
        |b| {
            b.iter(|| {
                runtime.block_on(async {
                    let mut demo = regship::tui::headless::Headless::demo(root, 1, 0).unwrap();
                    // The accounts are answered by the demo's world: let those tasks run.
                    while demo.state.account_id().is_none() {
                        tokio::task::yield_now().await;
                        demo.wait(std::time::Duration::ZERO).await;
                    }
                    demo.render(160, 48)
                })
            })
        },
    );
    group.finish();
}

criterion_group!(benches, tui);
criterion_main!(benches);
