//! What the readiness board costs: 50 extensions, the resources view shown for an hour of the
//! TUI's ticks (the reducer decides when each stage is read), every read made by the AWS
//! adapter on aws-smithy-mocks clients that count the calls: the sandbox's setup stacks
//! (DescribeStacks), the CI/CD pipeline (GetPipelineState), and prod over 26 regions (the home
//! region's offered regions, ListRegions and DescribePublisher once an hour; in the other
//! minutes a public ListTypes in a few regions, round robin). The home region also answers
//! the caller identity and the partition parameters, which the board does not need. Target: at most 5 API calls per
//! stage per minute, in every minute and on average.
//! `cargo run --release --example board_budget`.

use regship::app::{BoardResult, WorkspaceResult};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use regship::app::{self, Action, AppState, Command, TaskResult};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::port::Connector;
use regship::cloud::{Cloud, CloudError, Connections};
use regship::config::Stage;
use regship::ops::status::{BoardPart, Standing, read_cicd, read_sandbox};
use regship::ops::versions::{kinds_of, public_in, publishing};
use regship::workspace::Workspace;

const EXTENSIONS: usize = 50;
const REGIONS: usize = 26;
const MINUTES: i64 = 60;

fn region(n: usize) -> String {
    format!("bench-region-{n:02}")
}

/// 50 resources and a regship.yml whose sandbox, cicd and prod accounts are set.
fn write_workspace(root: &Path) {
    for n in 0..EXTENSIONS {
        let dir = root.join(format!("resources/Thing_{n:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(".rpdk-config"),
            format!(
                r#"{{"artifact_type": "RESOURCE", "typeName": "Bench::Thing::T{n:02}", "language": "python311", "settings": {{}}}}"#
            ),
        )
        .unwrap();
    }
    std::fs::write(
        root.join("regship.yml"),
        "namespace: Bench\naccounts:\n  sandbox: {region: us-east-1}\n  cicd: {region: us-east-1, pipeline: bench-pipeline}\n  prod: {region: us-east-1, regions: all}\n",
    )
    .unwrap();
}

/// Every client fails a call nobody expected.
fn unused() -> Clients {
    Clients {
        cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::Sequential, &[] as &[Rule]),
        sts: mock_client!(aws_sdk_sts, RuleMode::Sequential, &[] as &[Rule]),
        codepipeline: mock_client!(aws_sdk_codepipeline, RuleMode::Sequential, &[] as &[Rule]),
        codebuild: mock_client!(aws_sdk_codebuild, RuleMode::Sequential, &[] as &[Rule]),
        logs: mock_client!(aws_sdk_cloudwatchlogs, RuleMode::Sequential, &[] as &[Rule]),
        s3: mock_client!(aws_sdk_s3, RuleMode::Sequential, &[] as &[Rule]),
        ssm: mock_client!(aws_sdk_ssm, RuleMode::Sequential, &[] as &[Rule]),
        account: mock_client!(aws_sdk_account, RuleMode::Sequential, &[] as &[Rule]),
        iam: mock_client!(aws_sdk_iam, RuleMode::Sequential, &[] as &[Rule]),
        // No credentials: DescribeRegions fails before it sends anything.
        ec2_regions: regship::cloud::aws::ec2::Ec2Regions::new(
            &aws_types::SdkConfig::builder().build(),
        ),
    }
}

/// The mocked accounts: each stage's (and prod region's) clients, and every rule by stage so
/// that its calls can be counted.
struct Accounts {
    clients: BTreeMap<(Stage, String), Clients>,
    rules: Vec<(Stage, Rule)>,
}

fn accounts() -> Accounts {
    use aws_sdk_cloudformation::operation::describe_publisher::DescribePublisherOutput;
    use aws_sdk_cloudformation::operation::describe_stacks::DescribeStacksOutput;
    use aws_sdk_cloudformation::operation::list_types::ListTypesOutput;
    use aws_sdk_cloudformation::types::{
        PublisherStatus, Stack, StackStatus, TypeSummary, Visibility,
    };
    use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateOutput;
    use aws_sdk_ssm::operation::get_parameters::GetParametersOutput;
    use aws_sdk_ssm::operation::get_parameters_by_path::GetParametersByPathOutput;
    use aws_sdk_ssm::types::Parameter;

    let mut clients = BTreeMap::new();
    let mut rules = Vec::new();
    let stacks = mock!(aws_sdk_cloudformation::Client::describe_stacks).then_output(|| {
        let mut output = DescribeStacksOutput::builder();
        for n in 0..EXTENSIONS {
            output = output.stacks(
                Stack::builder()
                    .stack_id(format!("id-{n}"))
                    .stack_name(format!("setup-Thing-{n:02}"))
                    .stack_status(StackStatus::CreateComplete)
                    .creation_time(aws_sdk_cloudformation::primitives::DateTime::from_secs(0))
                    .build(),
            );
        }
        output.build()
    });
    rules.push((Stage::Sandbox, stacks.clone()));
    clients.insert(
        (Stage::Sandbox, "us-east-1".to_string()),
        Clients {
            cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &[&stacks]),
            ..unused()
        },
    );
    let state = mock!(aws_sdk_codepipeline::Client::get_pipeline_state)
        .then_output(|| GetPipelineStateOutput::builder().build());
    rules.push((Stage::Cicd, state.clone()));
    clients.insert(
        (Stage::Cicd, "us-east-1".to_string()),
        Clients {
            codepipeline: mock_client!(aws_sdk_codepipeline, RuleMode::MatchAny, &[&state]),
            ..unused()
        },
    );
    // Prod's home region: who the caller is, where CloudFormation is offered, the partitions,
    // the opt-in status.
    let identity = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput::builder()
            .account("444444444444")
            .arn("arn:aws:iam::444444444444:role/release")
            .build()
    });
    let offered = mock!(aws_sdk_ssm::Client::get_parameters_by_path).then_output(|| {
        let mut output = GetParametersByPathOutput::builder();
        for n in 0..REGIONS {
            output = output.parameters(
                Parameter::builder()
                    .name(format!(
                        "/aws/service/global-infrastructure/services/cloudformation/regions/{}",
                        region(n)
                    ))
                    .value(region(n))
                    .build(),
            );
        }
        output.build()
    });
    let partitions = mock!(aws_sdk_ssm::Client::get_parameters).then_output(|| {
        let mut output = GetParametersOutput::builder();
        for n in 0..REGIONS {
            output = output.parameters(
                Parameter::builder()
                    .name(format!(
                        "/aws/service/global-infrastructure/regions/{}/partition",
                        region(n)
                    ))
                    .value("aws")
                    .build(),
            );
        }
        output.build()
    });
    let opt_in = mock!(aws_sdk_account::Client::list_regions).then_output(|| {
        let mut output = aws_sdk_account::operation::list_regions::ListRegionsOutput::builder();
        for n in 0..REGIONS {
            output = output.regions(
                aws_sdk_account::types::Region::builder()
                    .region_name(region(n))
                    .region_opt_status(aws_sdk_account::types::RegionOptStatus::EnabledByDefault)
                    .build(),
            );
        }
        output.build()
    });
    let publisher = mock!(aws_sdk_cloudformation::Client::describe_publisher).then_output(|| {
        DescribePublisherOutput::builder()
            .publisher_id("pub-bench")
            .publisher_status(PublisherStatus::Verified)
            .build()
    });
    for rule in [&identity, &offered, &partitions, &opt_in, &publisher] {
        rules.push((Stage::Prod, rule.clone()));
    }
    let home = Clients {
        cloudformation: mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &[&publisher]),
        sts: mock_client!(aws_sdk_sts, RuleMode::MatchAny, &[&identity]),
        ssm: mock_client!(aws_sdk_ssm, RuleMode::MatchAny, &[&offered, &partitions]),
        account: mock_client!(aws_sdk_account, RuleMode::MatchAny, &[&opt_in]),
        ..unused()
    };
    // Each publishing region: the publisher's public listing.
    for n in 0..REGIONS {
        let listing = mock!(aws_sdk_cloudformation::Client::list_types)
            .match_requests(|r| r.visibility() == Some(&Visibility::Public))
            .then_output(|| {
                let mut output = ListTypesOutput::builder();
                for n in 0..EXTENSIONS {
                    output = output.type_summaries(
                        TypeSummary::builder()
                            .type_name(format!("Bench::Thing::T{n:02}"))
                            .latest_public_version("1.0.3")
                            .build(),
                    );
                }
                output.build()
            });
        rules.push((Stage::Prod, listing.clone()));
        let cloudformation = mock_client!(aws_sdk_cloudformation, RuleMode::MatchAny, &[&listing]);
        clients.insert(
            (Stage::Prod, region(n)),
            Clients {
                cloudformation,
                ..unused()
            },
        );
    }
    clients.insert((Stage::Prod, "us-east-1".to_string()), home);
    Accounts { clients, rules }
}

struct ByStage(BTreeMap<(Stage, String), Clients>);

#[async_trait]
impl Connector for ByStage {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        let region = context.region.clone().unwrap_or_default();
        let clients = self
            .0
            .get(&(context.stage, region.clone()))
            .cloned()
            .unwrap_or_else(|| panic!("no {} connection in {region} expected", context.stage));
        Ok(Arc::new(AwsCloud::from_clients(context, clients)))
    }
}

/// What the TUI's runner does for a board command, on the mocked accounts.
async fn run(command: Command, connections: &Connections, workspace: &Workspace) -> Vec<BoardPart> {
    let context = |stage| StageContext::new(&workspace.config, stage, &Overrides::default());
    let mut parts = Vec::new();
    match command {
        Command::ReadBoard { stages } => {
            for stage in stages {
                parts.push(match stage {
                    Stage::Sandbox => {
                        BoardPart::Sandbox(read_sandbox(connections, &context(stage)).await)
                    }
                    Stage::Cicd => {
                        BoardPart::Cicd(read_cicd(connections, &context(stage), workspace).await)
                    }
                    _ => BoardPart::ProdPlan(
                        publishing(
                            connections,
                            &context(stage),
                            &workspace.config.accounts.prod,
                        )
                        .await
                        .map_err(|e| Standing::unread(&e)),
                    ),
                });
            }
        }
        Command::ReadProdSlice { regions, publisher } => {
            let kinds = kinds_of(&workspace.extensions);
            let listings = public_in(
                connections,
                &context(Stage::Prod),
                regions,
                &publisher,
                &kinds,
            )
            .await;
            assert!(listings.iter().all(|(_, l)| l.is_ok()), "{listings:?}");
            parts.push(BoardPart::ProdSlice(listings));
        }
        _ => {}
    }
    for part in &parts {
        if let BoardPart::Sandbox(Err(e)) | BoardPart::Cicd(Err(e)) = part {
            panic!("{e:?}");
        }
    }
    parts
}

fn calls(rules: &[(Stage, Rule)], stage: Stage) -> usize {
    rules
        .iter()
        .filter(|(of, _)| *of == stage)
        .map(|(_, rule)| rule.num_calls())
        .sum()
}

fn main() {
    let dir = tempfile::tempdir().unwrap();
    write_workspace(dir.path());
    let workspace = Workspace::load(dir.path());
    assert_eq!(workspace.extensions.len(), EXTENSIONS);
    let Accounts { clients, rules } = accounts();
    let connections = Connections::new(Arc::new(ByStage(clients)));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut state = AppState::new("bench", Stage::Sandbox);
    let mut pending = app::update(
        &mut state,
        TaskResult::new(
            0,
            WorkspaceResult::Loaded(Ok(regship::tui::extension_views(&workspace))),
        ),
    );
    let stages = [Stage::Sandbox, Stage::Cicd, Stage::Prod];
    let mut per_minute: Vec<[usize; 3]> = Vec::new();
    let mut last = [0; 3];
    for second in 0..MINUTES * 60 {
        for command in std::mem::take(&mut pending) {
            let parts = runtime.block_on(run(command, &connections, &workspace));
            for part in parts {
                app::update(&mut state, TaskResult::new(0, BoardResult::Read(part)));
            }
        }
        if second % 60 == 59 {
            let now = stages.map(|stage| calls(&rules, stage));
            per_minute.push([0, 1, 2].map(|i| now[i] - last[i]));
            last = now;
        }
        pending = app::update(&mut state, Action::Tick((second + 1) * 1_000));
    }
    let status = regship::ops::status::status_of(
        &state.extensions.value().unwrap()[0].row,
        "setup-Thing-00",
        &state.readiness.inputs,
        state.now_ms,
    );
    assert_eq!(
        status.prod.text(),
        "✓ 26/26 on 1.0.3",
        "the board was filled"
    );
    println!(
        "readiness board, {EXTENSIONS} extensions, {REGIONS} prod regions, the resources view shown for {MINUTES} min:"
    );
    for (i, stage) in stages.iter().enumerate() {
        let total: usize = per_minute.iter().map(|m| m[i]).sum();
        let busiest = per_minute.iter().map(|m| m[i]).max().unwrap_or(0);
        println!(
            "  {stage:<8} {total:>4} calls: {:.2} a minute on average, {busiest} in the busiest minute (target <= 5)",
            total as f64 / MINUTES as f64
        );
    }
}
