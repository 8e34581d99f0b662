//! The cloud subcommands' shared start: a runtime, a stage's clients, the caller's identity.

use std::future::Future;

use super::UsageError;
use crate::cli::AwsArgs;
use std::sync::Arc;

use crate::cloud::context::StageContext;
use crate::cloud::guard::{AccountGuard, Authorization, Denial, Refusal};
use crate::cloud::{Cloud, CloudError, Connections};
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

/// A stage's connection, as regship.yml and the flags say.
pub async fn connect(
    config: &WorkspaceConfig,
    stage: Stage,
    aws: &AwsArgs,
) -> Result<Arc<dyn Cloud>, UsageError> {
    Connections::aws()
        .get(&StageContext::new(config, stage, &aws.overrides()))
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
    cloud: &dyn Cloud,
    guard: AccountGuard,
    action: &str,
) -> Result<Authorization, UsageError> {
    guard
        .authorize(cloud, action)
        .await
        .map_err(|denial| match denial {
            Denial::Cloud(error) => cloud_failure(error),
            Denial::Refused(r) => refusal(r, ""),
        })
}
