//! The pipeline view, the build screen, executions, retries and the build column.

use super::*;
use crate::app::{BoardResult, EventsResult, PipelineResult, WorkspaceResult};

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
        [TaskResult::new(
            1,
            PipelineResult::Loaded {
                stage: Stage::Sandbox,
                result: Ok(pipeline_view("InProgress")),
            },
        )],
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
        [TaskResult::new(
            1,
            PipelineResult::Loaded {
                stage: Stage::Sandbox,
                result: Ok(pipeline_view("Succeeded")),
            },
        )],
    );
    assert!(
        keys(&mut state, [Action::Tick(20_000)]).is_empty(),
        "idle: 30 s"
    );
    assert_eq!(keys(&mut state, [Action::Tick(36_000)]).len(), 1);
    keys(
        &mut state,
        [TaskResult::new(
            0,
            PipelineResult::Loaded {
                stage: Stage::Sandbox,
                result: Err(crate::cloud::CloudError::new(
                    crate::cloud::CloudErrorKind::Service,
                    "stale",
                    "",
                )),
            },
        )],
    );
    assert!(
        state.cicd.pipeline.value().is_some(),
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
            Action::from(TaskResult::new(
                1,
                PipelineResult::Loaded {
                    stage: Stage::Cicd,
                    result: Ok(pipeline_view(status)),
                },
            )),
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
    let polled = |lines: &[&str]| {
        TaskResult::new(
            2,
            PipelineResult::BuildPolled {
                build: None,
                lines: lines.iter().map(|l| l.to_string()).collect(),
                problem: None,
            },
        )
    };
    keys(&mut state, [polled(&["one", "two"]), polled(&["three"])]);
    let view = state.cicd.build.as_ref().unwrap();
    assert_eq!(view.lines, ["one", "two", "three"]);
    assert_eq!(
        view.extension.as_deref(),
        Some("resources/S3_DeleteBucketContents")
    );
    let commands = keys(&mut state, [Input::Back]);
    assert_eq!(commands, [Command::CancelBefore { generation: 3 }]);
    assert!(state.cicd.build.is_none());
    assert_eq!(state.screen(), &Screen::List(ViewKind::Pipeline));
    keys(&mut state, [polled(&["late"])]);
    assert!(
        state.cicd.build.is_none(),
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
        [TaskResult::new(1, EventsResult::PlanReady(plan.clone()))],
    );
    assert!(
        keys(&mut state, [Input::InputSubmit]).is_empty(),
        "enter alone answers the default, no"
    );
    keys(
        &mut state,
        [TaskResult::new(1, EventsResult::PlanReady(plan.clone()))],
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
        [TaskResult::new(
            1,
            PipelineResult::Changed(Ok("retrying".into())),
        )],
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

/// The readiness board: every stage read when the resources view first shows, again each
/// minute while it shows (prod every 20 minutes), nothing while another view shows; each read
/// lands in its own column, a stage without credentials in its column only.
#[test]
fn the_board_reads_each_stage_once_a_minute_while_the_resources_view_shows() {
    use crate::ops::status::{BoardPart, Standing, State};
    let mut state = AppState::new("repo", Stage::Sandbox);
    let commands = keys(
        &mut state,
        [TaskResult::new(
            0,
            WorkspaceResult::Loaded(Ok(vec![extension(
                "resources/S3_DeleteBucketContents",
                "AwsCommunity::S3::DeleteBucketContents",
            )])),
        )],
    );
    let every = vec![Stage::Sandbox, Stage::Cicd, Stage::Prod];
    assert_eq!(
        commands,
        [Command::ReadBoard {
            stages: every.clone()
        }]
    );
    keys(
        &mut state,
        [
            Action::Tick(1_000),
            // The runner sends the board's column of a CI/CD pipeline read, then the read.
            Action::from(TaskResult::new(
                1,
                BoardResult::Read(BoardPart::Cicd(Ok(crate::ops::status::build_statuses(
                    &pipeline_view("Failed").state,
                    &pipeline_view("Failed").extensions,
                )))),
            )),
            Action::from(TaskResult::new(
                1,
                PipelineResult::Loaded {
                    stage: Stage::Cicd,
                    result: Ok(pipeline_view("Failed")),
                },
            )),
            Action::from(TaskResult::new(
                0,
                BoardResult::Read(BoardPart::Sandbox(Err(Standing::new(
                    State::NoCredentials,
                    "no credentials",
                )))),
            )),
        ],
    );
    let row = &state.extensions.value().unwrap()[0];
    let status =
        crate::ops::status::status_of(&row.row, &row.setup_stack, &state.readiness.inputs, 1_000);
    assert_eq!(status.cicd.text(), "✗ Failed");
    assert_eq!(status.sandbox.text(), "⊘ no credentials");
    assert_eq!(
        status.checks.text(),
        "✓ clean",
        "one stage's failure stays in its column"
    );
    assert!(
        state.cicd.pipeline.value().is_none(),
        "the sandbox stage's pipeline view is not the cicd pipeline"
    );
    assert!(keys(&mut state, [Action::Tick(30_000)]).is_empty());
    assert_eq!(
        keys(&mut state, [Action::Tick(61_000)]),
        [Command::ReadBoard {
            stages: vec![Stage::Sandbox, Stage::Cicd]
        }],
        "read again after a minute; prod (versions change only with a rollout) not yet"
    );
    keys(&mut state, [Input::Show(ViewKind::Accounts)]);
    assert!(
        !keys(&mut state, [Action::Tick(200_000)])
            .iter()
            .any(|c| matches!(c, Command::ReadBoard { .. })),
        "nothing while another view shows"
    );
    keys(&mut state, [Input::Show(ViewKind::Resources)]);

    // Prod: where the account publishes, then a few regions a minute (a resource is one
    // listing a region: four regions), round robin; the column once every region was read.
    let regions: Vec<String> = (1..=6).map(|n| format!("r-{n}")).collect();
    keys(
        &mut state,
        [TaskResult::new(
            0,
            BoardResult::Read(BoardPart::ProdPlan(Ok((
                regions.clone(),
                Some("pub-1".into()),
            )))),
        )],
    );
    let slice = |from: usize, to: usize| Command::ReadProdSlice {
        regions: regions[from..to].to_vec(),
        publisher: "pub-1".into(),
    };
    assert_eq!(
        keys(&mut state, [Action::Tick(300_000)]),
        [
            Command::ReadBoard {
                stages: vec![Stage::Sandbox, Stage::Cicd]
            },
            slice(0, 4)
        ]
    );
    let listing = |region: &str| {
        (
            region.to_string(),
            Ok([(
                "AwsCommunity::S3::DeleteBucketContents".to_string(),
                Some("1.0.3".to_string()),
            )]
            .into()),
        )
    };
    keys(
        &mut state,
        [TaskResult::new(
            0,
            BoardResult::Read(BoardPart::ProdSlice(
                regions[0..4].iter().map(|r| listing(r)).collect(),
            )),
        )],
    );
    let prod = |state: &AppState| {
        let row = &state.extensions.value().unwrap()[0];
        crate::ops::status::status_of(&row.row, &row.setup_stack, &state.readiness.inputs, 0).prod
    };
    assert_eq!(prod(&state).text(), "… reading 4/6");
    let commands = keys(&mut state, [Action::Tick(361_000)]);
    assert_eq!(
        commands[1],
        Command::ReadProdSlice {
            regions: vec!["r-5".into(), "r-6".into(), "r-1".into(), "r-2".into()],
            publisher: "pub-1".into(),
        },
        "round robin"
    );
    keys(
        &mut state,
        [TaskResult::new(
            0,
            BoardResult::Read(BoardPart::ProdSlice(
                ["r-5", "r-6"].iter().map(|r| listing(r)).collect(),
            )),
        )],
    );
    assert_eq!(prod(&state).text(), "✓ 6/6 on 1.0.3");
    assert_eq!(
        keys(&mut state, [Action::Tick(3_700_000)]),
        [Command::ReadBoard { stages: every }],
        "where prod publishes is read again after an hour"
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
            Action::from(TaskResult::new(
                1,
                PipelineResult::Loaded {
                    stage: Stage::Cicd,
                    result: Ok(view),
                },
            )),
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
    let execution = state.cicd.pipeline.value().unwrap().executions[0].clone();
    keys(
        &mut state,
        [TaskResult::new(
            1,
            PipelineResult::ExecutionLoaded(Ok(ExecutionView {
                execution,
                actions: vec![record.clone()],
            })),
        )],
    );
    assert_eq!(state.cicd.execution.value().unwrap().actions, [record]);
    keys(&mut state, [Input::Back]);
    assert_eq!(state.screen(), &Screen::List(ViewKind::Pipeline));
}

/// `enter` on an action without a build (a hand-over, an approval) opens its whole error.
#[test]
fn enter_on_an_action_without_a_build_opens_its_whole_error() {
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Pipeline)]);
    let mut view = pipeline_view("Failed");
    let error = "The provided role does not have sufficient permissions to access the beta artifact bucket regship-beta-artifacts-333333333333 (Service: S3, Status Code: 403)";
    view.state.stages[0].actions[0].external_id = None;
    view.state.stages[0].actions[0].error = Some(error.into());
    let generation = state.generation;
    keys(
        &mut state,
        [TaskResult::new(
            generation,
            PipelineResult::Loaded {
                stage: Stage::Sandbox,
                result: Ok(view),
            },
        )],
    );
    keys(&mut state, [Input::Open]);
    match &state.dialog {
        Some(Dialog::Message { title, body }) => {
            assert_eq!(title, "action S3DeleteBucketContents");
            assert!(
                body.contains(error) && body.contains("status: Failed"),
                "{body}"
            );
        }
        other => panic!("{other:?}"),
    }
}
