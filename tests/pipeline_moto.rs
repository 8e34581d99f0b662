//! The pipeline subcommands against moto: CreatePipeline, StartPipelineExecution,
//! ListPipelineExecutions, GetPipelineExecution, GetPipeline, CodeBuild's ListBuildsForProject
//! and BatchGetBuilds, and CloudWatch Logs reads.

mod support;

use regship::cloud::port::capabilities::*;
use std::process::Output;

use aws_config::BehaviorVersion;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_codepipeline::types::{
    ActionCategory, ActionDeclaration, ActionOwner, ActionTypeId, ArtifactStore, ArtifactStoreType,
    InputArtifact, OutputArtifact, PipelineDeclaration, StageDeclaration,
};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::config::{Stage, WorkspaceConfig};
use support::moto::{Moto, moto};

const PIPELINE: &str = "regship-extensions";
const PROJECT: &str = "regship-S3DeleteBucketContents";
const ROLE_TEMPLATE: &str = "Resources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: '2012-10-17'\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: codepipeline.amazonaws.com\n            Action: sts:AssumeRole\nOutputs:\n  Arn:\n    Value: !GetAtt Role.Arn\n";

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

async fn sdk_config(moto: &Moto) -> aws_config::SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_codepipeline::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(&moto.endpoint)
        .load()
        .await
}

/// The adapter on the test's clients.
fn cicd(config: &aws_config::SdkConfig) -> AwsCloud {
    AwsCloud::from_clients(
        StageContext::new(
            &WorkspaceConfig::default(),
            Stage::Cicd,
            &Overrides::default(),
        ),
        Clients::new(config),
    )
}

fn action_type(category: ActionCategory, provider: &str) -> ActionTypeId {
    ActionTypeId::builder()
        .category(category)
        .owner(ActionOwner::Aws)
        .provider(provider)
        .version("1")
        .build()
        .unwrap()
}

/// What release/cicd.yml deploys, in miniature: a role, one CodeBuild project, and a pipeline
/// whose Build stage runs it as the example extension's action.
async fn create_pipeline(config: &aws_config::SdkConfig) {
    let cloudformation = aws_sdk_cloudformation::Client::new(config);
    cloudformation
        .create_stack()
        .stack_name("pipeline-role")
        .template_body(ROLE_TEMPLATE)
        .send()
        .await
        .unwrap();
    let stacks = cloudformation
        .describe_stacks()
        .stack_name("pipeline-role")
        .send()
        .await
        .unwrap();
    let role = stacks.stacks()[0].outputs()[0]
        .output_value()
        .unwrap()
        .to_string();

    use aws_sdk_codebuild::types::{
        ArtifactsType, ComputeType, EnvironmentType, ProjectArtifacts, ProjectEnvironment,
        ProjectSource, SourceType,
    };
    aws_sdk_codebuild::Client::new(config)
        .create_project()
        .name(PROJECT)
        .source(
            ProjectSource::builder()
                .r#type(SourceType::Codepipeline)
                // moto requires a location even where CodePipeline supplies the source.
                .location("pipeline")
                .build()
                .unwrap(),
        )
        .artifacts(
            ProjectArtifacts::builder()
                .r#type(ArtifactsType::Codepipeline)
                .location("pipeline")
                .build()
                .unwrap(),
        )
        .environment(
            ProjectEnvironment::builder()
                .r#type(EnvironmentType::LinuxContainer)
                .image("aws/codebuild/standard:7.0")
                .compute_type(ComputeType::BuildGeneral1Small)
                .build()
                .unwrap(),
        )
        .service_role(&role)
        .send()
        .await
        .unwrap();

    let source = StageDeclaration::builder()
        .name("Source")
        .actions(
            ActionDeclaration::builder()
                .name("GitHub")
                .action_type_id(action_type(
                    ActionCategory::Source,
                    "CodeStarSourceConnection",
                ))
                .output_artifacts(OutputArtifact::builder().name("Source").build().unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    let build = StageDeclaration::builder()
        .name("Build")
        .actions(
            ActionDeclaration::builder()
                .name("S3DeleteBucketContents")
                .action_type_id(action_type(ActionCategory::Build, "CodeBuild"))
                .configuration("ProjectName", PROJECT)
                .input_artifacts(InputArtifact::builder().name("Source").build().unwrap())
                .build()
                .unwrap(),
        )
        .build()
        .unwrap();
    aws_sdk_codepipeline::Client::new(config)
        .create_pipeline()
        .pipeline(
            PipelineDeclaration::builder()
                .name(PIPELINE)
                .role_arn(&role)
                .artifact_store(
                    ArtifactStore::builder()
                        .r#type(ArtifactStoreType::S3)
                        .location("regship-artifacts")
                        .build()
                        .unwrap(),
                )
                .stages(source)
                .stages(build)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
}

/// Starts a build of the project and writes `lines` to its log where CodeBuild would.
async fn build_with_log(config: &aws_config::SdkConfig, lines: &[&str]) -> String {
    let started = aws_sdk_codebuild::Client::new(config)
        .start_build()
        .project_name(PROJECT)
        .send()
        .await
        .unwrap();
    let build_id = started.build_value().unwrap().id().unwrap().to_string();
    let stream = build_id.split_once(':').unwrap().1.to_string();
    let logs = aws_sdk_cloudwatchlogs::Client::new(config);
    let group = format!("/aws/codebuild/{PROJECT}");
    let _ = logs.create_log_group().log_group_name(&group).send().await;
    logs.create_log_stream()
        .log_group_name(&group)
        .log_stream_name(&stream)
        .send()
        .await
        .unwrap();
    put_lines(&logs, &group, &stream, lines, 0).await;
    build_id
}

async fn put_lines(
    logs: &aws_sdk_cloudwatchlogs::Client,
    group: &str,
    stream: &str,
    lines: &[&str],
    first: i64,
) {
    // CloudWatch Logs (and moto) drop events older than 14 days.
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut request = logs
        .put_log_events()
        .log_group_name(group)
        .log_stream_name(stream);
    for (n, line) in lines.iter().enumerate() {
        request = request.log_events(
            InputLogEvent::builder()
                .timestamp(now_ms + first + n as i64)
                .message(format!("{line}\n"))
                .build()
                .unwrap(),
        );
    }
    request.send().await.unwrap();
}

/// The example workspace with a CI/CD stage whose pipeline is the one created above.
fn workspace() -> tempfile::TempDir {
    let dir = support::example_workspace("123456789012");
    std::fs::write(
        dir.path().join("regship.yml"),
        format!(
            "namespace: AwsCommunity\naccounts:\n  sandbox: {{region: us-east-1, account_id: \"123456789012\"}}\n  cicd: {{region: us-east-1, account_id: \"123456789012\", pipeline: {PIPELINE}}}\n"
        ),
    )
    .unwrap();
    dir
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn logs_print_the_latest_build_of_the_extension_as_plain_lines() {
    let (moto, _serial) = moto();
    let lines = [
        "[Container] Entering phase BUILD",
        "cfn test: 12 passed",
        "[Container] Phase complete: BUILD State: SUCCEEDED",
    ];
    let build_id = runtime().block_on(async {
        let config = sdk_config(moto).await;
        create_pipeline(&config).await;
        build_with_log(&config, &lines).await
    });
    let dir = workspace();

    let all = moto.regship(
        dir.path(),
        &["pipeline", "logs", "S3_DeleteBucketContents"],
        "",
    );
    assert_eq!(all.status.code(), Some(0), "{}", support::output_text(&all));
    assert_eq!(stdout(&all), format!("{}\n", lines.join("\n")));
    let header = String::from_utf8_lossy(&all.stderr);
    assert!(
        header.contains(&format!("build {build_id} SUCCEEDED")),
        "{header}"
    );

    let tail = moto.regship(
        dir.path(),
        &[
            "pipeline",
            "logs",
            "AwsCommunity::S3::DeleteBucketContents",
            "--lines",
            "1",
        ],
        "",
    );
    assert_eq!(stdout(&tail), format!("{}\n", lines[2]));

    let followed = moto.regship(
        dir.path(),
        &["pipeline", "logs", "S3_DeleteBucketContents", "--follow"],
        "",
    );
    assert_eq!(
        followed.status.code(),
        Some(0),
        "{}",
        support::output_text(&followed)
    );
    assert_eq!(
        stdout(&followed),
        format!("{}\n", lines.join("\n")),
        "a followed log ends with the build, every line once"
    );
}

#[test]
fn a_log_followed_through_its_token_returns_only_new_lines() {
    let (moto, _serial) = moto();
    runtime().block_on(async {
        let config = sdk_config(moto).await;
        create_pipeline(&config).await;
        let build_id = build_with_log(&config, &["one", "two", "three"]).await;
        let cloud = cicd(&config);
        let build = cloud.build(&build_id).await.unwrap();
        assert_eq!(build.project, PROJECT);
        let location = build.log.expect("the default CodeBuild log location");
        assert_eq!(location.group, format!("/aws/codebuild/{PROJECT}"));

        let first = cloud.log_lines(&location, None, 2).await.unwrap();
        let messages: Vec<&str> = first.lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages, ["two", "three"], "the tail, newline trimmed");

        let logs = aws_sdk_cloudwatchlogs::Client::new(&config);
        put_lines(
            &logs,
            &location.group,
            &location.stream,
            &["four", "five"],
            10,
        )
        .await;
        let next = cloud
            .log_lines(&location, first.next_token.as_deref(), 2)
            .await
            .unwrap();
        let messages: Vec<&str> = next.lines.iter().map(|l| l.message.as_str()).collect();
        assert_eq!(messages, ["four", "five"]);
        let nothing = cloud
            .log_lines(&location, next.next_token.as_deref(), 2)
            .await
            .unwrap();
        assert!(nothing.lines.is_empty(), "{nothing:?}");
    });
}

#[test]
fn start_is_confirmed_then_listed_and_read_back() {
    let (moto, _serial) = moto();
    runtime().block_on(async { create_pipeline(&sdk_config(moto).await).await });
    let dir = workspace();

    let declined = moto.regship(dir.path(), &["pipeline", "start"], "n\n");
    assert_eq!(
        declined.status.code(),
        Some(2),
        "{}",
        support::output_text(&declined)
    );
    assert!(
        support::output_text(&declined).contains("nothing was started"),
        "{}",
        support::output_text(&declined)
    );
    let read_only = moto.regship(
        dir.path(),
        &["--read-only", "pipeline", "start", "--yes"],
        "",
    );
    assert!(
        support::output_text(&read_only).contains("read-only"),
        "{}",
        support::output_text(&read_only)
    );
    let listed = moto.regship(dir.path(), &["pipeline", "executions", "--json"], "");
    let executions: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(executions.as_array().map(Vec::len), Some(0), "{executions}");

    let started = moto.regship(dir.path(), &["pipeline", "start", "--yes", "--json"], "");
    assert_eq!(
        started.status.code(),
        Some(0),
        "{}",
        support::output_text(&started)
    );
    let answer: serde_json::Value = serde_json::from_slice(&started.stdout).unwrap();
    let id = answer["execution_id"].as_str().unwrap().to_string();
    assert!(!id.is_empty());

    let listed = moto.regship(dir.path(), &["pipeline", "executions", "--json"], "");
    let executions: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(executions[0]["id"], id.as_str(), "{executions}");
    assert_eq!(executions[0]["trigger"], "StartPipelineExecution");

    runtime().block_on(async {
        let cloud = cicd(&sdk_config(moto).await);
        let execution = cloud
            .pipeline_execution(regship::cloud::ExecutionRef {
                pipeline: PIPELINE,
                execution_id: &id,
            })
            .await
            .unwrap();
        assert_eq!(execution.id, id);
        assert_eq!(execution.status, "Succeeded");
        let projects = cloud.pipeline_build_projects(PIPELINE).await.unwrap();
        assert_eq!(
            projects,
            [("S3DeleteBucketContents".to_string(), PROJECT.to_string())]
        );
    });
}

#[test]
fn a_call_the_endpoint_does_not_serve_is_reported_with_the_endpoints_own_words() {
    let (moto, _serial) = moto();
    runtime().block_on(async {
        let config = sdk_config(moto).await;
        create_pipeline(&config).await;
        // moto answers GetPipelineState, which it does not implement, with an HTML page and 500.
        let error = cicd(&config).pipeline_state(PIPELINE).await.unwrap_err();
        assert_eq!(
            error.kind,
            regship::cloud::CloudErrorKind::Service,
            "{error:?}"
        );
        assert!(
            error
                .message
                .contains("HTTP 500: 500 Internal Server Error"),
            "{error:?}"
        );
        assert!(!error.message.contains("<"), "tags are dropped: {error:?}");
        assert!(!error.message.contains("cut off"), "{error:?}");
        assert!(error.hint.contains("--endpoint-url"), "{error:?}");
    });
}
