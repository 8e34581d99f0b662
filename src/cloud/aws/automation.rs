//! Systems Manager Automation: a rollout's parent execution and its per-region children, the
//! steps of one child, the document's executions, and stopping one.

use aws_sdk_ssm::types::{
    AutomationExecutionFilter, AutomationExecutionFilterKey, AutomationExecutionMetadata, StopType,
};

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{
    CloudError, CloudErrorKind, RegionRun, RolloutRequest, RolloutState, RolloutSummary, StepRun,
};

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

    /// The parent execution (GetAutomationExecution: its status, and one step execution per
    /// target location) and its children (DescribeAutomationExecutions filtered by the parent:
    /// each region's current step): two calls however many regions.
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
        let children = self
            .executions(
                AutomationExecutionFilterKey::ParentExecutionId,
                execution_id,
            )
            .await?;
        // Each target location's step names its region; its outputs or response name the child.
        let mut regions: Vec<RegionRun> = parent
            .step_executions()
            .iter()
            .filter_map(|step| {
                let region = step.target_location()?.regions().first()?.clone();
                let mentions = |id: &str| {
                    step.response().is_some_and(|r| r.contains(id))
                        || step
                            .outputs()
                            .is_some_and(|o| o.values().flatten().any(|v| v == id))
                };
                let child = children
                    .iter()
                    .find(|c| c.automation_execution_id().is_some_and(&mentions));
                Some(RegionRun {
                    region,
                    execution_id: child
                        .and_then(|c| c.automation_execution_id())
                        .map(String::from),
                    status: step
                        .step_status()
                        .map_or("Pending", |s| s.as_str())
                        .to_string(),
                    current_step: child.and_then(|c| c.current_step_name()).map(String::from),
                    failure: step
                        .failure_message()
                        .or_else(|| child.and_then(|c| c.failure_message()))
                        .map(String::from),
                    started_ms: millis(step.execution_start_time()),
                    ended_ms: millis(step.execution_end_time()),
                })
            })
            .collect();
        // Regions that have no step yet are pending.
        let targeted: Vec<String> = parent
            .target_locations()
            .iter()
            .flat_map(|location| location.regions().iter().cloned())
            .collect();
        for region in &targeted {
            if !regions.iter().any(|run| &run.region == region) {
                regions.push(RegionRun {
                    region: region.clone(),
                    execution_id: None,
                    status: "Pending".into(),
                    current_step: None,
                    failure: None,
                    started_ms: None,
                    ended_ms: None,
                });
            }
        }
        regions.sort_by(|a, b| a.region.cmp(&b.region));
        let location = parent.target_locations().first();
        let request = RolloutRequest {
            document: parent.document_name().unwrap_or_default().to_string(),
            document_version: parent.document_version().unwrap_or_default().to_string(),
            parameters: parent
                .parameters()
                .map(|p| {
                    let mut pairs: Vec<(String, String)> = p
                        .iter()
                        .filter_map(|(k, v)| Some((k.clone(), v.first()?.clone())))
                        .collect();
                    pairs.sort();
                    pairs
                })
                .unwrap_or_default(),
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
        };
        Ok(RolloutState {
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
        })
    }

    /// The steps of one region's child execution (DescribeAutomationStepExecutions).
    pub async fn rollout_steps(
        &self,
        child_execution_id: &str,
    ) -> Result<Vec<StepRun>, CloudError> {
        let mut steps = Vec::new();
        let mut pages = self
            .clients
            .ssm
            .describe_automation_step_executions()
            .automation_execution_id(child_execution_id)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page
                .map_err(|err| classify(err, &self.context, "DescribeAutomationStepExecutions"))?;
            steps.extend(
                page.step_executions
                    .unwrap_or_default()
                    .into_iter()
                    .map(|step| StepRun {
                        name: step.step_name().unwrap_or_default().to_string(),
                        status: step
                            .step_status()
                            .map_or("Pending", |s| s.as_str())
                            .to_string(),
                        failure: step.failure_message().map(String::from),
                        started_ms: millis(step.execution_start_time()),
                        ended_ms: millis(step.execution_end_time()),
                    }),
            );
        }
        Ok(steps)
    }

    /// The document's parent executions, newest first (DescribeAutomationExecutions by name).
    pub async fn list_rollouts(&self, document: &str) -> Result<Vec<RolloutSummary>, CloudError> {
        let executions = self
            .executions(AutomationExecutionFilterKey::DocumentNamePrefix, document)
            .await?;
        // The children of a multi-region run carry their parent's id: only parents.
        let mut summaries: Vec<RolloutSummary> = executions
            .iter()
            .filter(|e| {
                e.parent_automation_execution_id().is_none() && e.document_name() == Some(document)
            })
            .map(|execution| RolloutSummary {
                execution_id: execution
                    .automation_execution_id()
                    .unwrap_or_default()
                    .to_string(),
                document_version: execution.document_version().map(String::from),
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
