//! The prod account's regions, each on its own mocked connection (moto serves neither the
//! registry API nor Account ListRegions). The rollout preflight: a region where the account is
//! not a verified publisher, one where the version is not newer than the public one, one ready,
//! and regions left out before the checks (another partition, not enabled). The published
//! versions: current, lagging and missing regions.

mod support;

use regship::cloud::port::capabilities::*;
use std::collections::HashMap;
use std::sync::Arc;

use async_trait::async_trait;
use aws_sdk_account::operation::list_regions::ListRegionsOutput;
use aws_sdk_account::types::{Region, RegionOptStatus};
use aws_sdk_cloudformation::operation::describe_publisher::DescribePublisherOutput;
use aws_sdk_cloudformation::operation::describe_type::{DescribeTypeError, DescribeTypeOutput};
use aws_sdk_cloudformation::operation::list_types::ListTypesOutput;
use aws_sdk_cloudformation::types::error::TypeNotFoundException;
use aws_sdk_cloudformation::types::{PublisherStatus, RegistryType, TypeSummary, Visibility};
use aws_sdk_iam::operation::get_role::GetRoleOutput;
use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
use aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathOutput;
use aws_sdk_ssm::types::Parameter;
use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::port::Connector;
use regship::cloud::{Cloud, CloudError, Connections};
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::preflight::{CheckState, preflight};
use regship::ops::rollout::{Kit, Staged, plan, request};
use regship::ops::versions::{Standing, versions};
use regship::workspace::Workspace;

/// Each region's clients; the home region (us-east-1) also answers the account-wide calls.
struct ByRegion(HashMap<String, Clients>);

#[async_trait]
impl Connector for ByRegion {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        let region = context.region.clone().unwrap_or_default();
        let clients = self.0.get(&region).cloned().unwrap_or_else(|| {
            panic!("no connection to {region} was expected");
        });
        Ok(Arc::new(AwsCloud::from_clients(context, clients)))
    }
}

const TYPE_NAME: &str = "AwsCommunity::S3::DeleteBucketContents";

/// A region's registry: the publisher's status and the public version of the type (if any).
fn registry(verified: bool, public: Option<&'static str>) -> aws_sdk_cloudformation::Client {
    let publisher =
        mock!(aws_sdk_cloudformation::Client::describe_publisher).then_output(move || {
            DescribePublisherOutput::builder()
                .publisher_id("pub123")
                .publisher_status(if verified {
                    PublisherStatus::Verified
                } else {
                    PublisherStatus::Unverified
                })
                .build()
        });
    let described: Rule = match public {
        Some(version) => mock!(aws_sdk_cloudformation::Client::describe_type)
            .match_requests(|r| {
                r.type_name() == Some(TYPE_NAME) && r.publisher_id() == Some("pub123")
            })
            .then_output(move || {
                DescribeTypeOutput::builder()
                    .type_name(TYPE_NAME)
                    .latest_public_version(version)
                    .build()
            }),
        None => mock!(aws_sdk_cloudformation::Client::describe_type).then_error(|| {
            DescribeTypeError::TypeNotFoundException(
                TypeNotFoundException::builder()
                    .message("The type does not exist")
                    .build(),
            )
        }),
    };
    // The private default (DescribeType without a publisher id).
    let private = mock!(aws_sdk_cloudformation::Client::describe_type)
        .match_requests(|r| r.publisher_id().is_none())
        .then_output(|| {
            DescribeTypeOutput::builder()
                .type_name(TYPE_NAME)
                .default_version_id("00000007")
                .build()
        });
    // The listings the versions read makes instead: one public (the publisher's), one private.
    let listed_public = mock!(aws_sdk_cloudformation::Client::list_types)
        .match_requests(|r| {
            r.visibility() == Some(&Visibility::Public)
                && r.filters().and_then(|f| f.publisher_id()) == Some("pub123")
                && r.r#type() == Some(&RegistryType::Resource)
        })
        .then_output(move || {
            let mut output = ListTypesOutput::builder().type_summaries(
                TypeSummary::builder()
                    .type_name("Other::Publisher::Type")
                    .latest_public_version("9.9.9")
                    .build(),
            );
            if let Some(version) = public {
                output = output.type_summaries(
                    TypeSummary::builder()
                        .type_name(TYPE_NAME)
                        .latest_public_version(version)
                        .build(),
                );
            }
            output.build()
        });
    let listed_private = mock!(aws_sdk_cloudformation::Client::list_types)
        .match_requests(|r| r.visibility() == Some(&Visibility::Private))
        .then_output(|| {
            ListTypesOutput::builder()
                .type_summaries(
                    TypeSummary::builder()
                        .type_name(TYPE_NAME)
                        .default_version_id("00000007")
                        .build(),
                )
                .build()
        });
    // The handler role's stack is not deployed yet.
    let no_role_stack = mock!(aws_sdk_cloudformation::Client::describe_stacks)
        .match_requests(|r| {
            r.stack_name() == Some("awscommunity-s3-deletebucketcontents-prod-role-stack")
        })
        .then_output(|| {
            aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput::builder()
                .build()
        });
    mock_client!(
        aws_sdk_cloudformation,
        RuleMode::MatchAny,
        &[
            &publisher,
            &private,
            &described,
            &listed_public,
            &listed_private,
            &no_role_stack
        ]
    )
}

fn regional(cloudformation: aws_sdk_cloudformation::Client) -> Clients {
    Clients {
        cloudformation,
        ..support::unused_clients()
    }
}

fn home() -> Clients {
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("123456789012")
            .arn("arn:aws:iam::123456789012:role/release")
            .build()
    });
    let offered = [
        "us-east-1",
        "eu-west-1",
        "ap-south-2",
        "me-central-1",
        "cn-north-1",
    ];
    let path = mock!(aws_sdk_ssm::Client::get_parameters_by_path).then_output(move || {
        let mut output = GetParametersByPathOutput::builder();
        for region in offered {
            output = output.parameters(
                Parameter::builder()
                    .name(format!(
                        "/aws/service/global-infrastructure/services/cloudformation/regions/{region}"
                    ))
                    .value(region)
                    .build(),
            );
        }
        output.build()
    });
    let partitions = mock!(aws_sdk_ssm::Client::get_parameters).then_output(move || {
        let mut output = GetParametersOutput::builder();
        for region in offered {
            let partition = if region.starts_with("cn-") {
                "aws-cn"
            } else {
                "aws"
            };
            output = output.parameters(
                Parameter::builder()
                    .name(format!(
                        "/aws/service/global-infrastructure/regions/{region}/partition"
                    ))
                    .value(partition)
                    .build(),
            );
        }
        output.build()
    });
    let opt_in = mock!(aws_sdk_account::Client::list_regions).then_output(|| {
        let region = |name: &str, status| {
            Region::builder()
                .region_name(name)
                .region_opt_status(status)
                .build()
        };
        ListRegionsOutput::builder()
            .regions(region("us-east-1", RegionOptStatus::EnabledByDefault))
            .regions(region("eu-west-1", RegionOptStatus::EnabledByDefault))
            .regions(region("ap-south-2", RegionOptStatus::Enabled))
            .regions(region("me-central-1", RegionOptStatus::Disabled))
            .build()
    });
    let role = mock!(aws_sdk_iam::Client::get_role)
        .match_requests(|r| r.role_name() == Some("AWS-SystemsManager-AutomationExecutionRole"))
        .then_output(|| GetRoleOutput::builder().build());
    Clients {
        sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&identity]),
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, &[&path, &partitions]),
        account: mock_client!(aws_sdk_account, RuleMode::MatchAny, &[&opt_in]),
        iam: mock_client!(aws_sdk_iam, RuleMode::MatchAny, &[&role]),
        ..regional(registry(true, Some("1.0.2")))
    }
}

/// us-east-1 (home) and eu-west-1, where the type is public at `eu_public`, and ap-south-2,
/// where the account is not a verified publisher and the type is not published.
fn three_regions(eu_public: &'static str) -> Connections {
    Connections::new(Arc::new(ByRegion(HashMap::from([
        ("us-east-1".to_string(), home()),
        (
            "eu-west-1".to_string(),
            regional(registry(true, Some(eu_public))),
        ),
        ("ap-south-2".to_string(), regional(registry(false, None))),
    ]))))
}

/// The tests' prod account: its configuration and its home context.
fn prod() -> (WorkspaceConfig, StageContext) {
    let config = WorkspaceConfig::parse(
        "accounts:\n  prod: {region: us-east-1, account_id: \"123456789012\"}\n",
        "test",
    )
    .unwrap();
    let context = StageContext::new(&config, Stage::Prod, &Overrides::default());
    (config, context)
}

#[tokio::test]
async fn each_region_is_checked_and_the_failing_ones_say_why() {
    let dir = support::example_workspace("123456789012");
    let workspace = Workspace::load(dir.path());
    let extension = workspace.find_extension(TYPE_NAME).unwrap();
    let connections = three_regions("1.0.3");
    let (config, context) = prod();
    let matrix = preflight(
        &connections,
        &context,
        &config.accounts.prod,
        extension,
        Some("1.0.3"),
    )
    .await
    .unwrap();

    let regions: Vec<(&str, bool)> = matrix
        .regions
        .iter()
        .map(|r| (r.region.as_str(), r.ready))
        .collect();
    assert_eq!(
        regions,
        [
            ("ap-south-2", false),
            ("eu-west-1", false),
            ("us-east-1", true)
        ]
    );
    let row = |region: &str| matrix.regions.iter().find(|r| r.region == region).unwrap();
    assert_eq!(row("ap-south-2").publisher.state, CheckState::Fail);
    assert!(
        row("ap-south-2")
            .publisher
            .detail
            .contains("register-publisher --accept-terms-and-conditions --region ap-south-2")
    );
    assert_eq!(
        row("ap-south-2").version.detail,
        "first publish of 1.0.3",
        "never published there"
    );
    assert_eq!(row("eu-west-1").version.state, CheckState::Fail);
    assert!(
        row("eu-west-1")
            .version
            .detail
            .contains("1.0.3 is not newer than the public 1.0.3")
    );
    assert_eq!(row("us-east-1").version.detail, "1.0.2 -> 1.0.3");
    assert!(
        matrix
            .regions
            .iter()
            .all(|r| r.role.state == CheckState::Pass)
    );
    let excluded: Vec<&str> = matrix.excluded.iter().map(|r| r.region.as_str()).collect();
    assert_eq!(excluded, ["cn-north-1", "me-central-1"]);
    assert_eq!(matrix.blocked().count(), 2);
    // The handler role is not deployed yet: said, not a blocker (rollout start deploys it).
    assert_eq!(matrix.handler_role.state, CheckState::Fail);
    assert!(
        matrix
            .handler_role
            .detail
            .starts_with("awscommunity-s3-deletebucketcontents-prod-role-stack does not exist yet"),
        "{}",
        matrix.handler_role.detail
    );
}

#[tokio::test]
async fn versions_show_current_lagging_and_missing_regions() {
    let dir = support::example_workspace("123456789012");
    let workspace = Workspace::load(dir.path());
    let extension = workspace.find_extension(TYPE_NAME).unwrap().clone();
    let connections = three_regions("1.0.3");
    let (config, context) = prod();
    let found = versions(
        &connections,
        &context,
        &config.accounts.prod,
        std::slice::from_ref(&extension),
    )
    .await
    .unwrap();
    assert_eq!(found.len(), 1);
    let only = &found[0];
    assert_eq!(only.newest.as_deref(), Some("1.0.3"));
    let standings: Vec<(&str, Standing, Option<&str>)> = only
        .regions
        .iter()
        .map(|r| (r.region.as_str(), r.standing, r.public.as_deref()))
        .collect();
    assert_eq!(
        standings,
        [
            ("ap-south-2", Standing::Missing, None),
            ("eu-west-1", Standing::Current, Some("1.0.3")),
            ("us-east-1", Standing::Lagging, Some("1.0.2")),
        ]
    );
    assert_eq!(only.coverage(), (1, 3));
    assert_eq!(
        only.regions[1].private_default.as_deref(),
        Some("00000007"),
        "the private default beside the public version"
    );

    // The board's way to the same column, within its budget: where prod publishes in three
    // calls (the partition from ListRegions, not from the caller and each region's parameter),
    // then the regions' public listings a slice at a time.
    use regship::ops::status::{BoardPart, ProdSlices};
    use regship::ops::versions::{Subject, kinds_of, public_in, publishing};
    let (regions, publisher) = publishing(&connections, &context, &config.accounts.prod)
        .await
        .unwrap();
    assert_eq!(regions, ["ap-south-2", "eu-west-1", "us-east-1"]);
    assert_eq!(publisher.as_deref(), Some("pub123"));
    let subjects = [Subject::from(&extension)];
    let mut slices = ProdSlices::default();
    let plan = BoardPart::ProdPlan(Ok((regions, publisher.clone())));
    assert!(
        slices.take(plan, &subjects).unwrap().is_err(),
        "nothing read yet"
    );
    let slice = slices.next_slice(1);
    assert_eq!(slice.len(), 3, "four listings a minute cover three regions");
    let kinds = kinds_of(std::slice::from_ref(&extension));
    let listings = public_in(&connections, &context, slice, &publisher.unwrap(), &kinds).await;
    let board = slices
        .take(BoardPart::ProdSlice(listings), &subjects)
        .unwrap()
        .unwrap();
    let standings: Vec<(&str, Standing)> = board[0]
        .regions
        .iter()
        .map(|r| (r.region.as_str(), r.standing))
        .collect();
    assert_eq!(
        standings,
        [
            ("ap-south-2", Standing::Missing),
            ("eu-west-1", Standing::Current),
            ("us-east-1", Standing::Lagging),
        ],
        "the same standings as the prod view's read"
    );
}

/// The plan of the preflight above (the unready regions skipped) becomes one
/// StartAutomationExecution: each region's default version of the publish document, its
/// parameters (the handler role, which RegisterType requires for a resource; the setup stack and
/// its staged template), and TargetLocations with the prod account, the ready regions, the
/// concurrency, the error budget and the role.
#[tokio::test]
async fn a_rollout_starts_one_multi_region_automation_for_the_ready_regions() {
    let dir = support::example_workspace("123456789012");
    let workspace = Workspace::load(dir.path());
    let extension = workspace.find_extension(TYPE_NAME).unwrap();
    let connections = three_regions("1.0.1");
    let (config, context) = prod();
    let matrix = preflight(
        &connections,
        &context,
        &config.accounts.prod,
        extension,
        Some("1.0.3"),
    )
    .await
    .unwrap();
    let refused = plan(&matrix, &[], false, 5, 1).unwrap_err();
    assert!(refused.contains("ap-south-2"), "{refused}");
    let plan = plan(&matrix, &[], true, 5, 1).unwrap();
    assert_eq!(plan.regions, ["eu-west-1", "us-east-1"]);
    let kit = Kit {
        package_bucket: "packages".into(),
        test_log_bucket: "test-logs".into(),
        log_role_arn: "arn:aws:iam::123456789012:role/log".into(),
        log_group: "/regship/extensions".into(),
        execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
        execution_role_arn:
            "arn:aws:iam::123456789012:role/AWS-SystemsManager-AutomationExecutionRole".into(),
        setup_stack_role_arn: "arn:aws:iam::123456789012:role/regship-prod-SetupStackRole-1".into(),
    };
    let role = "arn:aws:iam::123456789012:role/awscommunity-s3-deletebucketcontents-prod-role-ExecutionRole-1";
    let staged = Staged {
        package_url: "s3://packages/a.zip".into(),
        handler_role_arn: Some(role.into()),
        setup_template_key: Some("setup/abc.yaml".into()),
        keep_versions: 7,
    };
    let request = request(&plan, extension, &kit, "123456789012", &staged, true);
    let started = mock!(aws_sdk_ssm::Client::start_automation_execution)
        .match_requests(|r| {
            let location = &r.target_locations()[0];
            let parameter = |name: &str| r.parameters().and_then(|p| p.get(name)).cloned();
            r.document_name() == Some("regship-publish-extension")
                && r.document_version() == Some("$DEFAULT")
                && parameter("ExecutionRoleArn") == Some(vec![role.to_string()])
                && parameter("SetupStackName")
                    == Some(vec!["setup-prod-awscommunity-s3-deletebucketcontents".to_string()])
                && parameter("SetupTemplateKey") == Some(vec!["setup/abc.yaml".to_string()])
                && parameter("KeepPrivateVersions") == Some(vec!["7".to_string()])
                && parameter("SetupStackRoleArn")
                    == Some(vec!["arn:aws:iam::123456789012:role/regship-prod-SetupStackRole-1".to_string()])
                && location.accounts() == ["123456789012"]
                && location.regions() == ["eu-west-1", "us-east-1"]
                && location.target_location_max_concurrency() == Some("5")
                && location.target_location_max_errors() == Some("1")
                && location.execution_role_name()
                    == Some("AWS-SystemsManager-AutomationExecutionRole")
                && parameter("TypeName") == Some(vec![TYPE_NAME.to_string()])
                && parameter("Kind") == Some(vec!["RESOURCE".to_string()])
                && parameter("SchemaHandlerPackage") == Some(vec!["s3://packages/a.zip".to_string()])
                && parameter("PublicVersionNumber") == Some(vec!["1.0.3".to_string()])
                && parameter("Publish") == Some(vec!["true".to_string()])
                && parameter("LogDeliveryBucket") == Some(vec!["test-logs".to_string()])
        })
        .then_output(|| {
            aws_sdk_ssm::operation::start_automation_execution::StartAutomationExecutionOutput::builder()
                .automation_execution_id("parent-0001")
                .build()
        });
    let cloud = AwsCloud::from_clients(
        context.clone(),
        Clients {
            ssm: mock_client!(aws_sdk_ssm, RuleMode::Sequential, &[&started]),
            ..support::unused_clients()
        },
    );
    let authorization = regship::cloud::guard::AccountGuard::default()
        .check_account(
            &context,
            &regship::cloud::Identity {
                account: "123456789012".into(),
                arn: "arn:aws:iam::123456789012:role/release".into(),
            },
            "start a prod rollout",
        )
        .unwrap();
    assert_eq!(
        cloud.start_rollout(&authorization, &request).await.unwrap(),
        "parent-0001"
    );
}

/// `rollout watch` without an id: the document's parents only (children carry their parent's
/// id), the running one before a newer one that ended, else the newest.
#[tokio::test]
async fn watch_without_an_id_attaches_to_the_running_rollout() {
    use aws_sdk_ssm::operation::describe_automation_executions::DescribeAutomationExecutionsOutput;
    use aws_sdk_ssm::primitives::DateTime;
    use aws_sdk_ssm::types::{AutomationExecutionMetadata, AutomationExecutionStatus};
    use regship::ops::rollout_watch::newest;

    let execution = |id: &str, status: AutomationExecutionStatus, started: i64, parent: bool| {
        let mut metadata = AutomationExecutionMetadata::builder()
            .automation_execution_id(id)
            .document_name("regship-publish-extension")
            .automation_execution_status(status)
            .execution_start_time(DateTime::from_secs(started));
        if !parent {
            metadata = metadata.parent_automation_execution_id("running-parent");
        }
        metadata.build()
    };
    let listing = move |with_running: bool| {
        let mut output = DescribeAutomationExecutionsOutput::builder()
            .automation_execution_metadata_list(execution(
                "newest-ended",
                AutomationExecutionStatus::Failed,
                3_000,
                true,
            ))
            .automation_execution_metadata_list(execution(
                "a-child",
                AutomationExecutionStatus::Inprogress,
                2_500,
                false,
            ));
        if with_running {
            output = output.automation_execution_metadata_list(execution(
                "running-parent",
                AutomationExecutionStatus::Inprogress,
                2_000,
                true,
            ));
        }
        output.build()
    };
    let with_running = mock!(aws_sdk_ssm::Client::describe_automation_executions)
        .then_output(move || listing(true));
    let all_ended = mock!(aws_sdk_ssm::Client::describe_automation_executions)
        .then_output(move || listing(false));
    let (_, context) = prod();
    let cloud = AwsCloud::from_clients(
        context,
        Clients {
            ssm: mock_client!(
                aws_sdk_ssm,
                RuleMode::Sequential,
                &[&with_running, &all_ended]
            ),
            ..support::unused_clients()
        },
    );
    assert_eq!(
        newest(&cloud, "regship-publish-extension")
            .await
            .unwrap()
            .as_deref(),
        Some("running-parent"),
        "the running parent, not its child, not the newer one that ended"
    );
    assert_eq!(
        newest(&cloud, "regship-publish-extension")
            .await
            .unwrap()
            .as_deref(),
        Some("newest-ended"),
        "nothing runs: the newest, to show how it ended"
    );
}

/// An error with an empty body (no code, no message) still says which call, its HTTP status and
/// what to do, instead of `ListRegions: ` and nothing else.
#[tokio::test]
async fn an_empty_error_answer_names_the_call_its_status_and_what_to_do() {
    let empty = mock!(aws_sdk_account::Client::list_regions).then_http_response(|| {
        aws_smithy_runtime_api::http::Response::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(403).unwrap(),
            aws_smithy_types::body::SdkBody::empty(),
        )
    });
    let (_, context) = prod();
    let cloud = AwsCloud::from_clients(
        context,
        Clients {
            account: mock_client!(aws_sdk_account, RuleMode::Sequential, &[&empty]),
            ..support::unused_clients()
        },
    );
    let error = cloud.region_opt_in().await.unwrap_err();
    assert_eq!(error.message, "ListRegions: HTTP 403 with an empty answer");
    assert!(
        error.hint.contains("may call ListRegions"),
        "{}",
        error.hint
    );
}
