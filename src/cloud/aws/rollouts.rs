//! Rollouts on Systems Manager: the publish document (an Automation document kept current,
//! versioned), starting it in every region, a rollout's parent execution and its per-region
//! children, the steps of one child, the document's executions, and stopping one.

use aws_sdk_ssm::types::{
    AutomationExecutionFilter, AutomationExecutionFilterKey, AutomationExecutionMetadata,
    StepExecution, StopType,
};

use aws_sdk_ssm::types::{DocumentFormat, DocumentType};

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{
    CloudError, CloudErrorKind, RegionRun, RolloutRequest, RolloutState, RolloutSummary, StepRun,
    canary_document,
};
use crate::cloud::{DocumentChange, DocumentVersion, Rollouts};

/// The child execution a parent's step started: its outputs name it (`ExecutionId`, or another
/// key ending so), once the child exists.
fn child_id(step: &StepExecution) -> Option<String> {
    let outputs = step.outputs()?;
    outputs
        .get("ExecutionId")
        .or_else(|| {
            outputs
                .iter()
                .find(|(key, _)| key.ends_with("ExecutionId"))
                .map(|(_, value)| value)
        })?
        .first()
        .cloned()
}

fn millis(time: Option<&aws_sdk_ssm::primitives::DateTime>) -> Option<i64> {
    time.and_then(|t| t.to_millis().ok())
}

/// A DescribeAutomationExecutions filter.
fn filter(
    key: AutomationExecutionFilterKey,
    value: &str,
) -> Result<AutomationExecutionFilter, CloudError> {
    AutomationExecutionFilter::builder()
        .key(key)
        .values(value)
        .build()
        .map_err(|err| CloudError::new(CloudErrorKind::Invalid, err.to_string(), ""))
}

#[async_trait]
impl Rollouts for AwsCloud {
    /// The default version of document `name` here and its content (GetDocument without a
    /// version); `None` when it does not exist here.
    async fn default_document(&self, name: &str) -> Result<Option<(String, String)>, CloudError> {
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
    async fn put_automation_document(
        &self,
        authorization: &Authorization,
        name: &str,
        content: &str,
    ) -> Result<DocumentVersion, CloudError> {
        authorization.permits(&self.context)?;
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

    /// StartAutomationExecution of the publish document in every region of `request`, from
    /// this (the home) region; a canary request starts the canary document here instead.
    async fn start_rollout(
        &self,
        authorization: &Authorization,
        request: &RolloutRequest,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
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

    /// The parent execution in this (the home) region: GetAutomationExecution gives its status
    /// and one step per target location, whose status, failure and outputs (the child's id) say
    /// how that region stands; when the steps are truncated, DescribeAutomationStepExecutions
    /// gives them all. The children live in their own regions and are not read here (SSM user
    /// guide, "Running automations in multiple AWS Regions and accounts").
    async fn rollout(&self, execution_id: &str) -> Result<RolloutState, CloudError> {
        let ssm = &self.clients.ssm;
        let parent = ssm
            .get_automation_execution()
            .automation_execution_id(execution_id)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetAutomationExecution"))?
            .automation_execution
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    format!("no automation execution {execution_id}"),
                    "check the id (regship rollout list)",
                )
            })?;
        let mut reads = 1;
        let paged;
        let steps = if parent.step_executions_truncated() {
            let (all, pages) = self.step_executions(execution_id).await?;
            reads += pages;
            paged = all;
            paged.as_slice()
        } else {
            parent.step_executions()
        };
        let regions: Vec<RegionRun> = steps
            .iter()
            .filter_map(|step| {
                let region = step.target_location()?.regions().first()?.clone();
                Some(RegionRun {
                    region,
                    execution_id: child_id(step),
                    status: step
                        .step_status()
                        .map_or("Pending", |s| s.as_str())
                        .to_string(),
                    current_step: None,
                    failure: step.failure_message().map(String::from),
                    started_ms: millis(step.execution_start_time()),
                    ended_ms: millis(step.execution_end_time()),
                })
            })
            .collect();
        // A canary run's steps start nested runs of the publish document here (no target
        // location of their own): their ids, in order.
        let nested: Vec<String> = steps
            .iter()
            .filter(|step| step.target_location().is_none())
            .filter(|step| step.action() == Some("aws:executeAutomation"))
            .filter_map(child_id)
            .collect();
        let targeted: Vec<String> = parent
            .target_locations()
            .iter()
            .flat_map(|location| location.regions().iter().cloned())
            .collect();
        let location = parent.target_locations().first();
        let parameters: Vec<(String, Vec<String>)> = parent
            .parameters()
            .map(|p| p.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let canary_request = parent
            .document_name()
            .and_then(|document| RolloutRequest::from_canary_run(document, &parameters));
        let request = canary_request.unwrap_or_else(|| RolloutRequest {
            document: parent.document_name().unwrap_or_default().to_string(),
            document_version: parent.document_version().unwrap_or_default().to_string(),
            parameters: {
                let mut pairs: Vec<(String, String)> = parameters
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.first()?.clone())))
                    .collect();
                pairs.sort();
                pairs
            },
            account: location
                .and_then(|l| l.accounts().first())
                .cloned()
                .unwrap_or_default(),
            regions: targeted,
            max_concurrency: location
                .and_then(|l| l.target_location_max_concurrency()?.parse().ok())
                .unwrap_or(1),
            max_errors: location
                .and_then(|l| l.target_location_max_errors()?.parse().ok())
                .unwrap_or(0),
            execution_role_name: location
                .and_then(|l| l.execution_role_name())
                .unwrap_or_default()
                .to_string(),
            canary: None,
        });
        let mut state = RolloutState {
            execution_id: execution_id.to_string(),
            status: parent
                .automation_execution_status()
                .map_or("Pending", |s| s.as_str())
                .to_string(),
            started_ms: millis(parent.execution_start_time()),
            ended_ms: millis(parent.execution_end_time()),
            failure: parent.failure_message().map(String::from),
            regions,
            request,
            nested,
            reads,
        };
        state.settle_never_started();
        Ok(state)
    }

    /// The steps of one region's child execution; this connection must be of the child's region.
    async fn rollout_steps(&self, child_execution_id: &str) -> Result<Vec<StepRun>, CloudError> {
        let (steps, _) = self.step_executions(child_execution_id).await?;
        Ok(steps
            .into_iter()
            .map(|step| StepRun {
                name: step.step_name().unwrap_or_default().to_string(),
                status: step
                    .step_status()
                    .map_or("Pending", |s| s.as_str())
                    .to_string(),
                failure: step.failure_message().map(String::from),
                critical: step.is_critical().unwrap_or(true),
                started_ms: millis(step.execution_start_time()),
                ended_ms: millis(step.execution_end_time()),
            })
            .collect())
    }

    /// The document's parent executions, newest first (DescribeAutomationExecutions by name).
    async fn list_rollouts(&self, document: &str) -> Result<Vec<RolloutSummary>, CloudError> {
        let executions = self
            .executions(AutomationExecutionFilterKey::DocumentNamePrefix, document)
            .await?;
        // The children of a multi-region run carry their parent's id, and so do a canary run's
        // nested runs: only the runs started by hand (the publish document's, or a canary's).
        let mut summaries: Vec<RolloutSummary> = executions
            .iter()
            .filter(|e| e.parent_automation_execution_id().is_none())
            .filter(|e| {
                e.document_name()
                    .is_some_and(|name| name == document || name == canary_document(document))
            })
            .map(|execution| RolloutSummary {
                execution_id: execution
                    .automation_execution_id()
                    .unwrap_or_default()
                    .to_string(),
                document_version: execution.document_version().map(String::from),
                canary: execution.document_name() == Some(canary_document(document).as_str()),
                status: execution
                    .automation_execution_status()
                    .map_or("Pending", |s| s.as_str())
                    .to_string(),
                started_ms: millis(execution.execution_start_time()),
                ended_ms: millis(execution.execution_end_time()),
            })
            .collect();
        summaries.sort_by_key(|s| std::cmp::Reverse(s.started_ms));
        Ok(summaries)
    }

    /// StopAutomationExecution (Cancel) of a parent: the running regions are cancelled and no
    /// new region starts.
    async fn stop_rollout(
        &self,
        authorization: &Authorization,
        execution_id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .ssm
            .stop_automation_execution()
            .automation_execution_id(execution_id)
            .r#type(StopType::Cancel)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "StopAutomationExecution"))?;
        Ok(())
    }
}

impl AwsCloud {
    /// Every execution whose `key` is `value` (DescribeAutomationExecutions, all pages).
    async fn executions(
        &self,
        key: AutomationExecutionFilterKey,
        value: &str,
    ) -> Result<Vec<AutomationExecutionMetadata>, CloudError> {
        let mut found = Vec::new();
        let mut pages = self
            .clients
            .ssm
            .describe_automation_executions()
            .filters(filter(key, value)?)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page =
                page.map_err(|err| classify(err, &self.context, "DescribeAutomationExecutions"))?;
            found.extend(page.automation_execution_metadata_list.unwrap_or_default());
        }
        Ok(found)
    }

    /// Every step of an execution (DescribeAutomationStepExecutions, all pages), and how many
    /// pages that took.
    async fn step_executions(
        &self,
        execution_id: &str,
    ) -> Result<(Vec<StepExecution>, u32), CloudError> {
        let mut steps = Vec::new();
        let mut pages = self
            .clients
            .ssm
            .describe_automation_step_executions()
            .automation_execution_id(execution_id)
            .into_paginator()
            .send();
        let mut count = 0;
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(|err| classify(err, &self.context, "DescribeAutomationStepExecutions"))?;
            count += 1;
            steps.extend(page.step_executions.unwrap_or_default());
        }
        Ok((steps, count))
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
}
