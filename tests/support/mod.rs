//! Shared helpers of the integration tests.
#![allow(dead_code)] // each test binary uses a different part

pub mod automation;
pub mod fault_proxy;
pub mod moto;
pub mod parsers;
pub mod synthetic;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// A copy of this repository's example extensions (the resource and the module) and release
/// kit, with a regship.yml whose sandbox and prod accounts are `account_id`.
pub fn example_workspace(account_id: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"));
    let copied = Command::new("cp")
        .arg("-r")
        .arg(source.join("resources"))
        .arg(source.join("modules"))
        .arg(source.join("release"))
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let config = format!(
        "namespace: AwsCommunity\naccounts:\n  sandbox: {{region: us-east-1, account_id: \"{account_id}\"}}\n  prod: {{region: us-east-1, account_id: \"{account_id}\"}}\n"
    );
    std::fs::write(dir.path().join("regship.yml"), config).unwrap();
    dir
}

/// The placeholder grant of [`bare_pipeline_template`]: it keeps the pipeline role's list of
/// projects, where `pipeline add` appends; remove it before linting.
pub const PLACEHOLDER_GRANT: &str = "                  - !GetAtt PlaceholderBuildProject.Arn\n";

/// This repository's release/cicd.yml without its example extensions: the pipeline with an
/// empty Build stage, as a team starts from it.
pub fn bare_pipeline_template() -> String {
    let ours =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("release/cicd.yml"))
            .unwrap();
    // The grants of the pipeline role become one placeholder, where `pipeline add` appends.
    let mut placeholder = Some(PLACEHOLDER_GRANT);
    without_extensions(&ours)
        .lines()
        .filter_map(|line| {
            let grant =
                line.trim_start().starts_with("- !GetAtt ") && line.ends_with("BuildProject.Arn");
            if grant {
                placeholder.take().map(String::from)
            } else {
                Some(format!("{line}\n"))
            }
        })
        .collect()
}

/// A pipeline template of this repository's kit without its extensions' build roles, log
/// groups, projects and Build actions (the pipeline role's grants stay).
pub fn without_extensions(template: &str) -> String {
    let start = template.find("  # --- ").unwrap();
    let end = template.find("  PipelineRole:").unwrap();
    let mut bare = format!("{}{}", &template[..start], &template[end..]);
    let build = bare
        .find("        - Name: Build\n          Actions:\n")
        .unwrap()
        + "        - Name: Build\n          Actions:\n".len();
    // Up to the next stage (the CI/CD kit's Handoff), or the end of the stages.
    let stages_end = bare.find("\n  # Pipeline notifications").unwrap();
    let end = bare[build..stages_end]
        .find("\n        - ")
        .map_or(stages_end, |at| build + at + 1);
    bare.replace_range(build..end, "");
    bare
}

/// The .venv's site-packages, where `make test` installs the Python tools.
pub fn site_packages() -> PathBuf {
    let lib = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/lib");
    let python = std::fs::read_dir(&lib)
        .expect("run `make test`, which installs cfn-lint into .venv")
        .filter_map(Result::ok)
        .find(|e| e.file_name().to_string_lossy().starts_with("python3"))
        .expect("a python3 folder in .venv/lib");
    python.path().join("site-packages")
}

/// The cfn-lint package in .venv: its provider schemas and IAM action list are the oracle.
pub fn cfnlint_data() -> PathBuf {
    site_packages().join("cfnlint/data")
}

pub fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// What a provider schema lists for create, read, update, delete and list, as IAM knows it.
pub fn provider_permissions(data: &Path, type_name: &str) -> std::collections::BTreeSet<String> {
    let providers = read_json(&data.join("schemas/providers/us-east-1.json"));
    let digest = providers[type_name].as_str().expect(type_name);
    let schema = read_json(&data.join(format!("schemas/resources/{digest}.json")));
    let iam = read_json(&data.join("AdditionalSpecs/Policies.json"));
    ["create", "read", "update", "delete", "list"]
        .iter()
        .flat_map(|op| {
            schema["handlers"][op]["permissions"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|p| p.as_str().map(String::from))
        .filter(|action| {
            let (service, name) = action.split_once(':').unwrap();
            iam[service.to_lowercase()]["Actions"]
                .get(name.to_lowercase())
                .is_some()
        })
        .collect()
}

/// What a build role is not granted of a provider schema's list, the kit's rule restated here
/// apart from regship's table (so that the tests check the generator applies it, not that the
/// table agrees with itself): `iam:Delete*PermissionsBoundary` never (removing the boundary is
/// what it prevents), and the calls of an optional feature a template does not use (a bucket's
/// metadata tables: S3 Tables and the metadata configuration writes; a function's VPC, file
/// systems and customer key). Which calls serve which property is the kit's reading of what the
/// property configures: the provider schemas list one set per handler, and AWS documents no
/// finer split.
pub fn not_granted(type_name: &str, properties: &[&str], action: &str) -> bool {
    let action = action.to_ascii_lowercase();
    let uses = |property: &str| properties.contains(&property);
    action.starts_with("iam:delete") && action.ends_with("permissionsboundary")
        || type_name == "AWS::S3::Bucket"
            && !uses("MetadataTableConfiguration")
            && !uses("MetadataConfiguration")
            && (action.starts_with("s3tables:")
                || ["s3:create", "s3:delete", "s3:update"]
                    .iter()
                    .any(|verb| action.starts_with(verb) && action.contains("bucketmetadata")))
        || type_name == "AWS::Lambda::Function"
            && (action.starts_with("ec2:") && !uses("VpcConfig")
                || (action.starts_with("elasticfilesystem:") || action.starts_with("s3files:"))
                    && !uses("FileSystemConfigs")
                || action.starts_with("kms:") && !uses("KmsKeyArn"))
}

/// The regship binary with its environment isolated in `home`: test credentials, us-east-1,
/// no AWS profiles, nothing from the developer's own configuration.
pub fn regship_command(home: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_regship"));
    command
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", home.join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.join("no-aws-credentials"),
        );
    command
}

/// Runs `command` with `stdin` typed in, failing the test (not hanging it) after 60 s.
pub fn run_with_stdin(mut command: Command, stdin: &str) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    wait_bounded(child)
}

/// Waits for a child while reading its output (so that a full pipe cannot stall it), failing
/// the test after 60 s.
pub fn wait_bounded(child: std::process::Child) -> Output {
    let pid = child.id();
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(child.wait_with_output());
    });
    match receiver.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => output.unwrap(),
        Err(_) => {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            panic!("regship hung for 60 s");
        }
    }
}

/// stdout and stderr together.
pub fn output_text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A tool `make test` installs into .venv; missing, the test fails and says so.
pub fn venv_tool(name: &str) -> PathBuf {
    let tool = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".venv/bin")
        .join(name);
    assert!(
        tool.is_file(),
        "{} is missing: run `make test`, which installs it into .venv",
        tool.display()
    );
    tool
}

/// Clients whose every call fails the test: override the ones a test mocks, e.g.
/// `Clients { codepipeline: mocked, ..unused_clients() }`.
pub fn unused_clients() -> regship::cloud::aws::Clients {
    use aws_smithy_mocks::{Rule, RuleMode, mock_client};
    regship::cloud::aws::Clients {
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

/// The guard's authorization for the stage of `cloud`, as if its caller were `account` (the
/// emulators answer no STS call).
pub fn authorization(
    cloud: &dyn regship::cloud::Cloud,
    account: &str,
) -> regship::cloud::guard::Authorization {
    regship::cloud::guard::AccountGuard::default()
        .check_account(
            cloud.context(),
            &regship::cloud::Identity {
                account: account.into(),
                arn: format!("arn:aws:iam::{account}:role/release"),
            },
            "change the stage",
        )
        .unwrap()
}
