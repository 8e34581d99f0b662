//! The accounts view and the resource detail: each stage's caller, the stage's exports.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: TaskResult) -> Vec<Command> {
    let current = state.generation;
    match result {
        TaskResult::AccountChecked { generation, row } if generation == current => {
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
        TaskResult::ExportsLoaded { generation, result } if generation == current => {
            state.exports = Loadable::from_result(result, state.now_ms);
        }
        _ => {} // a stale generation's result: dropped
    }
    Vec::new()
}
