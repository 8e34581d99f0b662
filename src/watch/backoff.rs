//! Poll intervals: fast while something moves, slower when idle, jittered backoff on failures.

use std::time::Duration;

/// How often to poll, and how far to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollPolicy {
    /// While anything is in progress.
    pub active: Duration,
    /// The longest pause while nothing moves.
    pub idle_max: Duration,
    /// The longest pause after repeated throttling or connection failures.
    pub failure_max: Duration,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            active: Duration::from_millis(2_000),
            idle_max: Duration::from_secs(15),
            failure_max: Duration::from_secs(60),
        }
    }
}

impl PollPolicy {
    /// The pause after `idle_polls` polls in a row that found nothing in progress:
    /// active, then doubling up to `idle_max`.
    pub fn idle_delay(&self, idle_polls: u32) -> Duration {
        let factor = 1u32 << idle_polls.min(8);
        (self.active * factor).min(self.idle_max)
    }

    /// The pause after `failures` failed polls in a row: exponential, with "equal jitter"
    /// (half fixed, half random) so that many clients do not retry in step.
    pub fn failure_delay(&self, failures: u32, random_unit: f64) -> Duration {
        let factor = 1u32 << failures.clamp(1, 10);
        let ceiling = (self.active * factor).min(self.failure_max);
        ceiling / 2 + ceiling.mul_f64(random_unit.clamp(0.0, 1.0) / 2.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_backs_off_to_the_ceiling() {
        let policy = PollPolicy::default();
        let delays: Vec<u64> = (0..6).map(|n| policy.idle_delay(n).as_secs()).collect();
        assert_eq!(delays, [2, 4, 8, 15, 15, 15]);
    }

    #[test]
    fn failures_back_off_with_bounded_jitter() {
        let policy = PollPolicy::default();
        assert_eq!(policy.failure_delay(1, 0.0), Duration::from_secs(2));
        assert_eq!(policy.failure_delay(1, 1.0), Duration::from_secs(4));
        assert_eq!(policy.failure_delay(3, 0.5), Duration::from_secs(12));
        assert_eq!(policy.failure_delay(30, 1.0), Duration::from_secs(60));
        assert!(policy.failure_delay(30, 0.0) >= Duration::from_secs(30));
    }
}
