//! Key sequences against the reducer.

use super::*;
use crate::cloud::accounts::CredentialState;
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::guard::AccountGuard;
use crate::cloud::{Identity, ResourceChange};
use crate::config::{Maturity, WorkspaceConfig};
use crate::ops::rows::ExtensionRow;
use crate::workspace::ArtifactType;

fn extension(folder: &str, type_name: &str) -> ExtensionView {
    ExtensionView {
        row: ExtensionRow {
            folder: folder.into(),
            type_name: Some(type_name.into()),
            kind: ArtifactType::Resource,
            language: Some("python311".into()),
            maturity: Maturity::Prod,
            input_sets: 1,
            setup: true,
            integ: true,
            errors: 0,
            warnings: 0,
        },
        files: vec![format!("{folder}/.rpdk-config")],
        findings: Vec::new(),
        references: vec![(
            format!("{folder}/inputs/inputs_1_create.json"),
            "Bucket".into(),
        )],
        setup_stack: format!(
            "setup-{}",
            folder.rsplit('/').next().unwrap().replace('_', "-")
        ),
    }
}

fn loaded() -> AppState {
    let mut state = AppState::new("repo", Stage::Sandbox);
    update(
        &mut state,
        TaskResult::WorkspaceLoaded(Ok(vec![
            extension(
                "resources/S3_DeleteBucketContents",
                "AwsCommunity::S3::DeleteBucketContents",
            ),
            extension("resources/SQS_Thing", "AwsCommunity::SQS::Thing"),
            extension("hooks/S3_Check", "AwsCommunity::S3::Check"),
        ])),
    );
    state
}

fn keys<A: Into<Action>>(
    state: &mut AppState,
    actions: impl IntoIterator<Item = A>,
) -> Vec<Command> {
    actions
        .into_iter()
        .flat_map(|action| update(state, action))
        .collect()
}

fn typed(text: &str) -> Vec<Input> {
    text.chars().map(Input::InputChar).collect()
}

fn authorization(stage: Stage) -> crate::cloud::guard::Authorization {
    let config = WorkspaceConfig::parse(
        "accounts:\n  sandbox: {account_id: \"123456789012\"}\n  cicd: {account_id: \"123456789012\"}\n  prod: {account_id: \"123456789012\"}\n",
        "regship.yml",
    )
    .unwrap();
    let context = StageContext::new(&config, stage, &Overrides::default());
    let caller = Identity {
        account: "123456789012".into(),
        arn: "arn".into(),
    };
    AccountGuard::default()
        .check_account(&context, &caller, "test")
        .unwrap()
}

fn plan(stage: Stage) -> ChangePlan {
    ChangePlan {
        folder: "resources/S3_DeleteBucketContents".into(),
        target: "setup-S3-DeleteBucketContents".into(),
        stack_id: "arn:stack/setup-S3-DeleteBucketContents/1".into(),
        region: "us-east-1".into(),
        authorization: authorization(stage),
        kind: PlanKind::Deploy {
            change_set_id: "cs-1".into(),
            create: true,
            changes: vec![ResourceChange {
                action: "Add".into(),
                logical_id: "Bucket".into(),
                resource_type: "AWS::S3::Bucket".into(),
                replacement: None,
            }],
        },
    }
}

#[test]
fn navigation_with_bounds_and_drill_down() {
    let mut state = loaded();
    keys(
        &mut state,
        [Input::Down, Input::Down, Input::Down, Input::Down],
    );
    assert_eq!(
        state.selected(ViewKind::Resources),
        2,
        "stops at the last row"
    );
    keys(&mut state, [Input::Top]);
    assert_eq!(state.selected(ViewKind::Resources), 0);
    keys(&mut state, [Input::Bottom, Input::Up]);
    assert_eq!(state.selected(ViewKind::Resources), 1);
    let commands = keys(&mut state, [Input::Open]);
    assert_eq!(
        state.screen(),
        &Screen::ResourceDetail("resources/SQS_Thing".into())
    );
    assert_eq!(
        commands,
        [Command::LoadExports {
            generation: 1,
            stage: Stage::Sandbox
        }]
    );
    keys(&mut state, [Input::Back]);
    assert_eq!(state.screen(), &Screen::List(ViewKind::Resources));
    assert_eq!(
        state.selected(ViewKind::Resources),
        1,
        "selection survives the round trip"
    );
    keys(&mut state, [Input::Select(2)]);
    assert_eq!(state.selected(ViewKind::Resources), 2, "a click selects");
    keys(&mut state, [Input::Select(9)]);
    assert_eq!(
        state.selected(ViewKind::Resources),
        2,
        "a click below the rows does nothing"
    );
}

#[test]
fn filter_narrows_and_escape_clears() {
    let mut state = loaded();
    keys(&mut state, [Input::Filter]);
    keys(&mut state, typed("s3"));
    assert_eq!(state.visible_extensions().len(), 2);
    keys(&mut state, [Input::InputSubmit]);
    assert!(state.input.is_none());
    assert_eq!(state.filter, "s3");
    keys(&mut state, [Input::Down, Input::Open]);
    assert_eq!(
        state.screen(),
        &Screen::ResourceDetail("hooks/S3_Check".into()),
        "enter opens the filtered row"
    );
    keys(&mut state, [Input::Back]);
    keys(&mut state, [Input::Filter]);
    keys(&mut state, typed("zzz"));
    assert!(state.visible_extensions().is_empty());
    keys(&mut state, [Input::InputCancel]);
    assert_eq!(state.filter, "", "esc clears the filter");
    assert_eq!(state.visible_extensions().len(), 3);
}

#[test]
fn command_mode_with_completion() {
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("acc"));
    keys(&mut state, [Input::InputComplete]);
    assert_eq!(state.input.as_ref().unwrap().text, "accounts ");
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.view(), ViewKind::Accounts);
    assert_eq!(commands, [Command::LoadAccounts { generation: 1 }]);

    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("stage b"));
    keys(&mut state, [Input::InputComplete]);
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.stage, Stage::Beta);
    assert_eq!(
        state.generation, 2,
        "a stage switch starts a new generation"
    );
    assert_eq!(commands[0], Command::CancelBefore { generation: 2 });

    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("launch"));
    keys(&mut state, [Input::InputSubmit]);
    assert!(state.notice.as_ref().unwrap().error);

    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("events setup-S3-DeleteBucketContents"));
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.view(), ViewKind::Events);
    assert!(commands.iter().any(
        |c| matches!(c, Command::Follow { stack, .. } if stack == "setup-S3-DeleteBucketContents")
    ));

    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("q"));
    keys(&mut state, [Input::InputSubmit]);
    assert!(state.quit);
}

fn event(n: usize, status: &str) -> crate::cloud::StackEvent {
    crate::cloud::StackEvent {
        event_id: format!("e{n}"),
        stack_id: "arn:stack/s/1".into(),
        stack_name: "s".into(),
        logical_id: if status.contains("ROLLBACK") {
            "s".into()
        } else {
            format!("R{n}")
        },
        physical_id: None,
        resource_type: if status.contains("ROLLBACK") {
            "AWS::CloudFormation::Stack".into()
        } else {
            "AWS::SSM::Parameter".into()
        },
        status: status.into(),
        reason: status.contains("FAILED").then(|| "denied".to_string()),
        timestamp_ms: n as i64 * 1000,
    }
}

#[test]
fn follow_pauses_on_scroll_and_resumes() {
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("events s"));
    keys(&mut state, [Input::InputSubmit]);
    let generation = state.generation;
    let polled = |range: std::ops::Range<usize>| TaskResult::EventsPolled {
        generation,
        events: range.map(|n| event(n, "CREATE_IN_PROGRESS")).collect(),
        problem: None,
        stopped: false,
    };
    keys(&mut state, [polled(0..20)]);
    assert!(state.events.as_ref().unwrap().follow);
    keys(&mut state, [Input::Up, Input::Up]);
    let view = state.events.as_ref().unwrap();
    assert!(!view.follow, "scrolling up pauses");
    assert_eq!(view.scroll_up, 2);
    keys(&mut state, [polled(20..25)]);
    assert_eq!(
        state.events.as_ref().unwrap().scroll_up,
        7,
        "paused: new events do not move the view"
    );
    keys(&mut state, [Input::Bottom]);
    let view = state.events.as_ref().unwrap();
    assert!(view.follow);
    assert_eq!(view.scroll_up, 0);
    keys(&mut state, [Input::ToggleFollow]);
    assert!(!state.events.as_ref().unwrap().follow);
}

#[test]
fn stale_generations_are_dropped() {
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("events s"));
    keys(&mut state, [Input::InputSubmit]);
    let old = state.generation;
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("events other"));
    keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.generation, old + 1);
    keys(
        &mut state,
        [TaskResult::EventsPolled {
            generation: old,
            events: vec![event(1, "CREATE_FAILED")],
            problem: None,
            stopped: false,
        }],
    );
    assert!(
        state.events.as_ref().unwrap().watch.events.is_empty(),
        "an old follow's events are dropped"
    );
    let row = crate::cloud::accounts::AccountRow {
        stage: Stage::Sandbox,
        profile: Some("dev".into()),
        region: Some("us-east-1".into()),
        expected_account: None,
        caller: None,
        matches: None,
        state: CredentialState::Expired,
        message: None,
        hint: None,
    };
    keys(
        &mut state,
        [TaskResult::AccountChecked {
            generation: old,
            row,
        }],
    );
    assert!(
        state
            .accounts
            .get(&Stage::Sandbox)
            .is_none_or(|a| a.value().is_none())
    );
}

#[test]
fn failures_stay_pinned_and_success_loads_outputs() {
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("events s"));
    keys(&mut state, [Input::InputSubmit]);
    let generation = state.generation;
    let events = vec![
        event(1, "CREATE_FAILED"),
        event(2, "ROLLBACK_IN_PROGRESS"),
        event(3, "ROLLBACK_COMPLETE"),
    ];
    let commands = keys(
        &mut state,
        [TaskResult::EventsPolled {
            generation,
            events,
            problem: None,
            stopped: false,
        }],
    );
    let view = state.events.as_ref().unwrap();
    assert_eq!(view.watch.failures.len(), 1);
    assert_eq!(view.watch.outcome(), Some(false));
    assert!(commands.is_empty(), "no outputs after a failure");
}

#[test]
fn the_deploy_dialog_defaults_to_no() {
    let mut state = loaded();
    let commands = keys(&mut state, [Input::DeploySetup]);
    assert!(matches!(state.dialog, Some(Dialog::Busy(_))));
    assert!(matches!(
        &commands[..],
        [Command::PlanChange { delete: false, .. }]
    ));
    keys(&mut state, [Input::Down, Input::Quit]);
    assert!(state.quit, "quit still works while busy");
    state.quit = false;
    let generation = state.generation;
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation,
            plan: plan(Stage::Sandbox),
        }],
    );
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert!(state.dialog.is_none());
    assert!(
        matches!(&commands[..], [Command::Discard { .. }]),
        "a buffered enter answers no: {commands:?}"
    );
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation,
            plan: plan(Stage::Sandbox),
        }],
    );
    let commands = keys(&mut state, [Input::InputChar('y'), Input::InputSubmit]);
    assert!(
        matches!(&commands[..], [Command::Execute { .. }]),
        "{commands:?}"
    );
    let commands = keys(
        &mut state,
        [TaskResult::ChangeStarted {
            generation,
            stage: Stage::Sandbox,
            stack_id: "arn:stack/x/1".into(),
            after: Some("e9".into()),
        }],
    );
    assert_eq!(state.view(), ViewKind::Events);
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::Follow { start: Start::After(id), .. } if id == "e9"))
    );
}

#[test]
fn prod_needs_the_account_typed() {
    let mut state = loaded();
    state.stage = Stage::Prod;
    let generation = state.generation;
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation,
            plan: plan(Stage::Prod),
        }],
    );
    let commands = keys(&mut state, [Input::InputChar('y'), Input::InputSubmit]);
    assert!(
        matches!(&commands[..], [Command::Discard { .. }]),
        "y is not enough in prod"
    );
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation,
            plan: plan(Stage::Prod),
        }],
    );
    keys(&mut state, typed("123456789012"));
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert!(matches!(&commands[..], [Command::Execute { .. }]));
}

#[test]
fn read_only_refuses_deploys_before_any_call() {
    let mut state = loaded();
    state.read_only = true;
    let commands = keys(&mut state, [Input::DeploySetup]);
    assert!(commands.is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("read-only"));
}

#[test]
fn help_opens_and_any_key_closes() {
    let mut state = loaded();
    keys(&mut state, [Input::Help]);
    assert!(state.help);
    keys(&mut state, [Input::Down]);
    assert!(!state.help);
    assert_eq!(
        state.selected(ViewKind::Resources),
        0,
        "the closing key does nothing else"
    );
}

#[test]
fn cfn_jobs_start_in_the_jobs_view_and_parse_test_results() {
    let mut state = loaded();
    let commands = keys(&mut state, [Input::RunCfn(CfnVerb::Test)]);
    assert_eq!(state.view(), ViewKind::Jobs);
    assert!(
        matches!(
            &commands[..],
            [Command::RunCfn {
                verb: CfnVerb::Test,
                stage: Stage::Sandbox,
                ..
            }]
        ),
        "{commands:?}"
    );
    let id = state.jobs[0].id;
    for line in [
        "handler.py::contract_create_read PASSED",
        "handler.py::contract_delete FAILED",
        "=== 1 failed, 1 passed in 2.0s ===",
    ] {
        keys(
            &mut state,
            [TaskResult::JobLine {
                id,
                line: line.into(),
            }],
        );
    }
    keys(
        &mut state,
        [TaskResult::JobEnded {
            id,
            status: JobStatus::Exited(1),
        }],
    );
    let job = &state.jobs[0];
    assert_eq!((job.summary.passed, job.summary.failed), (1, 1));
    assert_eq!(job.status, JobStatus::Exited(1));
    assert_eq!(
        keys(&mut state, [Input::CancelJob]),
        [],
        "a finished job is not cancelled"
    );

    state.read_only = true;
    keys(&mut state, [Input::Show(ViewKind::Resources)]);
    assert!(
        keys(&mut state, [Input::RunCfn(CfnVerb::Submit)]).is_empty(),
        "read-only refuses submit"
    );
}

#[test]
fn a_scaffold_shows_its_diff_and_defaults_to_no() {
    let mut state = loaded();
    let commands = keys(&mut state, [Input::Scaffold { integ: false }]);
    assert!(matches!(
        &commands[..],
        [Command::PlanScaffold { integ: false, .. }]
    ));
    let mut plan = crate::scaffold::Plan::default();
    plan.write(
        std::path::PathBuf::from("/nonexistent/regship/inputs_1_create.json"),
        "inputs_1_create.json".into(),
        "{}\n".into(),
    );
    keys(&mut state, [TaskResult::ScaffoldPlanned(Ok(plan.clone()))]);
    assert!(matches!(
        state.dialog,
        Some(Dialog::Scaffold { yes: false, .. })
    ));
    assert!(
        keys(&mut state, [Input::InputSubmit]).is_empty(),
        "enter alone writes nothing"
    );
    keys(&mut state, [TaskResult::ScaffoldPlanned(Ok(plan))]);
    let commands = keys(&mut state, [Input::DialogToggle, Input::InputSubmit]);
    assert!(matches!(&commands[..], [Command::ApplyScaffold { .. }]));
}

fn pipeline_view(build_status: &str) -> PipelineView {
    use crate::cloud::{PipelineActionState, PipelineStage, PipelineState};
    PipelineView {
        state: PipelineState {
            name: "regship-extensions".into(),
            stages: vec![PipelineStage {
                name: "Build".into(),
                status: Some(build_status.into()),
                execution_id: Some("e1".into()),
                actions: vec![PipelineActionState {
                    name: "S3DeleteBucketContents".into(),
                    status: Some(build_status.into()),
                    summary: None,
                    last_change_ms: Some(0),
                    external_id: Some("regship-S3:b1".into()),
                    error: None,
                }],
            }],
        },
        executions: Vec::new(),
        extensions: vec![(
            "S3DeleteBucketContents".into(),
            "resources/S3_DeleteBucketContents".into(),
        )],
    }
}

#[test]
fn the_pipeline_view_polls_faster_while_running() {
    let mut state = loaded();
    let commands = keys(&mut state, [Input::Show(ViewKind::Pipeline)]);
    assert_eq!(
        commands,
        [Command::LoadPipeline {
            generation: 1,
            stage: Stage::Sandbox
        }]
    );
    keys(&mut state, [Action::Tick(1_000)]);
    keys(
        &mut state,
        [TaskResult::PipelineLoaded {
            stage: Stage::Sandbox,
            generation: 1,
            result: Ok(pipeline_view("InProgress")),
        }],
    );
    assert!(
        keys(&mut state, [Action::Tick(5_500)]).is_empty(),
        "not yet"
    );
    assert_eq!(
        keys(&mut state, [Action::Tick(6_000)]),
        [Command::LoadPipeline {
            generation: 1,
            stage: Stage::Sandbox
        }],
        "5 s while running"
    );
    keys(
        &mut state,
        [TaskResult::PipelineLoaded {
            stage: Stage::Sandbox,
            generation: 1,
            result: Ok(pipeline_view("Succeeded")),
        }],
    );
    assert!(
        keys(&mut state, [Action::Tick(20_000)]).is_empty(),
        "idle: 30 s"
    );
    assert_eq!(keys(&mut state, [Action::Tick(36_000)]).len(), 1);
    keys(
        &mut state,
        [TaskResult::PipelineLoaded {
            stage: Stage::Sandbox,
            generation: 0,
            result: Err("stale".into()),
        }],
    );
    assert!(
        state.pipeline.value().is_some(),
        "a stale generation's result is dropped"
    );
}

/// The cicd stage's pipeline view, loaded.
fn on_cicd_pipeline(status: &str) -> AppState {
    let mut state = loaded();
    state.stage = Stage::Cicd;
    keys(
        &mut state,
        [
            Action::from(Input::Show(ViewKind::Pipeline)),
            Action::from(TaskResult::PipelineLoaded {
                generation: 1,
                stage: Stage::Cicd,
                result: Ok(pipeline_view(status)),
            }),
        ],
    );
    state
}

#[test]
fn enter_on_an_action_follows_its_build_and_back_stops_it() {
    let mut state = on_cicd_pipeline("InProgress");
    let commands = keys(&mut state, [Input::Open]);
    assert_eq!(state.screen(), &Screen::Build("regship-S3:b1".into()));
    assert_eq!(
        commands,
        [
            Command::CancelBefore { generation: 2 },
            Command::FollowBuild {
                generation: 2,
                stage: Stage::Cicd,
                build_id: "regship-S3:b1".into()
            }
        ]
    );
    let polled = |lines: &[&str]| TaskResult::BuildPolled {
        generation: 2,
        build: None,
        lines: lines.iter().map(|l| l.to_string()).collect(),
        problem: None,
    };
    keys(&mut state, [polled(&["one", "two"]), polled(&["three"])]);
    let view = state.build.as_ref().unwrap();
    assert_eq!(view.lines, ["one", "two", "three"]);
    assert_eq!(
        view.extension.as_deref(),
        Some("resources/S3_DeleteBucketContents")
    );
    let commands = keys(&mut state, [Input::Back]);
    assert_eq!(commands, [Command::CancelBefore { generation: 3 }]);
    assert!(state.build.is_none());
    assert_eq!(state.screen(), &Screen::List(ViewKind::Pipeline));
    keys(&mut state, [polled(&["late"])]);
    assert!(
        state.build.is_none(),
        "a stopped poller's lines are dropped"
    );
}

#[test]
fn retry_asks_the_guard_then_confirms_before_anything_changes() {
    let mut state = on_cicd_pipeline("Failed");
    assert!(
        keys(&mut state, [Input::ControlPipeline(PipelineControl::Stop)]).is_empty(),
        "nothing runs: nothing to stop"
    );
    assert!(state.notice.as_ref().unwrap().error);
    let commands = keys(
        &mut state,
        [Input::ControlPipeline(PipelineControl::RetryFailed)],
    );
    let change = PipelineChange::Retry {
        stage: "Build".into(),
        execution_id: "e1".into(),
        failed: vec!["S3DeleteBucketContents".into()],
    };
    assert_eq!(
        commands,
        [Command::PlanPipelineChange {
            generation: 1,
            stage: Stage::Cicd,
            change: change.clone()
        }]
    );
    let plan = ChangePlan {
        folder: String::new(),
        target: "regship-extensions".into(),
        stack_id: String::new(),
        region: "us-east-1".into(),
        authorization: authorization(Stage::Cicd),
        kind: PlanKind::Pipeline(change),
    };
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation: 1,
            plan: plan.clone(),
        }],
    );
    assert!(
        keys(&mut state, [Input::InputSubmit]).is_empty(),
        "enter alone answers the default, no"
    );
    keys(
        &mut state,
        [TaskResult::PlanReady {
            generation: 1,
            plan: plan.clone(),
        }],
    );
    let commands = keys(&mut state, [Input::InputChar('y'), Input::InputSubmit]);
    assert_eq!(
        commands,
        [Command::Execute {
            generation: 1,
            stage: Stage::Cicd,
            plan
        }]
    );
    let commands = keys(
        &mut state,
        [TaskResult::PipelineChanged {
            generation: 1,
            result: Ok("retrying".into()),
        }],
    );
    assert_eq!(
        commands,
        [Command::LoadPipeline {
            generation: 1,
            stage: Stage::Cicd
        }],
        "the pipeline is read again at once"
    );
    assert!(state.dialog.is_none());

    state.read_only = true;
    assert!(
        keys(&mut state, [Input::ControlPipeline(PipelineControl::Start)]).is_empty(),
        "read-only refuses before any call"
    );
}

#[test]
fn the_resources_view_shows_each_extensions_latest_build() {
    let mut state = AppState::new("repo", Stage::Sandbox);
    state.cicd_pipeline = true;
    let commands = keys(
        &mut state,
        [TaskResult::WorkspaceLoaded(Ok(vec![extension(
            "resources/S3_DeleteBucketContents",
            "AwsCommunity::S3::DeleteBucketContents",
        )]))],
    );
    assert_eq!(
        commands,
        [Command::LoadPipeline {
            generation: 1,
            stage: Stage::Cicd
        }]
    );
    keys(
        &mut state,
        [
            Action::Tick(1_000),
            Action::from(TaskResult::PipelineLoaded {
                generation: 1,
                stage: Stage::Cicd,
                result: Ok(pipeline_view("Failed")),
            }),
        ],
    );
    assert_eq!(
        state
            .build_status
            .value()
            .unwrap()
            .get("resources/S3_DeleteBucketContents"),
        Some(&"Failed".to_string())
    );
    assert!(
        state.pipeline.value().is_none(),
        "the sandbox stage's pipeline view is not the cicd pipeline"
    );
    assert!(keys(&mut state, [Action::Tick(30_000)]).is_empty());
    assert_eq!(
        keys(&mut state, [Action::Tick(61_000)]).len(),
        1,
        "read again after a minute"
    );
}

#[test]
fn enter_on_an_execution_lists_the_actions_it_ran() {
    use crate::cloud::{ActionExecutionRecord, PipelineExecution};
    let mut state = loaded();
    state.stage = Stage::Cicd;
    let mut view = pipeline_view("Failed");
    view.executions.push(PipelineExecution {
        id: "e1".into(),
        status: "Failed".into(),
        trigger: Some("Webhook".into()),
        start_ms: Some(0),
        last_update_ms: Some(60_000),
        revision: None,
        revision_summary: None,
    });
    keys(
        &mut state,
        [
            Action::from(Input::Show(ViewKind::Pipeline)),
            Action::from(TaskResult::PipelineLoaded {
                generation: 1,
                stage: Stage::Cicd,
                result: Ok(view),
            }),
        ],
    );
    assert_eq!(
        state.row_count(ViewKind::Pipeline),
        2,
        "one action, one execution"
    );
    let commands = keys(&mut state, [Input::Down, Input::Open]);
    assert_eq!(
        commands,
        [Command::LoadExecution {
            generation: 1,
            stage: Stage::Cicd,
            execution_id: "e1".into()
        }]
    );
    assert_eq!(state.screen(), &Screen::Execution("e1".into()));
    let record = ActionExecutionRecord {
        stage: "Build".into(),
        action: "S3DeleteBucketContents".into(),
        status: "Failed".into(),
        start_ms: Some(0),
        last_update_ms: Some(60_000),
        external_id: None,
        summary: None,
        error: Some("JobFailed: exit status 1".into()),
    };
    let execution = state.pipeline.value().unwrap().executions[0].clone();
    keys(
        &mut state,
        [TaskResult::ExecutionLoaded {
            generation: 1,
            result: Ok(ExecutionView {
                execution,
                actions: vec![record.clone()],
            }),
        }],
    );
    assert_eq!(state.execution.value().unwrap().actions, [record]);
    keys(&mut state, [Input::Back]);
    assert_eq!(state.screen(), &Screen::List(ViewKind::Pipeline));
}

#[test]
fn an_export_used_by_two_input_files_is_listed_once() {
    let mut state = AppState::new("repo", Stage::Sandbox);
    let mut view = extension(
        "resources/S3_DeleteBucketContents",
        "AwsCommunity::S3::DeleteBucketContents",
    );
    view.references = vec![
        ("inputs/inputs_1_create.json".into(), "Bucket".into()),
        ("inputs/inputs_1_update.json".into(), "Role".into()),
        ("inputs/inputs_2_create.json".into(), "Bucket".into()),
    ];
    let stack = view.setup_stack.clone();
    update(&mut state, TaskResult::WorkspaceLoaded(Ok(vec![view])));
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed(&format!("events {stack}")));
    keys(&mut state, [Input::InputSubmit]);
    let generation = state.generation;
    keys(
        &mut state,
        [TaskResult::OutputsLoaded {
            generation,
            outputs: Vec::new(),
            exports: vec![Export {
                name: "Bucket".into(),
                value: "my-bucket".into(),
                exporting_stack_id: "stack".into(),
            }],
        }],
    );
    let references = &state.events.as_ref().unwrap().references;
    assert_eq!(
        references,
        &vec![
            ("Bucket".to_string(), Some("my-bucket".to_string())),
            ("Role".to_string(), None),
        ]
    );
}

#[test]
fn every_route_to_another_stage_clears_the_region_and_reloads_what_depends_on_it() {
    // Enter in the accounts view.
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("region eu-west-1"));
    keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.region_override.as_deref(), Some("eu-west-1"));
    keys(&mut state, [Input::Show(ViewKind::Accounts)]);
    let commands = keys(&mut state, [Input::Down, Input::Down, Input::Open]);
    assert_eq!(state.stage, Stage::Beta);
    assert_eq!(state.region_override, None);
    assert!(
        commands.contains(&Command::LoadAccounts {
            generation: state.generation
        }),
        "{commands:?}"
    );
    // `:stage` on the pipeline view reads the new stage's pipeline at once.
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Pipeline)]);
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("stage beta"));
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert!(
        commands.contains(&Command::LoadPipeline {
            generation: state.generation,
            stage: Stage::Beta
        }),
        "{commands:?}"
    );
    assert_eq!(state.pipeline, Loadable::Loading);
}
