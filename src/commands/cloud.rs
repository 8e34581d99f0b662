//! The cloud subcommands' shared start: a runtime, a stage's clients, the caller's identity.

use std::future::Future;

use super::UsageError;
use crate::cli::AwsArgs;
use crate::cloud::CloudError;
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::StageContext;
use crate::cloud::guard::{AccountGuard, Authorization, Refusal};
use crate::config::{Stage, WorkspaceConfig};

/// Runs an async subcommand on a fresh runtime.
pub fn block_on<T>(future: impl Future<Output = Result<T, UsageError>>) -> Result<T, UsageError> {
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

/// A refusal of the account guard as the failure of a subcommand; `what` says what did not happen.
pub fn refusal(refusal: Refusal, what: &str) -> UsageError {
    UsageError(format!("{refusal}{what}\nhint: {}", refusal.hint))
}

/// Checks the caller's account against the stage's before a change.
pub async fn authorize(
    cloud: &AwsCloud,
    guard: AccountGuard,
    action: &str,
) -> Result<Authorization, UsageError> {
    let caller = cloud.identity().await.map_err(cloud_failure)?;
    guard
        .check_account(&cloud.context, &caller, action)
        .map_err(|r| refusal(r, ""))
}
