//! `regship pipeline add|sync` on real templates: comments and order survive, a second run
//! changes nothing, and 30 extensions give 30 actions, projects and roles that cfn-lint accepts.

mod support;

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
    let ours =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("release/cicd.yml"))
            .unwrap();
    // Our template without its example extension: the pipeline with an empty Build stage.
    let start = ours
        .find("  # --- AwsCommunity::S3::DeleteBucketContents")
        .unwrap();
    let end = ours.find("  PipelineRole:").unwrap();
    let mut bare = format!("{}{}", &ours[..start], &ours[end..]);
    let action = bare
        .find("            - Name: S3DeleteBucketContents")
        .unwrap();
    let outputs = bare.find("\n  # Pipeline notifications").unwrap();
    bare.replace_range(action..outputs, "");
    bare = bare.replace(
        "                  - !GetAtt S3DeleteBucketContentsBuildProject.Arn\n",
        "                  - !GetAtt PlaceholderBuildProject.Arn\n",
    );
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
    assert_eq!(count("AWS::CodeBuild::Project"), 30);
    assert_eq!(
        count("AWS::IAM::Role"),
        31,
        "30 build roles and the pipeline role"
    );
    let again = regship(dir.path(), &["pipeline", "sync", "--yes"]);
    assert!(
        support::output_text(&again).contains("nothing to change"),
        "{}",
        support::output_text(&again)
    );
    // The fixture's placeholder grant (it stood in for the example's project) goes before linting.
    let synced_path = dir.path().join("release/cicd.yml");
    let synced_text = std::fs::read_to_string(&synced_path).unwrap();
    std::fs::write(
        &synced_path,
        synced_text.replace(
            "                  - !GetAtt PlaceholderBuildProject.Arn\n",
            "",
        ),
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
