//! Task results, one file per view they feed, each applying its own enum whole (whatever dialog
//! is open). A result bound to its generation is dropped here, once a switch of stage, region or
//! view made it stale.

mod accounts;
mod beta;
mod board;
mod events;
mod jobs;
mod pipeline;
mod rollout;
mod workspace;

use super::*;

/// Whether `result` was asked under a generation a switch has since made stale.
pub(super) fn is_stale(state: &AppState, result: &TaskResult) -> bool {
    result.generation != state.generation && !result.result.outlives_a_switch()
}

/// Applies one task result in the view it feeds, unless it is stale.
pub(super) fn apply(state: &mut AppState, result: TaskResult) -> Vec<Command> {
    if is_stale(state, &result) {
        return Vec::new();
    }
    match result.result {
        ViewResult::Workspace(result) => workspace::apply(state, result),
        ViewResult::Accounts(result) => accounts::apply(state, result),
        ViewResult::Events(result) => events::apply(state, result),
        ViewResult::Jobs(result) => jobs::apply(state, result),
        ViewResult::Beta(result) => beta::apply(state, result),
        ViewResult::Rollout(result) => rollout::apply(state, result),
        ViewResult::Board(result) => board::apply(state, result),
        ViewResult::Pipeline(result) => pipeline::apply(state, result),
    }
}
