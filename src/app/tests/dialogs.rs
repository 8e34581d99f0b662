//! Confirmations, prod typing, read-only, help, jobs and scaffolds.

use super::*;
use crate::app::{EventsResult, JobsResult, WorkspaceResult};

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
        [TaskResult::new(
            generation,
            EventsResult::PlanReady(plan(Stage::Sandbox)),
        )],
    );
    let commands = keys(&mut state, [Input::InputSubmit]);
    assert!(state.dialog.is_none());
    assert!(
        matches!(&commands[..], [Command::Discard { .. }]),
        "a buffered enter answers no: {commands:?}"
    );
    keys(
        &mut state,
        [TaskResult::new(
            generation,
            EventsResult::PlanReady(plan(Stage::Sandbox)),
        )],
    );
    let commands = keys(&mut state, [Input::InputChar('y'), Input::InputSubmit]);
    assert!(
        matches!(&commands[..], [Command::Execute { .. }]),
        "{commands:?}"
    );
    let commands = keys(
        &mut state,
        [TaskResult::new(
            generation,
            EventsResult::ChangeStarted {
                stage: Stage::Sandbox,
                stack_id: "arn:stack/x/1".into(),
                after: Some("e9".into()),
            },
        )],
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
        [TaskResult::new(
            generation,
            EventsResult::PlanReady(plan(Stage::Prod)),
        )],
    );
    let commands = keys(&mut state, [Input::InputChar('y'), Input::InputSubmit]);
    assert!(
        matches!(&commands[..], [Command::Discard { .. }]),
        "y is not enough in prod"
    );
    keys(
        &mut state,
        [TaskResult::new(
            generation,
            EventsResult::PlanReady(plan(Stage::Prod)),
        )],
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
fn help_opens_scrolls_and_any_other_key_closes() {
    let mut state = loaded();
    keys(&mut state, [Input::Help]);
    assert!(state.help);
    keys(&mut state, [Input::Down, Input::PageDown]);
    assert!(state.help, "moving keys scroll the help");
    assert_eq!(state.overlay_scroll, 11);
    assert_eq!(
        state.selected(ViewKind::Resources),
        0,
        "not the list behind"
    );
    let commands = keys(&mut state, [Input::DeploySetup]);
    assert!(!state.help);
    assert!(commands.is_empty(), "the closing key does nothing else");
    assert!(state.dialog.is_none());
    keys(&mut state, [Input::Help]);
    assert_eq!(state.overlay_scroll, 0, "help opens at its top");
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
            [TaskResult::new(
                0,
                JobsResult::Line {
                    id,
                    line: line.into(),
                },
            )],
        );
    }
    let commands = keys(
        &mut state,
        [TaskResult::new(
            0,
            JobsResult::Ended {
                id,
                status: JobStatus::Exited(1),
            },
        )],
    );
    // The run is kept for the board's sandbox column, with its extension and counts.
    let [Command::RecordTestRun(run)] = commands.as_slice() else {
        panic!("{commands:?}");
    };
    assert_eq!(run.extension, state.jobs[0].folder);
    assert_eq!((run.passed, run.failed, run.exit_code), (1, 1, Some(1)));
    assert!(!run.passed_all());
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
    keys(
        &mut state,
        [TaskResult::new(
            0,
            WorkspaceResult::ScaffoldPlanned(Ok(plan.clone())),
        )],
    );
    assert!(matches!(
        state.dialog,
        Some(Dialog::Scaffold { yes: false, .. })
    ));
    assert!(
        keys(&mut state, [Input::InputSubmit]).is_empty(),
        "enter alone writes nothing"
    );
    keys(
        &mut state,
        [TaskResult::new(
            0,
            WorkspaceResult::ScaffoldPlanned(Ok(plan)),
        )],
    );
    let commands = keys(&mut state, [Input::DialogToggle, Input::InputSubmit]);
    assert!(matches!(&commands[..], [Command::ApplyScaffold { .. }]));
}

#[test]
fn a_status_message_is_cleared_by_the_next_input() {
    let mut state = loaded();
    state.read_only = true;
    keys(&mut state, [Input::DeploySetup]);
    assert!(state.notice.as_ref().unwrap().text.contains("read-only"));
    keys(&mut state, [Input::Down]);
    assert_eq!(state.notice, None, "the refusal belonged to the deploy key");
    // A prod change declined, then confirmed: the refusal does not outlive the next answer.
    let mut state = loaded();
    state.dialog = Some(Dialog::Confirm {
        plan: Box::new(plan(Stage::Prod)),
        yes: false,
        typed: String::new(),
    });
    keys(&mut state, [Input::InputSubmit]);
    assert!(
        state
            .notice
            .as_ref()
            .unwrap()
            .text
            .contains("not confirmed")
    );
    state.dialog = Some(Dialog::Confirm {
        plan: Box::new(plan(Stage::Prod)),
        yes: false,
        typed: String::new(),
    });
    keys(&mut state, typed("prod"));
    keys(&mut state, [Input::InputSubmit]);
    assert_eq!(state.notice, None, "{:?}", state.notice);
    assert!(matches!(state.dialog, Some(Dialog::Busy(_))));
}

#[test]
fn quitting_while_a_job_runs_asks_first_and_defaults_to_no() {
    let mut state = loaded();
    keys(&mut state, [Input::RunCfn(CfnVerb::Validate)]);
    assert_eq!(state.jobs[0].status, JobStatus::Running);
    keys(&mut state, [Input::Quit]);
    assert!(
        !state.quit,
        "a running job is not left behind without a question"
    );
    assert!(matches!(
        state.dialog,
        Some(Dialog::QuitWithJobs {
            running: 1,
            yes: false
        })
    ));
    keys(&mut state, [Input::InputSubmit]);
    assert!(
        !state.quit && state.dialog.is_none(),
        "the default answer is No"
    );
    keys(
        &mut state,
        [Input::Quit, Input::InputChar('y'), Input::InputSubmit],
    );
    assert!(state.quit);
    // Without a running job, q quits at once.
    let mut idle = loaded();
    keys(&mut idle, [Input::Quit]);
    assert!(idle.quit);
}
