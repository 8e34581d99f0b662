//! The injectable clock: real time for AWS, scaled time for the demo (`--speed`). The TUI's
//! notion of now, the demo's timeline and every sleep of the task runner read it, so a demo at
//! speed 20 runs twenty times faster everywhere, and tests with tokio's paused time are exact.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Wall-clock milliseconds since the epoch plus scaled elapsed time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// Milliseconds since the epoch at `start`.
    origin_ms: i64,
    start: tokio::time::Instant,
    speed: f64,
}

impl Clock {
    /// Real time.
    pub fn real() -> Clock {
        let origin_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        Clock::starting_at(origin_ms, 1.0)
    }

    /// Time that starts at `origin_ms` and runs `speed` times faster than tokio's clock.
    pub fn starting_at(origin_ms: i64, speed: f64) -> Clock {
        Clock {
            origin_ms,
            start: tokio::time::Instant::now(),
            speed: if speed.is_finite() && speed > 0.0 {
                speed
            } else {
                1.0
            },
        }
    }

    /// Time since the clock started, as the clock counts it.
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed().mul_f64(self.speed)
    }

    /// Milliseconds since the epoch, as the clock counts them.
    pub fn now_ms(&self) -> i64 {
        self.origin_ms + self.elapsed().as_millis() as i64
    }

    /// Milliseconds since the epoch when the clock started.
    pub fn origin_ms(&self) -> i64 {
        self.origin_ms
    }

    /// Sleeps for `delay` of this clock's time.
    pub async fn sleep(&self, delay: Duration) {
        tokio::time::sleep(self.on_tokio(delay)).await;
    }

    /// How long `delay` of this clock's time lasts on tokio's clock.
    pub fn on_tokio(&self, delay: Duration) -> Duration {
        delay.div_f64(self.speed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_faster_clock_counts_and_sleeps_in_its_own_time() {
        let clock = Clock::starting_at(1_000, 20.0);
        tokio::time::advance(Duration::from_millis(500)).await;
        assert_eq!(clock.elapsed(), Duration::from_secs(10));
        assert_eq!(clock.now_ms(), 11_000);
        let before = tokio::time::Instant::now();
        clock.sleep(Duration::from_secs(40)).await;
        assert_eq!(before.elapsed(), Duration::from_secs(2));
        let nonsense = Clock::starting_at(0, -3.0);
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(
            nonsense.elapsed(),
            Duration::from_secs(1),
            "a speed <= 0 means real time"
        );
    }
}
