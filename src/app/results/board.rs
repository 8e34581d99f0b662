//! The readiness board, and the prod view whose versions fill its prod column.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: BoardResult) -> Vec<Command> {
    match result {
        BoardResult::VersionsLoaded(result) => {
            state.readiness.inputs.prod = Some(result.clone().map_err(|error| {
                let message = super::describe(&error);
                crate::ops::status::Standing::new(crate::ops::status::State::Unknown, message)
            }));
            super::reread(state, result, |state| &mut state.versions);
            Vec::new()
        }
        BoardResult::Read(part) => {
            use crate::ops::status::{BoardPart, State};
            if !matches!(part, BoardPart::ProdPlan(_) | BoardPart::ProdSlice(_)) {
                state.readiness.inputs.apply(part);
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
            match state.readiness.prod_slices.take(part, &subjects) {
                // A whole column stays on screen while a new pass reads.
                Some(Err(reading))
                    if reading.state == State::NotRead
                        && matches!(state.readiness.inputs.prod, Some(Ok(_))) => {}
                Some(column) => state.readiness.inputs.prod = Some(column),
                None => {}
            }
            Vec::new()
        }
    }
}
