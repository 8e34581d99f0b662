//! Who the caller is (STS) and whether a role exists (IAM is global).

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::Identities;
use crate::cloud::{CloudError, Identity};

#[async_trait]
impl Identities for AwsCloud {
    /// STS GetCallerIdentity.
    async fn identity(&self) -> Result<Identity, CloudError> {
        let output = self
            .clients
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetCallerIdentity"))?;
        Ok(Identity {
            account: output.account().unwrap_or_default().to_string(),
            arn: output.arn().unwrap_or_default().to_string(),
        })
    }

    /// GetRole: whether the account has the role `name`.
    async fn role_exists(&self, name: &str) -> Result<bool, CloudError> {
        match self.clients.iam.get_role().role_name(name).send().await {
            Ok(_) => Ok(true),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_no_such_entity_exception()) =>
            {
                Ok(false)
            }
            Err(err) => Err(classify(err, &self.context, "GetRole")),
        }
    }
}
