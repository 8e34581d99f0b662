//! The port: `trait Cloud`, the capabilities it gathers (every call regship makes to a cloud), and
//! `Connections`, which makes one `Arc<dyn Cloud>` per stage context and shares it with every
//! task of that context.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::OnceCell;

use super::context::StageContext;
use super::guard::Authorization;
use super::{
    ActionExecutionRecord, Build, ChangeSet, ChangeSetRequest, CloudError, DocumentVersion,
    EventPage, ExecutionRef, Export, Identity, LogLocation, LogPage, ObjectRef, PipelineExecution,
    PipelineState, PipelineStop, Publisher, RegionOptIn, RegisteredType, RolloutRequest,
    RolloutState, RolloutSummary, Stack, StackSummary, StackTemplate, StepRun, TypeListing,
};
use crate::workspace::ArtifactType;

/// Everything regship asks of one stage's account and region: every capability, and where the
/// connection points. `cloud/aws` answers from AWS, `cloud/demo` from a scripted timeline,
/// `cloud/fake` from a test's script. A consumer takes the narrowest capability it needs
/// (`&dyn Stacks` for a stack poller); mutating calls take the guard's `Authorization`.
pub trait Cloud:
    Identities + Stacks + Registry + Rollouts + Regions + Storage + Pipelines + Builds
{
    /// The stage, profile, region and expected account this connection serves.
    fn context(&self) -> &StageContext;
    /// The region the calls go to (the configured one, or us-east-1 where none is).
    fn region(&self) -> String {
        self.context().region_or_home()
    }
    /// Where the region and (once resolved) the credentials came from, for `regship accounts`.
    fn sources(&self) -> (String, Option<String>);
}

/// Who the caller is and what IAM holds (STS, IAM).
#[async_trait]
pub trait Identities: Send + Sync {
    /// STS GetCallerIdentity.
    async fn identity(&self) -> Result<Identity, CloudError>;
    /// Whether the account has the IAM role `name` (GetRole; IAM is global).
    async fn role_exists(&self, name: &str) -> Result<bool, CloudError>;
}

/// CloudFormation stacks, their events, change sets and exports.
#[async_trait]
pub trait Stacks: Send + Sync {
    /// DescribeStacks for one stack; `None` when it does not exist.
    async fn describe_stack(&self, stack: &str) -> Result<Option<Stack>, CloudError>;
    /// Every live stack (DescribeStacks, all pages) whose name starts with `prefix`.
    async fn list_stacks(&self, prefix: &str) -> Result<Vec<StackSummary>, CloudError>;
    /// As [`Stacks::list_stacks`], and how many pages (calls) it took.
    async fn list_stack_pages(&self, prefix: &str) -> Result<(Vec<StackSummary>, u32), CloudError> {
        Ok((self.list_stacks(prefix).await?, 1))
    }
    /// One page of DescribeStackEvents, newest first.
    async fn stack_events_page(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, CloudError>;
    /// The template a stack last ran (GetTemplate, as submitted).
    async fn stack_template(&self, stack: &str) -> Result<String, CloudError>;
    /// Every export of the region (ListExports, all pages).
    async fn list_exports(&self) -> Result<Vec<Export>, CloudError>;
    /// CreateStack with tags; returns the stack id.
    async fn create_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
        tags: &[(String, String)],
    ) -> Result<String, CloudError>;
    /// UpdateStack; `false` when CloudFormation says there is nothing to update.
    async fn update_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
    ) -> Result<bool, CloudError>;
    async fn delete_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
    ) -> Result<(), CloudError>;
    /// CreateChangeSet for a template given inline or by URL; returns the change set id.
    async fn create_change_set(
        &self,
        authorization: &Authorization,
        request: &ChangeSetRequest<'_>,
    ) -> Result<String, CloudError>;
    /// DescribeChangeSet, every page of changes.
    async fn describe_change_set(&self, id: &str) -> Result<ChangeSet, CloudError>;
    async fn execute_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError>;
    async fn delete_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError>;
}

/// The CloudFormation registry: private and public types, the publisher, hook configuration.
#[async_trait]
pub trait Registry: Send + Sync {
    /// DescribeType of a private resource type.
    async fn describe_private_type(&self, type_name: &str) -> Result<RegisteredType, CloudError>;
    /// The account as a publisher in this region (DescribePublisher).
    async fn describe_publisher(&self) -> Result<Publisher, CloudError>;
    /// The newest public version of the account's `type_name` in this region (DescribeType of
    /// the publisher's public type); `None` when it was never published here.
    async fn public_version(
        &self,
        kind: ArtifactType,
        type_name: &str,
        publisher_id: &str,
    ) -> Result<Option<String>, CloudError>;
    /// The registry's extensions of `kind` here, every page of one listing (ListTypes): with
    /// `public_of`, that publisher's public ones with their latest public version; without,
    /// the account's private ones with their default version. One listing answers for every
    /// extension, where DescribeType would cost a call each.
    async fn list_types(
        &self,
        kind: ArtifactType,
        public_of: Option<&str>,
    ) -> Result<Vec<TypeListing>, CloudError>;
    /// SetTypeConfiguration of a hook in this account and region.
    async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        type_name: &str,
        configuration: &str,
    ) -> Result<(), CloudError>;
}

/// The publish document and its rollouts (SSM Automation). A rollout's parent execution lives in
/// the home region, each child in its own region.
#[async_trait]
pub trait Rollouts: Send + Sync {
    /// The default version of the Automation document `name` here and its content (YAML);
    /// `None` when the document does not exist here.
    async fn default_document(&self, name: &str) -> Result<Option<(String, String)>, CloudError>;
    /// Makes the Automation document `name` hold `content` (YAML) as its default version:
    /// created when absent, a new version when no version holds it, the version that holds it
    /// made the default again when it is not, untouched otherwise.
    async fn put_automation_document(
        &self,
        authorization: &Authorization,
        name: &str,
        content: &str,
    ) -> Result<DocumentVersion, CloudError>;
    /// Starts the publish document in every region of `request` (StartAutomationExecution with
    /// TargetLocations); the parent execution's id.
    async fn start_rollout(
        &self,
        authorization: &Authorization,
        request: &RolloutRequest,
    ) -> Result<String, CloudError>;
    /// A rollout's parent execution and its per-region children (two calls).
    async fn rollout(&self, execution_id: &str) -> Result<RolloutState, CloudError>;
    /// The steps of one region's child execution.
    async fn rollout_steps(&self, child_execution_id: &str) -> Result<Vec<StepRun>, CloudError>;
    /// The document's rollouts, newest first.
    async fn list_rollouts(&self, document: &str) -> Result<Vec<RolloutSummary>, CloudError>;
    /// Stops a rollout: its running regions are cancelled, no new region starts.
    async fn stop_rollout(
        &self,
        authorization: &Authorization,
        execution_id: &str,
    ) -> Result<(), CloudError>;
}

/// Which regions exist, offer a service and are enabled for the account.
#[async_trait]
pub trait Regions: Send + Sync {
    /// The regions where `service` is offered, every partition's (SSM public parameters).
    async fn service_regions(&self, service: &str) -> Result<Vec<String>, CloudError>;
    /// The partition of each of `regions` (SSM public parameters).
    async fn region_partitions(
        &self,
        regions: &[String],
    ) -> Result<Vec<(String, String)>, CloudError>;
    /// Every region's opt-in status for the account (Account ListRegions, or EC2
    /// DescribeRegions where ListRegions is unavailable).
    async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError>;
}

/// The artifact bucket that packaged templates and their files go to (S3).
#[async_trait]
pub trait Storage: Send + Sync {
    /// The bucket packaged templates and their files go to in this account and region
    /// (`regship-artifacts-<account>-<region>`), created when absent: encrypted, public access
    /// blocked.
    async fn artifact_bucket(&self, authorization: &Authorization) -> Result<String, CloudError>;
    /// Whether the object exists (HeadObject).
    async fn has_object(&self, object: ObjectRef<'_>) -> Result<bool, CloudError>;
    /// PutObject.
    async fn put_object(
        &self,
        authorization: &Authorization,
        object: ObjectRef<'_>,
        body: Vec<u8>,
    ) -> Result<(), CloudError>;
}

/// The CI/CD pipeline (CodePipeline): its state, executions and their control.
#[async_trait]
pub trait Pipelines: Send + Sync {
    /// GetPipelineState.
    async fn pipeline_state(&self, pipeline: &str) -> Result<PipelineState, CloudError>;
    /// GetPipeline: each CodeBuild action's (action name, project name).
    async fn pipeline_build_projects(
        &self,
        pipeline: &str,
    ) -> Result<Vec<(String, String)>, CloudError>;
    /// ListPipelineExecutions, newest first, at most `max`.
    async fn pipeline_executions(
        &self,
        pipeline: &str,
        max: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError>;
    /// GetPipelineExecution.
    async fn pipeline_execution(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<PipelineExecution, CloudError>;
    /// ListActionExecutions of one execution, in start order.
    async fn action_executions(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError>;
    /// StartPipelineExecution; returns the execution id.
    async fn start_pipeline(
        &self,
        authorization: &Authorization,
        pipeline: &str,
    ) -> Result<String, CloudError>;
    /// RetryStageExecution of the failed actions of `stage`; returns the execution id.
    async fn retry_failed_actions(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        stage: &str,
    ) -> Result<String, CloudError>;
    /// StopPipelineExecution.
    async fn stop_pipeline(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        stop: &PipelineStop,
    ) -> Result<(), CloudError>;
}

/// CodeBuild builds and their CloudWatch logs.
#[async_trait]
pub trait Builds: Send + Sync {
    /// BatchGetBuilds of one build.
    async fn build(&self, build_id: &str) -> Result<Build, CloudError>;
    /// The newest build of a CodeBuild project.
    async fn latest_build_id(&self, project: &str) -> Result<Option<String>, CloudError>;
    /// GetLogEvents: without a token the last `tail` lines, with one only what came after.
    async fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
    ) -> Result<LogPage, CloudError>;
}

/// The capabilities alone, for code that calls them on a concrete adapter:
/// `use regship::cloud::port::capabilities::*`.
pub mod capabilities {
    pub use super::{Builds, Identities, Pipelines, Regions, Registry, Rollouts, Stacks, Storage};
}

/// One stage's connections in each region it reaches: its home context with another region,
/// made once per region through the shared `Connections` and reused by every later call. A
/// rollout's children live in their own regions and are read there.
#[derive(Clone)]
pub struct StageRegions {
    pub connections: Connections,
    pub home: StageContext,
}

impl StageRegions {
    pub fn new(connections: Connections, home: StageContext) -> StageRegions {
        StageRegions { connections, home }
    }

    /// The home context with `region` instead.
    pub fn context_of(&self, region: &str) -> StageContext {
        StageContext {
            region: Some(region.to_string()),
            region_from_flag: true,
            ..self.home.clone()
        }
    }

    /// The home region's connection.
    pub async fn home(&self) -> Result<Arc<dyn Cloud>, CloudError> {
        self.connections.get(&self.home).await
    }

    /// `region`'s connection.
    pub async fn region(&self, region: &str) -> Result<Arc<dyn Cloud>, CloudError> {
        self.connections.get(&self.context_of(region)).await
    }
}

/// Makes the connection of a stage context (the AWS SDK's config, or the demo's world).
#[async_trait]
pub trait Connector: Send + Sync {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError>;
}

/// The AWS SDK, with the standard credential chain.
pub struct AwsConnector;

#[async_trait]
impl Connector for AwsConnector {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        Ok(Arc::new(super::aws::AwsCloud::connect(context).await?))
    }
}

/// What tells two stage contexts apart: the connection is shared within one.
type ContextKey = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

fn key(context: &StageContext) -> ContextKey {
    (
        context.stage.to_string(),
        context.profile.clone(),
        context.region.clone(),
        context.endpoint_url.clone(),
        context.expected_account.as_ref().map(|a| a.to_string()),
    )
}

/// The connection of each context, once made (or while being made).
type Made = HashMap<ContextKey, Arc<OnceCell<Arc<dyn Cloud>>>>;

/// One connection per stage context, made on first use and shared by every task after it. A
/// failed connection is not kept: the next use tries again (after the user fixed a profile).
#[derive(Clone)]
pub struct Connections {
    connector: Arc<dyn Connector>,
    made: Arc<Mutex<Made>>,
}

impl Connections {
    pub fn new(connector: Arc<dyn Connector>) -> Connections {
        Connections {
            connector,
            made: Arc::default(),
        }
    }

    /// Connections to AWS.
    pub fn aws() -> Connections {
        Connections::new(Arc::new(AwsConnector))
    }

    /// The context's connection, made once.
    pub async fn get(&self, context: &StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        let cell = self
            .made
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .entry(key(context))
            .or_default()
            .clone();
        cell.get_or_try_init(|| self.connector.connect(context.clone()))
            .await
            .cloned()
    }
}
