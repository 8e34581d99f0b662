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
/// The board's prod column: where the account publishes (the publishing regions, the publisher
/// id) is read once an hour; in the other minutes a few regions' public versions, within
/// the prod column's budget of four calls a minute.
pub const BOARD_PROD_REGIONS: Duration = Duration::from_secs(60 * 60);
/// A prod rollout (two calls, plus one per region that just failed), CLI and TUI alike.
pub const ROLLOUT: Duration = Duration::from_secs(15);
