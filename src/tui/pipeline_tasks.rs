//! The pipeline's background tasks: a build followed with its log, and start / retry / stop
//! planned through the account guard and executed once confirmed.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::app::{Action, ChangePlan, PipelineChange, PlanKind};
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::StageContext;
use crate::cloud::guard::AccountGuard;
use crate::cloud::{CloudErrorKind, LogLocation};

/// How often a build and its log are read while it runs.
const BUILD_POLL: Duration = Duration::from_secs(3);
/// The log lines read first: the tail of what is already written.
const FIRST_LINES: i32 = 500;

/// Polls the build and reads its log until the build has ended and the log is drained, or the
/// generation moves on.
pub async fn follow_build(
    context: StageContext,
    build_id: String,
    generation: u64,
    mut current: watch::Receiver<u64>,
    actions: UnboundedSender<Action>,
) {
    let send = |build, lines, problem| {
        let _ = actions.send(Action::BuildPolled {
            generation,
            build,
            lines,
            problem,
        });
    };
    let cloud = match AwsCloud::connect(context).await {
        Ok(cloud) => cloud,
        Err(error) => return send(None, Vec::new(), Some(error.with_hint())),
    };
    let mut token: Option<String> = None;
    let mut location: Option<LogLocation> = None;
    let mut failures = 0u32;
    loop {
        let mut finished = false;
        match cloud.build(&build_id).await {
            Ok(build) => {
                location = location.or_else(|| build.log.clone());
                let page = match &location {
                    Some(location) => {
                        let tail = if token.is_none() { FIRST_LINES } else { 0 };
                        cloud.log_lines(location, token.as_deref(), tail).await
                    }
                    None => Ok(Default::default()),
                };
                match page {
                    Ok(page) => {
                        failures = 0;
                        finished = build.is_complete() && page.lines.is_empty();
                        token = page.next_token.or(token);
                        let lines = page.lines.into_iter().map(|l| l.message).collect();
                        send(Some(build), lines, None);
                    }
                    // CodeBuild creates the stream when the build starts to log.
                    Err(error) if error.kind == CloudErrorKind::NotFound => {
                        let problem = (!build.is_complete())
                            .then(|| "waiting for the build to write its log".to_string());
                        finished = build.is_complete();
                        send(Some(build), Vec::new(), problem);
                    }
                    Err(error) => {
                        failures += 1;
                        send(Some(build), Vec::new(), Some(error.with_hint()));
                    }
                }
            }
            Err(error) => {
                failures += 1;
                let transient = error.is_transient();
                send(None, Vec::new(), Some(error.with_hint()));
                if !transient {
                    return;
                }
            }
        }
        if finished || *current.borrow() != generation {
            return;
        }
        let delay = BUILD_POLL * (1 << failures.min(4));
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = current.changed() => return,
        }
    }
}

/// Connects and checks the account; the plan then waits for the user's yes.
pub async fn plan_pipeline_change(
    context: StageContext,
    guard: AccountGuard,
    pipeline: Option<String>,
    change: PipelineChange,
) -> Result<ChangePlan, String> {
    let stage = context.stage;
    let pipeline = pipeline.ok_or_else(|| {
        format!("no pipeline for the {stage} stage: set accounts.{stage}.pipeline in regship.yml")
    })?;
    let cloud = AwsCloud::connect(context)
        .await
        .map_err(|e| e.with_hint())?;
    let caller = cloud.identity().await.map_err(|e| e.with_hint())?;
    let what = match &change {
        PipelineChange::Start => "start the pipeline",
        PipelineChange::Retry { .. } => "retry a stage",
        PipelineChange::Stop { .. } => "stop an execution",
    };
    let authorization = guard
        .check_account(&cloud.context, &caller, what)
        .map_err(|r| format!("{r}\n{}", r.hint))?;
    Ok(ChangePlan {
        folder: String::new(),
        target: pipeline,
        stack_id: String::new(),
        region: cloud.region(),
        authorization,
        kind: PlanKind::Pipeline(change),
    })
}

/// Makes the confirmed change; the message says what happened.
pub async fn execute_pipeline_change(
    context: StageContext,
    plan: ChangePlan,
) -> Result<String, String> {
    let PlanKind::Pipeline(change) = &plan.kind else {
        return Err("not a pipeline change".into());
    };
    let cloud = AwsCloud::connect(context)
        .await
        .map_err(|e| e.with_hint())?;
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
            .retry_failed_actions(authorization, pipeline, stage, execution_id)
            .await
            .map(|id| format!("retrying the failed actions of {stage} (execution {id})")),
        PipelineChange::Stop { execution_id } => cloud
            .stop_pipeline(
                authorization,
                pipeline,
                execution_id,
                false,
                "stopped with regship",
            )
            .await
            .map(|()| format!("stopping execution {execution_id}; running actions finish")),
    }
    .map_err(|e| e.with_hint())
}
