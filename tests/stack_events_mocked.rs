//! The StackEventPoller against the AWS adapter with aws-smithy-mocks sequences shaped like real
//! CloudFormation: multi-page histories, interleaved resources, a rollback, throttling, expiry.

mod support;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::config::retry::RetryConfig;
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::describe_stack_events::{
    DescribeStackEventsError, DescribeStackEventsOutput,
};
use aws_sdk_cloudformation::primitives::DateTime;
use aws_sdk_cloudformation::types::{ResourceStatus, StackEvent};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::config::{Stage, WorkspaceConfig};
use regship::watch::stack_events::{PollProblem, StackEventPoller, Start};

const STACK_ID: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/setup-Thing/0a1b2c3d";

fn event(n: u32, logical: &str, kind: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent::builder()
        .event_id(format!("{logical}-{status}-{n}"))
        .stack_id(STACK_ID)
        .stack_name("setup-Thing")
        .logical_resource_id(logical)
        .physical_resource_id(if logical == "setup-Thing" {
            STACK_ID.to_string()
        } else {
            format!("phys-{}", logical.to_lowercase())
        })
        .resource_type(kind)
        .resource_status(ResourceStatus::from(status))
        .set_resource_status_reason(reason.map(String::from))
        .timestamp(DateTime::from_secs(1_700_000_000 + i64::from(n)))
        .build()
}

fn stack(n: u32, status: &str, reason: Option<&str>) -> StackEvent {
    event(
        n,
        "setup-Thing",
        "AWS::CloudFormation::Stack",
        status,
        reason,
    )
}

/// A rule answering one DescribeStackEvents call with `events` (given oldest first) and a token.
fn page(oldest_first: Vec<StackEvent>, next_token: Option<&str>) -> Rule {
    let token = next_token.map(String::from);
    mock!(Client::describe_stack_events).then_output(move || {
        DescribeStackEventsOutput::builder()
            .set_stack_events(Some(oldest_first.iter().rev().cloned().collect()))
            .set_next_token(token.clone())
            .build()
    })
}

fn error(code: &'static str, message: &'static str) -> Rule {
    mock!(Client::describe_stack_events).then_error(move || {
        DescribeStackEventsError::generic(
            ErrorMetadata::builder().code(code).message(message).build(),
        )
    })
}

fn cloud(rules: &[Rule]) -> std::sync::Arc<AwsCloud> {
    let cloudformation = mock_client!(aws_sdk_cloudformation, RuleMode::Sequential, rules, |c| c
        .retry_config(RetryConfig::disabled()));
    let context = StageContext::new(
        &WorkspaceConfig::default(),
        Stage::Sandbox,
        &Overrides {
            profile: Some("dev".into()),
            ..Overrides::default()
        },
    );
    std::sync::Arc::new(AwsCloud::from_clients(
        context,
        Clients {
            cloudformation,
            ..support::unused_clients()
        },
    ))
}

fn ids(events: &[regship::cloud::StackEvent]) -> Vec<String> {
    events.iter().map(|e| e.event_id.clone()).collect()
}

#[tokio::test]
async fn multi_page_history_then_one_call_per_poll() {
    let history: Vec<StackEvent> = (0..150)
        .map(|n| {
            event(
                n,
                &format!("Param{n}"),
                "AWS::SSM::Parameter",
                "CREATE_COMPLETE",
                None,
            )
        })
        .collect();
    let newer = vec![
        stack(200, "UPDATE_IN_PROGRESS", Some("User Initiated")),
        event(
            201,
            "Param1",
            "AWS::SSM::Parameter",
            "UPDATE_IN_PROGRESS",
            None,
        ),
    ];
    let mut second_read: Vec<StackEvent> = history[100..].to_vec();
    second_read.extend(newer.clone());
    let rules = [
        page(history[50..].to_vec(), Some("page-2")), // newest 100 first
        page(history[..50].to_vec(), None),
        page(second_read, Some("older")), // holds the 2 new events and old ones: no second page
    ];
    let mut poller = StackEventPoller::new(cloud(&rules), "setup-Thing", Start::Beginning, 1_000);
    let first = poller.poll().await;
    assert_eq!(first.calls, 2);
    assert_eq!(first.new_events.len(), 150);
    assert_eq!(
        first.new_events[0].event_id, "Param0-CREATE_COMPLETE-0",
        "oldest first"
    );
    assert_eq!(
        poller.watch.stack, STACK_ID,
        "switches to the stack id after the first read"
    );
    let second = poller.poll().await;
    assert_eq!(second.calls, 1, "reads only back to the last event seen");
    assert_eq!(
        ids(&second.new_events),
        [
            "setup-Thing-UPDATE_IN_PROGRESS-200",
            "Param1-UPDATE_IN_PROGRESS-201"
        ]
    );
    assert_eq!(second.delay, poller.policy.active, "fast while in progress");
    assert_eq!(poller.watch.counts().in_progress, 1);
    assert_eq!(poller.watch.counts().complete, 149);
    assert!(rules.iter().all(|rule| rule.num_calls() == 1));
}

#[tokio::test]
async fn interleaved_resources_and_a_rollback_pin_the_failure() {
    let operation = vec![
        stack(1, "CREATE_IN_PROGRESS", Some("User Initiated")),
        event(2, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", None),
        event(3, "Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", None),
        event(
            4,
            "Bucket",
            "AWS::S3::Bucket",
            "CREATE_IN_PROGRESS",
            Some("Resource creation Initiated"),
        ),
        event(
            5,
            "Role",
            "AWS::IAM::Role",
            "CREATE_FAILED",
            Some("User is not authorized to perform: iam:CreateRole"),
        ),
    ];
    let rollback = vec![
        event(6, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", None),
        stack(
            7,
            "ROLLBACK_IN_PROGRESS",
            Some("The following resource(s) failed to create: [Role]."),
        ),
        event(8, "Bucket", "AWS::S3::Bucket", "DELETE_IN_PROGRESS", None),
        event(9, "Role", "AWS::IAM::Role", "DELETE_COMPLETE", None),
        event(10, "Bucket", "AWS::S3::Bucket", "DELETE_COMPLETE", None),
        stack(11, "ROLLBACK_COMPLETE", None),
    ];
    let mut everything = operation.clone();
    everything.extend(rollback.clone());
    let rules = [
        page(operation.clone(), None),
        page(everything.clone(), None),
        page(everything, None),
    ];
    let mut poller =
        StackEventPoller::new(cloud(&rules), "setup-Thing", Start::LatestOperation, 1_000);
    poller.watch.expect_resources([
        ("Bucket".into(), "AWS::S3::Bucket".into()),
        ("Role".into(), "AWS::IAM::Role".into()),
        ("Queue".into(), "AWS::SQS::Queue".into()),
    ]);
    let first = poller.poll().await;
    assert_eq!(first.new_events.len(), 5);
    let counts = poller.watch.counts();
    assert_eq!(
        (counts.pending, counts.in_progress, counts.failed),
        (1, 1, 1)
    );
    assert_eq!(poller.watch.outcome(), None);
    let second = poller.poll().await;
    assert_eq!(second.new_events.len(), 6);
    assert_eq!(
        poller.watch.outcome(),
        Some(false),
        "ROLLBACK_COMPLETE is a failure"
    );
    assert_eq!(poller.watch.failures.len(), 1);
    let failure = &poller.watch.failures[0];
    assert_eq!(
        (failure.logical_id.as_str(), failure.physical_id.as_deref()),
        ("Role", Some("phys-role"))
    );
    assert!(failure.reason.contains("iam:CreateRole"));
    let third = poller.poll().await;
    assert!(third.new_events.is_empty());
    assert!(third.delay > poller.policy.active, "idle polls slow down");
    assert_eq!(
        poller.watch.failures.len(),
        1,
        "pinned once, kept after the rollback"
    );
}

#[tokio::test]
async fn latest_operation_stops_at_the_operation_start() {
    let older = vec![
        stack(1, "CREATE_IN_PROGRESS", None),
        event(2, "A", "AWS::SSM::Parameter", "CREATE_COMPLETE", None),
        stack(3, "CREATE_COMPLETE", None),
    ];
    let mut all = older.clone();
    all.extend([
        stack(4, "UPDATE_IN_PROGRESS", Some("User Initiated")),
        event(5, "A", "AWS::SSM::Parameter", "UPDATE_COMPLETE", None),
        stack(6, "UPDATE_COMPLETE", None),
    ]);
    let rules = [page(all, Some("more"))];
    let mut poller =
        StackEventPoller::new(cloud(&rules), "setup-Thing", Start::LatestOperation, 100);
    let report = poller.poll().await;
    assert_eq!(report.calls, 1, "the older page is not read");
    assert_eq!(report.new_events.len(), 3);
    assert_eq!(poller.watch.outcome(), Some(true));
}

#[tokio::test]
async fn throttling_backs_off_and_loses_nothing() {
    let first = vec![stack(1, "CREATE_IN_PROGRESS", None)];
    let mut later = first.clone();
    later.extend([
        event(2, "A", "AWS::SSM::Parameter", "CREATE_IN_PROGRESS", None),
        event(3, "A", "AWS::SSM::Parameter", "CREATE_COMPLETE", None),
    ]);
    let mut last = later.clone();
    last.push(stack(4, "CREATE_COMPLETE", None));
    let rules = [
        page(first, None),
        error("Throttling", "Rate exceeded"),
        error("Throttling", "Rate exceeded"),
        page(later, None),
        page(last, None),
    ];
    let mut poller = StackEventPoller::new(cloud(&rules), "setup-Thing", Start::Beginning, 100);
    let mut seen = ids(&poller.poll().await.new_events);
    let throttled = poller.poll().await;
    let Some(PollProblem::Retrying { error, attempt: 1 }) = &throttled.problem else {
        panic!("{throttled:?}")
    };
    assert!(error.message.contains("throttled"), "{error:?}");
    let again = poller.poll().await;
    assert!(matches!(
        again.problem,
        Some(PollProblem::Retrying { attempt: 2, .. })
    ));
    assert!(again.delay >= poller.policy.active, "backs off");
    seen.extend(ids(&poller.poll().await.new_events));
    seen.extend(ids(&poller.poll().await.new_events));
    assert_eq!(seen.len(), 4);
    let mut sorted = seen.clone();
    sorted.sort_by_key(|id| id.rsplit('-').next().unwrap().parse::<u32>().unwrap());
    assert_eq!(seen, sorted, "in order, each once");
    assert_eq!(poller.watch.outcome(), Some(true));
}

#[tokio::test]
async fn expired_credentials_stop_until_resumed() {
    let rules = [
        error(
            "ExpiredToken",
            "The security token included in the request is expired",
        ),
        page(vec![stack(1, "CREATE_COMPLETE", None)], None),
    ];
    let mut poller = StackEventPoller::new(cloud(&rules), "setup-Thing", Start::Beginning, 100);
    let report = poller.poll().await;
    let Some(PollProblem::Stopped(error)) = &report.problem else {
        panic!("{report:?}")
    };
    assert!(
        error.hint.contains("aws sso login --profile dev"),
        "{error:?}"
    );
    assert!(poller.is_stopped());
    assert_eq!(poller.poll().await.calls, 0, "no calls while stopped");
    poller.resume();
    assert_eq!(poller.poll().await.new_events.len(), 1);
}
