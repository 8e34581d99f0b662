//! `regship events STACK [--follow]`: a stack's events, or live until it settles.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, connect};
use super::follow::{FollowOptions, follow};
use super::{UsageError, load_workspace};
use crate::cli::AwsArgs;
use crate::config::Stage;
use crate::watch::stack_events::{StackEventPoller, Start};

pub fn run(
    start: &Path,
    stack: &str,
    stage: Stage,
    follow_it: bool,
    history_cap: usize,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let cloud = connect(&workspace.config, stage, aws).await?;
        let start = if follow_it {
            Start::LatestOperation
        } else {
            Start::Beginning
        };
        let cap = if follow_it { history_cap } else { usize::MAX };
        let poller = StackEventPoller::new(cloud, stack, start, cap);
        Ok(follow(
            poller,
            FollowOptions {
                json,
                follow: follow_it,
            },
        )
        .await)
    })
}
