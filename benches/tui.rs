//! TUI figures: time to first frame on a 1,000-extension workspace (target under 100 ms) and
//! render time of the events view with 50,000 events (target under 2 ms a frame) and of the
//! pipeline view with 50 actions; the demo from its start to its first complete frame (target
//! under 100 ms).

#[path = "../tests/support/synthetic.rs"]
#[allow(dead_code)] // the rain variant is for the check benchmark
mod synthetic;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use regship::app::{self, AppState, Input, TaskResult};
use regship::cloud::demo::generated_events;
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
                app::update(&mut state, TaskResult::WorkspaceLoaded(Ok(views)));
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
        TaskResult::EventsPolled {
            generation,
            events: generated_events(0..50_000),
            problem: None,
            stopped: false,
        },
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
        TaskResult::PipelineLoaded {
            generation,
            stage: Stage::Cicd,
            result: Ok(pipeline_of(50)),
        },
    );
    app::update(&mut state, Input::Bottom);
    group.bench_function("pipeline view frame, 50 actions (160x48)", |b| {
        b.iter(|| draw(&mut terminal, &state, &theme, &keymap))
    });
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
