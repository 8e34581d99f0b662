//! Task results, one file per view they feed. Each applies whatever dialog is open; a result of
//! an older generation (another stage, region or stack since) is dropped.

mod accounts;
mod events;
mod jobs;
mod pipeline;
mod workspace;

use super::*;

/// Applies one task result.
pub(super) fn apply(state: &mut AppState, result: TaskResult) -> Vec<Command> {
    match result {
        result @ (TaskResult::WorkspaceLoaded(_)
        | TaskResult::ScaffoldPlanned(_)
        | TaskResult::ScaffoldApplied(_)) => workspace::apply(state, result),
        result @ (TaskResult::AccountChecked { .. } | TaskResult::ExportsLoaded { .. }) => {
            accounts::apply(state, result)
        }
        result @ (TaskResult::EventsPolled { .. }
        | TaskResult::PlanReady { .. }
        | TaskResult::NothingToChange { .. }
        | TaskResult::ChangeFailed { .. }
        | TaskResult::ChangeStarted { .. }
        | TaskResult::OutputsLoaded { .. }) => events::apply(state, result),
        result @ (TaskResult::JobLine { .. } | TaskResult::JobEnded { .. }) => {
            jobs::apply(state, result)
        }
        TaskResult::BetaLoaded(result) => {
            state.beta = Loadable::from_result(result, state.now_ms);
            Vec::new()
        }
        TaskResult::RolloutChanged(result) => {
            state.dialog = None;
            match result {
                Ok((message, new_rollout)) => {
                    notice(state, message, false);
                    // A retry: the view follows the new rollout.
                    let watch = match new_rollout {
                        Some(id) => crate::ops::rollout_watch::RolloutWatch::new(&id),
                        None => state.rollout.value().cloned().unwrap_or_default(),
                    };
                    return vec![Command::PollRollout {
                        watch: Some(Box::new(watch)),
                    }];
                }
                Err(message) => notice(state, message, true),
            }
            Vec::new()
        }
        TaskResult::RolloutStepsLoaded { generation, result } => {
            if generation == state.generation {
                state.rollout_steps = Loadable::from_result(result, state.now_ms);
            }
            Vec::new()
        }
        TaskResult::RolloutPolled(result) => {
            match result {
                // What was shown stays: the error (expired credentials, throttling) is a
                // notice, and `r` polls the same rollout again once it is fixed.
                Err(message) if matches!(state.rollout, Loadable::Loaded { .. }) => {
                    notice(state, format!("{message} (r tries again)"), true);
                }
                result => {
                    state.rollout = Loadable::from_result(result.map(|watch| *watch), state.now_ms);
                }
            }
            Vec::new()
        }
        TaskResult::VersionsLoaded(result) => {
            state.board.prod = Some(result.clone().map_err(|message| {
                crate::ops::status::Standing::new(crate::ops::status::State::Unknown, message)
            }));
            state.versions = Loadable::from_result(result, state.now_ms);
            Vec::new()
        }
        TaskResult::BoardRead(part) => {
            use crate::ops::status::{BoardPart, State};
            if !matches!(part, BoardPart::ProdPlan(_) | BoardPart::ProdSlice(_)) {
                state.board.apply(part);
                return Vec::new();
            }
            let subjects: Vec<crate::ops::versions::Subject> = state
                .extensions
                .value()
                .into_iter()
                .flatten()
                .map(|e| crate::ops::versions::Subject {
                    folder: &e.row.folder,
                    type_name: e.row.type_name.as_deref().unwrap_or_default(),
                    maturity: e.row.maturity,
                })
                .collect();
            match state.prod_slices.take(part, &subjects) {
                // A whole column stays on screen while a new pass reads.
                Some(Err(reading))
                    if reading.state == State::NotRead
                        && matches!(state.board.prod, Some(Ok(_))) => {}
                Some(column) => state.board.prod = Some(column),
                None => {}
            }
            Vec::new()
        }
        TaskResult::IntegProgress {
            folder,
            line,
            stack_id,
        } => {
            if let Some(live) = state.beta_live.get_mut(&folder) {
                live.line = line;
                if stack_id.is_some() {
                    live.stack_id = stack_id;
                }
            }
            Vec::new()
        }
        TaskResult::IntegFinished { folder, result } => {
            state.beta_live.remove(&folder);
            let text = match &result {
                Ok(result) => {
                    let verdict = if result.allowed {
                        format!("{} (allowed: alpha)", result.class.describe())
                    } else {
                        result.class.describe().to_string()
                    };
                    format!("{folder}: integration run {verdict}")
                }
                Err(message) => format!("{folder}: {message}"),
            };
            let blocks = result.as_ref().map_or(true, |r| r.blocks);
            let Some(tally) = &mut state.beta_batch else {
                notice(state, text, blocks);
                return vec![Command::LoadBeta, Command::ReadBoard { stages: Vec::new() }];
            };
            match &result {
                Ok(result) if result.blocks => tally.blocking.push(folder),
                Err(_) => tally.blocking.push(folder),
                Ok(result) if result.allowed => tally.allowed += 1,
                Ok(result) if result.class == crate::ops::integ::IntegClass::Passed => {
                    tally.passed += 1
                }
                Ok(_) => tally.warned += 1,
            }
            if state.beta_live.is_empty() {
                let tally = state.beta_batch.take().unwrap_or_default();
                let mut counts = vec![format!("{} passed", tally.passed)];
                if tally.allowed > 0 {
                    counts.push(format!("{} allowed (alpha)", tally.allowed));
                }
                if tally.warned > 0 {
                    counts.push(format!("{} update not exercised", tally.warned));
                }
                let verdict = match tally.blocking.len() {
                    0 => "nothing blocks the release".to_string(),
                    1 => format!("1 blocks the release: {}", tally.blocking[0]),
                    n => format!("{n} block the release: {}", tally.blocking.join(", ")),
                };
                let summary = format!("all runs ended: {}; {verdict}", counts.join(", "));
                notice(state, summary, !tally.blocking.is_empty());
            } else {
                notice(state, text, blocks);
            }
            vec![Command::LoadBeta, Command::ReadBoard { stages: Vec::new() }]
        }
        result @ (TaskResult::PipelineLoaded { .. }
        | TaskResult::BuildPolled { .. }
        | TaskResult::ExecutionLoaded { .. }
        | TaskResult::PipelineChanged { .. }) => pipeline::apply(state, result),
    }
}
