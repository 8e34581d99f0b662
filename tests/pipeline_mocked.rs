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
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
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
