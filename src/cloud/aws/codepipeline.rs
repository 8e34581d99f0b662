//! CodePipeline: a pipeline's stages and actions, and its executions.

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{
    CloudError, PipelineActionState, PipelineExecution, PipelineStage, PipelineState,
};

fn millis(time: Option<&aws_sdk_codepipeline::primitives::DateTime>) -> Option<i64> {
    time.and_then(|t| t.to_millis().ok())
}

impl AwsCloud {
    /// GetPipelineState: one call, every stage and action.
    pub async fn pipeline_state(&self, pipeline: &str) -> Result<PipelineState, CloudError> {
        let output = self
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
                            error: latest.and_then(|e| e.error_details()).map(|d| {
                                format!(
                                    "{}: {}",
                                    d.code().unwrap_or("Error"),
                                    d.message().unwrap_or_default()
                                )
                            }),
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

    /// ListPipelineExecutions, newest first, at most `max`.
    pub async fn pipeline_executions(
        &self,
        pipeline: &str,
        max: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        let output = self
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
}
