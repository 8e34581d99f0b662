//! The demo's prod rollouts: each region runs the publish document's steps on the demo clock,
//! with durations drawn from the seed as real registrations take them (RegisterType 2–5 min,
//! TestType 5–15 min, PublishType under a minute), at most the concurrency at once; TestType
//! fails in one region on the first rollout (a retry passes), and once the failures exceed the
//! error budget no new region starts.

use std::time::Duration;

use crate::cloud::{RegionRun, RolloutRequest, RolloutState, RolloutSummary, StepRun};

/// The region whose contract tests fail in the demo.
pub const FAILING_REGION: &str = "me-south-1";
/// What its TestType says.
const TEST_FAILURE: &str = "TestType FAILED: contract_update_read_success: the read handler returned KeyPrefix \"logs/\" after an update to \"logs/2026/\" (handler_update.py)";

/// One step of a region's run: its name and when it ends, from the region's start.
#[derive(Debug, Clone)]
struct Segment {
    name: &'static str,
    length: Duration,
}

/// One region of a rollout.
#[derive(Debug, Clone)]
struct RegionPlan {
    region: String,
    /// When it starts, from the rollout's start; `None`: never (the error budget was spent).
    start: Option<Duration>,
    segments: Vec<Segment>,
    /// The segment whose end fails the region.
    fails_at: Option<usize>,
    /// Stopped by the user: the failing segment ends cancelled.
    cancelled: bool,
    /// The rollout's time scale (for the clean-up's steps).
    scale: f64,
}

/// What runs after a failed step, as the document's failure path does (a stopped run skips it).
const CLEAN_UP: [(&str, u64); 2] = [("CleanUp", 1), ("DeleteSetupStack", 40)];

impl RegionPlan {
    fn length(&self) -> Duration {
        let end = self.fails_at.map_or(self.segments.len(), |i| i + 1);
        let main: Duration = self.segments[..end].iter().map(|s| s.length).sum();
        main + self.clean_up().iter().map(|s| s.length).sum::<Duration>()
    }

    /// The clean-up path after a failure; none after success (the main path ends with it) or
    /// a stop.
    fn clean_up(&self) -> Vec<Segment> {
        if self.fails_at.is_none() || self.cancelled {
            return Vec::new();
        }
        CLEAN_UP
            .iter()
            .map(|(name, seconds)| Segment {
                name,
                length: Duration::from_secs(*seconds).mul_f64(self.scale),
            })
            .collect()
    }
}

/// A rollout the demo started.
#[derive(Debug, Clone)]
pub struct DemoRollout {
    pub id: String,
    /// The region it was started in: the parent lives there, each child in its own region.
    pub home: String,
    pub request: RolloutRequest,
    /// The canary run that started it (a nested run), if one did.
    pub parent: Option<String>,
    started: Duration,
    regions: Vec<RegionPlan>,
}

fn minutes(rng: &mut fastrand::Rng, low: f64, high: f64) -> Duration {
    Duration::from_secs_f64(60.0 * (low + rng.f64() * (high - low)))
}

impl DemoRollout {
    /// Schedules `request` from `now`: each region's steps drawn from `rng` (their real
    /// durations times `scale`), started as slots free up, no new start once the failures
    /// exceed the error budget; on the world's `first` rollout one region's tests fail.
    pub fn new(
        (id, home): (String, String),
        request: RolloutRequest,
        (now, first, scale): (Duration, bool, f64),
        rng: &mut fastrand::Rng,
    ) -> DemoRollout {
        let minutes =
            |rng: &mut fastrand::Rng, low: f64, high: f64| minutes(rng, low, high).mul_f64(scale);
        let publish = request
            .parameters
            .iter()
            .any(|(name, value)| name == "Publish" && value == "true");
        let mut regions: Vec<RegionPlan> = request
            .regions
            .iter()
            .map(|region| {
                // The setup stack's steps take fixed times, so that the seeded draws below stay
                // what they were.
                let mut segments = vec![
                    Segment {
                        name: "KeepHandlerLogs",
                        length: Duration::from_secs(1),
                    },
                    Segment {
                        name: "DeploySetupStack",
                        length: Duration::from_secs(90).mul_f64(scale),
                    },
                    Segment {
                        name: "RegisterType",
                        length: Duration::from_secs(2),
                    },
                    Segment {
                        name: "WaitForRegistration",
                        length: minutes(rng, 2.0, 5.0),
                    },
                    Segment {
                        name: "SetDefaultVersion",
                        length: Duration::from_secs(3),
                    },
                    Segment {
                        name: "TestType",
                        length: Duration::from_secs(2),
                    },
                    Segment {
                        name: "WaitForTests",
                        length: minutes(rng, 5.0, 15.0),
                    },
                    Segment {
                        name: "CheckTests",
                        length: Duration::from_secs(2),
                    },
                ];
                if publish {
                    segments.push(Segment {
                        name: "PublishNumberedVersion",
                        length: minutes(rng, 0.2, 0.9),
                    });
                }
                segments.extend([
                    Segment {
                        name: "ReadPublicVersion",
                        length: Duration::from_secs(2),
                    },
                    Segment {
                        name: "DeregisterOldVersions",
                        length: Duration::from_secs(3),
                    },
                    Segment {
                        name: "CleanUp",
                        length: Duration::from_secs(1),
                    },
                    Segment {
                        name: "DeleteSetupStack",
                        length: Duration::from_secs(40).mul_f64(scale),
                    },
                ]);
                // CheckTests fails in the failing region.
                let checks = segments.iter().position(|s| s.name == "CheckTests");
                RegionPlan {
                    region: region.clone(),
                    start: None,
                    fails_at: checks.filter(|_| first && region == FAILING_REGION),
                    cancelled: false,
                    scale,
                    segments,
                }
            })
            .collect();
        // Slots: each region starts when the earliest running one ends; none starts once the
        // failures so far exceed the error budget.
        let concurrency = request.max_concurrency.max(1) as usize;
        let mut running: Vec<Duration> = Vec::new();
        let mut scheduled: Vec<(Duration, bool)> = Vec::new();
        for plan in &mut regions {
            let start = if running.len() >= concurrency {
                running.sort();
                running.remove(0)
            } else {
                Duration::ZERO
            };
            let failures = scheduled
                .iter()
                .filter(|(end, failed)| *failed && *end <= start)
                .count();
            if failures as u32 > request.max_errors {
                continue;
            }
            plan.start = Some(start);
            let end = start + plan.length();
            running.push(end);
            scheduled.push((end, plan.fails_at.is_some()));
        }
        DemoRollout {
            id,
            home,
            request,
            parent: None,
            started: now,
            regions,
        }
    }

    /// Whether it exists at `at` (a canary's second run starts only after the first).
    pub fn begun(&self, at: Duration) -> bool {
        at >= self.started
    }

    /// When its last region ends.
    pub fn end(&self) -> Duration {
        self.regions
            .iter()
            .filter_map(|plan| Some(self.started + plan.start? + plan.length()))
            .max()
            .unwrap_or(self.started)
    }

    /// Whether every region publishes (none fails, none is kept from starting).
    pub fn publishes_everywhere(&self) -> bool {
        self.regions
            .iter()
            .all(|plan| plan.start.is_some() && plan.fails_at.is_none())
    }

    fn child_id(&self, region: &str) -> String {
        format!("{}-{region}", self.id)
    }

    /// The steps of `region` by `now` (from the rollout's start), as DescribeAutomationStepExecutions.
    fn steps_of(
        &self,
        plan: &RegionPlan,
        at: Duration,
        ms: &dyn Fn(Duration) -> i64,
    ) -> Vec<StepRun> {
        let Some(start) = plan.start else {
            return Vec::new();
        };
        let mut steps = Vec::new();
        let mut begin = self.started + start;
        for (index, segment) in plan.segments.iter().enumerate() {
            if at < begin {
                break;
            }
            let end = begin + segment.length;
            let failed = plan.fails_at == Some(index);
            let status = match (at < end, failed, plan.cancelled) {
                (true, _, _) => "InProgress",
                (false, true, true) => "Cancelled",
                (false, true, false) => "Failed",
                (false, false, _) => "Success",
            };
            let message = if plan.cancelled {
                "Step cancelled: StopAutomationExecution"
            } else {
                TEST_FAILURE
            };
            steps.push(StepRun {
                name: segment.name.to_string(),
                status: status.to_string(),
                failure: (failed && at >= end).then(|| message.to_string()),
                critical: true,
                started_ms: Some(ms(begin)),
                ended_ms: (at >= end).then(|| ms(end)),
            });
            if at < end {
                break;
            }
            begin = end;
            if failed {
                // The failure path: the clean-up runs (not after a stop).
                for segment in plan.clean_up() {
                    if at < begin {
                        break;
                    }
                    let end = begin + segment.length;
                    steps.push(StepRun {
                        name: segment.name.to_string(),
                        status: if at < end { "InProgress" } else { "Success" }.to_string(),
                        failure: None,
                        critical: true,
                        started_ms: Some(ms(begin)),
                        ended_ms: (at >= end).then(|| ms(end)),
                    });
                    begin = end;
                }
                break;
            }
        }
        steps
    }

    /// The rollout at `at`, as GetAutomationExecution and its children show it.
    pub fn state(&self, at: Duration, ms: &dyn Fn(Duration) -> i64) -> RolloutState {
        let mut regions = Vec::new();
        let mut all_done = true;
        let mut last_end = self.started;
        for plan in &self.regions {
            let steps = self.steps_of(plan, at, ms);
            // The region ends when its last step (the clean-up's, after a failure) did; its
            // status is its failed step's, if one failed.
            let failed = steps
                .iter()
                .find(|s| s.status == "Failed" || s.status == "Cancelled");
            let (status, failure, started, ended) = match (plan.start, steps.last()) {
                (Some(start), Some(last)) => {
                    let done = at >= self.started + start + plan.length();
                    let status = match (done, failed) {
                        (false, _) => "InProgress",
                        (true, Some(step)) => step.status.as_str(),
                        (true, None) => "Success",
                    };
                    (
                        status,
                        failed.and_then(|s| s.failure.clone()),
                        steps.first().and_then(|s| s.started_ms),
                        if done { last.ended_ms } else { None },
                    )
                }
                _ => ("Pending", None, None, None),
            };
            if let Some(start) = plan.start {
                let end = self.started + start + plan.length();
                last_end = last_end.max(end);
                if at < end {
                    all_done = false;
                }
            }
            // The parent's step of the region: its status and failure, and the child's id;
            // the step the child is on is the child's to say (read in its region).
            regions.push(RegionRun {
                region: plan.region.clone(),
                execution_id: plan.start.map(|_| self.child_id(&plan.region)),
                status: status.to_string(),
                current_step: None,
                failure,
                started_ms: started,
                ended_ms: ended,
            });
        }
        let failed = regions
            .iter()
            .any(|r| r.status == "Failed" || r.status == "Cancelled");
        let never_started = self.regions.iter().any(|p| p.start.is_none());
        let status = match (all_done, failed || never_started) {
            (false, _) => "InProgress",
            (true, true) => "Failed",
            (true, false) => "Success",
        };
        let mut state = RolloutState {
            execution_id: self.id.clone(),
            status: status.into(),
            started_ms: Some(ms(self.started)),
            ended_ms: all_done.then(|| ms(last_end)),
            failure: (all_done && failed)
                .then(|| "one or more target locations failed".to_string()),
            regions,
            request: self.request.clone(),
            reads: 1,
            nested: Vec::new(),
        };
        // Regions the error budget kept from starting end never started.
        state.settle_never_started();
        state
    }

    /// The steps of a child execution (`<rollout>-<region>`), if it is one of this rollout's
    /// and lives in `region` (a child is answered only to a client of its own region).
    pub fn child_steps(
        &self,
        (child, region): (&str, &str),
        at: Duration,
        ms: &dyn Fn(Duration) -> i64,
    ) -> Option<Vec<StepRun>> {
        let plan = self
            .regions
            .iter()
            .find(|plan| plan.region == region && self.child_id(&plan.region) == child)?;
        Some(self.steps_of(plan, at, ms))
    }

    /// Whether this rollout already ran `request`'s extension in the failing region (so that a
    /// retry passes).
    pub fn tried(&self, request: &RolloutRequest) -> bool {
        let type_name = |r: &RolloutRequest| {
            r.parameters
                .iter()
                .find(|(key, _)| key == "TypeName")
                .map(|(_, value)| value.clone())
        };
        type_name(&self.request) == type_name(request)
            && self.request.regions.iter().any(|r| r == FAILING_REGION)
    }

    /// The public version this rollout published in `region` by `at`, if it did.
    pub fn published(&self, type_name: &str, region: &str, at: Duration) -> Option<String> {
        let parameter = |name: &str| {
            self.request
                .parameters
                .iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.clone())
        };
        if parameter("TypeName").as_deref() != Some(type_name)
            || parameter("Publish").as_deref() != Some("true")
        {
            return None;
        }
        let plan = self.regions.iter().find(|plan| plan.region == region)?;
        let done = self.started + plan.start? + plan.length();
        (plan.fails_at.is_none() && at >= done).then(|| parameter("PublicVersionNumber"))?
    }

    pub fn summary(&self, at: Duration, ms: &dyn Fn(Duration) -> i64) -> RolloutSummary {
        let state = self.state(at, ms);
        RolloutSummary {
            execution_id: self.id.clone(),
            document_version: Some(self.request.document_version.clone()),
            canary: false,
            status: state.status,
            started_ms: state.started_ms,
            ended_ms: state.ended_ms,
        }
    }

    /// Stops it: running regions end cancelled now, no new region starts.
    pub fn stop(&mut self, at: Duration) {
        let since = at.saturating_sub(self.started);
        for plan in &mut self.regions {
            match plan.start {
                Some(start) if start > since => plan.start = None,
                Some(start) if start + plan.length() > since => {
                    // Cut it at the segment running now, which fails as cancelled.
                    let mut elapsed = start;
                    for (index, segment) in plan.segments.iter_mut().enumerate() {
                        if elapsed + segment.length > since {
                            segment.length = since - elapsed;
                            plan.fails_at = Some(index);
                            plan.cancelled = true;
                            break;
                        }
                        elapsed += segment.length;
                    }
                }
                _ => {}
            }
        }
    }
}

/// A canary run: the canary region's nested run first, and the others' only once it published
/// (as the canary document's steps do); both nested runs live in the home region.
#[derive(Debug, Clone)]
pub struct DemoCanary {
    pub id: String,
    pub home: String,
    pub request: RolloutRequest,
    started: Duration,
    /// The nested runs' ids: the canary's, and the others' when the canary publishes.
    pub canary_run: String,
    pub others_run: Option<String>,
    /// When the canary's run ends, and when the others' does.
    canary_end: Duration,
    others_end: Option<Duration>,
    /// Whether the others' run publishes everywhere.
    others_publish: bool,
    stopped: Option<Duration>,
}

impl DemoCanary {
    /// Schedules `request` (which names its canary) from `now`: the nested runs it starts, to
    /// be kept beside the demo's other rollouts.
    pub fn new(
        (id, home): (String, String),
        request: RolloutRequest,
        (now, first, scale): (Duration, bool, f64),
        rng: &mut fastrand::Rng,
    ) -> (DemoCanary, Vec<DemoRollout>) {
        let canary_region = request
            .canary
            .as_ref()
            .map(|c| c.region.clone())
            .unwrap_or_default();
        let nested = |suffix: &str, regions: Vec<String>, concurrency: u32, errors: u32| {
            (
                format!("{id}-{suffix}"),
                RolloutRequest {
                    regions,
                    max_concurrency: concurrency,
                    max_errors: errors,
                    canary: None,
                    ..request.clone()
                },
            )
        };
        let (canary_id, canary_request) = nested("canary", vec![canary_region], 1, 0);
        let mut canary = DemoRollout::new(
            (canary_id.clone(), home.clone()),
            canary_request,
            (now, first, scale),
            rng,
        );
        canary.parent = Some(id.clone());
        let mut runs = vec![canary.clone()];
        let mut others_run = None;
        let mut others_end = None;
        let mut others_publish = false;
        if canary.publishes_everywhere() {
            let (others_id, others_request) = nested(
                "others",
                request.after_canary(),
                request.max_concurrency,
                request.max_errors,
            );
            let mut others = DemoRollout::new(
                (others_id.clone(), home.clone()),
                others_request,
                (canary.end(), first, scale),
                rng,
            );
            others.parent = Some(id.clone());
            others_end = Some(others.end());
            others_publish = others.publishes_everywhere();
            others_run = Some(others_id);
            runs.push(others);
        }
        (
            DemoCanary {
                id,
                home,
                request,
                started: now,
                canary_run: canary_id,
                others_run,
                canary_end: canary.end(),
                others_end,
                others_publish,
                stopped: None,
            },
            runs,
        )
    }

    /// The canary run at `at`, as GetAutomationExecution shows it: its status and the nested
    /// runs started by then (their regions are theirs to say).
    pub fn state(&self, at: Duration, ms: &dyn Fn(Duration) -> i64) -> RolloutState {
        let canary_region = self.request.canary.as_ref().map(|c| c.region.clone());
        let (status, ended, failure) = match (self.stopped, self.others_end) {
            (Some(stop), _) if at >= stop => ("Cancelled", Some(stop), None),
            _ if at < self.canary_end => ("InProgress", None, None),
            (_, None) => (
                "Failed",
                Some(self.canary_end),
                Some(format!(
                    "the canary region {} did not publish: the other regions were not started",
                    canary_region.unwrap_or_default()
                )),
            ),
            (_, Some(end)) if at < end => ("InProgress", None, None),
            (_, Some(end)) if self.others_publish => ("Success", Some(end), None),
            (_, Some(end)) => (
                "Failed",
                Some(end),
                Some("one or more target locations failed".to_string()),
            ),
        };
        let mut nested = vec![self.canary_run.clone()];
        if let Some(others) = &self.others_run
            && at >= self.canary_end
            && self.stopped.is_none_or(|stop| stop > self.canary_end)
        {
            nested.push(others.clone());
        }
        let mut state = RolloutState {
            execution_id: self.id.clone(),
            status: status.into(),
            started_ms: Some(ms(self.started)),
            ended_ms: ended.map(ms),
            failure,
            regions: Vec::new(),
            request: self.request.clone(),
            nested,
            reads: 1,
        };
        state.settle_never_started();
        state
    }

    pub fn summary(&self, at: Duration, ms: &dyn Fn(Duration) -> i64) -> RolloutSummary {
        let state = self.state(at, ms);
        RolloutSummary {
            execution_id: self.id.clone(),
            document_version: Some("1".into()),
            canary: true,
            status: state.status,
            started_ms: state.started_ms,
            ended_ms: state.ended_ms,
        }
    }

    /// Stopped at `at`: its nested runs are stopped by the caller.
    pub fn stop(&mut self, at: Duration) {
        self.stopped = Some(at);
    }
}
