//! The task runner through a fake `Cloud`: the guard, stale results, shared connections.

use std::path::Path;

use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::*;
use crate::app::{self, AccountsResult, AppState, Input, Loadable, TaskResult, ViewResult};
use crate::cloud::fake::Fake;
use crate::cloud::{Export, Identity};

const CONFIG: &str = "accounts:\n  sandbox: {account_id: \"111111111111\", region: us-east-1}\n  beta: {account_id: \"333333333333\", region: us-east-1}\n";

/// A fake cloud that answers who the caller is and (once its gate is notified) the exports.
struct Scripted {
    fake: Fake,
    exports_gate: Arc<Notify>,
}

fn runner(caller: &str) -> (Runner, Scripted, UnboundedReceiver<TaskResult>) {
    let workspace = Arc::new(Workspace::load(Path::new(env!("CARGO_MANIFEST_DIR"))));
    let fake = Fake::new();
    let account = caller.to_string();
    fake.answer("identity", move |_| {
        Ok(Identity {
            account: account.clone(),
            arn: format!("arn:aws:iam::{account}:user/dev"),
        })
    })
    .answer("list_exports", |context| {
        Ok(vec![Export {
            name: "Bucket".into(),
            value: format!("bucket-in-{}", context.stage),
            exporting_stack_id: "stack".into(),
        }])
    });
    let exports_gate = fake.gate("list_exports");
    let (sender, receiver) = unbounded_channel();
    let runner = Runner::new(
        workspace,
        WorkspaceConfig::parse(CONFIG, "regship.yml").unwrap(),
        Overrides::default(),
        false,
        sender,
        Connections::new(fake.connector()),
        None,
    );
    let connector = Scripted { fake, exports_gate };
    (runner, connector, receiver)
}

#[tokio::test]
async fn a_deploy_in_another_account_is_refused_before_any_change() {
    let (mut runner, connector, mut actions) = runner("999999999999");
    runner.run(Command::PlanChange {
        generation: 1,
        stage: Stage::Sandbox,
        folder: "resources/S3_DeleteBucketContents".into(),
        delete: false,
    });
    match actions.recv().await.unwrap() {
        TaskResult {
            generation,
            result: ViewResult::Events(EventsResult::ChangeFailed(message)),
        } => {
            assert_eq!(generation, 1);
            assert!(message.contains("account 999999999999"), "{message}");
            assert!(message.contains("account 111111111111"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(
        connector.fake.calls(),
        ["sandbox identity"],
        "nothing may be called after a refusal but who the caller is"
    );
}

#[tokio::test]
async fn a_result_that_arrives_after_a_stage_switch_is_dropped() {
    let (mut runner, connector, mut actions) = runner("111111111111");
    let mut state = AppState::new("repo", Stage::Sandbox);
    let generation = state.generation;
    runner.run(Command::LoadExports {
        generation,
        stage: Stage::Sandbox,
    });
    // The user switches stage while the sandbox's exports are still being read.
    let mut commands = app::update(&mut state, Input::CommandMode);
    for c in "stage beta".chars() {
        commands.extend(app::update(&mut state, Input::InputChar(c)));
    }
    commands.extend(app::update(&mut state, Input::InputSubmit));
    assert_eq!(state.stage, Stage::Beta);
    commands
        .into_iter()
        .filter(|c| matches!(c, Command::CancelBefore { .. }))
        .for_each(|c| runner.run(c));
    connector.exports_gate.notify_one();
    let late = actions.recv().await.unwrap();
    assert!(
        matches!(
            late,
            TaskResult {
                generation: g,
                result: ViewResult::Accounts(AccountsResult::ExportsLoaded(_)),
            } if g == generation
        ),
        "{late:?}"
    );
    app::update(&mut state, late);
    assert_eq!(
        state.exports,
        Loadable::NotLoaded,
        "the sandbox's exports must not show in beta"
    );
}

#[tokio::test]
async fn one_connection_per_stage_context_is_shared_by_every_task() {
    let (mut runner, connector, mut actions) = runner("111111111111");
    for generation in 1..=3 {
        runner.run(Command::LoadExports {
            generation,
            stage: Stage::Sandbox,
        });
    }
    runner.run(Command::LoadExports {
        generation: 4,
        stage: Stage::Beta,
    });
    for _ in 0..4 {
        connector.exports_gate.notify_one();
        tokio::task::yield_now().await;
    }
    let mut values = Vec::new();
    while values.len() < 4 {
        connector.exports_gate.notify_one();
        if let ViewResult::Accounts(AccountsResult::ExportsLoaded(result)) =
            actions.recv().await.unwrap().result
        {
            values.push(result.unwrap()[0].value.clone());
        }
    }
    values.sort();
    assert_eq!(
        values,
        [
            "bucket-in-beta",
            "bucket-in-sandbox",
            "bucket-in-sandbox",
            "bucket-in-sandbox"
        ]
    );
    assert_eq!(connector.fake.connects(), 2, "sandbox once, beta once");
    // A region of its own is another context.
    runner.set_region(Some("eu-west-1".into()));
    runner.run(Command::LoadExports {
        generation: 5,
        stage: Stage::Sandbox,
    });
    connector.exports_gate.notify_one();
    actions.recv().await.unwrap();
    assert_eq!(connector.fake.connects(), 3);
}
