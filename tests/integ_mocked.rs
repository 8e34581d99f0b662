//! How `regship integ` classifies runs, with aws-smithy-mocks sequences shaped like real
//! CloudFormation: a create that fails on a resource (CREATE_FAILED with its reason, then
//! ROLLBACK_COMPLETE), an update that rolls back (UPDATE_ROLLBACK_COMPLETE), a delete that
//! fails (DELETE_FAILED), and throttling past the retries; for a prod and an alpha extension.

mod support;

use std::sync::Arc;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::config::retry::RetryConfig;
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::create_stack::CreateStackOutput;
use aws_sdk_cloudformation::operation::delete_stack::DeleteStackOutput;
use aws_sdk_cloudformation::operation::describe_stack_events::{
    DescribeStackEventsError, DescribeStackEventsOutput,
};
use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
use aws_sdk_cloudformation::operation::describe_type::DescribeTypeError;
use aws_sdk_cloudformation::operation::update_stack::UpdateStackOutput;
use aws_sdk_cloudformation::primitives::DateTime;
use aws_sdk_cloudformation::types::{ResourceStatus, Stack, StackEvent, StackStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::guard::AccountGuard;
use regship::cloud::{Cloud, Identity, StackEvent as Event};
use regship::config::Stage;
use regship::ops::integ::{IntegClass, IntegObserver, IntegResult, Pacer, run};
use regship::workspace::Workspace;

const FRESH: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/integ-fresh/1";
const KEEP: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/integ-keep/2";
const INTEG: &str = "Parameters:\n  IntegRevision:\n    Type: String\nResources:\n  Thing:\n    Type: AwsCommunity::S3::DeleteBucketContents\n    Properties:\n      BucketName: !Ref IntegRevision\n";

fn event(stack: &str, n: u32, logical: &str, status: &str, reason: Option<&str>) -> StackEvent {
    let is_stack = logical == "stack";
    StackEvent::builder()
        .event_id(format!("{stack}-{logical}-{status}-{n}"))
        .stack_id(stack)
        .stack_name(if stack == FRESH {
            "integ-fresh"
        } else {
            "integ-keep"
        })
        .logical_resource_id(if is_stack {
            if stack == FRESH {
                "integ-fresh"
            } else {
                "integ-keep"
            }
        } else {
            logical
        })
        .physical_resource_id(if is_stack {
            stack.to_string()
        } else {
            format!("phys-{logical}")
        })
        .resource_type(if is_stack {
            "AWS::CloudFormation::Stack"
        } else {
            "AwsCommunity::S3::DeleteBucketContents"
        })
        .resource_status(ResourceStatus::from(status))
        .set_resource_status_reason(reason.map(String::from))
        .timestamp(DateTime::from_secs(1_700_000_000 + i64::from(n)))
        .build()
}

/// One DescribeStackEvents answer: `oldest_first`, returned newest first.
fn events(oldest_first: Vec<StackEvent>) -> Rule {
    mock!(Client::describe_stack_events).then_output(move || {
        DescribeStackEventsOutput::builder()
            .set_stack_events(Some(oldest_first.iter().rev().cloned().collect()))
            .build()
    })
}

/// DescribeType finds no resource type of the name (nor, asked next, a hook): no version.
fn not_registered() -> Rule {
    mock!(Client::describe_type).then_error(|| {
        DescribeTypeError::generic(
            ErrorMetadata::builder()
                .code("TypeNotFoundException")
                .message("The type does not exist")
                .build(),
        )
    })
}

fn stacks(found: Vec<Stack>) -> Rule {
    mock!(Client::describe_stacks).then_output(move || {
        DescribeStacksOutput::builder()
            .set_stacks(Some(found.clone()))
            .build()
    })
}

/// One listing of the account's integration stacks (DescribeStacks without a name): `stack` in
/// `status`, or nothing when it is gone. A run reads a stack's events once a listing shows it
/// left the status its operation put it in.
fn listed(stack: &'static str, status: Option<StackStatus>) -> Rule {
    mock!(Client::describe_stacks).then_output(move || {
        let found = status.clone().map(|status| {
            Stack::builder()
                .stack_id(stack)
                .stack_name(match stack {
                    FRESH => "integ-fresh",
                    KEEP => "integ-keep",
                    _ => "integ-fail",
                })
                .stack_status(status)
                .creation_time(DateTime::from_secs(1_700_000_000))
                .build()
        });
        DescribeStacksOutput::builder()
            .set_stacks(Some(found.into_iter().collect()))
            .build()
    })
}

fn keep_stack() -> Stack {
    Stack::builder()
        .stack_id(KEEP)
        .stack_name("integ-keep-S3-DeleteBucketContents")
        .stack_status(StackStatus::CreateComplete)
        .creation_time(DateTime::from_secs(1_699_000_000))
        .build()
}

fn created(stack: &'static str) -> Rule {
    mock!(Client::create_stack)
        .then_output(move || CreateStackOutput::builder().stack_id(stack).build())
}

fn deleted() -> Rule {
    mock!(Client::delete_stack).then_output(|| DeleteStackOutput::builder().build())
}

/// The events of a fresh copy created cleanly, oldest first.
fn fresh_created() -> Vec<StackEvent> {
    vec![
        event(
            FRESH,
            1,
            "stack",
            "CREATE_IN_PROGRESS",
            Some("User Initiated"),
        ),
        event(FRESH, 2, "Thing", "CREATE_COMPLETE", None),
        event(FRESH, 3, "stack", "CREATE_COMPLETE", None),
    ]
}

/// The fresh copy created and deleted cleanly: its calls, from the listing of stale stacks on.
fn fresh_passes() -> Vec<Rule> {
    let history = fresh_created();
    let mut deleting = history.clone();
    deleting.push(event(
        FRESH,
        4,
        "stack",
        "DELETE_IN_PROGRESS",
        Some("User Initiated"),
    ));
    deleting.push(event(FRESH, 5, "Thing", "DELETE_COMPLETE", None));
    deleting.push(event(FRESH, 6, "stack", "DELETE_COMPLETE", None));
    vec![
        stacks(Vec::new()),
        created(FRESH),
        listed(FRESH, Some(StackStatus::CreateComplete)),
        events(history.clone()),
        events(history),
        deleted(),
        listed(FRESH, None),
        events(deleting),
    ]
}

/// A run observed by nobody: these tests read its result.
struct Quiet;
impl IntegObserver for Quiet {
    fn line(&mut self, _: &str) {}
    fn event(&mut self, _: &Event) {}
}

/// Runs the integration tests of the workspace's first extension in beta, on `rules`.
async fn run_first_extension(root: &std::path::Path, rules: Vec<Rule>) -> IntegResult {
    run_observed(root, rules, &mut Quiet).await
}

/// Runs the integration tests of the workspace's first extension in beta, on `rules`,
/// told to `observer`.
async fn run_observed(
    root: &std::path::Path,
    rules: Vec<Rule>,
    observer: &mut dyn IntegObserver,
) -> IntegResult {
    let workspace = Workspace::load(root);
    let context = StageContext::new(&workspace.config, Stage::Beta, &Overrides::default());
    let caller = Identity {
        account: "123456789012".into(),
        arn: "arn:aws:iam::123456789012:role/ci".into(),
    };
    let authorization = AccountGuard::default()
        .check_account(&context, &caller, "run integration tests")
        .unwrap();
    let cloudformation = mock_client!(aws_sdk_cloudformation, RuleMode::Sequential, &rules, |c| c
        .retry_config(RetryConfig::disabled()));
    let cloud: Arc<dyn Cloud> = Arc::new(AwsCloud::from_clients(
        context,
        Clients {
            cloudformation,
            ..support::unused_clients()
        },
    ));
    run(
        &cloud,
        &Pacer::default(),
        &authorization,
        &workspace.extensions[0],
        "r1",
        observer,
    )
    .await
}

async fn integ(rules: Vec<Rule>, maturity: &str) -> IntegResult {
    integ_observed(rules, maturity, &mut Quiet).await
}

async fn integ_observed(
    rules: Vec<Rule>,
    maturity: &str,
    observer: &mut dyn IntegObserver,
) -> IntegResult {
    let dir = support::example_workspace("123456789012");
    // One extension: the resource (or the hook below), whose calls the rules script.
    std::fs::remove_dir_all(dir.path().join("modules")).unwrap();
    std::fs::write(
        dir.path().join("regship.yml"),
        format!("namespace: AwsCommunity\naccounts:\n  beta: {{region: us-east-1, account_id: \"123456789012\"}}\nmaturity:\n  S3_DeleteBucketContents: {maturity}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path()
            .join("resources/S3_DeleteBucketContents/test/integ.yml"),
        INTEG,
    )
    .unwrap();
    run_observed(dir.path(), rules, observer).await
}

fn functional_failure() -> Vec<Rule> {
    let history = vec![
        event(
            FRESH,
            1,
            "stack",
            "CREATE_IN_PROGRESS",
            Some("User Initiated"),
        ),
        event(
            FRESH,
            2,
            "Thing",
            "CREATE_FAILED",
            Some(
                "Resource handler returned message: \"Access Denied (Service: S3, Status Code: 403)\"",
            ),
        ),
        event(FRESH, 3, "stack", "ROLLBACK_IN_PROGRESS", None),
        event(FRESH, 4, "Thing", "DELETE_COMPLETE", None),
        event(FRESH, 5, "stack", "ROLLBACK_COMPLETE", None),
    ];
    let mut deleting = history.clone();
    deleting.push(event(
        FRESH,
        6,
        "stack",
        "DELETE_IN_PROGRESS",
        Some("User Initiated"),
    ));
    deleting.push(event(FRESH, 7, "stack", "DELETE_COMPLETE", None));
    vec![
        not_registered(),
        not_registered(),
        stacks(Vec::new()),
        created(FRESH),
        listed(FRESH, Some(StackStatus::RollbackComplete)),
        events(history.clone()),
        events(history),
        deleted(),
        listed(FRESH, None),
        events(deleting),
    ]
}

#[tokio::test(start_paused = true)]
async fn a_failed_create_is_a_functional_failure_pinned_with_its_reason() {
    let result = integ(functional_failure(), "prod").await;
    assert_eq!(result.class, IntegClass::FunctionalFailure, "{result:#?}");
    assert!((result.blocks, result.allowed) == (true, false));
    let create = &result.stacks[0];
    assert_eq!(
        (create.operation, create.status.as_str()),
        ("create", "ROLLBACK_COMPLETE")
    );
    assert!(
        create.failures[0].reason.contains("Access Denied"),
        "{result:#?}"
    );
    assert!(
        result.reasons.iter().any(|r| r.contains("Access Denied")),
        "{result:#?}"
    );

    let alpha = integ(functional_failure(), "alpha").await;
    assert_eq!(alpha.class, IntegClass::FunctionalFailure);
    assert!((alpha.blocks, alpha.allowed) == (false, true), "{alpha:#?}");
}

fn compatibility_break() -> Vec<Rule> {
    let before = vec![event(KEEP, 1, "stack", "CREATE_COMPLETE", None)];
    let mut update = before.clone();
    update.push(event(
        KEEP,
        10,
        "stack",
        "UPDATE_IN_PROGRESS",
        Some("User Initiated"),
    ));
    update.push(event(
        KEEP,
        11,
        "Thing",
        "UPDATE_FAILED",
        Some("Resource handler returned message: \"KeyPrefix cannot change\""),
    ));
    update.push(event(
        KEEP,
        12,
        "stack",
        "UPDATE_ROLLBACK_IN_PROGRESS",
        None,
    ));
    update.push(event(KEEP, 13, "Thing", "UPDATE_COMPLETE", None));
    update.push(event(KEEP, 14, "stack", "UPDATE_ROLLBACK_COMPLETE", None));
    let mut rules = vec![not_registered(), not_registered()];
    rules.extend(fresh_passes());
    rules.extend([
        stacks(vec![keep_stack()]),
        events(before),
        mock!(Client::update_stack)
            .then_output(|| UpdateStackOutput::builder().stack_id(KEEP).build()),
        listed(KEEP, Some(StackStatus::UpdateRollbackComplete)),
        events(update),
    ]);
    rules
}

/// The lines a run prints, each with the paused clock's seconds since the run began.
struct Lines {
    began: tokio::time::Instant,
    lines: Vec<(u64, String)>,
}
impl IntegObserver for Lines {
    fn line(&mut self, text: &str) {
        self.lines
            .push((self.began.elapsed().as_secs(), text.to_string()));
    }
    fn event(&mut self, _: &Event) {}
}

#[tokio::test(start_paused = true)]
async fn a_create_quiet_for_thirty_seconds_prints_a_heartbeat_naming_what_is_in_progress() {
    let slow = [
        event(
            FRESH,
            1,
            "stack",
            "CREATE_IN_PROGRESS",
            Some("User Initiated"),
        ),
        event(FRESH, 2, "Thing", "CREATE_IN_PROGRESS", None),
    ];
    let mut rules = functional_failure();
    // After the create, listings show it in progress for a minute: its events are
    // read at 30 s (the first events, printed) and at 60 s (nothing new: a heartbeat), then a
    // listing shows it rolled back; its events as before.
    let in_progress = |times: usize| {
        mock!(Client::describe_stacks)
            .sequence()
            .output(|| {
                DescribeStacksOutput::builder()
                    .stacks(
                        Stack::builder()
                            .stack_id(FRESH)
                            .stack_name("integ-fresh")
                            .stack_status(StackStatus::CreateInProgress)
                            .creation_time(DateTime::from_secs(1_700_000_000))
                            .build(),
                    )
                    .build()
            })
            .times(times)
            .build()
    };
    let slow_read = || {
        let slow = slow.clone();
        mock!(Client::describe_stack_events).then_output(move || {
            DescribeStackEventsOutput::builder()
                .set_stack_events(Some(slow.iter().rev().cloned().collect()))
                .build()
        })
    };
    // functional_failure: not registered twice, the stale listing, the create, then its listing.
    // Listings come every LISTING_EVERY from the create on; the quiet reads at 30 s and 60 s.
    let every = Pacer::LISTING_EVERY.as_secs_f64();
    let listings_before = |seconds: f64| (seconds / every).ceil() as usize;
    let listing = 4;
    rules.splice(
        listing..listing,
        [
            in_progress(listings_before(30.0)),
            slow_read(),
            in_progress(listings_before(60.0) - listings_before(30.0)),
            slow_read(),
            in_progress(5),
        ],
    );
    let mut lines = Lines {
        began: tokio::time::Instant::now(),
        lines: Vec::new(),
    };
    let result = integ_observed(rules, "prod", &mut lines).await;
    assert_eq!(result.class, IntegClass::FunctionalFailure, "{result:#?}");
    let beats: Vec<&(u64, String)> = lines
        .lines
        .iter()
        .filter(|(_, line)| line.contains("still"))
        .collect();
    assert!(!beats.is_empty(), "{:#?}", lines.lines);
    for (_, line) in &beats {
        assert!(
            line.starts_with("integ-fresh: still CREATE_IN_PROGRESS after ")
                && line.ends_with(
                    "in progress at the last read: Thing (AwsCommunity::S3::DeleteBucketContents)"
                ),
            "{line}"
        );
    }
    assert!(
        beats.windows(2).all(|pair| pair[1].0 - pair[0].0 >= 30),
        "at most one every 30 s: {beats:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_rolled_back_update_is_a_compatibility_break() {
    let result = integ(compatibility_break(), "prod").await;
    assert_eq!(result.class, IntegClass::CompatibilityBreak, "{result:#?}");
    assert!(result.blocks);
    let update = result.stacks.last().unwrap();
    assert_eq!(
        (update.operation, update.status.as_str()),
        ("update", "UPDATE_ROLLBACK_COMPLETE")
    );
    assert!(
        update.failures[0]
            .reason
            .contains("KeyPrefix cannot change"),
        "{result:#?}"
    );

    let alpha = integ(compatibility_break(), "alpha").await;
    assert_eq!(alpha.class, IntegClass::CompatibilityBreak);
    assert!(
        alpha.allowed && !alpha.blocks,
        "an alpha extension may break compatibility"
    );
}

fn cleanup_failure() -> Vec<Rule> {
    let history = fresh_created();
    let mut deleting = history.clone();
    deleting.push(event(
        FRESH,
        4,
        "stack",
        "DELETE_IN_PROGRESS",
        Some("User Initiated"),
    ));
    deleting.push(event(
        FRESH,
        5,
        "Thing",
        "DELETE_FAILED",
        Some("The bucket you tried to delete is not empty"),
    ));
    deleting.push(event(
        FRESH,
        6,
        "stack",
        "DELETE_FAILED",
        Some("The following resource(s) failed to delete: [Thing]."),
    ));
    vec![
        not_registered(),
        not_registered(),
        stacks(Vec::new()),
        created(FRESH),
        listed(FRESH, Some(StackStatus::CreateComplete)),
        events(history.clone()),
        events(history),
        deleted(),
        listed(FRESH, Some(StackStatus::DeleteFailed)),
        events(deleting),
    ]
}

#[tokio::test(start_paused = true)]
async fn a_failed_delete_is_a_cleanup_failure_even_for_alpha() {
    for maturity in ["prod", "alpha"] {
        let result = integ(cleanup_failure(), maturity).await;
        assert_eq!(result.class, IntegClass::CleanupFailure, "{result:#?}");
        assert!(
            result.blocks && !result.allowed,
            "{maturity}: a leftover stack always blocks"
        );
        assert!(
            result.reasons.iter().any(|r| r
                .contains("integ-fresh-S3-DeleteBucketContents-r1: delete ended DELETE_FAILED"))
                && result.reasons.iter().any(|r| r
                    .contains("Thing (AwsCommunity::S3::DeleteBucketContents)")
                    && r.contains("not empty")),
            "the stack and its resource are named: {result:#?}"
        );
    }
}

#[tokio::test(start_paused = true)]
async fn throttling_past_the_retries_is_an_infrastructure_error() {
    let throttled = || {
        mock!(Client::describe_stack_events).then_error(|| {
            DescribeStackEventsError::generic(
                ErrorMetadata::builder()
                    .code("Throttling")
                    .message("Rate exceeded")
                    .build(),
            )
        })
    };
    for maturity in ["prod", "alpha"] {
        let mut rules = vec![
            not_registered(),
            not_registered(),
            stacks(Vec::new()),
            created(FRESH),
            listed(FRESH, Some(StackStatus::CreateComplete)),
        ];
        rules.extend((0..6).map(|_| throttled()));
        let result = integ(rules, maturity).await;
        assert_eq!(result.class, IntegClass::InfrastructureError, "{result:#?}");
        assert!(result.blocks, "{maturity}");
        assert!(result.reasons[0].contains("throttled"), "{result:#?}");
    }
}

const FAIL: &str = "arn:aws:cloudformation:us-east-1:123456789012:stack/integ-fail/3";

fn configured(configuration: &'static str, calls: Arc<std::sync::atomic::AtomicUsize>) -> Rule {
    mock!(Client::set_type_configuration)
        .match_requests(move |request| request.configuration() == Some(configuration))
        .then_output(move || {
            calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            aws_sdk_cloudformation::operation::set_type_configuration::SetTypeConfigurationOutput::builder().build()
        })
}

/// The calls of a hook's run whose integ-fail is stopped (`stopped`) or let through.
fn hook_rules(
    stopped: bool,
    applied: Arc<std::sync::atomic::AtomicUsize>,
    undone: Arc<std::sync::atomic::AtomicUsize>,
) -> Vec<Rule> {
    let fail_history = if stopped {
        vec![
            event(
                FAIL,
                1,
                "stack",
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(
                FAIL,
                2,
                "Thing",
                "CREATE_FAILED",
                Some("The following hook(s)/validation failed: [AwsCommunity::Bucket::Guard]"),
            ),
            event(FAIL, 3, "stack", "ROLLBACK_COMPLETE", None),
        ]
    } else {
        vec![
            event(
                FAIL,
                1,
                "stack",
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(FAIL, 2, "stack", "CREATE_COMPLETE", None),
        ]
    };
    let mut fail_deleting = fail_history.clone();
    fail_deleting.push(event(FAIL, 9, "stack", "DELETE_COMPLETE", None));
    let mut rules = vec![
        not_registered(),
        not_registered(),
        configured(
            "{\"CloudFormationConfiguration\": {\"HookConfiguration\": {\"TargetStacks\": \"ALL\"}}}",
            applied,
        ),
    ];
    rules.extend(fresh_passes());
    rules.extend([
        created(FAIL),
        listed(
            FAIL,
            Some(if stopped {
                StackStatus::RollbackComplete
            } else {
                StackStatus::CreateComplete
            }),
        ),
        events(fail_history.clone()),
        events(fail_history),
        deleted(),
        listed(FAIL, None),
        events(fail_deleting),
    ]);
    if stopped {
        rules.extend([
            stacks(Vec::new()),
            created(KEEP),
            listed(KEEP, Some(StackStatus::CreateComplete)),
            events(vec![
                event(
                    KEEP,
                    1,
                    "stack",
                    "CREATE_IN_PROGRESS",
                    Some("User Initiated"),
                ),
                event(KEEP, 2, "stack", "CREATE_COMPLETE", None),
            ]),
        ]);
    }
    rules.push(configured(
        "{\"CloudFormationConfiguration\": {\"HookConfiguration\": {\"TargetStacks\": \"NONE\"}}}",
        undone,
    ));
    rules
}

async fn hook_integ(rules: Vec<Rule>) -> IntegResult {
    let dir = support::example_workspace("123456789012");
    // One extension: the resource (or the hook below), whose calls the rules script.
    std::fs::remove_dir_all(dir.path().join("modules")).unwrap();
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: AwsCommunity\naccounts:\n  beta: {region: us-east-1, account_id: \"123456789012\"}\n",
    )
    .unwrap();
    std::fs::remove_dir_all(dir.path().join("resources")).unwrap();
    let hook = dir.path().join("hooks/Bucket_Guard");
    std::fs::create_dir_all(hook.join("test")).unwrap();
    std::fs::write(
        hook.join(".rpdk-config"),
        r#"{"typeName": "AwsCommunity::Bucket::Guard", "language": "java", "artifact_type": "HOOK"}"#,
    )
    .unwrap();
    std::fs::write(hook.join("test/integ-succeed.yml"), "Resources:\n  Thing:\n    Type: AWS::S3::Bucket\n    Properties:\n      VersioningConfiguration: {Status: Enabled}\n").unwrap();
    std::fs::write(
        hook.join("test/integ-fail.yml"),
        "Resources:\n  Thing:\n    Type: AWS::S3::Bucket\n",
    )
    .unwrap();
    std::fs::write(
        hook.join("test/configuration.json"),
        "{\"CloudFormationConfiguration\": {\"HookConfiguration\": {\"TargetStacks\": \"ALL\"}}}",
    )
    .unwrap();
    std::fs::write(
        hook.join("test/configuration-undo.json"),
        "{\"CloudFormationConfiguration\": {\"HookConfiguration\": {\"TargetStacks\": \"NONE\"}}}",
    )
    .unwrap();
    run_first_extension(dir.path(), rules).await
}

/// A hook: its configuration applied, integ-succeed created and deleted, integ-fail stopped by
/// the hook (named in the failure), the long-lived copy created, the configuration undone;
/// when the hook lets integ-fail through, that is a functional failure and the undo still runs.
#[tokio::test(start_paused = true)]
async fn a_hook_must_stop_integ_fail_and_its_configuration_is_restored() {
    let (applied, undone) = (Arc::default(), Arc::default());
    let result = hook_integ(hook_rules(true, Arc::clone(&applied), Arc::clone(&undone))).await;
    assert_eq!(result.class, IntegClass::Passed, "{result:#?}");
    let count =
        |c: &Arc<std::sync::atomic::AtomicUsize>| c.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((count(&applied), count(&undone)), (1, 1));

    let (applied, undone) = (Arc::default(), Arc::default());
    let result = hook_integ(hook_rules(false, Arc::clone(&applied), Arc::clone(&undone))).await;
    assert_eq!(result.class, IntegClass::FunctionalFailure, "{result:#?}");
    assert!(
        result.reasons.iter().any(|r| r.contains("did not stop it")),
        "{result:#?}"
    );
    assert_eq!(
        count(&undone),
        1,
        "the configuration is restored after a failure too"
    );
}
