//! Moving, filtering, the command line and switching stage.

use super::*;
use crate::app::{BetaResult, BoardResult, RolloutResult};

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
    assert_eq!(state.cicd.pipeline, Loadable::Loading);
}

#[test]
fn the_beta_view_reads_the_history_and_shows_its_rows() {
    let mut state = loaded();
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed("beta"));
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.view(), ViewKind::Beta);
    assert_eq!(commands, [Command::LoadBeta]);
    assert!(matches!(state.integ.rows, Loadable::Loading));
    let rows = crate::ops::integ::beta_rows(
        &[("resources/A".to_string(), crate::config::Maturity::Prod)],
        &[],
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::Loaded(Ok(rows)),
        )))],
    );
    assert_eq!(state.row_count(ViewKind::Beta), 1);
    // Enter follows the row's long-lived stack in the beta account.
    let commands = keys(&mut state, [Input::Open]);
    assert!(
        commands.iter().any(|c| matches!(c, Command::Follow { stage: Stage::Beta, stack, .. } if stack == "integ-keep-A")),
        "{commands:?}"
    );
    // Without a long-lived stack yet, enter says how to make one instead of following nothing.
    keys(&mut state, [Input::Show(ViewKind::Beta)]);
    if let Loadable::Loaded { value, .. } = &mut state.integ.rows {
        value[0].keep = Some(crate::ops::integ::NO_KEEP_STACK.into());
    }
    assert!(keys(&mut state, [Input::Open]).is_empty());
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("no long-lived stack")
    );
    // Shown again, it reads again (the history may have grown), keeping the rows meanwhile.
    keys(&mut state, [Input::Show(ViewKind::Resources)]);
    let commands = keys(&mut state, [Input::Show(ViewKind::Beta)]);
    assert_eq!(commands, [Command::LoadBeta]);
    assert!(matches!(state.integ.rows, Loadable::Loaded { .. }));
}

#[test]
fn a_run_started_from_the_beta_view_reports_as_it_goes() {
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Beta)]);
    let rows = crate::ops::integ::beta_rows(
        &[("resources/A".to_string(), crate::config::Maturity::Alpha)],
        &[],
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::Loaded(Ok(rows)),
        )))],
    );
    let commands = keys(&mut state, [Input::RunInteg]);
    assert_eq!(
        commands,
        [Command::RunInteg {
            folder: "resources/A".into()
        }]
    );
    assert!(
        keys(&mut state, [Input::RunInteg]).is_empty(),
        "one run at a time"
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::IntegProgress {
                folder: "resources/A".into(),
                line: "creating integ-fresh-A-1".into(),
                stack_id: None,
            },
        )))],
    );
    assert_eq!(
        state.integ.live["resources/A"].line,
        "creating integ-fresh-A-1"
    );
    let commands = keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::IntegFinished {
                folder: "resources/A".into(),
                result: Err("the beta account has no credentials".into()),
            },
        )))],
    );
    assert_eq!(
        commands,
        [Command::LoadBeta, Command::ReadBoard { stages: Vec::new() }],
        "the rows are read again, and the board's histories (no call)"
    );
    assert!(state.integ.live.is_empty());
    assert!(state.notice.as_ref().unwrap().error);
    // Elsewhere than the beta view, the key says where runs start.
    keys(&mut state, [Input::Show(ViewKind::Resources)]);
    assert!(keys(&mut state, [Input::RunInteg]).is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("beta view"));
}

/// The result of one extension's run, as `ops::integ::run` returns it.
fn integ_result(folder: &str, class: crate::ops::integ::IntegClass, alpha: bool) -> TaskResult {
    use crate::config::Maturity;
    let allowed = alpha && class != crate::ops::integ::IntegClass::Passed;
    TaskResult::new(
        0,
        BetaResult::IntegFinished {
            folder: folder.into(),
            result: Ok(Box::new(crate::ops::integ::IntegResult {
                extension: folder.into(),
                type_name: None,
                maturity: if alpha {
                    Maturity::Alpha
                } else {
                    Maturity::Prod
                },
                version: Some("00000003".into()),
                run_id: "r1".into(),
                class,
                allowed,
                blocks: class != crate::ops::integ::IntegClass::Passed && !allowed,
                stacks: Vec::new(),
                reasons: Vec::new(),
                stale_deleted: Vec::new(),
                started_ms: 0,
                duration_ms: 1,
            })),
        },
    )
}

#[test]
fn run_all_queues_every_extension_follows_a_live_stack_and_sums_up() {
    use crate::config::Maturity;
    use crate::ops::integ::IntegClass;
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Beta)]);
    let rows = crate::ops::integ::beta_rows(
        &[
            ("modules/M".to_string(), Maturity::Alpha),
            ("resources/A".to_string(), Maturity::Prod),
            ("resources/B".to_string(), Maturity::Prod),
        ],
        &[],
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::Loaded(Ok(rows)),
        )))],
    );
    // One already runs: A starts the other two.
    keys(&mut state, [Input::Down, Input::RunInteg]);
    let commands = keys(&mut state, [Input::RunIntegAll]);
    assert_eq!(
        commands,
        [
            Command::RunInteg {
                folder: "modules/M".into()
            },
            Command::RunInteg {
                folder: "resources/B".into()
            },
        ]
    );
    assert!(
        state.integ.live["modules/M"]
            .line
            .contains("waiting for a slot")
    );
    // Enter on a running row follows the stack its events are about.
    let stack_id = "arn:aws:cloudformation:us-east-1:1:stack/integ-fresh-A-r1/abc";
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::IntegProgress {
                folder: "resources/A".into(),
                line: "Bucket CREATE_IN_PROGRESS AWS::S3::Bucket".into(),
                stack_id: Some(stack_id.into()),
            },
        )))],
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BetaResult::IntegProgress {
                folder: "resources/A".into(),
                line: "deleting integ-fresh-A-r1".into(),
                stack_id: None,
            },
        )))],
    );
    assert_eq!(
        state.integ.live["resources/A"].stack_id.as_deref(),
        Some(stack_id),
        "a line without a stack keeps the stack"
    );
    let commands = keys(&mut state, [Input::Open]);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::Follow { stack, stage: Stage::Beta, .. } if stack == stack_id
        )),
        "{commands:?}"
    );
    keys(&mut state, [Input::Back]);
    // Each end says so; the last one sums the batch up.
    keys(
        &mut state,
        [
            Action::Result(Box::new(integ_result(
                "resources/A",
                IntegClass::Passed,
                false,
            ))),
            Action::Result(Box::new(integ_result(
                "modules/M",
                IntegClass::CompatibilityBreak,
                true,
            ))),
        ],
    );
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("allowed: alpha")
    );
    keys(
        &mut state,
        [Action::Result(Box::new(integ_result(
            "resources/B",
            IntegClass::CompatibilityBreak,
            false,
        )))],
    );
    let summary = state.notice.clone().unwrap();
    assert_eq!(
        summary.text,
        "all runs ended: 1 passed, 1 allowed (alpha); 1 blocks the release: resources/B"
    );
    assert!(summary.error);
    assert!(state.integ.batch.is_none() && state.integ.live.is_empty());
}

#[test]
fn the_prod_view_reads_the_versions_and_reads_them_again_on_refresh() {
    let mut state = loaded();
    let commands = keys(&mut state, [Input::Show(ViewKind::Prod)]);
    assert_eq!(commands, [Command::LoadVersions]);
    assert!(matches!(state.versions, Loadable::Loading));
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BoardResult::VersionsLoaded(Err(crate::cloud::CloudError::new(
                crate::cloud::CloudErrorKind::Service,
                "ListRegions: access denied",
                "",
            ))),
        )))],
    );
    assert!(matches!(state.versions, Loadable::Failed { .. }));
    let found = vec![crate::ops::versions::ExtensionVersions {
        extension: "resources/A".into(),
        type_name: "X::Y::A".into(),
        maturity: crate::config::Maturity::Prod,
        newest: Some("1.0.2".into()),
        regions: ["eu-west-1", "us-east-1"]
            .iter()
            .map(|region| crate::ops::versions::RegionVersion {
                region: region.to_string(),
                public: Some("1.0.2".into()),
                private_default: None,
                standing: crate::ops::versions::Standing::Current,
                detail: None,
            })
            .collect(),
    }];
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            BoardResult::VersionsLoaded(Ok(found)),
        )))],
    );
    assert_eq!(state.row_count(ViewKind::Prod), 2, "a row per region");
    keys(&mut state, [Input::Down, Input::Down]);
    assert_eq!(state.selected(ViewKind::Prod), 1);
    // r reads again and keeps the rows meanwhile.
    assert_eq!(keys(&mut state, [Input::Refresh]), [Command::LoadVersions]);
    assert!(matches!(state.versions, Loadable::Loaded { .. }));
}

#[test]
fn the_rollout_view_attaches_then_polls_every_15_s_until_the_rollout_ends() {
    use crate::ops::rollout_watch::RolloutWatch;
    let mut state = loaded();
    let commands = keys(&mut state, [Input::Show(ViewKind::Rollout)]);
    assert_eq!(
        commands,
        [Command::PollRollout { watch: None }],
        "the first poll finds the newest rollout"
    );
    let watch = |status: &str| {
        let mut watch = RolloutWatch::new("parent-1");
        watch.state = Some(crate::cloud::RolloutState {
            execution_id: "parent-1".into(),
            status: status.into(),
            started_ms: Some(0),
            ended_ms: None,
            failure: None,
            regions: vec![crate::cloud::RegionRun {
                region: "eu-west-1".into(),
                execution_id: Some("child".into()),
                status: status.into(),
                current_step: Some("WaitForTests".into()),
                failure: None,
                started_ms: Some(0),
                ended_ms: None,
            }],
            reads: 1,
            nested: Vec::new(),
            request: crate::cloud::RolloutRequest {
                document: "regship-publish-extension".into(),
                document_version: "1".into(),
                parameters: Vec::new(),
                account: "1".into(),
                regions: vec!["eu-west-1".into()],
                max_concurrency: 5,
                max_errors: 1,
                execution_role_name: "role".into(),
                canary: None,
            },
        });
        watch
    };
    state.now_ms = 1_000;
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Ok(Box::new(watch("InProgress")))),
        )))],
    );
    assert_eq!(state.row_count(ViewKind::Rollout), 1);
    assert!(
        keys(&mut state, [Action::Tick(10_000)]).is_empty(),
        "not yet"
    );
    let commands = keys(&mut state, [Action::Tick(16_000)]);
    assert_eq!(
        commands,
        [Command::PollRollout {
            watch: Some(Box::new(watch("InProgress")))
        }],
        "the same watcher polls again, so that it sees what changed"
    );
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Ok(Box::new(watch("Success")))),
        )))],
    );
    assert!(
        keys(&mut state, [Action::Tick(60_000)]).is_empty(),
        "an ended rollout is not polled"
    );
    // A failed poll keeps what was shown and says what to do; r polls the same rollout again.
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Err(crate::cloud::CloudError::new(
                crate::cloud::CloudErrorKind::Service,
                "GetAutomationExecution: the credentials of profile prod expired",
                "",
            ))),
        )))],
    );
    assert!(matches!(state.prod_rollout.watch, Loadable::Loaded { .. }));
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("r tries again")
    );
    assert_eq!(
        keys(&mut state, [Input::Refresh]),
        [Command::PollRollout {
            watch: Some(Box::new(watch("Success")))
        }]
    );
}

#[test]
fn r_in_the_rollout_view_retries_only_the_failed_regions_once_it_ended() {
    use crate::ops::rollout_watch::RolloutWatch;
    let run = |region: &str, status: &str| crate::cloud::RegionRun {
        region: region.into(),
        execution_id: Some(format!("child-{region}")),
        status: status.into(),
        current_step: None,
        failure: None,
        started_ms: Some(0),
        ended_ms: None,
    };
    let watch = |status: &str| {
        let mut watch = RolloutWatch::new("parent-1");
        watch.state = Some(crate::cloud::RolloutState {
            execution_id: "parent-1".into(),
            status: status.into(),
            started_ms: Some(0),
            ended_ms: None,
            failure: None,
            regions: vec![run("eu-west-1", "Success"), run("me-south-1", "Failed")],
            reads: 1,
            nested: Vec::new(),
            request: crate::cloud::RolloutRequest {
                document: "regship-publish-extension".into(),
                document_version: "2".into(),
                parameters: vec![("TypeName".into(), "X::Y::Z".into())],
                account: "444444444444".into(),
                regions: vec!["eu-west-1".into(), "me-south-1".into()],
                max_concurrency: 5,
                max_errors: 1,
                execution_role_name: "role".into(),
                canary: None,
            },
        });
        watch
    };
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Rollout)]);
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Ok(Box::new(watch("InProgress")))),
        )))],
    );
    let retry = Input::ControlPipeline(PipelineControl::RetryFailed);
    assert!(keys(&mut state, [retry.clone()]).is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("still runs"));
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Ok(Box::new(watch("Failed")))),
        )))],
    );
    let commands = keys(&mut state, [retry]);
    let [Command::PlanRolloutChange { change, .. }] = commands.as_slice() else {
        panic!("{commands:?}");
    };
    let crate::ops::plans::RolloutChange::Retry {
        execution_id,
        request,
    } = change
    else {
        panic!("{change:?}");
    };
    assert_eq!(execution_id, "parent-1");
    assert_eq!(request.regions, ["me-south-1"], "the failed region only");
    assert_eq!(request.document_version, "2", "as it ran");
    // A stop of an ended rollout is refused with a word.
    state.dialog = None;
    assert!(keys(&mut state, [Input::ControlPipeline(PipelineControl::Stop)]).is_empty());
    assert!(state.notice.as_ref().unwrap().text.contains("has ended"));
    // A retry that started follows the new rollout.
    let commands = keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Changed(Ok(("started parent-2".into(), Some("parent-2".into())))),
        )))],
    );
    assert_eq!(
        commands,
        [Command::PollRollout {
            watch: Some(Box::new(RolloutWatch::new("parent-2")))
        }]
    );
}

/// On-call at 3 a.m.: the regions not published come first, and enter on one reads its steps
/// from its own execution in its region, with the whole failure message; a region that never
/// started has no execution to read, and says so.
#[test]
fn enter_on_a_rollout_region_reads_its_steps_where_it_lives() {
    use crate::ops::rollout_watch::RolloutWatch;
    let run = |region: &str, status: &str, child: bool| crate::cloud::RegionRun {
        region: region.into(),
        execution_id: child.then(|| format!("child-{region}")),
        status: status.into(),
        current_step: None,
        failure: (status == "Failed").then(|| "TestType FAILED: a long reason".to_string()),
        started_ms: Some(0),
        ended_ms: None,
    };
    let mut watch = RolloutWatch::new("parent-1");
    watch.state = Some(crate::cloud::RolloutState {
        execution_id: "parent-1".into(),
        status: "Failed".into(),
        started_ms: Some(0),
        ended_ms: Some(1),
        failure: None,
        regions: vec![
            run("af-south-1", "Success", true),
            run("eu-west-1", "NotStarted", false),
            run("me-south-1", "Failed", true),
            run("us-east-1", "Success", true),
        ],
        reads: 1,
        nested: Vec::new(),
        request: crate::cloud::RolloutRequest {
            document: "regship-publish-extension".into(),
            document_version: "$DEFAULT".into(),
            parameters: Vec::new(),
            account: "444444444444".into(),
            regions: Vec::new(),
            max_concurrency: 5,
            max_errors: 1,
            execution_role_name: "role".into(),
            canary: None,
        },
    });
    let order: Vec<&str> = crate::ops::rollout_watch::display_order(watch.state.as_ref().unwrap())
        .iter()
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(
        order,
        ["me-south-1", "eu-west-1", "af-south-1", "us-east-1"]
    );
    let mut state = loaded();
    keys(&mut state, [Input::Show(ViewKind::Rollout)]);
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            0,
            RolloutResult::Polled(Ok(Box::new(watch))),
        )))],
    );
    // The first row is the failed region.
    let commands = keys(&mut state, [Input::Open]);
    assert_eq!(state.screen(), &Screen::RolloutRegion("me-south-1".into()));
    assert_eq!(
        commands,
        [Command::LoadRolloutSteps {
            generation: state.generation,
            region: "me-south-1".into(),
            child: "child-me-south-1".into(),
        }]
    );
    let steps = vec![crate::cloud::StepRun {
        name: "CheckTests".into(),
        status: "Failed".into(),
        failure: Some("TestType FAILED: a long reason".into()),
        critical: true,
        started_ms: Some(0),
        ended_ms: Some(2_000),
    }];
    let generation = state.generation;
    keys(
        &mut state,
        [Action::Result(Box::new(TaskResult::new(
            generation,
            RolloutResult::StepsLoaded(Ok(steps.clone())),
        )))],
    );
    assert_eq!(state.prod_rollout.steps.value(), Some(&steps));
    // r reads them again; esc goes back; the never-started region has nothing to read.
    assert_eq!(keys(&mut state, [Input::Refresh]).len(), 1);
    keys(&mut state, [Input::Back, Input::Down]);
    assert!(keys(&mut state, [Input::Open]).is_empty());
    assert_eq!(state.screen(), &Screen::RolloutRegion("eu-west-1".into()));
    assert_eq!(state.prod_rollout.steps.value(), Some(&Vec::new()));
}
