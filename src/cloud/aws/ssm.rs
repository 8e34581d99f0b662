//! Systems Manager: the publish document (an Automation document kept current, versioned) and
//! the public parameters that say where CloudFormation is offered and in which partition.

use aws_sdk_ssm::types::{DocumentFormat, DocumentType};

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{CloudError, CloudErrorKind};
use crate::cloud::{DocumentChange, DocumentVersion, RolloutRequest};

/// Where the public parameters of the regions and services are.
const GLOBAL_INFRASTRUCTURE: &str = "/aws/service/global-infrastructure";
/// GetParameters takes at most this many names.
const NAMES_PER_CALL: usize = 10;

impl AwsCloud {
    /// The default version of document `name` here and its content (GetDocument without a
    /// version); `None` when it does not exist here.
    pub async fn default_document(
        &self,
        name: &str,
    ) -> Result<Option<(String, String)>, CloudError> {
        match self
            .clients
            .ssm
            .get_document()
            .name(name)
            .document_format(DocumentFormat::Yaml)
            .send()
            .await
        {
            Ok(document) => Ok(Some((
                document.document_version.unwrap_or_default(),
                document.content.unwrap_or_default(),
            ))),
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_invalid_document()) =>
            {
                Ok(None)
            }
            Err(err) => Err(classify(err, &self.context, "GetDocument")),
        }
    }

    /// Makes the Automation document `name` hold `content` (YAML): created when absent; when it
    /// differs from the latest version, a new version that becomes the default; when the latest
    /// holds it but is not the default, the latest made the default again; else untouched.
    pub async fn put_automation_document(
        &self,
        authorization: &Authorization,
        name: &str,
        content: &str,
    ) -> Result<DocumentVersion, CloudError> {
        self.authorized(authorization)?;
        let ssm = &self.clients.ssm;
        let (latest, default) = match ssm.describe_document().name(name).send().await {
            Ok(described) => {
                let document = described.document;
                let version =
                    |pick: fn(&aws_sdk_ssm::types::DocumentDescription) -> Option<&str>| {
                        document.as_ref().and_then(pick).unwrap_or("1").to_string()
                    };
                (
                    version(|d| d.latest_version()),
                    version(|d| d.default_version()),
                )
            }
            Err(err)
                if err
                    .as_service_error()
                    .is_some_and(|e| e.is_invalid_document()) =>
            {
                let created = ssm
                    .create_document()
                    .name(name)
                    .content(content)
                    .document_type(DocumentType::Automation)
                    .document_format(DocumentFormat::Yaml)
                    .send()
                    .await
                    .map_err(|err| classify(err, &self.context, "CreateDocument"))?;
                return Ok(DocumentVersion {
                    name: name.to_string(),
                    version: created
                        .document_description
                        .and_then(|d| d.document_version)
                        .unwrap_or_else(|| "1".into()),
                    change: DocumentChange::Created,
                });
            }
            Err(err) => return Err(classify(err, &self.context, "DescribeDocument")),
        };
        let (version, change) = if self.holds(name, &latest, content).await? {
            // Each region runs its default version: the file's content must be the default.
            let change = if default == latest {
                DocumentChange::Unchanged
            } else {
                DocumentChange::DefaultRestored
            };
            (latest, change)
        } else {
            let updated = ssm
                .update_document()
                .name(name)
                .content(content)
                .document_format(DocumentFormat::Yaml)
                .document_version("$LATEST")
                .send()
                .await;
            match updated {
                Ok(updated) => (
                    updated
                        .document_description
                        .and_then(|d| d.document_version)
                        .ok_or_else(|| {
                            CloudError::new(
                                CloudErrorKind::Invalid,
                                format!("UpdateDocument of {name} returned no version"),
                                "run it again; if it persists, update the document by hand",
                            )
                        })?,
                    DocumentChange::Updated,
                ),
                // An older version holds the content (the document was changed by hand since,
                // or the file went back): SSM refuses a duplicate, so that version is made the
                // default.
                Err(err)
                    if err
                        .as_service_error()
                        .is_some_and(|e| e.is_duplicate_document_content()) =>
                {
                    (
                        self.version_holding(name, content, &latest).await?,
                        DocumentChange::DefaultRestored,
                    )
                }
                Err(err) => return Err(classify(err, &self.context, "UpdateDocument")),
            }
        };
        if change != DocumentChange::Unchanged {
            ssm.update_document_default_version()
                .name(name)
                .document_version(&version)
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "UpdateDocumentDefaultVersion"))?;
        }
        Ok(DocumentVersion {
            name: name.to_string(),
            version,
            change,
        })
    }

    /// Whether `version` of document `name` holds `content` (GetDocument).
    async fn holds(&self, name: &str, version: &str, content: &str) -> Result<bool, CloudError> {
        let held = self
            .clients
            .ssm
            .get_document()
            .name(name)
            .document_version(version)
            .document_format(DocumentFormat::Yaml)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetDocument"))?;
        Ok(held.content.as_deref().map(str::trim_end) == Some(content.trim_end()))
    }

    /// The version of document `name` older than `latest` that holds `content`, newest first.
    async fn version_holding(
        &self,
        name: &str,
        content: &str,
        latest: &str,
    ) -> Result<String, CloudError> {
        let newest: u32 = latest.parse().unwrap_or(1);
        for version in (1..newest).rev().map(|v| v.to_string()) {
            if self.holds(name, &version, content).await? {
                return Ok(version);
            }
        }
        Err(CloudError::new(
            CloudErrorKind::Invalid,
            format!("SSM says a version of {name} holds this content, but none does"),
            "make the version you want the default by hand (aws ssm update-document-default-version)",
        ))
    }

    /// StartAutomationExecution of the publish document in every region of `request`, from
    /// this (the home) region; a canary request starts the canary document here instead.
    pub async fn start_rollout(
        &self,
        authorization: &Authorization,
        request: &RolloutRequest,
    ) -> Result<String, CloudError> {
        self.authorized(authorization)?;
        if let Some(canary) = &request.canary {
            // The canary document runs here and starts the two nested runs itself.
            let started = self
                .clients
                .ssm
                .start_automation_execution()
                .document_name(&canary.document)
                .set_parameters(Some(
                    request.canary_run_parameters(canary).into_iter().collect(),
                ))
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "StartAutomationExecution"))?;
            return started.automation_execution_id.ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::Invalid,
                    "StartAutomationExecution returned no execution id",
                    "look for the execution in the Systems Manager console",
                )
            });
        }
        let location = aws_sdk_ssm::types::TargetLocation::builder()
            .accounts(&request.account)
            .set_regions(Some(request.regions.clone()))
            .target_location_max_concurrency(request.max_concurrency.to_string())
            .target_location_max_errors(request.max_errors.to_string())
            .execution_role_name(&request.execution_role_name)
            .build();
        let parameters = request
            .parameters
            .iter()
            .map(|(name, value)| (name.clone(), vec![value.clone()]))
            .collect();
        let started = self
            .clients
            .ssm
            .start_automation_execution()
            .document_name(&request.document)
            .document_version(&request.document_version)
            .set_parameters(Some(parameters))
            .target_locations(location)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "StartAutomationExecution"))?;
        started.automation_execution_id.ok_or_else(|| {
            CloudError::new(
                CloudErrorKind::Invalid,
                "StartAutomationExecution returned no execution id",
                "look for the execution in the Systems Manager console",
            )
        })
    }

    /// The regions where `service` is offered, from the public parameters (every partition's).
    pub async fn service_regions(&self, service: &str) -> Result<Vec<String>, CloudError> {
        let path = format!("{GLOBAL_INFRASTRUCTURE}/services/{service}/regions");
        let mut regions = Vec::new();
        let mut pages = self
            .clients
            .ssm
            .get_parameters_by_path()
            .path(&path)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| classify(err, &self.context, "GetParametersByPath"))?;
            regions.extend(
                page.parameters
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| p.value),
            );
        }
        if regions.is_empty() {
            return Err(CloudError::new(
                CloudErrorKind::NotFound,
                format!("no public parameter lists the regions of {service} ({path})"),
                "check the region of the prod stage: the public parameters are read there",
            ));
        }
        regions.sort();
        Ok(regions)
    }

    /// The partition of each of `regions` (`aws`, `aws-cn`, `aws-us-gov` ...), from the public
    /// parameters; a region without one is left out.
    pub async fn region_partitions(
        &self,
        regions: &[String],
    ) -> Result<Vec<(String, String)>, CloudError> {
        let mut partitions = Vec::new();
        for batch in regions.chunks(NAMES_PER_CALL) {
            let names: Vec<String> = batch
                .iter()
                .map(|region| format!("{GLOBAL_INFRASTRUCTURE}/regions/{region}/partition"))
                .collect();
            let answer = self
                .clients
                .ssm
                .get_parameters()
                .set_names(Some(names))
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "GetParameters"))?;
            for parameter in answer.parameters.unwrap_or_default() {
                let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                    continue;
                };
                let region = name
                    .trim_start_matches(&format!("{GLOBAL_INFRASTRUCTURE}/regions/"))
                    .trim_end_matches("/partition")
                    .to_string();
                partitions.push((region, value));
            }
        }
        partitions.sort();
        Ok(partitions)
    }
}
