//! The accounts view and the resource detail: each stage's caller, the stage's exports.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: AccountsResult) -> Vec<Command> {
    match result {
        AccountsResult::Checked(row) => {
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
        AccountsResult::ExportsLoaded(result) => {
            super::reread(state, result, |state| &mut state.exports);
        }
    }
    Vec::new()
}
