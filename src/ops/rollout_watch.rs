//! Watching a rollout: each poll reads the parent in the home region (one call, and a call per
//! page when its steps are truncated), then each running region's child in that child's own
//! region (its current step), and a region that just failed once (its failed step and message);
//! the changes come out as lines, with totals and an estimate of the time left from the
//! concurrency and the durations of the regions that finished.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cloud::guard::Authorization;
use crate::cloud::{
    AutomationPhase, Cloud, CloudError, RegionRun, RolloutRequest, RolloutState, StageRegions,
};

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

/// A rollout as one: the run read in the home region, and for a canary run its nested runs
/// (the canary's, then the others'), read there too, their regions its regions (the canary
/// first; the others Pending until their run starts, never started when the canary failed).
pub async fn read(home: &dyn Cloud, execution_id: &str) -> Result<RolloutState, CloudError> {
    read_with(home, execution_id, &mut BTreeMap::new()).await
}

/// As `read`, a nested run found in `ended` taken from there (a run that ended does not
/// change), and each nested run that has ended added to it: a watch reads it once.
async fn read_with(
    home: &dyn Cloud,
    execution_id: &str,
    ended: &mut BTreeMap<String, RolloutState>,
) -> Result<RolloutState, CloudError> {
    let mut state = home.rollout(execution_id).await?;
    if state.request.canary.is_none() {
        return Ok(state);
    }
    let mut regions = Vec::new();
    for nested in state.nested.clone() {
        let run = match ended.get(&nested) {
            Some(run) => run.clone(),
            None => {
                let run = home.rollout(&nested).await?;
                state.reads += run.reads;
                if is_final(&run.status) {
                    ended.insert(nested, run.clone());
                }
                run
            }
        };
        regions.extend(run.regions);
    }
    state.regions = regions;
    state.settle_never_started();
    Ok(state)
}

/// Stops a rollout: running regions are cancelled and no new one starts. A canary run's nested
/// runs still running are stopped first (the others' run, if it started, with the canary's).
pub async fn stop(
    home: &dyn Cloud,
    authorization: &Authorization,
    execution_id: &str,
) -> Result<(), CloudError> {
    let run = home.rollout(execution_id).await?;
    for nested in &run.nested {
        if !is_final(&home.rollout(nested).await?.status) {
            home.stop_rollout(authorization, nested).await?;
        }
    }
    home.stop_rollout(authorization, execution_id).await
}

/// When a canary run's canary region did not publish: what to tell (the others never
/// started).
pub fn canary_failed(state: &RolloutState) -> Option<String> {
    let canary = state.request.canary.as_ref()?;
    let run = state.regions.iter().find(|r| r.region == canary.region)?;
    let phase = AutomationPhase::of(&run.status);
    (phase == AutomationPhase::Failed).then(|| {
        format!(
            "the canary region {} did not publish ({}), so the other {} region(s) were not started",
            canary.region,
            run.status,
            state.request.regions.len().saturating_sub(1)
        )
    })
}

/// The regions of `state` that ended without publishing (failed, or never started), for a retry.
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
    // A canary that did not publish goes first again; once it did, the others need none.
    let canary = state
        .request
        .canary
        .clone()
        .filter(|canary| regions.len() > 1 && regions.contains(&canary.region));
    Ok(RolloutRequest {
        regions,
        canary,
        ..state.request.clone()
    })
}

/// The setup stacks a stop leaves behind: a stopped automation skips its clean-up path, so each
/// region still running keeps its setup stack (the next rollout there replaces it). (region,
/// stack) pairs; none when the rollout has no setup stack.
pub fn setup_stacks_left(state: &RolloutState) -> Vec<(String, String)> {
    let Some((_, stack)) = state
        .request
        .parameters
        .iter()
        .find(|(name, value)| name == "SetupStackName" && !value.is_empty())
    else {
        return Vec::new();
    };
    state
        .regions
        .iter()
        .filter(|run| {
            let phase = AutomationPhase::of(&run.status);
            !phase.is_final() && phase != AutomationPhase::Waiting
        })
        .map(|run| (run.region.clone(), stack.clone()))
        .collect()
}

/// The regions as on-call reads them: a canary run's canary first, then those not published
/// (failed, then never started), then running, waiting and published; by name within each.
pub fn display_order(state: &RolloutState) -> Vec<&RegionRun> {
    let canary = state.request.canary.as_ref().map(|c| c.region.as_str());
    let rank = |run: &RegionRun| {
        let phase = match AutomationPhase::of(&run.status) {
            AutomationPhase::Failed => 0,
            AutomationPhase::NotStarted => 1,
            AutomationPhase::Running | AutomationPhase::Unknown => 2,
            AutomationPhase::Waiting => 3,
            AutomationPhase::Succeeded => 4,
        };
        (canary != Some(run.region.as_str()), phase)
    };
    let mut regions: Vec<&RegionRun> = state.regions.iter().collect();
    regions.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.region.cmp(&b.region)));
    regions
}

/// Whether an Automation status is final.
pub fn is_final(status: &str) -> bool {
    AutomationPhase::of(status).is_final()
}

/// Whether a final status means the region was not published (failed, or never started).
pub fn is_failure(status: &str) -> bool {
    AutomationPhase::of(status).needs_retry()
}

/// Reads a child's steps with a connection of its own region: the step it is on, or the one
/// that failed with its message. A region that cannot be read now keeps what the parent said.
async fn read_child(stage: &StageRegions, run: &mut RegionRun, child: &str) {
    let steps = match stage.region(&run.region).await {
        Ok(cloud) => cloud.rollout_steps(child).await,
        Err(error) => Err(error),
    };
    let steps = match steps {
        Ok(steps) => steps,
        Err(error) => {
            tracing::warn!(
                "{}: the child {child} could not be read: {error}",
                run.region
            );
            return;
        }
    };
    // The first critical step that failed is why the region failed (the clean-up after it may
    // fail too; a non-critical one hands over to a step that explains).
    if let Some(failed) = steps
        .iter()
        .find(|s| s.critical && is_failure(&s.status))
        .or_else(|| steps.iter().find(|s| is_failure(&s.status)))
    {
        run.current_step = Some(failed.name.clone());
        run.failure = failed.failure.clone().or(run.failure.take());
    } else if let Some(current) = steps
        .iter()
        .rev()
        .find(|s| !is_final(&s.status))
        .or(steps.last())
    {
        run.current_step = Some(current.name.clone());
    }
}

/// How many regions are where.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub succeeded: usize,
    pub running: usize,
    pub pending: usize,
    pub failed: usize,
    /// Never started: the rollout ended first (a retry starts them).
    pub not_started: usize,
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
    /// A canary rollout's nested runs that have ended, read once.
    ended_runs: BTreeMap<String, RolloutState>,
}

impl RolloutWatch {
    pub fn new(execution_id: &str) -> RolloutWatch {
        RolloutWatch {
            execution_id: execution_id.to_string(),
            ..RolloutWatch::default()
        }
    }

    /// Reads the rollout again; the regions whose status or step changed. The parent is read
    /// in the home region; a child only in its own region, when it runs (its current step) or
    /// has just failed (its failed step): at most 1 + truncated pages + running regions +
    /// regions that just failed. A canary rollout adds its nested runs that have not ended.
    pub async fn poll(&mut self, stage: &StageRegions) -> Result<Vec<RegionChange>, CloudError> {
        let home = stage.home().await?;
        let mut state = read_with(home.as_ref(), &self.execution_id, &mut self.ended_runs).await?;
        self.calls = state.reads;
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
            let phase = AutomationPhase::of(&run.status);
            let status_changed = old.is_none_or(|old| old.status != run.status);
            // Keep what earlier polls learned of its steps; a region that ended stays as it
            // was first read.
            if let Some(old) = old {
                run.current_step = old.current_step.clone();
                run.failure = run.failure.take().or_else(|| old.failure.clone());
            }
            if status_changed && phase == AutomationPhase::Unknown {
                tracing::warn!(
                    "{}: automation status {} is new to regship: shown as it is, treated as running",
                    run.region,
                    run.status
                );
            }
            // A running region's step moves; a region that just failed names the step that
            // failed, with its message, once. A published region needs no step: nothing is read
            // for it, even when attaching to a rollout that already ended.
            let running = !phase.is_final() && phase != AutomationPhase::Waiting;
            let just_failed = status_changed && phase == AutomationPhase::Failed;
            if let Some(child) = run.execution_id.clone()
                && (running || just_failed)
            {
                self.calls += 1;
                read_child(stage, run, &child).await;
            }
            if phase == AutomationPhase::Succeeded {
                run.current_step = None;
            }
            let step_changed = old.is_some_and(|old| old.current_step != run.current_step);
            if status_changed || step_changed {
                changes.push(RegionChange {
                    region: run.region.clone(),
                    status: run.status.clone(),
                    step: run.current_step.clone(),
                    failure: run.failure.clone(),
                });
            }
        }
        self.state = Some(state);
        Ok(changes)
    }

    pub fn totals(&self) -> Totals {
        let mut totals = Totals::default();
        for run in self.state.iter().flat_map(|s| &s.regions) {
            match AutomationPhase::of(&run.status) {
                AutomationPhase::Waiting => totals.pending += 1,
                AutomationPhase::Failed => totals.failed += 1,
                AutomationPhase::NotStarted => totals.not_started += 1,
                AutomationPhase::Succeeded => totals.succeeded += 1,
                AutomationPhase::Running | AutomationPhase::Unknown => totals.running += 1,
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
            .filter(|r| {
                let phase = AutomationPhase::of(&r.status);
                !phase.is_final() && phase != AutomationPhase::Waiting
            })
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
    use crate::cloud::{Cloud, RolloutRequest};
    use crate::config::{Stage, WorkspaceConfig};
    use crate::workspace::Workspace;

    /// The demo's prod account (its home connection, and its connection in each region) and
    /// every region it publishes to.
    async fn demo_prod() -> (std::sync::Arc<dyn Cloud>, StageRegions, Vec<String>) {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let workspace = Workspace::load(root);
        let config = demo_config(&WorkspaceConfig::load(root)).unwrap();
        let clock = Clock::starting_at(1_795_000_000_000, 1.0);
        let connector = DemoConnector {
            world: DemoWorld::new(&workspace, 3, clock),
        };
        let context = StageContext::new(&config, Stage::Prod, &Overrides::default());
        let stage = StageRegions::new(
            crate::cloud::Connections::new(std::sync::Arc::new(connector)),
            context,
        );
        let cloud = stage.home().await.unwrap();
        let facts = crate::ops::regions::facts(cloud.as_ref()).await.unwrap();
        let regions = crate::ops::regions::decide(&config.accounts.prod, &facts)
            .into_iter()
            .filter(|r| r.included)
            .map(|r| r.region)
            .collect();
        (cloud, stage, regions)
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
            canary: None,
        }
    }

    /// 26 regions at concurrency 5 on the demo's clock: one region's TestType fails and is
    /// known while the others still run (its failed step read from its child, which the demo
    /// answers only in that region), a poll costs the parent plus a call per running or changed
    /// region, and the retry starts exactly the failed region, which passes.
    #[tokio::test(start_paused = true)]
    async fn a_rollout_is_watched_region_by_region_and_the_retry_starts_the_failed_one() {
        let (cloud, stage, regions) = demo_prod().await;
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
            let changes = watch.poll(&stage).await.unwrap();
            let failed_now = changes.iter().filter(|c| is_failure(&c.status)).count() as u32;
            // The parent, each running region's child, each region that just failed.
            let budget = 1 + watch.totals().running as u32 + failed_now;
            assert!(watch.calls <= budget, "{} calls", watch.calls);
            assert!(watch.calls <= 1 + 5 + failed_now);
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
            second.poll(&stage).await.unwrap();
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
