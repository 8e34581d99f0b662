//! The cloud subcommands against a real local AWS emulator (moto in server mode).

mod support;

use std::path::Path;
use std::process::{Command, Output, Stdio};

use support::moto::{Moto, moto};

const MOTO_ACCOUNT: &str = "123456789012";

fn workspace(account_id: &str) -> tempfile::TempDir {
    support::example_workspace(account_id)
}

fn text(output: &Output) -> String {
    support::output_text(output)
}

fn stack_status(moto: &Moto, dir: &Path) -> Option<String> {
    let output = moto.regship(
        dir,
        &["events", "setup-S3-DeleteBucketContents", "--json"],
        "",
    );
    let events: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    events.as_array()?.last()?["status"]
        .as_str()
        .map(String::from)
}

#[test]
fn deploy_update_no_change_decline_and_delete_the_example_setup() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);

    let declined_create = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents"],
        "n\n",
    );
    assert!(
        text(&declined_create).contains("nothing was deployed"),
        "{}",
        text(&declined_create)
    );
    assert_eq!(
        stack_status(moto, dir.path()),
        None,
        "no empty REVIEW_IN_PROGRESS stack is left behind"
    );

    let created = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents"],
        "y\n",
    );
    assert_eq!(created.status.code(), Some(0), "{}", text(&created));
    let out = text(&created);
    assert!(out.contains("+ Bucket"), "the change set is shown: {out}");
    assert!(out.contains("[y/N]"), "{out}");
    assert!(out.contains("✓ CREATE_COMPLETE"), "{out}");
    assert_eq!(
        stack_status(moto, dir.path()).as_deref(),
        Some("CREATE_COMPLETE")
    );

    let unchanged = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    assert_eq!(unchanged.status.code(), Some(0), "{}", text(&unchanged));
    assert!(
        text(&unchanged).contains("no changes"),
        "{}",
        text(&unchanged)
    );

    let setup = dir
        .path()
        .join("resources/S3_DeleteBucketContents/test/setup.yml");
    let template = std::fs::read_to_string(&setup).unwrap();
    std::fs::write(
        &setup,
        template.replace("IgnorePublicAcls: true", "IgnorePublicAcls: false"),
    )
    .unwrap();
    let declined = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents"],
        "\n",
    );
    assert_ne!(declined.status.code(), Some(0));
    assert!(
        text(&declined).contains("nothing was deployed"),
        "{}",
        text(&declined)
    );
    assert_eq!(
        stack_status(moto, dir.path()).as_deref(),
        Some("CREATE_COMPLETE"),
        "a declined change set is not executed"
    );

    let updated = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "-y"],
        "",
    );
    assert_eq!(updated.status.code(), Some(0), "{}", text(&updated));
    assert!(text(&updated).contains("> Bucket"), "{}", text(&updated));
    assert!(
        text(&updated).contains("✓ UPDATE_COMPLETE"),
        "{}",
        text(&updated)
    );

    let followed = moto.regship(
        dir.path(),
        &["events", "setup-S3-DeleteBucketContents", "--follow"],
        "",
    );
    assert_eq!(
        followed.status.code(),
        Some(0),
        "a settled stack ends the follow at once: {}",
        text(&followed)
    );

    let deleted = moto.regship(
        dir.path(),
        &["setup", "delete", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    assert_eq!(deleted.status.code(), Some(0), "{}", text(&deleted));
    assert!(
        text(&deleted).contains("✓ DELETE_COMPLETE"),
        "{}",
        text(&deleted)
    );
    let again = moto.regship(
        dir.path(),
        &["setup", "delete", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    assert!(
        text(&again).contains("nothing to delete"),
        "{}",
        text(&again)
    );
}

#[test]
fn exports_and_reference_resolution() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    moto.create_stack("exporter", support::moto::EXPORTER_TEMPLATE);

    let exports = moto.regship(dir.path(), &["exports", "--json"], "");
    assert!(exports.status.success(), "{}", text(&exports));
    let exports: serde_json::Value = serde_json::from_slice(&exports.stdout).unwrap();
    assert_eq!(
        exports[0]["name"],
        "AwsCommunityS3DeleteBucketContentsBucket"
    );
    assert_eq!(exports[0]["value"], "bucket-from-setup");

    let deployed = moto.regship(
        dir.path(),
        &[
            "setup",
            "deploy",
            "resources/S3_DeleteBucketContents",
            "--yes",
        ],
        "",
    );
    assert!(deployed.status.success(), "{}", text(&deployed));
    assert!(
        text(&deployed)
            .contains("✓ {{AwsCommunityS3DeleteBucketContentsBucket}} = bucket-from-setup"),
        "{}",
        text(&deployed)
    );
}

#[test]
fn the_account_guard_refuses_another_account_and_read_only() {
    let (moto, _serial) = moto();
    let dir = workspace("111111111111");
    let refused = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    assert_eq!(refused.status.code(), Some(2));
    let out = text(&refused);
    assert!(
        out.contains("is account 123456789012, but the sandbox stage is account 111111111111"),
        "{out}"
    );
    assert!(
        stack_status(moto, dir.path()).is_none(),
        "nothing was created"
    );

    let dir = workspace(MOTO_ACCOUNT);
    let read_only = moto.regship(
        dir.path(),
        &[
            "--read-only",
            "setup",
            "deploy",
            "S3_DeleteBucketContents",
            "--yes",
        ],
        "",
    );
    assert!(
        text(&read_only).contains("read-only"),
        "{}",
        text(&read_only)
    );
    assert!(stack_status(moto, dir.path()).is_none());

    let prod_yes = moto.regship(
        dir.path(),
        &[
            "setup",
            "deploy",
            "S3_DeleteBucketContents",
            "--stage",
            "prod",
            "--yes",
        ],
        "",
    );
    assert!(
        text(&prod_yes).contains("prod change not confirmed"),
        "--yes alone never confirms prod: {}",
        text(&prod_yes)
    );
    let prod_typed = moto.regship(
        dir.path(),
        &[
            "setup",
            "deploy",
            "S3_DeleteBucketContents",
            "--stage",
            "prod",
        ],
        "123456789012\n",
    );
    assert!(prod_typed.status.success(), "{}", text(&prod_typed));
}

#[test]
fn accounts_show_identity_match_and_missing_credentials() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    let output = moto.regship(dir.path(), &["accounts", "--json"], "");
    assert!(output.status.success(), "{}", text(&output));
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["stage"], "sandbox");
    assert_eq!(rows[0]["caller"]["account"], MOTO_ACCOUNT);
    assert_eq!(rows[0]["matches"], true);
    assert_eq!(
        rows[1]["matches"],
        serde_json::Value::Null,
        "cicd has no account id configured"
    );

    // No credentials anywhere: a clear state and the command that fixes it, quickly.
    let mut bare = Command::new(env!("CARGO_BIN_EXE_regship"));
    bare.args([
        "-C",
        dir.path().to_str().unwrap(),
        "--endpoint-url",
        &moto.endpoint,
        "accounts",
        "--json",
    ])
    .env_clear()
    .env("HOME", dir.path())
    .env("AWS_REGION", "us-east-1")
    .env("AWS_CONFIG_FILE", dir.path().join("none"))
    .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let output = support::wait_bounded(bare.spawn().unwrap());
    let rows: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(rows[0]["state"], "no_credentials", "{rows}");
    assert!(
        rows[0]["hint"].as_str().unwrap().contains("aws sso login"),
        "{rows}"
    );
}

#[test]
fn an_explicit_stage_profile_wins_over_environment_credentials() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    // Two stages name profiles of two other accounts; cicd names none; the environment holds
    // the keys of moto's default account (regship_command exports AWS_ACCESS_KEY_ID).
    std::fs::write(
        dir.path().join("credentials"),
        format!(
            "[dev]\n{}[beta]\n{}",
            moto.credentials_of("111111111111"),
            moto.credentials_of("222222222222")
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: AwsCommunity\naccounts:\n  sandbox: {profile: dev, region: us-east-1, account_id: \"111111111111\"}\n  cicd: {region: us-east-1}\n  beta: {profile: beta, region: us-east-1, account_id: \"222222222222\"}\n",
    )
    .unwrap();
    let accounts = |extra: &[(&str, &str)]| {
        let mut command = support::regship_command(dir.path());
        command
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                dir.path().join("credentials"),
            )
            .envs(extra.iter().copied())
            .args([
                "-C",
                dir.path().to_str().unwrap(),
                "--endpoint-url",
                &moto.endpoint,
                "accounts",
                "--json",
            ]);
        let output = support::run_with_stdin(command, "");
        assert!(output.status.success(), "{}", text(&output));
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };

    let rows = accounts(&[]);
    let (sandbox, cicd, beta) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(sandbox["caller"]["account"], "111111111111", "{rows}");
    assert_eq!(sandbox["state"], "ok", "{rows}");
    assert_eq!(sandbox["credentials_source"], "the profile in ~/.aws");
    assert_eq!(beta["caller"]["account"], "222222222222", "{rows}");
    assert_eq!(beta["state"], "ok", "{rows}");
    assert_eq!(cicd["caller"]["account"], MOTO_ACCOUNT, "{rows}");
    assert_eq!(
        cicd["credentials_source"],
        "the environment (AWS_ACCESS_KEY_ID)"
    );
    for stage in [sandbox, beta] {
        let warning = stage["warning"].as_str().unwrap_or_default();
        assert!(
            warning.contains("AWS_ACCESS_KEY_ID is set but unused")
                && warning.contains("--environment-credentials"),
            "{rows}"
        );
    }
    assert_eq!(cicd["warning"], serde_json::Value::Null, "{rows}");

    // CI with only environment credentials says so: every stage uses them, and the guard still
    // sees that the environment is not the sandbox's or the beta account.
    let rows = accounts(&[("REGSHIP_ENVIRONMENT_CREDENTIALS", "1")]);
    for stage in 0..3 {
        assert_eq!(rows[stage]["caller"]["account"], MOTO_ACCOUNT, "{rows}");
        assert_eq!(
            rows[stage]["credentials_source"], "the environment (AWS_ACCESS_KEY_ID)",
            "{rows}"
        );
    }
    assert_eq!(rows[0]["state"], "wrong_account", "{rows}");
    assert_eq!(rows[2]["state"], "wrong_account", "{rows}");
    assert_eq!(rows[1]["state"], "ok", "{rows}");
}

#[test]
fn events_of_a_missing_stack_say_so() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    let output = moto.regship(dir.path(), &["events", "no-such-stack"], "");
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text(&output).contains("does not exist"),
        "{}",
        text(&output)
    );
}

/// Ctrl-C at the change-set question cleans up as a "no" does: no REVIEW_IN_PROGRESS stack is
/// left behind, and the exit code says it was interrupted.
#[test]
fn ctrl_c_at_the_change_set_question_leaves_no_stack_behind() {
    use std::io::Read;
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    let mut child = support::regship_command(dir.path())
        .args([
            "-C",
            dir.path().to_str().unwrap(),
            "--endpoint-url",
            &moto.endpoint,
        ])
        .args(["setup", "deploy", "S3_DeleteBucketContents"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = child.stderr.take().unwrap();
    // Held open past `wait` (which would close it): only the signal may end the question.
    let stdin = child.stdin.take().unwrap();
    let mut seen = String::new();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let mut buffer = [0u8; 4096];
    while !seen.contains("[y/N]") {
        assert!(std::time::Instant::now() < deadline, "no question: {seen}");
        let read = stderr.read(&mut buffer).unwrap();
        assert!(read > 0, "regship ended before asking: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buffer[..read]));
    }
    assert_eq!(
        stack_status(moto, dir.path()).as_deref(),
        Some("REVIEW_IN_PROGRESS"),
        "the CREATE change set made the stack"
    );
    // SAFETY: kill(2) on our own child process.
    unsafe {
        libc::kill(child.id() as i32, libc::SIGINT);
    }
    let status = child.wait().unwrap();
    drop(stdin);
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(130), "{seen}{rest}");
    assert!(rest.contains("the change set was deleted"), "{rest}");
    assert_eq!(
        stack_status(moto, dir.path()),
        None,
        "no empty REVIEW_IN_PROGRESS stack is left behind"
    );
}

/// A setup template with rain directives deploys as `rain pkg` would package it: a folder
/// zipped into the account's artifact bucket and given to a Lambda function's `Code` as
/// `S3Bucket`/`S3Key`, a file embedded; a second deploy uploads nothing; a template over the
/// 51,200-byte inline limit deploys by URL.
#[test]
fn rain_directives_are_packaged_and_large_templates_deploy_by_url() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    let test = dir.path().join("resources/S3_DeleteBucketContents/test");
    std::fs::create_dir_all(test.join("handler")).unwrap();
    std::fs::write(
        test.join("handler/index.py"),
        "def handler(event, context):\n    return 1\n",
    )
    .unwrap();
    std::fs::write(test.join("description.txt"), "  Made by rain's Embed  \n").unwrap();
    let setup = "AWSTemplateFormatVersion: \"2010-09-09\"\nRain:\n  Constants:\n    Prefix: demo\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal: {Service: lambda.amazonaws.com}\n            Action: sts:AssumeRole\n  Function:\n    Type: AWS::Lambda::Function\n    Properties:\n      FunctionName: !Sub \"${Rain::Prefix}-handler\"\n      Description: !Rain::Embed description.txt\n      Runtime: python3.12\n      Handler: index.handler\n      Role: !GetAtt Role.Arn\n      Code: !Rain::S3\n        Path: handler\n        Zip: true\n        BucketProperty: S3Bucket\n        KeyProperty: S3Key\nOutputs:\n  BucketName:\n    Value: !Ref Bucket\n    Export:\n      Name: AwsCommunityS3DeleteBucketContentsBucket\n";
    std::fs::write(test.join("setup.yml"), setup).unwrap();

    let check = moto.regship(dir.path(), &["check", "--json"], "");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let codes: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(
        !codes.contains(&"SET001") && !codes.contains(&"TPL001"),
        "the setup template is read, directives and all: {report}"
    );

    let deployed = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    let out = text(&deployed);
    assert_eq!(deployed.status.code(), Some(0), "{out}");
    let bucket = format!("regship-artifacts-{MOTO_ACCOUNT}-us-east-1");
    assert!(
        out.contains("uploaded handler (") && out.contains(&bucket),
        "{out}"
    );
    let objects = moto.s3_objects(&bucket);
    assert_eq!(
        objects.len(),
        1,
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let (key, zip) = &objects[0];
    assert!(key.ends_with(".zip"), "{key}");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip.clone())).unwrap();
    let mut entry = String::new();
    std::io::Read::read_to_string(&mut archive.by_name("index.py").unwrap(), &mut entry).unwrap();
    assert!(entry.contains("def handler"), "{entry}");
    assert_eq!(
        stack_status(moto, dir.path()).as_deref(),
        Some("CREATE_COMPLETE")
    );

    // Unchanged files are not uploaded again (the update itself has nothing to change).
    let again = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    let out = text(&again);
    assert!(
        out.contains("unchanged handler (") && !out.contains("uploaded handler"),
        "{out}"
    );
    assert_eq!(moto.s3_objects(&bucket).len(), 1);

    // Over the inline limit: the packaged template goes to the bucket and deploys by URL.
    let large = format!(
        "{}Metadata:\n  Padding: \"{}\"\n",
        setup,
        "x".repeat(60_000)
    );
    assert!(large.len() > 51_200);
    std::fs::write(test.join("setup.yml"), &large).unwrap();
    let large_deploy = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    let out = text(&large_deploy);
    assert_eq!(large_deploy.status.code(), Some(0), "{out}");
    assert!(out.contains("deployed by URL"), "{out}");
    let objects = moto.s3_objects(&bucket);
    assert!(
        objects
            .iter()
            .any(|(key, body)| key.ends_with(".yaml") && body.len() > 51_200),
        "{:?}",
        objects.iter().map(|o| &o.0).collect::<Vec<_>>()
    );
    let deleted = moto.regship(
        dir.path(),
        &["setup", "delete", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    assert_eq!(deleted.status.code(), Some(0), "{}", text(&deleted));
}

/// `!Rain::Module` is refused before anything is created, with the file, the line and a pointer
/// to `rain pkg`.
#[test]
fn a_rain_module_is_refused_with_its_line() {
    let (moto, _serial) = moto();
    let dir = workspace(MOTO_ACCOUNT);
    let setup = dir
        .path()
        .join("resources/S3_DeleteBucketContents/test/setup.yml");
    std::fs::write(
        &setup,
        "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Site:\n    Type: !Rain::Module modules/site.yml\n",
    )
    .unwrap();
    let refused = moto.regship(
        dir.path(),
        &["setup", "deploy", "S3_DeleteBucketContents", "--yes"],
        "",
    );
    let out = text(&refused);
    assert_ne!(refused.status.code(), Some(0), "{out}");
    assert!(
        out.contains("test/setup.yml:5") && out.contains("rain pkg"),
        "{out}"
    );
    assert_eq!(stack_status(moto, dir.path()), None, "{out}");
}
