//! Every parser a user's files reach, on one text: what the property tests and `make fuzz` run.
//! Each must return (a value or a problem), never panic.

use std::path::Path;

use regship::config::WorkspaceConfig;
use regship::jobs::contract_tests::Summary;
use regship::ui::keymap::{Keymap, parse_key};
use regship::ui::theme::Theme;
use regship::workspace::inputs::export_references;
use regship::workspace::schema::{Schema, parse_json};
use regship::workspace::template::Template;
use regship::workspace::{RpdkConfig, Workspace};

/// Runs every text parser on `text`, and the template walkers on what parses.
pub fn parse_everything(text: &str) {
    if let Ok(template) = Template::parse(text) {
        let _ = template.resources().count();
        let _ = template.exports();
        let _ = regship::workspace::pipeline::build_actions(&template);
        let _ = template.rain_directives().len();
    }
    let _ = parse_json(text);
    let _ = Schema::parse(text);
    let _ = RpdkConfig::parse(text);
    let _ = WorkspaceConfig::parse(text, "regship.yml");
    let _ = WorkspaceConfig::parse_lenient(text, "regship.yml");
    let _ = Keymap::parse_over(Some(&Keymap::default_keymap()), text);
    let _ = Theme::parse_over(None, text);
    let _ = parse_key(text);
    let _ = serde_norway::from_str::<regship::config::user::UserConfig>(text);
    let _ = export_references(text).count();
    let _ = Summary::parse(text);
}

/// Writes `files` (path, bytes) into an extension folder of a fresh workspace, then loads and
/// checks it the way `regship check` does.
pub fn load_and_check(files: &[(&str, &[u8])]) {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("resources/Fuzz_Thing");
    for (name, bytes) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    load_and_check_root(dir.path());
}

pub fn load_and_check_root(root: &Path) {
    let workspace = Workspace::load(root);
    let _ = regship::checks::check_workspace(&workspace);
    // The scaffold reads the same files: it must not panic on them either.
    for extension in &workspace.extensions {
        for source in [
            regship::scaffold::InputsSource::Example,
            regship::scaffold::InputsSource::Schema,
        ] {
            let _ = regship::scaffold::plan_inputs(extension, Some(source), true, false);
        }
        let _ = regship::scaffold::plan_integ(extension);
    }
}

/// `pipeline add` of a new extension to `text` as both pipeline templates, in a workspace that
/// also has the extension the fixtures' build actions test (so that a copy is attempted).
pub fn plan_pipeline(text: &str) {
    use regship::scaffold::pipeline::{PipelineKind, plan_add};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for (folder, type_name) in [
        (
            "resources/S3_DeleteBucketContents",
            "AwsCommunity::S3::DeleteBucketContents",
        ),
        ("resources/Fuzz_Thing", "AwsCommunity::Fuzz::Thing"),
    ] {
        let folder = root.join(folder);
        std::fs::create_dir_all(folder.join("test")).unwrap();
        std::fs::write(
            folder.join(".rpdk-config"),
            format!(r#"{{"typeName": "{type_name}", "language": "python311"}}"#),
        )
        .unwrap();
        std::fs::write(
            folder.join("test/setup.yml"),
            "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n  Role:\n    Type: AWS::IAM::Role\n",
        )
        .unwrap();
    }
    std::fs::write(root.join("regship.yml"), "namespace: AwsCommunity\n").unwrap();
    std::fs::create_dir_all(root.join("release")).unwrap();
    std::fs::write(root.join("release/cicd.yml"), text).unwrap();
    std::fs::write(root.join("release/beta.yml"), text).unwrap();
    let workspace = Workspace::load(root);
    let new: Vec<_> = workspace
        .extensions
        .iter()
        .filter(|e| e.folder.ends_with("Fuzz_Thing"))
        .collect();
    for kind in [PipelineKind::Cicd, PipelineKind::Beta] {
        let _ = plan_add(&workspace, &new, kind);
    }
}
