//! The CloudFormation registry: what is registered in this account and region.

use aws_sdk_cloudformation::types::{
    DeprecatedStatus, PublisherStatus, RegistryType, ThirdPartyType, TypeFilters, Visibility,
};

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::Registry;
use crate::cloud::guard::Authorization;
use crate::cloud::{CloudError, CloudErrorKind, Publisher, RegisteredType, TypeListing};
use crate::workspace::ArtifactType;

fn registry_type(kind: ArtifactType) -> RegistryType {
    match kind {
        ArtifactType::Resource => RegistryType::Resource,
        ArtifactType::Hook => RegistryType::Hook,
        ArtifactType::Module => RegistryType::Module,
    }
}

#[async_trait]
impl Registry for AwsCloud {
    /// DescribeType for a private extension: its default version and when it changed. A name
    /// ending in `::MODULE` is a module; otherwise a resource type, and if there is no such
    /// resource type, a hook (their names look alike).
    async fn describe_private_type(&self, type_name: &str) -> Result<RegisteredType, CloudError> {
        if type_name.ends_with("::MODULE") {
            return self.describe_type_of(RegistryType::Module, type_name).await;
        }
        match self
            .describe_type_of(RegistryType::Resource, type_name)
            .await
        {
            Err(error) if error.kind == CloudErrorKind::NotFound => {
                match self.describe_type_of(RegistryType::Hook, type_name).await {
                    Ok(hook) => Ok(hook),
                    // Neither: the resource's answer says so best.
                    Err(_) => Err(error),
                }
            }
            result => result,
        }
    }

    /// DescribePublisher of the caller in this region.
    async fn describe_publisher(&self) -> Result<Publisher, CloudError> {
        let output = self
            .clients
            .cloudformation
            .describe_publisher()
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "DescribePublisher"))?;
        Ok(Publisher {
            id: output.publisher_id().map(String::from),
            verified: output.publisher_status() == Some(&PublisherStatus::Verified),
        })
    }

    /// The latest public version of the publisher's `type_name` here; `None` when unpublished.
    async fn public_version(
        &self,
        kind: ArtifactType,
        type_name: &str,
        publisher_id: &str,
    ) -> Result<Option<String>, CloudError> {
        let answer = self
            .clients
            .cloudformation
            .describe_type()
            .r#type(registry_type(kind))
            .type_name(type_name)
            .publisher_id(publisher_id)
            .send()
            .await;
        match answer {
            Ok(output) => Ok(output
                .latest_public_version()
                .or(output.public_version_number())
                .map(String::from)),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_type_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(err) => Err(classify(err, &self.context, "DescribeType")),
        }
    }

    /// ListTypes of `kind`, every page: a publisher's public extensions (latest public version)
    /// or the account's live private ones (default version).
    async fn list_types(
        &self,
        kind: ArtifactType,
        public_of: Option<&str>,
    ) -> Result<Vec<TypeListing>, CloudError> {
        let mut request = self
            .clients
            .cloudformation
            .list_types()
            .r#type(registry_type(kind))
            .deprecated_status(DeprecatedStatus::Live);
        request = match public_of {
            Some(publisher) => request
                .visibility(Visibility::Public)
                .filters(TypeFilters::builder().publisher_id(publisher).build()),
            None => request.visibility(Visibility::Private),
        };
        let mut pages = request.into_paginator().send();
        let mut found = Vec::new();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| classify(err, &self.context, "ListTypes"))?;
            found.extend(page.type_summaries().iter().filter_map(|summary| {
                let version = match public_of {
                    Some(_) => summary
                        .latest_public_version()
                        .or(summary.public_version_number()),
                    None => summary.default_version_id(),
                };
                Some(TypeListing {
                    type_name: summary.type_name()?.to_string(),
                    version: version.map(String::from),
                })
            }));
        }
        Ok(found)
    }

    /// SetTypeConfiguration for a hook (its configuration JSON, as `test/configuration.json`).
    async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        type_name: &str,
        configuration: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
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

impl AwsCloud {
    async fn describe_type_of(
        &self,
        kind: RegistryType,
        type_name: &str,
    ) -> Result<RegisteredType, CloudError> {
        let output = self
            .clients
            .cloudformation
            .describe_type()
            .r#type(kind)
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
}
