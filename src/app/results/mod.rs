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
        TaskResult::IntegProgress { folder, line } => {
            if let Some(latest) = state.beta_live.get_mut(&folder) {
                *latest = line;
            }
            Vec::new()
        }
        TaskResult::IntegFinished { folder, result } => {
            state.beta_live.remove(&folder);
            match result {
                Ok(result) => {
                    let verdict = if result.allowed {
                        format!("{} (allowed: alpha)", result.class.describe())
                    } else {
                        result.class.describe().to_string()
                    };
                    let text = format!("{folder}: integration run {verdict}");
                    notice(state, text, result.blocks);
                }
                Err(message) => notice(state, format!("{folder}: {message}"), true),
            }
            vec![Command::LoadBeta]
        }
        result @ (TaskResult::PipelineLoaded { .. }
        | TaskResult::BuildPolled { .. }
        | TaskResult::ExecutionLoaded { .. }
        | TaskResult::PipelineChanged { .. }) => pipeline::apply(state, result),
    }
}
