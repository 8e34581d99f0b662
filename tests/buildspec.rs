//! resources/buildspec.yml run the way CodeBuild runs it, against moto: the commands of each
//! phase (install aside: it installs the tools from PyPI) in order in one bash shell, a failing
//! command ends its phase and fails the build, `finally` always runs. `cfn`, `sam` and `npm` are
//! stand-ins the test puts first on PATH (the `sam` one listens on the port it is given, as
//! `sam local start-lambda` does); `aws` is the real AWS CLI from .venv.

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

/// How `sam local start-lambda` behaves: it listens on `--port` until killed.
const SAM_LISTENS: &str =
    "[ \"$3\" = --port ] || exit 2\nexec python3 -m http.server --bind 127.0.0.1 \"$4\"";

/// Runs the buildspec on a copy of the example; `cfn test` fails when `tests_fail`.
fn run_build(moto: &Moto, root: &Path, tests_fail: bool) -> Output {
    run_build_with(
        moto,
        root,
        tests_fail,
        SAM_LISTENS,
        &[("RESOURCE_PATH", "resources/S3_DeleteBucketContents")],
    )
}

/// A port nothing listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// As `run_build`, `sam` doing `sam`, with `variables` set (the action's `*_PATH`).
fn run_build_with(
    moto: &Moto,
    root: &Path,
    tests_fail: bool,
    sam: &str,
    variables: &[(&str, &str)],
) -> Output {
    let bin = root.join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    stand_in(
        &bin,
        "cfn",
        &format!(
            "echo \"cfn $*\" >> \"$CODEBUILD_SRC_DIR/cfn-calls\"\nif [ \"$1\" = test ] && {tests_fail}; then echo 'FAILED test_contract_create_read'; exit 1; fi\nexit 0"
        ),
    );
    stand_in(&bin, "sam", sam);
    stand_in(
        &bin,
        "npm",
        "echo \"npm $*\" >> \"$CODEBUILD_SRC_DIR/cfn-calls\"",
    );
    let port = free_port().to_string();
    let mut environment = vec![
        ("SAM_LOCAL_PORT", port.as_str()),
        ("SAM_LOCAL_WAIT", "20"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
    ];
    environment.extend_from_slice(variables);
    codebuild(root, "resources/buildspec.yml", &environment)
}

/// Runs the buildspec at `path` in `root` as CodeBuild would, the stand-ins of `root/stand-ins`
/// and the .venv's tools first on PATH, with `environment` set and nothing else inherited.
fn codebuild(root: &Path, path: &str, environment: &[(&str, &str)]) -> Output {
    let buildspec: Value =
        serde_norway::from_str(&std::fs::read_to_string(root.join(path)).unwrap()).unwrap();
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin");
    let mut command = Command::new("bash");
    command
        .arg("-c")
        .arg(codebuild_script(&buildspec))
        .current_dir(root)
        .env_clear()
        .env(
            "PATH",
            format!(
                "{}:{}:{}",
                root.join("stand-ins").display(),
                venv.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .env("HOME", root)
        .env("CODEBUILD_SRC_DIR", root);
    for (name, value) in environment {
        command.env(name, value);
    }
    command.output().unwrap()
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
        "cfn test --enforce-timeout 90 --region us-east-1 --endpoint http://127.0.0.1:",
    ] {
        assert!(cfn.contains(step), "{step} was not run: {cfn}");
    }
    // The tests start once sam local listens, not after a fixed sleep.
    assert!(
        log.contains("sam local start-lambda is listening on"),
        "{log}"
    );
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

/// sam local that dies before it listens fails the build with its log, and the tests never run
/// against nothing; the setup stack is still deleted.
#[test]
fn sam_local_that_never_listens_fails_the_build_with_its_log() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let output = run_build_with(
        moto,
        dir.path(),
        false,
        "echo 'Error: Running AWS SAM projects locally requires Docker.'; exit 1",
        &[("RESOURCE_PATH", "resources/S3_DeleteBucketContents")],
    );
    let log = support::output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(log.contains("exited before it listened"), "{log}");
    assert!(log.contains("requires Docker"), "its log is shown: {log}");
    assert!(
        !calls(dir.path()).contains("cfn test"),
        "{}",
        calls(dir.path())
    );
    assert_eq!(stack_status(moto, dir.path()), None, "{log}");
}

/// A build action that names no extension fails at once, saying which variables it reads, and
/// touches nothing.
#[test]
fn a_build_action_without_an_extension_fails_at_once() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let output = run_build_with(moto, dir.path(), false, SAM_LISTENS, &[]);
    let log = support::output_text(&output);
    assert_eq!(output.status.code(), Some(1), "{log}");
    assert!(
        log.contains("none of RESOURCE_PATH, HOOK_PATH, MODULE_PATH is set"),
        "{log}"
    );
    assert!(!log.contains("deploying"), "{log}");
    assert!(calls(dir.path()).is_empty(), "{}", calls(dir.path()));
}

/// A TypeScript extension as the plugin generates it: `npm test` is the placeholder that exits
/// 1, so it is skipped with a line in the log; a real test script runs.
#[test]
fn a_typescript_build_skips_only_the_placeholder_test_script() {
    let (moto, _serial) = moto();
    for (script, runs) in [
        ("echo \\\"Error: no test specified\\\" && exit 1", false),
        ("jest", true),
    ] {
        let dir = support::example_workspace("123456789012");
        let folder = dir.path().join("resources/Ts_Thing");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(".rpdk-config"),
            r#"{"artifact_type": "RESOURCE", "typeName": "Example::Ts::Thing", "language": "typescript", "settings": {}}"#,
        )
        .unwrap();
        std::fs::write(
            folder.join("package.json"),
            format!("{{\"name\": \"thing\", \"scripts\": {{\"build\": \"tsc\", \"test\": \"{script}\"}}}}"),
        )
        .unwrap();
        let output = run_build_with(
            moto,
            dir.path(),
            false,
            SAM_LISTENS,
            &[("RESOURCE_PATH", "resources/Ts_Thing")],
        );
        let log = support::output_text(&output);
        assert_eq!(output.status.code(), Some(0), "{script}: {log}");
        let calls = calls(dir.path());
        assert!(calls.contains("npm ci\nnpm run build"), "{calls}");
        assert_eq!(calls.contains("npm test"), runs, "{script}: {calls}");
        assert_eq!(
            log.contains("npm test is the generated placeholder"),
            !runs,
            "{script}: {log}"
        );
        assert!(calls.contains("cfn test"), "{calls}");
    }
}

/// The beta job (resources/integ-buildspec.yml) fails at once when its action names no
/// extension, before regship runs; with one, its gate gets the CI/CD verdict the release was
/// handed over with (the source object's metadata, read by the real AWS CLI from moto) and
/// regship gets its folder; a source object without a passing verdict stops the build before
/// regship runs.
#[test]
fn the_integ_job_gates_on_the_handed_over_verdict() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let bin = root.join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    stand_in(
        &bin,
        "regship",
        "echo \"regship $*\" >> \"$CODEBUILD_SRC_DIR/cfn-calls\"",
    );
    let bucket = "regship-beta-source-123456789012-us-east-1";
    let passed = moto.put_version(
        bucket,
        "source.zip",
        b"PK",
        &[
            ("regship-commit", "0123abcd"),
            ("regship-cicd-execution", "3f2c9a1e-0001"),
            ("regship-cicd-result", "Succeeded"),
        ],
    );
    let unverdicted = moto.put_version(bucket, "source.zip", b"PK", &[]);
    let module = ("MODULE_PATH", "modules/S3_SecureBucket");
    for (variables, version, problem) in [
        (
            vec![],
            passed.as_str(),
            Some("none of RESOURCE_PATH, HOOK_PATH, MODULE_PATH is set"),
        ),
        (
            vec![module],
            unverdicted.as_str(),
            Some("carries no passing CI/CD verdict"),
        ),
        (vec![module], passed.as_str(), None),
    ] {
        let _ = std::fs::remove_file(root.join("cfn-calls"));
        // Each build starts on a fresh machine (the job appends its profile to ~/.aws/config).
        let _ = std::fs::remove_dir_all(root.join(".aws"));
        let mut environment = vec![
            ("AWS_REGION", "us-east-1"),
            ("AWS_DEFAULT_REGION", "us-east-1"),
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
            ("SOURCE_BUCKET", bucket),
            ("SOURCE_VERSION_ID", version),
        ];
        environment.extend(variables.iter().copied());
        let output = codebuild(root, "resources/integ-buildspec.yml", &environment);
        let log = support::output_text(&output);
        assert_eq!(
            output.status.success(),
            problem.is_none(),
            "{variables:?}: {log}"
        );
        let calls = calls(root);
        match problem {
            Some(problem) => {
                assert!(log.contains(problem), "{log}");
                assert!(calls.is_empty(), "regship ran: {calls}");
            }
            None => {
                assert!(
                    calls.contains(
                        "regship status modules/S3_SecureBucket --gate beta --cicd-passed 3f2c9a1e-0001@0123abcd"
                    ),
                    "{calls}"
                );
                assert!(
                    calls.contains("regship integ modules/S3_SecureBucket --stage beta"),
                    "{calls}"
                );
            }
        }
    }
}

/// The CI/CD pipeline's handoff (resources/handoff-buildspec.yml, the real AWS CLI against moto)
/// puts the run's source in the beta source bucket with the execution and commit as metadata,
/// which the beta job's verdict script reads back; without its variables it fails at once.
#[test]
fn the_handoff_hands_the_source_over_with_its_verdict() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let bucket = "regship-beta-source-210987654321-us-east-1";
    moto.put_version(bucket, "placeholder", b"", &[]);
    let aws = [
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_ENDPOINT_URL", moto.endpoint.as_str()),
    ];
    let output = codebuild(root, "resources/handoff-buildspec.yml", &aws);
    assert!(!output.status.success());
    assert!(support::output_text(&output).contains("must all be set"));

    let mut environment = aws.to_vec();
    environment.extend([
        ("BETA_SOURCE_BUCKET", bucket),
        ("CICD_EXECUTION_ID", "3f2c9a1e-0002"),
        ("COMMIT_ID", "89abcdef"),
    ]);
    let output = codebuild(root, "resources/handoff-buildspec.yml", &environment);
    assert!(output.status.success(), "{}", support::output_text(&output));
    let objects = moto.s3_objects(bucket);
    let (_, zip) = objects.iter().find(|(key, _)| key == "source.zip").unwrap();
    assert!(zip.starts_with(b"PK"), "a zip of the source");

    let version = moto.object_version(bucket, "source.zip");
    let verdict = Command::new("bash")
        .arg(root.join("resources/cicd-verdict.sh"))
        .env(
            "PATH",
            format!(
                "{}:{}",
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join(".venv/bin")
                    .display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        )
        .envs(aws)
        .env("SOURCE_BUCKET", bucket)
        .env("SOURCE_VERSION_ID", &version)
        .output()
        .unwrap();
    assert!(
        verdict.status.success(),
        "{}",
        support::output_text(&verdict)
    );
    assert_eq!(
        String::from_utf8_lossy(&verdict.stdout),
        "3f2c9a1e-0002@89abcdef\n"
    );
}

/// A setup template that declares RoleBoundary gets the kit's boundary (the project's
/// SETUP_ROLE_BOUNDARY) as that parameter, so the roles it creates carry it: the real AWS CLI's
/// deploy is called with the override and the stack moto made holds it; the example's setup,
/// which declares none, is deployed without one.
#[test]
fn a_setup_that_declares_role_boundary_is_given_the_kits() {
    let (moto, _serial) = moto();
    let dir = support::example_workspace("123456789012");
    let aws = Path::new(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/aws");
    let bin = dir.path().join("stand-ins");
    std::fs::create_dir_all(&bin).unwrap();
    stand_in(
        &bin,
        "aws",
        &format!(
            "echo \"aws $*\" >> \"$CODEBUILD_SRC_DIR/aws-calls\"\nexec '{}' \"$@\"",
            aws.display()
        ),
    );
    let boundary = "arn:aws:iam::123456789012:policy/regship-setup-role-boundary";
    let variables = [
        ("RESOURCE_PATH", "resources/S3_DeleteBucketContents"),
        ("SETUP_ROLE_BOUNDARY", boundary),
    ];
    // A passing build, and the AWS CLI's `cloudformation deploy` it ran.
    let deploy_call = || {
        let _ = std::fs::remove_file(dir.path().join("aws-calls"));
        let output = run_build_with(moto, dir.path(), false, SAM_LISTENS, &variables);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            support::output_text(&output)
        );
        std::fs::read_to_string(dir.path().join("aws-calls"))
            .unwrap()
            .lines()
            .find(|line| line.starts_with("aws cloudformation deploy"))
            .unwrap()
            .to_string()
    };
    let deploy = deploy_call();
    assert!(!deploy.contains("--parameter-overrides"), "{deploy}");

    let setup = dir
        .path()
        .join("resources/S3_DeleteBucketContents/test/setup.yml");
    let text = std::fs::read_to_string(&setup).unwrap();
    let declared = text.replacen(
        "Resources:\n",
        "Parameters:\n  RoleBoundary:\n    Type: String\n    Default: \"\"\nConditions:\n  HasRoleBoundary: !Not [!Equals [!Ref RoleBoundary, \"\"]]\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      PermissionsBoundary: !If [HasRoleBoundary, !Ref RoleBoundary, !Ref AWS::NoValue]\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n",
        1,
    );
    std::fs::write(&setup, declared).unwrap();
    let deploy = deploy_call();
    assert!(
        deploy.ends_with(&format!("--parameter-overrides RoleBoundary={boundary}")),
        "{deploy}"
    );
}

/// The beta job installs regship only through the checksum-verifying script, from the archive the
/// kit names (never `cargo install` of a name from a public registry), before any regship runs;
/// the kit gives every beta project that archive and its pinned checksum.
#[test]
fn the_integ_job_installs_regship_from_the_pinned_archive() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let buildspec: Value = serde_norway::from_str(
        &std::fs::read_to_string(root.join("resources/integ-buildspec.yml")).unwrap(),
    )
    .unwrap();
    let install: Vec<&str> = buildspec["phases"]["install"]["commands"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        install
            .iter()
            .any(|c| c.contains("resources/install-regship.sh")),
        "{install:?}"
    );
    let text = std::fs::read_to_string(root.join("resources/integ-buildspec.yml")).unwrap();
    assert!(!text.contains("cargo install"), "{text}");
    let kit = std::fs::read_to_string(root.join("release/beta.yml")).unwrap();
    for project in [
        "S3DeleteBucketContentsBuildProject",
        "S3SecureBucketBuildProject",
    ] {
        let block = &kit[kit.find(&format!("  {project}:")).unwrap()..];
        let block = &block[..block.find("\n\n").unwrap()];
        assert!(
            block.contains(
                "          - Name: REGSHIP_ARCHIVE\n            Type: PLAINTEXT\n            Value: !Sub \"s3://${ArtifactBucket}/${RegshipArchive}\"\n          - Name: REGSHIP_SHA256\n            Type: PLAINTEXT\n            Value: !Ref RegshipArchiveSha256"
            ),
            "{block}"
        );
    }
}

/// Each language's build runs the commands its plugin's projects need, before `cfn submit
/// --dry-run` and the contract tests: Java `mvn verify`, Go `make build`, Python nothing of its
/// own (the dry run builds the package); a module is only validated; an unknown language fails
/// the build and says so.
#[test]
fn each_language_builds_with_its_plugins_commands() {
    let (moto, _serial) = moto();
    for (language, kind, expected, tests) in [
        (
            "java",
            "RESOURCE",
            Some("mvn --batch-mode --quiet clean verify"),
            true,
        ),
        ("go", "RESOURCE", Some("make build"), true),
        ("python39", "RESOURCE", None, true),
        ("python39", "MODULE", None, false),
        ("cobol", "RESOURCE", None, false),
    ] {
        let dir = support::example_workspace("123456789012");
        let folder = dir.path().join("resources/Lang_Thing");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(
            folder.join(".rpdk-config"),
            format!(r#"{{"artifact_type": "{kind}", "typeName": "Example::Lang::Thing", "language": "{language}", "settings": {{}}}}"#),
        )
        .unwrap();
        let bin = dir.path().join("stand-ins");
        std::fs::create_dir_all(&bin).unwrap();
        for tool in ["mvn", "make"] {
            stand_in(
                &bin,
                tool,
                &format!("echo \"{tool} $*\" >> \"$CODEBUILD_SRC_DIR/cfn-calls\""),
            );
        }
        let output = run_build_with(
            moto,
            dir.path(),
            false,
            SAM_LISTENS,
            &[("RESOURCE_PATH", "resources/Lang_Thing")],
        );
        let log = support::output_text(&output);
        let calls = calls(dir.path());
        assert_eq!(
            output.status.success(),
            language != "cobol",
            "{language}: {log}"
        );
        if language == "cobol" {
            assert!(log.contains("unknown language `cobol`"), "{log}");
        }
        for tool in ["mvn", "make"] {
            let ran = calls.lines().find(|line| line.starts_with(tool));
            assert_eq!(
                ran,
                expected.filter(|e| e.starts_with(tool)),
                "{language}: {calls}"
            );
        }
        assert_eq!(
            calls.contains("cfn test"),
            tests,
            "{language} {kind}: {calls}"
        );
        assert_eq!(
            calls.contains("cfn submit --dry-run"),
            tests,
            "{language} {kind}: {calls}"
        );
        assert!(calls.contains("cfn validate"), "{calls}");
    }
}
