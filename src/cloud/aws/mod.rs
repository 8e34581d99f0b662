//! The AWS SDK adapter: one client set per stage, with bounded timeouts and no slow IMDS probe;
//! each capability of the port is implemented in the file of its name, calling what services it
//! needs.

mod builds;
pub mod ec2;
pub mod errors;
mod identities;
mod pipelines;
pub mod record;
mod regions;
mod registry;
mod rollouts;
pub mod sources;
mod stacks;
mod storage;

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::SdkConfig;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use std::sync::{Arc, Mutex};

use self::sources::Sources;
use super::context::StageContext;
use super::{Cloud, CloudError};

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

/// Where this connection points; each capability is implemented in its own file.
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
}
