//! The rollout view: the watcher after each poll, one region's steps, a confirmed change.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: RolloutResult) -> Vec<Command> {
    match result {
        RolloutResult::Changed(result) => {
            state.dialog = None;
            match result {
                Ok((message, new_rollout)) => {
                    notice(state, message, false);
                    // A retry: the view follows the new rollout.
                    let watch = match new_rollout {
                        Some(id) => crate::ops::rollout_watch::RolloutWatch::new(&id),
                        None => state
                            .prod_rollout
                            .watch
                            .value()
                            .cloned()
                            .unwrap_or_default(),
                    };
                    return vec![Command::PollRollout {
                        watch: Some(Box::new(watch)),
                    }];
                }
                Err(message) => notice(state, message, true),
            }
            Vec::new()
        }
        RolloutResult::StepsLoaded(result) => {
            super::reread(state, result, |state| &mut state.prod_rollout.steps);
            Vec::new()
        }
        RolloutResult::Polled(result) => {
            match result {
                // What was shown stays: the error (expired credentials, throttling) is a
                // notice, and `r` polls the same rollout again once it is fixed.
                Err(error) if matches!(state.prod_rollout.watch, Loadable::Loaded { .. }) => {
                    notice(
                        state,
                        format!("{} (r tries again)", super::describe(&error)),
                        true,
                    );
                }
                result => {
                    let result = result.map(|watch| *watch).map_err(|e| super::describe(&e));
                    state.prod_rollout.watch = Loadable::from_result(result, state.now_ms);
                }
            }
            Vec::new()
        }
    }
}
