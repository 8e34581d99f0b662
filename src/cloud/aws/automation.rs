//! Systems Manager Automation: a rollout's parent execution and its per-region children, the
//! steps of one child, the document's executions, and stopping one.

use aws_sdk_ssm::types::{
    AutomationExecutionFilter, AutomationExecutionFilterKey, AutomationExecutionMetadata,
    StepExecution, StopType,
};

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{
    CloudError, CloudErrorKind, RegionRun, RolloutRequest, RolloutState, RolloutSummary, StepRun,
    canary_document,
};

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

    /// The parent execution in this (the home) region: GetAutomationExecution gives its status
    /// and one step per target location, whose status, failure and outputs (the child's id) say
    /// how that region stands; when the steps are truncated, DescribeAutomationStepExecutions
    /// gives them all. The children live in their own regions and are not read here (SSM user
    /// guide, "Running automations in multiple AWS Regions and accounts").
    pub async fn rollout(&self, execution_id: &str) -> Result<RolloutState, CloudError> {
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

    /// The steps of one region's child execution; this connection must be of the child's region.
    pub async fn rollout_steps(
        &self,
        child_execution_id: &str,
    ) -> Result<Vec<StepRun>, CloudError> {
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
    pub async fn list_rollouts(&self, document: &str) -> Result<Vec<RolloutSummary>, CloudError> {
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
    pub async fn stop_rollout(
        &self,
        authorization: &Authorization,
        execution_id: &str,
    ) -> Result<(), CloudError> {
        self.authorized(authorization)?;
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
