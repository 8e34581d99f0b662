//! The reducer: `update(state, action)` changes the state and returns the commands to run.
//! It never awaits, never touches the terminal or the network: behaviour lives here. Actions
//! are of three kinds: a person's input, a task's result, time. A result always reaches its
//! view, whatever dialog is open; input goes to the dialog, the input line or the help first.

pub mod bindings;
pub mod command_line;
mod dialogs;
pub mod guide;
mod navigation;
mod results;
pub mod state;

use crate::cloud::accounts::AccountRow;
use crate::cloud::{Export, StackEvent, StackOutput};
use crate::config::Stage;
use crate::watch::intervals;
use crate::watch::stack_events::Start;
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

/// What a background task reports back; each result carries the generation that asked for it
/// when a newer one makes it stale.
#[derive(Debug, Clone)]
pub enum TaskResult {
    WorkspaceLoaded(Result<Vec<ExtensionView>, String>),
    AccountChecked {
        generation: u64,
        row: AccountRow,
    },
    ExportsLoaded {
        generation: u64,
        result: Result<Vec<Export>, String>,
    },
    EventsPolled {
        generation: u64,
        events: Vec<StackEvent>,
        problem: Option<String>,
        stopped: bool,
    },
    PlanReady {
        generation: u64,
        plan: ChangePlan,
    },
    NothingToChange {
        generation: u64,
        message: String,
    },
    ChangeFailed {
        generation: u64,
        message: String,
    },
    /// A change was started; follow `stack_id` after the event `after`.
    ChangeStarted {
        generation: u64,
        stage: Stage,
        stack_id: String,
        after: Option<String>,
    },
    OutputsLoaded {
        generation: u64,
        outputs: Vec<StackOutput>,
        exports: Vec<Export>,
    },
    JobLine {
        id: u64,
        line: String,
    },
    JobEnded {
        id: u64,
        status: JobStatus,
    },
    ScaffoldPlanned(Result<crate::scaffold::Plan, String>),
    ScaffoldApplied(Result<crate::scaffold::Applied, String>),
    /// The beta view's rows (or why the history could not be read).
    BetaLoaded(Result<Vec<crate::ops::integ::BetaRow>, String>),
    /// The rollout view's watcher after a poll (or why it could not poll).
    RolloutPolled(Result<Box<crate::ops::rollout_watch::RolloutWatch>, String>),
    /// The prod view's versions (or why the prod account could not be read).
    VersionsLoaded(Result<Vec<crate::ops::versions::ExtensionVersions>, String>),
    /// One of the readiness board's reads.
    BoardRead(crate::ops::status::BoardPart),
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
    PipelineLoaded {
        generation: u64,
        stage: Stage,
        result: Result<PipelineView, String>,
    },
    /// The build screen's build, and the log lines written since the last poll.
    BuildPolled {
        generation: u64,
        build: Option<crate::cloud::Build>,
        lines: Vec<String>,
        problem: Option<String>,
    },
    ExecutionLoaded {
        generation: u64,
        result: Result<ExecutionView, String>,
    },
    /// One rollout region's steps, read from its child in its region.
    RolloutStepsLoaded {
        generation: u64,
        result: Result<Vec<crate::cloud::StepRun>, String>,
    },
    /// A pipeline change went through (the execution id) or failed.
    PipelineChanged {
        generation: u64,
        result: Result<String, String>,
    },
    /// A confirmed rollout change happened (what, and the new rollout after a retry), or not.
    RolloutChanged(Result<(String, Option<String>), String>),
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
    state.notice = Some(Notice {
        text: text.into(),
        error,
    });
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
        && let Loadable::Loaded { value, at_ms } = &state.rollout
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
        && let Loadable::Loaded { value, at_ms } = &state.pipeline
        && now_ms - at_ms >= value.state.poll_interval().as_millis() as i64
    {
        return load_pipeline(state);
    }
    // The readiness board: its stages read every minute while the resources view shows.
    if state.view() == ViewKind::Resources
        && matches!(state.extensions, Loadable::Loaded { .. })
        && state
            .board_read_ms
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
