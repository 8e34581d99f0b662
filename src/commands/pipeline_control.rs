//! `regship pipeline start|retry|stop`: changes to a running pipeline, each checked by the account
//! guard and confirmed first; `--follow` then follows the run.

use std::process::ExitCode;

use super::UsageError;
use super::cloud::{authorize, block_on, cloud_failure, refusal};
use super::pipeline_live::{self, Live};
use super::prompt::StdinPrompt;
use crate::cloud::guard::AccountGuard;
use crate::cloud::{ExecutionRef, PipelineStop};

fn guard(live: &Live) -> AccountGuard {
    AccountGuard {
        read_only: live.aws.read_only,
    }
}

/// After a change: the id as JSON or a line, then the run followed with `--follow`.
fn report(live: &Live, what: &str, execution_id: &str) -> Result<ExitCode, UsageError> {
    if live.json {
        println!(
            "{}",
            serde_json::json!({"pipeline": live.pipeline, "execution_id": execution_id, "action": what})
        );
    } else {
        eprintln!(
            "{what}: execution {execution_id} of {}; follow it with: regship pipeline --stage {} --follow",
            live.pipeline, live.stage
        );
    }
    if live.follow {
        pipeline_live::status(live)
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

/// StartPipelineExecution on the branch's latest commit.
pub fn start(live: &Live, yes: bool) -> Result<ExitCode, UsageError> {
    let guard = guard(live);
    let id = block_on(async {
        let cloud = live.connect().await?;
        let authorization = authorize(cloud.as_ref(), guard, "start the pipeline").await?;
        let question = format!(
            "Start {} in {} ({}) on the latest commit?",
            live.pipeline,
            live.stage,
            authorization.account()
        );
        guard
            .confirm(&authorization, &question, yes, &mut StdinPrompt)
            .map_err(|r| refusal(r, "; nothing was started"))?;
        let id = cloud
            .start_pipeline(&authorization, &live.pipeline)
            .await
            .map_err(cloud_failure)?;
        Ok(id)
    });
    report(live, "started", &id?)
}

/// RetryStageExecution of the failed actions of a stage (by default, the one that failed).
pub fn retry(live: &Live, stage: Option<&str>, yes: bool) -> Result<ExitCode, UsageError> {
    let guard = guard(live);
    let id = block_on(async {
        let cloud = live.connect().await?;
        let state = cloud
            .pipeline_state(&live.pipeline)
            .await
            .map_err(cloud_failure)?;
        let (stage_name, execution_id) = match stage {
            Some(name) => {
                let found = state
                    .stages
                    .iter()
                    .find(|s| s.name == name)
                    .ok_or_else(|| {
                        let names: Vec<&str> =
                            state.stages.iter().map(|s| s.name.as_str()).collect();
                        UsageError(format!(
                            "{} has no stage {name}; its stages: {}",
                            live.pipeline,
                            names.join(", ")
                        ))
                    })?;
                if found.status.as_deref() != Some("Failed") {
                    return Err(UsageError(format!(
                        "stage {name} is {}, not Failed: only failed actions can be retried",
                        found.status.as_deref().unwrap_or("not run")
                    )));
                }
                (
                    found.name.clone(),
                    found.execution_id.clone().unwrap_or_default(),
                )
            }
            None => state
                .failed_stage()
                .map(|(name, id)| (name.to_string(), id.to_string()))
                .ok_or_else(|| {
                    UsageError(format!(
                        "no stage of {} has failed: nothing to retry",
                        live.pipeline
                    ))
                })?,
        };
        let failed = state.failed_actions(&stage_name);
        let authorization = authorize(cloud.as_ref(), guard, "retry a stage").await?;
        let question = format!(
            "Retry the failed actions of {stage_name} ({}) of execution {execution_id} in {} ({})?",
            failed.join(", "),
            live.stage,
            authorization.account()
        );
        guard
            .confirm(&authorization, &question, yes, &mut StdinPrompt)
            .map_err(|r| refusal(r, "; nothing was retried"))?;
        cloud
            .retry_failed_actions(
                &authorization,
                ExecutionRef {
                    pipeline: &live.pipeline,
                    execution_id: &execution_id,
                },
                &stage_name,
            )
            .await
            .map_err(cloud_failure)
    });
    report(live, "retrying", &id?)
}

/// StopPipelineExecution of the running execution (or the one named).
pub fn stop(
    live: &Live,
    execution: Option<&str>,
    abandon: bool,
    reason: &str,
    yes: bool,
) -> Result<ExitCode, UsageError> {
    let guard = guard(live);
    let id = block_on(async {
        let cloud = live.connect().await?;
        let execution_id = match execution {
            Some(id) => id.to_string(),
            None => cloud
                .pipeline_state(&live.pipeline)
                .await
                .map_err(cloud_failure)?
                .running_execution()
                .map(String::from)
                .ok_or_else(|| {
                    UsageError(format!(
                        "nothing runs in {}: nothing to stop",
                        live.pipeline
                    ))
                })?,
        };
        let authorization = authorize(cloud.as_ref(), guard, "stop an execution").await?;
        let how = if abandon {
            "abandoning its running actions"
        } else {
            "letting its running actions finish"
        };
        let question = format!(
            "Stop execution {execution_id} of {} in {} ({}), {how}?",
            live.pipeline,
            live.stage,
            authorization.account()
        );
        guard
            .confirm(&authorization, &question, yes, &mut StdinPrompt)
            .map_err(|r| refusal(r, "; nothing was stopped"))?;
        cloud
            .stop_pipeline(
                &authorization,
                ExecutionRef {
                    pipeline: &live.pipeline,
                    execution_id: &execution_id,
                },
                &PipelineStop {
                    abandon,
                    reason: reason.into(),
                },
            )
            .await
            .map_err(cloud_failure)?;
        Ok(execution_id)
    });
    report(live, "stopping", &id?)
}
