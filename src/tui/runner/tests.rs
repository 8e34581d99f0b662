//! The task runner through a fake `Cloud`: the guard, stale results, shared connections.

use std::path::Path;
use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use tokio::sync::Notify;
use tokio::sync::mpsc::{UnboundedReceiver, unbounded_channel};

use super::*;
use crate::app::{self, AppState, Input, Loadable, TaskResult};
use crate::cloud::guard::Authorization;
use crate::cloud::port::Connector;
use crate::cloud::{
    ActionExecutionRecord, Build, ChangeSet, CloudErrorKind, EventPage, Export, Identity,
    LogLocation, LogPage, PipelineExecution, PipelineState, RegisteredType, Stack, StackSummary,
    TemplateSource,
};

/// A cloud that answers who the caller is and the exports, and records every other call.
struct FakeCloud {
    context: StageContext,
    account: String,
    calls: Arc<StdMutex<Vec<String>>>,
    /// ListExports waits for this before it answers.
    exports_gate: Arc<Notify>,
}

impl FakeCloud {
    fn record(&self, call: &str) -> CloudError {
        self.calls
            .lock()
            .unwrap()
            .push(format!("{} {call}", self.context.stage));
        CloudError::new(CloudErrorKind::Service, format!("{call} is not faked"), "")
    }
}

#[async_trait]
impl Cloud for FakeCloud {
    fn context(&self) -> &StageContext {
        &self.context
    }
    fn region(&self) -> String {
        "us-east-1".into()
    }
    fn sources(&self) -> (String, Option<String>) {
        ("the test".into(), Some("the test".into()))
    }
    async fn identity(&self) -> Result<Identity, CloudError> {
        Ok(Identity {
            account: self.account.clone(),
            arn: format!("arn:aws:iam::{}:user/dev", self.account),
        })
    }
    async fn describe_stack(&self, _: &str) -> Result<Option<Stack>, CloudError> {
        Err(self.record("DescribeStacks"))
    }
    async fn stack_events_page(&self, _: &str, _: Option<String>) -> Result<EventPage, CloudError> {
        Err(self.record("DescribeStackEvents"))
    }
    async fn list_exports(&self) -> Result<Vec<Export>, CloudError> {
        self.exports_gate.notified().await;
        Ok(vec![Export {
            name: "Bucket".into(),
            value: format!("bucket-in-{}", self.context.stage),
            exporting_stack_id: "stack".into(),
        }])
    }
    async fn create_change_set(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
        _: &TemplateSource,
        _: bool,
    ) -> Result<String, CloudError> {
        Err(self.record("CreateChangeSet"))
    }
    async fn create_stack(
        &self,
        _: &Authorization,
        _: &str,
        _: &TemplateSource,
        _: &[(String, String)],
        _: &[(String, String)],
    ) -> Result<String, CloudError> {
        Err(self.record("CreateStack"))
    }
    async fn update_stack(
        &self,
        _: &Authorization,
        _: &str,
        _: &TemplateSource,
        _: &[(String, String)],
    ) -> Result<bool, CloudError> {
        Err(self.record("UpdateStack"))
    }
    async fn set_hook_configuration(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
    ) -> Result<(), CloudError> {
        Err(self.record("SetTypeConfiguration"))
    }
    async fn stack_template(&self, _: &str) -> Result<String, CloudError> {
        Err(self.record("GetTemplate"))
    }
    async fn default_document(&self, _: &str) -> Result<Option<(String, String)>, CloudError> {
        Err(self.record("GetDocument"))
    }
    async fn put_automation_document(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
    ) -> Result<crate::cloud::DocumentVersion, CloudError> {
        Err(self.record("CreateDocument"))
    }
    async fn service_regions(&self, _: &str) -> Result<Vec<String>, CloudError> {
        Err(self.record("GetParametersByPath"))
    }
    async fn region_partitions(&self, _: &[String]) -> Result<Vec<(String, String)>, CloudError> {
        Err(self.record("GetParameters"))
    }
    async fn region_opt_in(&self) -> Result<Vec<(String, crate::cloud::RegionOptIn)>, CloudError> {
        Err(self.record("ListRegions"))
    }
    async fn describe_publisher(&self) -> Result<crate::cloud::Publisher, CloudError> {
        Err(self.record("DescribePublisher"))
    }
    async fn start_rollout(
        &self,
        _: &Authorization,
        _: &crate::cloud::RolloutRequest,
    ) -> Result<String, CloudError> {
        Err(self.record("StartAutomationExecution"))
    }
    async fn rollout(&self, _: &str) -> Result<crate::cloud::RolloutState, CloudError> {
        Err(self.record("GetAutomationExecution"))
    }
    async fn rollout_steps(&self, _: &str) -> Result<Vec<crate::cloud::StepRun>, CloudError> {
        Err(self.record("DescribeAutomationStepExecutions"))
    }
    async fn list_rollouts(
        &self,
        _: &str,
    ) -> Result<Vec<crate::cloud::RolloutSummary>, CloudError> {
        Err(self.record("DescribeAutomationExecutions"))
    }
    async fn stop_rollout(&self, _: &Authorization, _: &str) -> Result<(), CloudError> {
        Err(self.record("StopAutomationExecution"))
    }
    async fn public_version(
        &self,
        _: crate::workspace::ArtifactType,
        _: &str,
        _: &str,
    ) -> Result<Option<String>, CloudError> {
        Err(self.record("DescribeType"))
    }
    async fn list_types(
        &self,
        _: crate::workspace::ArtifactType,
        _: Option<&str>,
    ) -> Result<Vec<crate::cloud::TypeListing>, CloudError> {
        Err(self.record("ListTypes"))
    }
    async fn role_exists(&self, _: &str) -> Result<bool, CloudError> {
        Err(self.record("GetRole"))
    }
    async fn list_stacks(&self, _: &str) -> Result<Vec<StackSummary>, CloudError> {
        Err(self.record("DescribeStacks"))
    }
    async fn artifact_bucket(&self, _: &Authorization) -> Result<String, CloudError> {
        Err(self.record("CreateBucket"))
    }
    async fn has_object(&self, _: &str, _: &str) -> Result<bool, CloudError> {
        Err(self.record("HeadObject"))
    }
    async fn put_object(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
        _: Vec<u8>,
    ) -> Result<(), CloudError> {
        Err(self.record("PutObject"))
    }
    async fn describe_change_set(&self, _: &str) -> Result<ChangeSet, CloudError> {
        Err(self.record("DescribeChangeSet"))
    }
    async fn execute_change_set(&self, _: &Authorization, _: &str) -> Result<(), CloudError> {
        Err(self.record("ExecuteChangeSet"))
    }
    async fn delete_change_set(&self, _: &Authorization, _: &str) -> Result<(), CloudError> {
        Err(self.record("DeleteChangeSet"))
    }
    async fn delete_stack(&self, _: &Authorization, _: &str) -> Result<(), CloudError> {
        Err(self.record("DeleteStack"))
    }
    async fn describe_private_type(&self, _: &str) -> Result<RegisteredType, CloudError> {
        Err(self.record("DescribeType"))
    }
    async fn pipeline_state(&self, _: &str) -> Result<PipelineState, CloudError> {
        Err(self.record("GetPipelineState"))
    }
    async fn pipeline_executions(
        &self,
        _: &str,
        _: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        Err(self.record("ListPipelineExecutions"))
    }
    async fn pipeline_execution(&self, _: &str, _: &str) -> Result<PipelineExecution, CloudError> {
        Err(self.record("GetPipelineExecution"))
    }
    async fn action_executions(
        &self,
        _: &str,
        _: &str,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        Err(self.record("ListActionExecutions"))
    }
    async fn pipeline_build_projects(&self, _: &str) -> Result<Vec<(String, String)>, CloudError> {
        Err(self.record("GetPipeline"))
    }
    async fn start_pipeline(&self, _: &Authorization, _: &str) -> Result<String, CloudError> {
        Err(self.record("StartPipelineExecution"))
    }
    async fn retry_failed_actions(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
        _: &str,
    ) -> Result<String, CloudError> {
        Err(self.record("RetryStageExecution"))
    }
    async fn stop_pipeline(
        &self,
        _: &Authorization,
        _: &str,
        _: &str,
        _: bool,
        _: &str,
    ) -> Result<(), CloudError> {
        Err(self.record("StopPipelineExecution"))
    }
    async fn build(&self, _: &str) -> Result<Build, CloudError> {
        Err(self.record("BatchGetBuilds"))
    }
    async fn latest_build_id(&self, _: &str) -> Result<Option<String>, CloudError> {
        Err(self.record("ListBuildsForProject"))
    }
    async fn log_lines(
        &self,
        _: &LogLocation,
        _: Option<&str>,
        _: i32,
    ) -> Result<LogPage, CloudError> {
        Err(self.record("GetLogEvents"))
    }
}

/// Makes fake clouds and counts how often it was asked to.
struct FakeConnector {
    account: String,
    connects: AtomicUsize,
    calls: Arc<StdMutex<Vec<String>>>,
    exports_gate: Arc<Notify>,
}

#[async_trait]
impl Connector for FakeConnector {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        self.connects.fetch_add(1, Ordering::SeqCst);
        Ok(Arc::new(FakeCloud {
            context,
            account: self.account.clone(),
            calls: self.calls.clone(),
            exports_gate: self.exports_gate.clone(),
        }))
    }
}

const CONFIG: &str = "accounts:\n  sandbox: {account_id: \"111111111111\", region: us-east-1}\n  beta: {account_id: \"333333333333\", region: us-east-1}\n";

fn runner(caller: &str) -> (Runner, Arc<FakeConnector>, UnboundedReceiver<TaskResult>) {
    let workspace = Arc::new(Workspace::load(Path::new(env!("CARGO_MANIFEST_DIR"))));
    let connector = Arc::new(FakeConnector {
        account: caller.into(),
        connects: AtomicUsize::new(0),
        calls: Arc::default(),
        exports_gate: Arc::new(Notify::new()),
    });
    let (sender, receiver) = unbounded_channel();
    let runner = Runner::new(
        workspace,
        WorkspaceConfig::parse(CONFIG, "regship.yml").unwrap(),
        Overrides::default(),
        false,
        sender,
        Connections::new(connector.clone()),
        None,
    );
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
        TaskResult::ChangeFailed {
            generation,
            message,
        } => {
            assert_eq!(generation, 1);
            assert!(message.contains("account 999999999999"), "{message}");
            assert!(message.contains("account 111111111111"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert!(
        connector.calls.lock().unwrap().is_empty(),
        "nothing may be called after a refusal: {:?}",
        connector.calls.lock().unwrap()
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
        matches!(late, TaskResult::ExportsLoaded { generation: g, .. } if g == generation),
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
        if let TaskResult::ExportsLoaded { result, .. } = actions.recv().await.unwrap() {
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
    assert_eq!(
        connector.connects.load(Ordering::SeqCst),
        2,
        "sandbox once, beta once"
    );
    // A region of its own is another context.
    runner.set_region(Some("eu-west-1".into()));
    runner.run(Command::LoadExports {
        generation: 5,
        stage: Stage::Sandbox,
    });
    connector.exports_gate.notify_one();
    actions.recv().await.unwrap();
    assert_eq!(connector.connects.load(Ordering::SeqCst), 3);
}
