//! The reducer: `update(state, action)` changes the state and returns the commands to run.
//! It never awaits, never touches the terminal or the network: behaviour lives here.

pub mod command_line;
pub mod guide;
pub mod state;

use std::collections::{BTreeMap, VecDeque};

use crate::cloud::accounts::AccountRow;
use crate::cloud::{Export, StackEvent, StackOutput};
use crate::config::Stage;
use crate::watch::intervals;
use crate::watch::stack_events::{StackWatch, Start};
pub use state::*;

/// Everything that can happen: keys (already mapped by the keymap), mouse, time, task results.
#[derive(Debug, Clone)]
pub enum Action {
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
    Tick(i64),
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
    /// A pipeline change went through (the execution id) or failed.
    PipelineChanged {
        generation: u64,
        result: Result<String, String>,
    },
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

fn move_selection(state: &mut AppState, delta: isize) {
    let view = state.view();
    if let Screen::ResourceDetail(_) = state.screen() {
        state.detail_scroll = state.detail_scroll.saturating_add_signed(delta);
        return;
    }
    if view == ViewKind::Events {
        if let Some(events) = &mut state.events {
            let max = events.watch.events.len().saturating_sub(1);
            events.scroll_up = events.scroll_up.saturating_add_signed(-delta).min(max);
            events.follow = events.scroll_up == 0;
        }
        return;
    }
    let count = state.row_count(view);
    let current = state.selected(view) as isize;
    let next = (current + delta).clamp(0, count.saturating_sub(1) as isize) as usize;
    state.selected.insert(view, next);
}

fn notice(state: &mut AppState, text: impl Into<String>, error: bool) {
    state.notice = Some(Notice {
        text: text.into(),
        error,
    });
}

fn show(state: &mut AppState, view: ViewKind) -> Vec<Command> {
    state.screens = vec![Screen::List(ViewKind::Resources)];
    if view != ViewKind::Resources {
        state.screens.push(Screen::List(view));
    }
    state.filter.clear();
    match view {
        ViewKind::Accounts if state.accounts.is_empty() => load_accounts(state),
        ViewKind::Pipeline => load_pipeline(state),
        _ => Vec::new(),
    }
}

fn load_accounts(state: &mut AppState) -> Vec<Command> {
    for stage in Stage::ALL {
        state.accounts.insert(stage, Loadable::Loading);
    }
    vec![Command::LoadAccounts {
        generation: state.generation,
    }]
}

fn load_pipeline(state: &mut AppState) -> Vec<Command> {
    if !matches!(state.pipeline, Loadable::Loaded { .. }) {
        state.pipeline = Loadable::Loading;
    }
    vec![Command::LoadPipeline {
        generation: state.generation,
        stage: state.stage,
    }]
}

/// Reads the CI/CD pipeline for the resources view's build column.
fn load_build_status(state: &mut AppState) -> Vec<Command> {
    if state.build_status == Loadable::NotLoaded {
        state.build_status = Loadable::Loading;
    }
    vec![Command::LoadPipeline {
        generation: state.generation,
        stage: Stage::Cicd,
    }]
}

/// Each extension folder's latest build action status.
fn latest_build_status(view: &PipelineView) -> BTreeMap<String, String> {
    view.state
        .stages
        .iter()
        .flat_map(|stage| &stage.actions)
        .filter_map(|action| {
            let folder = view.extension_of(&action.name)?;
            Some((folder.to_string(), action.status.clone()?))
        })
        .collect()
}

/// Enter in the pipeline view: a build action's build (phases and log, followed live), or an
/// execution's actions.
fn open_pipeline_row(state: &mut AppState) -> Vec<Command> {
    let selected = state.selected(ViewKind::Pipeline);
    let Some(view) = state.pipeline.value() else {
        return Vec::new();
    };
    if let Some(execution) = view.execution_at(selected) {
        let execution_id = execution.id.clone();
        state.execution = Loadable::Loading;
        state.screens.push(Screen::Execution(execution_id.clone()));
        return vec![Command::LoadExecution {
            generation: state.generation,
            stage: state.stage,
            execution_id,
        }];
    }
    let Some((_, action)) = view.action_at(selected) else {
        return Vec::new();
    };
    let Some(build_id) = action.external_id.clone() else {
        let text = format!("{} has no build to show yet", action.name);
        notice(state, text, true);
        return Vec::new();
    };
    let extension = state
        .pipeline
        .value()
        .and_then(|view| view.extension_of(&action.name))
        .map(String::from);
    state.build = Some(BuildView {
        id: build_id.clone(),
        action: action.name.clone(),
        extension,
        build: None,
        lines: VecDeque::new(),
        problem: None,
        updated_ms: None,
    });
    state.screens.push(Screen::Build(build_id.clone()));
    state.generation += 1;
    vec![
        Command::CancelBefore {
            generation: state.generation,
        },
        Command::FollowBuild {
            generation: state.generation,
            stage: state.stage,
            build_id,
        },
    ]
}

/// In read-only mode, says so and returns true: the change must not start.
fn refused_read_only(state: &mut AppState) -> bool {
    if state.read_only {
        notice(
            state,
            "read-only: restart without --read-only to change anything",
            true,
        );
    }
    state.read_only
}

/// S, R, X in the pipeline view: what to change, checked by the guard in the runner.
fn control_pipeline(state: &mut AppState, control: PipelineControl) -> Vec<Command> {
    if state.view() != ViewKind::Pipeline {
        return Vec::new();
    }
    if refused_read_only(state) {
        return Vec::new();
    }
    let Some(view) = state.pipeline.value() else {
        notice(state, "the pipeline is not loaded yet", true);
        return Vec::new();
    };
    let change = match control {
        PipelineControl::Start => PipelineChange::Start,
        PipelineControl::RetryFailed => {
            let Some((stage, execution_id)) = view.state.failed_stage() else {
                notice(state, "no stage has failed: nothing to retry", true);
                return Vec::new();
            };
            let failed = view
                .state
                .failed_actions(stage)
                .into_iter()
                .map(String::from)
                .collect();
            PipelineChange::Retry {
                stage: stage.to_string(),
                execution_id: execution_id.to_string(),
                failed,
            }
        }
        PipelineControl::Stop => {
            let Some(execution_id) = view.state.running_execution() else {
                notice(state, "nothing runs: nothing to stop", true);
                return Vec::new();
            };
            PipelineChange::Stop {
                execution_id: execution_id.to_string(),
            }
        }
    };
    state.dialog = Some(Dialog::Busy("checking the account".into()));
    vec![Command::PlanPipelineChange {
        generation: state.generation,
        stage: state.stage,
        change,
    }]
}

fn load_exports(state: &mut AppState) -> Vec<Command> {
    state.exports = Loadable::Loading;
    vec![Command::LoadExports {
        generation: state.generation,
        stage: state.stage,
    }]
}

/// Starts following `stack` in the events view, cancelling the previous follow.
fn follow(state: &mut AppState, stage: Stage, stack: &str, start: Start) -> Vec<Command> {
    state.generation += 1;
    state.events = Some(EventsView {
        stage,
        watch: StackWatch::new(stack, state.history_cap),
        follow: true,
        scroll_up: 0,
        problem: None,
        stopped: false,
        updated_ms: None,
        outputs: None,
        references: Vec::new(),
    });
    let mut commands = vec![Command::CancelBefore {
        generation: state.generation,
    }];
    commands.extend(show(state, ViewKind::Events));
    commands.push(Command::Follow {
        generation: state.generation,
        stage,
        stack: stack.to_string(),
        start,
    });
    commands
}

/// The one way to another stage (`:stage`, enter in the accounts view): the region override
/// goes, and whatever depends on the stage is read again.
fn switch_stage(state: &mut AppState, stage: Stage) -> Vec<Command> {
    state.stage = stage;
    state.region = None;
    state.region_override = None;
    notice(state, format!("stage {stage}"), false);
    switch_context(state)
}

fn switch_context(state: &mut AppState) -> Vec<Command> {
    state.generation += 1;
    state.accounts.clear();
    state.exports = Loadable::NotLoaded;
    state.pipeline = Loadable::NotLoaded;
    let mut commands = vec![Command::CancelBefore {
        generation: state.generation,
    }];
    commands.extend(load_accounts(state));
    match state.screen() {
        Screen::ResourceDetail(_) => commands.extend(load_exports(state)),
        Screen::List(ViewKind::Pipeline) => commands.extend(load_pipeline(state)),
        _ => {}
    }
    commands
}

fn run_line(state: &mut AppState, line: &str) -> Vec<Command> {
    match command_line::parse(line) {
        Ok(command_line::LineCommand::Resources) => show(state, ViewKind::Resources),
        Ok(command_line::LineCommand::Accounts) => show(state, ViewKind::Accounts),
        Ok(command_line::LineCommand::Jobs) => show(state, ViewKind::Jobs),
        Ok(command_line::LineCommand::Pipeline) => show(state, ViewKind::Pipeline),
        Ok(command_line::LineCommand::Events(None)) => show(state, ViewKind::Events),
        Ok(command_line::LineCommand::Events(Some(stack))) => {
            follow(state, state.stage, &stack, Start::LatestOperation)
        }
        Ok(command_line::LineCommand::Help) => {
            state.help = true;
            Vec::new()
        }
        Ok(command_line::LineCommand::Quit) => {
            state.quit = true;
            Vec::new()
        }
        Ok(command_line::LineCommand::Stage(stage)) => switch_stage(state, stage),
        Ok(command_line::LineCommand::Region(region)) => {
            notice(state, format!("region {region}"), false);
            state.region = Some(region.clone());
            state.region_override = Some(region);
            switch_context(state)
        }
        Err(message) => {
            notice(state, message, true);
            Vec::new()
        }
    }
}

fn stack_names(state: &AppState) -> Vec<String> {
    state
        .extensions
        .value()
        .map(|list| list.iter().map(|e| e.setup_stack.clone()).collect())
        .unwrap_or_default()
}

fn handle_input(state: &mut AppState, action: &Action) -> Option<Vec<Command>> {
    let input = state.input.as_mut()?;
    match action {
        Action::InputChar(c) => input.text.push(*c),
        Action::InputBackspace => {
            input.text.pop();
        }
        Action::InputComplete if input.kind == InputKind::Command => {
            let stacks = stack_names(state);
            if let Some(input) = state.input.as_mut() {
                input.text = command_line::complete(&input.text, &stacks);
            }
        }
        Action::InputCancel => {
            if input.kind == InputKind::Filter {
                state.filter.clear();
            }
            state.input = None;
        }
        Action::InputSubmit => {
            let line = state.input.take()?;
            return Some(match line.kind {
                InputKind::Command => run_line(state, &line.text),
                InputKind::Filter => Vec::new(),
            });
        }
        _ => return None,
    }
    if let Some(InputLine {
        kind: InputKind::Filter,
        text,
    }) = &state.input
    {
        state.filter = text.clone();
        state.selected.insert(state.view(), 0);
    }
    Some(Vec::new())
}

fn handle_dialog(state: &mut AppState, action: &Action) -> Option<Vec<Command>> {
    let dialog = state.dialog.as_mut()?;
    match dialog {
        Dialog::Busy(_) => match action {
            Action::Quit => None,
            _ => Some(Vec::new()),
        },
        Dialog::Message { .. } => {
            if matches!(
                action,
                Action::InputSubmit | Action::InputCancel | Action::Back | Action::Open
            ) {
                state.dialog = None;
            }
            Some(Vec::new())
        }
        Dialog::Scaffold { plan, yes } => {
            if choose(yes, action) {
                return Some(Vec::new());
            }
            match action {
                Action::InputCancel | Action::Back => {
                    state.dialog = None;
                    notice(state, "cancelled: nothing was written", false);
                }
                Action::InputSubmit => {
                    let (plan, confirmed) = (plan.clone(), *yes);
                    state.dialog = None;
                    if !confirmed {
                        notice(state, "not confirmed: nothing was written", false);
                        return Some(Vec::new());
                    }
                    state.dialog = Some(Dialog::Busy("writing the files".into()));
                    return Some(vec![Command::ApplyScaffold { plan }]);
                }
                _ => {}
            }
            Some(Vec::new())
        }
        Dialog::Confirm { plan, yes, typed } => {
            let prod = plan.authorization.stage() == Stage::Prod;
            if !prod && choose(yes, action) {
                return Some(Vec::new());
            }
            match action {
                Action::InputChar(c) if prod => typed.push(*c),
                Action::InputBackspace if prod => {
                    typed.pop();
                }
                Action::InputCancel | Action::Back => {
                    let plan = plan.clone();
                    state.dialog = None;
                    notice(state, "cancelled: nothing was changed", false);
                    return Some(discard(plan));
                }
                Action::InputSubmit => {
                    let confirmed = if prod {
                        typed.trim() == plan.authorization.account() || typed.trim() == "prod"
                    } else {
                        *yes
                    };
                    let plan = plan.clone();
                    state.dialog = None;
                    if !confirmed {
                        notice(state, "not confirmed: nothing was changed", false);
                        return Some(discard(plan));
                    }
                    let stage = plan.authorization.stage();
                    state.dialog = Some(Dialog::Busy(format!(
                        "starting the change on {}",
                        plan.target
                    )));

                    return Some(vec![Command::Execute {
                        generation: state.generation,
                        stage,
                        plan,
                    }]);
                }
                _ => {}
            }
            Some(Vec::new())
        }
    }
}

/// The No / Yes choice of a dialog: tab or arrows toggle, y and n pick. Whether the action was one.
fn choose(yes: &mut bool, action: &Action) -> bool {
    match action {
        Action::DialogToggle => *yes = !*yes,
        Action::InputChar('y' | 'Y') => *yes = true,
        Action::InputChar('n' | 'N') => *yes = false,
        _ => return false,
    }
    true
}

fn discard(plan: ChangePlan) -> Vec<Command> {
    match plan.kind {
        PlanKind::Deploy { .. } => vec![Command::Discard {
            stage: plan.authorization.stage(),
            plan,
        }],
        PlanKind::Delete | PlanKind::Pipeline(_) => Vec::new(),
    }
}

/// Applies one action; returns the commands it calls for.
pub fn update(state: &mut AppState, action: Action) -> Vec<Command> {
    let from_user = !is_result(&action) && !matches!(action, Action::Tick(_));
    if from_user {
        if let Some(commands) = handle_dialog(state, &action) {
            return commands;
        }
        if let Some(commands) = handle_input(state, &action) {
            return commands;
        }
        if state.help && !matches!(action, Action::Quit) {
            state.help = false;
            return Vec::new();
        }
    }
    match action {
        Action::Quit => state.quit = true,
        Action::Help => state.help = true,
        Action::CommandMode => {
            state.input = Some(InputLine {
                kind: InputKind::Command,
                text: String::new(),
            })
        }
        Action::Filter => {
            state.input = Some(InputLine {
                kind: InputKind::Filter,
                text: state.filter.clone(),
            })
        }
        Action::Up => move_selection(state, -1),
        Action::Down => move_selection(state, 1),
        Action::PageUp => move_selection(state, -(PAGE as isize)),
        Action::PageDown => move_selection(state, PAGE as isize),
        Action::ScrollBy(delta) => move_selection(state, delta as isize),
        Action::Top => move_selection(state, isize::MIN / 2),
        Action::Bottom => {
            if let Some(events) = state
                .events
                .as_mut()
                .filter(|_| state.screens.last() == Some(&Screen::List(ViewKind::Events)))
            {
                events.scroll_up = 0;
                events.follow = true;
            } else {
                move_selection(state, isize::MAX / 2);
            }
        }
        Action::Select(index) => {
            let view = state.view();
            if index < state.row_count(view) && view != ViewKind::Events {
                state.selected.insert(view, index);
            }
        }
        Action::Open => return open(state),
        Action::Back => {
            if !state.filter.is_empty() {
                state.filter.clear();
            } else if state.screens.len() > 1 {
                let left = state.screens.pop();
                state.detail_scroll = 0;
                if let Some(Screen::Build(_)) = left {
                    // Leaving the build screen stops its poller.
                    state.build = None;
                    state.generation += 1;
                    return vec![Command::CancelBefore {
                        generation: state.generation,
                    }];
                }
            }
        }
        Action::Show(view) => return show(state, view),
        Action::Refresh => return refresh(state),
        Action::ToggleFollow => {
            if let Some(events) = &mut state.events {
                events.follow = !events.follow;
                if events.follow {
                    events.scroll_up = 0;
                }
            }
        }
        Action::DeploySetup | Action::DeleteSetup => {
            let delete = matches!(action, Action::DeleteSetup);
            let Some(extension) = state.current_extension() else {
                notice(state, "select an extension first", true);
                return Vec::new();
            };
            if !extension.row.setup && !delete {
                let text = format!("{} has no test/setup.yml to deploy", extension.row.folder);
                notice(state, text, true);
                return Vec::new();
            }
            let folder = extension.row.folder.clone();
            if refused_read_only(state) {
                return Vec::new();
            }
            state.dialog = Some(Dialog::Busy(format!(
                "{} setup of {folder}: checking the account",
                if delete { "deleting" } else { "planning the" }
            )));
            return vec![Command::PlanChange {
                generation: state.generation,
                stage: state.stage,
                folder,
                delete,
            }];
        }
        Action::RunCfn(verb) => {
            let Some(extension) = state.current_extension() else {
                notice(state, "select an extension first", true);
                return Vec::new();
            };
            let folder = extension.row.folder.clone();
            if verb == CfnVerb::Submit && state.read_only {
                notice(
                    state,
                    "read-only: restart without --read-only to submit",
                    true,
                );
                return Vec::new();
            }
            let id = state.next_job_id;
            state.next_job_id += 1;
            state.jobs.push(JobView {
                id,
                title: format!("cfn {} · {folder}", verb.name()),
                verb,
                lines: Default::default(),
                status: JobStatus::Running,
                summary: Default::default(),
            });
            let mut commands = show(state, ViewKind::Jobs);
            state.selected.insert(ViewKind::Jobs, state.jobs.len() - 1);
            commands.push(Command::RunCfn {
                id,
                folder,
                verb,
                stage: state.stage,
            });
            return commands;
        }
        Action::Scaffold { integ } => {
            let Some(extension) = state.current_extension() else {
                notice(state, "select an extension first", true);
                return Vec::new();
            };
            let folder = extension.row.folder.clone();
            state.dialog = Some(Dialog::Busy(format!(
                "planning {} for {folder}",
                if integ { "test/integ.yml" } else { "inputs/" }
            )));
            return vec![Command::PlanScaffold { folder, integ }];
        }
        Action::ControlPipeline(control) => return control_pipeline(state, control),
        Action::CancelJob => {
            if state.view() == ViewKind::Jobs
                && let Some(job) = state.jobs.get(state.selected(ViewKind::Jobs))
                && job.status == JobStatus::Running
            {
                return vec![Command::CancelJob { id: job.id }];
            }
        }
        Action::Tick(now_ms) => {
            state.now_ms = now_ms;
            // The pipeline view polls every 5 s while an execution runs, every 30 s otherwise.
            if state.screen() == &Screen::List(ViewKind::Pipeline)
                && let Loadable::Loaded { value, at_ms } = &state.pipeline
                && now_ms - at_ms >= value.state.poll_interval().as_millis() as i64
            {
                return load_pipeline(state);
            }
            // The resources view's build column: the CI/CD pipeline read every 60 s.
            if state.cicd_pipeline
                && state.view() == ViewKind::Resources
                && let Loadable::Loaded { at_ms, .. } | Loadable::Failed { at_ms, .. } =
                    state.build_status
                && now_ms - at_ms >= intervals::BUILD_COLUMN.as_millis() as i64
            {
                return load_build_status(state);
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
        }
        result => return apply_result(state, result),
    }
    Vec::new()
}

fn is_result(action: &Action) -> bool {
    matches!(
        action,
        Action::WorkspaceLoaded(_)
            | Action::AccountChecked { .. }
            | Action::ExportsLoaded { .. }
            | Action::EventsPolled { .. }
            | Action::PlanReady { .. }
            | Action::NothingToChange { .. }
            | Action::ChangeFailed { .. }
            | Action::ChangeStarted { .. }
            | Action::OutputsLoaded { .. }
            | Action::JobLine { .. }
            | Action::JobEnded { .. }
            | Action::ScaffoldPlanned(_)
            | Action::ScaffoldApplied(_)
            | Action::PipelineLoaded { .. }
            | Action::BuildPolled { .. }
            | Action::ExecutionLoaded { .. }
            | Action::PipelineChanged { .. }
    )
}

fn open(state: &mut AppState) -> Vec<Command> {
    match state.screen().clone() {
        Screen::List(ViewKind::Resources) => {
            if let Some(extension) = state.current_extension() {
                let folder = extension.row.folder.clone();
                state.screens.push(Screen::ResourceDetail(folder));
                state.detail_scroll = 0;
                state.filter.clear();
                return load_exports(state);
            }
            Vec::new()
        }
        Screen::List(ViewKind::Pipeline) => open_pipeline_row(state),
        Screen::List(ViewKind::Accounts) => {
            let stage = Stage::ALL[state.selected(ViewKind::Accounts).min(3)];
            if stage != state.stage {
                return switch_stage(state, stage);
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

fn refresh(state: &mut AppState) -> Vec<Command> {
    match state.screen().clone() {
        Screen::List(ViewKind::Accounts) => load_accounts(state),
        Screen::List(ViewKind::Pipeline) => load_pipeline(state),
        Screen::ResourceDetail(_) => load_exports(state),
        Screen::List(ViewKind::Events) => {
            let Some(events) = &state.events else {
                return Vec::new();
            };
            let (stage, stack) = (events.stage, events.watch.stack.clone());
            let after = events.watch.events.back().map(|e| e.event_id.clone());
            let watch = events.watch.clone();
            let commands = follow(
                state,
                stage,
                &stack,
                after.map_or(Start::LatestOperation, Start::After),
            );
            if let Some(events) = &mut state.events {
                events.watch = watch;
            }
            commands
        }
        _ => Vec::new(),
    }
}

fn apply_result(state: &mut AppState, action: Action) -> Vec<Command> {
    let current = state.generation;
    match action {
        Action::WorkspaceLoaded(Ok(extensions)) => {
            state.extensions = Loadable::Loaded {
                value: extensions,
                at_ms: state.now_ms,
            };
            if state.cicd_pipeline && state.build_status == Loadable::NotLoaded {
                return load_build_status(state);
            }
        }
        Action::WorkspaceLoaded(Err(message)) => {
            state.extensions = Loadable::Failed {
                message,
                at_ms: state.now_ms,
            };
        }
        Action::AccountChecked { generation, row } if generation == current => {
            if row.stage == state.stage {
                state.profile = row.profile.clone();
                state.region = state.region_override.clone().or(row.region.clone());
            }
            state.accounts.insert(
                row.stage,
                Loadable::Loaded {
                    value: row,
                    at_ms: state.now_ms,
                },
            );
        }
        Action::ExportsLoaded { generation, result } if generation == current => {
            state.exports = Loadable::from_result(result, state.now_ms);
        }
        Action::EventsPolled {
            generation,
            events,
            problem,
            stopped,
        } if generation == current => {
            let now = state.now_ms;
            if let Some(view) = &mut state.events {
                let added = view.watch.merge(events.into_iter().rev().collect()).len();
                if !view.follow {
                    view.scroll_up += added;
                }
                view.problem = problem;
                view.stopped = stopped;
                view.updated_ms = Some(now);
                if view.watch.outcome() == Some(true) && view.outputs.is_none() {
                    let (stage, stack) = (view.stage, view.watch.stack.clone());
                    return vec![Command::LoadOutputs {
                        generation,
                        stage,
                        stack,
                    }];
                }
            }
        }
        Action::PlanReady { generation, plan } if generation == current => {
            state.dialog = Some(Dialog::Confirm {
                plan,
                yes: false,
                typed: String::new(),
            });
        }
        Action::NothingToChange {
            generation,
            message,
        } if generation == current => {
            state.dialog = Some(Dialog::Message {
                title: "Nothing to change".into(),
                body: message,
            });
        }
        Action::ChangeFailed {
            generation,
            message,
        } if generation == current => {
            state.dialog = Some(Dialog::Message {
                title: "The change did not start".into(),
                body: message,
            });
        }
        Action::ChangeStarted {
            generation,
            stage,
            stack_id,
            after,
        } if generation == current => {
            state.dialog = None;
            let start = after.map_or(Start::Beginning, Start::After);
            return follow(state, stage, &stack_id, start);
        }
        Action::OutputsLoaded {
            generation,
            outputs,
            exports,
        } if generation == current => {
            let references = state
                .events
                .as_ref()
                .and_then(|view| {
                    state
                        .extensions
                        .value()?
                        .iter()
                        .find(|e| e.setup_stack == view.watch.stack_name)
                })
                .map(|extension| {
                    let names = crate::workspace::unique_export_names(&extension.references);
                    names
                        .into_iter()
                        .map(|name| {
                            let value = exports
                                .iter()
                                .find(|e| e.name == name)
                                .map(|e| e.value.clone());
                            (name, value)
                        })
                        .collect()
                })
                .unwrap_or_default();
            if let Some(view) = &mut state.events {
                view.outputs = Some(outputs);
                view.references = references;
            }
        }
        Action::PipelineLoaded {
            generation,
            stage,
            result,
        } => {
            if stage == Stage::Cicd {
                state.build_status = Loadable::from_result(
                    result
                        .as_ref()
                        .map(latest_build_status)
                        .map_err(Clone::clone),
                    state.now_ms,
                );
            }
            if generation == current && stage == state.stage {
                state.pipeline = Loadable::from_result(result, state.now_ms);
            }
        }
        Action::BuildPolled {
            generation,
            build,
            lines,
            problem,
        } if generation == current => {
            if let Some(view) = &mut state.build {
                if build.is_some() {
                    view.build = build;
                }
                view.lines.extend(lines);
                while view.lines.len() > BUILD_LINES_KEPT {
                    view.lines.pop_front();
                }
                view.problem = problem;
                view.updated_ms = Some(state.now_ms);
            }
        }
        Action::ExecutionLoaded { generation, result } if generation == current => {
            state.execution = Loadable::from_result(result, state.now_ms);
        }
        Action::PipelineChanged { generation, result } if generation == current => {
            state.dialog = None;
            match result {
                Ok(message) => notice(state, message, false),
                Err(message) => {
                    state.dialog = Some(Dialog::Message {
                        title: "The pipeline did not change".into(),
                        body: message,
                    })
                }
            }
            return load_pipeline(state);
        }
        Action::ScaffoldPlanned(Ok(plan)) => {
            if plan.preview().is_empty() {
                state.dialog = Some(Dialog::Message {
                    title: "Nothing to write".into(),
                    body: "the files already have this content".into(),
                });
            } else {
                state.dialog = Some(Dialog::Scaffold { plan, yes: false });
            }
        }
        Action::ScaffoldPlanned(Err(message)) => {
            state.dialog = Some(Dialog::Message {
                title: "Cannot scaffold".into(),
                body: message,
            });
        }
        Action::ScaffoldApplied(result) => {
            state.dialog = None;
            match result {
                Ok(applied) => {
                    let backups = if applied.backups.is_empty() {
                        String::new()
                    } else {
                        format!(" (old content kept in {})", applied.backups.join(", "))
                    };
                    notice(
                        state,
                        format!("wrote {}{backups}", applied.written.join(", ")),
                        false,
                    );
                }
                Err(message) => notice(state, message, true),
            }
        }
        Action::JobLine { id, line } => {
            if let Some(job) = state.jobs.iter_mut().find(|j| j.id == id) {
                if job.verb == CfnVerb::Test {
                    job.summary.line(&line);
                }
                job.lines.push_back(line);
                if job.lines.len() > JOB_LINES_KEPT {
                    job.lines.pop_front();
                }
            }
        }
        Action::JobEnded { id, status } => {
            if let Some(job) = state.jobs.iter_mut().find(|j| j.id == id) {
                job.status = status;
            }
        }
        _ => {} // a stale generation's result: dropped
    }
    Vec::new()
}

#[cfg(test)]
mod tests;
