//! IAM: whether a role the prod kit needs exists (IAM is global).

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::CloudError;

impl AwsCloud {
    /// GetRole: whether the account has the role `name`.
    pub async fn role_exists(&self, name: &str) -> Result<bool, CloudError> {
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
