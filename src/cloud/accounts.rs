//! Each stage's caller identity and whether it is the configured account.

use std::time::Duration;

use serde::Serialize;

use super::context::StageContext;
use super::{CloudErrorKind, Connections, Identity};
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
    /// Where the region came from (regship.yml, --region, AWS_REGION, the profile ...).
    pub region_source: Option<String>,
    /// Where the credentials came from (the environment, the profile ...).
    pub credentials_source: Option<String>,
    pub message: Option<String>,
    pub hint: Option<String>,
    /// Credentials that are set but unused by this stage (environment keys beside a profile).
    pub warning: Option<String>,
}

/// Environment keys that a stage naming a profile does not use, said so that nobody believes
/// the exported key serves that stage.
fn unused_environment_credentials(context: &StageContext) -> Option<String> {
    let profile = context.profile.as_ref()?;
    std::env::var_os("AWS_ACCESS_KEY_ID")?;
    Some(format!(
        "AWS_ACCESS_KEY_ID is set but unused: the {} stage names profile {profile}, which wins over environment credentials (as in the AWS CLI); --environment-credentials (or REGSHIP_ENVIRONMENT_CREDENTIALS=1) makes every stage use the environment",
        context.stage
    ))
}

/// Calls GetCallerIdentity for one stage, bounded in time.
pub async fn account_row(connections: &Connections, context: StageContext) -> AccountRow {
    let mut row = AccountRow {
        stage: context.stage,
        profile: context.profile.clone(),
        region: context.region.clone(),
        expected_account: context.expected_account.as_ref().map(|a| a.to_string()),
        caller: None,
        matches: None,
        state: CredentialState::Error,
        region_source: None,
        credentials_source: None,
        message: None,
        hint: None,
        warning: unused_environment_credentials(&context),
    };
    let attempt = async {
        let cloud = connections.get(&context).await?;
        let region = cloud.region();
        let identity = cloud.identity().await?;
        Ok::<_, super::CloudError>((identity, region, cloud.sources()))
    };
    match tokio::time::timeout(Duration::from_secs(15), attempt).await {
        Ok(Ok((identity, region, (region_source, credentials_source)))) => {
            row.region = Some(region);
            row.region_source = Some(region_source);
            row.credentials_source = credentials_source;
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
    // A stage whose settings could not all be read says so wherever it shows.
    if let Some(problem) = &context.config_problem {
        row.message = Some(match row.message.take() {
            Some(message) => format!("{message}; regship.yml: {problem}"),
            None => format!("regship.yml: {problem}"),
        });
        row.hint = Some(format!(
            "fix accounts.{} in regship.yml: until then that setting's default is used",
            context.stage
        ));
    }
    row
}
