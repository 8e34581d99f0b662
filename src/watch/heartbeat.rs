//! A line for a stack operation that has been quiet for a while: its status, how long it has
//! run, and what was still in progress at the last read, so that a long create never looks hung.

use super::stack_events::StackWatch;
use crate::cloud::StatusCategory;
use crate::text::minutes_seconds;

/// How long a followed operation may print nothing before a heartbeat says where it stands.
pub const QUIET_MS: i64 = 30_000;

/// The most resources a heartbeat names.
const NAMED: usize = 4;

/// When the last line about one followed operation was printed.
#[derive(Debug, Clone, Copy)]
pub struct Heartbeat {
    began_ms: i64,
    last_ms: i64,
}

impl Heartbeat {
    /// Following began at `now_ms`.
    pub fn new(now_ms: i64) -> Heartbeat {
        Heartbeat {
            began_ms: now_ms,
            last_ms: now_ms,
        }
    }

    /// Something about the operation was printed at `now_ms`.
    pub fn heard(&mut self, now_ms: i64) {
        self.last_ms = now_ms;
    }

    /// The heartbeat line once [`QUIET_MS`] passed without a line (it counts as one).
    pub fn due(&mut self, watch: &StackWatch, now_ms: i64) -> Option<String> {
        if now_ms - self.last_ms < QUIET_MS {
            return None;
        }
        self.last_ms = now_ms;
        Some(line(watch, now_ms - self.began_ms))
    }
}

/// `setup-X: still CREATE_IN_PROGRESS after 1m30s; in progress at the last read: Bucket
/// (AWS::S3::Bucket)`.
pub fn line(watch: &StackWatch, elapsed_ms: i64) -> String {
    let status = watch.stack_status.as_deref().unwrap_or("no event yet");
    let in_progress: Vec<String> = watch
        .resources
        .values()
        .filter(|r| r.category == StatusCategory::InProgress)
        .map(|r| format!("{} ({})", r.logical_id, r.resource_type))
        .collect();
    let named = match in_progress.len() {
        0 => "nothing in progress at the last read".to_string(),
        n if n <= NAMED => format!("in progress at the last read: {}", in_progress.join(", ")),
        n => format!(
            "in progress at the last read: {} and {} more",
            in_progress[..NAMED].join(", "),
            n - NAMED
        ),
    };
    format!(
        "{}: still {status} after {}; {named}",
        watch.stack_name,
        minutes_seconds(elapsed_ms)
    )
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cloud::StackEvent;

    /// Event `n` of the stack `setup-S3-Thing` (a bucket's, or the stack's own).
    pub(crate) fn event(n: i64, logical: &str, status: &str) -> StackEvent {
        StackEvent {
            event_id: format!("e{n}"),
            stack_id: "stack-id".into(),
            stack_name: "setup-S3-Thing".into(),
            logical_id: logical.into(),
            physical_id: None,
            resource_type: if logical == "setup-S3-Thing" {
                "AWS::CloudFormation::Stack".into()
            } else {
                "AWS::S3::Bucket".into()
            },
            status: status.into(),
            reason: None,
            timestamp_ms: n * 1000,
        }
    }

    #[test]
    fn a_quiet_operation_gets_one_line_every_thirty_seconds_naming_what_is_in_progress() {
        let mut watch = StackWatch::new("setup-S3-Thing", 100);
        watch.merge(vec![
            event(3, "Queue", "CREATE_COMPLETE"),
            event(2, "Bucket", "CREATE_IN_PROGRESS"),
            event(1, "setup-S3-Thing", "CREATE_IN_PROGRESS"),
        ]);
        let mut heartbeat = Heartbeat::new(0);
        assert_eq!(heartbeat.due(&watch, 29_999), None);
        heartbeat.heard(20_000);
        assert_eq!(heartbeat.due(&watch, 49_999), None, "an event resets it");
        assert_eq!(
            heartbeat.due(&watch, 50_000).as_deref(),
            Some(
                "setup-S3-Thing: still CREATE_IN_PROGRESS after 0m50s; in progress at the last read: Bucket (AWS::S3::Bucket)"
            )
        );
        assert_eq!(heartbeat.due(&watch, 79_999), None, "then again 30 s later");
        assert!(
            heartbeat
                .due(&watch, 80_000)
                .unwrap()
                .contains("after 1m20s")
        );
        let fresh = StackWatch::new("integ-x", 10);
        assert_eq!(
            line(&fresh, 31_000),
            "integ-x: still no event yet after 0m31s; nothing in progress at the last read"
        );
    }
}
