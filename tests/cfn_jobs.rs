//! The cfn jobs: the real CloudFormation CLI, the preflight against moto, the contract-test
//! summary parsed from real pytest output, and a missing cfn.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use regship::jobs::contract_tests::{Outcome, Summary};
use support::moto::{EXPORTER_TEMPLATE, Moto, moto};
use support::venv_tool;

fn regship(dir: &Path, endpoint: Option<&str>, cfn: &Path, args: &[&str]) -> Output {
    let mut command = support::regship_command(dir);
    command.args(["-C", dir.to_str().unwrap()]);
    if let Some(endpoint) = endpoint {
        command.args(["--endpoint-url", endpoint]);
    }
    command.args(args).env("REGSHIP_CFN", cfn);
    support::run_with_stdin(command, "")
}

fn text(output: &Output) -> String {
    support::output_text(output)
}

#[test]
fn validate_runs_the_real_cloudformation_cli() {
    let dir = support::example_workspace("123456789012");
    let output = regship(
        dir.path(),
        None,
        &venv_tool("cfn"),
        &["validate", "S3_DeleteBucketContents"],
    );
    assert!(output.status.success(), "{}", text(&output));
    assert!(
        text(&output).contains("Resource schema is valid."),
        "{}",
        text(&output)
    );
}

#[test]
fn a_missing_cfn_says_how_to_install_it() {
    let dir = support::example_workspace("123456789012");
    let output = regship(
        dir.path(),
        None,
        Path::new("/nonexistent/cfn"),
        &["generate", "S3_DeleteBucketContents"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(
        text(&output).contains("pip install cloudformation-cli cloudformation-cli-python-plugin"),
        "{}",
        text(&output)
    );
}

/// A stand-in for cfn that records its arguments and prints what cfn test prints.
fn fake_cfn(dir: &Path) -> PathBuf {
    let script = dir.join("fake-cfn");
    let mut file = std::fs::File::create(&script).unwrap();
    writeln!(
        file,
        "#!/bin/sh\necho \"args: $*\"\necho \"columns: $COLUMNS\"\necho 'handler_create.py::contract_create_read PASSED'\necho 'handler_create.py::contract_create_delete FAILED'\necho 'FAILED handler_create.py::contract_create_delete - AssertionError: delete did not succeed'\necho '===== 1 failed, 1 passed in 3.21s ====='\nexit 1"
    )
    .unwrap();
    drop(file);
    assert!(
        Command::new("chmod")
            .args(["+x", script.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    script
}

fn test_json(moto: &Moto, dir: &Path, cfn: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["test", "S3_DeleteBucketContents", "--json"];
    args.extend(extra);
    regship(dir, Some(&moto.endpoint), cfn, &args)
}

#[test]
fn the_preflight_refuses_until_setup_and_exports_are_live() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let cfn = fake_cfn(dir.path());

    let refused = test_json(moto, dir.path(), &cfn, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let out = text(&refused);
    assert!(
        out.contains("setup-S3-DeleteBucketContents is not deployed"),
        "{out}"
    );
    assert!(
        out.contains("{{AwsCommunityS3DeleteBucketContentsBucket}} is not an export"),
        "{out}"
    );
    assert!(!out.contains("args:"), "cfn did not run: {out}");

    let deployed = regship(
        dir.path(),
        Some(&moto.endpoint),
        &cfn,
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
    );
    assert!(deployed.status.success(), "{}", text(&deployed));
    let still = test_json(moto, dir.path(), &cfn, &[]);
    assert!(
        text(&still).contains("is not an export"),
        "the export is still missing: {}",
        text(&still)
    );
    assert!(
        !text(&still).contains("is not deployed"),
        "{}",
        text(&still)
    );

    moto.create_stack("exporter", EXPORTER_TEMPLATE);
    let ran = test_json(moto, dir.path(), &cfn, &[]);
    assert_eq!(
        ran.status.code(),
        Some(1),
        "cfn's exit code is kept: {}",
        text(&ran)
    );
    let report: serde_json::Value = serde_json::from_slice(&ran.stdout).unwrap();
    let command: Vec<&str> = report["command"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        &command[..3],
        ["test", "--region", "us-east-1"],
        "the region is passed explicitly"
    );
    assert_eq!(report["contract_tests"]["passed"], 1);
    assert_eq!(report["contract_tests"]["failed"], 1);
    assert_eq!(
        report["contract_tests"]["tests"][1]["message"],
        "AssertionError: delete did not succeed"
    );

    let skipped = regship(
        dir.path(),
        Some(&moto.endpoint),
        &cfn,
        &["test", "S3_DeleteBucketContents", "--skip-preflight"],
    );
    assert!(
        text(&skipped).contains("preflight skipped"),
        "{}",
        text(&skipped)
    );
    assert!(
        text(&skipped).contains("contract tests: 1 passed, 1 failed"),
        "{}",
        text(&skipped)
    );
    assert!(
        text(&skipped).contains("columns: 1000"),
        "pytest gets a wide terminal: {}",
        text(&skipped)
    );
}

#[test]
fn the_summary_parser_reads_real_pytest_output() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("test_contract.py"),
        "import pytest\n\ndef test_create_read():\n    assert True\n\ndef test_create_delete():\n    assert 1 == 2, 'delete did not succeed'\n\n@pytest.mark.skip(reason='no update handler')\ndef test_update():\n    pass\n",
    )
    .unwrap();
    // The wide terminal regship gives cfn test, so that pytest keeps failure messages whole.
    let output = Command::new(venv_tool("pytest"))
        .args(["-v", "-ra", "-p", "no:cacheprovider", "test_contract.py"])
        .env("COLUMNS", "1000")
        .current_dir(dir.path())
        .output()
        .unwrap();
    let summary = Summary::parse(&String::from_utf8_lossy(&output.stdout));
    assert!(
        summary.complete,
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!((summary.passed, summary.failed, summary.skipped), (1, 1, 1));
    let failed = summary
        .tests
        .iter()
        .find(|t| t.outcome == Outcome::Failed)
        .unwrap();
    assert_eq!(failed.name, "test_contract.py::test_create_delete");
    assert!(
        failed
            .message
            .as_deref()
            .unwrap()
            .contains("delete did not succeed"),
        "{failed:?}"
    );
    assert!(summary.seconds.is_some());
}

/// `cfn submit` exiting 0 is not the end of a submit: the registry must show the type. When
/// DescribeType fails (moto serves no registry API), the command says so and exits 1.
#[test]
fn a_submit_the_registry_does_not_confirm_fails() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let output = regship(
        dir.path(),
        Some(&moto.endpoint),
        Path::new("/bin/true"),
        &["submit", "S3_DeleteBucketContents"],
    );
    assert!(
        text(&output).contains("the registration could not be confirmed"),
        "{}",
        text(&output)
    );
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
}
