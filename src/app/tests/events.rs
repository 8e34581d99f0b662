//! The events view: following, stale results, pinned failures, outputs and exports.

use super::*;
use crate::app::{AccountsResult, EventsResult, WorkspaceResult};

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
    let polled = |range: std::ops::Range<usize>| {
        TaskResult::new(
            generation,
            EventsResult::Polled {
                events: range.map(|n| event(n, "CREATE_IN_PROGRESS")).collect(),
                problem: None,
                stopped: false,
            },
        )
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
        [TaskResult::new(
            old,
            EventsResult::Polled {
                events: vec![event(1, "CREATE_FAILED")],
                problem: None,
                stopped: false,
            },
        )],
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
        region_source: None,
        credentials_source: None,
        message: None,
        hint: None,
        warning: None,
    };
    keys(
        &mut state,
        [TaskResult::new(old, AccountsResult::Checked(row))],
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
        [TaskResult::new(
            generation,
            EventsResult::Polled {
                events,
                problem: None,
                stopped: false,
            },
        )],
    );
    let view = state.events.as_ref().unwrap();
    assert_eq!(view.watch.failures.len(), 1);
    assert_eq!(view.watch.outcome(), Some(false));
    assert!(commands.is_empty(), "no outputs after a failure");
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
    update(
        &mut state,
        TaskResult::new(0, WorkspaceResult::Loaded(Ok(vec![view]))),
    );
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed(&format!("events {stack}")));
    keys(&mut state, [Input::InputSubmit]);
    let generation = state.generation;
    keys(
        &mut state,
        [TaskResult::new(
            generation,
            EventsResult::OutputsLoaded {
                outputs: Vec::new(),
                exports: vec![Export {
                    name: "Bucket".into(),
                    value: "my-bucket".into(),
                    exporting_stack_id: "stack".into(),
                }],
            },
        )],
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

/// The board's row of a setup stack is read again when the stack settles, and `r` on the board
/// reads every stage at once, instead of waiting for the minute.
#[test]
fn a_settled_setup_stack_and_r_read_the_board_again() {
    let mut state = loaded();
    let stack = "setup-S3-DeleteBucketContents";
    keys(&mut state, [Input::CommandMode]);
    keys(&mut state, typed(&format!("events {stack}")));
    keys(&mut state, [Input::InputSubmit]);
    let generation = state.generation;
    let polled = |range: std::ops::Range<usize>, status: &'static str| {
        let events: Vec<_> = range
            .map(|n| crate::cloud::StackEvent {
                stack_name: stack.into(),
                logical_id: stack.into(),
                resource_type: "AWS::CloudFormation::Stack".into(),
                ..event(n, status)
            })
            .collect();
        TaskResult::new(
            generation,
            EventsResult::Polled {
                events,
                problem: None,
                stopped: false,
            },
        )
    };
    let read_sandbox = Command::ReadBoard {
        stages: vec![Stage::Sandbox],
    };
    let commands = keys(&mut state, [polled(0..1, "CREATE_IN_PROGRESS")]);
    assert!(!commands.contains(&read_sandbox), "{commands:?}");
    let commands = keys(&mut state, [polled(1..2, "CREATE_COMPLETE")]);
    assert!(commands.contains(&read_sandbox), "{commands:?}");
    let commands = keys(&mut state, [polled(2..2, "CREATE_COMPLETE")]);
    assert!(!commands.contains(&read_sandbox), "once: {commands:?}");

    keys(&mut state, [Input::Back]);
    let commands = keys(&mut state, [Input::Refresh]);
    assert!(
        commands.iter().any(|c| matches!(
            c,
            Command::ReadBoard { stages } if stages.contains(&Stage::Sandbox) && stages.contains(&Stage::Cicd)
        )),
        "{commands:?}"
    );
}
