//! Every poll interval of regship in one place, for the CLI, the TUI and the demo alike.

use std::time::Duration;

/// GetPipelineState while an execution runs.
pub const PIPELINE_RUNNING: Duration = Duration::from_secs(5);
/// GetPipelineState while nothing runs.
pub const PIPELINE_IDLE: Duration = Duration::from_secs(30);
/// A build and its log while the build runs.
pub const BUILD_LOG: Duration = Duration::from_secs(3);
/// The resources view's build column (the CI/CD pipeline of every extension).
pub const BUILD_COLUMN: Duration = Duration::from_secs(60);
/// A prod rollout (two calls, plus one per region that just failed), CLI and TUI alike.
pub const ROLLOUT: Duration = Duration::from_secs(15);
