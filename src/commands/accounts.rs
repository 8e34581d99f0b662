//! `regship accounts`: each stage's profile, region and caller, and whether it is the configured account.

use super::cloud::block_on;
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::cloud::Connections;
use crate::cloud::accounts::{CredentialState, account_row};
use crate::cloud::context::StageContext;
use crate::config::Stage;
use std::path::Path;
use std::process::ExitCode;

pub fn run(start: &Path, aws: &AwsArgs, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let contexts =
            Stage::ALL.map(|stage| StageContext::new(&workspace.config, stage, &aws.overrides()));
        let connections = Connections::aws();
        let tasks: Vec<_> = contexts
            .into_iter()
            .map(|context| {
                let connections = connections.clone();
                tokio::spawn(async move { account_row(&connections, context).await })
            })
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
            if let Some(region) = &row.region_source {
                let credentials = row.credentials_source.as_deref().unwrap_or("not resolved");
                println!("         region from {region}; credentials from {credentials}");
            }
            if let Some(message) = &row.message {
                println!("         {message}");
            }
            if let Some(hint) = &row.hint {
                println!("         hint: {hint}");
            }
            if let Some(warning) = &row.warning {
                println!("         warning: {warning}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
