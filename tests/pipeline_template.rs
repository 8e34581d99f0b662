//! `regship pipeline add|sync` on real templates: comments and order survive, a second run
//! changes nothing, and 30 extensions give 30 actions, projects and roles that cfn-lint accepts.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use regship::workspace::Workspace;
use regship::workspace::pipeline::build_actions;

fn regship(dir: &Path, args: &[&str]) -> Output {
    let mut command = support::regship_command(dir);
    command.args(["-C", dir.to_str().unwrap()]).args(args);
    support::run_with_stdin(command, "")
}

#[test]
fn add_keeps_everything_else_byte_for_byte_and_is_idempotent() {
    let dir = support::example_workspace("123456789012");
    let template_path = dir.path().join("release/cicd.yml");
    let original = std::fs::read_to_string(&template_path).unwrap();
    // A second extension, copied from the example under another name.
    let copied = Command::new("cp")
        .args([
            "-r",
            "resources/S3_DeleteBucketContents",
            "resources/S3_EmptyBucket",
        ])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(copied.success());
    let config = dir.path().join("resources/S3_EmptyBucket/.rpdk-config");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "AwsCommunity::S3::DeleteBucketContents",
        "AwsCommunity::S3::EmptyBucket",
    );
    std::fs::write(&config, text).unwrap();
    let with_comment = original.replace(
        "Resources:\n",
        "Resources:\n  # hand-written note that must survive\n",
    );
    std::fs::write(&template_path, &with_comment).unwrap();

    let added = regship(dir.path(), &["pipeline", "add", "S3_EmptyBucket", "--yes"]);
    assert!(added.status.success(), "{}", support::output_text(&added));
    let after = std::fs::read_to_string(&template_path).unwrap();
    // Every original line is still there, in order: the change only inserts.
    let mut remaining = after.lines();
    for line in with_comment.lines() {
        assert!(remaining.any(|l| l == line), "lost or moved: {line:?}");
    }
    assert!(
        after.contains("  S3EmptyBucketBuildRole:")
            && after.contains("  S3EmptyBucketBuildProject:")
    );
    assert!(after.contains("- !GetAtt S3EmptyBucketBuildProject.Arn"));
    let workspace = Workspace::load(dir.path());
    let actions = build_actions(workspace.pipeline.as_ref().unwrap().ok().unwrap());
    assert!(
        actions
            .iter()
            .any(|a| a.tests_folder("resources/S3_EmptyBucket"))
    );
    let check = regship(dir.path(), &["check"]);
    assert!(
        !support::output_text(&check).contains("PIP001"),
        "{}",
        support::output_text(&check)
    );

    let again = regship(dir.path(), &["pipeline", "add", "S3_EmptyBucket"]);
    assert!(
        support::output_text(&again).contains("already has a build action"),
        "{}",
        support::output_text(&again)
    );
    assert_eq!(
        std::fs::read_to_string(&template_path).unwrap(),
        after,
        "a second run changes nothing"
    );
}

#[test]
fn sync_of_thirty_extensions_gives_thirty_actions_projects_and_roles() {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..30 {
        support::synthetic::write_extension(dir.path(), index, support::synthetic::Defect::None);
    }
    std::fs::write(dir.path().join("regship.yml"), "namespace: Acme\n").unwrap();
    std::fs::create_dir_all(dir.path().join("release")).unwrap();
    let bare = support::bare_pipeline_template();
    std::fs::write(dir.path().join("release/cicd.yml"), bare).unwrap();

    let synced = regship(dir.path(), &["pipeline", "sync", "--yes"]);
    assert!(synced.status.success(), "{}", support::output_text(&synced));
    let workspace = Workspace::load(dir.path());
    let template = workspace
        .pipeline
        .as_ref()
        .unwrap()
        .ok()
        .expect("the synced template parses");
    assert_eq!(build_actions(template).len(), 30);
    let count = |kind: &str| {
        template
            .resources()
            .filter(|r| r.type_name == Some(kind))
            .count()
    };
    assert_eq!(
        count("AWS::CodeBuild::Project"),
        31,
        "30 build projects and the handoff to beta"
    );
    assert_eq!(
        count("AWS::IAM::Role"),
        32,
        "30 build roles, the handoff role and the pipeline role"
    );
    let before = std::fs::read_to_string(dir.path().join("release/cicd.yml")).unwrap();
    let again = regship(dir.path(), &["pipeline", "sync", "--yes"]);
    assert!(
        support::output_text(&again).contains("nothing to write"),
        "{}",
        support::output_text(&again)
    );
    // The fixture's placeholder grant (it stood in for the example's project) goes before linting.
    let synced_path = dir.path().join("release/cicd.yml");
    let synced_text = std::fs::read_to_string(&synced_path).unwrap();
    assert_eq!(synced_text, before, "a second sync changes nothing");
    std::fs::write(
        &synced_path,
        synced_text.replace(support::PLACEHOLDER_GRANT, ""),
    )
    .unwrap();
    let lint = Command::new(support::venv_tool("cfn-lint"))
        .arg("--")
        .arg(&synced_path)
        .output()
        .unwrap();
    let errors: Vec<&str> = std::str::from_utf8(&lint.stdout)
        .unwrap()
        .lines()
        .filter(|l| l.starts_with('E'))
        .collect();
    assert_eq!(
        lint.status.code().unwrap() & 2,
        0,
        "cfn-lint errors: {errors:?}"
    );
}

/// `pipeline sync --json` reports the drift of each build role in its JSON, not only on stderr.
#[test]
fn sync_json_carries_the_drift_report() {
    let dir = support::example_workspace("123456789012");
    let template = dir.path().join("release/cicd.yml");
    let text = std::fs::read_to_string(&template).unwrap();
    let without_lists: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("- s3:List"))
        .map(|line| format!("{line}\n"))
        .collect();
    std::fs::write(&template, without_lists).unwrap();
    let output = regship(dir.path(), &["--json", "pipeline", "sync", "--dry-run"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        support::output_text(&output)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let drift = report["drift"].as_array().expect("a drift array");
    assert_eq!(drift.len(), 1, "{report}");
    assert_eq!(drift[0]["extension"], "resources/S3_DeleteBucketContents");
    let missing = drift[0]["missing"].as_array().unwrap();
    assert!(
        !missing.is_empty()
            && missing
                .iter()
                .all(|a| a.as_str().unwrap().starts_with("s3:List")),
        "{report}"
    );
}

/// Every action the inline policies of `role` grant.
fn granted(template: &regship::workspace::template::Template, role: &str) -> BTreeSet<String> {
    let resource = template
        .resources()
        .find(|r| r.logical_id == role)
        .unwrap_or_else(|| panic!("{role} was written"));
    let mut actions = BTreeSet::new();
    for policy in resource.properties.unwrap()["Policies"]
        .as_sequence()
        .unwrap()
    {
        for statement in policy["PolicyDocument"]["Statement"].as_sequence().unwrap() {
            for action in statement["Action"].as_sequence().unwrap() {
                actions.insert(action.as_str().unwrap().to_string());
            }
        }
    }
    actions
}

/// The example workspace with the resource's `test/setup.yml` replaced by `setup` (none: the
/// example's own) and a pipeline template without the example's blocks, then `pipeline add` of
/// the resource: the workspace and what the command printed.
fn add_with_setup(setup: Option<&str>) -> (tempfile::TempDir, String) {
    let dir = support::example_workspace("123456789012");
    if let Some(setup) = setup {
        let project = dir.path().join("resources/S3_DeleteBucketContents");
        std::fs::write(project.join("test/setup.yml"), setup).unwrap();
    }
    // The example's role goes, so that `pipeline add` writes it again from this setup.
    std::fs::write(
        dir.path().join("release/cicd.yml"),
        support::bare_pipeline_template(),
    )
    .unwrap();
    let added = regship(
        dir.path(),
        &["pipeline", "add", "S3_DeleteBucketContents", "--yes"],
    );
    let output = support::output_text(&added);
    assert!(added.status.success(), "{output}");
    (dir, output)
}

/// A setup template with S3, IAM, Lambda, SQS and ACM resources gives a build role with exactly
/// the schema's handler permissions and what each type's provider schema lists (cfn-lint's own
/// files, read here independently of the shipped table): no verb wildcard, no guessed prefix
/// (`acm:`, not `certificatemanager:`), `iam:PassRole` only on the account's roles; cfn-lint
/// accepts the result (W3037 included) and `regship check` has nothing to say about it.
#[test]
fn build_roles_grant_exactly_what_the_provider_schemas_list() {
    let setup = "AWSTemplateFormatVersion: \"2010-09-09\"\nResources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: lambda.amazonaws.com\n            Action: sts:AssumeRole\n  Function:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Role: !GetAtt Role.Arn\n      Code:\n        ZipFile: \"def handler(event, context): pass\"\n  Queue:\n    Type: AWS::SQS::Queue\n  Certificate:\n    Type: AWS::CertificateManager::Certificate\n    Properties:\n      DomainName: example.com\n      ValidationMethod: DNS\n  Handle:\n    Type: AWS::CloudFormation::WaitConditionHandle\nOutputs:\n  BucketName:\n    Value: !Ref Bucket\n    Export:\n      Name: AwsCommunityS3DeleteBucketContentsBucket\n";
    let (dir, output) = add_with_setup(Some(setup));
    let project = dir.path().join("resources/S3_DeleteBucketContents");
    let template_path = dir.path().join("release/cicd.yml");
    assert!(
        output.contains("AWS::CloudFormation::WaitConditionHandle"),
        "a type without listed permissions is named, not guessed: {output}"
    );

    let data = support::cfnlint_data();
    let schema = support::read_json(&project.join("awscommunity-s3-deletebucketcontents.json"));
    let mut expected: BTreeSet<String> = schema["handlers"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|h| h["permissions"].as_array().cloned().unwrap_or_default())
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    for type_name in [
        "AWS::S3::Bucket",
        "AWS::IAM::Role",
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
        "AWS::CertificateManager::Certificate",
    ] {
        let listed = support::provider_permissions(&data, type_name);
        assert!(!listed.is_empty(), "{type_name}");
        // No resource of the setup sets an optional feature's property.
        expected.extend(
            listed
                .into_iter()
                .filter(|action| !support::not_granted(type_name, &[], action)),
        );
    }
    let workspace = Workspace::load(dir.path());
    let template = workspace.pipeline.as_ref().unwrap().ok().unwrap();
    let actions = granted(template, "S3DeleteBucketContentsBuildRole");
    assert_eq!(actions, expected);
    assert!(
        actions.iter().all(|a| !a.contains('*')),
        "no provider schema of these types lists a wildcard: {actions:?}"
    );
    assert!(actions.contains("acm:RequestCertificate") && actions.contains("iam:CreateRole"));
    let written = std::fs::read_to_string(&template_path).unwrap();
    assert!(
        written.contains(
            "                  - iam:PassRole\n                Resource: !Sub \"arn:${AWS::Partition}:iam::${AWS::AccountId}:role/setup-*\"\n                Condition:\n                  StringEquals:\n                    iam:PassedToService:\n                      - lambda.amazonaws.com\n"
        ),
        "PassRole only of the roles the setup stacks create, to the service their trust names: {written}"
    );
    assert!(
        written.contains("                    iam:PermissionsBoundary: !Ref RoleBoundary\n"),
        "IAM writes only under the kit's boundary: {written}"
    );

    std::fs::write(
        &template_path,
        written.replace(support::PLACEHOLDER_GRANT, ""),
    )
    .unwrap();
    let lint = Command::new(support::venv_tool("cfn-lint"))
        .arg("--")
        .arg(&template_path)
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code(),
        Some(0),
        "cfn-lint: {}",
        support::output_text(&lint)
    );
    let sync = regship(dir.path(), &["pipeline", "sync", "--dry-run"]);
    assert!(
        sync.status.success() && !support::output_text(&sync).contains("drift"),
        "{}",
        support::output_text(&sync)
    );
    let check = regship(dir.path(), &["check"]);
    assert!(
        !support::output_text(&check).contains("PIP005"),
        "{}",
        support::output_text(&check)
    );
}

/// A verb wildcard in any policy of the pipeline template is a PIP005 warning at its line, and
/// `pipeline sync` reports it as more than the role needs.
#[test]
fn wildcard_grants_are_reported_at_their_line() {
    let dir = support::example_workspace("123456789012");
    let template_path = dir.path().join("release/cicd.yml");
    let text = std::fs::read_to_string(&template_path).unwrap();
    let widened = text.replacen(
        "                  - s3:CreateBucket\n",
        "                  - s3:CreateBucket\n                  - s3:Put*\n",
        1,
    );
    assert_ne!(widened, text);
    std::fs::write(&template_path, &widened).unwrap();
    let line = widened
        .lines()
        .position(|l| l.trim() == "- s3:Put*")
        .unwrap()
        + 1;
    let check = regship(dir.path(), &["check", "--json"]);
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let findings: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "PIP005")
        .collect();
    assert_eq!(findings.len(), 1, "{report}");
    assert_eq!(findings[0]["line"], line, "{report}");
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains("S3DeleteBucketContentsBuildRole grants `s3:Put*`"),
        "{report}"
    );
    let sync = regship(dir.path(), &["--json", "pipeline", "sync", "--dry-run"]);
    let report: serde_json::Value = serde_json::from_slice(&sync.stdout).unwrap();
    assert_eq!(report["drift"][0]["extra"], serde_json::json!(["s3:Put*"]));
}

/// The shipped table is what `make provider-permissions` writes from the pinned cfn-lint: a
/// cfn-lint upgrade without regenerating it fails here.
#[test]
fn the_permissions_table_matches_the_pinned_cfn_lint() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = tempfile::tempdir().unwrap();
    let table = out.path().join("provider-permissions.tsv");
    let generated = Command::new(support::venv_tool("python"))
        .arg(root.join("scripts/provider_permissions.py"))
        .arg(&table)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        support::output_text(&generated)
    );
    assert!(
        std::fs::read_to_string(&table).unwrap()
            == std::fs::read_to_string(root.join("assets/provider-permissions.tsv")).unwrap(),
        "assets/provider-permissions.tsv is stale: run `make provider-permissions`"
    );
}

/// The shipped kit grants no wildcard action (a Deny, like the TLS-only bucket policy, may use
/// one) and every build project points at a buildspec that exists, one build at a time. The
/// upload infrastructure is the cloudformation-cli's template as it is (its key policy gives the
/// account itself `kms:*`, which hands the key's use to IAM policies, none of which grants it).
#[test]
fn the_shipped_kit_grants_no_wildcard_and_points_at_real_buildspecs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut allowed = 0;
    for entry in std::fs::read_dir(root.join("release")).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("upload-infrastructure.yml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let Ok(template) = regship::workspace::template::Template::parse(&text) else {
            continue;
        };
        regship::workspace::template::walk(&template.root, &mut |value| {
            if value.get("Effect").and_then(|e| e.as_str()) != Some("Allow") {
                return;
            }
            let actions: Vec<&str> = match value.get("Action") {
                Some(serde_norway::Value::String(action)) => vec![action.as_str()],
                Some(serde_norway::Value::Sequence(actions)) => {
                    actions.iter().filter_map(|a| a.as_str()).collect()
                }
                _ => Vec::new(),
            };
            allowed += actions.len();
            for action in actions {
                assert!(
                    !action.contains('*'),
                    "{}: allows `{action}`",
                    path.display()
                );
            }
        });
        for resource in template.resources() {
            if resource.type_name != Some("AWS::CodeBuild::Project") {
                continue;
            }
            let properties = resource.properties.unwrap();
            let buildspec = properties["Source"]["BuildSpec"].as_str().unwrap();
            assert!(root.join(buildspec).is_file(), "{buildspec} does not exist");
            assert_eq!(properties["ConcurrentBuildLimit"].as_u64(), Some(1));
        }
    }
    assert!(
        allowed > 50,
        "the kit's policies were read ({allowed} actions)"
    );
}

/// Every bucket of the kit keeps server access logs in its stack's access-log bucket, under its
/// own prefix; the access-log bucket alone keeps none, and its template says why.
#[test]
fn every_kit_bucket_keeps_access_logs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut logged = 0;
    for name in ["prod.yml", "cicd.yml", "beta.yml"] {
        let text = std::fs::read_to_string(root.join("release").join(name)).unwrap();
        let template = regship::workspace::template::Template::parse(&text).unwrap();
        for bucket in template
            .resources()
            .filter(|r| r.type_name == Some("AWS::S3::Bucket"))
        {
            let properties = bucket.properties.unwrap();
            if bucket.logical_id == "AccessLogBucket" {
                assert!(properties.get("LoggingConfiguration").is_none());
                let skip = &template.root["Resources"]["AccessLogBucket"]["Metadata"]["checkov"]["skip"]
                    [0];
                assert_eq!(skip["id"], "CKV_AWS_18", "{name}");
                assert!(skip["comment"].as_str().is_some_and(|c| !c.is_empty()));
                continue;
            }
            let logging = &properties["LoggingConfiguration"];
            assert_eq!(
                logging["DestinationBucketName"],
                serde_norway::from_str::<serde_norway::Value>("!Ref AccessLogBucket").unwrap(),
                "{name} {}",
                bucket.logical_id
            );
            assert!(
                logging["LogFilePrefix"]
                    .as_str()
                    .is_some_and(|p| p.ends_with('/')),
                "{name} {}",
                bucket.logical_id
            );
            logged += 1;
        }
    }
    assert_eq!(
        logged, 5,
        "the kit's five buckets (artifacts in each account, prod's packages and logs, beta's source)"
    );
}

/// A hook's build action points at the one buildspec, with HOOK_PATH.
#[test]
fn hooks_get_a_build_action_with_a_buildspec_that_exists() {
    let dir = support::example_workspace("123456789012");
    let hook = dir.path().join("hooks/Bucket_Guard");
    std::fs::create_dir_all(&hook).unwrap();
    std::fs::write(
        hook.join(".rpdk-config"),
        r#"{"typeName": "AwsCommunity::Bucket::Guard", "language": "java", "artifact_type": "HOOK"}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("regship.yml"), "namespace: AwsCommunity\n").unwrap();
    let added = regship(dir.path(), &["pipeline", "add", "Bucket_Guard", "--yes"]);
    assert!(added.status.success(), "{}", support::output_text(&added));
    let written = std::fs::read_to_string(dir.path().join("release/cicd.yml")).unwrap();
    let block = &written[written.find("  BucketGuardBuildProject:").unwrap()..];
    assert!(
        block.contains("BuildSpec: resources/buildspec.yml"),
        "{block}"
    );
    assert!(block.contains("- Name: HOOK_PATH"), "{block}");
}

/// The shipped release/beta.yml is what `pipeline add --stage beta` writes: taking the example
/// out and adding it again gives the same file. Its role grants what the integ template's
/// types list in their provider schemas, and `lambda:InvokeFunction` for its custom resource.
#[test]
fn the_beta_pipeline_is_what_pipeline_add_writes() {
    let dir = support::example_workspace("123456789012");
    let path = dir.path().join("release/beta.yml");
    let shipped = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, support::without_extensions(&shipped)).unwrap();

    for extension in ["S3_DeleteBucketContents", "S3_SecureBucket"] {
        let added = regship(
            dir.path(),
            &["pipeline", "add", extension, "--stage", "beta", "--yes"],
        );
        assert!(added.status.success(), "{}", support::output_text(&added));
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), shipped);

    let data = support::cfnlint_data();
    let mut expected = BTreeSet::from(["lambda:InvokeFunction".to_string()]);
    // The integ template's function and buckets use none of the optional features.
    for type_name in ["AWS::S3::Bucket", "AWS::Lambda::Function", "AWS::IAM::Role"] {
        expected.extend(
            support::provider_permissions(&data, type_name)
                .into_iter()
                .filter(|action| !support::not_granted(type_name, &[], action)),
        );
    }
    let template = regship::workspace::template::Template::parse(&shipped).unwrap();
    assert_eq!(
        granted(&template, "S3DeleteBucketContentsBuildRole"),
        expected
    );
    let project = template
        .resources()
        .find(|r| r.logical_id == "S3DeleteBucketContentsBuildProject")
        .unwrap();
    let properties = project.properties.unwrap();
    assert_eq!(
        properties["Source"]["BuildSpec"].as_str(),
        Some("resources/integ-buildspec.yml")
    );
    // `regship integ --submit` needs no Docker unless `cfn submit` builds in it.
    assert_eq!(
        properties["Environment"]["PrivilegedMode"].as_bool(),
        Some(false)
    );

    // An extension whose package `cfn submit` builds in Docker gets a privileged beta build.
    let config = dir
        .path()
        .join("resources/S3_DeleteBucketContents/.rpdk-config");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\"use_docker\": false", "\"use_docker\": true"),
    )
    .unwrap();
    std::fs::write(&path, support::without_extensions(&shipped)).unwrap();
    let added = regship(
        dir.path(),
        &[
            "pipeline",
            "add",
            "S3_DeleteBucketContents",
            "--stage",
            "beta",
            "--yes",
        ],
    );
    assert!(added.status.success(), "{}", support::output_text(&added));
    let docker =
        regship::workspace::template::Template::parse(&std::fs::read_to_string(&path).unwrap())
            .unwrap();
    let project = docker
        .resources()
        .find(|r| r.logical_id == "S3DeleteBucketContentsBuildProject")
        .unwrap();
    assert_eq!(
        project.properties.unwrap()["Environment"]["PrivilegedMode"].as_bool(),
        Some(true)
    );
}

/// What a provider schema lists for an optional feature is granted exactly when a resource of the
/// setup sets its property: a function in a VPC gets EC2's describes but no file-system calls, a
/// bucket with metadata tables gets S3 Tables (on the job's own table buckets).
#[test]
fn optional_features_are_granted_only_when_used() {
    let setup = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      MetadataTableConfiguration:\n        S3TablesDestination:\n          TableBucketArn: arn:aws:s3tables:us-east-1:123456789012:bucket/setup-tables\n          TableName: meta\n  Function:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Role: arn:aws:iam::123456789012:role/setup-role\n      VpcConfig:\n        SubnetIds: [subnet-1]\n        SecurityGroupIds: [sg-1]\n      Code:\n        ZipFile: \"def handler(event, context): pass\"\nOutputs:\n  BucketName:\n    Value: !Ref Bucket\n    Export:\n      Name: AwsCommunityS3DeleteBucketContentsBucket\n";
    let (dir, _) = add_with_setup(Some(setup));
    let template_path = dir.path().join("release/cicd.yml");
    let workspace = Workspace::load(dir.path());
    let template = workspace.pipeline.as_ref().unwrap().ok().unwrap();
    let actions = granted(template, "S3DeleteBucketContentsBuildRole");
    for used in ["ec2:DescribeVpcs", "s3tables:CreateTableBucket"] {
        assert!(actions.contains(used), "{used}: {actions:?}");
    }
    for unused in ["elasticfilesystem:DescribeMountTargets", "kms:Decrypt"] {
        assert!(!actions.contains(unused), "{unused}: {actions:?}");
    }
    let written = std::fs::read_to_string(&template_path).unwrap();
    assert!(
        written.contains("# Left out: elasticfilesystem:*, s3files:*: AWS::Lambda::Function needs them only with FileSystemConfigs."),
        "{written}"
    );
    assert!(
        written.contains(":s3tables:${AWS::Region}:${AWS::AccountId}:bucket/setup-*"),
        "{written}"
    );
}

/// A build role whose inline policy would pass IAM's 10,240-character quota for a role's inline
/// policies is named when `pipeline add` writes it (the deploy would fail); the example's is not.
#[test]
fn an_inline_policy_over_iams_quota_is_named() {
    let types = [
        "AWS::S3::Bucket",
        "AWS::Lambda::Function",
        "AWS::SQS::Queue",
        "AWS::SNS::Topic",
        "AWS::DynamoDB::Table",
        "AWS::ECS::Cluster",
        "AWS::EKS::Cluster",
        "AWS::RDS::DBCluster",
        "AWS::EC2::Instance",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::StepFunctions::StateMachine",
        "AWS::Kinesis::Stream",
        "AWS::CloudFront::Distribution",
        "AWS::ElastiCache::CacheCluster",
        "AWS::OpenSearchService::Domain",
        "AWS::SageMaker::Endpoint",
        "AWS::Glue::Job",
        "AWS::ApiGateway::RestApi",
        "AWS::AppSync::GraphQLApi",
        "AWS::Redshift::Cluster",
    ];
    let resources: String = types
        .iter()
        .enumerate()
        .map(|(n, t)| format!("  R{n}:\n    Type: {t}\n"))
        .collect();
    let setup = format!(
        "Resources:\n{resources}Outputs:\n  BucketName:\n    Value: !Ref R0\n    Export:\n      Name: AwsCommunityS3DeleteBucketContentsBucket\n"
    );
    let (_dir, output) = add_with_setup(Some(&setup));
    assert!(
        output.contains("S3DeleteBucketContentsBuildRole's inline policy is about")
            && output.contains("over IAM's 10240"),
        "{output}"
    );

    let (_example, output) = add_with_setup(None);
    assert!(!output.contains("inline policy is about"), "{output}");
}
