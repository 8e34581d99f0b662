//! The recording fake of the port, for tests, examples and benchmarks: every call is recorded, and
//! answers what the test scripted for it, or "not faked" (a `Service` error naming the call).
//! One `Fake` (the script and the record) serves every connection its connector makes, so a test
//! of the runner, of `ops` or of a poller scripts a call once and reads one record.

mod scripted;

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use tokio::sync::Notify;

pub use self::scripted::{PAGE_SIZE, ScriptedStack, generated_events};
use super::context::StageContext;
use super::guard::Authorization;
use super::port::Connector;
use super::{
    ActionExecutionRecord, Build, Builds, ChangeSet, ChangeSetRequest, Cloud, CloudError,
    CloudErrorKind, DocumentVersion, EventPage, ExecutionRef, Export, Identities, Identity,
    LogLocation, LogPage, ObjectRef, PipelineExecution, PipelineState, PipelineStop, Pipelines,
    Publisher, RegionOptIn, Regions, RegisteredType, Registry, RolloutRequest, RolloutState,
    RolloutSummary, Rollouts, Stack, StackSummary, StackTemplate, Stacks, StepRun, Storage,
    TypeListing,
};
use crate::config::Stage;
use crate::workspace::ArtifactType;

/// A scripted answer: a function of the connection's context, boxed as `Result<T, CloudError>`.
type Answer = Arc<dyn Fn(&StageContext) -> Box<dyn Any + Send> + Send + Sync>;

/// What a test scripted, and what was called.
#[derive(Default)]
struct Script {
    answers: Mutex<HashMap<&'static str, Answer>>,
    gates: Mutex<HashMap<&'static str, Arc<Notify>>>,
    events: Mutex<Option<ScriptedStack>>,
    calls: Mutex<Vec<String>>,
    connects: AtomicUsize,
}

fn locked<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The test's handle: scripts answers, makes connections, reads the record.
#[derive(Clone, Default)]
pub struct Fake {
    script: Arc<Script>,
}

impl Fake {
    pub fn new() -> Fake {
        Fake::default()
    }

    /// From now on, `call` (the port method's name) answers `answer` of the connection's context.
    pub fn answer<T: Send + 'static>(
        &self,
        call: &'static str,
        answer: impl Fn(&StageContext) -> Result<T, CloudError> + Send + Sync + 'static,
    ) -> &Fake {
        let boxed: Answer = Arc::new(move |context| Box::new(answer(context)));
        locked(&self.script.answers).insert(call, boxed);
        self
    }

    /// `call` waits for this gate to be notified before it answers (one notification a call).
    pub fn gate(&self, call: &'static str) -> Arc<Notify> {
        locked(&self.script.gates)
            .entry(call)
            .or_insert_with(|| Arc::new(Notify::new()))
            .clone()
    }

    /// DescribeStackEvents answers from `stack`'s timeline.
    pub fn with_events(self, stack: ScriptedStack) -> Fake {
        *locked(&self.script.events) = Some(stack);
        self
    }

    /// Every call so far, in order, as `<stage> <call>`.
    pub fn calls(&self) -> Vec<String> {
        locked(&self.script.calls).clone()
    }

    /// How many connections were made.
    pub fn connects(&self) -> usize {
        self.script.connects.load(Ordering::SeqCst)
    }

    /// A sandbox connection whose DescribeStackEvents answers from `stack`'s timeline (for the
    /// pollers' tests and benchmarks).
    pub fn stack_events(stack: ScriptedStack) -> Arc<FakeCloud> {
        let config = crate::config::WorkspaceConfig::default();
        let context = StageContext::new(&config, Stage::Sandbox, &Default::default());
        Fake::new().with_events(stack).cloud(context)
    }

    /// A connection of `context` answering from this script.
    pub fn cloud(&self, context: StageContext) -> Arc<FakeCloud> {
        self.script.connects.fetch_add(1, Ordering::SeqCst);
        Arc::new(FakeCloud {
            context,
            script: self.script.clone(),
        })
    }

    /// Connections answering from this script, one per context asked for.
    pub fn connector(&self) -> Arc<dyn Connector> {
        Arc::new(self.clone())
    }
}

#[async_trait]
impl Connector for Fake {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        Ok(self.cloud(context))
    }
}

/// One stage context's connection to a `Fake`.
pub struct FakeCloud {
    context: StageContext,
    script: Arc<Script>,
}

impl FakeCloud {
    /// Records `call`, waits for its gate if it has one, and answers what was scripted.
    async fn reply<T: Send + 'static>(&self, call: &'static str) -> Result<T, CloudError> {
        locked(&self.script.calls).push(format!("{} {call}", self.context.stage));
        let gate = locked(&self.script.gates).get(call).cloned();
        if let Some(gate) = gate {
            gate.notified().await;
        }
        let answer = locked(&self.script.answers).get(call).cloned();
        let Some(answer) = answer else {
            return Err(CloudError::new(
                CloudErrorKind::Service,
                format!("{call} is not faked"),
                "script it with Fake::answer",
            ));
        };
        match answer(&self.context).downcast::<Result<T, CloudError>>() {
            Ok(result) => *result,
            Err(_) => Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("the answer scripted for {call} is not of the type it returns"),
                "script it with the port method's own return type",
            )),
        }
    }
}

impl FakeCloud {
    /// A mutating call: refused, as every adapter refuses it, unless `authorization` was made for
    /// this connection's stage and account (`Authorization::permits`); then `reply`.
    async fn reply_change<T: Send + 'static>(
        &self,
        authorization: &Authorization,
        call: &'static str,
    ) -> Result<T, CloudError> {
        authorization.permits(&self.context)?;
        self.reply(call).await
    }
}

impl Cloud for FakeCloud {
    fn context(&self) -> &StageContext {
        &self.context
    }
    fn sources(&self) -> (String, Option<String>) {
        ("the fake".into(), Some("the fake".into()))
    }
}

#[async_trait]
impl Identities for FakeCloud {
    async fn identity(&self) -> Result<Identity, CloudError> {
        self.reply("identity").await
    }
    async fn role_exists(&self, _: &str) -> Result<bool, CloudError> {
        self.reply("role_exists").await
    }
}

#[async_trait]
impl Stacks for FakeCloud {
    async fn describe_stack(&self, _: &str) -> Result<Option<Stack>, CloudError> {
        self.reply("describe_stack").await
    }
    async fn list_stacks(&self, _: &str) -> Result<Vec<StackSummary>, CloudError> {
        self.reply("list_stacks").await
    }
    async fn stack_events_page(
        &self,
        _: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, CloudError> {
        let scripted = locked(&self.script.events).clone();
        match scripted {
            Some(stack) => stack.page(next_token),
            None => self.reply("stack_events_page").await,
        }
    }
    async fn stack_template(&self, _: &str) -> Result<String, CloudError> {
        self.reply("stack_template").await
    }
    async fn list_exports(&self) -> Result<Vec<Export>, CloudError> {
        self.reply("list_exports").await
    }
    async fn create_stack(
        &self,
        authorization: &Authorization,
        _: &StackTemplate<'_>,
        _: &[(String, String)],
    ) -> Result<String, CloudError> {
        self.reply_change(authorization, "create_stack").await
    }
    async fn update_stack(
        &self,
        authorization: &Authorization,
        _: &StackTemplate<'_>,
    ) -> Result<bool, CloudError> {
        self.reply_change(authorization, "update_stack").await
    }
    async fn delete_stack(&self, authorization: &Authorization, _: &str) -> Result<(), CloudError> {
        self.reply_change(authorization, "delete_stack").await
    }
    async fn create_change_set(
        &self,
        authorization: &Authorization,
        _: &ChangeSetRequest<'_>,
    ) -> Result<String, CloudError> {
        self.reply_change(authorization, "create_change_set").await
    }
    async fn describe_change_set(&self, _: &str) -> Result<ChangeSet, CloudError> {
        self.reply("describe_change_set").await
    }
    async fn execute_change_set(
        &self,
        authorization: &Authorization,
        _: &str,
    ) -> Result<(), CloudError> {
        self.reply_change(authorization, "execute_change_set").await
    }
    async fn delete_change_set(
        &self,
        authorization: &Authorization,
        _: &str,
    ) -> Result<(), CloudError> {
        self.reply_change(authorization, "delete_change_set").await
    }
}

#[async_trait]
impl Registry for FakeCloud {
    async fn describe_private_type(&self, _: &str) -> Result<RegisteredType, CloudError> {
        self.reply("describe_private_type").await
    }
    async fn describe_publisher(&self) -> Result<Publisher, CloudError> {
        self.reply("describe_publisher").await
    }
    async fn public_version(
        &self,
        _: ArtifactType,
        _: &str,
        _: &str,
    ) -> Result<Option<String>, CloudError> {
        self.reply("public_version").await
    }
    async fn list_types(
        &self,
        _: ArtifactType,
        _: Option<&str>,
    ) -> Result<Vec<TypeListing>, CloudError> {
        self.reply("list_types").await
    }
    async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        _: &str,
        _: &str,
    ) -> Result<(), CloudError> {
        self.reply_change(authorization, "set_hook_configuration")
            .await
    }
}

#[async_trait]
impl Rollouts for FakeCloud {
    async fn default_document(&self, _: &str) -> Result<Option<(String, String)>, CloudError> {
        self.reply("default_document").await
    }
    async fn put_automation_document(
        &self,
        authorization: &Authorization,
        _: &str,
        _: &str,
    ) -> Result<DocumentVersion, CloudError> {
        self.reply_change(authorization, "put_automation_document")
            .await
    }
    async fn start_rollout(
        &self,
        authorization: &Authorization,
        _: &RolloutRequest,
    ) -> Result<String, CloudError> {
        self.reply_change(authorization, "start_rollout").await
    }
    async fn rollout(&self, _: &str) -> Result<RolloutState, CloudError> {
        self.reply("rollout").await
    }
    async fn rollout_steps(&self, _: &str) -> Result<Vec<StepRun>, CloudError> {
        self.reply("rollout_steps").await
    }
    async fn list_rollouts(&self, _: &str) -> Result<Vec<RolloutSummary>, CloudError> {
        self.reply("list_rollouts").await
    }
    async fn stop_rollout(&self, authorization: &Authorization, _: &str) -> Result<(), CloudError> {
        self.reply_change(authorization, "stop_rollout").await
    }
}

#[async_trait]
impl Regions for FakeCloud {
    async fn service_regions(&self, _: &str) -> Result<Vec<String>, CloudError> {
        self.reply("service_regions").await
    }
    async fn region_partitions(&self, _: &[String]) -> Result<Vec<(String, String)>, CloudError> {
        self.reply("region_partitions").await
    }
    async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        self.reply("region_opt_in").await
    }
}

#[async_trait]
impl Storage for FakeCloud {
    async fn artifact_bucket(&self, authorization: &Authorization) -> Result<String, CloudError> {
        self.reply_change(authorization, "artifact_bucket").await
    }
    async fn has_object(&self, _: ObjectRef<'_>) -> Result<bool, CloudError> {
        self.reply("has_object").await
    }
    async fn put_object(
        &self,
        authorization: &Authorization,
        _: ObjectRef<'_>,
        _: Vec<u8>,
    ) -> Result<(), CloudError> {
        self.reply_change(authorization, "put_object").await
    }
}

#[async_trait]
impl Pipelines for FakeCloud {
    async fn pipeline_state(&self, _: &str) -> Result<PipelineState, CloudError> {
        self.reply("pipeline_state").await
    }
    async fn pipeline_build_projects(&self, _: &str) -> Result<Vec<(String, String)>, CloudError> {
        self.reply("pipeline_build_projects").await
    }
    async fn pipeline_executions(
        &self,
        _: &str,
        _: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        self.reply("pipeline_executions").await
    }
    async fn pipeline_execution(
        &self,
        _: ExecutionRef<'_>,
    ) -> Result<PipelineExecution, CloudError> {
        self.reply("pipeline_execution").await
    }
    async fn action_executions(
        &self,
        _: ExecutionRef<'_>,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        self.reply("action_executions").await
    }
    async fn start_pipeline(
        &self,
        authorization: &Authorization,
        _: &str,
    ) -> Result<String, CloudError> {
        self.reply_change(authorization, "start_pipeline").await
    }
    async fn retry_failed_actions(
        &self,
        authorization: &Authorization,
        _: ExecutionRef<'_>,
        _: &str,
    ) -> Result<String, CloudError> {
        self.reply_change(authorization, "retry_failed_actions")
            .await
    }
    async fn stop_pipeline(
        &self,
        authorization: &Authorization,
        _: ExecutionRef<'_>,
        _: &PipelineStop,
    ) -> Result<(), CloudError> {
        self.reply_change(authorization, "stop_pipeline").await
    }
}

#[async_trait]
impl Builds for FakeCloud {
    async fn build(&self, _: &str) -> Result<Build, CloudError> {
        self.reply("build").await
    }
    async fn latest_build_id(&self, _: &str) -> Result<Option<String>, CloudError> {
        self.reply("latest_build_id").await
    }
    async fn log_lines(
        &self,
        _: &LogLocation,
        _: Option<&str>,
        _: i32,
    ) -> Result<LogPage, CloudError> {
        self.reply("log_lines").await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::WorkspaceConfig;

    fn context(stage: Stage) -> StageContext {
        let config = WorkspaceConfig::parse("accounts: {}\n", "regship.yml").unwrap();
        StageContext::new(&config, stage, &Default::default())
    }

    #[tokio::test]
    async fn a_call_answers_its_script_or_says_it_is_not_faked_and_every_call_is_recorded() {
        let fake = Fake::new();
        fake.answer("list_exports", |context| {
            Ok(vec![Export {
                name: "Bucket".into(),
                value: format!("bucket-in-{}", context.stage),
                exporting_stack_id: "stack".into(),
            }])
        });
        let beta = fake.cloud(context(Stage::Beta));
        assert_eq!(
            beta.list_exports().await.unwrap()[0].value,
            "bucket-in-beta"
        );
        let unscripted = beta.describe_stack("setup").await.unwrap_err();
        assert!(unscripted.message.contains("describe_stack is not faked"));
        fake.answer("role_exists", |_| Ok("the wrong type"));
        assert_eq!(
            beta.role_exists("r").await.unwrap_err().kind,
            CloudErrorKind::Invalid
        );
        assert_eq!(
            fake.calls(),
            [
                "beta list_exports",
                "beta describe_stack",
                "beta role_exists"
            ]
        );
        assert_eq!(fake.connects(), 1);
    }

    /// As every adapter: a change under another stage's authorization is refused before it is
    /// recorded or answered.
    #[tokio::test]
    async fn a_change_under_another_stages_authorization_is_refused() {
        let fake = Fake::new();
        fake.answer("delete_stack", |_| Ok(()));
        let caller = Identity {
            account: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/dev".into(),
        };
        let sandbox = crate::cloud::guard::AccountGuard::default()
            .check_account(
                &{
                    let config = WorkspaceConfig::parse(
                        "accounts:\n  sandbox: {account_id: \"123456789012\"}\n",
                        "regship.yml",
                    )
                    .unwrap();
                    StageContext::new(&config, Stage::Sandbox, &Default::default())
                },
                &caller,
                "delete",
            )
            .unwrap();
        let beta = fake.cloud(context(Stage::Beta));
        let refused = beta.delete_stack(&sandbox, "setup").await.unwrap_err();
        assert_eq!(refused.kind, CloudErrorKind::AccessDenied);
        let own = fake.cloud(context(Stage::Sandbox));
        assert!(own.delete_stack(&sandbox, "setup").await.is_ok());
    }
}
