//! resources/buildspec.yml run the way CodeBuild runs it, against moto: the commands of each
//! phase (install aside: it installs the tools from PyPI) in order in one bash shell, a failing
//! command ends its phase and fails the build, `finally` always runs. `cfn`, `sam` and `sleep`
//! are stand-ins the test puts first on PATH; `aws` is the real AWS CLI from .venv.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use serde_norway::Value;
use support::moto::{Moto, moto};

const STACK: &str = "setup-S3-DeleteBucketContents";

fn quoted(command: &str) -> String {
    format!("'{}'", command.replace('\'', r"'\''"))
}

/// The buildspec's phases as one bash script with CodeBuild's semantics.
fn codebuild_script(buildspec: &Value) -> String {
    let mut script = String::from(
        "build_failed=0\nrun() { [ \"$phase_failed\" = 0 ] || return 0; eval \"$1\"; local s=$?; if [ $s != 0 ]; then echo \"[codebuild] command failed with $s: $1\"; phase_failed=1; fi; }\n",
    );
    if let Some(variables) = buildspec["env"]["variables"].as_mapping() {
        for (name, value) in variables {
            script.push_str(&format!(
                "export {}={}\n",
                name.as_str().unwrap(),
                quoted(value.as_str().unwrap())
            ));
        }
    }
    for phase in ["pre_build", "build", "post_build"] {
        let Some(body) = buildspec["phases"].get(phase) else {
            continue;
        };
        script.push_str(&format!(
            "phase_failed=0\necho \"[codebuild] phase {phase}\"\n"
        ));
        for command in body["commands"].as_sequence().into_iter().flatten() {
            script.push_str(&format!("run {}\n", quoted(command.as_str().unwrap())));
        }
        for command in body["finally"].as_sequence().into_iter().flatten() {
            script.push_str(&format!(
                "eval {} || {{ echo \"[codebuild] finally failed\"; phase_failed=1; }}\n",
                quoted(command.as_str().unwrap())
            ));
        }
        script.push_str("[ \"$phase_failed\" = 0 ] || build_failed=1\n");
    }
    script.push_str("echo \"[codebuild] build_failed=$build_failed\"\nexit $build_failed\n");
    script
}

fn stand_in(bin: &Path, name: &str, body: &str) {
    let path = bin.join(name);
    std::fs::write(&path, format!("#!/bin/bash\n{body}\n")).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the buildspec on a copy of the example; `cfn test` fails when `tests_fail`.
fn run_build(moto: &Moto, root: &Path, tests_fail: bool) -> Output {
    let buildspec: Value = serde_norway::from_str(
        &std::fs::read_to_string(root.join("resources/buildspec.yml")).unwrap(),
    )
    .unwrap();
    let bin = root.join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    stand_in(
        &bin,
        "cfn",
        &format!(
            "echo \"cfn $*\" >> \"$CODEBUILD_SRC_DIR/cfn-calls\"\nif [ \"$1\" = test ] && {tests_fail}; then echo 'FAILED test_contract_create_read'; exit 1; fi\nexit 0"
        ),
    );
    stand_in(&bin, "sam", "echo \"sam $*\"");
    stand_in(&bin, "sleep", "exit 0");
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin");
    Command::new("bash")
        .arg("-c")
        .arg(codebuild_script(&buildspec))
        .current_dir(root)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}:{}",
                bin.display(),
                venv.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", root)
        .env("CODEBUILD_SRC_DIR", root)
        .env("RESOURCE_PATH", "resources/S3_DeleteBucketContents")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .output()
        .unwrap()
}

fn stack_status(moto: &Moto, root: &Path) -> Option<String> {
    let output = Command::new(Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws"))
        .args(["cloudformation", "describe-stacks", "--stack-name", STACK])
        .args(["--query", "Stacks[0].StackStatus", "--output", "text"])
        .env("HOME", root)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", &moto.endpoint)
        .output()
        .unwrap();
    let status = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !status.is_empty() && status != "DELETE_COMPLETE").then_some(status)
}

fn calls(root: &Path) -> String {
    std::fs::read_to_string(root.join("cfn-calls")).unwrap_or_default()
}

#[test]
fn a_setup_that_deploys_passes_and_leaves_no_stack() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let output = run_build(moto, dir.path(), false);
    let log = support::output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{log}");
    assert!(
        log.contains("deploying test/setup.yml as setup-S3-DeleteBucketContents"),
        "{log}"
    );
    let cfn = calls(dir.path());
    for step in [
        "cfn validate",
        "cfn generate",
        "cfn submit --dry-run",
        "cfn test --enforce-timeout 90",
    ] {
        assert!(cfn.contains(step), "{step} was not run: {cfn}");
    }
    assert!(
        log.contains("deleting setup-S3-DeleteBucketContents"),
        "{log}"
    );
    assert_eq!(stack_status(moto, dir.path()), None, "{log}");
}

#[test]
fn a_failed_setup_fails_the_build_at_once_and_is_cleaned_up() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    std::fs::write(
        dir.path().join("resources/S3_DeleteBucketContents/test/setup.yml"),
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !ImportValue NoSuchExport\n",
    )
    .unwrap();
    let output = run_build(moto, dir.path(), false);
    let log = support::output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains("the setup stack setup-S3-DeleteBucketContents failed to deploy"),
        "{log}"
    );
    assert!(
        log.contains("No export named NoSuchExport found"),
        "the reason is in the log: {log}"
    );
    assert!(
        !calls(dir.path()).contains("cfn test"),
        "the tests never ran: {}",
        calls(dir.path())
    );
    assert!(
        log.contains("deleting setup-S3-DeleteBucketContents"),
        "{log}"
    );
    assert_eq!(stack_status(moto, dir.path()), None, "{log}");
}

#[test]
fn failed_contract_tests_fail_the_build_and_still_clean_up() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let output = run_build(moto, dir.path(), true);
    let log = support::output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("FAILED test_contract_create_read"), "{log}");
    assert!(
        log.contains("deleting setup-S3-DeleteBucketContents"),
        "{log}"
    );
    assert_eq!(stack_status(moto, dir.path()), None, "{log}");
}
