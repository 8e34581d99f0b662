//! The jobs view: each job's lines and how it ended.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: JobsResult) -> Vec<Command> {
    match result {
        JobsResult::Line { id, line } => {
            if let Some(job) = state.jobs.iter_mut().find(|j| j.id == id) {
                if job.verb == CfnVerb::Test {
                    job.summary.line(&line);
                }
                job.lines.push_back(line);
                if job.lines.len() > JOB_LINES_KEPT {
                    job.lines.pop_front();
                }
            }
        }
        JobsResult::Ended { id, status } => {
            if let Some(job) = state.jobs.iter_mut().find(|j| j.id == id) {
                job.status = status;
                // A contract-test run is kept for the board's sandbox column.
                if job.verb == CfnVerb::Test {
                    let exit_code = match status {
                        JobStatus::Exited(code) => Some(code),
                        _ => None,
                    };
                    let run = crate::ops::status::TestRun::new(
                        &job.folder,
                        &job.summary,
                        exit_code,
                        job.started_ms,
                    );
                    return vec![Command::RecordTestRun(run)];
                }
            }
        }
    }
    Vec::new()
}
