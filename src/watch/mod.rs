//! Pollers: they read the cloud at an adaptive interval, back off with jitter, dedupe, and report
//! what they found as data; callers do the sleeping, so time stays testable.

pub mod backoff;
pub mod build_log;
pub mod heartbeat;
pub mod intervals;
pub mod pipeline;
pub mod stack_events;
