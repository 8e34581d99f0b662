//! Watching a rollout: each poll reads the parent and its children in two calls, and a region's
//! steps only when its status changed to a failure (to name the step and its message); the
//! changes come out as lines, with totals and an estimate of the time left from the
//! concurrency and the durations of the regions that finished.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cloud::{Cloud, CloudError, RegionRun, RolloutRequest, RolloutState};

/// The newest rollout of `document` still running, else the newest (to show how it ended);
/// `None` when there is none.
pub async fn newest(cloud: &dyn Cloud, document: &str) -> Result<Option<String>, CloudError> {
    let rollouts = cloud.list_rollouts(document).await?;
    Ok(rollouts
        .iter()
        .find(|r| !is_final(&r.status))
        .or_else(|| rollouts.first())
        .map(|r| r.execution_id.clone()))
}

/// The regions of `state` that failed, for a retry.
pub fn failed_regions(state: &RolloutState) -> Vec<String> {
    state
        .regions
        .iter()
        .filter(|r| is_failure(&r.status))
        .map(|r| r.region.clone())
        .collect()
}

/// The request that starts `state`'s failed regions again, everything else as it was (the
/// document version, parameters, concurrency, error budget and role); why not when the rollout
/// still runs or no region failed.
pub fn retry_request(state: &RolloutState) -> Result<RolloutRequest, String> {
    if !is_final(&state.status) {
        return Err(format!(
            "{} still runs ({}): retry its failed regions once it ends",
            state.execution_id, state.status
        ));
    }
    let regions = failed_regions(state);
    if regions.is_empty() {
        return Err(format!(
            "{} has no failed region ({}): nothing to retry",
            state.execution_id, state.status
        ));
    }
    Ok(RolloutRequest {
        regions,
        ..state.request.clone()
    })
}

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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
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
            // A region that ended stays as it was first read: its failed step was named then.
            let changed = old.is_none_or(|old| {
                old.status != run.status
                    || (!is_final(&run.status) && old.current_step != run.current_step)
            });
            if !changed {
                // Keep what an earlier poll learned of its steps.
                if let Some(old) = old {
                    run.failure = run.failure.take().or_else(|| old.failure.clone());
                    run.current_step = if is_final(&run.status) {
                        old.current_step.clone()
                    } else {
                        run.current_step.take().or_else(|| old.current_step.clone())
                    };
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
        self.state.as_ref().map(failed_regions).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::time::Duration;

    use super::*;
    use crate::cloud::clock::Clock;
    use crate::cloud::context::{Overrides, StageContext};
    use crate::cloud::demo::{DemoConnector, DemoWorld, demo_config};
    use crate::cloud::guard::AccountGuard;
    use crate::cloud::port::Connector;
    use crate::cloud::{Cloud, RolloutRequest};
    use crate::config::{Stage, WorkspaceConfig};
    use crate::workspace::Workspace;

    /// The demo's prod account and every region it publishes to.
    async fn demo_prod() -> (std::sync::Arc<dyn Cloud>, Vec<String>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let workspace = Workspace::load(root);
        let config = demo_config(&WorkspaceConfig::load(root)).unwrap();
        let clock = Clock::starting_at(1_795_000_000_000, 1.0);
        let connector = DemoConnector {
            world: DemoWorld::new(&workspace, 3, clock),
        };
        let context = StageContext::new(&config, Stage::Prod, &Overrides::default());
        let cloud = connector.connect(context).await.unwrap();
        let facts = crate::ops::regions::facts(cloud.as_ref()).await.unwrap();
        let regions = crate::ops::regions::decide(&config.accounts.prod, &facts)
            .into_iter()
            .filter(|r| r.included)
            .map(|r| r.region)
            .collect();
        (cloud, regions)
    }

    fn request(regions: Vec<String>) -> RolloutRequest {
        RolloutRequest {
            document: "regship-publish-extension".into(),
            document_version: "1".into(),
            parameters: vec![("Publish".into(), "true".into())],
            account: "444444444444".into(),
            regions,
            max_concurrency: 5,
            max_errors: 1,
            execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
        }
    }

    /// 26 regions at concurrency 5 on the demo's clock: one region's TestType fails and is
    /// known while the others still run, every poll costs 2 calls (3 when a region just
    /// failed), and the retry starts exactly the failed region, which passes.
    #[tokio::test(start_paused = true)]
    async fn a_rollout_is_watched_region_by_region_and_the_retry_starts_the_failed_one() {
        let (cloud, regions) = demo_prod().await;
        assert_eq!(regions.len(), 26);
        let authorization = AccountGuard::default()
            .check_account(
                cloud.context(),
                &cloud.identity().await.unwrap(),
                "start a prod rollout",
            )
            .unwrap();
        let id = cloud
            .start_rollout(&authorization, &request(regions))
            .await
            .unwrap();
        let mut watch = RolloutWatch::new(&id);
        let started = tokio::time::Instant::now();
        let mut failure_known = None;
        let mut estimated = false;
        loop {
            let changes = watch.poll(cloud.as_ref()).await.unwrap();
            let failed_now = changes.iter().filter(|c| is_failure(&c.status)).count() as u32;
            assert!(watch.calls <= 2 + failed_now, "{} calls", watch.calls);
            if failed_now > 0 && failure_known.is_none() {
                failure_known = Some(started.elapsed());
                let failed = changes.iter().find(|c| is_failure(&c.status)).unwrap();
                assert_eq!(failed.region, "me-south-1");
                assert_eq!(failed.step.as_deref(), Some("CheckTests"));
                assert!(
                    failed
                        .failure
                        .as_deref()
                        .unwrap()
                        .starts_with("TestType FAILED")
                );
                assert!(watch.totals().running > 0, "known while others still run");
            }
            estimated |= watch.estimate_left_ms(0).is_some();
            if is_final(&watch.state.as_ref().unwrap().status) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
        let totals = watch.totals();
        assert_eq!(
            (totals.succeeded, totals.failed, totals.pending),
            (25, 1, 0)
        );
        assert_eq!(watch.state.as_ref().unwrap().status, "Failed");
        assert!(estimated, "an estimate once regions finished");
        let whole = started.elapsed();
        assert!(
            failure_known.unwrap() < whole,
            "the failure was known before the end"
        );
        // The retry: the failed region only, which passes this time.
        let retry = RolloutRequest {
            regions: watch.failed_regions(),
            ..watch.state.as_ref().unwrap().request.clone()
        };
        assert_eq!(retry.regions, ["me-south-1"]);
        let again = cloud.start_rollout(&authorization, &retry).await.unwrap();
        let mut second = RolloutWatch::new(&again);
        loop {
            second.poll(cloud.as_ref()).await.unwrap();
            if is_final(&second.state.as_ref().unwrap().status) {
                break;
            }
            tokio::time::sleep(Duration::from_secs(15)).await;
        }
        let state = second.state.unwrap();
        assert_eq!(state.status, "Success");
        assert_eq!(state.regions.len(), 1);
        assert_eq!(
            cloud
                .list_rollouts("regship-publish-extension")
                .await
                .unwrap()[0]
                .execution_id,
            again,
            "newest first"
        );
    }
}
