//! A person's input: the dialog, the input line and the help take it first; then moving,
//! drilling down, going back, switching stage and region, and starting work.

use std::collections::VecDeque;

use super::bindings::Binding;
use super::dialogs::{control_pipeline, handle_dialog, refused_read_only};
use super::*;
use crate::watch::stack_events::StackWatch;

/// Applies one input.
pub(super) fn input(state: &mut AppState, input: Input) -> Vec<Command> {
    // A status message belongs to the action that set it: the next input clears it.
    state.notice = None;
    if let Some(commands) = handle_dialog(state, &input) {
        return commands;
    }
    if let Some(commands) = handle_input(state, &input) {
        return commands;
    }
    if state.help && scroll_overlay(state, &input) {
        return Vec::new();
    }
    if state.help && !matches!(input, Input::Quit) {
        state.help = false;
        state.overlay_scroll = 0;
        return Vec::new();
    }
    if let Some(binding) = Binding::of(&input)
        && !available(state).contains(&binding)
    {
        let views: Vec<&str> = super::actions::views_offering(binding)
            .into_iter()
            .map(ViewKind::name)
            .collect();
        let text = match views.as_slice() {
            [] => format!("{}: not on this screen", binding.hint()),
            views => format!("{}: on the {} view", binding.hint(), views.join(" or ")),
        };
        notice(state, text, false);
        return Vec::new();
    }
    match input {
        Input::Quit => {
            let running = state
                .jobs
                .iter()
                .filter(|job| job.status == JobStatus::Running)
                .count();
            if running > 0 {
                state.dialog = Some(Dialog::QuitWithJobs {
                    running,
                    yes: false,
                });
            } else {
                state.quit = true;
            }
        }
        Input::Help => {
            state.help = true;
            state.overlay_scroll = 0;
        }
        Input::CommandMode => {
            state.input = Some(InputLine {
                kind: InputKind::Command,
                text: String::new(),
            })
        }
        Input::Filter => {
            state.input = Some(InputLine {
                kind: InputKind::Filter,
                text: state.filter.clone(),
            })
        }
        Input::Up => move_selection(state, -1),
        Input::Down => move_selection(state, 1),
        Input::PageUp => move_selection(state, -(PAGE as isize)),
        Input::PageDown => move_selection(state, PAGE as isize),
        Input::ScrollBy(delta) => move_selection(state, delta as isize),
        Input::Top => move_selection(state, isize::MIN / 2),
        Input::Bottom => {
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
        Input::Select(index) => {
            let view = state.view();
            if index < state.row_count(view) && view != ViewKind::Events {
                state.selected.insert(view, index);
            }
        }
        Input::Open => return open(state),
        Input::Back => {
            if !state.filter.is_empty() {
                state.filter.clear();
            } else if state.screens.len() > 1 {
                let left = state.screens.pop();
                state.detail_scroll = 0;
                if let Some(Screen::Build(_)) = left {
                    // Leaving the build screen stops its poller.
                    state.cicd.build = None;
                    state.generation += 1;
                    return vec![Command::CancelBefore {
                        generation: state.generation,
                    }];
                }
            }
        }
        Input::Show(view) => return show(state, view),
        Input::RunInteg => return run_integ(state),
        Input::RunIntegAll => return run_integ_all(state),
        Input::Refresh => return refresh(state),
        Input::ToggleFollow => {
            if let Some(events) = &mut state.events {
                events.follow = !events.follow;
                if events.follow {
                    events.scroll_up = 0;
                }
            }
        }
        Input::DeploySetup | Input::DeleteSetup => {
            let delete = matches!(input, Input::DeleteSetup);
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
        Input::RunCfn(verb) => {
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
                folder: folder.clone(),
                started_ms: state.now_ms,
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
        Input::Scaffold { integ } => {
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
        Input::ControlPipeline(control) => return control_pipeline(state, control),
        Input::CancelJob => {
            if state.view() == ViewKind::Jobs
                && let Some(job) = state.jobs.get(state.selected(ViewKind::Jobs))
                && job.status == JobStatus::Running
            {
                return vec![Command::CancelJob { id: job.id }];
            }
        }
        Input::InputChar(_)
        | Input::InputBackspace
        | Input::InputComplete
        | Input::InputSubmit
        | Input::InputCancel
        | Input::DialogToggle => {}
    }
    Vec::new()
}

fn move_selection(state: &mut AppState, delta: isize) {
    let view = state.view();
    if let Screen::ResourceDetail(_) = state.screen() {
        state.detail_scroll = state.detail_scroll.saturating_add_signed(delta);
        return;
    }
    if let (Some(Screen::Build(_)), Some(build)) = (state.screens.last(), &mut state.cicd.build) {
        // Lines up from the log's end, at most to its first line.
        build.scroll_up = build
            .scroll_up
            .saturating_add_signed(-delta)
            .min(build.lines.len().saturating_sub(1));
        return;
    }
    if view == ViewKind::Jobs && state.screen() == &Screen::List(ViewKind::Jobs) {
        if delta.unsigned_abs() >= PAGE {
            // Pages move through the selected job's output, up from its end.
            let lines = state
                .jobs
                .get(state.selected(ViewKind::Jobs))
                .map_or(0, |job| job.lines.len());
            state.job_output_scroll = state
                .job_output_scroll
                .saturating_add_signed(-delta)
                .min(lines.saturating_sub(1));
            return;
        }
        state.job_output_scroll = 0;
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

pub(super) fn show(state: &mut AppState, view: ViewKind) -> Vec<Command> {
    state.screens = vec![Screen::List(ViewKind::Resources)];
    if view != ViewKind::Resources {
        state.screens.push(Screen::List(view));
    }
    state.filter.clear();
    match view {
        ViewKind::Accounts if state.accounts.is_empty() => load_accounts(state),
        ViewKind::Pipeline => load_pipeline(state),
        ViewKind::Beta => {
            if !matches!(state.integ.rows, Loadable::Loaded { .. }) {
                state.integ.rows = Loadable::Loading;
            }
            vec![Command::LoadBeta]
        }
        ViewKind::Prod => load_versions(state),
        ViewKind::Rollout => load_rollout(state),
        _ => Vec::new(),
    }
}

/// Polls the rollout the view follows (the newest one, the first time), keeping the rows.
pub(super) fn load_rollout(state: &mut AppState) -> Vec<Command> {
    let watch = state.prod_rollout.watch.value().cloned().map(Box::new);
    if watch.is_none() {
        state.prod_rollout.watch = Loadable::Loading;
    }
    vec![Command::PollRollout { watch }]
}

/// Reads the versions again, keeping the rows on screen meanwhile.
fn load_versions(state: &mut AppState) -> Vec<Command> {
    if !matches!(state.versions, Loadable::Loaded { .. }) {
        state.versions = Loadable::Loading;
    }
    vec![Command::LoadVersions]
}

pub(super) fn load_accounts(state: &mut AppState) -> Vec<Command> {
    for stage in Stage::ALL {
        state.accounts.insert(stage, Loadable::Loading);
    }
    vec![Command::LoadAccounts {
        generation: state.generation,
    }]
}

pub(super) fn load_pipeline(state: &mut AppState) -> Vec<Command> {
    if !matches!(state.cicd.pipeline, Loadable::Loaded { .. }) {
        state.cicd.pipeline = Loadable::Loading;
    }
    vec![Command::LoadPipeline {
        generation: state.generation,
        stage: state.stage,
    }]
}

/// Reads the readiness board's stages and the local histories; what is on screen stays until
/// the answers come. Prod: where the account publishes every
/// [`crate::watch::intervals::BOARD_PROD_REGIONS`], else the next few regions' versions.
pub(super) fn read_board(state: &mut AppState) -> Vec<Command> {
    let now = state.now_ms;
    let mut stages = vec![Stage::Sandbox, Stage::Cicd];
    let mut slice = None;
    if state
        .readiness
        .prod_read_ms
        .is_none_or(|at| now - at >= crate::watch::intervals::BOARD_PROD_REGIONS.as_millis() as i64)
    {
        stages.push(Stage::Prod);
        state.readiness.prod_read_ms = Some(now);
    } else if let Some(publisher) = state.readiness.prod_slices.publisher.clone() {
        let mut kinds: Vec<String> = state
            .extensions
            .value()
            .into_iter()
            .flatten()
            .map(|e| e.row.kind.to_string())
            .collect();
        kinds.sort();
        kinds.dedup();
        let regions = state.readiness.prod_slices.next_slice(kinds.len());
        if !regions.is_empty() {
            slice = Some(Command::ReadProdSlice { regions, publisher });
        }
    }
    state.readiness.read_ms = Some(now);
    let mut commands = vec![Command::ReadBoard { stages }];
    commands.extend(slice);
    commands
}

/// Enter in the rollout view: the selected region's steps, read from its child in its own
/// region, and its whole failure message.
fn open_rollout_region(state: &mut AppState) -> Vec<Command> {
    let selected = state.selected(ViewKind::Rollout);
    let Some(run) = state
        .prod_rollout
        .watch
        .value()
        .and_then(|watch| watch.state.as_ref())
        .and_then(|rollout| {
            crate::ops::rollout_watch::display_order(rollout)
                .get(selected)
                .map(|run| (*run).clone())
        })
    else {
        return Vec::new();
    };
    state
        .screens
        .push(Screen::RolloutRegion(run.region.clone()));
    state.detail_scroll = 0;
    load_rollout_region(state, &run.region)
}

/// Reads a rollout region's steps again (none to read when it has no child execution: the
/// parent says why).
fn load_rollout_region(state: &mut AppState, region: &str) -> Vec<Command> {
    let child = state
        .prod_rollout
        .watch
        .value()
        .and_then(|watch| watch.state.as_ref())
        .and_then(|rollout| rollout.regions.iter().find(|run| run.region == region))
        .and_then(|run| run.execution_id.clone());
    let Some(child) = child else {
        state.prod_rollout.steps = Loadable::from_result(Ok(Vec::new()), state.now_ms);
        return Vec::new();
    };
    state.prod_rollout.steps = Loadable::Loading;
    vec![Command::LoadRolloutSteps {
        generation: state.generation,
        region: region.to_string(),
        child,
    }]
}

/// Enter in the pipeline view: a build action's build (phases and log, followed live), or an
/// execution's actions.
fn open_pipeline_row(state: &mut AppState) -> Vec<Command> {
    let selected = state.selected(ViewKind::Pipeline);
    let Some(view) = state.cicd.pipeline.value() else {
        return Vec::new();
    };
    if let Some(execution) = view.execution_at(selected) {
        let execution_id = execution.id.clone();
        state.cicd.execution = Loadable::Loading;
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
        // An action without a build (a source, an approval, a hand-over): its whole text.
        let said: Vec<String> = [
            action
                .status
                .as_ref()
                .map(|status| format!("status: {status}")),
            action
                .summary
                .as_ref()
                .map(|summary| format!("summary: {summary}")),
            action.error.as_ref().map(|error| format!("error: {error}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        if said.is_empty() {
            let text = format!("{} has no build to show yet", action.name);
            notice(state, text, true);
        } else {
            state.overlay_scroll = 0;
            state.dialog = Some(Dialog::Message {
                title: format!("action {}", action.name),
                body: said.join("\n\n"),
            });
        }
        return Vec::new();
    };
    let extension = state
        .cicd
        .pipeline
        .value()
        .and_then(|view| view.extension_of(&action.name))
        .map(String::from);
    state.cicd.build = Some(BuildView {
        id: build_id.clone(),
        action: action.name.clone(),
        extension,
        build: None,
        lines: VecDeque::new(),
        summary: Default::default(),
        scroll_up: 0,
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

pub(super) fn load_exports(state: &mut AppState) -> Vec<Command> {
    state.exports = Loadable::Loading;
    vec![Command::LoadExports {
        generation: state.generation,
        stage: state.stage,
    }]
}

/// Starts following `stack` in the events view, cancelling the previous follow.
pub(super) fn follow(
    state: &mut AppState,
    stage: Stage,
    stack: &str,
    start: Start,
) -> Vec<Command> {
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
    state.cicd.pipeline = Loadable::NotLoaded;
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
        Ok(command_line::LineCommand::Beta) => show(state, ViewKind::Beta),
        Ok(command_line::LineCommand::Prod) => show(state, ViewKind::Prod),
        Ok(command_line::LineCommand::Rollout) => show(state, ViewKind::Rollout),
        Ok(command_line::LineCommand::Pipeline) => show(state, ViewKind::Pipeline),
        Ok(command_line::LineCommand::Events(None)) => show(state, ViewKind::Events),
        Ok(command_line::LineCommand::Events(Some(stack))) => {
            follow(state, state.stage, &stack, Start::LatestOperation)
        }
        Ok(command_line::LineCommand::Help) => {
            state.help = true;
            state.overlay_scroll = 0;
            Vec::new()
        }
        Ok(command_line::LineCommand::Messages) => {
            let body = if state.messages.is_empty() {
                "no message yet in this session".to_string()
            } else {
                state
                    .messages
                    .iter()
                    .rev()
                    .map(|(at_ms, notice)| {
                        format!(
                            "{}  {}{}",
                            crate::ops::format::clock(*at_ms),
                            if notice.error { "✗ " } else { "" },
                            notice.text
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            state.overlay_scroll = 0;
            state.dialog = Some(Dialog::Message {
                title: format!("messages, newest first ({})", state.messages.len()),
                body,
            });
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

fn handle_input(state: &mut AppState, action: &Input) -> Option<Vec<Command>> {
    let input = state.input.as_mut()?;
    match action {
        Input::InputChar(c) => input.text.push(*c),
        Input::InputBackspace => {
            input.text.pop();
        }
        Input::InputComplete if input.kind == InputKind::Command => {
            let stacks = stack_names(state);
            if let Some(input) = state.input.as_mut() {
                input.text = command_line::complete(&input.text, &stacks);
            }
        }
        Input::InputCancel => {
            if input.kind == InputKind::Filter {
                state.filter.clear();
            }
            state.input = None;
        }
        Input::InputSubmit => {
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
        // The stack a running row works on; otherwise its long-lived integ stack, from its
        // latest operation.
        Screen::List(ViewKind::Beta) => {
            let Some(row) = state
                .integ
                .rows
                .value()
                .and_then(|rows| rows.get(state.selected(ViewKind::Beta)))
            else {
                return Vec::new();
            };
            if let Some(stack_id) = state
                .integ
                .live
                .get(&row.extension)
                .and_then(|live| live.stack_id.clone())
            {
                return follow(state, Stage::Beta, &stack_id, Start::LatestOperation);
            }
            if row.keep.as_deref() == Some(crate::ops::integ::NO_KEEP_STACK) {
                let text = format!(
                    "{} has no long-lived stack in beta yet: I runs its integration tests",
                    row.extension
                );
                notice(state, text, false);
                return Vec::new();
            }
            let stack = crate::ops::integ::keep_stack_of(&row.extension);
            follow(state, Stage::Beta, &stack, Start::LatestOperation)
        }
        Screen::List(ViewKind::Rollout) => open_rollout_region(state),
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

/// What a queued run's row says until a slot is free.
fn waiting_for_a_slot() -> LiveRun {
    LiveRun::new(format!(
        "waiting for a slot ({} run at a time)",
        crate::ops::integ::DEFAULT_CONCURRENCY
    ))
}

/// Whether integration runs may start here: on the beta view, and not read-only.
fn integ_allowed(state: &mut AppState) -> bool {
    if state.screen() != &Screen::List(ViewKind::Beta) {
        notice(state, "integration runs start from the beta view (6)", true);
        return false;
    }
    !refused_read_only(state)
}

/// Starts the selected extension's integration run in beta (one at a time per extension).
fn run_integ(state: &mut AppState) -> Vec<Command> {
    if !integ_allowed(state) {
        return Vec::new();
    }
    let Some(folder) = state
        .integ
        .rows
        .value()
        .and_then(|rows| rows.get(state.selected(ViewKind::Beta)))
        .map(|row| row.extension.clone())
    else {
        return Vec::new();
    };
    if state.integ.live.contains_key(&folder) {
        notice(state, format!("{folder}: a run is already going"), true);
        return Vec::new();
    }
    state
        .integ
        .live
        .insert(folder.clone(), waiting_for_a_slot());
    vec![Command::RunInteg { folder }]
}

/// `regship integ --all` from the beta view: every extension not already running, a few at a
/// time (the runner's slots); a summary when the last one ends.
fn run_integ_all(state: &mut AppState) -> Vec<Command> {
    if !integ_allowed(state) {
        return Vec::new();
    }
    let folders: Vec<String> = state
        .integ
        .rows
        .value()
        .map(|rows| {
            rows.iter()
                .map(|row| row.extension.clone())
                .filter(|folder| !state.integ.live.contains_key(folder))
                .collect()
        })
        .unwrap_or_default();
    if folders.is_empty() {
        notice(state, "every extension's run is already going", true);
        return Vec::new();
    }
    state.integ.batch = Some(BatchTally::default());
    folders
        .into_iter()
        .map(|folder| {
            state
                .integ
                .live
                .insert(folder.clone(), waiting_for_a_slot());
            Command::RunInteg { folder }
        })
        .collect()
}

fn refresh(state: &mut AppState) -> Vec<Command> {
    match state.screen().clone() {
        Screen::List(ViewKind::Accounts) => load_accounts(state),
        Screen::List(ViewKind::Pipeline) => load_pipeline(state),
        Screen::List(ViewKind::Prod) => load_versions(state),
        Screen::List(ViewKind::Rollout) => load_rollout(state),
        Screen::RolloutRegion(region) => load_rollout_region(state, &region),
        Screen::ResourceDetail(_) => load_exports(state),
        // Every stage of the board read again now, not at the next minute.
        Screen::List(ViewKind::Resources) => read_board(state),
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
