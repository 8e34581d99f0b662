//! `regship integ` against moto: the fresh copy created and deleted, the long-lived copy
//! created and then updated with a new revision, an update that changes nothing reported as
//! not exercised, and the fresh stacks of an interrupted run found by tag and deleted.

mod support;

use std::path::Path;

use support::moto::{Moto, moto};

const INTEG: &str = "Parameters:\n  IntegRevision:\n    Type: String\n    Default: none\nResources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags:\n        - Key: revision\n          Value: !Ref IntegRevision\n";

fn workspace(integ: &str) -> tempfile::TempDir {
    let dir = support::example_workspace("123456789012");
    // The example module's type cannot exist in moto (it serves no registry): the resource only.
    std::fs::remove_dir_all(dir.path().join("modules")).unwrap();
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: AwsCommunity\naccounts:\n  beta: {region: us-east-1, account_id: \"123456789012\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path()
            .join("resources/S3_DeleteBucketContents/test/integ.yml"),
        integ,
    )
    .unwrap();
    dir
}

/// Runs `regship integ --json`; the exit code and the result (the last line).
fn integ(moto: &Moto, dir: &Path) -> (Option<i32>, serde_json::Value, String) {
    let output = moto.regship(dir, &["--json", "integ", "S3_DeleteBucketContents"], "");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let last = stdout.lines().last().unwrap_or_default().to_string();
    let result = serde_json::from_str(&last)
        .unwrap_or_else(|err| panic!("{err}: {}", support::output_text(&output)));
    (output.status.code(), result, support::output_text(&output))
}

fn operations(result: &serde_json::Value) -> Vec<(String, String, String)> {
    result["stacks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let name = s["stack"].as_str().unwrap();
            let kind = if name.contains("integ-keep-") {
                "keep"
            } else {
                "fresh"
            };
            (
                kind.to_string(),
                s["operation"].as_str().unwrap().to_string(),
                s["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn fresh_create_and_delete_then_the_long_lived_create_and_update() {
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);

    let (code, first, log) = integ(moto, dir.path());
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(first["class"], "passed", "{first:#}");
    assert_eq!(first["blocks"], false);
    let ops = |v: &[(&str, &str, &str)]| -> Vec<(String, String, String)> {
        v.iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect()
    };
    assert_eq!(
        operations(&first),
        ops(&[
            ("fresh", "create", "CREATE_COMPLETE"),
            ("fresh", "delete", "DELETE_COMPLETE"),
            ("keep", "create", "CREATE_COMPLETE"),
        ])
    );
    assert!(
        moto.stack_names("integ-fresh-").is_empty(),
        "the fresh copy is gone"
    );
    assert_eq!(
        moto.stack_names("integ-keep-"),
        ["integ-keep-S3-DeleteBucketContents"]
    );
    // Every stack's events were streamed as JSON lines before the result.
    assert!(
        log.contains("\"CREATE_COMPLETE\"") && log.contains("\"DELETE_COMPLETE\""),
        "{log}"
    );

    let (code, second, log) = integ(moto, dir.path());
    assert_eq!(code, Some(0), "{log}");
    assert_eq!(second["class"], "passed", "{second:#}");
    assert_eq!(
        operations(&second).last().unwrap(),
        &(
            "keep".to_string(),
            "update".to_string(),
            "UPDATE_COMPLETE".to_string()
        ),
        "the new revision updated the long-lived copy: {second:#}"
    );
    assert_ne!(first["run_id"], second["run_id"]);
}

#[test]
fn an_update_that_changes_nothing_is_not_a_pass() {
    let (moto, _serial) = moto();
    let dir = workspace("Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n");
    let (code, _, log) = integ(moto, dir.path());
    assert_eq!(code, Some(0), "{log}");
    let (code, again, log) = integ(moto, dir.path());
    assert_eq!(again["class"], "update_not_exercised", "{log}");
    assert_eq!((code, again["blocks"].as_bool()), (Some(0), Some(false)));
    assert!(
        again["reasons"][0]
            .as_str()
            .unwrap()
            .contains("IntegRevision"),
        "{again:#}"
    );
}

#[test]
fn the_stacks_of_an_interrupted_run_are_found_by_tag_and_deleted() {
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);
    // What a run killed after its create leaves, and a stack of another extension.
    moto.create_tagged_stack(
        "integ-fresh-S3-DeleteBucketContents-killed1",
        INTEG,
        &[
            ("regship:integ-run", "killed1"),
            (
                "regship:integ-extension",
                "resources/S3_DeleteBucketContents",
            ),
        ],
    );
    moto.create_tagged_stack(
        "integ-fresh-S3-DeleteBucketContents-unrelated",
        INTEG,
        &[("team", "other")],
    );
    let (code, result, log) = integ(moto, dir.path());
    assert_eq!(code, Some(0), "{log}");
    assert!(
        log.contains("deleting integ-fresh-S3-DeleteBucketContents-killed1, left behind by the interrupted run killed1"),
        "{log}"
    );
    assert_eq!(
        result["stale_deleted"],
        serde_json::json!(["integ-fresh-S3-DeleteBucketContents-killed1"])
    );
    assert_eq!(
        moto.stack_names("integ-fresh-"),
        ["integ-fresh-S3-DeleteBucketContents-unrelated"],
        "only the run's own stacks are deleted"
    );
}

#[test]
fn a_refused_create_is_a_functional_failure_that_blocks_prod_not_alpha() {
    let (moto, _serial) = moto();
    let failing = "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: !ImportValue NoSuchExport\n";
    let dir = workspace(failing);
    let (code, result, log) = integ(moto, dir.path());
    assert_eq!(code, Some(1), "{log}");
    assert_eq!(result["class"], "functional_failure", "{result:#}");
    assert_eq!(
        (result["allowed"].as_bool(), result["blocks"].as_bool()),
        (Some(false), Some(true))
    );
    assert!(
        result["reasons"][0]
            .as_str()
            .unwrap()
            .contains("No export named NoSuchExport"),
        "{result:#}"
    );
    let own = format!(
        "integ-fresh-S3-DeleteBucketContents-{}",
        result["run_id"].as_str().unwrap()
    );
    assert!(
        moto.stack_names(&own).is_empty(),
        "nothing of this run is left: {log}"
    );

    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: AwsCommunity\naccounts:\n  beta: {region: us-east-1, account_id: \"123456789012\"}\nmaturity:\n  S3_DeleteBucketContents: alpha\n",
    )
    .unwrap();
    let (code, result, log) = integ(moto, dir.path());
    assert_eq!(
        code,
        Some(0),
        "an alpha extension's functional failure is allowed: {log}"
    );
    assert_eq!(result["class"], "functional_failure");
    assert_eq!(
        (result["allowed"].as_bool(), result["blocks"].as_bool()),
        (Some(true), Some(false))
    );
}

/// `--all` runs every extension side by side and ends with one row per extension.
#[test]
fn all_extensions_side_by_side_with_a_summary() {
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);
    let copied = std::process::Command::new("cp")
        .args([
            "-r",
            "resources/S3_DeleteBucketContents",
            "resources/S3_EmptyBucket",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    for file in [".rpdk-config", "awscommunity-s3-deletebucketcontents.json"] {
        let path = dir.path().join("resources/S3_EmptyBucket").join(file);
        let text = std::fs::read_to_string(&path).unwrap().replace(
            "AwsCommunity::S3::DeleteBucketContents",
            "AwsCommunity::S3::EmptyBucket",
        );
        std::fs::write(&path, text).unwrap();
    }
    let output = moto.regship(dir.path(), &["integ", "--all", "--concurrency", "2"], "");
    let text = support::output_text(&output);
    assert_eq!(output.status.code(), Some(0), "{text}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<&str> = stdout
        .lines()
        .skip_while(|line| !line.starts_with("EXTENSION"))
        .skip(1)
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    assert!(
        rows[0].starts_with("resources/S3_DeleteBucketContents") && rows[0].contains("passed"),
        "{stdout}"
    );
    assert!(
        rows[1].starts_with("resources/S3_EmptyBucket") && rows[1].ends_with("no"),
        "{stdout}"
    );
    assert!(
        text.contains("[S3_EmptyBucket] creating integ-fresh-S3-EmptyBucket-"),
        "{text}"
    );
    let mut kept = moto.stack_names("integ-keep-");
    kept.sort();
    assert_eq!(
        kept,
        [
            "integ-keep-S3-DeleteBucketContents",
            "integ-keep-S3-EmptyBucket"
        ],
        "the stacks come in the order the runs finished"
    );
}

/// `--submit` registers the working tree's version first (`cfn submit --set-default`, here a
/// stand-in that records its arguments, with the handler role regship deployed under the kit's
/// boundary), through the guard in the beta account; a submit that
/// fails, or whose registration cannot be confirmed (moto has no DescribeType), stops the run
/// before any stack is touched.
#[test]
fn submit_comes_first_and_an_unconfirmed_submit_stops_the_run() {
    use std::os::unix::fs::PermissionsExt;
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);
    let cfn = dir.path().join("cfn-stand-in");
    let calls = dir.path().join("cfn-calls");
    let run = |exit: i32| {
        std::fs::write(
            &cfn,
            format!(
                "#!/bin/bash\necho \"$*\" >> '{}'\nexit {exit}\n",
                calls.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&cfn, std::fs::Permissions::from_mode(0o755)).unwrap();
        let mut command = support::regship_command(dir.path());
        command
            .args([
                "-C",
                dir.path().to_str().unwrap(),
                "--endpoint-url",
                &moto.endpoint,
            ])
            .args(["integ", "S3_DeleteBucketContents", "--submit"])
            .env("REGSHIP_CFN", &cfn);
        support::run_with_stdin(command, "")
    };
    for exit in [1, 0] {
        let output = run(exit);
        let text = support::output_text(&output);
        assert_eq!(output.status.code(), Some(1), "{text}");
        assert!(
            text.contains("the submit failed, so its integration run does not start"),
            "{text}"
        );
        assert!(
            moto.stack_names("integ-").is_empty(),
            "no stack is touched: {text}"
        );
    }
    let recorded = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(recorded.lines().count(), 2, "{recorded}");
    assert!(
        recorded
            .lines()
            .all(|line| line.starts_with("submit") && line.contains("--set-default")),
        "{recorded}"
    );
    // In beta, regship deploys the handler role (named and bounded by the kit) first, and the
    // type is registered with it instead of a role `cfn submit` would make.
    assert!(
        recorded.lines().all(|line| line.contains(
            "--role-arn arn:aws:iam::123456789012:role/regship-handler-awscommunity-s3-deletebucketcontents"
        )),
        "{recorded}"
    );
    assert_eq!(
        moto.role_boundary("regship-handler-awscommunity-s3-deletebucketcontents")
            .as_deref(),
        Some(
            "arn:aws:iam::123456789012:policy/regship-handler-awscommunity-s3-deletebucketcontents"
        )
    );
}

/// A run killed after its fresh stack was created leaves that stack; the next run finds it by
/// its tag and deletes it before anything else, so no stack is left behind; Ctrl-C names the
/// stack it leaves and who removes it. A loopback proxy slows every request, so that the
/// interrupt lands between the create and the delete.
#[test]
fn a_run_killed_mid_way_leaves_nothing_after_the_next_run() {
    use std::io::BufRead;
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);
    let proxy = support::fault_proxy::FaultProxy::start(moto.port);
    proxy.set(support::fault_proxy::Fault::Latency(
        std::time::Duration::from_secs(1),
    ));
    let mut command = support::regship_command(dir.path());
    command
        .args([
            "-C",
            dir.path().to_str().unwrap(),
            "--endpoint-url",
            &proxy.endpoint,
        ])
        .args(["integ", "S3_DeleteBucketContents"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    let stderr = std::io::BufReader::new(child.stderr.take().unwrap());
    let mut stderr_lines = stderr.lines();
    let mut seen = Vec::new();
    for line in stderr_lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.starts_with("integ-fresh-") && line.contains(": create ended") {
            break;
        }
    }
    assert!(
        seen.iter().any(|l| l.starts_with("creating integ-fresh-")),
        "{seen:?}"
    );
    // The fresh copy is created; from now on every call waits 10 s, so its delete cannot
    // reach moto before the interrupt.
    proxy.set(support::fault_proxy::Fault::Latency(
        std::time::Duration::from_secs(10),
    ));
    std::thread::sleep(std::time::Duration::from_millis(1_500));
    // Ctrl-C: the run says what it leaves and who removes it.
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let rest: Vec<String> = stderr_lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "{rest:?}");
    let said = rest.join("\n");
    assert!(
        said.contains("stopped: these stacks stay as they are")
            && said.contains("integ-fresh-S3-DeleteBucketContents-")
            && said.contains("the next `regship integ` of its extension deletes it first"),
        "{said}"
    );
    let left = moto.stack_names("integ-fresh-");
    assert_eq!(
        left.len(),
        1,
        "the killed run left its fresh stack: {left:?}"
    );

    let (code, result, log) = integ(moto, dir.path());
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("left behind by the interrupted run"), "{log}");
    assert_eq!(result["stale_deleted"], serde_json::json!(left));
    assert!(moto.stack_names("integ-fresh-").is_empty(), "{log}");
}

/// Integration runs create and delete stacks: never in prod (whose changes need a typed
/// confirmation and go through its own process) nor in cicd.
#[test]
fn integ_refuses_prod_and_cicd() {
    let (moto, _serial) = moto();
    let dir = workspace(INTEG);
    for stage in ["prod", "cicd"] {
        let output = moto.regship(
            dir.path(),
            &["integ", "S3_DeleteBucketContents", "--stage", stage],
            "",
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{}",
            support::output_text(&output)
        );
        assert!(
            support::output_text(&output).contains("integration runs belong to beta"),
            "{}",
            support::output_text(&output)
        );
    }
    assert!(moto.stack_names("integ-").is_empty());
}

/// The kit's permissions boundary exists in the beta account only: a sandbox run leaves a
/// template's RoleBoundary at its default (no boundary), so the role is created as the developer
/// wrote it.
#[test]
fn a_sandbox_run_gives_no_boundary() {
    let (moto, _serial) = moto();
    let integ = "Parameters:\n  RoleBoundary:\n    Type: String\n    Default: \"\"\nConditions:\n  HasRoleBoundary: !Not [!Equals [!Ref RoleBoundary, \"\"]]\nResources:\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      PermissionsBoundary: !If [HasRoleBoundary, !Ref RoleBoundary, !Ref AWS::NoValue]\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n";
    let dir = workspace(integ);
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: AwsCommunity\naccounts:\n  sandbox: {region: us-east-1, account_id: \"123456789012\"}\n",
    )
    .unwrap();
    let output = moto.regship(
        dir.path(),
        &["integ", "S3_DeleteBucketContents", "--stage", "sandbox"],
        "",
    );
    assert!(output.status.success(), "{}", support::output_text(&output));
    let (_, resources) = moto.stack_resources("integ-keep-S3-DeleteBucketContents");
    let role = &resources
        .iter()
        .find(|(logical, ..)| logical == "Role")
        .unwrap()
        .2;
    assert_eq!(moto.role_boundary(role), None);
}
