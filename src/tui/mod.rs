//! The terminal: setup and restore (on quit, Ctrl-C, SIGTERM and panic), and the event loop
//! that turns keys, mouse, time and task results into actions, and draws at most ~30 times a second.

pub mod headless;
mod runner;

use std::io::Stdout;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event, KeyCode, KeyEvent, KeyEventKind,
    KeyModifiers, MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::app::{
    self, Action, AppState, Dialog, ExtensionView, Input, InputKind, TaskResult, WorkspaceResult,
};
use crate::checks::check_workspace;
use crate::cli::AwsArgs;
use crate::cloud::Connections;
use crate::cloud::clock::Clock;
use crate::cloud::context::StageContext;
use crate::cloud::demo::{DemoConnector, DemoWorld, demo_config};
use crate::commands::UsageError;
use crate::config::user::{Paths, UserConfig};
use crate::ops::rows::rows_with;
use crate::ui::keymap::Keymap;
use crate::ui::theme::Theme;
use crate::workspace::{Workspace, find_root};
use runner::Runner;

/// Puts the terminal back: raw mode off, main screen, no mouse capture, cursor shown.
pub fn restore_terminal() {
    let _ = disable_raw_mode();
    let _ = execute!(
        std::io::stdout(),
        DisableMouseCapture,
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
}

fn setup_terminal() -> std::io::Result<Terminal<CrosstermBackend<Stdout>>> {
    enable_raw_mode()?;
    execute!(std::io::stdout(), EnterAlternateScreen, EnableMouseCapture)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
        eprintln!(
            "regship stopped on the bug above; the terminal is restored. Please report it with the lines above."
        );
    }));
    Terminal::new(CrosstermBackend::new(std::io::stdout()))
}

/// The shortest time between two frames (about 30 a second).
const FRAME: Duration = Duration::from_millis(33);

/// What the UI thread reads from the terminal.
enum TerminalEvent {
    Key(KeyEvent),
    Mouse {
        kind: MouseEventKind,
        column: u16,
        row: u16,
    },
    Resize,
}

/// Reads terminal events on a thread of its own, so that nothing on the UI path blocks.
fn spawn_input_reader(sender: mpsc::UnboundedSender<TerminalEvent>, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            if !event::poll(Duration::from_millis(100)).unwrap_or(false) {
                continue;
            }
            let forwarded = match event::read() {
                Ok(Event::Key(key)) if key.kind != KeyEventKind::Release => TerminalEvent::Key(key),
                Ok(Event::Mouse(mouse)) => TerminalEvent::Mouse {
                    kind: mouse.kind,
                    column: mouse.column,
                    row: mouse.row,
                },
                Ok(Event::Resize(_, _)) => TerminalEvent::Resize,
                _ => continue,
            };
            if sender.send(forwarded).is_err() {
                return;
            }
        }
    });
}

/// The action a key means in the current state: dialogs and typing come before the keymap.
pub fn key_action(state: &AppState, keymap: &Keymap, key: &KeyEvent) -> Option<Input> {
    if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
        return Some(Input::Quit);
    }
    let typing = match &state.dialog {
        Some(Dialog::Confirm { .. } | Dialog::Scaffold { .. } | Dialog::QuitWithJobs { .. }) => {
            true
        }
        Some(Dialog::Busy(_)) => return None,
        Some(Dialog::Message { .. }) => true,
        None => state.input.is_some(),
    };
    if typing {
        return match key.code {
            KeyCode::Char(c) => Some(Input::InputChar(c)),
            KeyCode::Backspace => Some(Input::InputBackspace),
            KeyCode::Enter => Some(Input::InputSubmit),
            KeyCode::Esc => Some(Input::InputCancel),
            KeyCode::Tab
                if state.dialog.is_none()
                    && state
                        .input
                        .as_ref()
                        .is_some_and(|i| i.kind == InputKind::Command) =>
            {
                Some(Input::InputComplete)
            }
            KeyCode::Tab | KeyCode::Left | KeyCode::Right if state.dialog.is_some() => {
                Some(Input::DialogToggle)
            }
            _ => None,
        };
    }
    keymap.action_among(key, &app::available(state))
}

/// `regship demo`: how fast, and which timeline.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    pub speed: f64,
    pub seed: u64,
}

/// Reads the workspace and runs the checks (off the UI path).
pub fn extension_views(workspace: &Workspace) -> Vec<ExtensionView> {
    let findings = check_workspace(workspace);
    rows_with(workspace, &findings)
        .into_iter()
        .zip(&workspace.extensions)
        .map(|(row, extension)| {
            let mut files = vec![extension.rpdk_config.path.clone()];
            files.extend(extension.schema.iter().map(|s| s.path.clone()));
            for folder in [&extension.inputs, &extension.example_inputs]
                .into_iter()
                .flatten()
            {
                files.extend(folder.files.iter().map(|f| f.path.clone()));
            }
            files.extend(
                extension
                    .setup
                    .iter()
                    .chain(&extension.integ)
                    .map(|t| t.path.clone()),
            );
            ExtensionView {
                files,
                findings: findings
                    .iter()
                    .filter(|f| f.extension.as_deref() == Some(&extension.folder))
                    .cloned()
                    .collect(),
                references: extension.export_references(),
                setup_stack: extension.setup_stack_name(),
                row,
            }
        })
        .collect()
}

fn init_logging(paths: Option<&Paths>) {
    let Some(paths) = paths else { return };
    if std::fs::create_dir_all(&paths.data_dir).is_err() {
        return;
    }
    if let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(paths.log_file())
    {
        let _ = tracing_subscriber::fmt()
            .with_writer(std::sync::Mutex::new(file))
            .with_ansi(false)
            .try_init();
    }
}

/// Opens the TUI on the workspace found from `start`: against AWS, or with `demo`, against the
/// demo's scripted accounts.
pub fn run(start: &Path, aws: &AwsArgs, demo: Option<DemoOptions>) -> Result<ExitCode, UsageError> {
    let paths = Paths::platform();
    init_logging(paths.as_ref());
    let (user, mut problems) = {
        let (user, problem) = UserConfig::load(paths.as_ref());
        (user, problem.into_iter().collect::<Vec<_>>())
    };
    let (keymap, problem) = Keymap::load(paths.as_ref().map(|p| p.keymap_file()).as_deref());
    problems.extend(problem);
    problems.extend(app::actions::conflicts(|binding| keymap.key_names(binding)));
    let (theme, problem) = Theme::load(paths.as_ref().map(|p| p.theme_file()).as_deref());
    problems.extend(problem);
    let root = find_root(start);
    let mut config = crate::config::WorkspaceConfig::load(&root);
    problems.extend(
        config
            .problems
            .iter()
            .map(|err| format!("{err}; its default is used")),
    );
    if demo.is_some() {
        config = demo_config(&config)
            .map_err(|err| UsageError(format!("the demo's accounts cannot be read: {err}")))?;
    }
    // The demo ignores the AWS flags and variables: it never reaches AWS.
    let aws = &match demo {
        Some(_) => AwsArgs {
            read_only: aws.read_only,
            ..AwsArgs::default()
        },
        None => aws.clone(),
    };
    let name = root.file_name().map_or_else(
        || root.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let mut state = AppState::new(&name, user.default_stage);
    let context = StageContext::new(&config, state.stage, &aws.overrides());
    state.profile = context.profile;
    state.region = context.region;
    state.read_only = aws.read_only;
    state.demo = demo.is_some();
    state.endpoint_url = match demo {
        Some(_) => None,
        None => aws
            .endpoint_url
            .clone()
            .or_else(|| std::env::var("AWS_ENDPOINT_URL").ok()),
    };
    state.history_cap = user.history_cap.max(1);
    state.refresh_interval_ms = user.refresh_interval as i64 * 1000;
    if !problems.is_empty() {
        tracing::warn!("configuration problems: {problems:?}");
        let text = match problems.as_slice() {
            [one] => one.clone(),
            [first, ..] => format!(
                "{} configuration problems, ? lists them all; the first: {first}",
                problems.len()
            ),
            [] => String::new(),
        };
        state.notice = Some(app::Notice { text, error: true });
        state.config_problems = problems;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| UsageError(format!("the async runtime could not start: {err}")))?;
    let mut terminal = setup_terminal().map_err(|err| {
        restore_terminal();
        UsageError(format!("the terminal could not be set up: {err}"))
    })?;
    let outcome = runtime.block_on(async {
        let clock = match demo {
            Some(options) => Clock::starting_at(Clock::real().now_ms(), options.speed),
            None => Clock::real(),
        };
        let session = Session {
            config,
            root,
            aws: aws.clone(),
            paths,
            clock,
            demo_seed: demo.map(|d| d.seed),
        };
        event_loop(&mut terminal, state, session, &keymap, &theme).await
    });
    restore_terminal();
    outcome
}

/// What the event loop runs against: the workspace, the flags, the clock, and for the demo its seed.
struct Session {
    config: crate::config::WorkspaceConfig,
    root: std::path::PathBuf,
    aws: AwsArgs,
    paths: Option<Paths>,
    clock: Clock,
    demo_seed: Option<u64>,
}

impl Session {
    /// The task runner once the workspace is read: against AWS, or the demo's world.
    fn runner(&self, loaded: Arc<Workspace>, actions: mpsc::UnboundedSender<TaskResult>) -> Runner {
        let (connections, demo_world) = match self.demo_seed {
            Some(seed) => {
                let world = DemoWorld::new(&loaded, seed, self.clock);
                let connector = DemoConnector {
                    world: world.clone(),
                };
                (Connections::new(Arc::new(connector)), Some(world))
            }
            None => (Connections::aws(), None),
        };
        let mut runner = Runner::new(
            loaded,
            self.config.clone(),
            self.aws.overrides(),
            self.aws.read_only,
            actions,
            connections,
            demo_world,
        );
        runner.clock = self.clock;
        runner.job_log_dir = self.paths.as_ref().map(|p| p.data_dir.join("jobs"));
        runner
    }
}

/// What the TUI does first: the time, and every stage's account.
fn first_commands(state: &mut AppState, now_ms: i64) -> Vec<app::Command> {
    let mut pending = app::update(state, Action::Tick(now_ms));
    pending.push(app::Command::LoadAccounts {
        generation: state.generation,
    });
    for stage in crate::config::Stage::ALL {
        state.accounts.insert(stage, app::Loadable::Loading);
    }
    pending
}

async fn event_loop(
    terminal: &mut Terminal<CrosstermBackend<Stdout>>,
    mut state: AppState,
    session: Session,
    keymap: &Keymap,
    theme: &Theme,
) -> Result<ExitCode, UsageError> {
    let clock = session.clock;
    let now_ms = || clock.now_ms();
    let (action_sender, mut actions) = mpsc::unbounded_channel();
    let (terminal_sender, mut terminal_events) = mpsc::unbounded_channel();
    let stop = Arc::new(AtomicBool::new(false));
    spawn_input_reader(terminal_sender, stop.clone());

    let loader = action_sender.clone();
    let workspace_root = session.root.clone();
    let workspace = tokio::task::spawn_blocking(move || Workspace::load(&workspace_root));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|err| UsageError(format!("SIGTERM cannot be watched: {err}")))?;
    let mut ticks = tokio::time::interval(Duration::from_millis(250));
    let mut runner: Option<Runner> = None;
    let mut pending = first_commands(&mut state, now_ms());
    let mut workspace = Some(workspace);
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut dirty = true;
    let mut region_override = state.region_override.clone();
    // The end-to-end test of terminal safety: a panic once the workspace is on screen.
    let inject_panic = std::env::var_os("REGSHIP_INJECT_PANIC").is_some();
    loop {
        if let Some(handle) = workspace.as_mut().filter(|h| h.is_finished()) {
            let loaded = handle
                .await
                .map_err(|err| UsageError(format!("reading the workspace crashed: {err}")))?;
            workspace = None;
            let loaded = Arc::new(loaded);
            let views = extension_views(&loaded);
            let new_runner = session.runner(loaded, action_sender.clone());
            runner = Some(new_runner);
            let _ = loader.send(TaskResult::new(
                state.generation,
                WorkspaceResult::Loaded(Ok(views)),
            ));
        }
        if let Some(runner) = runner.as_mut() {
            if state.region_override != region_override {
                region_override = state.region_override.clone();
                runner.set_region(
                    region_override
                        .clone()
                        .or_else(|| session.aws.region.clone()),
                );
            }
            for command in pending.drain(..) {
                runner.run(command);
            }
        }
        if state.quit {
            break;
        }
        if dirty && last_draw.elapsed() >= FRAME {
            terminal
                .draw(|frame| crate::ui::draw(frame, &state, theme, keymap))
                .map_err(|err| UsageError(format!("the terminal could not be drawn: {err}")))?;
            last_draw = Instant::now();
            dirty = false;
            if inject_panic && state.extensions.value().is_some() {
                panic!("injected panic (REGSHIP_INJECT_PANIC is set)");
            }
        }
        // A change drawn less than a frame ago is drawn when the frame is due, not at the next
        // event (which may be a 250 ms tick away).
        let frame_due = tokio::time::Instant::from_std(last_draw + FRAME);
        let action: Option<Action> = tokio::select! {
            _ = tokio::time::sleep_until(frame_due), if dirty => None,
            Some(event) = terminal_events.recv() => match event {
                TerminalEvent::Key(key) => key_action(&state, keymap, &key).map(Action::Input),
                TerminalEvent::Mouse { kind: MouseEventKind::ScrollUp, .. } => Some(Input::ScrollBy(-3).into()),
                TerminalEvent::Mouse { kind: MouseEventKind::ScrollDown, .. } => Some(Input::ScrollBy(3).into()),
                TerminalEvent::Mouse { kind: MouseEventKind::Down(_), column, row } => {
                    let size = terminal.size().unwrap_or_default();
                    crate::ui::hit_test(&state, ratatui::layout::Rect::new(0, 0, size.width, size.height), column, row).map(Action::Input)
                }
                TerminalEvent::Mouse { .. } => None,
                TerminalEvent::Resize => {
                    dirty = true;
                    let _ = terminal.autoresize();
                    None
                }
            },
            Some(result) = actions.recv() => Some(result.into()),
            _ = ticks.tick() => Some(Action::Tick(now_ms())),
            _ = sigterm.recv() => {
                // Asked to end (a service manager, a closed terminal): no question, jobs end too.
                state.quit = true;
                None
            }
        };
        if let Some(action) = action {
            pending.extend(app::update(&mut state, action));
            dirty = true;
        }
    }
    stop.store(true, Ordering::Relaxed);
    if let Some(runner) = &runner {
        runner.end_all_jobs();
    }
    Ok(ExitCode::SUCCESS)
}
