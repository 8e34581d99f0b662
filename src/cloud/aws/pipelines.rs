//! CodePipeline: a pipeline's stages and actions, and its executions.

use aws_sdk_codepipeline::types::{ActionExecutionFilter, StageRetryMode};

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{
    ActionExecutionRecord, CloudError, PipelineActionState, PipelineExecution, PipelineStage,
    PipelineState,
};
use crate::cloud::{ExecutionRef, PipelineStop, Pipelines};

fn error_text(details: Option<&aws_sdk_codepipeline::types::ErrorDetails>) -> Option<String> {
    details.map(|d| {
        format!(
            "{}: {}",
            d.code().unwrap_or("Error"),
            d.message().unwrap_or_default()
        )
    })
}

fn millis(time: Option<&aws_sdk_codepipeline::primitives::DateTime>) -> Option<i64> {
    time.and_then(|t| t.to_millis().ok())
}

#[async_trait]
impl Pipelines for AwsCloud {
    /// GetPipelineState: one call, every stage and action.
    async fn pipeline_state(&self, pipeline: &str) -> Result<PipelineState, CloudError> {
        let output = self
            .clients
            .codepipeline
            .get_pipeline_state()
            .name(pipeline)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetPipelineState"))?;
        let stages = output
            .stage_states()
            .iter()
            .map(|stage| PipelineStage {
                name: stage.stage_name().unwrap_or_default().to_string(),
                status: stage
                    .latest_execution()
                    .map(|e| e.status().as_str().to_string()),
                execution_id: stage
                    .latest_execution()
                    .map(|e| e.pipeline_execution_id().to_string()),
                actions: stage
                    .action_states()
                    .iter()
                    .map(|action| {
                        let latest = action.latest_execution();
                        PipelineActionState {
                            name: action.action_name().unwrap_or_default().to_string(),
                            status: latest
                                .and_then(|e| e.status())
                                .map(|s| s.as_str().to_string()),
                            summary: latest.and_then(|e| e.summary()).map(String::from),
                            last_change_ms: millis(latest.and_then(|e| e.last_status_change())),
                            external_id: latest
                                .and_then(|e| e.external_execution_id())
                                .map(String::from),
                            error: error_text(latest.and_then(|e| e.error_details())),
                        }
                    })
                    .collect(),
            })
            .collect();
        Ok(PipelineState {
            name: output.pipeline_name().unwrap_or(pipeline).to_string(),
            stages,
        })
    }

    /// GetPipeline: the CodeBuild project each build action runs, by action name.
    async fn pipeline_build_projects(
        &self,
        pipeline: &str,
    ) -> Result<Vec<(String, String)>, CloudError> {
        let output = self
            .clients
            .codepipeline
            .get_pipeline()
            .name(pipeline)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetPipeline"))?;
        Ok(output
            .pipeline()
            .map(|declaration| declaration.stages())
            .unwrap_or_default()
            .iter()
            .flat_map(|stage| stage.actions())
            .filter_map(|action| {
                let project = action.configuration()?.get("ProjectName")?;
                Some((action.name().to_string(), project.clone()))
            })
            .collect())
    }

    /// ListPipelineExecutions, newest first, at most `max`.
    async fn pipeline_executions(
        &self,
        pipeline: &str,
        max: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        let output = self
            .clients
            .codepipeline
            .list_pipeline_executions()
            .pipeline_name(pipeline)
            .max_results(max)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "ListPipelineExecutions"))?;
        Ok(output
            .pipeline_execution_summaries()
            .iter()
            .map(|execution| {
                let revision = execution.source_revisions().first();
                PipelineExecution {
                    id: execution
                        .pipeline_execution_id()
                        .unwrap_or_default()
                        .to_string(),
                    status: execution
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    trigger: execution
                        .trigger()
                        .and_then(|t| t.trigger_type())
                        .map(|t| t.as_str().to_string()),
                    start_ms: millis(execution.start_time()),
                    last_update_ms: millis(execution.last_update_time()),
                    revision: revision.and_then(|r| r.revision_id()).map(String::from),
                    revision_summary: revision
                        .and_then(|r| r.revision_summary())
                        .map(String::from),
                }
            })
            .collect())
    }

    /// GetPipelineExecution: one execution's status, trigger and source revision.
    async fn pipeline_execution(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<PipelineExecution, CloudError> {
        let ExecutionRef {
            pipeline,
            execution_id,
        } = execution;
        let output = self
            .clients
            .codepipeline
            .get_pipeline_execution()
            .pipeline_name(pipeline)
            .pipeline_execution_id(execution_id)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetPipelineExecution"))?;
        let execution = output.pipeline_execution();
        let revision = execution.and_then(|e| e.artifact_revisions().first());
        Ok(PipelineExecution {
            id: execution
                .and_then(|e| e.pipeline_execution_id())
                .unwrap_or(execution_id)
                .to_string(),
            status: execution
                .and_then(|e| e.status())
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            trigger: execution
                .and_then(|e| e.trigger())
                .and_then(|t| t.trigger_type())
                .map(|t| t.as_str().to_string()),
            start_ms: None,
            last_update_ms: None,
            revision: revision.and_then(|r| r.revision_id()).map(String::from),
            revision_summary: revision
                .and_then(|r| r.revision_summary())
                .map(String::from),
        })
    }

    /// ListActionExecutions: every action one execution ran, all pages.
    async fn action_executions(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        let ExecutionRef {
            pipeline,
            execution_id,
        } = execution;
        let mut records = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = self
                .clients
                .codepipeline
                .list_action_executions()
                .pipeline_name(pipeline)
                .filter(
                    ActionExecutionFilter::builder()
                        .pipeline_execution_id(execution_id)
                        .build(),
                )
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "ListActionExecutions"))?;
            records.extend(output.action_execution_details().iter().map(|detail| {
                let result = detail.output().and_then(|o| o.execution_result());
                ActionExecutionRecord {
                    stage: detail.stage_name().unwrap_or_default().to_string(),
                    action: detail.action_name().unwrap_or_default().to_string(),
                    status: detail
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    start_ms: millis(detail.start_time()),
                    last_update_ms: millis(detail.last_update_time()),
                    external_id: result
                        .and_then(|r| r.external_execution_id())
                        .map(String::from),
                    summary: result
                        .and_then(|r| r.external_execution_summary())
                        .map(String::from),
                    error: error_text(result.and_then(|r| r.error_details())),
                }
            }));
            match output.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
        records.sort_by_key(|record| record.start_ms);
        Ok(records)
    }

    /// StartPipelineExecution: runs the pipeline on the branch's latest commit.
    async fn start_pipeline(
        &self,
        authorization: &Authorization,
        pipeline: &str,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let output = self
            .clients
            .codepipeline
            .start_pipeline_execution()
            .name(pipeline)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "StartPipelineExecution"))?;
        Ok(output
            .pipeline_execution_id()
            .unwrap_or_default()
            .to_string())
    }

    /// RetryStageExecution of the failed actions of a stage.
    async fn retry_failed_actions(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        stage: &str,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let ExecutionRef {
            pipeline,
            execution_id,
        } = execution;
        let output = self
            .clients
            .codepipeline
            .retry_stage_execution()
            .pipeline_name(pipeline)
            .stage_name(stage)
            .pipeline_execution_id(execution_id)
            .retry_mode(StageRetryMode::FailedActions)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "RetryStageExecution"))?;
        Ok(output
            .pipeline_execution_id()
            .unwrap_or(execution_id)
            .to_string())
    }

    /// StopPipelineExecution: lets running actions finish, or abandons them.
    async fn stop_pipeline(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        stop: &PipelineStop,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .codepipeline
            .stop_pipeline_execution()
            .pipeline_name(execution.pipeline)
            .pipeline_execution_id(execution.execution_id)
            .abandon(stop.abandon)
            .reason(&stop.reason)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "StopPipelineExecution"))?;
        Ok(())
    }
}
