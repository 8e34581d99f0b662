//! Every check rule on fixtures: one that triggers it and one that does not.

mod support;

use std::path::Path;

use regship::checks::{Finding, Severity, check_workspace, rules};
use regship::workspace::Workspace;
use support::synthetic::{Defect, folder, write_extension, write_workspace_files};

/// A one-extension workspace with `defect`, with its build action unless the defect removes it.
fn workspace_with(defect: Defect) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_extension(dir.path(), 0, defect);
    let actions: &[usize] = if defect == Defect::NoBuildAction {
        &[]
    } else {
        &[0]
    };
    write_workspace_files(dir.path(), actions);
    dir
}

fn findings(root: &Path) -> Vec<Finding> {
    check_workspace(&Workspace::load(root))
}

fn codes(root: &Path) -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = findings(root).iter().map(|f| f.code).collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

fn edit(root: &Path, file: &str, text: &str) {
    let path = root.join(folder(0)).join(file);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

#[test]
fn a_clean_extension_has_no_findings() {
    let dir = workspace_with(Defect::None);
    assert_eq!(findings(dir.path()), vec![]);
}

#[test]
fn each_planted_defect_triggers_exactly_its_rule() {
    for defect in Defect::ALL {
        let dir = workspace_with(defect);
        let expected = write_extension(dir.path(), 0, defect);
        let mut expected: Vec<&str> = expected.iter().map(|(code, _)| *code).collect();
        if defect == Defect::NoBuildAction {
            expected.push("PIP001");
        }
        expected.dedup();
        assert_eq!(codes(dir.path()), expected, "{defect:?}");
    }
}

#[test]
fn findings_carry_line_and_hint() {
    let dir = workspace_with(Defect::UnknownProperty);
    let finding = findings(dir.path())
        .into_iter()
        .find(|f| f.code == "INP009")
        .unwrap();
    assert_eq!(finding.line, Some(3));
    assert_eq!(finding.severity, Severity::Error);
    assert!(finding.hint.contains("Arn, Name, Size"), "{}", finding.hint);
    assert_eq!(finding.extension.as_deref(), Some("resources/Thing_0000"));
}

#[test]
fn inp002_no_inputs_folder_at_all() {
    let dir = workspace_with(Defect::None);
    std::fs::remove_dir_all(dir.path().join(folder(0)).join("inputs")).unwrap();
    assert_eq!(codes(dir.path()), ["INP002"]);
}

#[test]
fn inp003_hook_inputs_in_a_resource() {
    let dir = workspace_with(Defect::None);
    edit(dir.path(), "inputs/inputs_1_pre_create.json", "{}");
    assert_eq!(codes(dir.path()), ["INP003"]);
}

#[test]
fn inp007_set_without_create() {
    let dir = workspace_with(Defect::None);
    std::fs::remove_file(
        dir.path()
            .join(folder(0))
            .join("inputs/inputs_1_create.json"),
    )
    .unwrap();
    assert_eq!(codes(dir.path()), ["INP007"]);
}

#[test]
fn inp008_two_files_of_one_kind() {
    let dir = workspace_with(Defect::None);
    edit(
        dir.path(),
        "inputs/inputs_1_update_old.json",
        "{\"Name\": \"{{AcmeThing0Name}}\", \"Size\": 3}",
    );
    assert_eq!(codes(dir.path()), ["INP008"]);
}

#[test]
fn inp015_references_without_setup() {
    let dir = workspace_with(Defect::None);
    std::fs::remove_file(dir.path().join(folder(0)).join("test/setup.yml")).unwrap();
    let found = findings(dir.path());
    assert_eq!(
        found.iter().map(|f| f.code).collect::<Vec<_>>(),
        ["INP015", "INP015"]
    );
}

#[test]
fn inp014_matches_sub_exports_with_the_setup_stack_name() {
    let dir = workspace_with(Defect::None);
    let setup = "Resources:\n  P:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: x}\nOutputs:\n  N:\n    Value: !Ref P\n    Export:\n      Name: !Sub \"${AWS::StackName}-Name\"\n";
    edit(dir.path(), "test/setup.yml", setup);
    let good = "{\"Name\": \"{{setup-Thing-0000-Name}}\", \"Size\": 1}";
    edit(dir.path(), "inputs/inputs_1_create.json", good);
    edit(
        dir.path(),
        "inputs/inputs_1_update.json",
        &good.replace("1}", "2}"),
    );
    assert_eq!(codes(dir.path()), Vec::<&str>::new());
    edit(
        dir.path(),
        "inputs/inputs_1_create.json",
        "{\"Name\": \"{{setup-Other-Name}}\", \"Size\": 1}",
    );
    assert!(codes(dir.path()).contains(&"INP014"));
}

#[test]
fn inp016_input_not_an_object() {
    let dir = workspace_with(Defect::None);
    edit(dir.path(), "inputs/inputs_1_invalid.json", "[1, 2]");
    assert_eq!(codes(dir.path()), ["INP016"]);
}

#[test]
fn set001_set002_set003_setup_templates() {
    let dir = workspace_with(Defect::None);
    edit(dir.path(), "test/setup.json", "{\"Resources\": {}}");
    assert_eq!(codes(dir.path()), ["SET002"]);
    std::fs::remove_file(dir.path().join(folder(0)).join("test/setup.json")).unwrap();
    edit(dir.path(), "test/setup.yml", "Resources:\n\tBroken: x\n");
    assert_eq!(codes(dir.path()), ["SET001"]);
    let computed = "Resources: {}\nOutputs:\n  N:\n    Value: x\n    Export:\n      Name: !Join [\"-\", [a, b]]\n";
    edit(dir.path(), "test/setup.yml", computed);
    let found = findings(dir.path());
    assert_eq!(found.iter().map(|f| f.code).collect::<Vec<_>>(), ["SET003"]);
    assert_eq!(found[0].severity, Severity::Info);
}

#[test]
fn itg001_is_a_warning_for_alpha() {
    let dir = workspace_with(Defect::NoInteg);
    assert_eq!(findings(dir.path())[0].severity, Severity::Error);
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: Acme\nmaturity:\n  resources/Thing_0000: alpha\n",
    )
    .unwrap();
    let found = findings(dir.path());
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].code, found[0].severity),
        ("ITG001", Severity::Warning)
    );
}

#[test]
fn itg002_itg003_itg005_integ_templates() {
    let dir = workspace_with(Defect::None);
    edit(dir.path(), "test/integ.yml", "Resources: [");
    assert_eq!(codes(dir.path()), ["ITG002"]);
    let other = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub my-bucket\n";
    edit(dir.path(), "test/integ.yml", other);
    assert_eq!(codes(dir.path()), ["ITG003", "ITG005"]);
    let derived = "Resources:\n  Bucket:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: !Sub \"${AWS::StackName}-b\"\n  T:\n    Type: Acme::Test::Thing0\n    Properties: {Name: !Ref Bucket}\n";
    edit(dir.path(), "test/integ.yml", derived);
    assert_eq!(codes(dir.path()), Vec::<&str>::new());
}

/// A role in test/integ (or test/setup) without the kit's boundary is reported at its line; one
/// given the boundary through the RoleBoundary parameter is not; a boundary that has no parameter
/// to come from is.
#[test]
fn itg006_set004_roles_carry_the_kits_boundary() {
    let dir = workspace_with(Defect::None);
    let role = "    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {Version: \"2012-10-17\", Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}\n";
    let thing = "  T:\n    Type: Acme::Test::Thing0\n    Properties: {Name: !Sub \"${AWS::StackName}-t\"}\n";
    let unbounded = format!("Resources:\n{thing}  FunctionRole:\n{role}");
    edit(dir.path(), "test/integ.yml", &unbounded);
    let found = findings(dir.path());
    assert_eq!(
        found
            .iter()
            .map(|f| (f.code, f.severity, f.line))
            .collect::<Vec<_>>(),
        [("ITG006", Severity::Warning, Some(5))]
    );
    assert!(
        found[0]
            .message
            .contains("FunctionRole has no PermissionsBoundary")
    );
    assert!(
        found[0]
            .hint
            .contains("!If [HasRoleBoundary, !Ref RoleBoundary")
    );
    let literal = format!(
        "Resources:\n{thing}  FunctionRole:\n{role}      PermissionsBoundary: arn:aws:iam::123456789012:policy/b\n"
    );
    edit(dir.path(), "test/integ.yml", &literal);
    assert_eq!(codes(dir.path()), ["ITG006"]);
    let bounded = format!(
        "Parameters:\n  RoleBoundary: {{Type: String, Default: \"\"}}\nConditions:\n  HasRoleBoundary: !Not [!Equals [!Ref RoleBoundary, \"\"]]\nResources:\n{thing}  FunctionRole:\n{role}      PermissionsBoundary: !If [HasRoleBoundary, !Ref RoleBoundary, !Ref AWS::NoValue]\n"
    );
    edit(dir.path(), "test/integ.yml", &bounded);
    assert_eq!(codes(dir.path()), Vec::<&str>::new());

    let setup = dir.path().join(folder(0)).join("test/setup.yml");
    let exports = std::fs::read_to_string(&setup).unwrap();
    let with_role = exports.replacen(
        "Resources:\n",
        &format!("Resources:\n  FunctionRole:\n{role}"),
        1,
    );
    std::fs::write(&setup, &with_role).unwrap();
    let found = findings(dir.path());
    assert_eq!(
        found
            .iter()
            .map(|f| (f.code, f.severity))
            .collect::<Vec<_>>(),
        [("SET004", Severity::Warning)]
    );
    assert!(
        found[0].message.contains("the CI/CD build role"),
        "{}",
        found[0].message
    );
}

#[test]
fn lay002_lay004_schema_problems() {
    let dir = workspace_with(Defect::None);
    let schema = dir.path().join(folder(0)).join("acme-test-thing0.json");
    let text = std::fs::read_to_string(&schema).unwrap();
    std::fs::write(
        &schema,
        text.replace("\"Acme::Test::Thing0\"", "\"Acme::Test::Other\""),
    )
    .unwrap();
    assert_eq!(codes(dir.path()), ["LAY004"]);
    std::fs::write(&schema, "{ not json").unwrap();
    assert_eq!(codes(dir.path()), ["LAY002"]);
    std::fs::remove_file(&schema).unwrap();
    assert_eq!(codes(dir.path()), ["LAY002"]);
}

#[test]
fn pip002_pip003_pip004_pipeline_template() {
    let dir = workspace_with(Defect::None);
    write_workspace_files(dir.path(), &[0, 7]);
    assert_eq!(codes(dir.path()), ["PIP002"]);
    std::fs::write(
        dir.path().join("release/cicd.yml"),
        "Resources:\n  - broken: [\n",
    )
    .unwrap();
    assert_eq!(codes(dir.path()), ["PIP004"]);
    std::fs::remove_file(dir.path().join("release/cicd.yml")).unwrap();
    assert_eq!(codes(dir.path()), ["PIP003"]);
}

#[test]
fn cfg001_cfg002_workspace_file() {
    let dir = workspace_with(Defect::None);
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: Acme\nacounts: {}\n",
    )
    .unwrap();
    let found = findings(dir.path());
    assert_eq!(found.iter().map(|f| f.code).collect::<Vec<_>>(), ["CFG001"]);
    assert_eq!(found[0].line, Some(2));
    assert!(found[0].message.contains("acounts"), "{}", found[0].message);
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: Acme\nmaturity:\n  Acme::Gone::Type: alpha\n",
    )
    .unwrap();
    let found = findings(dir.path());
    assert_eq!(
        found.iter().map(|f| (f.code, f.line)).collect::<Vec<_>>(),
        [("CFG002", Some(3))]
    );
}

#[test]
fn every_rule_code_is_documented_once() {
    let all = rules();
    let mut codes: Vec<&str> = all.iter().map(|r| r.code).collect();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
    let documented =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/rules.md"))
            .unwrap();
    for rule in &all {
        assert!(
            documented.contains(&format!("| `{}` |", rule.code)),
            "docs/rules.md does not document {}",
            rule.code
        );
    }
}

/// An unknown tag costs its node (TPL001 at its line), not the template: the setup's exports
/// are still read (no INP014 for the inputs that use them), and a pipeline template with
/// `!Rain::S3` in a Lambda and build actions inside `!If` keeps every pipeline check.
#[test]
fn unknown_tags_and_rain_directives_do_not_cost_the_template() {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let setup = "resources/S3_DeleteBucketContents/test/setup.yml";
    let text = std::fs::read_to_string(root.join(setup)).unwrap();
    let tagged = text.replace(
        "    Type: AWS::S3::Bucket\n",
        "    Type: AWS::S3::Bucket\n    Metadata:\n      Note: !Custom value\n      Code: !Rain::Embed notes.txt\n",
    );
    assert_ne!(tagged, text);
    std::fs::write(root.join(setup), &tagged).unwrap();
    let line = tagged.lines().position(|l| l.contains("!Custom")).unwrap() as u32 + 1;
    let pipeline = std::fs::read_to_string(root.join("release/cicd.yml")).unwrap();
    let with_rain = pipeline.replace(
        "Resources:\n",
        "Resources:\n  Notifier:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: !Rain::S3 {Path: notifier, BucketProperty: S3Bucket, KeyProperty: S3Key}\n",
    );
    std::fs::write(root.join("release/cicd.yml"), with_rain).unwrap();

    let found = findings(root);
    let tpl: Vec<&Finding> = found.iter().filter(|f| f.code == "TPL001").collect();
    assert_eq!(tpl.len(), 1, "{found:#?}");
    assert_eq!((tpl[0].file.as_str(), tpl[0].line), (setup, Some(line)));
    assert_eq!(tpl[0].severity, Severity::Warning);
    let found_codes: Vec<&str> = found.iter().map(|f| f.code).collect();
    for lost in ["SET001", "INP014", "PIP001", "PIP004"] {
        assert!(!found_codes.contains(&lost), "{lost}: {found:#?}");
    }
    // Removing the build action is still noticed: the pipeline template is read.
    let without_action = std::fs::read_to_string(root.join("release/cicd.yml"))
        .unwrap()
        .replace("RESOURCE_PATH\",\"type\"", "OTHER_PATH\",\"type\"")
        .replace(
            "          - Name: RESOURCE_PATH\n",
            "          - Name: OTHER_PATH\n",
        );
    std::fs::write(root.join("release/cicd.yml"), without_action).unwrap();
    assert!(codes(root).contains(&"PIP001"));
}

/// A file name with escape sequences is printed by `regship check` with them made visible: it
/// cannot clear the screen or retitle the window of the user's terminal.
#[test]
fn file_names_cannot_steer_the_terminal() {
    let dir = support::example_workspace("123456789012");
    let inputs = dir.path().join("resources/S3_DeleteBucketContents/inputs");
    std::fs::write(inputs.join("inputs_1_\x1b[2J\x1b]0;pwned\x07.json"), "{}").unwrap();
    let mut command = support::regship_command(dir.path());
    command.args(["-C", dir.path().to_str().unwrap(), "check"]);
    let output = support::run_with_stdin(command, "");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("inputs_1_^[[2J^[]0;pwned^G.json"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\x1b') && !stdout.contains('\x07'),
        "{stdout:?}"
    );
}

fn with_config(root: &Path, config: &str) {
    std::fs::write(root.join("regship.yml"), config).unwrap();
}

/// A namespace of several segments is compared segment by segment, and the hint names it.
#[test]
fn namespaces_of_several_segments() {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    with_config(root, "namespace: AwsCommunity::S3\n");
    assert!(!codes(root).contains(&"LAY003"), "{:#?}", findings(root));
    with_config(root, "namespace: AwsComm\n");
    assert!(
        codes(root).contains(&"LAY003"),
        "a prefix of a segment is not the namespace"
    );
    with_config(root, "namespace: AwsCommunity::SQS\n");
    let found = findings(root);
    let lay003 = found.iter().find(|f| f.code == "LAY003").expect("LAY003");
    assert!(
        lay003.message.contains("`AwsCommunity::SQS`")
            && lay003.hint.contains("AwsCommunity::SQS::..."),
        "{lay003:#?}"
    );
}

/// `extension_dirs` takes globs; an entry that names no folder is an error at its line; a
/// workspace without any extension is an error, never "0 errors in 0 extensions".
#[test]
fn extension_dirs_globs_missing_entries_and_an_empty_workspace() {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    with_config(
        root,
        "extension_dirs:\n  - res*\n  - nowhere\n  - \"*/nothing\"\n",
    );
    let workspace = Workspace::load(root);
    assert_eq!(workspace.extensions.len(), 1, "the glob finds resources/");
    assert_eq!(workspace.unmatched_dirs, ["nowhere", "*/nothing"]);
    let found = findings(root);
    let cfg003: Vec<(Option<u32>, Severity)> = found
        .iter()
        .filter(|f| f.code == "CFG003")
        .map(|f| (f.line, f.severity))
        .collect();
    assert_eq!(
        cfg003,
        [(Some(3), Severity::Error), (Some(4), Severity::Error)],
        "{found:#?}"
    );
    // The default folders that do not exist (hooks/, modules/) are not errors.
    with_config(root, "namespace: AwsCommunity\n");
    assert!(!codes(root).contains(&"CFG003"));

    let empty = tempfile::tempdir().unwrap();
    with_config(empty.path(), "namespace: Acme\n");
    assert_eq!(codes(empty.path()), ["CFG004"]);
    let mut command = support::regship_command(empty.path());
    command.args(["-C", empty.path().to_str().unwrap(), "check"]);
    let output = support::run_with_stdin(command, "");
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        support::output_text(&output)
    );
    assert!(support::output_text(&output).contains("CFG004"));
}

/// `setup_template` names a prerequisites template kept elsewhere: it is the one checked (and
/// deployed); an entry naming no extension is CFG002.
#[test]
fn a_setup_template_kept_elsewhere() {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let project = root.join("resources/S3_DeleteBucketContents");
    std::fs::create_dir_all(project.join("prereqs")).unwrap();
    std::fs::rename(
        project.join("test/setup.yml"),
        project.join("prereqs/stack.yml"),
    )
    .unwrap();
    assert!(
        codes(root).contains(&"INP015"),
        "without the setting, no setup is found"
    );
    with_config(
        root,
        "setup_template:\n  AwsCommunity::S3::DeleteBucketContents: prereqs/stack.yml\n  Nothing_Here: x.yml\n",
    );
    let workspace = Workspace::load(root);
    let resource = workspace
        .extensions
        .iter()
        .find(|e| e.folder == "resources/S3_DeleteBucketContents")
        .unwrap();
    assert_eq!(
        resource.setup[0].path,
        "resources/S3_DeleteBucketContents/prereqs/stack.yml"
    );
    let found = codes(root);
    assert!(
        !found.contains(&"INP015") && !found.contains(&"INP014"),
        "{found:?}"
    );
    assert!(found.contains(&"CFG002"), "{found:?}");
}

/// Inputs as `cfn test` reads them (rpdk/core/test.py and the contract clients): a hook's
/// inputs_1_invalid.json is read; an update that leaves a createOnly property out keeps it;
/// overrides.json steers generated values and its references are checked; a generated inputs/
/// is reported as such; every `{{Name}}` is reported; cfn init's placeholders are errors.
#[test]
fn inputs_as_cfn_test_reads_them() {
    let dir = support::example_workspace("123456789012");
    let root = dir.path();
    let project = root.join("resources/S3_DeleteBucketContents");
    let inputs = project.join("inputs");
    let create: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(inputs.join("inputs_1_create.json")).unwrap(),
    )
    .unwrap();
    // The update leaves out the createOnly BucketName: no INP012.
    let mut update = create.clone();
    update.as_object_mut().unwrap().remove("BucketName");
    std::fs::write(inputs.join("inputs_1_update.json"), update.to_string()).unwrap();
    assert!(!codes(root).contains(&"INP012"), "{:#?}", findings(root));
    // Changing it is still a replacement.
    update["BucketName"] = "another-bucket".into();
    std::fs::write(inputs.join("inputs_1_update.json"), update.to_string()).unwrap();
    assert!(codes(root).contains(&"INP012"));
    std::fs::write(inputs.join("inputs_1_update.json"), create.to_string()).unwrap();

    // Every reference of a file is reported on its own line, and placeholders are errors.
    std::fs::write(
        inputs.join("inputs_1_invalid.json"),
        "{\n  \"BucketName\": \"{{NotExportedOne}}\",\n  \"KeyPrefix\": \"{{NotExportedTwo}}\",\n  \"Extra\": \"...\"\n}\n",
    )
    .unwrap();
    let found = findings(root);
    let lines: Vec<Option<u32>> = found
        .iter()
        .filter(|f| f.code == "INP014")
        .map(|f| f.line)
        .collect();
    assert_eq!(lines, [Some(2), Some(3)], "{found:#?}");
    let placeholder: Vec<Option<u32>> = found
        .iter()
        .filter(|f| f.code == "INP018")
        .map(|f| f.line)
        .collect();
    assert_eq!(placeholder, [Some(4)], "{found:#?}");

    // No inputs/, but overrides.json: a note, and its references are checked like inputs'.
    std::fs::remove_dir_all(&inputs).unwrap();
    std::fs::write(
        project.join("overrides.json"),
        "{\"CREATE\": {\"/BucketName\": \"{{Nowhere}}\"}}\n",
    )
    .unwrap();
    let found = findings(root);
    let inp002 = found.iter().find(|f| f.code == "INP002").expect("INP002");
    assert_eq!(inp002.severity, Severity::Info, "{inp002:#?}");
    assert!(inp002.message.contains("overrides.json"), "{inp002:#?}");
    assert!(
        found
            .iter()
            .any(|f| f.code == "INP014" && f.file.ends_with("overrides.json")),
        "{found:#?}"
    );

    // A git-ignored inputs/ that the build writes is generated, not missing.
    std::fs::write(project.join(".gitignore"), "build/\ninputs/\n").unwrap();
    let found = findings(root);
    let inp017 = found.iter().find(|f| f.code == "INP017").expect("INP017");
    assert!(
        inp017.message.contains(".gitignore ignores it"),
        "{inp017:#?}"
    );
    assert!(
        !found
            .iter()
            .any(|f| f.code == "INP002" || f.code == "INP001"),
        "{found:#?}"
    );
    std::fs::remove_file(project.join(".gitignore")).unwrap();
    std::fs::write(
        project.join("Makefile"),
        "inputs:\n\tpython gen.py > inputs/inputs_1_create.json\n",
    )
    .unwrap();
    assert!(
        findings(root)
            .iter()
            .any(|f| f.code == "INP017" && f.message.contains("Makefile writes it"))
    );
}

/// A hook's inputs_1_invalid.json is the fallback of every invalid hook test: not "never used".
#[test]
fn a_hooks_invalid_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("regship.yml"), "namespace: Acme\n").unwrap();
    let hook = root.join("hooks/Bucket_Guard");
    std::fs::create_dir_all(hook.join("inputs")).unwrap();
    std::fs::write(
        hook.join(".rpdk-config"),
        r#"{"typeName": "Acme::Bucket::Guard", "language": "java", "artifact_type": "HOOK"}"#,
    )
    .unwrap();
    std::fs::write(hook.join("acme-bucket-guard.json"), r#"{"typeName": "Acme::Bucket::Guard", "description": "d", "typeConfiguration": {"properties": {}, "additionalProperties": false}, "additionalProperties": false}"#).unwrap();
    let target = r#"{"AWS::S3::Bucket": {"resourceProperties": {"BucketName": "b"}}}"#;
    std::fs::write(hook.join("inputs/inputs_1_pre_create.json"), target).unwrap();
    std::fs::write(hook.join("inputs/inputs_1_invalid.json"), target).unwrap();
    let found = findings(root);
    assert!(!found.iter().any(|f| f.code == "INP003"), "{found:#?}");
}

/// Eight extensions without integ templates: one code on many extensions.
fn eight_without_integ() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for index in 0..8 {
        write_extension(dir.path(), index, Defect::NoInteg);
    }
    write_workspace_files(dir.path(), &(0..8).collect::<Vec<_>>());
    dir
}

fn check_text(root: &Path, extra: &[&str]) -> (Option<i32>, String) {
    let mut command = support::regship_command(root);
    command
        .args(["-C", root.to_str().unwrap(), "check"])
        .args(extra);
    let output = support::run_with_stdin(command, "");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// A code that fires on many extensions is summarised in one line (its first findings shown);
/// `rules:` turns a code or family off or changes its severity, `extension_rules:` overrides it
/// for one extension, and a key that names no rule is CFG005.
#[test]
fn rules_a_team_can_tune() {
    let dir = eight_without_integ();
    let root = dir.path();
    let (code, text) = check_text(root, &[]);
    assert_eq!(code, Some(1), "{text}");
    assert_eq!(text.matches("error[ITG001]").count(), 3, "{text}");
    assert!(
        text.contains("ITG001 (")
            && text.contains("on 8 extensions: 5 more not shown")
            && text.contains("`rules: {ITG001: off}`"),
        "{text}"
    );
    let (_, json) = check_text(root, &["--json"]);
    assert_eq!(
        json.matches("\"ITG001\"").count(),
        8,
        "JSON lists every finding"
    );

    let config = "namespace: Acme\npipeline_template: release/cicd.yml\n";
    std::fs::write(
        root.join("regship.yml"),
        format!("{config}rules:\n  ITG001: off\n"),
    )
    .unwrap();
    let (code, text) = check_text(root, &[]);
    assert_eq!((code, text.contains("ITG001")), (Some(0), false), "{text}");

    std::fs::write(
        root.join("regship.yml"),
        format!("{config}rules:\n  ITG: warning\n"),
    )
    .unwrap();
    let found = findings(root);
    assert!(
        found
            .iter()
            .filter(|f| f.code == "ITG001")
            .all(|f| f.severity == Severity::Warning)
    );
    assert_eq!(found.iter().filter(|f| f.code == "ITG001").count(), 8);

    let one = folder(3);
    std::fs::write(
        root.join("regship.yml"),
        format!("{config}rules:\n  ITG001: off\n  NOPE9: off\nextension_rules:\n  {one}:\n    ITG001: error\n"),
    )
    .unwrap();
    let found = findings(root);
    let itg: Vec<(&str, Severity)> = found
        .iter()
        .filter(|f| f.code == "ITG001")
        .map(|f| (f.extension.as_deref().unwrap(), f.severity))
        .collect();
    assert_eq!(itg, [(one.as_str(), Severity::Error)]);
    let cfg005: Vec<Option<u32>> = found
        .iter()
        .filter(|f| f.code == "CFG005")
        .map(|f| f.line)
        .collect();
    assert_eq!(cfg005, [Some(5)], "{found:#?}");

    std::fs::write(
        root.join("regship.yml"),
        format!("{config}rules:\n  ITG001: maybe\n"),
    )
    .unwrap();
    assert!(
        codes(root).contains(&"CFG001"),
        "a level that is none of off/info/warning/error"
    );
}

/// Hints recommend only commands that work for the kind of extension: `scaffold integ` and
/// `scaffold inputs` write resource files only.
#[test]
fn hints_fit_the_kind_of_extension() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(root.join("regship.yml"), "namespace: Acme\n").unwrap();
    let hook = root.join("hooks/Bucket_Guard");
    std::fs::create_dir_all(&hook).unwrap();
    std::fs::write(
        hook.join(".rpdk-config"),
        r#"{"typeName": "Acme::Bucket::Guard", "language": "java", "artifact_type": "HOOK"}"#,
    )
    .unwrap();
    let found = findings(root);
    for code in ["ITG001", "INP002"] {
        let finding = found
            .iter()
            .find(|f| f.code == code)
            .unwrap_or_else(|| panic!("{code}: {found:#?}"));
        assert!(!finding.hint.contains("regship scaffold"), "{finding:#?}");
    }
}

/// Setup templates with rain directives check like plain ones: the synthetic monorepo's
/// expected findings are the same with every setup template using directives.
#[test]
fn a_monorepo_with_rain_directives_checks_like_a_plain_one() {
    let plain = tempfile::tempdir().unwrap();
    let expected = support::synthetic::build(plain.path(), 40);
    let rain = tempfile::tempdir().unwrap();
    support::synthetic::build(rain.path(), 40);
    support::synthetic::use_rain_directives(rain.path(), 40, true);
    let mut found: Vec<(&str, String)> = findings(rain.path())
        .into_iter()
        .map(|f| (f.code, f.file))
        .collect();
    let mut wanted = expected;
    found.sort();
    wanted.sort();
    assert_eq!(found, wanted);
}
