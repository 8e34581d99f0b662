//! The AWS context of each stage: profile, region, endpoint and expected account, from regship.yml and flags.

use serde::Serialize;

use crate::config::{AccountId, Stage, WorkspaceConfig};

/// Command-line overrides of the configured context.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// `--environment-credentials`: every stage uses the environment's credentials (CI with
    /// OIDC and no profiles), whatever profile regship.yml names.
    pub environment_credentials: bool,
}

/// Where one stage's calls go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageContext {
    pub stage: Stage,
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    pub expected_account: Option<AccountId>,
    /// The region came from `--region` (or `:region`), not from regship.yml.
    #[serde(skip)]
    pub region_from_flag: bool,
    /// What of this stage's settings in regship.yml could not be used.
    #[serde(skip)]
    pub config_problem: Option<String>,
    /// `--record DIR`: every raw response is saved there.
    #[serde(skip)]
    pub record_to: Option<std::path::PathBuf>,
    /// Every stage uses the environment's credentials (`--environment-credentials`); the
    /// profiles of regship.yml are not read.
    #[serde(skip)]
    pub environment_credentials: bool,
}

impl StageContext {
    pub fn new(config: &WorkspaceConfig, stage: Stage, overrides: &Overrides) -> StageContext {
        let accounts = &config.accounts;
        let (profile, region, expected_account) = match stage {
            Stage::Sandbox => (
                &accounts.sandbox.profile,
                &accounts.sandbox.region,
                &accounts.sandbox.account_id,
            ),
            Stage::Cicd => (
                &accounts.cicd.profile,
                &accounts.cicd.region,
                &accounts.cicd.account_id,
            ),
            Stage::Beta => (
                &accounts.beta.profile,
                &accounts.beta.region,
                &accounts.beta.account_id,
            ),
            Stage::Prod => (
                &accounts.prod.profile,
                &accounts.prod.region,
                &accounts.prod.account_id,
            ),
        };
        let profile = if overrides.environment_credentials {
            None
        } else {
            overrides.profile.clone().or_else(|| profile.clone())
        };
        StageContext {
            stage,
            profile,
            region: overrides.region.clone().or_else(|| region.clone()),
            endpoint_url: overrides.endpoint_url.clone(),
            expected_account: expected_account.clone(),
            region_from_flag: overrides.region.is_some(),
            config_problem: config.stage_problem(stage).map(|p| p.to_string()),
            record_to: None,
            environment_credentials: overrides.environment_credentials,
        }
    }

    /// The configured region, or us-east-1 where none is (the demo's and the fake's home region).
    pub fn region_or_home(&self) -> String {
        self.region.clone().unwrap_or_else(|| "us-east-1".into())
    }

    /// The command that renews this stage's credentials.
    pub fn login_command(&self) -> String {
        if self.environment_credentials {
            return "renew the environment's credentials (AWS_ACCESS_KEY_ID, AWS_SESSION_TOKEN or AWS_WEB_IDENTITY_TOKEN_FILE)".to_string();
        }
        match &self.profile {
            Some(profile) => format!("aws sso login --profile {profile}"),
            None => "aws sso login (or set AWS_PROFILE / AWS_ACCESS_KEY_ID)".to_string(),
        }
    }

    /// Where a region given by the context came from.
    pub fn region_source(&self) -> String {
        if self.region_from_flag {
            "--region".into()
        } else {
            format!("accounts.{}.region in regship.yml", self.stage)
        }
    }

    /// `profile beta` or `the default profile`, for messages.
    pub fn describe_profile(&self) -> String {
        if self.environment_credentials {
            return "the environment's credentials".to_string();
        }
        match &self.profile {
            Some(profile) => format!("profile {profile}"),
            None => "the default credentials".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_workspace_file() {
        let config = WorkspaceConfig::parse(
            "accounts:\n  beta: {profile: beta, region: eu-west-1, account_id: \"222222222222\"}\n",
            "regship.yml",
        )
        .unwrap();
        let beta = StageContext::new(&config, Stage::Beta, &Overrides::default());
        assert_eq!(beta.profile.as_deref(), Some("beta"));
        assert_eq!(beta.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            beta.expected_account.as_ref().unwrap().as_str(),
            "222222222222"
        );
        assert_eq!(beta.login_command(), "aws sso login --profile beta");
        let overridden = StageContext::new(
            &config,
            Stage::Beta,
            &Overrides {
                profile: Some("x".into()),
                region: Some("us-east-2".into()),
                endpoint_url: Some("http://127.0.0.1:5000".into()),
                ..Overrides::default()
            },
        );
        assert_eq!(overridden.profile.as_deref(), Some("x"));
        assert_eq!(overridden.region.as_deref(), Some("us-east-2"));
        let sandbox = StageContext::new(&config, Stage::Sandbox, &Overrides::default());
        assert_eq!(sandbox.profile, None);
        assert_eq!(sandbox.expected_account, None);
        let from_environment = StageContext::new(
            &config,
            Stage::Beta,
            &Overrides {
                environment_credentials: true,
                ..Overrides::default()
            },
        );
        assert_eq!(from_environment.profile, None, "the profile is not read");
        assert_eq!(
            from_environment.expected_account.as_ref().unwrap().as_str(),
            "222222222222",
            "the guard still checks the account"
        );
        assert!(
            from_environment
                .login_command()
                .contains("AWS_ACCESS_KEY_ID")
        );
    }
}
