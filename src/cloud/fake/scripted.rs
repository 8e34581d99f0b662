//! Scripted stacks on a simulated clock: events appear when their time comes. They stand in for
//! CloudFormation in tests of the pollers and in the polling benchmarks.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::cloud::{CloudError, EventPage, StackEvent};

/// DescribeStackEvents returns at most this many events a page.
pub const PAGE_SIZE: usize = 100;

#[derive(Debug, Default)]
struct Timeline {
    now: Duration,
    /// (when it appears, the event), oldest first.
    events: Vec<(Duration, StackEvent)>,
    calls: u64,
    /// Errors to answer instead of pages, by call number (1-based).
    failures: Vec<(u64, CloudError)>,
}

/// A stack whose events are scripted on a clock the caller advances. Clones share the timeline.
#[derive(Debug, Clone, Default)]
pub struct ScriptedStack {
    stack_name: String,
    timeline: Arc<Mutex<Timeline>>,
}

impl ScriptedStack {
    pub fn new(stack_name: &str) -> ScriptedStack {
        ScriptedStack {
            stack_name: stack_name.to_string(),
            timeline: Arc::default(),
        }
    }

    fn timeline(&self) -> MutexGuard<'_, Timeline> {
        self.timeline
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn stack_id(&self) -> String {
        format!(
            "arn:aws:cloudformation:us-east-1:123456789012:stack/{}/demo",
            self.stack_name
        )
    }

    /// Schedules an event at `at`; `logical_id` equal to the stack name makes it a stack event.
    pub fn push(
        &self,
        at: Duration,
        logical_id: &str,
        resource_type: &str,
        status: &str,
        reason: Option<&str>,
    ) {
        let mut timeline = self.timeline();
        let number = timeline.events.len();
        let resource_type = if logical_id == self.stack_name {
            "AWS::CloudFormation::Stack"
        } else {
            resource_type
        };
        let event = StackEvent {
            event_id: format!("{logical_id}-{status}-{number}"),
            stack_id: self.stack_id(),
            stack_name: self.stack_name.clone(),
            logical_id: logical_id.to_string(),
            physical_id: Some(format!("{}-{}", self.stack_name, logical_id.to_lowercase())),
            resource_type: resource_type.to_string(),
            status: status.to_string(),
            reason: reason.map(String::from),
            timestamp_ms: 1_700_000_000_000 + at.as_millis() as i64,
        };
        let position = timeline.events.partition_point(|(when, _)| *when <= at);
        timeline.events.insert(position, (at, event));
    }

    /// Answers call number `call` (1-based) with `error` instead of a page.
    pub fn fail_call(&self, call: u64, error: CloudError) {
        self.timeline().failures.push((call, error));
    }

    pub fn advance(&self, by: Duration) {
        self.timeline().now += by;
    }

    pub fn now(&self) -> Duration {
        self.timeline().now
    }

    /// DescribeStackEvents calls answered so far.
    pub fn calls(&self) -> u64 {
        self.timeline().calls
    }

    /// One page of the events visible now, newest first, as DescribeStackEvents pages them.
    pub fn page(&self, next_token: Option<String>) -> Result<EventPage, CloudError> {
        let mut timeline = self.timeline();
        timeline.calls += 1;
        let call = timeline.calls;
        if let Some(index) = timeline.failures.iter().position(|(n, _)| *n == call) {
            return Err(timeline.failures.remove(index).1);
        }
        let now = timeline.now;
        let visible = timeline.events.partition_point(|(when, _)| *when <= now);
        let skip: usize = next_token.and_then(|token| token.parse().ok()).unwrap_or(0);
        let newest_first = timeline.events[..visible].iter().rev().skip(skip);
        let events: Vec<StackEvent> = newest_first
            .take(PAGE_SIZE)
            .map(|(_, event)| event.clone())
            .collect();
        let next = skip + events.len();
        Ok(EventPage {
            next_token: (next < visible).then(|| next.to_string()),
            events,
        })
    }
}

/// Events number `range` of one busy stack, oldest first: 500 resources cycling through
/// UPDATE_IN_PROGRESS and UPDATE_COMPLETE, now and then with a reason.
pub fn generated_events(range: std::ops::Range<u64>) -> Vec<StackEvent> {
    range
        .map(|n| StackEvent {
            event_id: format!("event-{n:08}"),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/big/1".into(),
            stack_name: "big".into(),
            logical_id: format!("Resource{}", n % 500),
            physical_id: Some(format!("physical-{}", n % 500)),
            resource_type: "AWS::SSM::Parameter".into(),
            status: if n.is_multiple_of(2) {
                "UPDATE_IN_PROGRESS".into()
            } else {
                "UPDATE_COMPLETE".into()
            },
            reason: n
                .is_multiple_of(97)
                .then(|| "Resource handler returned message: something to say".into()),
            timestamp_ms: 1_700_000_000_000 + n as i64,
        })
        .collect()
}
