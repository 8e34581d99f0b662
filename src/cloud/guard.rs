//! The account guard: every mutating call needs an `Authorization`, which only this guard grants.

use crate::cloud::context::StageContext;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, Identity};
use crate::config::Stage;

/// Proof that a mutating call in `stage` was checked against the caller's account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    stage: Stage,
    account: String,
    partition: String,
}

impl Authorization {
    pub fn stage(&self) -> Stage {
        self.stage
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    /// Whether this authorization may change what `context` reaches: the adapters ask it before
    /// every mutating call, so an authorization made for one stage (or account) never changes
    /// another, whichever adapter answers.
    pub fn permits(&self, context: &StageContext) -> Result<(), CloudError> {
        let same_account = context
            .expected_account
            .as_ref()
            .is_none_or(|expected| expected.as_str() == self.account);
        if self.stage == context.stage && same_account {
            return Ok(());
        }
        Err(CloudError::new(
            CloudErrorKind::AccessDenied,
            format!(
                "an authorization for {} (account {}) cannot change {}",
                self.stage, self.account, context.stage
            ),
            "this is a bug in regship: please report it",
        ))
    }

    /// The ARN of the account's IAM managed policy `name`, in the caller's partition (`aws`,
    /// `aws-cn`, `aws-us-gov`: from the caller's ARN).
    pub fn policy_arn(&self, name: &str) -> String {
        format!("arn:{}:iam::{}:policy/{name}", self.partition, self.account)
    }
}

/// Why the guard said no, and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused: {message}")]
pub struct Refusal {
    pub message: String,
    pub hint: String,
}

impl Refusal {
    fn new(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Refusal {
            message: message.into(),
            hint: hint.into(),
        }
    }
}

/// Why a change was not authorized: the caller could not be read, or the guard refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denial {
    #[error("{}", .0.with_hint())]
    Cloud(CloudError),
    #[error("{0}\n{hint}", hint = .0.hint)]
    Refused(Refusal),
}

/// Asks the person at the keyboard; an empty answer on end of input.
pub trait Prompt {
    fn ask(&mut self, question: &str) -> String;
}

/// The guard of mutating calls.
#[derive(Debug, Clone, Copy, Default)]
pub struct AccountGuard {
    pub read_only: bool,
}

impl AccountGuard {
    /// Asks the port who the caller is, then checks it: the one way a mutation from the CLI, the
    /// TUI or the demo is authorized.
    pub async fn authorize(
        &self,
        cloud: &dyn Cloud,
        action: &str,
    ) -> Result<Authorization, Denial> {
        // Read-only refuses without a call.
        self.refuse_read_only(cloud.context(), action)
            .map_err(Denial::Refused)?;
        let caller = cloud.identity().await.map_err(Denial::Cloud)?;
        self.check_account(cloud.context(), &caller, action)
            .map_err(Denial::Refused)
    }

    fn refuse_read_only(&self, context: &StageContext, action: &str) -> Result<(), Refusal> {
        if self.read_only {
            let stage = context.stage;
            return Err(Refusal::new(
                format!("{action} in {stage}: regship is running read-only"),
                "run without --read-only to change anything",
            ));
        }
        Ok(())
    }

    /// Checks that `caller` is the account configured for the context's stage.
    pub fn check_account(
        &self,
        context: &StageContext,
        caller: &Identity,
        action: &str,
    ) -> Result<Authorization, Refusal> {
        let stage = context.stage;
        self.refuse_read_only(context, action)?;
        let Some(expected) = &context.expected_account else {
            let hint = match &context.config_problem {
                Some(problem) => format!(
                    "regship.yml's accounts.{stage} could not all be read ({problem}): fix that first"
                ),
                None => format!(
                    "set accounts.{stage}.account_id in regship.yml to {} if that is the right account",
                    caller.account
                ),
            };
            return Err(Refusal::new(
                format!("{action} in {stage}: no account id is configured for the {stage} stage"),
                hint,
            ));
        };
        if expected.as_str() != caller.account {
            return Err(Refusal::new(
                format!(
                    "{action} in {stage}: {} is account {}, but the {stage} stage is account {expected}",
                    context.describe_profile(),
                    caller.account
                ),
                format!(
                    "use the profile of account {expected} (--profile, or accounts.{stage}.profile in regship.yml)"
                ),
            ));
        }
        Ok(Authorization {
            stage,
            account: caller.account.clone(),
            partition: caller
                .arn
                .split(':')
                .nth(1)
                .filter(|partition| !partition.is_empty())
                .unwrap_or("aws")
                .to_string(),
        })
    }

    /// Asks before a change. Prod needs the account id or the word `prod` typed; `--yes` never
    /// confirms prod on its own. Elsewhere `--yes` confirms, and the default answer is no.
    pub fn confirm(
        &self,
        authorization: &Authorization,
        question: &str,
        assume_yes: bool,
        prompt: &mut dyn Prompt,
    ) -> Result<(), Refusal> {
        if authorization.stage == Stage::Prod {
            let answer = prompt.ask(&format!(
                "{question}\nThis is PROD (account {}). Type the account id or `prod` to go ahead: ",
                authorization.account
            ));
            let answer = answer.trim();
            return if answer == authorization.account || answer == "prod" {
                Ok(())
            } else {
                Err(Refusal::new(
                    "prod change not confirmed",
                    "type the prod account id or `prod` at the prompt (--yes is not enough for prod)",
                ))
            };
        }
        if assume_yes {
            return Ok(());
        }
        let answer = prompt.ask(&format!("{question} [y/N] "));
        if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
            Ok(())
        } else {
            Err(Refusal::new(
                "not confirmed",
                "answer y to go ahead, or pass --yes",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::context::Overrides;
    use crate::config::WorkspaceConfig;

    struct Answers(Vec<&'static str>);
    impl Prompt for Answers {
        fn ask(&mut self, _question: &str) -> String {
            if self.0.is_empty() {
                String::new()
            } else {
                self.0.remove(0).to_string()
            }
        }
    }

    fn context(stage: Stage) -> StageContext {
        let config = WorkspaceConfig::parse(
            "accounts:\n  sandbox: {account_id: \"123456789012\"}\n  prod: {account_id: \"123456789012\", profile: prod}\n",
            "regship.yml",
        )
        .unwrap();
        StageContext::new(&config, stage, &Overrides::default())
    }

    fn caller(account: &str) -> Identity {
        Identity {
            account: account.into(),
            arn: format!("arn:aws:iam::{account}:user/dev"),
        }
    }

    #[test]
    fn refuses_read_only_unconfigured_and_mismatched_accounts() {
        let guard = AccountGuard::default();
        assert!(
            guard
                .check_account(&context(Stage::Sandbox), &caller("123456789012"), "deploy")
                .is_ok()
        );
        let wrong = guard
            .check_account(&context(Stage::Sandbox), &caller("999999999999"), "deploy")
            .unwrap_err();
        assert!(wrong.message.contains("account 999999999999"), "{wrong:?}");
        let unconfigured = guard
            .check_account(&context(Stage::Beta), &caller("123456789012"), "deploy")
            .unwrap_err();
        assert!(
            unconfigured.hint.contains("accounts.beta.account_id"),
            "{unconfigured:?}"
        );
        let read_only = AccountGuard { read_only: true };
        assert!(
            read_only
                .check_account(&context(Stage::Sandbox), &caller("123456789012"), "deploy")
                .unwrap_err()
                .message
                .contains("read-only")
        );
    }

    #[test]
    fn confirmation_defaults_to_no_and_prod_needs_typing() {
        let guard = AccountGuard::default();
        let sandbox = guard
            .check_account(&context(Stage::Sandbox), &caller("123456789012"), "x")
            .unwrap();
        assert!(
            guard
                .confirm(&sandbox, "go?", false, &mut Answers(vec![""]))
                .is_err()
        );
        assert!(
            guard
                .confirm(&sandbox, "go?", false, &mut Answers(vec!["n"]))
                .is_err()
        );
        assert!(
            guard
                .confirm(&sandbox, "go?", false, &mut Answers(vec!["Y"]))
                .is_ok()
        );
        assert!(
            guard
                .confirm(&sandbox, "go?", true, &mut Answers(vec![]))
                .is_ok()
        );
        let prod = guard
            .check_account(&context(Stage::Prod), &caller("123456789012"), "x")
            .unwrap();
        assert!(
            guard
                .confirm(&prod, "go?", true, &mut Answers(vec![]))
                .is_err(),
            "--yes alone must not confirm prod"
        );
        assert!(
            guard
                .confirm(&prod, "go?", true, &mut Answers(vec!["y"]))
                .is_err()
        );
        assert!(
            guard
                .confirm(&prod, "go?", false, &mut Answers(vec!["123456789012"]))
                .is_ok()
        );
        assert!(
            guard
                .confirm(&prod, "go?", false, &mut Answers(vec!["prod\n"]))
                .is_ok()
        );
    }

    #[test]
    fn an_authorization_permits_only_its_own_stage_and_account() {
        let guard = AccountGuard::default();
        let sandbox = guard
            .check_account(&context(Stage::Sandbox), &caller("123456789012"), "x")
            .unwrap();
        assert!(sandbox.permits(&context(Stage::Sandbox)).is_ok());
        let other_stage = sandbox.permits(&context(Stage::Prod)).unwrap_err();
        assert_eq!(other_stage.kind, CloudErrorKind::AccessDenied);
        let elsewhere = WorkspaceConfig::parse(
            "accounts:\n  sandbox: {account_id: \"999999999999\"}\n",
            "regship.yml",
        )
        .unwrap();
        let elsewhere = StageContext::new(&elsewhere, Stage::Sandbox, &Overrides::default());
        assert!(sandbox.permits(&elsewhere).is_err());
    }
}
