//! STS: who the caller is.

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{CloudError, Identity};

impl AwsCloud {
    /// STS GetCallerIdentity.
    pub async fn identity(&self) -> Result<Identity, CloudError> {
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
}
