//! The pipeline view, the build screen and the execution screen; the resources view's build column.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: PipelineResult) -> Vec<Command> {
    match result {
        PipelineResult::Loaded { stage, result } => {
            // The pipeline of the stage in sight (the board's CI/CD column reads its own).
            if stage == state.stage {
                super::reread(state, result, |state| &mut state.cicd.pipeline);
            }
        }
        PipelineResult::BuildPolled {
            build,
            lines,
            problem,
        } => {
            if let Some(view) = &mut state.cicd.build {
                if build.is_some() {
                    view.build = build;
                }
                for line in &lines {
                    view.summary.line(line);
                }
                view.lines.extend(lines);
                while view.lines.len() > BUILD_LINES_KEPT {
                    view.lines.pop_front();
                }
                view.problem = problem;
                view.updated_ms = Some(state.now_ms);
            }
        }
        PipelineResult::ExecutionLoaded(result) => {
            super::reread(state, result, |state| &mut state.cicd.execution);
        }
        PipelineResult::Changed(result) => {
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
    }
    Vec::new()
}
