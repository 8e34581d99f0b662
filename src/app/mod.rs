//! The reducer: `update(state, action)` changes the state and returns the commands to run.
//! It never awaits, never touches the terminal or the network: behaviour lives here. Actions
//! are of three kinds: a person's input, a task's result, time. A result always reaches its
//! view, whatever dialog is open; input goes to the dialog, the input line or the help first.

pub mod actions;
pub mod bindings;
pub mod command_line;
mod dialogs;
pub mod guide;
mod navigation;
mod results;
pub mod state;

use crate::cloud::accounts::AccountRow;
use crate::cloud::{CloudError, Export, StackEvent, StackOutput};
use crate::config::Stage;
use crate::watch::intervals;
use crate::watch::stack_events::Start;
pub use actions::available;
use navigation::{follow, load_accounts, load_exports, load_pipeline, read_board};
pub use state::*;

/// Everything that can happen.
#[derive(Debug, Clone)]
pub enum Action {
    /// A key, the mouse or the command line (already mapped by the keymap).
    Input(Input),
    /// What a background task found (boxed: results are large, inputs and ticks small).
    Result(Box<TaskResult>),
    /// Time passed: the clock's milliseconds since the epoch.
    Tick(i64),
}

/// What a person asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Quit,
    Help,
    CommandMode,
    Filter,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Open,
    Back,
    Refresh,
    DeploySetup,
    DeleteSetup,
    /// Run a cfn command on the extension in sight.
    RunCfn(CfnVerb),
    /// Plan inputs/ (or, with `true`, test/integ.yml) for the extension in sight.
    Scaffold {
        integ: bool,
    },
    ToggleFollow,
    CancelJob,
    /// Run the selected extension's integration tests in the beta account.
    RunInteg,
    /// Run every extension's integration tests in the beta account, a few at a time.
    RunIntegAll,
    /// Start, retry or stop the stage's pipeline (through the guard and a confirmation).
    ControlPipeline(PipelineControl),
    Show(ViewKind),
    /// Typing into the command line, the filter or a typed confirmation.
    InputChar(char),
    InputBackspace,
    InputComplete,
    InputSubmit,
    InputCancel,
    /// Left/Right/Tab in a confirmation.
    DialogToggle,
    /// Mouse: scroll the current list, click a row.
    ScrollBy(i32),
    Select(usize),
}

/// What a background task reports back, stamped with the generation it was asked under: a
/// result bound to its generation (an account, a stack, a pipeline of the stage in sight) is
/// dropped once a switch made it stale, in one place (`results::apply`).
#[derive(Debug, Clone)]
pub struct TaskResult {
    pub generation: u64,
    pub result: ViewResult,
}

impl TaskResult {
    pub fn new(generation: u64, result: impl Into<ViewResult>) -> TaskResult {
        TaskResult {
            generation,
            result: result.into(),
        }
    }
}

/// The results by view, and how each view's enum becomes one.
macro_rules! view_results {
    ($($view:ident($result:ident)),* $(,)?) => {
        /// A result, by the view it feeds: each view's file applies its own enum whole, so a
        /// result routed to no view does not compile.
        #[derive(Debug, Clone)]
        pub enum ViewResult {
            $($view($result),)*
        }

        $(
            impl From<$result> for ViewResult {
                fn from(result: $result) -> ViewResult {
                    ViewResult::$view(result)
                }
            }
        )*
    };
}

view_results!(
    Workspace(WorkspaceResult),
    Accounts(AccountsResult),
    Events(EventsResult),
    Jobs(JobsResult),
    Beta(BetaResult),
    Rollout(RolloutResult),
    Board(BoardResult),
    Pipeline(PipelineResult),
);

impl ViewResult {
    /// Whether the result still applies after a switch of stage, region or view: what runs on
    /// (jobs, integration runs, the workspace, the board, a rollout being watched) does.
    pub fn outlives_a_switch(&self) -> bool {
        match self {
            ViewResult::Workspace(_)
            | ViewResult::Jobs(_)
            | ViewResult::Beta(_)
            | ViewResult::Board(_) => true,
            ViewResult::Rollout(result) => !matches!(result, RolloutResult::StepsLoaded(_)),
            ViewResult::Accounts(_) | ViewResult::Events(_) | ViewResult::Pipeline(_) => false,
        }
    }
}

/// The resources view: the workspace read again, a scaffold planned or applied.
#[derive(Debug, Clone)]
pub enum WorkspaceResult {
    Loaded(Result<Vec<ExtensionView>, String>),
    ScaffoldPlanned(Result<crate::scaffold::Plan, String>),
    ScaffoldApplied(Result<crate::scaffold::Applied, String>),
}

/// The accounts view: one stage's caller checked, the exports of the stage in sight.
#[derive(Debug, Clone)]
pub enum AccountsResult {
    Checked(AccountRow),
    ExportsLoaded(Result<Vec<Export>, CloudError>),
}

/// The events view: a poll of the stack followed, a deploy's plan and its start, the outputs.
#[derive(Debug, Clone)]
pub enum EventsResult {
    Polled {
        events: Vec<StackEvent>,
        problem: Option<String>,
        stopped: bool,
    },
    PlanReady(ChangePlan),
    NothingToChange(String),
    ChangeFailed(String),
    /// A change was started; follow `stack_id` after the event `after`.
    ChangeStarted {
        stage: Stage,
        stack_id: String,
        after: Option<String>,
    },
    OutputsLoaded {
        outputs: Vec<StackOutput>,
        exports: Vec<Export>,
    },
}

/// The job pane: a line of a running `cfn` job, and its end.
#[derive(Debug, Clone)]
pub enum JobsResult {
    Line { id: u64, line: String },
    Ended { id: u64, status: JobStatus },
}

/// The beta view: its rows, and the integration runs in progress.
#[derive(Debug, Clone)]
pub enum BetaResult {
    /// The rows (or why the history could not be read).
    Loaded(Result<Vec<crate::ops::integ::BetaRow>, String>),
    /// A line of a running integration run, and the id of the stack it is about, if any.
    IntegProgress {
        folder: String,
        line: String,
        stack_id: Option<String>,
    },
    /// An integration run ended (its result is in the history), or could not start.
    IntegFinished {
        folder: String,
        result: Result<Box<crate::ops::integ::IntegResult>, String>,
    },
}

/// The rollout view: the watcher after a poll, one region's steps, a confirmed change.
#[derive(Debug, Clone)]
pub enum RolloutResult {
    /// The watcher after a poll (or why it could not poll).
    Polled(Result<Box<crate::ops::rollout_watch::RolloutWatch>, CloudError>),
    /// One region's steps, read from its child in its region.
    StepsLoaded(Result<Vec<crate::cloud::StepRun>, CloudError>),
    /// What a confirmed change did (and the new rollout after a retry), or why it failed.
    Changed(Result<(String, Option<String>), String>),
}

/// The readiness board and the prod view it shares its column with.
#[derive(Debug, Clone)]
pub enum BoardResult {
    /// One of the board's reads.
    Read(crate::ops::status::BoardPart),
    /// The prod view's versions (or why the prod account could not be read).
    VersionsLoaded(Result<Vec<crate::ops::versions::ExtensionVersions>, CloudError>),
}

/// The pipeline view: the pipeline, the build followed, an execution, a change.
#[derive(Debug, Clone)]
pub enum PipelineResult {
    Loaded {
        stage: Stage,
        result: Result<PipelineView, CloudError>,
    },
    /// The build screen's build, and the log lines written since the last poll.
    BuildPolled {
        build: Option<crate::cloud::Build>,
        lines: Vec<String>,
        problem: Option<String>,
    },
    ExecutionLoaded(Result<ExecutionView, CloudError>),
    /// A pipeline change went through (the execution id) or failed.
    Changed(Result<String, String>),
}

impl From<Input> for Action {
    fn from(input: Input) -> Action {
        Action::Input(input)
    }
}

impl From<TaskResult> for Action {
    fn from(result: TaskResult) -> Action {
        Action::Result(Box::new(result))
    }
}

/// What the pipeline keys ask for; the reducer turns it into a `PipelineChange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineControl {
    Start,
    RetryFailed,
    Stop,
}

/// Work for the runner, outside the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    LoadAccounts {
        generation: u64,
    },
    LoadExports {
        generation: u64,
        stage: Stage,
    },
    Follow {
        generation: u64,
        stage: Stage,
        stack: String,
        start: Start,
    },
    /// Connect, check the account, create and compute a change set (or find the stack to delete).
    PlanChange {
        generation: u64,
        stage: Stage,
        folder: String,
        delete: bool,
    },
    Execute {
        generation: u64,
        stage: Stage,
        plan: ChangePlan,
    },

    Discard {
        stage: Stage,
        plan: ChangePlan,
    },
    LoadOutputs {
        generation: u64,
        stage: Stage,
        stack: String,
    },
    /// Run cfn in the extension's folder with the stage's profile and region (test: after the preflight).
    RunCfn {
        id: u64,
        folder: String,
        verb: CfnVerb,
        stage: Stage,
    },
    PlanScaffold {
        folder: String,
        integ: bool,
    },
    /// Each extension's integration runs, from the local history file.
    LoadBeta,
    /// Every extension's versions in each publishing region of the prod account.
    LoadVersions,
    /// The readiness board's reads: the local histories, and each of `stages`' accounts.
    ReadBoard {
        stages: Vec<Stage>,
    },
    /// The public versions of a few of prod's publishing regions (the board's prod column).
    ReadProdSlice {
        regions: Vec<String>,
        publisher: String,
    },
    /// Keeps a contract-test run in the history (the board's sandbox column reads it).
    RecordTestRun(crate::ops::status::TestRun),
    /// One poll of the prod rollout `watch` follows (none yet: the newest rollout's).
    PollRollout {
        watch: Option<Box<crate::ops::rollout_watch::RolloutWatch>>,
    },
    /// `regship integ` for one extension in the beta account, reported as it goes.
    RunInteg {
        folder: String,
    },
    /// GetPipelineState and the latest executions of the stage's pipeline.
    LoadPipeline {
        generation: u64,
        stage: Stage,
    },
    /// GetPipelineExecution and ListActionExecutions of one execution.
    LoadExecution {
        generation: u64,
        stage: Stage,
        execution_id: String,
    },
    /// Read one rollout region's steps from its child execution, with a prod connection of that
    /// region.
    LoadRolloutSteps {
        generation: u64,
        region: String,
        child: String,
    },
    /// Poll a build and read its log until the build ends.
    FollowBuild {
        generation: u64,
        stage: Stage,
        build_id: String,
    },
    /// Connect and check the account before a pipeline change is confirmed.
    PlanPipelineChange {
        generation: u64,
        stage: Stage,
        change: PipelineChange,
    },
    /// Checks the prod account before a rollout's retry or stop.
    PlanRolloutChange {
        generation: u64,
        change: crate::ops::plans::RolloutChange,
    },
    ApplyScaffold {
        plan: crate::scaffold::Plan,
    },
    CancelJob {
        id: u64,
    },
    /// Regions, stages, stacks changed: tasks of older generations stop.
    CancelBefore {
        generation: u64,
    },
}

const PAGE: usize = 10;

fn notice(state: &mut AppState, text: impl Into<String>, error: bool) {
    let notice = Notice {
        text: text.into(),
        error,
    };
    if state.messages.len() == MESSAGES_KEPT {
        state.messages.pop_front();
    }
    state.messages.push_back((state.now_ms, notice.clone()));
    state.notice = Some(notice);
}

/// Moves the help or a message dialog by one scrolling input; whether `input` was one.
fn scroll_overlay(state: &mut AppState, input: &Input) -> bool {
    let scroll = &mut state.overlay_scroll;
    match input {
        Input::Up => *scroll = scroll.saturating_sub(1),
        Input::Down => *scroll += 1,
        Input::PageUp => *scroll = scroll.saturating_sub(PAGE),
        Input::PageDown => *scroll += PAGE,
        Input::Top => *scroll = 0,
        // The drawing clamps it to the last page.
        Input::Bottom => *scroll = usize::MAX / 2,
        _ => return false,
    }
    true
}

/// Applies one action; returns the commands it calls for.
pub fn update(state: &mut AppState, action: impl Into<Action>) -> Vec<Command> {
    match action.into() {
        Action::Input(input) => navigation::input(state, input),
        Action::Result(result) => results::apply(state, *result),
        Action::Tick(now_ms) => tick(state, now_ms),
    }
}

/// Time: the pipeline view and the build column poll, and the configured refresh.
fn tick(state: &mut AppState, now_ms: i64) -> Vec<Command> {
    state.now_ms = now_ms;
    // The rollout view polls every 15 s until the rollout ends.
    if state.screen() == &Screen::List(ViewKind::Rollout)
        && let Loadable::Loaded { value, at_ms } = &state.prod_rollout.watch
        && value
            .state
            .as_ref()
            .is_some_and(|s| !crate::ops::rollout_watch::is_final(&s.status))
        && now_ms - at_ms >= intervals::ROLLOUT.as_millis() as i64
    {
        return navigation::load_rollout(state);
    }
    // The pipeline view polls every 5 s while an execution runs, every 30 s otherwise.
    if state.screen() == &Screen::List(ViewKind::Pipeline)
        && let Loadable::Loaded { value, at_ms } = &state.cicd.pipeline
        && now_ms - at_ms >= value.state.poll_interval().as_millis() as i64
    {
        return load_pipeline(state);
    }
    // The readiness board: its stages read every minute while the resources view shows.
    if state.view() == ViewKind::Resources
        && matches!(state.extensions, Loadable::Loaded { .. })
        && state
            .readiness
            .read_ms
            .is_none_or(|at| now_ms - at >= intervals::BOARD.as_millis() as i64)
    {
        return read_board(state);
    }
    if state.refresh_interval_ms > 0
        && now_ms - state.last_refresh_ms >= state.refresh_interval_ms
        && state.last_refresh_ms > 0
    {
        state.last_refresh_ms = now_ms;
        let mut commands = Vec::new();
        if state.view() == ViewKind::Accounts {
            commands.extend(load_accounts(state));
        }
        if matches!(state.screen(), Screen::ResourceDetail(_)) {
            commands.extend(load_exports(state));
        }
        return commands;
    }
    if state.last_refresh_ms == 0 {
        state.last_refresh_ms = now_ms;
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
