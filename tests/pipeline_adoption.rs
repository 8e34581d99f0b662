//! `regship pipeline add|sync` on pipeline templates regship did not write (tests/fixtures/pipelines:
//! another source artifact name, a common policy imported from another stack, roles without a
//! common policy, log groups of their own and no retention parameter, 4-space indentation, rain
//! constants, a pipeline with no extension yet): the new blocks follow the template's own
//! conventions, every name they use resolves, and cfn-lint finds no error it did not find before.

mod support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_norway::Value;

/// The example workspace with a second resource, `S3_EmptyBucket` (the example under another
/// type name, whose setup also creates a role), and `fixture` as its pipeline template at
/// `ci/pipeline.yml` (`setting`: `pipeline_template` or `beta_pipeline_template`).
fn workspace_with(fixture: &str, setting: &str) -> tempfile::TempDir {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let copied = Command::new("cp")
        .args([
            "-r",
            "resources/S3_DeleteBucketContents",
            "resources/S3_EmptyBucket",
        ])
        .current_dir(root)
        .status()
        .unwrap();
    assert!(copied.success());
    let project = root.join("resources/S3_EmptyBucket");
    let renamed = Command::new("sh")
        .arg("-c")
        .arg("grep -rlZ DeleteBucketContents . | xargs -0 sed -i 's/DeleteBucketContents/EmptyBucket/g'")
        .current_dir(&project)
        .status()
        .unwrap();
    assert!(renamed.success());
    let setup = std::fs::read_to_string(project.join("test/setup.yml"))
        .unwrap()
        .replace(
            "Resources:\n",
            "Resources:\n  Cleaner:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: lambda.amazonaws.com\n            Action: sts:AssumeRole\n",
        );
    std::fs::write(project.join("test/setup.yml"), setup).unwrap();
    let config = std::fs::read_to_string(root.join("regship.yml")).unwrap();
    std::fs::write(
        root.join("regship.yml"),
        format!("{config}{setting}: ci/pipeline.yml\n"),
    )
    .unwrap();
    std::fs::create_dir_all(root.join("ci")).unwrap();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/pipelines")
            .join(fixture),
    )
    .unwrap();
    std::fs::write(root.join("ci/pipeline.yml"), text).unwrap();
    dir
}

/// regship in `dir` with the virtualenv's cfn-lint on its PATH.
fn regship(dir: &Path, args: &[&str]) -> Output {
    let mut command = support::regship_command(dir);
    let venv = support::venv_tool("cfn-lint");
    let path = format!(
        "{}:{}",
        venv.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    command
        .env("PATH", path)
        .args(["-C", dir.to_str().unwrap()])
        .args(args);
    support::run_with_stdin(command, "")
}

/// cfn-lint's errors on a template as CloudFormation gets it (rain directives resolved), as
/// (rule, path) pairs.
fn lint_errors(path: &Path, text: &str) -> BTreeSet<(String, String)> {
    let deployed = regship::workspace::rain::package(path, text, "bucket", "us-east-1")
        .expect("the fixture packages")
        .text;
    let mut lint = Command::new(support::venv_tool("cfn-lint"));
    lint.args(["--format", "json"]);
    let output = support::run_with_stdin(lint, &deployed);
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
    findings
        .iter()
        .filter(|f| f["Level"] == "Error")
        .map(|f| {
            (
                f["Rule"]["Id"].as_str().unwrap().to_string(),
                f["Location"]["Path"].to_string(),
            )
        })
        .collect()
}

/// Every logical name `value` refers to: `!Ref`, `!GetAtt`, `${Name}` in `!Sub` (long forms too).
fn references(value: &Value, names: &mut BTreeSet<String>) {
    let sub = |pattern: &str, names: &mut BTreeSet<String>| {
        for rest in pattern.split("${").skip(1) {
            let inside = rest.split('}').next().unwrap();
            if !inside.starts_with('!') {
                names.insert(inside.split('.').next().unwrap().to_string());
            }
        }
    };
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            match (tag.as_str(), &tagged.value) {
                ("!Ref", Value::String(name)) => {
                    names.insert(name.clone());
                }
                ("!GetAtt", Value::String(target)) => {
                    names.insert(target.split('.').next().unwrap().to_string());
                }
                ("!Sub", Value::String(pattern)) => sub(pattern, names),
                _ => references(&tagged.value, names),
            }
        }
        Value::Mapping(mapping) => {
            for (key, item) in mapping {
                match (key.as_str(), item) {
                    (Some("Ref"), Value::String(name)) => {
                        names.insert(name.clone());
                    }
                    (Some("Fn::Sub"), Value::String(pattern)) => sub(pattern, names),
                    _ => references(item, names),
                }
            }
        }
        Value::Sequence(items) => items.iter().for_each(|item| references(item, names)),
        _ => {}
    }
}

fn parse(text: &str) -> Value {
    serde_norway::from_str(text).unwrap()
}

fn declared(template: &Value) -> BTreeSet<String> {
    ["Parameters", "Resources"]
        .iter()
        .filter_map(|section| template.get(*section)?.as_mapping())
        .flat_map(|entries| entries.keys().filter_map(Value::as_str).map(String::from))
        .collect()
}

/// The build action of the pipeline whose configuration names `folder`.
fn action_for<'v>(template: &'v Value, folder: &str) -> &'v Value {
    let stages = template["Resources"]["Pipeline"]["Properties"]["Stages"]
        .as_sequence()
        .unwrap();
    stages
        .iter()
        .flat_map(|stage| stage["Actions"].as_sequence().unwrap())
        .find(|action| {
            action
                .get("Configuration")
                .and_then(|c| c.get("EnvironmentVariables"))
                .and_then(Value::as_str)
                .is_some_and(|variables| variables.contains(folder))
        })
        .unwrap_or_else(|| panic!("no action for {folder}"))
}

/// What `pipeline add` of `S3_EmptyBucket` did to `fixture`: the workspace, the template before
/// and after, and what regship printed. Checks what holds for every layout: only lines were
/// added, cfn-lint finds no new error, every name the new entries and the new action use is
/// declared, the action takes the template's source artifact, and a second run changes nothing.
fn add_to(fixture: &str, artifact: &str) -> (tempfile::TempDir, Value, Value, String) {
    add_to_stage(fixture, artifact, "cicd")
}

/// [`add_to`] the pipeline template of `stage` (cicd or beta).
fn add_to_stage(
    fixture: &str,
    artifact: &str,
    stage: &str,
) -> (tempfile::TempDir, Value, Value, String) {
    let setting = match stage {
        "beta" => "beta_pipeline_template",
        _ => "pipeline_template",
    };
    let dir = workspace_with(fixture, setting);
    let path = dir.path().join("ci/pipeline.yml");
    let before = std::fs::read_to_string(&path).unwrap();
    let add = [
        "pipeline",
        "add",
        "S3_EmptyBucket",
        "--stage",
        stage,
        "--yes",
    ];
    let added = regship(dir.path(), &add);
    let output = support::output_text(&added);
    assert!(added.status.success(), "{output}");
    let after = std::fs::read_to_string(&path).unwrap();

    let mut remaining = after.lines();
    for line in before.lines() {
        assert!(remaining.any(|l| l == line), "lost or moved: {line:?}");
    }
    let new_errors: Vec<_> = lint_errors(&path, &after)
        .difference(&lint_errors(&path, &before))
        .cloned()
        .collect();
    assert!(
        new_errors.is_empty(),
        "cfn-lint errors: {new_errors:?}\n{after}"
    );

    let (old, new) = (parse(&before), parse(&after));
    let known = declared(&new);
    let mut used = BTreeSet::new();
    for section in ["Parameters", "Resources"] {
        for (id, body) in new[section].as_mapping().unwrap() {
            if !declared(&old).contains(id.as_str().unwrap()) {
                references(body, &mut used);
            }
        }
    }
    let action = action_for(&new, "resources/S3_EmptyBucket");
    references(action, &mut used);
    let undeclared: Vec<&String> = used
        .iter()
        .filter(|name| !name.starts_with("AWS::") && !known.contains(*name))
        .collect();
    assert!(undeclared.is_empty(), "undeclared: {undeclared:?}\n{after}");
    assert_eq!(action["InputArtifacts"][0]["Name"].as_str(), Some(artifact));

    if stage == "cicd" {
        let check = support::output_text(&regship(dir.path(), &["check"]));
        assert!(
            !check.contains("resources/S3_EmptyBucket has no build action"),
            "{check}"
        );
    }
    let again = regship(dir.path(), &add);
    assert!(
        support::output_text(&again).contains("already has a build action"),
        "{}",
        support::output_text(&again)
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), after);
    (dir, old, new, output)
}

fn resource<'v>(template: &'v Value, id: &str) -> &'v Value {
    template["Resources"]
        .get(id)
        .unwrap_or_else(|| panic!("{id} is declared"))
}

/// The project a build action runs (`ProjectName: !Ref X`).
fn project_of(action: &Value) -> String {
    let Value::Tagged(tagged) = &action["Configuration"]["ProjectName"] else {
        panic!("ProjectName is a !Ref")
    };
    tagged.value.as_str().unwrap().to_string()
}

/// The projects the imported-policy fixture's pipeline policy lets the pipeline start.
fn pipeline_grants(template: &Value) -> Vec<String> {
    resource(template, "PipelinePolicy")["Properties"]["PolicyDocument"]["Statement"][1]["Resource"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(get_att)
        .collect()
}

/// The logical id a `!GetAtt X.Arn` names.
fn get_att(value: &Value) -> String {
    let Value::Tagged(tagged) = value else {
        panic!("{value:?} is a !GetAtt")
    };
    tagged
        .value
        .as_str()
        .unwrap()
        .trim_end_matches(".Arn")
        .to_string()
}

/// A common policy imported from another stack, a policy resource per role, a KMS key policy
/// naming each build role, project names with the type name in lowercase: the copy takes the
/// model's environment, buildspec, timeout and imported policy, a name of its own, and a place
/// in the pipeline's grants and the key's principals; the model's own permissions stay its own.
#[test]
fn a_template_whose_roles_import_a_common_policy() {
    let (_dir, old, new, output) = add_to("imported-policy.yml", "extension-source");
    let project_id = project_of(action_for(&new, "resources/S3_EmptyBucket"));
    assert_eq!(project_id, "S3EmptyBucketProject");
    let (model, copy) = (
        &resource(&old, "DeleteBucketContentsProject")["Properties"],
        &resource(&new, &project_id)["Properties"],
    );
    for key in ["Environment", "Source", "TimeoutInMinutes", "Artifacts"] {
        assert_eq!(model[key], copy[key], "{key}");
    }
    let Value::Tagged(name) = &copy["Name"] else {
        panic!("a !Sub name")
    };
    assert_eq!(
        name.value.as_str(),
        Some("${TypePrefix}-${Stage}-s3-emptybucket")
    );
    let role_id = get_att(&copy["ServiceRole"]);
    let role = &resource(&new, &role_id)["Properties"];
    assert_eq!(
        role["ManagedPolicyArns"],
        resource(&old, "DeleteBucketContentsProjectRole")["Properties"]["ManagedPolicyArns"]
    );
    // The model's policy resource (its extension's permissions) is not the copy's.
    let attached: Vec<&str> = new["Resources"]
        .as_mapping()
        .unwrap()
        .values()
        .filter(|r| r["Type"] == "AWS::IAM::Policy")
        .flat_map(|r| r["Properties"]["Roles"].as_sequence().unwrap())
        .map(|r| match r {
            Value::Tagged(tagged) => tagged.value.as_str().unwrap(),
            _ => "",
        })
        .collect();
    assert!(!attached.contains(&role_id.as_str()), "{attached:?}");
    let grants = pipeline_grants(&new);
    assert_eq!(grants, ["DeleteBucketContentsProject", project_id.as_str()]);
    let principals: Vec<String> = resource(&new, "ArtifactKey")["Properties"]["KeyPolicy"]
        ["Statement"][1]["Principal"]["AWS"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(get_att)
        .collect();
    assert!(principals.contains(&role_id), "{principals:?}");
    // The role creates roles only under the kit's boundary, which came from the kit.
    assert!(declared(&new).contains("RoleBoundary"));
    assert!(
        output.contains("added from the regship kit what the new blocks refer to: RoleBoundary"),
        "{output}"
    );
    assert!(
        output.contains("shaped like DeleteBucketContents"),
        "{output}"
    );
    assert!(
        output.contains("W1020")
            && output.contains("Resources/S3EmptyBucketProject/Properties/Description"),
        "the copy's warning is reported as new: {output}"
    );
}

/// Roles with every permission inline and no common policy, a log group per project with a
/// literal retention, 4-space indentation, a rain constant for the image, a GitHub source, the
/// build actions in a stage not called Build:
/// the copy keeps the model's statements on the pipeline's own resources (its log group, the
/// artifact store, the stacks) and leaves out those of the model's extension. `pipeline sync`
/// then adds a module, of a kind the template has no action for, in the kit's shape.
#[test]
fn a_template_whose_roles_hold_every_permission_inline() {
    let (dir, old, new, output) = add_to("own-log-groups.yml", "SourceOutput");
    let project_id = project_of(action_for(&new, "resources/S3_EmptyBucket"));
    let project = &resource(&new, &project_id)["Properties"];
    let model = &resource(&old, "S3DeleteBucketContentsProject")["Properties"];
    assert_eq!(
        project["Environment"]["Image"],
        model["Environment"]["Image"]
    );
    assert_eq!(project["Source"], model["Source"]);
    let variables = project["Environment"]["EnvironmentVariables"]
        .as_sequence()
        .unwrap();
    assert_eq!(
        variables[0]["Value"].as_str(),
        Some("resources/S3_EmptyBucket")
    );
    assert_eq!(
        variables[1],
        model["Environment"]["EnvironmentVariables"][1]
    );
    let Value::Tagged(logs) = &project["LogsConfig"]["CloudWatchLogs"]["GroupName"] else {
        panic!("a !Ref to the log group")
    };
    let logs = &resource(&new, logs.value.as_str().unwrap())["Properties"];
    assert_eq!(logs["RetentionInDays"].as_u64(), Some(14));
    assert!(
        format!("{:?}", logs["LogGroupName"]).contains("/S3_EmptyBucket"),
        "{:?}",
        logs["LogGroupName"]
    );
    let role = &resource(&new, &get_att(&project["ServiceRole"]))["Properties"];
    let policies = role["Policies"].as_sequence().unwrap();
    let kept = policies
        .iter()
        .find(|p| p["PolicyName"] == "pipeline")
        .expect("the pipeline's statements are kept");
    let kept_actions: BTreeSet<&str> = kept["PolicyDocument"]["Statement"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_sequence().unwrap())
        .filter_map(Value::as_str)
        .collect();
    assert!(kept_actions.contains("logs:PutLogEvents") && kept_actions.contains("s3:GetObject"));
    assert!(kept_actions.contains("cloudformation:CreateStack"));
    assert!(
        !kept_actions.contains("s3:CreateBucket"),
        "the model's own permissions are not kept: {kept_actions:?}"
    );
    assert!(
        output.contains("cfn-lint finds nothing in ci/pipeline.yml"),
        "{output}"
    );
    // `pipeline sync` finds the copy's role exactly what its schema and setup need (what it kept
    // of the model's is the pipeline's), while the hand-written model's role drifted.
    let report = regship(dir.path(), &["--json", "pipeline", "sync", "--dry-run"]);
    let report: serde_json::Value = serde_json::from_slice(&report.stdout).unwrap();
    let drifted: Vec<&str> = report["drift"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["extension"].as_str().unwrap())
        .collect();
    assert_eq!(drifted, ["resources/S3_DeleteBucketContents"], "{report}");

    let path = dir.path().join("ci/pipeline.yml");
    let before = std::fs::read_to_string(&path).unwrap();
    let synced = regship(dir.path(), &["pipeline", "sync", "--yes"]);
    let output = support::output_text(&synced);
    assert!(output.contains("S3_SecureBucket"), "{output}");
    assert!(output.contains("regship kit's shape"), "{output}");
    let after = std::fs::read_to_string(&path).unwrap();
    let new_errors: Vec<_> = lint_errors(&path, &after)
        .difference(&lint_errors(&path, &before))
        .cloned()
        .collect();
    assert!(new_errors.is_empty(), "cfn-lint errors: {new_errors:?}");
    let synced = parse(&after);
    let module = action_for(&synced, "modules/S3_SecureBucket");
    assert_eq!(
        module["InputArtifacts"][0]["Name"].as_str(),
        Some("SourceOutput")
    );
    // The kit's shape brought its retention parameter and its common policy.
    assert!(declared(&synced).contains("BuildLogRetentionDays"));
    assert!(declared(&synced).contains("CommonBuildPolicy"));
}

/// A pipeline with no extension yet (a lint action only), its artifact bucket a parameter: the
/// kit's shape, with the kit's parameter, boundary and common policy added, the common policy
/// on the template's own artifact bucket, the project granted where the pipeline's are.
#[test]
fn a_template_without_a_build_action_to_copy_gets_the_kits_shape() {
    let (_dir, _old, new, output) = add_to("lint-only.yml", "Checkout");
    for name in ["BuildLogRetentionDays", "RoleBoundary", "CommonBuildPolicy"] {
        assert!(declared(&new).contains(name), "{name}");
        assert!(output.contains(name), "{name} is named: {output}");
    }
    let common = format!("{:?}", resource(&new, "CommonBuildPolicy")["Properties"]);
    assert!(
        common.contains("${ArtifactStoreBucket}/*"),
        "the template's own artifact bucket: {common}"
    );
    assert!(!declared(&new).contains("ArtifactBucket"));
    assert!(output.contains("no PipelineKey"), "{output}");
    let grants: Vec<String> = resource(&new, "CodePipelineServiceRole")["Properties"]["Policies"]
        [0]["PolicyDocument"]["Statement"][2]["Resource"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(get_att)
        .collect();
    assert_eq!(grants, ["LintProject", "S3EmptyBucketBuildProject"]);
}

/// The beta pipeline may be a template regship did not write too: the copy's role grants what
/// the integ template needs, the handler role's boundary is written beside it, and the source
/// action without a namespace is named (no source version for the beta gate).
#[test]
fn a_beta_pipeline_regship_did_not_write() {
    let (_dir, _old, new, output) = add_to_stage("imported-policy.yml", "extension-source", "beta");
    let project_id = project_of(action_for(&new, "resources/S3_EmptyBucket"));
    let role_id = get_att(&resource(&new, &project_id)["Properties"]["ServiceRole"]);
    let policies = resource(&new, &role_id)["Properties"]["Policies"]
        .as_sequence()
        .unwrap();
    assert_eq!(policies[0]["PolicyName"].as_str(), Some("integ-tests"));
    assert!(declared(&new).contains("S3EmptyBucketHandlerBoundary"));
    assert!(output.contains("no Namespace"), "{output}");
    assert!(
        output.contains("`regship integ` gives the integ templates"),
        "{output}"
    );
}

/// A project made for the extension before, named as the copy would be but run by no action
/// (the community monorepo has such): the new action runs it, and nothing is copied beside it.
#[test]
fn a_project_already_made_for_the_extension_is_the_one_its_action_runs() {
    let dir = workspace_with("imported-policy.yml", "pipeline_template");
    let path = dir.path().join("ci/pipeline.yml");
    let fixture = std::fs::read_to_string(&path).unwrap();
    let orphan = "  EmptyBucketBuildProject:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      Name: !Sub \"${TypePrefix}-${Stage}-s3-emptybucket\"\n      Artifacts:\n        Type: CODEPIPELINE\n      Environment:\n        ComputeType: BUILD_GENERAL1_LARGE\n        Image: aws/codebuild/standard:7.0\n        Type: LINUX_CONTAINER\n      ServiceRole: !GetAtt DeleteBucketContentsProjectRole.Arn\n      Source:\n        Type: CODEPIPELINE\n\n";
    let before = fixture.replacen(
        "# The pipeline, and what it may do",
        &format!("{orphan}# The pipeline, and what it may do"),
        1,
    );
    std::fs::write(&path, &before).unwrap();
    let added = regship(dir.path(), &["pipeline", "add", "S3_EmptyBucket", "--yes"]);
    let output = support::output_text(&added);
    assert!(added.status.success(), "{output}");
    let after = std::fs::read_to_string(&path).unwrap();
    let (old, new) = (parse(&before), parse(&after));
    assert_eq!(
        declared(&new),
        declared(&old),
        "nothing is declared beside it: {output}"
    );
    let action = action_for(&new, "resources/S3_EmptyBucket");
    assert_eq!(project_of(action), "EmptyBucketBuildProject");
    let grants = pipeline_grants(&new);
    assert_eq!(
        grants,
        ["DeleteBucketContentsProject", "EmptyBucketBuildProject"]
    );
    assert!(
        output.contains("already declares EmptyBucketBuildProject"),
        "{output}"
    );
    assert!(
        lint_errors(&path, &after).is_subset(&lint_errors(&path, &before)),
        "no new cfn-lint error"
    );
}

/// A JSON pipeline template is not edited (its lines are not YAML's): the command says so and
/// what to do, and the file stays as it was.
#[test]
fn a_json_template_is_named_not_mangled() {
    let dir = workspace_with("lint-only.yml", "pipeline_template");
    let path = dir.path().join("ci/pipeline.yml");
    let json = r#"{"Resources": {"Pipeline": {"Type": "AWS::CodePipeline::Pipeline", "Properties": {"RoleArn": "arn:aws:iam::123456789012:role/p", "Stages": [{"Name": "Build", "Actions": []}]}}}}"#;
    std::fs::write(&path, json).unwrap();
    let added = regship(dir.path(), &["pipeline", "add", "S3_EmptyBucket", "--yes"]);
    let output = support::output_text(&added);
    assert_eq!(added.status.code(), Some(2), "{output}");
    assert!(
        output.contains("ci/pipeline.yml is JSON") && output.contains("convert it to YAML"),
        "{output}"
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), json);
}
