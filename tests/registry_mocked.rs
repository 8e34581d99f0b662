//! The registry calls moto does not implement, with aws-smithy-mocks.

mod support;

use aws_sdk_cloudformation::Client;
use aws_sdk_cloudformation::config::retry::RetryConfig;
use aws_sdk_cloudformation::error::ErrorMetadata;
use aws_sdk_cloudformation::operation::describe_type::{DescribeTypeError, DescribeTypeOutput};
use aws_sdk_cloudformation::types::{RegistryType, Visibility};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::cloud::CloudErrorKind;
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::port::capabilities::*;
use regship::config::{Stage, WorkspaceConfig};

fn cloud(rules: &[Rule]) -> AwsCloud {
    let cloudformation = mock_client!(aws_sdk_cloudformation, RuleMode::Sequential, rules, |c| c
        .retry_config(RetryConfig::disabled()));
    AwsCloud::from_clients(
        StageContext::new(
            &WorkspaceConfig::default(),
            Stage::Sandbox,
            &Overrides::default(),
        ),
        Clients {
            cloudformation,
            ..support::unused_clients()
        },
    )
}

#[tokio::test]
async fn describe_private_type_reads_the_default_version() {
    let registered = mock!(Client::describe_type)
        .match_requests(|request| {
            request.type_name() == Some("AwsCommunity::S3::DeleteBucketContents")
        })
        .then_output(|| {
            DescribeTypeOutput::builder()
                .type_name("AwsCommunity::S3::DeleteBucketContents")
                .visibility(Visibility::Private)
                .default_version_id("00000003")
                .build()
        });
    let missing = || {
        mock!(Client::describe_type).then_error(|| {
            DescribeTypeError::generic(
                ErrorMetadata::builder()
                    .code("TypeNotFoundException")
                    .message("The type does not exist")
                    .build(),
            )
        })
    };
    // Not a resource type, then not a hook either.
    let cloud = cloud(&[registered, missing(), missing()]);
    let found = cloud
        .describe_private_type("AwsCommunity::S3::DeleteBucketContents")
        .await
        .unwrap();
    assert!(found.private);
    assert_eq!(found.default_version.as_deref(), Some("00000003"));
    let error = cloud
        .describe_private_type("AwsCommunity::S3::Nope")
        .await
        .unwrap_err();
    assert_eq!(error.kind, CloudErrorKind::NotFound, "{error:?}");
}

/// A hook's name looks like a resource type's: when no resource type has it, the hook is found.
#[tokio::test]
async fn a_hook_is_found_when_no_resource_type_has_its_name() {
    let not_a_resource = mock!(Client::describe_type)
        .match_requests(|request| request.r#type() == Some(&RegistryType::Resource))
        .then_error(|| {
            DescribeTypeError::generic(
                ErrorMetadata::builder()
                    .code("TypeNotFoundException")
                    .message("The type does not exist")
                    .build(),
            )
        });
    let hook = mock!(Client::describe_type)
        .match_requests(|request| request.r#type() == Some(&RegistryType::Hook))
        .then_output(|| {
            DescribeTypeOutput::builder()
                .type_name("AwsCommunity::Bucket::Guard")
                .visibility(Visibility::Private)
                .default_version_id("00000002")
                .build()
        });
    let cloud = cloud(&[not_a_resource, hook]);
    let found = cloud
        .describe_private_type("AwsCommunity::Bucket::Guard")
        .await
        .unwrap();
    assert_eq!(found.default_version.as_deref(), Some("00000002"));
}
