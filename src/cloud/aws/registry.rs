//! The CloudFormation registry: what is registered in this account and region.

use aws_sdk_cloudformation::types::{RegistryType, ThirdPartyType, Visibility};

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{CloudError, RegisteredType};

impl AwsCloud {
    /// DescribeType for a private resource type: its default version and when it changed.
    pub async fn describe_private_type(
        &self,
        type_name: &str,
    ) -> Result<RegisteredType, CloudError> {
        let output = self
            .clients
            .cloudformation
            .describe_type()
            .r#type(RegistryType::Resource)
            .type_name(type_name)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "DescribeType"))?;
        Ok(RegisteredType {
            type_name: output.type_name().unwrap_or(type_name).to_string(),
            private: output.visibility() == Some(&Visibility::Private),
            default_version: output.default_version_id().map(String::from),
            last_updated_ms: output.last_updated().and_then(|t| t.to_millis().ok()),
        })
    }

    /// SetTypeConfiguration for a hook (its configuration JSON, as `test/configuration.json`).
    pub async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        type_name: &str,
        configuration: &str,
    ) -> Result<(), CloudError> {
        self.authorized(authorization)?;
        self.clients
            .cloudformation
            .set_type_configuration()
            .r#type(ThirdPartyType::Hook)
            .type_name(type_name)
            .configuration(configuration)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "SetTypeConfiguration"))?;
        Ok(())
    }
}
