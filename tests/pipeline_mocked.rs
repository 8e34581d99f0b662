//! GetPipelineState, which moto does not implement, with aws-smithy-mocks: a run in progress,
//! then one action failing with error details.

mod support;

use aws_sdk_codepipeline::Client;
use aws_sdk_codepipeline::config::retry::RetryConfig;
use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateOutput;
use aws_sdk_codepipeline::primitives::DateTime;
use aws_sdk_codepipeline::types::{
    ActionExecution, ActionExecutionStatus, ActionState, ErrorDetails, StageExecution,
    StageExecutionStatus, StageState,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::port::capabilities::*;
use regship::cloud::{ExecutionRef, PipelineStop};
use regship::config::{Stage, WorkspaceConfig};

fn action(name: &str, status: ActionExecutionStatus, error: Option<&str>) -> ActionState {
    let mut execution = ActionExecution::builder()
        .status(status)
        .summary(format!("{name} build"))
        .external_execution_id(format!("{name}Project:0b1c"))
        .last_status_change(DateTime::from_secs(1_700_000_000));
    if let Some(message) = error {
        execution = execution.error_details(
            ErrorDetails::builder()
                .code("JobFailed")
                .message(message)
                .build(),
        );
    }
    ActionState::builder()
        .action_name(name)
        .latest_execution(execution.build())
        .build()
}

fn state(build: StageExecutionStatus, actions: Vec<ActionState>) -> GetPipelineStateOutput {
    GetPipelineStateOutput::builder()
        .pipeline_name("regship-extensions")
        .stage_states(
            StageState::builder()
                .stage_name("Source")
                .latest_execution(
                    StageExecution::builder()
                        .pipeline_execution_id("e1")
                        .status(StageExecutionStatus::Succeeded)
                        .build()
                        .unwrap(),
                )
                .build(),
        )
        .stage_states(
            StageState::builder()
                .stage_name("Build")
                .latest_execution(
                    StageExecution::builder()
                        .pipeline_execution_id("e1")
                        .status(build)
                        .build()
                        .unwrap(),
                )
                .set_action_states(Some(actions))
                .build(),
        )
        .build()
}

fn cicd(clients: Clients) -> AwsCloud {
    AwsCloud::from_clients(
        StageContext::new(
            &WorkspaceConfig::default(),
            Stage::Cicd,
            &Overrides::default(),
        ),
        clients,
    )
}

#[tokio::test]
async fn a_run_progresses_then_one_action_fails_with_its_error() {
    let running = mock!(Client::get_pipeline_state).then_output(|| {
        state(
            StageExecutionStatus::InProgress,
            vec![
                action(
                    "S3DeleteBucketContents",
                    ActionExecutionStatus::InProgress,
                    None,
                ),
                action("SQSQueuePolicy", ActionExecutionStatus::Succeeded, None),
            ],
        )
    });
    let failed = mock!(Client::get_pipeline_state).then_output(|| {
        state(
            StageExecutionStatus::Failed,
            vec![
                action(
                    "S3DeleteBucketContents",
                    ActionExecutionStatus::Failed,
                    Some("Error while executing command: cfn test. Reason: exit status 1"),
                ),
                action("SQSQueuePolicy", ActionExecutionStatus::Succeeded, None),
            ],
        )
    });
    let codepipeline = mock_client!(
        aws_sdk_codepipeline,
        RuleMode::Sequential,
        &[&running, &failed],
        |c| c.retry_config(RetryConfig::disabled())
    );
    let cloud = cicd(Clients {
        codepipeline,
        ..support::unused_clients()
    });
    let first = cloud.pipeline_state("regship-extensions").await.unwrap();
    assert_eq!(first.stages.len(), 2);
    assert_eq!(first.stages[1].status.as_deref(), Some("InProgress"));
    assert_eq!(
        first.stages[1].actions[0].status.as_deref(),
        Some("InProgress")
    );
    assert_eq!(
        first.stages[1].actions[0].external_id.as_deref(),
        Some("S3DeleteBucketContentsProject:0b1c")
    );
    let second = cloud.pipeline_state("regship-extensions").await.unwrap();
    let action = &second.stages[1].actions[0];
    assert_eq!(action.status.as_deref(), Some("Failed"));
    assert_eq!(
        action.error.as_deref(),
        Some("JobFailed: Error while executing command: cfn test. Reason: exit status 1")
    );
    assert_eq!(action.last_change_ms, Some(1_700_000_000_000));
}

#[tokio::test]
async fn executions_carry_their_source_revision_and_trigger() {
    use aws_sdk_codepipeline::operation::list_pipeline_executions::ListPipelineExecutionsOutput;
    use aws_sdk_codepipeline::types::{
        ExecutionTrigger, PipelineExecutionStatus, PipelineExecutionSummary, SourceRevision,
        TriggerType,
    };
    let listed = mock!(Client::list_pipeline_executions).then_output(|| {
        ListPipelineExecutionsOutput::builder()
            .pipeline_execution_summaries(
                PipelineExecutionSummary::builder()
                    .pipeline_execution_id("e2")
                    .status(PipelineExecutionStatus::Superseded)
                    .trigger(
                        ExecutionTrigger::builder()
                            .trigger_type(TriggerType::Webhook)
                            .build(),
                    )
                    .source_revisions(
                        SourceRevision::builder()
                            .action_name("GitHub")
                            .revision_id("9f8e7d6")
                            .revision_summary("Add SQS queue policy")
                            .build()
                            .unwrap(),
                    )
                    .start_time(DateTime::from_secs(1_700_000_100))
                    .build(),
            )
            .build()
    });
    let cloud = cicd(Clients {
        codepipeline: mock_client!(aws_sdk_codepipeline, RuleMode::Sequential, &[&listed]),
        ..support::unused_clients()
    });
    let executions = cloud
        .pipeline_executions("regship-extensions", 5)
        .await
        .unwrap();
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].status, "Superseded");
    assert_eq!(executions[0].trigger.as_deref(), Some("Webhook"));
    assert_eq!(executions[0].revision.as_deref(), Some("9f8e7d6"));
    assert_eq!(
        executions[0].revision_summary.as_deref(),
        Some("Add SQS queue policy")
    );
}

/// The cicd stage of account 111111111111, and the guard's authorization for it.
fn authorized() -> (StageContext, regship::cloud::guard::Authorization) {
    let config = WorkspaceConfig::parse(
        "accounts:\n  cicd: {region: us-east-1, account_id: \"111111111111\", pipeline: regship-extensions}\n",
        "regship.yml",
    )
    .unwrap();
    let context = StageContext::new(&config, Stage::Cicd, &Overrides::default());
    let authorization = regship::cloud::guard::AccountGuard::default()
        .check_account(
            &context,
            &regship::cloud::Identity {
                account: "111111111111".into(),
                arn: "arn:aws:iam::111111111111:user/dev".into(),
            },
            "test",
        )
        .unwrap();
    (context, authorization)
}

#[tokio::test]
async fn an_executions_actions_come_from_every_page_in_start_order() {
    use aws_sdk_codepipeline::operation::list_action_executions::ListActionExecutionsOutput;
    use aws_sdk_codepipeline::types::{
        ActionExecutionDetail, ActionExecutionOutput, ActionExecutionResult,
    };
    fn detail(
        stage: &str,
        action: &str,
        status: ActionExecutionStatus,
        start: i64,
        error: Option<&str>,
    ) -> ActionExecutionDetail {
        let mut result = ActionExecutionResult::builder()
            .external_execution_id(format!("{action}Project:{start}"))
            .external_execution_summary(format!("{action} build"));
        if let Some(message) = error {
            result = result.error_details(
                ErrorDetails::builder()
                    .code("JobFailed")
                    .message(message)
                    .build(),
            );
        }
        ActionExecutionDetail::builder()
            .pipeline_execution_id("e1")
            .stage_name(stage)
            .action_name(action)
            .status(status)
            .start_time(DateTime::from_secs(start))
            .last_update_time(DateTime::from_secs(start + 240))
            .output(
                ActionExecutionOutput::builder()
                    .execution_result(result.build())
                    .build(),
            )
            .build()
    }
    let first = mock!(Client::list_action_executions)
        .match_requests(|r| {
            r.next_token().is_none()
                && r.filter().and_then(|f| f.pipeline_execution_id()) == Some("e1")
        })
        .then_output(|| {
            ListActionExecutionsOutput::builder()
                .action_execution_details(detail(
                    "Build",
                    "SQSQueuePolicy",
                    ActionExecutionStatus::Succeeded,
                    1_700_000_060,
                    None,
                ))
                .next_token("page-2")
                .build()
        });
    let second = mock!(Client::list_action_executions)
        .match_requests(|r| r.next_token() == Some("page-2"))
        .then_output(|| {
            ListActionExecutionsOutput::builder()
                .action_execution_details(detail(
                    "Build",
                    "S3DeleteBucketContents",
                    ActionExecutionStatus::Failed,
                    1_700_000_050,
                    Some("Error while executing command: cfn test. Reason: exit status 1"),
                ))
                .action_execution_details(detail(
                    "Source",
                    "GitHub",
                    ActionExecutionStatus::Succeeded,
                    1_700_000_000,
                    None,
                ))
                .build()
        });
    let cloud = cicd(Clients {
        codepipeline: mock_client!(
            aws_sdk_codepipeline,
            RuleMode::Sequential,
            &[&first, &second]
        ),
        ..support::unused_clients()
    });
    let actions = cloud
        .action_executions(ExecutionRef {
            pipeline: "regship-extensions",
            execution_id: "e1",
        })
        .await
        .unwrap();
    let order: Vec<(&str, &str)> = actions
        .iter()
        .map(|a| (a.action.as_str(), a.status.as_str()))
        .collect();
    assert_eq!(
        order,
        [
            ("GitHub", "Succeeded"),
            ("S3DeleteBucketContents", "Failed"),
            ("SQSQueuePolicy", "Succeeded"),
        ]
    );
    assert_eq!(
        actions[1].error.as_deref(),
        Some("JobFailed: Error while executing command: cfn test. Reason: exit status 1")
    );
    assert_eq!(
        actions[1].external_id.as_deref(),
        Some("S3DeleteBucketContentsProject:1700000050")
    );
    assert_eq!(actions[1].last_update_ms, Some(1_700_000_290_000));
}

#[tokio::test]
async fn retry_asks_for_the_failed_actions_and_stop_carries_its_reason() {
    use aws_sdk_codepipeline::operation::retry_stage_execution::RetryStageExecutionOutput;
    use aws_sdk_codepipeline::operation::stop_pipeline_execution::StopPipelineExecutionOutput;
    use aws_sdk_codepipeline::types::StageRetryMode;
    let retry = mock!(Client::retry_stage_execution)
        .match_requests(|r| {
            r.pipeline_name() == Some("regship-extensions")
                && r.stage_name() == Some("Build")
                && r.pipeline_execution_id() == Some("e1")
                && r.retry_mode() == Some(&StageRetryMode::FailedActions)
        })
        .then_output(|| {
            RetryStageExecutionOutput::builder()
                .pipeline_execution_id("e1")
                .build()
        });
    let stop = mock!(Client::stop_pipeline_execution)
        .match_requests(|r| {
            r.pipeline_execution_id() == Some("e2")
                && r.abandon() == Some(true)
                && r.reason() == Some("bad commit")
        })
        .then_output(|| {
            StopPipelineExecutionOutput::builder()
                .pipeline_execution_id("e2")
                .build()
        });
    let (context, authorization) = authorized();
    let cloud = AwsCloud::from_clients(
        context,
        Clients {
            codepipeline: mock_client!(
                aws_sdk_codepipeline,
                RuleMode::Sequential,
                &[&retry, &stop],
                |c| c.retry_config(RetryConfig::disabled())
            ),
            ..support::unused_clients()
        },
    );
    let retried = cloud
        .retry_failed_actions(
            &authorization,
            ExecutionRef {
                pipeline: "regship-extensions",
                execution_id: "e1",
            },
            "Build",
        )
        .await
        .unwrap();
    assert_eq!(retried, "e1");
    cloud
        .stop_pipeline(
            &authorization,
            ExecutionRef {
                pipeline: "regship-extensions",
                execution_id: "e2",
            },
            &PipelineStop {
                abandon: true,
                reason: "bad commit".into(),
            },
        )
        .await
        .unwrap();
}

#[tokio::test]
async fn the_newest_build_is_asked_for_and_its_failed_phase_explained() {
    use aws_sdk_codebuild::operation::batch_get_builds::BatchGetBuildsOutput;
    use aws_sdk_codebuild::operation::list_builds_for_project::ListBuildsForProjectOutput;
    use aws_sdk_codebuild::types::{
        Build, BuildPhase, BuildPhaseType, LogsLocation, PhaseContext, SortOrderType, StatusType,
    };
    let listed = mock!(aws_sdk_codebuild::Client::list_builds_for_project)
        .match_requests(|r| {
            r.project_name() == Some("regship-S3")
                && r.sort_order() == Some(&SortOrderType::Descending)
        })
        .then_output(|| {
            ListBuildsForProjectOutput::builder()
                .ids("regship-S3:new")
                .ids("regship-S3:old")
                .build()
        });
    let described = mock!(aws_sdk_codebuild::Client::batch_get_builds)
        .match_requests(|r| r.ids() == ["regship-S3:new"])
        .then_output(|| {
            BatchGetBuildsOutput::builder()
                .builds(
                    Build::builder()
                        .id("regship-S3:new")
                        .project_name("regship-S3")
                        .build_status(StatusType::Failed)
                        .current_phase("COMPLETED")
                        .phases(
                            BuildPhase::builder()
                                .phase_type(BuildPhaseType::Install)
                                .phase_status(StatusType::Succeeded)
                                .duration_in_seconds(31)
                                .build(),
                        )
                        .phases(
                            BuildPhase::builder()
                                .phase_type(BuildPhaseType::Build)
                                .phase_status(StatusType::Failed)
                                .contexts(
                                    PhaseContext::builder()
                                        .status_code("COMMAND_EXECUTION_ERROR")
                                        .message("Error while executing command: cfn test. Reason: exit status 1")
                                        .build(),
                                )
                                .build(),
                        )
                        .logs(
                            LogsLocation::builder()
                                .group_name("/regship/builds")
                                .stream_name("s3/new")
                                .build(),
                        )
                        .build(),
                )
                .build()
        });
    let cloud = cicd(Clients {
        codebuild: mock_client!(
            aws_sdk_codebuild,
            RuleMode::Sequential,
            &[&listed, &described]
        ),
        ..support::unused_clients()
    });
    let id = cloud.latest_build_id("regship-S3").await.unwrap().unwrap();
    let build = cloud.build(&id).await.unwrap();
    assert_eq!(build.status, "FAILED");
    assert!(build.is_complete());
    assert_eq!(build.phases.len(), 2);
    assert_eq!(build.phases[0].duration_s, Some(31));
    assert_eq!(build.phases[1].status.as_deref(), Some("FAILED"));
    assert_eq!(
        build.phases[1].context,
        ["Error while executing command: cfn test. Reason: exit status 1"]
    );
    let log = build.log.unwrap();
    assert_eq!(
        (log.group.as_str(), log.stream.as_str()),
        ("/regship/builds", "s3/new")
    );
}

#[tokio::test(start_paused = true)]
async fn a_followed_run_reports_each_transition_once_and_backs_off_when_throttled() {
    use aws_sdk_codepipeline::error::ErrorMetadata;
    use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateError;
    use regship::watch::pipeline::{FollowReport, PipelineWatch, follow_until_done};
    let running = || {
        state(
            StageExecutionStatus::InProgress,
            vec![action(
                "S3DeleteBucketContents",
                ActionExecutionStatus::InProgress,
                None,
            )],
        )
    };
    let first = mock!(Client::get_pipeline_state).then_output(running);
    let throttled = mock!(Client::get_pipeline_state).then_error(|| {
        GetPipelineStateError::generic(
            ErrorMetadata::builder()
                .code("ThrottlingException")
                .message("Rate exceeded")
                .build(),
        )
    });
    let still_running = mock!(Client::get_pipeline_state).then_output(running);
    let failed = mock!(Client::get_pipeline_state).then_output(|| {
        state(
            StageExecutionStatus::Failed,
            vec![action(
                "S3DeleteBucketContents",
                ActionExecutionStatus::Failed,
                Some("exit status 1"),
            )],
        )
    });
    let cloud = cicd(Clients {
        codepipeline: mock_client!(
            aws_sdk_codepipeline,
            RuleMode::Sequential,
            &[&first, &throttled, &still_running, &failed],
            |c| c.retry_config(RetryConfig::disabled())
        ),
        ..support::unused_clients()
    });
    let mut watch = PipelineWatch::default();
    let initial = cloud.pipeline_state("regship-extensions").await.unwrap();
    assert_eq!(watch.update(&initial).len(), 1);
    let started = tokio::time::Instant::now();
    let mut reports = Vec::new();
    let success = follow_until_done(
        || cloud.pipeline_state("regship-extensions"),
        &mut watch,
        initial.poll_interval(),
        |report| reports.push(report),
    )
    .await
    .unwrap();
    assert!(!success, "the run failed");
    assert_eq!(reports.len(), 2, "{reports:?}");
    let FollowReport::Retrying { attempt, delay, .. } = &reports[0] else {
        panic!("first a retry: {reports:?}");
    };
    assert_eq!(*attempt, 1);
    assert!(
        *delay >= std::time::Duration::from_secs(5),
        "backs off at least the running interval: {delay:?}"
    );
    let FollowReport::Changed(change) = &reports[1] else {
        panic!("then the failure: {reports:?}");
    };
    assert_eq!(change.action.status.as_deref(), Some("Failed"));
    assert_eq!(
        change.action.error.as_deref(),
        Some("JobFailed: exit status 1")
    );
    // 5 s, the jittered backoff, then 5 s again (running): three sleeps, nothing more.
    let waited = started.elapsed();
    assert!(
        waited >= std::time::Duration::from_secs(15)
            && waited <= std::time::Duration::from_secs(20),
        "{waited:?}"
    );
}
