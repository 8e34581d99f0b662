//! Following a pipeline: the cadence (5 s while an execution runs, 30 s otherwise), the action
//! transitions between two GetPipelineState snapshots, and when the watched run has ended.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use super::backoff::PollPolicy;
use crate::cloud::{CloudError, PipelineActionState, PipelineState};

use super::intervals::{PIPELINE_IDLE, PIPELINE_RUNNING};

impl PipelineState {
    /// Whether any stage or action is in progress.
    pub fn is_running(&self) -> bool {
        self.stages.iter().any(|stage| {
            stage.status.as_deref() == Some("InProgress")
                || stage
                    .actions
                    .iter()
                    .any(|a| a.status.as_deref() == Some("InProgress"))
        })
    }

    /// Whether any stage's latest execution failed.
    pub fn has_failed(&self) -> bool {
        self.stages
            .iter()
            .any(|stage| stage.status.as_deref() == Some("Failed"))
    }

    /// How long to wait before the next GetPipelineState.
    pub fn poll_interval(&self) -> Duration {
        if self.is_running() {
            PIPELINE_RUNNING
        } else {
            PIPELINE_IDLE
        }
    }

    /// The stage whose latest execution failed, with that execution's id: what a retry retries.
    pub fn failed_stage(&self) -> Option<(&str, &str)> {
        self.stages.iter().find_map(|stage| {
            (stage.status.as_deref() == Some("Failed"))
                .then_some(())
                .and(stage.execution_id.as_deref())
                .map(|id| (stage.name.as_str(), id))
        })
    }

    /// The failed actions of a stage: what a retry of that stage runs again.
    pub fn failed_actions(&self, stage: &str) -> Vec<&str> {
        self.stages
            .iter()
            .filter(|s| s.name == stage)
            .flat_map(|s| &s.actions)
            .filter(|a| a.status.as_deref() == Some("Failed"))
            .map(|a| a.name.as_str())
            .collect()
    }

    /// The execution in progress, if one is.
    pub fn running_execution(&self) -> Option<&str> {
        self.stages
            .iter()
            .filter(|stage| stage.status.as_deref() == Some("InProgress"))
            .find_map(|stage| stage.execution_id.as_deref())
    }
}

/// An action whose status or last change moved since the previous snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionChange {
    pub stage: String,
    pub action: PipelineActionState,
}

/// What the previous snapshots showed.
#[derive(Debug, Default)]
pub struct PipelineWatch {
    seen: HashMap<(String, String), (Option<String>, Option<i64>)>,
    seen_running: bool,
}

impl PipelineWatch {
    /// The actions that changed since the last snapshot (every action with a status, the first
    /// time), in pipeline order.
    pub fn update(&mut self, state: &PipelineState) -> Vec<ActionChange> {
        self.seen_running |= state.is_running();
        let mut changes = Vec::new();
        for stage in &state.stages {
            for action in &stage.actions {
                let key = (stage.name.clone(), action.name.clone());
                let now = (action.status.clone(), action.last_change_ms);
                if self.seen.get(&key) != Some(&now) {
                    if action.status.is_some() {
                        changes.push(ActionChange {
                            stage: stage.name.clone(),
                            action: action.clone(),
                        });
                    }
                    self.seen.insert(key, now);
                }
            }
        }
        changes
    }

    /// Once an execution was seen running and nothing runs any more: whether it succeeded.
    pub fn outcome(&self, state: &PipelineState) -> Option<bool> {
        (self.seen_running && !state.is_running()).then(|| !state.has_failed())
    }
}

/// What a followed pipeline reports while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FollowReport {
    Changed(ActionChange),
    /// A throttled or dropped poll; the next one is after `delay`.
    Retrying {
        error: CloudError,
        attempt: u32,
        delay: Duration,
    },
}

/// Polls with `poll` (one GetPipelineState each) after `delay`, reporting each transition, until
/// the run `watch` saw running has ended: whether it succeeded. Transient failures back off with
/// jitter; any other error ends the follow.
pub async fn follow_until_done<F, Fut>(
    mut poll: F,
    watch: &mut PipelineWatch,
    mut delay: Duration,
    mut report: impl FnMut(FollowReport),
) -> Result<bool, CloudError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<PipelineState, CloudError>>,
{
    let policy = PollPolicy {
        active: PIPELINE_RUNNING,
        ..PollPolicy::default()
    };
    let mut failures = 0;
    loop {
        tokio::time::sleep(delay).await;
        let state = match poll().await {
            Ok(state) => state,
            Err(error) if error.is_transient() => {
                failures += 1;
                delay = policy.failure_delay(failures, fastrand::f64());
                report(FollowReport::Retrying {
                    error,
                    attempt: failures,
                    delay,
                });
                continue;
            }
            Err(error) => return Err(error),
        };
        failures = 0;
        for change in watch.update(&state) {
            report(FollowReport::Changed(change));
        }
        if let Some(success) = watch.outcome(&state) {
            return Ok(success);
        }
        delay = state.poll_interval();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::PipelineStage;

    fn action(name: &str, status: Option<&str>, changed: i64) -> PipelineActionState {
        PipelineActionState {
            name: name.into(),
            status: status.map(String::from),
            summary: None,
            last_change_ms: Some(changed),
            external_id: None,
            error: None,
        }
    }

    fn state(build: &str, actions: Vec<PipelineActionState>) -> PipelineState {
        PipelineState {
            name: "p".into(),
            stages: vec![PipelineStage {
                name: "Build".into(),
                status: Some(build.into()),
                execution_id: Some("e1".into()),
                actions,
            }],
        }
    }

    #[test]
    fn reports_each_transition_once_and_the_outcome_after_the_run() {
        let mut watch = PipelineWatch::default();
        let idle = state("Succeeded", vec![action("A", Some("Succeeded"), 1)]);
        assert_eq!(watch.update(&idle).len(), 1);
        assert_eq!(watch.outcome(&idle), None, "no run seen yet");
        assert_eq!(idle.poll_interval(), PIPELINE_IDLE);

        let running = state(
            "InProgress",
            vec![action("A", Some("InProgress"), 2), action("B", None, 0)],
        );
        let changes = watch.update(&running);
        assert_eq!(changes.len(), 1, "B has no status yet: {changes:?}");
        assert_eq!(changes[0].action.status.as_deref(), Some("InProgress"));
        assert_eq!(running.poll_interval(), PIPELINE_RUNNING);
        assert_eq!(running.running_execution(), Some("e1"));
        assert!(watch.update(&running).is_empty(), "nothing moved");

        let failed = state(
            "Failed",
            vec![action("A", Some("Failed"), 3), action("B", None, 0)],
        );
        assert_eq!(watch.update(&failed).len(), 1);
        assert_eq!(watch.outcome(&failed), Some(false));
        assert_eq!(failed.failed_stage(), Some(("Build", "e1")));
        assert_eq!(failed.failed_actions("Build"), ["A"]);
        assert_eq!(failed.running_execution(), None);
    }
}
