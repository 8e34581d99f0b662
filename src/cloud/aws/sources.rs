//! Where a stage's region and credentials come from: the flag, regship.yml, the environment,
//! the profile; the EC2 instance metadata service only on AWS compute (or when asked with
//! `REGSHIP_IMDS=on`), so that a laptop never waits for a metadata probe. A profile that does not
//! exist is an error, as it is for the AWS CLI.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::Region;
use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
use aws_config::environment::region::EnvironmentVariableRegionProvider;
use aws_config::meta::credentials::CredentialsProviderChain;
use aws_config::meta::region::ProvideRegion;
use aws_config::profile::ProfileFileCredentialsProvider;
use aws_config::profile::region::ProfileFileRegionProvider;
use aws_config::provider_config::ProviderConfig;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};

use crate::cloud::context::StageContext;
use crate::cloud::{CloudError, CloudErrorKind};

/// Where one connection's region and credentials came from, for `regship accounts`.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub region: String,
    /// Set once the credentials were first resolved.
    pub credentials: Arc<Mutex<Option<&'static str>>>,
}

impl Sources {
    pub fn credentials(&self) -> Option<String> {
        self.credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .map(String::from)
    }
}

/// Whether regship runs on AWS compute, where the instance metadata service answers:
/// `REGSHIP_IMDS=on|off` decides; otherwise the variables Lambda, ECS and CodeBuild set, or an
/// EC2 machine's DMI vendor.
pub fn on_aws_compute() -> bool {
    match std::env::var("REGSHIP_IMDS").as_deref() {
        Ok("on") => return true,
        Ok("off") => return false,
        _ => {}
    }
    const COMPUTE: [&str; 5] = [
        "AWS_EXECUTION_ENV",
        "ECS_CONTAINER_METADATA_URI",
        "ECS_CONTAINER_METADATA_URI_V4",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "CODEBUILD_BUILD_ID",
    ];
    COMPUTE.iter().any(|name| std::env::var_os(name).is_some())
        || [
            "/sys/devices/virtual/dmi/id/board_vendor",
            "/sys/devices/virtual/dmi/id/sys_vendor",
        ]
        .iter()
        .any(|file| std::fs::read_to_string(file).is_ok_and(|v| v.contains("Amazon EC2")))
}

/// An IMDS client that gives up fast.
fn quick_imds() -> aws_config::imds::Client {
    aws_config::imds::Client::builder()
        .connect_timeout(Duration::from_millis(200))
        .read_timeout(Duration::from_millis(500))
        .max_attempts(1)
        .build()
}

/// Fails like the AWS CLI when the named profile is in neither config file.
pub async fn check_profile(profile: &str) -> Result<(), CloudError> {
    let set = aws_config::profile::load(
        &aws_types::os_shim_internal::Fs::real(),
        &aws_types::os_shim_internal::Env::real(),
        &Default::default(),
        None,
    )
    .await
    .map_err(|err| {
        CloudError::new(
            CloudErrorKind::Invalid,
            format!("the AWS config files cannot be read: {err}"),
            "fix ~/.aws/config or ~/.aws/credentials (or AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE)",
        )
    })?;
    if set.get_profile(profile).is_some() {
        return Ok(());
    }
    let known: Vec<&str> = set.profiles().collect();
    Err(CloudError::new(
        CloudErrorKind::NoCredentials,
        format!("the config profile ({profile}) could not be found"),
        if known.is_empty() {
            format!(
                "create it with `aws configure --profile {profile}` (or `aws configure sso`), or change the stage's profile in regship.yml / --profile"
            )
        } else {
            format!(
                "the profiles there are {}: fix the stage's profile in regship.yml or --profile, or create it with `aws configure --profile {profile}`",
                known.join(", ")
            )
        },
    ))
}

/// The stage's region and where it came from.
pub async fn region(context: &StageContext) -> Result<(Region, String), CloudError> {
    if let Some(region) = &context.region {
        return Ok((Region::new(region.clone()), context.region_source()));
    }
    if let Some(region) = EnvironmentVariableRegionProvider::new().region().await {
        return Ok((region, "AWS_REGION".into()));
    }
    let mut profile_region = ProfileFileRegionProvider::builder();
    if let Some(profile) = &context.profile {
        profile_region = profile_region.profile_name(profile);
    }
    if let Some(region) = profile_region.build().region().await {
        return Ok((region, format!("{}'s region", context.describe_profile())));
    }
    if on_aws_compute() {
        let imds = aws_config::imds::region::ImdsRegionProvider::builder()
            .imds_client(quick_imds())
            .build();
        if let Some(region) = imds.region().await {
            return Ok((region, "the EC2 instance metadata".into()));
        }
    }
    Err(CloudError::new(
        CloudErrorKind::Invalid,
        format!("no region for the {} stage", context.stage),
        format!(
            "set accounts.{}.region in regship.yml, pass --region, or set AWS_REGION",
            context.stage
        ),
    ))
}

/// `inner`, recording `name` in `used` when it answers.
fn recorded(
    name: &'static str,
    inner: impl ProvideCredentials + 'static,
    used: &Arc<Mutex<Option<&'static str>>>,
) -> Recorded {
    Recorded {
        name,
        inner: SharedCredentialsProvider::new(inner),
        used: used.clone(),
    }
}

/// A provider of the chain that records its name when it is the one that answers.
#[derive(Debug)]
struct Recorded {
    name: &'static str,
    inner: SharedCredentialsProvider,
    used: Arc<Mutex<Option<&'static str>>>,
}

impl ProvideCredentials for Recorded {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::new(async move {
            let credentials = self.inner.provide_credentials().await?;
            *self.used.lock().unwrap_or_else(|p| p.into_inner()) = Some(self.name);
            Ok(credentials)
        })
    }
}

/// The chain the AWS CLI and botocore use, then the instance metadata only on AWS compute:
/// - a stage that names a profile (regship.yml or `--profile`) uses that profile (with SSO,
///   assume-role and credential_process) and never the environment's keys: an explicitly named
///   profile negates environment credentials, as botocore's resolver does, so that four stages
///   of four accounts are not all served by one exported key;
/// - a stage without a profile, or every stage under `--environment-credentials`, tries the
///   environment, then the default profile (not under `--environment-credentials`), a web identity
///   token and the container's endpoint.
pub fn credentials(
    context: &StageContext,
    region: &Region,
    used: &Arc<Mutex<Option<&'static str>>>,
) -> CredentialsProviderChain {
    let config = ProviderConfig::default().with_region(Some(region.clone()));
    let named_profile = |name: &str| {
        ProfileFileCredentialsProvider::builder()
            .configure(&config)
            .profile_name(name)
            .build()
    };
    let mut chain = match &context.profile {
        Some(name) => CredentialsProviderChain::first_try(
            "Profile",
            recorded("the profile in ~/.aws", named_profile(name), used),
        ),
        None => {
            let environment = CredentialsProviderChain::first_try(
                "Environment",
                recorded(
                    "the environment (AWS_ACCESS_KEY_ID)",
                    EnvironmentVariableCredentialsProvider::new(),
                    used,
                ),
            );
            if context.environment_credentials {
                environment
            } else {
                environment.or_else(
                    "Profile",
                    recorded(
                        "the default profile in ~/.aws",
                        ProfileFileCredentialsProvider::builder()
                            .configure(&config)
                            .build(),
                        used,
                    ),
                )
            }
        }
    };
    chain = chain
        .or_else(
            "WebIdentityToken",
            recorded(
                "a web identity token",
                aws_config::web_identity_token::WebIdentityTokenCredentialsProvider::builder()
                    .configure(&config)
                    .build(),
                used,
            ),
        )
        .or_else(
            "EcsContainer",
            recorded(
                "the container's credentials endpoint",
                aws_config::ecs::EcsCredentialsProvider::builder()
                    .configure(&config)
                    .build(),
                used,
            ),
        );
    if on_aws_compute() {
        chain = chain.or_else(
            "Ec2InstanceMetadata",
            recorded(
                "the EC2 instance metadata",
                aws_config::imds::credentials::ImdsCredentialsProvider::builder()
                    .configure(&config)
                    .imds_client(quick_imds())
                    .build(),
                used,
            ),
        );
    }
    chain
}
