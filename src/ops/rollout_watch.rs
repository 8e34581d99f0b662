//! Watching a rollout: each poll reads the parent and its children in two calls, and a region's
//! steps only when its status changed to a failure (to name the step and its message); the
//! changes come out as lines, with totals and an estimate of the time left from the
//! concurrency and the durations of the regions that finished.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cloud::{Cloud, CloudError, RegionRun, RolloutState};

/// Whether an Automation status is final.
pub fn is_final(status: &str) -> bool {
    matches!(
        status,
        "Success"
            | "Failed"
            | "Cancelled"
            | "TimedOut"
            | "CompletedWithSuccess"
            | "CompletedWithFailure"
            | "Rejected"
            | "Exited"
    )
}

/// Whether a final status is a failure.
pub fn is_failure(status: &str) -> bool {
    matches!(
        status,
        "Failed" | "Cancelled" | "TimedOut" | "CompletedWithFailure" | "Rejected"
    )
}

/// How many regions are where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub succeeded: usize,
    pub running: usize,
    pub pending: usize,
    pub failed: usize,
}

/// One change the watcher saw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionChange {
    pub region: String,
    pub status: String,
    /// The step it is on, or the one that failed.
    pub step: Option<String>,
    /// The failing step's message.
    pub failure: Option<String>,
}

/// What the watcher knows of one rollout.
#[derive(Debug, Clone, Default)]
pub struct RolloutWatch {
    pub execution_id: String,
    pub state: Option<RolloutState>,
    /// Calls the last poll made.
    pub calls: u32,
}

impl RolloutWatch {
    pub fn new(execution_id: &str) -> RolloutWatch {
        RolloutWatch {
            execution_id: execution_id.to_string(),
            ..RolloutWatch::default()
        }
    }

    /// Reads the rollout again; the regions whose status or step changed.
    pub async fn poll(&mut self, cloud: &dyn Cloud) -> Result<Vec<RegionChange>, CloudError> {
        let mut state = cloud.rollout(&self.execution_id).await?;
        self.calls = 2;
        let before: BTreeMap<String, RegionRun> = self
            .state
            .as_ref()
            .map(|s| {
                s.regions
                    .iter()
                    .map(|r| (r.region.clone(), r.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let mut changes = Vec::new();
        for run in &mut state.regions {
            let old = before.get(&run.region);
            let changed = old.is_none_or(|old| {
                old.status != run.status || old.current_step != run.current_step
            });
            if !changed {
                // Keep what an earlier poll learned of its steps.
                if let Some(old) = old {
                    run.failure = run.failure.take().or_else(|| old.failure.clone());
                    run.current_step = run.current_step.take().or_else(|| old.current_step.clone());
                }
                continue;
            }
            // A failure names its step: read the child's steps, once, now.
            if is_failure(&run.status)
                && let Some(child) = &run.execution_id
            {
                self.calls += 1;
                if let Ok(steps) = cloud.rollout_steps(child).await
                    && let Some(failed) = steps.iter().find(|s| is_failure(&s.status))
                {
                    run.current_step = Some(failed.name.clone());
                    run.failure = failed.failure.clone().or(run.failure.take());
                }
            }
            changes.push(RegionChange {
                region: run.region.clone(),
                status: run.status.clone(),
                step: run.current_step.clone(),
                failure: run.failure.clone(),
            });
        }
        self.state = Some(state);
        Ok(changes)
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for run in self.state.iter().flat_map(|s| &s.regions) {
            if run.status == "Pending" {
                totals.pending += 1;
            } else if is_failure(&run.status) {
                totals.failed += 1;
            } else if is_final(&run.status) {
                totals.succeeded += 1;
            } else {
                totals.running += 1;
            }
        }
        totals
    }

    /// The time left, in milliseconds: the regions still to start, in waves of the
    /// concurrency, at the mean duration of the finished regions, plus what the running ones
    /// have left of it. `None` until a region finished.
    pub fn estimate_left_ms(&self, now_ms: i64) -> Option<i64> {
        let state = self.state.as_ref()?;
        let durations: Vec<i64> = state
            .regions
            .iter()
            .filter(|r| is_final(&r.status))
            .filter_map(|r| Some(r.ended_ms? - r.started_ms?))
            .collect();
        if durations.is_empty() {
            return None;
        }
        let mean = durations.iter().sum::<i64>() / durations.len() as i64;
        let totals = self.totals();
        let concurrency = state.request.max_concurrency.max(1) as usize;
        let running_left = state
            .regions
            .iter()
            .filter(|r| !is_final(&r.status) && r.status != "Pending")
            .filter_map(|r| Some((mean - (now_ms - r.started_ms?)).max(0)))
            .max()
            .unwrap_or(0);
        let waves = totals.pending.div_ceil(concurrency) as i64;
        Some(running_left + waves * mean)
    }

    /// The regions that failed, for a retry.
    pub fn failed_regions(&self) -> Vec<String> {
        self.state
            .iter()
            .flat_map(|s| &s.regions)
            .filter(|r| is_failure(&r.status))
            .map(|r| r.region.clone())
            .collect()
    }
}
