//! The AWS SDK adapter: one client set per stage, with bounded timeouts and no slow IMDS probe.

mod account;
mod automation;
mod cloudformation;
mod codebuild;
mod codepipeline;
pub mod ec2;
pub mod errors;
mod iam;
mod logs;
pub mod record;
mod registry;
mod s3;
pub mod sources;
mod ssm;
mod sts;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::sync::{Arc, Mutex};

use self::sources::Sources;

use async_trait::async_trait;

use super::context::StageContext;
use super::guard::Authorization;
use super::{
    ActionExecutionRecord, Build, ChangeSet, Cloud, CloudError, CloudErrorKind, DocumentVersion,
    EventPage, Export, Identity, LogLocation, LogPage, PipelineExecution, PipelineState, Publisher,
    RegionOptIn, RegisteredType, RolloutRequest, RolloutState, RolloutSummary, Stack, StackSummary,
    StepRun, TemplateSource, TypeListing,
};
use crate::workspace::ArtifactType;

/// The clients of one stage.
#[derive(Debug, Clone)]
pub struct AwsCloud {
    pub context: StageContext,
    clients: Clients,
    sources: Sources,
}

/// One SDK client per service regship calls.
#[derive(Debug, Clone)]
pub struct Clients {
    pub cloudformation: aws_sdk_cloudformation::Client,
    pub sts: aws_sdk_sts::Client,
    pub codepipeline: aws_sdk_codepipeline::Client,
    pub codebuild: aws_sdk_codebuild::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub s3: aws_sdk_s3::Client,
    pub ssm: aws_sdk_ssm::Client,
    pub account: aws_sdk_account::Client,
    pub iam: aws_sdk_iam::Client,
    /// EC2 DescribeRegions, where ListRegions is unavailable.
    pub ec2_regions: ec2::Ec2Regions,
}

impl Clients {
    /// Every client from one configuration.
    pub fn new(config: &SdkConfig) -> Clients {
        Clients::recording(config, None)
    }

    /// Every client from one configuration, each response also saved by `recorder` when given.
    pub fn recording(config: &SdkConfig, recorder: Option<record::Recorder>) -> Clients {
        macro_rules! client {
            ($sdk:ident) => {{
                let mut builder = $sdk::config::Builder::from(config);
                if let Some(recorder) = &recorder {
                    builder = builder.interceptor(recorder.clone());
                }
                $sdk::Client::from_conf(builder.build())
            }};
        }
        let mut s3 = aws_sdk_s3::config::Builder::from(config)
            // An endpoint of its own (a local emulator) takes bucket names in the path.
            .force_path_style(config.endpoint_url().is_some());
        if let Some(recorder) = &recorder {
            s3 = s3.interceptor(recorder.clone());
        }
        Clients {
            cloudformation: client!(aws_sdk_cloudformation),
            sts: client!(aws_sdk_sts),
            codepipeline: client!(aws_sdk_codepipeline),
            codebuild: client!(aws_sdk_codebuild),
            logs: client!(aws_sdk_cloudwatchlogs),
            ssm: client!(aws_sdk_ssm),
            account: client!(aws_sdk_account),
            iam: client!(aws_sdk_iam),
            s3: aws_sdk_s3::Client::from_conf(s3.build()),
            ec2_regions: ec2::Ec2Regions::new(config),
        }
    }
}

/// regship's retries and timeouts: two attempts (pollers do their own backoff), 3 s to connect,
/// 20 s per attempt.
pub fn with_call_limits(loader: aws_config::ConfigLoader) -> aws_config::ConfigLoader {
    loader
        .retry_config(RetryConfig::standard().with_max_attempts(2))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(Duration::from_secs(3))
                .operation_attempt_timeout(Duration::from_secs(20))
                .build(),
        )
}

/// Builds the SDK configuration of a stage with the standard chain (env, profiles, SSO,
/// assume-role, `AWS_ENDPOINT_URL`), overridden by the context; says where the region and the
/// credentials came from.
pub async fn sdk_config(context: &StageContext) -> Result<(SdkConfig, Sources), CloudError> {
    if let Some(profile) = &context.profile {
        sources::check_profile(profile).await?;
    }
    let (region, region_source) = sources::region(context).await?;
    let used = Arc::new(Mutex::new(None));
    let credentials = sources::credentials(context, &region, &used);
    let mut loader = with_call_limits(aws_config::defaults(BehaviorVersion::latest()))
        .region(region)
        .credentials_provider(credentials);
    if let Some(profile) = &context.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &context.endpoint_url {
        loader = loader.endpoint_url(endpoint);
    }
    let sources = Sources {
        region: region_source,
        credentials: used,
    };
    Ok((loader.load().await, sources))
}

impl AwsCloud {
    /// Connects to a stage (no call is made yet).
    pub async fn connect(context: StageContext) -> Result<AwsCloud, CloudError> {
        let (config, sources) = sdk_config(&context).await?;
        let recorder = context.record_to.clone().map(|dir| record::Recorder {
            dir,
            region: config.region().map(ToString::to_string).unwrap_or_default(),
        });
        let mut cloud = AwsCloud::from_clients(context, Clients::recording(&config, recorder));
        cloud.sources = sources;
        Ok(cloud)
    }

    /// Wraps ready clients, e.g. mocked ones in tests.
    pub fn from_clients(context: StageContext, clients: Clients) -> AwsCloud {
        AwsCloud {
            context,
            clients,
            sources: Sources::default(),
        }
    }

    /// Mutating calls need the guard's authorization for this very stage.
    fn authorized(&self, authorization: &Authorization) -> Result<(), CloudError> {
        if authorization.stage() == self.context.stage {
            Ok(())
        } else {
            Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!(
                    "an authorization for {} cannot change {}",
                    authorization.stage(),
                    self.context.stage
                ),
                "this is a bug in regship: please report it",
            ))
        }
    }

    /// The region the clients call.
    pub fn client_region(&self) -> String {
        self.clients
            .cloudformation
            .config()
            .region()
            .map(|r| r.to_string())
            .unwrap_or_default()
    }
}

/// The port on the SDK: each call is the service file's method of the same name.
#[async_trait]
impl Cloud for AwsCloud {
    fn context(&self) -> &StageContext {
        &self.context
    }
    fn region(&self) -> String {
        self.client_region()
    }
    fn sources(&self) -> (String, Option<String>) {
        (self.sources.region.clone(), self.sources.credentials())
    }
    async fn identity(&self) -> Result<Identity, CloudError> {
        AwsCloud::identity(self).await
    }
    async fn describe_stack(&self, stack: &str) -> Result<Option<Stack>, CloudError> {
        AwsCloud::describe_stack(self, stack).await
    }
    async fn stack_events_page(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, CloudError> {
        AwsCloud::stack_events_page(self, stack, next_token).await
    }
    async fn list_exports(&self) -> Result<Vec<Export>, CloudError> {
        AwsCloud::list_exports(self).await
    }
    async fn create_change_set(
        &self,
        authorization: &Authorization,
        stack: &str,
        name: &str,
        template: &TemplateSource,
        create: bool,
    ) -> Result<String, CloudError> {
        AwsCloud::create_change_set(self, authorization, stack, name, template, create).await
    }
    async fn create_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
        template: &TemplateSource,
        parameters: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<String, CloudError> {
        AwsCloud::create_stack(self, authorization, stack, template, parameters, tags).await
    }
    async fn update_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
        template: &TemplateSource,
        parameters: &[(String, String)],
    ) -> Result<bool, CloudError> {
        AwsCloud::update_stack(self, authorization, stack, template, parameters).await
    }
    async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        type_name: &str,
        configuration: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::set_hook_configuration(self, authorization, type_name, configuration).await
    }
    async fn stack_template(&self, stack: &str) -> Result<String, CloudError> {
        AwsCloud::stack_template(self, stack).await
    }
    async fn default_document(&self, name: &str) -> Result<Option<(String, String)>, CloudError> {
        AwsCloud::default_document(self, name).await
    }
    async fn put_automation_document(
        &self,
        authorization: &Authorization,
        name: &str,
        content: &str,
    ) -> Result<DocumentVersion, CloudError> {
        AwsCloud::put_automation_document(self, authorization, name, content).await
    }
    async fn service_regions(&self, service: &str) -> Result<Vec<String>, CloudError> {
        AwsCloud::service_regions(self, service).await
    }
    async fn region_partitions(
        &self,
        regions: &[String],
    ) -> Result<Vec<(String, String)>, CloudError> {
        AwsCloud::region_partitions(self, regions).await
    }
    async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        AwsCloud::region_opt_in(self).await
    }
    async fn describe_publisher(&self) -> Result<Publisher, CloudError> {
        AwsCloud::describe_publisher(self).await
    }
    async fn start_rollout(
        &self,
        authorization: &Authorization,
        request: &RolloutRequest,
    ) -> Result<String, CloudError> {
        AwsCloud::start_rollout(self, authorization, request).await
    }
    async fn rollout(&self, execution_id: &str) -> Result<RolloutState, CloudError> {
        AwsCloud::rollout(self, execution_id).await
    }
    async fn rollout_steps(&self, child_execution_id: &str) -> Result<Vec<StepRun>, CloudError> {
        AwsCloud::rollout_steps(self, child_execution_id).await
    }
    async fn list_rollouts(&self, document: &str) -> Result<Vec<RolloutSummary>, CloudError> {
        AwsCloud::list_rollouts(self, document).await
    }
    async fn stop_rollout(
        &self,
        authorization: &Authorization,
        execution_id: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::stop_rollout(self, authorization, execution_id).await
    }
    async fn public_version(
        &self,
        kind: ArtifactType,
        type_name: &str,
        publisher_id: &str,
    ) -> Result<Option<String>, CloudError> {
        AwsCloud::public_version(self, kind, type_name, publisher_id).await
    }
    async fn list_types(
        &self,
        kind: ArtifactType,
        public_of: Option<&str>,
    ) -> Result<Vec<TypeListing>, CloudError> {
        AwsCloud::list_types(self, kind, public_of).await
    }
    async fn role_exists(&self, name: &str) -> Result<bool, CloudError> {
        AwsCloud::role_exists(self, name).await
    }
    async fn list_stacks(&self, prefix: &str) -> Result<Vec<StackSummary>, CloudError> {
        AwsCloud::list_stacks(self, prefix).await
    }
    async fn artifact_bucket(&self, authorization: &Authorization) -> Result<String, CloudError> {
        AwsCloud::artifact_bucket(self, authorization).await
    }
    async fn has_object(&self, bucket: &str, key: &str) -> Result<bool, CloudError> {
        AwsCloud::has_object(self, bucket, key).await
    }
    async fn put_object(
        &self,
        authorization: &Authorization,
        bucket: &str,
        key: &str,
        body: Vec<u8>,
    ) -> Result<(), CloudError> {
        AwsCloud::put_object(self, authorization, bucket, key, body).await
    }
    async fn describe_change_set(&self, id: &str) -> Result<ChangeSet, CloudError> {
        AwsCloud::describe_change_set(self, id).await
    }
    async fn execute_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::execute_change_set(self, authorization, id).await
    }
    async fn delete_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::delete_change_set(self, authorization, id).await
    }
    async fn delete_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::delete_stack(self, authorization, stack).await
    }
    async fn describe_private_type(&self, type_name: &str) -> Result<RegisteredType, CloudError> {
        AwsCloud::describe_private_type(self, type_name).await
    }
    async fn pipeline_state(&self, pipeline: &str) -> Result<PipelineState, CloudError> {
        AwsCloud::pipeline_state(self, pipeline).await
    }
    async fn pipeline_executions(
        &self,
        pipeline: &str,
        max: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        AwsCloud::pipeline_executions(self, pipeline, max).await
    }
    async fn pipeline_execution(
        &self,
        pipeline: &str,
        execution_id: &str,
    ) -> Result<PipelineExecution, CloudError> {
        AwsCloud::pipeline_execution(self, pipeline, execution_id).await
    }
    async fn action_executions(
        &self,
        pipeline: &str,
        execution_id: &str,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        AwsCloud::action_executions(self, pipeline, execution_id).await
    }
    async fn pipeline_build_projects(
        &self,
        pipeline: &str,
    ) -> Result<Vec<(String, String)>, CloudError> {
        AwsCloud::pipeline_build_projects(self, pipeline).await
    }
    async fn start_pipeline(
        &self,
        authorization: &Authorization,
        pipeline: &str,
    ) -> Result<String, CloudError> {
        AwsCloud::start_pipeline(self, authorization, pipeline).await
    }
    async fn retry_failed_actions(
        &self,
        authorization: &Authorization,
        pipeline: &str,
        stage: &str,
        execution_id: &str,
    ) -> Result<String, CloudError> {
        AwsCloud::retry_failed_actions(self, authorization, pipeline, stage, execution_id).await
    }
    async fn stop_pipeline(
        &self,
        authorization: &Authorization,
        pipeline: &str,
        execution_id: &str,
        abandon: bool,
        reason: &str,
    ) -> Result<(), CloudError> {
        AwsCloud::stop_pipeline(self, authorization, pipeline, execution_id, abandon, reason).await
    }
    async fn build(&self, build_id: &str) -> Result<Build, CloudError> {
        AwsCloud::build(self, build_id).await
    }
    async fn latest_build_id(&self, project: &str) -> Result<Option<String>, CloudError> {
        AwsCloud::latest_build_id(self, project).await
    }
    async fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
    ) -> Result<LogPage, CloudError> {
        AwsCloud::log_lines(self, location, token, tail).await
    }
}
