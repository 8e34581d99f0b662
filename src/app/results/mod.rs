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
use crate::cloud::{CloudError, CloudErrorKind};

/// Whether `result` was asked under a generation a switch has since made stale.
pub(super) fn is_stale(state: &AppState, result: &TaskResult) -> bool {
    result.generation != state.generation && !result.result.outlives_a_switch()
}

/// What a failed read says, by its kind: throttling and expired credentials say what comes next.
pub(super) fn describe(error: &CloudError) -> String {
    match error.kind {
        CloudErrorKind::Throttled => format!("throttled, r tries again: {}", error.message),
        CloudErrorKind::ExpiredCredentials => {
            format!("credentials expired: {} ({})", error.hint, error.message)
        }
        _ => error.with_hint(),
    }
}

/// A read again of what `slot` shows: a failure that passes (throttling, the network) or that is
/// fixed without a restart (expired credentials) keeps what is on screen and says why in a
/// notice; anything else replaces it.
pub(super) fn reread<T>(
    state: &mut AppState,
    result: Result<T, CloudError>,
    slot: fn(&mut AppState) -> &mut Loadable<T>,
) {
    let passing = |error: &CloudError| {
        error.is_transient() || error.kind == CloudErrorKind::ExpiredCredentials
    };
    let now = state.now_ms;
    match result {
        Err(error) if passing(&error) && matches!(slot(state), Loadable::Loaded { .. }) => {
            let text = format!("{} (what is shown was read before)", describe(&error));
            notice(state, text, true);
        }
        result => *slot(state) = Loadable::from_result(result.map_err(|e| describe(&e)), now),
    }
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
