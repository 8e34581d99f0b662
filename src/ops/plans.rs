//! Changes waiting for the user's yes: a setup stack deployed or deleted, a pipeline started,
//! retried or stopped. Each carries the guard's authorization.

use super::package::{self, Upload};
use super::setup_stack::{self, DeployPlan};
use crate::cloud::guard::{AccountGuard, Authorization};
use crate::cloud::{
    Cloud, CloudError, CloudErrorKind, ResourceChange, RolloutRequest, StageRegions,
};
use crate::cloud::{ExecutionRef, PipelineStop};
use crate::workspace::Extension;

/// A change to a running pipeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PipelineChange {
    /// StartPipelineExecution.
    Start,
    /// RetryStageExecution of the stage's failed actions.
    Retry {
        stage: String,
        execution_id: String,
        failed: Vec<String>,
    },
    /// StopPipelineExecution, letting running actions finish.
    Stop { execution_id: String },
}

/// A change to a prod rollout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RolloutChange {
    /// The document again, as it ran, in the failed regions only.
    Retry {
        execution_id: String,
        request: Box<RolloutRequest>,
    },
    /// StopAutomationExecution: running regions are cancelled.
    Stop { execution_id: String },
}

/// What a confirmed change will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanKind {
    /// Execute a computed change set.
    Deploy {
        change_set_id: String,
        create: bool,
        changes: Vec<ResourceChange>,
        /// What packaging the template put in (or found in) the artifact bucket.
        uploads: Vec<Upload>,
    },
    /// Delete the stack.
    Delete,
    /// Start, retry or stop the pipeline named by the plan's target.
    Pipeline(PipelineChange),
    /// Retry or stop a prod rollout.
    Rollout(RolloutChange),
}

/// A change waiting for the user's yes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangePlan {
    pub folder: String,
    /// The stack (or, for a pipeline change, the pipeline) that changes.
    pub target: String,
    pub stack_id: String,
    pub region: String,
    pub authorization: Authorization,
    pub kind: PlanKind,
}

/// A setup deploy or delete to confirm (`Ok(Ok)`), nothing to do (`Ok(Err(note))`), or why it
/// cannot be planned (`Err`).
pub type SetupPlanning = Result<Result<ChangePlan, String>, String>;

/// Checks the account, then computes the change set of `test/setup.*` (or finds the stack to
/// delete).
pub async fn plan_setup_change(
    cloud: &dyn Cloud,
    guard: AccountGuard,
    extension: &Extension,
    delete: bool,
) -> SetupPlanning {
    let action = if delete {
        "delete setup"
    } else {
        "deploy setup"
    };
    let authorization = guard
        .authorize(cloud, action)
        .await
        .map_err(|d| d.to_string())?;
    let stack_name = extension.setup_stack_name();
    let (region, stage, folder) = (cloud.region(), cloud.context().stage, &extension.folder);
    if delete {
        let Some(stack) = cloud
            .describe_stack(&stack_name)
            .await
            .map_err(|e| e.with_hint())?
        else {
            return Ok(Err(format!(
                "{stack_name} does not exist in {stage} {region}: nothing to delete"
            )));
        };
        return Ok(Ok(ChangePlan {
            folder: folder.clone(),
            target: stack_name,
            stack_id: stack.stack_id,
            region,
            authorization,
            kind: PlanKind::Delete,
        }));
    }
    let setup = extension
        .setup
        .first()
        .ok_or_else(|| format!("{folder} has no test/setup.yml"))?;
    if let Err(problem) = &setup.parsed {
        return Err(format!(
            "{} cannot be used: {}",
            setup.path, problem.message
        ));
    }
    let deployable = package::deployable(
        cloud,
        &authorization,
        &extension.file(&setup.path),
        &setup.path,
        &setup.text,
    )
    .await
    .map_err(|e| e.with_hint())?;
    match setup_stack::plan_deploy(cloud, &authorization, &stack_name, &deployable.source)
        .await
        .map_err(|e| e.with_hint())?
    {
        DeployPlan::NoChanges => Ok(Err(format!(
            "{stack_name} already matches {}: nothing to deploy",
            setup.path
        ))),
        DeployPlan::Changes { change_set, create } => Ok(Ok(ChangePlan {
            folder: folder.clone(),
            target: stack_name,
            stack_id: change_set.stack_id.clone(),
            region,
            authorization,
            kind: PlanKind::Deploy {
                change_set_id: change_set.id,
                create,
                changes: change_set.changes,
                uploads: deployable.uploads,
            },
        })),
    }
}

/// Starts a confirmed stack change; returns the event to follow from.
pub async fn execute_stack_change(
    cloud: &dyn Cloud,
    plan: &ChangePlan,
) -> Result<Option<String>, CloudError> {
    match &plan.kind {
        PlanKind::Deploy { change_set_id, .. } => {
            setup_stack::execute(cloud, &plan.authorization, change_set_id, &plan.stack_id).await
        }
        PlanKind::Delete => setup_stack::delete(cloud, &plan.authorization, &plan.stack_id).await,
        PlanKind::Pipeline(_) | PlanKind::Rollout(_) => Err(CloudError::new(
            CloudErrorKind::Invalid,
            "a pipeline or rollout change is not a stack change",
            "this is a bug in regship: please report it",
        )),
    }
}

/// Deletes the change set of a declined deploy (and the empty stack a CREATE left behind).
pub async fn discard_stack_change(cloud: &dyn Cloud, plan: &ChangePlan) -> Result<(), CloudError> {
    match &plan.kind {
        PlanKind::Deploy { change_set_id, .. } => {
            setup_stack::discard(cloud, &plan.authorization, change_set_id, &plan.stack_id).await
        }
        PlanKind::Delete | PlanKind::Pipeline(_) | PlanKind::Rollout(_) => Ok(()),
    }
}

/// Checks the account before a start, retry or stop of `pipeline`.
pub async fn plan_pipeline_change(
    cloud: &dyn Cloud,
    guard: AccountGuard,
    pipeline: String,
    change: PipelineChange,
) -> Result<ChangePlan, String> {
    let what = match &change {
        PipelineChange::Start => "start the pipeline",
        PipelineChange::Retry { .. } => "retry a stage",
        PipelineChange::Stop { .. } => "stop an execution",
    };
    let authorization = guard
        .authorize(cloud, what)
        .await
        .map_err(|d| d.to_string())?;
    Ok(ChangePlan {
        folder: String::new(),
        target: pipeline,
        stack_id: String::new(),
        region: cloud.region(),
        authorization,
        kind: PlanKind::Pipeline(change),
    })
}

/// Makes a confirmed pipeline change; the message says what happened.
pub async fn execute_pipeline_change(
    cloud: &dyn Cloud,
    plan: &ChangePlan,
) -> Result<String, String> {
    let PlanKind::Pipeline(change) = &plan.kind else {
        return Err("not a pipeline change".into());
    };
    let (pipeline, authorization) = (&plan.target, &plan.authorization);
    match change {
        PipelineChange::Start => cloud
            .start_pipeline(authorization, pipeline)
            .await
            .map(|id| format!("started execution {id} of {pipeline}")),
        PipelineChange::Retry {
            stage,
            execution_id,
            ..
        } => cloud
            .retry_failed_actions(
                authorization,
                ExecutionRef {
                    pipeline,
                    execution_id,
                },
                stage,
            )
            .await
            .map(|id| format!("retrying the failed actions of {stage} (execution {id})")),
        PipelineChange::Stop { execution_id } => cloud
            .stop_pipeline(
                authorization,
                ExecutionRef {
                    pipeline,
                    execution_id,
                },
                &PipelineStop {
                    abandon: false,
                    reason: "stopped with regship".into(),
                },
            )
            .await
            .map(|()| format!("stopping execution {execution_id}; running actions finish")),
    }
    .map_err(|e| e.with_hint())
}

/// Checks the prod account before a rollout's retry or stop.
pub async fn plan_rollout_change(
    cloud: &dyn Cloud,
    guard: AccountGuard,
    change: RolloutChange,
) -> Result<ChangePlan, String> {
    let (what, target) = match &change {
        RolloutChange::Retry { execution_id, .. } => ("retry a prod rollout", execution_id),
        RolloutChange::Stop { execution_id } => ("stop a prod rollout", execution_id),
    };
    let authorization = guard
        .authorize(cloud, what)
        .await
        .map_err(|d| d.to_string())?;
    Ok(ChangePlan {
        folder: String::new(),
        target: target.clone(),
        stack_id: String::new(),
        region: cloud.region(),
        authorization,
        kind: PlanKind::Rollout(change),
    })
}

/// Makes a confirmed rollout change on the prod stage's connections: what happened, and the
/// new rollout's id after a retry, which runs the publish document of the workspace at `root`.
pub async fn execute_rollout_change(
    stage: &StageRegions,
    plan: &ChangePlan,
    root: &std::path::Path,
) -> Result<(String, Option<String>), String> {
    let PlanKind::Rollout(change) = &plan.kind else {
        return Err("not a rollout change".into());
    };
    match change {
        RolloutChange::Retry {
            execution_id,
            request,
        } => {
            let file = root.join(super::rollout::DOCUMENT_FILE);
            let document = tokio::fs::read_to_string(&file).await.map_err(|err| {
                format!(
                    "{}: {err}: the publish document is made current in each region before a retry",
                    file.display()
                )
            })?;
            let (_, id) =
                super::rollout::start_retry(stage, &plan.authorization, request, &document)
                    .await
                    .map_err(|failure| failure.message())?;
            Ok((
                format!(
                    "started {id}: {} again in {} (after {execution_id})",
                    request.document,
                    request.regions.join(" ")
                ),
                Some(id),
            ))
        }
        RolloutChange::Stop { execution_id } => {
            let home = stage.home().await.map_err(|e| e.with_hint())?;
            super::rollout_watch::stop(home.as_ref(), &plan.authorization, execution_id)
                .await
                .map_err(|e| e.with_hint())?;
            Ok((
                format!("stopped {execution_id}: running regions are cancelled"),
                None,
            ))
        }
    }
}
