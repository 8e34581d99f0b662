//! `regship accounts`: each stage's profile, region and caller, and whether it is the configured account.

use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use super::cloud::block_on;
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::StageContext;
use crate::cloud::{CloudErrorKind, Identity};
use crate::config::Stage;

/// The state of one stage's credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CredentialState {
    Ok,
    WrongAccount,
    NoCredentials,
    Expired,
    Unreachable,
    Error,
}

/// One row of `regship accounts`.
#[derive(Debug, Clone, Serialize)]
pub struct AccountRow {
    pub stage: Stage,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub expected_account: Option<String>,
    pub caller: Option<Identity>,
    /// Whether the caller is the configured account (`None`: unknown or not configured).
    pub matches: Option<bool>,
    pub state: CredentialState,
    pub message: Option<String>,
    pub hint: Option<String>,
}

/// Calls GetCallerIdentity for one stage, bounded in time.
pub async fn account_row(context: StageContext) -> AccountRow {
    let mut row = AccountRow {
        stage: context.stage,
        profile: context.profile.clone(),
        region: context.region.clone(),
        expected_account: context.expected_account.as_ref().map(|a| a.to_string()),
        caller: None,
        matches: None,
        state: CredentialState::Error,
        message: None,
        hint: None,
    };
    let attempt = async {
        let cloud = AwsCloud::connect(context.clone()).await?;
        let region = cloud.region();
        cloud.identity().await.map(|identity| (identity, region))
    };
    match tokio::time::timeout(Duration::from_secs(15), attempt).await {
        Ok(Ok((identity, region))) => {
            row.region = Some(region);
            row.matches = row
                .expected_account
                .as_ref()
                .map(|expected| *expected == identity.account);
            row.state = if row.matches == Some(false) {
                CredentialState::WrongAccount
            } else {
                CredentialState::Ok
            };
            if row.matches == Some(false) {
                row.hint = Some(format!(
                    "this profile is not the {} account: fix accounts.{}.profile or account_id in regship.yml",
                    context.stage, context.stage
                ));
            } else if row.matches.is_none() {
                row.hint = Some(format!(
                    "set accounts.{}.account_id: \"{}\" in regship.yml to guard changes",
                    context.stage, identity.account
                ));
            }
            row.caller = Some(identity);
        }
        Ok(Err(error)) => {
            row.state = match error.kind {
                CloudErrorKind::NoCredentials => CredentialState::NoCredentials,
                CloudErrorKind::ExpiredCredentials => CredentialState::Expired,
                CloudErrorKind::Connection | CloudErrorKind::Throttled => {
                    CredentialState::Unreachable
                }
                _ => CredentialState::Error,
            };
            row.message = Some(error.message);
            row.hint = Some(error.hint).filter(|h| !h.is_empty());
        }
        Err(_) => {
            row.state = CredentialState::Unreachable;
            row.message = Some("no answer from STS within 15 s".into());
            row.hint = Some("check the network, a proxy, or --endpoint-url".into());
        }
    }
    row
}

pub fn run(start: &Path, aws: &AwsArgs, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let contexts =
            Stage::ALL.map(|stage| StageContext::new(&workspace.config, stage, &aws.overrides()));
        let tasks: Vec<_> = contexts
            .into_iter()
            .map(|context| tokio::spawn(account_row(context)))
            .collect();
        let mut rows = Vec::new();
        for task in tasks {
            rows.push(
                task.await
                    .map_err(|err| UsageError(format!("an account check crashed: {err}")))?,
            );
        }
        if json {
            return Ok(print_json(&rows));
        }
        for row in &rows {
            let caller = row
                .caller
                .as_ref()
                .map_or("-".to_string(), |c| c.account.clone());
            let state = match row.state {
                CredentialState::Ok => "ok",
                CredentialState::WrongAccount => "WRONG ACCOUNT",
                CredentialState::NoCredentials => "no credentials",
                CredentialState::Expired => "expired",
                CredentialState::Unreachable => "unreachable",
                CredentialState::Error => "error",
            };
            println!(
                "{:<8} profile={:<12} region={:<14} account={:<12} expected={:<12} {state}",
                row.stage.name(),
                row.profile.as_deref().unwrap_or("(default)"),
                row.region.as_deref().unwrap_or("-"),
                caller,
                row.expected_account.as_deref().unwrap_or("-"),
            );
            if let Some(message) = &row.message {
                println!("         {message}");
            }
            if let Some(hint) = &row.hint {
                println!("         hint: {hint}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
