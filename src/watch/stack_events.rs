//! `StackEventPoller`: reads DescribeStackEvents newest-first only back to the last event seen,
//! emits each event once, oldest first, tracks every resource and pins failure reasons.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::backoff::PollPolicy;
use crate::cloud::Stacks;
use crate::cloud::status::{is_success, is_terminal};
use crate::cloud::{CloudError, CloudErrorKind, StackEvent, StatusCategory};

/// Which events the first poll reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Start {
    /// The whole history.
    Beginning,
    /// Back to the start of the stack's latest operation (its `*_IN_PROGRESS` stack event).
    LatestOperation,
    /// Only events newer than this event id.
    After(String),
}

/// The default number of events kept in memory.
pub const DEFAULT_HISTORY_CAP: usize = 10_000;

/// One resource of the stack, as its latest event says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceState {
    pub logical_id: String,
    pub resource_type: String,
    pub physical_id: Option<String>,
    pub status: String,
    pub category: StatusCategory,
    pub reason: Option<String>,
    pub timestamp_ms: i64,
}

/// A failure reason kept after rollback and deletion have moved on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedFailure {
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
    pub reason: String,
    pub timestamp_ms: i64,
}

/// Resources per category, like rain's live summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub pending: usize,
    pub in_progress: usize,
    pub complete: usize,
    pub failed: usize,
}

/// What is known about a stack from its events. Pure: no I/O.
#[derive(Debug, Clone)]
pub struct StackWatch {
    /// The stack name until the first read, then its id (which still answers after deletion).
    pub stack: String,
    pub stack_name: String,
    pub stack_status: Option<String>,
    pub stack_reason: Option<String>,
    /// Retained events, oldest first, at most `history_cap`.
    pub events: VecDeque<StackEvent>,
    pub history_cap: usize,
    /// Every event merged so far, including those dropped by the cap.
    pub total_events: u64,
    pub resources: BTreeMap<String, ResourceState>,
    pub failures: Vec<PinnedFailure>,
    last_seen: Option<String>,
    retained_ids: HashSet<String>,
}

impl StackWatch {
    pub fn new(stack: &str, history_cap: usize) -> StackWatch {
        StackWatch {
            stack: stack.to_string(),
            stack_name: stack.to_string(),
            stack_status: None,
            stack_reason: None,
            events: VecDeque::new(),
            history_cap: history_cap.max(1),
            total_events: 0,
            resources: BTreeMap::new(),
            failures: Vec::new(),
            last_seen: None,
            retained_ids: HashSet::new(),
        }
    }

    /// Marks resources as pending until their first event (e.g. from a change set).
    pub fn expect_resources(&mut self, resources: impl IntoIterator<Item = (String, String)>) {
        for (logical_id, resource_type) in resources {
            self.resources
                .entry(logical_id.clone())
                .or_insert(ResourceState {
                    logical_id,
                    resource_type,
                    physical_id: None,
                    status: "PENDING".into(),
                    category: StatusCategory::Pending,
                    reason: None,
                    timestamp_ms: 0,
                });
        }
    }

    /// Whether `event_id` is where a newest-first read should stop.
    pub fn has_seen(&self, event_id: &str) -> bool {
        self.last_seen.as_deref() == Some(event_id) || self.retained_ids.contains(event_id)
    }

    /// Merges events read newest-first; returns those not seen before, oldest first.
    pub fn merge(&mut self, newest_first: Vec<StackEvent>) -> Vec<StackEvent> {
        if let Some(newest) = newest_first.first() {
            if self.stack == self.stack_name && !newest.stack_id.is_empty() {
                self.stack = newest.stack_id.clone();
            }
            if !newest.stack_name.is_empty() {
                self.stack_name = newest.stack_name.clone();
            }
        }
        let mut fresh = Vec::with_capacity(newest_first.len());
        for event in newest_first.into_iter().rev() {
            if self.retained_ids.contains(&event.event_id) {
                continue;
            }
            self.apply(&event);
            self.last_seen = Some(event.event_id.clone());
            self.total_events += 1;
            self.retained_ids.insert(event.event_id.clone());
            self.events.push_back(event.clone());
            if self.events.len() > self.history_cap
                && let Some(dropped) = self.events.pop_front()
            {
                self.retained_ids.remove(&dropped.event_id);
            }
            fresh.push(event);
        }
        fresh
    }

    fn apply(&mut self, event: &StackEvent) {
        let category = event.category();
        if event.status.ends_with("_FAILED") {
            let reason = event.reason.clone().unwrap_or_default();
            let pinned = PinnedFailure {
                logical_id: event.logical_id.clone(),
                physical_id: event.physical_id.clone(),
                resource_type: event.resource_type.clone(),
                status: event.status.clone(),
                reason,
                timestamp_ms: event.timestamp_ms,
            };
            if !self.failures.contains(&pinned) {
                self.failures.push(pinned);
            }
        }
        if event.is_stack_event() {
            self.stack_status = Some(event.status.clone());
            self.stack_reason = event.reason.clone();
            return;
        }
        self.resources.insert(
            event.logical_id.clone(),
            ResourceState {
                logical_id: event.logical_id.clone(),
                resource_type: event.resource_type.clone(),
                physical_id: event.physical_id.clone().or_else(|| {
                    self.resources
                        .get(&event.logical_id)
                        .and_then(|r| r.physical_id.clone())
                }),
                status: event.status.clone(),
                category,
                reason: event.reason.clone(),
                timestamp_ms: event.timestamp_ms,
            },
        );
    }

    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for resource in self.resources.values() {
            match resource.category {
                StatusCategory::Pending => counts.pending += 1,
                StatusCategory::InProgress => counts.in_progress += 1,
                StatusCategory::Complete | StatusCategory::Cancelled => counts.complete += 1,
                StatusCategory::Failed => counts.failed += 1,
            }
        }
        counts
    }

    /// Whether anything is still moving.
    pub fn is_active(&self) -> bool {
        // REVIEW_IN_PROGRESS waits for a person to execute a change set: nothing moves.
        self.stack_status
            .as_deref()
            .is_some_and(|status| !is_terminal(status) && status != "REVIEW_IN_PROGRESS")
            || self
                .resources
                .values()
                .any(|r| r.category == StatusCategory::InProgress)
    }

    /// `Some(true)` once the stack reached a successful final state, `Some(false)` a failed one.
    pub fn outcome(&self) -> Option<bool> {
        let status = self.stack_status.as_deref()?;
        is_terminal(status).then(|| is_success(status))
    }
}

/// Why a poll did not bring events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PollProblem {
    /// Throttled or the connection failed: retried after `delay`.
    Retrying { error: CloudError, attempt: u32 },
    /// Credentials are missing or expired: polling stops until [`StackEventPoller::resume`].
    Stopped(CloudError),
    /// Anything else (the stack does not exist ...): polling stops.
    Failed(CloudError),
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollReport {
    /// New events, oldest first.
    pub new_events: Vec<StackEvent>,
    /// DescribeStackEvents calls this poll made.
    pub calls: u32,
    /// How long to wait before the next poll.
    pub delay: Duration,
    pub problem: Option<PollProblem>,
}

/// Polls one stack's events.
pub struct StackEventPoller {
    source: Arc<dyn Stacks>,
    pub watch: StackWatch,
    pub policy: PollPolicy,
    start: Option<Start>,
    idle_polls: u32,
    failures: u32,
    stopped: bool,
}

/// Whether an event opens an operation on the stack (where `Start::LatestOperation` stops reading).
fn opens_operation(event: &StackEvent) -> bool {
    event.is_stack_event()
        && matches!(
            event.status.as_str(),
            "CREATE_IN_PROGRESS"
                | "UPDATE_IN_PROGRESS"
                | "DELETE_IN_PROGRESS"
                | "IMPORT_IN_PROGRESS"
                | "REVIEW_IN_PROGRESS"
        )
}

impl StackEventPoller {
    pub fn new(source: Arc<dyn Stacks>, stack: &str, start: Start, history_cap: usize) -> Self {
        let mut watch = StackWatch::new(stack, history_cap);
        if let Start::After(event_id) = &start {
            watch.last_seen = Some(event_id.clone());
        }
        StackEventPoller {
            source,
            watch,
            policy: PollPolicy::default(),
            start: Some(start),
            idle_polls: 0,
            failures: 0,
            stopped: false,
        }
    }

    /// Whether polling stopped for credentials or a permanent failure.
    pub fn is_stopped(&self) -> bool {
        self.stopped
    }

    /// Polls again after a stop (e.g. once the user has renewed credentials).
    pub fn resume(&mut self) {
        self.stopped = false;
        self.failures = 0;
    }

    /// Reads the new events (one call unless more than a page arrived) and merges them.
    pub async fn poll(&mut self) -> PollReport {
        if self.stopped {
            return PollReport {
                new_events: Vec::new(),
                calls: 0,
                delay: self.policy.idle_max,
                problem: None,
            };
        }
        let latest_operation = self.start == Some(Start::LatestOperation);
        let mut collected = Vec::new();
        let mut next_token = None;
        let mut calls = 0;
        loop {
            calls += 1;
            let page = match self
                .source
                .stack_events_page(&self.watch.stack, next_token.take())
                .await
            {
                Ok(page) => page,
                Err(error) => return self.failed(error, calls),
            };
            let mut reached_known = false;
            for event in page.events {
                if self.watch.has_seen(&event.event_id) {
                    reached_known = true;
                    break;
                }
                let opens = latest_operation && opens_operation(&event);
                collected.push(event);
                if opens {
                    reached_known = true;
                    break;
                }
            }
            next_token = page.next_token;
            if reached_known || next_token.is_none() {
                break;
            }
        }
        self.start = None;
        self.failures = 0;
        let new_events = self.watch.merge(collected);
        let delay = if self.watch.is_active() || !new_events.is_empty() {
            self.idle_polls = 0;
            self.policy.active
        } else {
            self.idle_polls += 1;
            self.policy.idle_delay(self.idle_polls)
        };
        PollReport {
            new_events,
            calls,
            delay,
            problem: None,
        }
    }

    fn failed(&mut self, error: CloudError, calls: u32) -> PollReport {
        let problem = match error.kind {
            CloudErrorKind::Throttled | CloudErrorKind::Connection => {
                self.failures += 1;
                PollProblem::Retrying {
                    error,
                    attempt: self.failures,
                }
            }
            CloudErrorKind::ExpiredCredentials | CloudErrorKind::NoCredentials => {
                self.stopped = true;
                PollProblem::Stopped(error)
            }
            _ => {
                self.stopped = true;
                PollProblem::Failed(error)
            }
        };
        let delay = match &problem {
            PollProblem::Retrying { attempt, .. } => {
                self.policy.failure_delay(*attempt, fastrand::f64())
            }
            _ => self.policy.idle_max,
        };
        PollReport {
            new_events: Vec::new(),
            calls,
            delay,
            problem: Some(problem),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::fake::{Fake, ScriptedStack};

    fn connection_lost() -> CloudError {
        CloudError::new(
            CloudErrorKind::Connection,
            "DescribeStackEvents: connection reset",
            "retrying",
        )
    }

    /// Polls like a follower would, advancing the scripted clock by each reported delay.
    async fn follow(
        poller: &mut StackEventPoller,
        stack: &ScriptedStack,
        until: Duration,
    ) -> (Vec<String>, Vec<PollProblem>) {
        let (mut seen, mut problems) = (Vec::new(), Vec::new());
        while stack.now() < until {
            let report = poller.poll().await;
            seen.extend(report.new_events.iter().map(|e| e.event_id.clone()));
            problems.extend(report.problem);
            stack.advance(report.delay);
        }
        (seen, problems)
    }

    fn busy_stack() -> ScriptedStack {
        let stack = ScriptedStack::new("setup-x");
        stack.push(
            Duration::ZERO,
            "setup-x",
            "",
            "UPDATE_IN_PROGRESS",
            Some("User Initiated"),
        );
        for n in 1..=40u64 {
            stack.push(
                Duration::from_secs(n),
                &format!("R{n}"),
                "AWS::SSM::Parameter",
                "UPDATE_COMPLETE",
                None,
            );
        }
        stack.push(
            Duration::from_secs(41),
            "setup-x",
            "",
            "UPDATE_COMPLETE",
            None,
        );
        stack
    }

    #[tokio::test]
    async fn a_stack_waiting_for_its_change_set_is_polled_as_idle() {
        let stack = ScriptedStack::new("setup-x");
        stack.push(
            Duration::ZERO,
            "setup-x",
            "",
            "REVIEW_IN_PROGRESS",
            Some("User Initiated"),
        );
        let mut poller = StackEventPoller::new(
            Fake::stack_events(stack.clone()),
            "setup-x",
            Start::Beginning,
            100,
        );
        let mut delays = Vec::new();
        for _ in 0..5 {
            let report = poller.poll().await;
            delays.push(report.delay.as_secs());
            stack.advance(report.delay);
        }
        assert_eq!(delays, [2, 4, 8, 15, 15], "backs off like an idle stack");
        assert_eq!(poller.watch.outcome(), None, "and keeps following");
    }

    #[tokio::test]
    async fn a_dropped_connection_is_retried_and_loses_or_repeats_nothing() {
        let stack = busy_stack();
        for call in [3, 4, 5, 9] {
            stack.fail_call(call, connection_lost());
        }
        let mut poller = StackEventPoller::new(
            Fake::stack_events(stack.clone()),
            "setup-x",
            Start::Beginning,
            1_000,
        );
        let (seen, problems) = follow(&mut poller, &stack, Duration::from_secs(120)).await;
        let mut expected = vec!["setup-x-UPDATE_IN_PROGRESS-0".to_string()];
        expected.extend((1..=40).map(|n| format!("R{n}-UPDATE_COMPLETE-{n}")));
        expected.push("setup-x-UPDATE_COMPLETE-41".to_string());
        assert_eq!(seen, expected, "every event once, in order");
        assert_eq!(problems.len(), 4);
        assert!(
            matches!(problems[2], PollProblem::Retrying { attempt: 3, .. }),
            "{problems:?}"
        );
        assert_eq!(poller.watch.outcome(), Some(true));
    }

    #[tokio::test]
    async fn the_history_cap_bounds_memory_but_not_dedupe() {
        let stack = busy_stack();
        stack.advance(Duration::from_secs(100));
        let mut poller = StackEventPoller::new(
            Fake::stack_events(stack.clone()),
            "setup-x",
            Start::Beginning,
            5,
        );
        assert_eq!(poller.poll().await.new_events.len(), 42);
        assert_eq!(poller.watch.events.len(), 5);
        assert_eq!(poller.watch.total_events, 42);
        assert!(poller.poll().await.new_events.is_empty());
        assert_eq!(poller.watch.resources.len(), 40);
    }
}
