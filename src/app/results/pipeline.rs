//! The pipeline view, the build screen and the execution screen; the resources view's build column.

use std::collections::BTreeMap;

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
                state.build_status = Loadable::from_result(
                    result
                        .as_ref()
                        .map(latest_build_status)
                        .map_err(Clone::clone),
                    state.now_ms,
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

/// Each extension folder's latest build action status.
fn latest_build_status(view: &PipelineView) -> BTreeMap<String, String> {
    view.state
        .stages
        .iter()
        .flat_map(|stage| &stage.actions)
        .filter_map(|action| {
            let folder = view.extension_of(&action.name)?;
            Some((folder.to_string(), action.status.clone()?))
        })
        .collect()
}
