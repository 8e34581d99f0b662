//! Key sequences against the reducer, one file per concern; the helpers they share.

use super::*;

mod dialogs;
mod events;
mod navigation;
mod pipeline;
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
        TaskResult::new(
            0,
            WorkspaceResult::Loaded(Ok(vec![
                extension(
                    "resources/S3_DeleteBucketContents",
                    "AwsCommunity::S3::DeleteBucketContents",
                ),
                extension("resources/SQS_Thing", "AwsCommunity::SQS::Thing"),
                extension("hooks/S3_Check", "AwsCommunity::S3::Check"),
            ])),
        ),
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
            uploads: Vec::new(),
        },
    }
}

/// The one staleness rule: a result bound to its generation is dropped once a switch made it
/// stale, one that outlives switches (a job's line, the workspace) still applies.
#[test]
fn a_stale_result_is_dropped_in_one_place_and_only_when_bound_to_its_generation() {
    let mut state = AppState::new("repo", Stage::Sandbox);
    state.generation = 5;
    let stale = TaskResult::new(4, AccountsResult::ExportsLoaded(Ok(Vec::new())));
    assert!(super::results::is_stale(&state, &stale));
    update(&mut state, stale);
    assert_eq!(state.exports, Loadable::NotLoaded, "dropped");
    let current = TaskResult::new(5, AccountsResult::ExportsLoaded(Ok(Vec::new())));
    assert!(!super::results::is_stale(&state, &current));
    let unbound = TaskResult::new(1, WorkspaceResult::Loaded(Ok(Vec::new())));
    assert!(!super::results::is_stale(&state, &unbound));
    update(&mut state, unbound);
    assert!(state.extensions.value().is_some(), "applied");
    assert!(super::results::is_stale(
        &state,
        &TaskResult::new(4, RolloutResult::StepsLoaded(Ok(Vec::new())))
    ));
    assert!(!super::results::is_stale(
        &state,
        &TaskResult::new(
            4,
            RolloutResult::Polled(Err(crate::cloud::CloudError::new(
                crate::cloud::CloudErrorKind::Service,
                "throttled",
                ""
            )))
        )
    ));
}

/// A failed read reaches the reducer with its kind: throttling and expired credentials keep what
/// is on screen and say what comes next; any other failure replaces it.
#[test]
fn a_failed_read_says_what_its_kind_means_and_a_passing_one_keeps_the_screen() {
    use crate::cloud::{CloudError, CloudErrorKind};
    let mut state = AppState::new("repo", Stage::Sandbox);
    let generation = state.generation;
    let export = Export {
        name: "Bucket".into(),
        value: "b".into(),
        exporting_stack_id: "s".into(),
    };
    update(
        &mut state,
        TaskResult::new(generation, AccountsResult::ExportsLoaded(Ok(vec![export]))),
    );
    let throttled = CloudError::new(
        CloudErrorKind::Throttled,
        "ListExports: throttled by AWS (Rate exceeded)",
        "AWS limits the call rate",
    );
    update(
        &mut state,
        TaskResult::new(generation, AccountsResult::ExportsLoaded(Err(throttled))),
    );
    assert!(state.exports.value().is_some(), "what was read stays");
    let notice = state.notice.as_ref().unwrap().text.clone();
    assert!(notice.starts_with("throttled, r tries again"), "{notice}");
    let expired = CloudError::new(
        CloudErrorKind::ExpiredCredentials,
        "ListExports: the credentials of profile dev (sandbox) expired",
        "run `aws sso login --profile dev`, then retry (in the TUI: press r)",
    );
    update(
        &mut state,
        TaskResult::new(generation, AccountsResult::ExportsLoaded(Err(expired))),
    );
    assert!(state.exports.value().is_some());
    let notice = state.notice.as_ref().unwrap().text.clone();
    assert!(
        notice.starts_with("credentials expired: run `aws sso login --profile dev`"),
        "{notice}"
    );
    let denied = CloudError::new(CloudErrorKind::AccessDenied, "ListExports: denied", "");
    update(
        &mut state,
        TaskResult::new(generation, AccountsResult::ExportsLoaded(Err(denied))),
    );
    assert!(
        matches!(&state.exports, Loadable::Failed { message, .. } if message == "ListExports: denied")
    );
}
