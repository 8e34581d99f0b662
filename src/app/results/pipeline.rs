//! The pipeline view, the build screen and the execution screen; the resources view's build column.

use crate::ops::status::{Standing, State as BoardState, build_statuses};

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: TaskResult) -> Vec<Command> {
    let current = state.generation;
    match result {
        TaskResult::PipelineLoaded {
            generation,
            stage,
            result,
        } => {
            if stage == Stage::Cicd {
                state.board.cicd = Some(
                    result
                        .as_ref()
                        .map(|view| build_statuses(&view.state, &view.extensions))
                        .map_err(|message| Standing::new(BoardState::Unknown, message.clone())),
                );
            }
            if generation == current && stage == state.stage {
                state.pipeline = Loadable::from_result(result, state.now_ms);
            }
        }
        TaskResult::BuildPolled {
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
        TaskResult::ExecutionLoaded { generation, result } if generation == current => {
            state.execution = Loadable::from_result(result, state.now_ms);
        }
        TaskResult::PipelineChanged { generation, result } if generation == current => {
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
        _ => {} // a stale generation's result: dropped
    }
    Vec::new()
}
