//! The TUI without a terminal: the same reducer, runner, pollers and views, driven by key names
//! and the tokio clock, drawn to a text buffer. Tests, the README's pictures of the views and
//! the demo's benchmark run the program through it.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

use super::runner::Runner;
use super::{Session, extension_views, first_commands, key_action};
use crate::app::{self, Action, AppState, Command, TaskResult, WorkspaceResult};
use crate::cli::AwsArgs;
use crate::cloud::clock::Clock;
use crate::cloud::demo::demo_config;
use crate::config::{Stage, WorkspaceConfig};
use crate::ui::keymap::{Keymap, parse_key};
use crate::ui::theme::Theme;
use crate::workspace::Workspace;

/// How often the headless loop ticks, as the terminal loop does.
const TICK: Duration = Duration::from_millis(250);

/// The demo's TUI, headless.
pub struct Headless {
    pub state: AppState,
    runner: Runner,
    actions: mpsc::UnboundedReceiver<TaskResult>,
    keymap: Keymap,
    theme: Theme,
    clock: Clock,
}

impl Headless {
    /// `regship demo --seed SEED` on the workspace at `root`, its clock starting at `origin_ms`.
    /// Call it inside a tokio runtime (tests pause its time to make every run the same).
    pub fn demo(root: &Path, seed: u64, origin_ms: i64) -> Result<Headless, String> {
        let workspace = Arc::new(Workspace::load(root));
        let config = demo_config(&WorkspaceConfig::load(root)).map_err(|err| err.to_string())?;
        let clock = Clock::starting_at(origin_ms, 1.0);
        let mut state = AppState::new("regship", Stage::Sandbox);
        state.demo = true;
        let session = Session {
            config,
            root: root.to_path_buf(),
            aws: AwsArgs::default(),
            paths: None,
            clock,
            demo_seed: Some(seed),
        };
        let (sender, actions) = mpsc::unbounded_channel();
        let views = extension_views(&workspace);
        let runner = session.runner(workspace, sender.clone());
        let mut headless = Headless {
            state,
            runner,
            actions,
            keymap: Keymap::default_keymap(),
            theme: Theme::default_theme(),
            clock,
        };
        let first = first_commands(&mut headless.state, clock.now_ms());
        headless.run(first);
        let generation = headless.state.generation;
        headless.dispatch(TaskResult::new(
            generation,
            WorkspaceResult::Loaded(Ok(views)),
        ));
        Ok(headless)
    }

    fn run(&mut self, commands: Vec<Command>) {
        for command in commands {
            self.runner.run(command);
        }
    }

    /// One action through the reducer, its commands to the runner.
    pub fn dispatch(&mut self, action: impl Into<Action>) {
        let commands = app::update(&mut self.state, action);
        self.run(commands);
    }

    /// Keys as the keymap names them, separated by spaces (`d`, `enter`, `esc`, `D`); a word
    /// that is not a key is typed letter by letter.
    pub fn keys(&mut self, keys: &str) {
        for word in keys.split(' ') {
            match parse_key(word) {
                Ok(key) => self.key(key),
                Err(_) => {
                    for c in word.chars() {
                        self.key(crossterm::event::KeyEvent::from(
                            crossterm::event::KeyCode::Char(c),
                        ));
                    }
                }
            }
        }
    }

    /// Types a command line and submits it: `command("stage cicd")` is `:stage cicd` enter.
    pub fn command(&mut self, line: &str) {
        self.keys(":");
        for c in line.chars() {
            self.key(crossterm::event::KeyEvent::from(
                crossterm::event::KeyCode::Char(c),
            ));
        }
        self.keys("enter");
    }

    fn key(&mut self, key: crossterm::event::KeyEvent) {
        if let Some(action) = key_action(&self.state, &self.keymap, &key) {
            self.dispatch(action);
        }
    }

    /// Lets `duration` of clock time pass, ticking and applying every task result as it comes.
    pub async fn wait(&mut self, duration: Duration) {
        let end = self.clock.elapsed() + duration;
        while self.clock.elapsed() < end {
            self.clock.sleep(TICK).await;
            self.drain();
            self.dispatch(Action::Tick(self.clock.now_ms()));
        }
        self.drain();
    }

    /// Waits (up to `limit`) until the screen shows `text`; whether it did.
    pub async fn wait_for(&mut self, text: &str, limit: Duration) -> bool {
        let end = self.clock.elapsed() + limit;
        while self.clock.elapsed() < end {
            if self.screen(160, 48).contains(text) {
                return true;
            }
            self.wait(TICK).await;
        }
        self.screen(160, 48).contains(text)
    }

    fn drain(&mut self) {
        while let Ok(action) = self.actions.try_recv() {
            self.dispatch(action);
        }
    }

    /// The screen as a terminal of `width` x `height` would show it, one line per row.
    pub fn screen(&self, width: u16, height: u16) -> String {
        let backend = self.render(width, height);
        let buffer = backend.buffer();
        (0..height)
            .map(|y| {
                let line: String = (0..width)
                    .map(|x| buffer[(x, y)].symbol().to_string())
                    .collect();
                line.trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The screen as a test backend, for snapshots.
    pub fn render(&self, width: u16, height: u16) -> TestBackend {
        let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
            Ok(terminal) => terminal,
            Err(never) => match never {},
        };
        let _ =
            terminal.draw(|frame| crate::ui::draw(frame, &self.state, &self.theme, &self.keymap));
        terminal.backend().clone()
    }
}
