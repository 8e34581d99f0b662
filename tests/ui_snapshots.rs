//! Every view rendered to a TestBackend at 80x24 and 160x48 (and the narrowest, 60x15),
//! including empty, loading, error and failure-pinned states.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use regship::app::{
    self, AppState, CfnVerb, ChangePlan, Dialog, ExtensionView, Input, JobStatus, JobView,
    Loadable, PlanKind, TaskResult, ViewKind,
};
use regship::app::{
    AccountsResult, BetaResult, BoardResult, EventsResult, PipelineResult, RolloutResult,
    WorkspaceResult,
};
use regship::checks::{Finding, Severity};
use regship::cloud::accounts::{AccountRow, CredentialState};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::guard::AccountGuard;
use regship::cloud::{Export, Identity, ResourceChange, StackEvent, StackOutput};
use regship::commands::list::ExtensionRow;
use regship::config::{Maturity, Stage, WorkspaceConfig};
use regship::ops::integ::{IntegClass, PastRun, beta_rows};
use regship::ops::package::Upload;
use regship::ui::keymap::Keymap;
use regship::ui::theme::Theme;
use regship::workspace::ArtifactType;

const NOW: i64 = 1_700_000_060_000;

fn extension(folder: &str, type_name: &str, errors: usize) -> ExtensionView {
    let findings = (0..errors)
        .map(|_| Finding {
            code: "INP014",
            severity: Severity::Error,
            extension: Some(folder.into()),
            file: format!("{folder}/inputs/inputs_1_create.json"),
            line: Some(2),
            message: "`Missing` is not exported by test/setup.yml".into(),
            hint: "add an Output with Export: {Name: Missing} to test/setup.yml".into(),
        })
        .collect();
    ExtensionView {
        row: ExtensionRow {
            folder: folder.into(),
            type_name: Some(type_name.into()),
            kind: ArtifactType::Resource,
            language: Some("python311".into()),
            maturity: if errors > 0 {
                Maturity::Alpha
            } else {
                Maturity::Prod
            },
            input_sets: 1,
            setup: true,
            integ: errors == 0,
            errors,
            warnings: 0,
        },
        files: vec![
            format!("{folder}/.rpdk-config"),
            format!("{folder}/inputs/inputs_1_create.json"),
            format!("{folder}/test/setup.yml"),
        ],
        findings,
        references: vec![
            (
                format!("{folder}/inputs/inputs_1_create.json"),
                "AwsCommunityS3DeleteBucketContentsBucket".into(),
            ),
            (
                format!("{folder}/inputs/inputs_1_update.json"),
                "Missing".into(),
            ),
        ],
        setup_stack: format!(
            "setup-{}",
            folder.rsplit('/').next().unwrap().replace('_', "-")
        ),
    }
}

fn state() -> AppState {
    let mut state = AppState::new("community-registry-extensions", Stage::Sandbox);
    state.now_ms = NOW;
    state.profile = Some("sandbox".into());
    state.region = Some("us-east-1".into());
    state.endpoint_url = Some("http://127.0.0.1:5000".into());
    app::update(
        &mut state,
        TaskResult::new(
            0,
            WorkspaceResult::Loaded(Ok(vec![
                extension(
                    "resources/S3_DeleteBucketContents",
                    "AwsCommunity::S3::DeleteBucketContents",
                    0,
                ),
                extension(
                    "resources/SQS_QueuePolicy",
                    "AwsCommunity::SQS::QueuePolicy",
                    2,
                ),
                extension(
                    "hooks/S3_BucketVersioningEnabled",
                    "AwsCommunity::S3::BucketVersioningEnabled",
                    0,
                ),
            ])),
        ),
    );
    state
}

fn render(state: &AppState, width: u16, height: u16) -> TestBackend {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| {
            regship::ui::draw(
                frame,
                state,
                &Theme::default_theme(),
                &Keymap::default_keymap(),
            )
        })
        .unwrap();
    terminal.backend().clone()
}

/// Snapshots of `state` at 80x24 and 160x48, whose key hints end with a whole hint (those that
/// do not fit give way to the help key) rather than a cut one.
fn snapshot(name: &str, state: &AppState) {
    for (width, height) in [(80, 24), (160, 48)] {
        let backend = render(state, width, height);
        let footer: String = (0..width)
            .map(|x| backend.buffer()[(x, height - 1)].symbol().to_string())
            .collect();
        assert!(
            footer.ends_with(' '),
            "the key hints are cut at {width} columns: {footer:?}"
        );
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), backend);
    }
}

fn account(stage: Stage, state: CredentialState, matches: Option<bool>) -> AccountRow {
    AccountRow {
        stage,
        profile: Some(stage.name().into()),
        region: Some("us-east-1".into()),
        expected_account: Some("123456789012".into()),
        caller: (state == CredentialState::Ok || state == CredentialState::WrongAccount).then(
            || Identity {
                account: if matches == Some(false) {
                    "999999999999".into()
                } else {
                    "123456789012".into()
                },
                arn: "arn".into(),
            },
        ),
        matches,
        state,
        region_source: None,
        credentials_source: None,
        message: (state == CredentialState::Expired)
            .then(|| "the credentials of profile beta (beta) expired".into()),
        hint: match state {
            CredentialState::Expired => {
                Some("run `aws sso login --profile beta`, then retry (in the TUI: press r)".into())
            }
            CredentialState::WrongAccount => Some("this profile is not the cicd account".into()),
            _ => None,
        },
        warning: None,
    }
}

fn event(n: i64, logical: &str, kind: &str, status: &str, reason: Option<&str>) -> StackEvent {
    StackEvent {
        event_id: format!("e{n}"),
        stack_id:
            "arn:aws:cloudformation:us-east-1:123456789012:stack/setup-S3-DeleteBucketContents/1"
                .into(),
        stack_name: "setup-S3-DeleteBucketContents".into(),
        logical_id: logical.into(),
        physical_id: Some(format!("phys-{}", logical.to_lowercase())),
        resource_type: kind.into(),
        status: status.into(),
        reason: reason.map(String::from),
        timestamp_ms: 1_700_000_000_000 + n * 1000,
    }
}

fn following(state: &mut AppState, events: Vec<StackEvent>) {
    app::update(state, Input::CommandMode);
    for c in "events setup-S3-DeleteBucketContents".chars() {
        app::update(state, Input::InputChar(c));
    }
    app::update(state, Input::InputSubmit);
    let generation = state.generation;
    if !events.is_empty() {
        app::update(
            state,
            TaskResult::new(
                generation,
                EventsResult::Polled {
                    events,
                    problem: None,
                    stopped: false,
                },
            ),
        );
    }
    state.notice = None;
}

fn plan(stage: Stage) -> ChangePlan {
    let config = WorkspaceConfig::parse("accounts:\n  sandbox: {account_id: \"123456789012\"}\n  cicd: {account_id: \"123456789012\"}\n  prod: {account_id: \"123456789012\"}\n", "r").unwrap();
    let context = StageContext::new(&config, stage, &Overrides::default());
    let caller = Identity {
        account: "123456789012".into(),
        arn: "arn".into(),
    };
    ChangePlan {
        folder: "resources/S3_DeleteBucketContents".into(),
        target: "setup-S3-DeleteBucketContents".into(),
        stack_id: "arn:stack/1".into(),
        region: "us-east-1".into(),
        authorization: AccountGuard::default()
            .check_account(&context, &caller, "deploy")
            .unwrap(),
        kind: PlanKind::Deploy {
            change_set_id: "cs".into(),
            create: false,
            changes: vec![
                ResourceChange {
                    action: "Add".into(),
                    logical_id: "Queue".into(),
                    resource_type: "AWS::SQS::Queue".into(),
                    replacement: None,
                },
                ResourceChange {
                    action: "Modify".into(),
                    logical_id: "Bucket".into(),
                    resource_type: "AWS::S3::Bucket".into(),
                    replacement: Some("True".into()),
                },
                ResourceChange {
                    action: "Remove".into(),
                    logical_id: "Topic".into(),
                    resource_type: "AWS::SNS::Topic".into(),
                    replacement: None,
                },
            ],
            uploads: vec![
                Upload {
                    source: "handler/".into(),
                    uri: "s3://regship-artifacts-111111111111-us-east-1/5f2b.zip".into(),
                    bytes: 1_240,
                    uploaded: true,
                },
                Upload {
                    source: "policy.json".into(),
                    uri: "s3://regship-artifacts-111111111111-us-east-1/9ac1.json".into(),
                    bytes: 312,
                    uploaded: false,
                },
            ],
        },
    }
}

#[test]
fn resources_views() {
    let mut loading = AppState::new("repo", Stage::Sandbox);
    loading.now_ms = NOW;
    snapshot("resources_loading", &loading);
    let mut empty = loading.clone();
    app::update(
        &mut empty,
        TaskResult::new(0, WorkspaceResult::Loaded(Ok(Vec::new()))),
    );
    snapshot("resources_empty", &empty);
    let mut failed = loading.clone();
    app::update(
        &mut failed,
        TaskResult::new(
            0,
            WorkspaceResult::Loaded(Err(
                "the workspace could not be read: permission denied".into()
            )),
        ),
    );
    snapshot("resources_error", &failed);
    let mut listed = state();
    app::update(&mut listed, Input::Down);
    snapshot("resources", &listed);
    let narrow = render(&listed, 60, 15);
    insta::assert_snapshot!("resources_60x15", narrow);
    let mut filtered = state();
    app::update(&mut filtered, Input::Filter);
    for c in "sqs".chars() {
        app::update(&mut filtered, Input::InputChar(c));
    }
    snapshot("resources_filtering", &filtered);
}

#[test]
fn resource_detail_views() {
    let mut detail = state();
    app::update(&mut detail, Input::Down);
    app::update(&mut detail, Input::Open);
    snapshot("detail_loading_exports", &detail);
    let generation = detail.generation;
    app::update(
        &mut detail,
        TaskResult::new(
            generation,
            AccountsResult::ExportsLoaded(Ok(vec![Export {
                name: "AwsCommunityS3DeleteBucketContentsBucket".into(),
                value: "setup-bucket-1a2b".into(),
                exporting_stack_id: "s".into(),
            }])),
        ),
    );
    detail.now_ms = NOW + 3_000;
    snapshot("detail", &detail);
    app::update(
        &mut detail,
        TaskResult::new(
            generation,
            AccountsResult::ExportsLoaded(Err(regship::cloud::CloudError::new(
                regship::cloud::CloudErrorKind::Service,
                "ListExports: access denied in the sandbox account",
                "",
            ))),
        ),
    );
    snapshot("detail_exports_error", &detail);
}

#[test]
fn accounts_views() {
    let mut accounts = state();
    let commands = app::update(&mut accounts, Input::Show(ViewKind::Accounts));
    assert!(!commands.is_empty());
    snapshot("accounts_loading", &accounts);
    let generation = accounts.generation;
    for row in [
        account(Stage::Sandbox, CredentialState::Ok, Some(true)),
        account(Stage::Cicd, CredentialState::WrongAccount, Some(false)),
        account(Stage::Beta, CredentialState::Expired, None),
    ] {
        app::update(
            &mut accounts,
            TaskResult::new(generation, AccountsResult::Checked(row)),
        );
    }
    snapshot("accounts", &accounts);
}

#[test]
fn events_views() {
    let mut nothing = state();
    app::update(&mut nothing, Input::Show(ViewKind::Events));
    snapshot("events_empty", &nothing);

    let mut waiting = state();
    following(&mut waiting, Vec::new());
    snapshot("events_loading", &waiting);

    let mut failed = state();
    following(
        &mut failed,
        vec![
            event(
                0,
                "setup-S3-DeleteBucketContents",
                "AWS::CloudFormation::Stack",
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(1, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", None),
            event(2, "Role", "AWS::IAM::Role", "CREATE_IN_PROGRESS", None),
            event(
                3,
                "Role",
                "AWS::IAM::Role",
                "CREATE_FAILED",
                Some(
                    "User: arn:aws:sts::123456789012:assumed-role/dev is not authorized to perform: iam:CreateRole",
                ),
            ),
            event(4, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", None),
            event(
                5,
                "setup-S3-DeleteBucketContents",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_IN_PROGRESS",
                Some("The following resource(s) failed to create: [Role]."),
            ),
            event(6, "Bucket", "AWS::S3::Bucket", "DELETE_COMPLETE", None),
            event(7, "Role", "AWS::IAM::Role", "DELETE_COMPLETE", None),
            event(
                8,
                "setup-S3-DeleteBucketContents",
                "AWS::CloudFormation::Stack",
                "ROLLBACK_COMPLETE",
                None,
            ),
        ],
    );
    snapshot("events_failure_pinned", &failed);

    let mut succeeded = state();
    following(
        &mut succeeded,
        vec![
            event(
                0,
                "setup-S3-DeleteBucketContents",
                "AWS::CloudFormation::Stack",
                "CREATE_IN_PROGRESS",
                Some("User Initiated"),
            ),
            event(1, "Bucket", "AWS::S3::Bucket", "CREATE_IN_PROGRESS", None),
            event(2, "Bucket", "AWS::S3::Bucket", "CREATE_COMPLETE", None),
            event(
                3,
                "setup-S3-DeleteBucketContents",
                "AWS::CloudFormation::Stack",
                "CREATE_COMPLETE",
                None,
            ),
        ],
    );
    let generation = succeeded.generation;
    app::update(
        &mut succeeded,
        TaskResult::new(
            generation,
            EventsResult::OutputsLoaded {
                outputs: vec![StackOutput {
                    key: "BucketName".into(),
                    value: "setup-bucket-1a2b".into(),
                    export_name: Some("AwsCommunityS3DeleteBucketContentsBucket".into()),
                }],
                exports: vec![Export {
                    name: "AwsCommunityS3DeleteBucketContentsBucket".into(),
                    value: "setup-bucket-1a2b".into(),
                    exporting_stack_id: "s".into(),
                }],
            },
        ),
    );
    snapshot("events_complete_with_exports", &succeeded);

    let mut throttled = state();
    following(
        &mut throttled,
        vec![event(
            0,
            "setup-S3-DeleteBucketContents",
            "AWS::CloudFormation::Stack",
            "UPDATE_IN_PROGRESS",
            None,
        )],
    );
    let generation = throttled.generation;
    app::update(
        &mut throttled,
        TaskResult::new(generation, EventsResult::Polled { events: Vec::new(), problem: Some("DescribeStackEvents: throttled by AWS (Throttling: Rate exceeded) (attempt 2); retrying in 5s".into()), stopped: false }),
    );
    app::update(&mut throttled, Input::Up);
    snapshot("events_throttled_paused", &throttled);
}

#[test]
fn jobs_views() {
    let mut none = state();
    app::update(&mut none, Input::Show(ViewKind::Jobs));
    snapshot("jobs_empty", &none);
    let mut jobs = none.clone();
    jobs.jobs = vec![
        JobView {
            id: 1,
            title: "cfn validate · resources/S3_DeleteBucketContents".into(),
            lines: ["Resource schema is valid.".to_string()].into(),
            status: JobStatus::Exited(0),
            verb: CfnVerb::Validate,
            folder: "resources/S3_DeleteBucketContents".into(),
            started_ms: NOW,
            summary: Default::default(),
        },
        JobView {
            id: 2,
            title: "cfn validate · resources/SQS_QueuePolicy".into(),
            lines: [
                "Validating your resource specification...".to_string(),
                "Resource schema is invalid: 'properties' is a required property".to_string(),
            ]
            .into(),
            status: JobStatus::Exited(1),
            verb: CfnVerb::Validate,
            folder: "resources/SQS_QueuePolicy".into(),
            started_ms: NOW,
            summary: Default::default(),
        },
        JobView {
            id: 3,
            title: "cfn validate · hooks/S3_BucketVersioningEnabled".into(),
            lines: Default::default(),
            status: JobStatus::Running,
            verb: CfnVerb::Validate,
            folder: "hooks/S3_BucketVersioningEnabled".into(),
            started_ms: NOW,
            summary: Default::default(),
        },
    ];
    app::update(&mut jobs, Input::Down);
    snapshot("jobs", &jobs);
    let output = "$ cfn test --region us-east-1 --profile sandbox -- -v -ra\nhandler_create.py::contract_create_read PASSED\nhandler_create.py::contract_create_delete FAILED\nFAILED handler_create.py::contract_create_delete - AssertionError: the bucket was not emptied\n===== 1 failed, 1 passed in 41.20s =====";
    let mut tested = jobs.clone();
    tested.jobs.push(JobView {
        id: 4,
        title: "cfn test · resources/S3_DeleteBucketContents".into(),
        lines: output.lines().map(String::from).collect(),
        status: JobStatus::Exited(1),
        verb: CfnVerb::Test,
        folder: "resources/S3_DeleteBucketContents".into(),
        started_ms: NOW,
        summary: regship::jobs::contract_tests::Summary::parse(output),
    });
    app::update(&mut tested, Input::Bottom);
    snapshot("jobs_contract_tests", &tested);
}

#[test]
fn overlays() {
    let mut help = state();
    app::update(&mut help, Input::Help);
    snapshot("help", &help);
    let mut confirm = state();
    confirm.dialog = Some(Dialog::Confirm {
        plan: Box::new(plan(Stage::Sandbox)),
        yes: false,
        typed: String::new(),
    });
    snapshot("confirm_deploy", &confirm);
    let mut prod = state();
    prod.stage = Stage::Prod;
    prod.read_only = true;
    prod.dialog = Some(Dialog::Confirm {
        plan: Box::new(plan(Stage::Prod)),
        yes: false,
        typed: "1234".into(),
    });
    snapshot("confirm_prod", &prod);
    let mut command = state();
    app::update(&mut command, Input::CommandMode);
    for c in "stage be".chars() {
        app::update(&mut command, Input::InputChar(c));
    }
    snapshot("command_line", &command);
    let mut scaffold = state();
    let dir = tempfile::tempdir().unwrap();
    let existing = dir.path().join("inputs_1_create.json");
    std::fs::write(&existing, "{\n  \"BucketName\": \"mine\"\n}\n").unwrap();
    let mut plan = regship::scaffold::Plan::default();
    plan.write(
        existing,
        "resources/S3_DeleteBucketContents/inputs/inputs_1_create.json".into(),
        "{\n  \"BucketName\": \"{{AwsCommunityS3DeleteBucketContentsBucket}}\"\n}\n".into(),
    );
    plan.notes.push(
        "no property can be updated (all are createOnly or readOnly): no update input".into(),
    );
    scaffold.dialog = Some(Dialog::Scaffold { plan, yes: false });
    snapshot("scaffold_dialog", &scaffold);
    let mut busy = state();
    busy.accounts.insert(Stage::Sandbox, Loadable::Loading);
    busy.dialog = Some(Dialog::Busy(
        "planning the setup of resources/S3_DeleteBucketContents: checking the account".into(),
    ));
    snapshot("busy", &busy);
}

fn pipeline(build: &str, error: Option<&str>) -> regship::app::PipelineView {
    use regship::cloud::{PipelineActionState, PipelineExecution, PipelineStage, PipelineState};
    let action = |name: &str, status: &str, error: Option<&str>| PipelineActionState {
        name: name.into(),
        status: Some(status.into()),
        summary: None,
        last_change_ms: Some(1_700_000_030_000),
        external_id: Some(format!("{name}Project:0b1c")),
        error: error.map(String::from),
    };
    regship::app::PipelineView {
        state: PipelineState {
            name: "regship-extensions".into(),
            stages: vec![
                PipelineStage {
                    name: "Source".into(),
                    status: Some("Succeeded".into()),
                    execution_id: Some("e1".into()),
                    actions: vec![action("GitHub", "Succeeded", None)],
                },
                PipelineStage {
                    name: "Build".into(),
                    status: Some(build.into()),
                    execution_id: Some("e1".into()),
                    actions: vec![
                        action("S3DeleteBucketContents", build, error),
                        action("SQSQueuePolicy", "Succeeded", None),
                    ],
                },
            ],
        },
        executions: vec![
            PipelineExecution {
                id: "e2".into(),
                status: build.into(),
                trigger: Some("Webhook".into()),
                start_ms: Some(1_700_000_000_000),
                last_update_ms: Some(1_700_000_245_000),
                revision: Some("9f8e7d6c5b".into()),
                revision_summary: Some("Add SQS queue policy\n\nlong body".into()),
            },
            PipelineExecution {
                id: "e1".into(),
                status: "Superseded".into(),
                trigger: Some("Webhook".into()),
                start_ms: Some(1_699_999_000_000),
                last_update_ms: Some(1_699_999_300_000),
                revision: Some("1a2b3c4d".into()),
                revision_summary: Some("Fix inputs".into()),
            },
        ],
        extensions: vec![
            (
                "S3DeleteBucketContents".into(),
                "resources/S3_DeleteBucketContents".into(),
            ),
            ("SQSQueuePolicy".into(), "resources/SQS_QueuePolicy".into()),
        ],
    }
}

#[test]
fn pipeline_views() {
    let mut view = state();
    view.stage = Stage::Cicd;
    app::update(&mut view, Input::Show(ViewKind::Pipeline));
    snapshot("pipeline_loading", &view);
    let generation = view.generation;
    for (name, build, error) in [
        ("pipeline_running", "InProgress", None),
        (
            "pipeline_failed",
            "Failed",
            Some("JobFailed: Error while executing command: cfn test. Reason: exit status 1"),
        ),
        ("pipeline_idle", "Succeeded", None),
    ] {
        app::update(
            &mut view,
            TaskResult::new(
                generation,
                PipelineResult::Loaded {
                    stage: Stage::Cicd,
                    result: Ok(pipeline(build, error)),
                },
            ),
        );
        snapshot(name, &view);
    }
    app::update(
        &mut view,
        TaskResult::new(
            generation,
            PipelineResult::Loaded {
                stage: Stage::Cicd,
                result: Err(regship::cloud::CloudError::new(
                    regship::cloud::CloudErrorKind::Service,
                    "no pipeline for the cicd stage: set accounts.cicd.pipeline in regship.yml",
                    "",
                )),
            },
        ),
    );
    snapshot("pipeline_error", &view);
}

fn build(status: &str, failed_context: Option<&str>) -> regship::cloud::Build {
    use regship::cloud::{Build, BuildPhase, LogLocation};
    let phase = |name: &str, status: Option<&str>, duration: Option<i64>| BuildPhase {
        name: name.into(),
        status: status.map(String::from),
        duration_s: duration,
        context: Vec::new(),
    };
    let mut phases = vec![
        phase("SUBMITTED", Some("SUCCEEDED"), Some(0)),
        phase("PROVISIONING", Some("SUCCEEDED"), Some(12)),
        phase("INSTALL", Some("SUCCEEDED"), Some(48)),
    ];
    match failed_context {
        Some(context) => phases.push(BuildPhase {
            context: vec![context.into()],
            ..phase("BUILD", Some("FAILED"), Some(301))
        }),
        None => phases.push(phase("BUILD", None, None)),
    }
    Build {
        id: "regship-S3DeleteBucketContents:0b1c".into(),
        project: "regship-S3DeleteBucketContents".into(),
        status: status.into(),
        current_phase: Some("BUILD".into()),
        start_ms: Some(1_700_000_000_000),
        end_ms: failed_context.map(|_| 1_700_000_361_000),
        phases,
        log: Some(LogLocation {
            group: "/aws/codebuild/regship-S3DeleteBucketContents".into(),
            stream: "0b1c".into(),
        }),
    }
}

#[test]
fn build_and_pipeline_control_views() {
    let mut view = state();
    view.stage = Stage::Cicd;
    view.now_ms = 1_700_000_090_000;
    app::update(&mut view, Input::Show(ViewKind::Pipeline));
    let generation = view.generation;
    app::update(
        &mut view,
        TaskResult::new(
            generation,
            PipelineResult::Loaded {
                stage: Stage::Cicd,
                result: Ok(pipeline("InProgress", None)),
            },
        ),
    );
    app::update(&mut view, Input::Down);
    snapshot("pipeline_second_action_selected", &view);
    app::update(&mut view, Input::Open);
    snapshot("build_reading", &view);
    let following = view.generation;
    let log: Vec<String> = (1..=60)
        .map(|n| {
            format!(
                "[Container] 2026/11/25 21:0{} line {n} of the contract tests",
                n % 10
            )
        })
        .collect();
    app::update(
        &mut view,
        TaskResult::new(
            following,
            PipelineResult::BuildPolled {
                build: Some(build("IN_PROGRESS", None)),
                lines: log,
                problem: None,
            },
        ),
    );
    snapshot("build_running", &view);
    app::update(
        &mut view,
        TaskResult::new(
            following,
            PipelineResult::BuildPolled {
                build: Some(build(
                    "FAILED",
                    Some(
                        "COMMAND_EXECUTION_ERROR: Error while executing command: cfn test. Reason: exit status 1",
                    ),
                )),
                lines: vec!["FAILED handler_create.py::contract_create_delete".into()],
                problem: None,
            },
        ),
    );
    snapshot("build_failed", &view);

    app::update(&mut view, Input::Back);
    let mut execution = view.clone();
    for _ in 0..2 {
        app::update(&mut execution, Input::Down); // past the last action: the newest execution
    }
    app::update(&mut execution, Input::Open);
    snapshot("execution_loading", &execution);
    let generation = execution.generation;
    let record = |stage: &str, action: &str, status: &str, start: i64, error: Option<&str>| {
        regship::cloud::ActionExecutionRecord {
            stage: stage.into(),
            action: action.into(),
            status: status.into(),
            start_ms: Some(1_700_000_000_000 + start * 1000),
            last_update_ms: Some(1_700_000_000_000 + start * 1000 + 245_000),
            external_id: (stage == "Build").then(|| format!("regship-{action}:0b1c")),
            summary: None,
            error: error.map(String::from),
        }
    };
    app::update(
        &mut execution,
        TaskResult::new(
            generation,
            PipelineResult::ExecutionLoaded(Ok(regship::app::ExecutionView {
                execution: pipeline("Failed", None).executions[0].clone(),
                actions: vec![
                    record("Source", "GitHub", "Succeeded", 0, None),
                    record(
                        "Build",
                        "S3DeleteBucketContents",
                        "Failed",
                        20,
                        Some(
                            "JobFailed: Error while executing command: cfn test. Reason: exit status 1",
                        ),
                    ),
                    record("Build", "SQSQueuePolicy", "Succeeded", 20, None),
                ],
            })),
        ),
    );
    snapshot("execution_actions", &execution);
    let mut confirm = view.clone();
    confirm.dialog = Some(Dialog::Confirm {
        plan: Box::new(ChangePlan {
            folder: String::new(),
            target: "regship-extensions".into(),
            stack_id: String::new(),
            region: "us-east-1".into(),
            authorization: plan(Stage::Cicd).authorization,
            kind: PlanKind::Pipeline(regship::app::PipelineChange::Retry {
                stage: "Build".into(),
                execution_id: "e1".into(),
                failed: vec!["S3DeleteBucketContents".into()],
            }),
        }),
        yes: false,
        typed: String::new(),
    });
    snapshot("pipeline_retry_confirm", &confirm);
}

#[test]
fn resources_with_build_status() {
    let mut view = state();
    let generation = view.generation;
    let read = Ok(pipeline(
        "Failed",
        Some("JobFailed: Error while executing command: cfn test. Reason: exit status 1"),
    ));
    // As the runner sends a CI/CD pipeline read: the board's column, then the read.
    let column = regship::ops::status::BoardPart::Cicd(regship::ops::tasks::cicd_column(&read));
    app::update(
        &mut view,
        TaskResult::new(generation, BoardResult::Read(column)),
    );
    app::update(
        &mut view,
        TaskResult::new(
            generation,
            PipelineResult::Loaded {
                stage: Stage::Cicd,
                result: read,
            },
        ),
    );
    snapshot("resources_build_status", &view);
}

/// The prod column once the published versions were read: a prod extension lagging in one
/// region, an alpha one never published (expected), one current everywhere; while read again,
/// and when the read failed. The detail names the lagging and missing regions.
#[test]
fn resources_with_prod_coverage() {
    use regship::ops::versions::{ExtensionVersions, RegionVersion, Standing};
    let region = |region: &str, public: Option<&str>, standing| RegionVersion {
        region: region.into(),
        public: public.map(String::from),
        private_default: public.map(|_| "00000003".into()),
        standing,
        detail: None,
    };
    let found = |folder: &str, maturity, newest: Option<&str>, regions| ExtensionVersions {
        extension: folder.into(),
        type_name: String::new(),
        maturity,
        newest: newest.map(String::from),
        regions,
    };
    let versions = vec![
        found(
            "resources/S3_DeleteBucketContents",
            Maturity::Prod,
            Some("1.0.3"),
            vec![
                region("us-east-1", Some("1.0.3"), Standing::Current),
                region("eu-west-1", Some("1.0.3"), Standing::Current),
                region("me-south-1", Some("1.0.2"), Standing::Lagging),
                region("il-central-1", None, Standing::Missing),
            ],
        ),
        found(
            "resources/SQS_QueuePolicy",
            Maturity::Alpha,
            None,
            ["us-east-1", "eu-west-1", "me-south-1", "il-central-1"]
                .map(|r| region(r, None, Standing::Missing))
                .to_vec(),
        ),
        found(
            "hooks/S3_BucketVersioningEnabled",
            Maturity::Prod,
            Some("1.1.0"),
            ["us-east-1", "eu-west-1", "me-south-1", "il-central-1"]
                .map(|r| region(r, Some("1.1.0"), Standing::Current))
                .to_vec(),
        ),
    ];
    let mut view = state();
    app::update(
        &mut view,
        TaskResult::new(0, BoardResult::VersionsLoaded(Ok(versions))),
    );
    snapshot("resources_prod_coverage", &view);
    // At 100 columns every stage of the release is there; only the minor columns fold.
    let board = render(&view, 100, 30);
    insta::assert_snapshot!("resources_prod_coverage_100x30", board);
    // The whole board: a setup stack up and untested, failed and passed contract tests, a
    // green and a failed build, a passed, a blocking and an allowed integration run.
    use regship::ops::status::{BoardPart, TestRun};
    let test = |folder: &str, passed, failed, exit_code| TestRun {
        extension: folder.into(),
        passed,
        failed,
        skipped: 0,
        errors: 0,
        exit_code: Some(exit_code),
        complete: true,
        started_ms: NOW - 7_200_000,
    };
    let integ = |folder: &str, class, allowed, blocks| PastRun {
        extension: folder.into(),
        version: Some("00000003".into()),
        run_id: "r".into(),
        class,
        allowed,
        blocks,
        started_ms: NOW - 3_600_000,
        duration_ms: 60_000,
        reasons: Vec::new(),
    };
    for part in [
        BoardPart::Sandbox(Ok([(
            "setup-S3-BucketVersioningEnabled".to_string(),
            "CREATE_COMPLETE".to_string(),
        )]
        .into())),
        BoardPart::Cicd(Ok([
            (
                "resources/S3_DeleteBucketContents".to_string(),
                "Succeeded".to_string(),
            ),
            (
                "resources/SQS_QueuePolicy".to_string(),
                "Failed".to_string(),
            ),
        ]
        .into())),
        BoardPart::Histories {
            tests: vec![
                test("resources/S3_DeleteBucketContents", 14, 0, 0),
                test("resources/SQS_QueuePolicy", 11, 3, 1),
            ],
            integ: vec![
                integ(
                    "resources/S3_DeleteBucketContents",
                    IntegClass::Passed,
                    false,
                    false,
                ),
                integ(
                    "resources/SQS_QueuePolicy",
                    IntegClass::CompatibilityBreak,
                    true,
                    false,
                ),
                integ(
                    "hooks/S3_BucketVersioningEnabled",
                    IntegClass::FunctionalFailure,
                    false,
                    true,
                ),
            ],
        },
    ] {
        app::update(&mut view, TaskResult::new(0, BoardResult::Read(part)));
    }
    snapshot("resources_board", &view);
    // Stages that cannot be read say so in their own column: no credentials for the sandbox,
    // the pipeline unreadable, prod still reading its regions.
    let mut unread = state();
    for part in [
        BoardPart::Sandbox(Err(regship::ops::status::Standing::new(
            regship::ops::status::State::NoCredentials,
            "no credentials",
        ))),
        BoardPart::Cicd(Err(regship::ops::status::Standing::new(
            regship::ops::status::State::Unknown,
            "Rate exceeded",
        ))),
        BoardPart::ProdPlan(Ok((
            vec!["us-east-1".into(), "eu-west-1".into()],
            Some("p".into()),
        ))),
    ] {
        app::update(&mut unread, TaskResult::new(0, BoardResult::Read(part)));
    }
    insta::assert_snapshot!("resources_board_unread_160x48", render(&unread, 160, 48));
    insta::assert_snapshot!("resources_board_60x15", render(&view, 60, 15));
    let mut detail = view.clone();
    app::update(&mut detail, Input::Open);
    insta::assert_snapshot!("detail_prod_coverage_160x48", render(&detail, 160, 48));
    app::update(
        &mut view,
        TaskResult::new(
            0,
            BoardResult::VersionsLoaded(Err(regship::cloud::CloudError::new(
                regship::cloud::CloudErrorKind::Service,
                "the config profile (prod) could not be found",
                "",
            ))),
        ),
    );
    insta::assert_snapshot!("resources_prod_unknown_160x48", render(&view, 160, 48));
}

/// Every confirmation shows its answer row, however long the diff and the notes are.
#[test]
fn a_long_scaffold_diff_still_shows_the_answer_row() {
    let mut scaffold = state();
    let dir = tempfile::tempdir().unwrap();
    let mut plan = regship::scaffold::Plan::default();
    for n in 1..=3 {
        let existing = dir.path().join(format!("inputs_{n}_create.json"));
        std::fs::write(&existing, "{\n  \"BucketName\": \"mine\"\n}\n").unwrap();
        let body: String = (0..30)
            .map(|i| format!("  \"Key{i}\": \"value{i}\",\n"))
            .collect();
        plan.write(
            existing,
            format!("resources/S3_DeleteBucketContents/inputs/inputs_{n}_create.json"),
            format!("{{\n{body}  \"BucketName\": \"b\"\n}}\n"),
        );
    }
    for n in 0..4 {
        plan.notes
            .push(format!("note number {n} about what was derived"));
    }
    scaffold.dialog = Some(Dialog::Scaffold { plan, yes: false });
    for (width, height) in [(60, 15), (80, 24), (160, 48)] {
        let backend = render(&scaffold, width, height);
        let screen: String = backend
            .buffer()
            .content()
            .iter()
            .map(|cell| cell.symbol())
            .collect();
        assert!(
            screen.contains(" No ") && screen.contains(" Yes ") && screen.contains("y/n"),
            "no answer row at {width}x{height}:\n{backend}"
        );
    }
}

/// A stack that waits in REVIEW_IN_PROGRESS for its change set shows how long it has waited,
/// not "elapsed 0s".
#[test]
fn a_stack_waiting_for_its_change_set_shows_how_long() {
    let mut waiting = state();
    following(
        &mut waiting,
        vec![event(
            0,
            "setup-S3-DeleteBucketContents",
            "AWS::CloudFormation::Stack",
            "REVIEW_IN_PROGRESS",
            Some("User Initiated"),
        )],
    );
    waiting.now_ms = 1_700_000_000_000 + 250_000;
    let backend = render(&waiting, 160, 48);
    let screen: String = backend
        .buffer()
        .content()
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(
        screen.contains("REVIEW_IN_PROGRESS  waiting for its change set 4m10s"),
        "{backend}"
    );
}

fn past(
    extension: &str,
    class: IntegClass,
    allowed: bool,
    blocks: bool,
    minutes_ago: i64,
) -> PastRun {
    PastRun {
        extension: extension.into(),
        version: Some("00000004".into()),
        run_id: format!("r{minutes_ago}"),
        class,
        allowed,
        blocks,
        started_ms: NOW - minutes_ago * 60_000,
        duration_ms: 95_000,
        reasons: if class == IntegClass::Passed {
            Vec::new()
        } else {
            vec![
                format!("integ-keep-{}: update ended UPDATE_ROLLBACK_COMPLETE", extension.rsplit('/').next().unwrap_or_default()),
                "  Thing (AwsCommunity::S3::DeleteBucketContents): Resource handler returned message: \"KeyPrefix cannot change on an existing resource\" (HandlerErrorCode: NotUpdatable)".to_string(),
            ]
        },
    }
}

/// The beta view with every class: a pass, an alpha extension's allowed compatibility break
/// with a trend, a prod extension's blocking break, an unexercised update, and no run yet.
#[test]
fn beta_views() {
    let mut state = state();
    app::update(&mut state, Input::Show(ViewKind::Beta));
    snapshot("beta_loading", &state);
    let history = vec![
        past(
            "resources/S3_DeleteBucketContents",
            IntegClass::Passed,
            false,
            false,
            90,
        ),
        past(
            "resources/SQS_QueuePolicy",
            IntegClass::Passed,
            false,
            false,
            80,
        ),
        past(
            "resources/SQS_QueuePolicy",
            IntegClass::CompatibilityBreak,
            true,
            false,
            70,
        ),
        past(
            "resources/S3_DeleteBucketContents",
            IntegClass::CompatibilityBreak,
            false,
            true,
            20,
        ),
        past(
            "hooks/S3_BucketVersioningEnabled",
            IntegClass::UpdateNotExercised,
            false,
            false,
            10,
        ),
        past(
            "resources/SQS_QueuePolicy",
            IntegClass::FunctionalFailure,
            true,
            false,
            5,
        ),
    ];
    let folders = vec![
        (
            "resources/S3_DeleteBucketContents".to_string(),
            Maturity::Prod,
        ),
        ("resources/SQS_QueuePolicy".to_string(), Maturity::Alpha),
        (
            "hooks/S3_BucketVersioningEnabled".to_string(),
            Maturity::Prod,
        ),
        ("resources/Never_Run".to_string(), Maturity::Prod),
    ];
    let mut rows = beta_rows(&folders, &history);
    let keep = [
        Some("UPDATE_ROLLBACK_COMPLETE"),
        Some("UPDATE_COMPLETE"),
        Some("none yet"),
        None,
    ];
    for (row, status) in rows.iter_mut().zip(keep) {
        row.keep = status.map(String::from);
    }
    app::update(&mut state, TaskResult::new(0, BetaResult::Loaded(Ok(rows))));
    snapshot("beta", &state);
    let mut live = state.clone();
    live.integ.live.insert(
        "resources/SQS_QueuePolicy".into(),
        app::LiveRun::new(
            "integ-keep-SQS-QueuePolicy UPDATE_IN_PROGRESS AWS::CloudFormation::Stack",
        ),
    );
    snapshot("beta_live", &live);
    let mut failed = AppState::new("repo", Stage::Beta);
    failed.now_ms = NOW;
    app::update(&mut failed, Input::Show(ViewKind::Beta));
    app::update(
        &mut failed,
        TaskResult::new(
            0,
            BetaResult::Loaded(Err("history: permission denied".into())),
        ),
    );
    snapshot("beta_error", &failed);
}

/// The rollout view with the regions not published first, and a failed region opened: its
/// status, the whole failure message wrapped, and its steps (a wait that handed over marked
/// not critical).
#[test]
fn rollout_region_views() {
    use regship::app::Screen;
    use regship::cloud::{RegionRun, RolloutRequest, RolloutState, StepRun};
    use regship::ops::rollout_watch::RolloutWatch;
    let failure = "TestType NOT_TESTED: the contract tests had not started 90 minutes after TestType (a registry fault seen in newly launched regions): retry this region later (regship rollout retry), or ask AWS Support";
    let run = |region: &str, status: &str| RegionRun {
        region: region.into(),
        execution_id: (status != "NotStarted").then(|| format!("child-{region}")),
        status: status.into(),
        current_step: Some(
            if status == "Failed" {
                "CheckTests"
            } else {
                "DeleteSetupStack"
            }
            .into(),
        ),
        failure: (status == "Failed").then(|| failure.to_string()),
        started_ms: Some(NOW - 3_000_000),
        ended_ms: Some(NOW - 60_000),
    };
    let mut watch = RolloutWatch::new("8f1c2d3e-0000-4000-8000-000000000001");
    watch.state = Some(RolloutState {
        execution_id: watch.execution_id.clone(),
        status: "Failed".into(),
        started_ms: Some(NOW - 3_000_000),
        ended_ms: Some(NOW - 60_000),
        failure: None,
        regions: vec![
            run("af-south-1", "Success"),
            run("ca-central-1", "Failed"),
            run("il-central-1", "NotStarted"),
            run("us-east-1", "Success"),
        ],
        reads: 1,
        nested: Vec::new(),
        request: RolloutRequest {
            document: "regship-publish-extension".into(),
            document_version: "$DEFAULT".into(),
            parameters: Vec::new(),
            account: "444444444444".into(),
            regions: Vec::new(),
            max_concurrency: 5,
            max_errors: 1,
            execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
            canary: None,
        },
    });
    let mut state = state();
    app::update(&mut state, Input::Show(ViewKind::Rollout));
    app::update(
        &mut state,
        TaskResult::new(0, RolloutResult::Polled(Ok(Box::new(watch)))),
    );
    snapshot("rollout_failed_first", &state);
    app::update(&mut state, Input::Open);
    assert_eq!(
        state.screen(),
        &Screen::RolloutRegion("ca-central-1".into())
    );
    let step = |name: &str, status: &str, failure: Option<&str>, critical: bool| StepRun {
        name: name.into(),
        status: status.into(),
        failure: failure.map(String::from),
        critical,
        started_ms: Some(NOW - 600_000),
        ended_ms: Some(NOW - 300_000),
    };
    let generation = state.generation;
    app::update(
        &mut state,
        TaskResult::new(
            generation,
            RolloutResult::StepsLoaded(Ok(vec![
                step("DeploySetupStack", "Success", None, false),
                step("TestType", "Success", None, true),
                step(
                    "WaitForTests",
                    "Failed",
                    Some("Step timed out while step is verifying the response from API"),
                    false,
                ),
                step("CheckTests", "Failed", Some(failure), true),
                step("CleanUp", "Success", None, true),
                step("DeleteSetupStack", "Success", None, true),
            ])),
        ),
    );
    snapshot("rollout_region", &state);
}

/// The text of a screen, its rows joined by newlines.
fn screen(state: &AppState, width: u16, height: u16) -> String {
    let backend = render(state, width, height);
    let buffer = backend.buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// What matters is never cut: a long notice wraps on a line of its own, `:messages` keeps every
/// notice, and the help and a long message scroll to their last line.
#[test]
fn long_text_wraps_or_scrolls_and_is_never_cut() {
    let mut state = state();
    // A key the screen does not offer sets a notice naming where it is offered.
    app::update(&mut state, Input::RunIntegAll);
    let first = state.notice.clone().expect("a notice").text;
    let long = "credentials expired: run `aws sso login --profile a-rather-long-profile-name`, then retry (in the TUI: press r) (GetCallerIdentity: the credentials of profile a-rather-long-profile-name (beta) expired)";
    state.notice = None;
    state.messages.push_back((
        0,
        regship::app::Notice {
            text: long.into(),
            error: true,
        },
    ));
    state.notice = state.messages.back().map(|(_, n)| n.clone());
    let text = screen(&state, 80, 24);
    let flat: String = text.lines().map(str::trim).collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("(beta) expired)"),
        "the notice's end is on screen:\n{text}"
    );
    assert!(
        text.lines().last().unwrap().contains("help"),
        "the footer keeps its keys:\n{text}"
    );

    app::update(&mut state, Input::CommandMode);
    for c in "messages".chars() {
        app::update(&mut state, Input::InputChar(c));
    }
    app::update(&mut state, Input::InputSubmit);
    let text = screen(&state, 160, 48);
    assert!(text.contains("messages, newest first (2)"), "{text}");
    let newest = text.find("a-rather-long-profile-name").unwrap();
    let older = text
        .find(first.as_str())
        .unwrap_or_else(|| panic!("{text}"));
    assert!(newest < older, "newest first:\n{text}");
    app::update(&mut state, Input::Back);

    // Help at 120x35 is taller than the screen: it scrolls to its last key.
    app::update(&mut state, Input::Help);
    let text = screen(&state, 120, 35);
    assert!(text.contains("scroll, any other key closes"), "{text}");
    let last = regship::app::bindings::Binding::ALL.last().unwrap().help();
    let top = text.clone();
    app::update(&mut state, Input::Bottom);
    let text = screen(&state, 120, 35);
    assert!(state.help, "scrolling keeps the help open");
    assert!(text.contains(last) && text != top, "{text}");
    app::update(&mut state, Input::InputChar('x'));
    assert!(!state.help, "another key closes it");
}

/// A build's log is read whole: a long line wraps, and j/k, pgup/pgdn, g/G reach every line.
#[test]
fn a_build_log_wraps_and_scrolls_to_every_line() {
    let mut state = state();
    let assertion = "E   AssertionError: status FAILED: handler returned InvalidRequest for KeyPrefix 'logs/' (the contract test test_update_success expected SUCCESS)";
    let mut lines: std::collections::VecDeque<String> =
        (1..=35).map(|n| format!("log line {n}")).collect();
    lines.push_back(assertion.to_string());
    state
        .screens
        .push(regship::app::Screen::Build("b-1".into()));
    state.cicd.build = Some(regship::app::BuildView {
        id: "b-1".into(),
        action: "S3_DeleteBucketContents".into(),
        extension: Some("resources/S3_DeleteBucketContents".into()),
        build: None,
        lines,
        summary: Default::default(),
        scroll_up: 0,
        problem: None,
        updated_ms: None,
    });
    let flat = |state: &AppState| {
        screen(state, 80, 24)
            .lines()
            .map(|line| line.trim_matches(|c| c == '│' || c == ' ').to_string())
            .collect::<String>()
    };
    let text = flat(&state);
    assert!(
        text.contains("expected SUCCESS)"),
        "the assertion is whole: {text}"
    );
    assert!(!text.contains("log line 1 "), "{text}");
    app::update(&mut state, Input::Top);
    let text = screen(&state, 80, 24);
    assert!(
        text.contains("log line 1 "),
        "g reaches the first line:\n{text}"
    );
    assert!(text.contains("G follows the end"), "{text}");
    app::update(&mut state, Input::PageDown);
    app::update(&mut state, Input::Down);
    assert!(screen(&state, 80, 24).contains("log line 12 "));
    app::update(&mut state, Input::Bottom);
    assert!(flat(&state).contains("expected SUCCESS)"));
}

/// A job's output scrolls by pages to its first line and back to its tail; j/k still choose
/// the job.
#[test]
fn a_jobs_output_scrolls_by_pages() {
    let mut state = state();
    app::update(&mut state, Input::Show(ViewKind::Jobs));
    state.jobs = vec![JobView {
        id: 1,
        title: "cfn test · resources/S3_DeleteBucketContents".into(),
        lines: (1..=60).map(|n| format!("pytest line {n}")).collect(),
        status: JobStatus::Exited(1),
        verb: CfnVerb::Test,
        folder: "resources/S3_DeleteBucketContents".into(),
        started_ms: NOW,
        summary: Default::default(),
    }];
    assert!(screen(&state, 80, 24).contains("pytest line 60 "));
    app::update(&mut state, Input::PageUp);
    let text = screen(&state, 80, 24);
    assert!(
        text.contains("pytest line 50 ") && !text.contains("pytest line 60 "),
        "{text}"
    );
    app::update(&mut state, Input::Top);
    let text = screen(&state, 80, 24);
    assert!(
        text.contains("pytest line 1 ") && text.contains("G follows the end"),
        "{text}"
    );
    app::update(&mut state, Input::Bottom);
    assert!(screen(&state, 80, 24).contains("pytest line 60 "));
}
