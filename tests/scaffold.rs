//! Scaffolds on a fresh project made by the real `cfn init` and on the example extension:
//! the inputs validate against the schema, pass `regship check` and `cfn validate`, the integ
//! template passes cfn-lint, and a file the user declines to overwrite survives byte for byte.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::venv_tool;

fn regship(dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut command = support::regship_command(dir);
    command.args(["-C", dir.to_str().unwrap()]).args(args);
    support::run_with_stdin(command, stdin)
}

fn text(output: &Output) -> String {
    support::output_text(output)
}

/// A workspace with one project made by `cfn init` (python plugin), as a new author has it.
fn fresh_project() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("regship.yml"), "namespace: Initech\n").unwrap();
    let project = dir.path().join("resources/TPS_Report");
    std::fs::create_dir_all(&project).unwrap();
    let init = Command::new(venv_tool("cfn"))
        .args([
            "init",
            "-t",
            "Initech::TPS::Report",
            "-a",
            "RESOURCE",
            "python311",
            "--no-docker",
        ])
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(init.status.success(), "cfn init failed: {}", text(&init));
    (dir, project)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn inputs_from_cfn_init_examples_validate_and_pass_the_checks() {
    let (dir, project) = fresh_project();
    let before = regship(dir.path(), &["check", "--json"], "");
    assert!(
        text(&before).contains("INP001"),
        "example_inputs only: {}",
        text(&before)
    );

    let scaffolded = regship(dir.path(), &["scaffold", "inputs", "TPS_Report"], "");
    assert!(scaffolded.status.success(), "{}", text(&scaffolded));
    let schema = json(&project.join("initech-tps-report.json"));
    let validator = jsonschema::validator_for(&schema).unwrap();
    for file in ["inputs_1_create.json", "inputs_1_update.json"] {
        let input = json(&project.join("inputs").join(file));
        let errors: Vec<String> = validator
            .iter_errors(&input)
            .map(|e| e.to_string())
            .collect();
        assert!(
            errors.is_empty(),
            "{file} breaks the schema: {errors:?}\n{input:#}"
        );
        assert!(
            input.get("TPSCode").is_none(),
            "readOnly properties are dropped: {input}"
        );
    }
    let create = json(&project.join("inputs/inputs_1_create.json"));
    let update = json(&project.join("inputs/inputs_1_update.json"));
    assert_ne!(create, update, "the update changes something");
    let invalid = json(&project.join("inputs/inputs_1_invalid.json"));
    assert!(
        !validator.is_valid(&invalid),
        "the invalid input must break the schema: {invalid}"
    );

    let integ = regship(dir.path(), &["scaffold", "integ", "TPS_Report"], "");
    assert!(integ.status.success(), "{}", text(&integ));
    let check = regship(dir.path(), &["check"], "");
    assert!(
        check.status.success(),
        "regship check after scaffolding: {}",
        text(&check)
    );

    let validate = Command::new(venv_tool("cfn"))
        .arg("validate")
        .current_dir(&project)
        .output()
        .unwrap();
    assert!(
        validate.status.success(),
        "cfn validate: {}",
        text(&validate)
    );
    let schemas = dir.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::copy(
        project.join("initech-tps-report.json"),
        schemas.join("initech-tps-report.json"),
    )
    .unwrap();
    let lint = Command::new(venv_tool("cfn-lint"))
        .arg("--registry-schemas")
        .arg(&schemas)
        .arg("--")
        .arg(project.join("test/integ.yml"))
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code().unwrap() & 2,
        0,
        "cfn-lint errors: {}",
        text(&lint)
    );
}

#[test]
fn inputs_from_the_schema_reference_setup_exports() {
    let dir = support::example_workspace("123456789012");
    let project = dir.path().join("resources/S3_DeleteBucketContents");
    std::fs::remove_dir_all(project.join("inputs")).unwrap();
    std::fs::remove_dir_all(project.join("test")).unwrap();
    let output = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
            "--with-setup",
        ],
        "",
    );
    assert!(output.status.success(), "{}", text(&output));
    let create = json(&project.join("inputs/inputs_1_create.json"));
    assert_eq!(
        create["BucketName"],
        "{{AwsCommunityS3DeleteBucketContentsBucketName}}"
    );
    let update = json(&project.join("inputs/inputs_1_update.json"));
    assert_eq!(
        update["BucketName"], create["BucketName"],
        "createOnly properties keep their value"
    );
    assert_ne!(update["KeyPrefix"], create["KeyPrefix"]);
    let setup = std::fs::read_to_string(project.join("test/setup.yml")).unwrap();
    assert!(
        setup.contains("Name: AwsCommunityS3DeleteBucketContentsBucketName"),
        "{setup}"
    );
    let integ = regship(
        dir.path(),
        &["scaffold", "integ", "S3_DeleteBucketContents"],
        "",
    );
    assert!(integ.status.success(), "{}", text(&integ));
    let check = regship(
        dir.path(),
        &["check", "resources/S3_DeleteBucketContents"],
        "",
    );
    assert!(check.status.success(), "{}", text(&check));
    let lint = Command::new(venv_tool("cfn-lint"))
        .arg("--")
        .arg(project.join("test/setup.yml"))
        .output()
        .unwrap();
    assert_eq!(
        lint.status.code(),
        Some(0),
        "cfn-lint on the generated setup: {}",
        text(&lint)
    );
}

#[test]
fn a_declined_overwrite_keeps_the_users_file_byte_for_byte() {
    let dir = support::example_workspace("123456789012");
    let create = dir
        .path()
        .join("resources/S3_DeleteBucketContents/inputs/inputs_1_create.json");
    let mine = "{\n    \"BucketName\": \"{{AwsCommunityS3DeleteBucketContentsBucket}}\",\n    \"KeyPrefix\": \"mine/\"   \n}";
    std::fs::write(&create, mine).unwrap();
    // Without --force the user's file is kept and said so; nothing is asked.
    let kept = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
        ],
        "",
    );
    assert!(kept.status.success(), "{}", text(&kept));
    assert!(
        text(&kept).contains(
            "kept resources/S3_DeleteBucketContents/inputs/inputs_1_create.json as you wrote it"
        ),
        "{}",
        text(&kept)
    );
    assert_eq!(std::fs::read_to_string(&create).unwrap(), mine);
    let declined = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
            "--force",
        ],
        "n\n",
    );
    assert!(!declined.status.success());
    assert!(
        text(&declined).contains("nothing was written"),
        "{}",
        text(&declined)
    );
    assert_eq!(std::fs::read_to_string(&create).unwrap(), mine);
    let silent = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
            "--force",
        ],
        "",
    );
    assert_eq!(
        std::fs::read_to_string(&create).unwrap(),
        mine,
        "end of input answers no: {}",
        text(&silent)
    );
    let dry = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
            "--force",
            "--dry-run",
        ],
        "",
    );
    assert!(
        text(&dry).contains("-    \"KeyPrefix\": \"mine/\""),
        "{}",
        text(&dry)
    );
    assert_eq!(std::fs::read_to_string(&create).unwrap(), mine);

    let accepted = regship(
        dir.path(),
        &[
            "scaffold",
            "inputs",
            "S3_DeleteBucketContents",
            "--from-schema",
            "--force",
        ],
        "y\n",
    );
    assert!(accepted.status.success(), "{}", text(&accepted));
    let backup = text(&accepted)
        .lines()
        .find_map(|line| {
            line.strip_prefix("kept the old content in ")
                .map(String::from)
        })
        .expect("the output says where the old content is");
    assert_eq!(
        std::fs::read_to_string(&backup).unwrap(),
        mine,
        "the old content is kept"
    );
    assert!(
        !backup.contains("/inputs/inputs_1_create.json.") && !backup.ends_with(".bak"),
        "no backup beside the file: {backup}"
    );
    let inputs: Vec<_> = std::fs::read_dir(create.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        inputs.iter().all(|name| name.ends_with(".json")),
        "{inputs:?}"
    );
    let check = regship(dir.path(), &["check", "S3_DeleteBucketContents"], "");
    assert!(!text(&check).contains("INP003"), "{}", text(&check));
    assert_ne!(std::fs::read_to_string(&create).unwrap(), mine);
}

/// Every kind of file regship writes, into a fresh `cfn init` project whose schema names other
/// resources (so that `--with-setup` writes an IAM role and a bucket): inputs, test/setup,
/// test/integ and the pipeline's action, project and role. `regship check` has nothing to say
/// about any of it, and cfn-lint accepts every template (warnings included: the README's
/// `make test` fails on them), the build role's IAM actions (W3037) among them.
#[test]
fn everything_regship_writes_passes_its_own_check_and_cfn_lint() {
    let (dir, project) = fresh_project();
    let schema_path = project.join("initech-tps-report.json");
    let mut schema = json(&schema_path);
    for property in ["ExecutionRoleArn", "BucketName"] {
        schema["properties"][property] = serde_json::json!({"type": "string"});
        schema["required"]
            .as_array_mut()
            .unwrap()
            .push(property.into());
    }
    // An author replaces cfn init's placeholder permissions (`initech:CreateReport`) with real ones.
    schema["handlers"] = serde_json::json!({
        "create": {"permissions": ["s3:PutObject", "iam:PassRole"]},
        "read": {"permissions": ["s3:GetObject"]},
        "update": {"permissions": ["s3:PutObject", "iam:PassRole"]},
        "delete": {"permissions": ["s3:DeleteObject"]},
        "list": {"permissions": ["s3:ListBucket"]},
    });
    std::fs::write(&schema_path, serde_json::to_string_pretty(&schema).unwrap()).unwrap();
    std::fs::create_dir_all(dir.path().join("release")).unwrap();
    let pipeline = dir.path().join("release/cicd.yml");
    std::fs::write(&pipeline, support::bare_pipeline_template()).unwrap();

    for args in [
        &[
            "scaffold",
            "inputs",
            "TPS_Report",
            "--from-schema",
            "--with-setup",
            "--yes",
        ][..],
        &["scaffold", "integ", "TPS_Report", "--yes"],
        &["pipeline", "add", "TPS_Report", "--yes"],
    ] {
        let output = regship(dir.path(), args, "");
        assert!(output.status.success(), "{args:?}: {}", text(&output));
    }
    let setup = std::fs::read_to_string(project.join("test/setup.yml")).unwrap();
    assert!(setup.contains("Type: AWS::IAM::Role"), "{setup}");
    let written = std::fs::read_to_string(&pipeline).unwrap();
    assert!(written.contains("- iam:CreateRole\n"), "{written}");
    std::fs::write(&pipeline, written.replace(support::PLACEHOLDER_GRANT, "")).unwrap();

    let check = regship(dir.path(), &["check", "--json"], "");
    let report: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    assert_eq!(
        report["findings"],
        serde_json::json!([]),
        "regship check on what regship wrote: {report:#}"
    );
    let schemas = dir.path().join("schemas");
    std::fs::create_dir_all(&schemas).unwrap();
    std::fs::copy(&schema_path, schemas.join("initech-tps-report.json")).unwrap();
    let lint = Command::new(venv_tool("cfn-lint"))
        .arg("--registry-schemas")
        .arg(&schemas)
        .arg("--")
        .arg(&pipeline)
        .arg(project.join("test/setup.yml"))
        .arg(project.join("test/integ.yml"))
        .output()
        .unwrap();
    assert_eq!(lint.status.code(), Some(0), "cfn-lint: {}", text(&lint));
}
