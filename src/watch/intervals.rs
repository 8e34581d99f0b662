//! Every poll interval of regship in one place, for the CLI, the TUI and the demo alike.

use std::time::Duration;

/// GetPipelineState while an execution runs.
pub const PIPELINE_RUNNING: Duration = Duration::from_secs(5);
/// GetPipelineState while nothing runs.
pub const PIPELINE_IDLE: Duration = Duration::from_secs(30);
/// A build and its log while the build runs.
pub const BUILD_LOG: Duration = Duration::from_secs(3);
/// The readiness board (the resources view): the sandbox stacks and the CI/CD pipeline are
/// read once a minute while it shows, one call each.
pub const BOARD: Duration = Duration::from_secs(60);
/// The board's prod column: public versions change only with a rollout, and a read costs a few
/// calls per region, so every 20 minutes (about 4 calls a minute for 26 regions).
pub const BOARD_PROD: Duration = Duration::from_secs(20 * 60);
/// A prod rollout (two calls, plus one per region that just failed), CLI and TUI alike.
pub const ROLLOUT: Duration = Duration::from_secs(15);
