//! The cloud subcommands' shared start: a runtime, a stage's clients, the caller's identity.

use std::future::Future;
use std::process::ExitCode;

use super::UsageError;
use crate::cli::AwsArgs;
use crate::cloud::CloudError;
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::StageContext;
use crate::config::{Stage, WorkspaceConfig};

/// Runs an async subcommand on a fresh runtime.
pub fn block_on(
    future: impl Future<Output = Result<ExitCode, UsageError>>,
) -> Result<ExitCode, UsageError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|err| UsageError(format!("the async runtime could not start: {err}")))?
        .block_on(future)
}

/// A stage's clients, as regship.yml and the flags say.
pub async fn connect(
    config: &WorkspaceConfig,
    stage: Stage,
    aws: &AwsArgs,
) -> Result<AwsCloud, UsageError> {
    AwsCloud::connect(StageContext::new(config, stage, &aws.overrides()))
        .await
        .map_err(cloud_failure)
}

/// A cloud error as the user-facing failure of a subcommand.
pub fn cloud_failure(error: CloudError) -> UsageError {
    if error.hint.is_empty() {
        UsageError(error.message)
    } else {
        UsageError(format!("{}\nhint: {}", error.message, error.hint))
    }
}
