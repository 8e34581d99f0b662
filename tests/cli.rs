//! The `regship` binary: exit codes, text and JSON output, and malformed files that must not crash it.

mod support;

use std::path::Path;
use std::process::{Command, Output};

fn regship(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_regship"))
        .args(["-C", dir.to_str().unwrap()])
        .args(args)
        .output()
        .unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn this_repository_checks_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = regship(root, &["check"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert!(
        stdout(&output).starts_with("0 error(s), 0 warning(s)"),
        "{}",
        stdout(&output)
    );
    let list = stdout(&regship(root, &["list", "--json"]));
    let rows: serde_json::Value = serde_json::from_str(&list).unwrap();
    let row = |type_name: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["type_name"] == type_name)
            .unwrap_or_else(|| panic!("{type_name} is not listed: {list}"))
            .clone()
    };
    let resource = row("AwsCommunity::S3::DeleteBucketContents");
    assert_eq!(resource["input_sets"], 1);
    assert_eq!(resource["setup"], true);
    assert_eq!(resource["integ"], true);
    // The example module: alpha, no contract tests, an integ template that uses it.
    let module = row("AwsCommunity::S3::SecureBucket::MODULE");
    assert_eq!(module["maturity"], "alpha", "{module}");
    assert_eq!(module["integ"], true);
    assert_eq!(module["input_sets"], 0);
}

#[test]
fn malformed_files_are_findings_and_exit_1_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    support::synthetic::build(dir.path(), 1);
    let ext = dir.path().join(support::synthetic::folder(0));
    std::fs::write(
        ext.join("inputs/inputs_1_create.json"),
        "{\"Name\": \"{{AcmeThing0Name}}\", \"Si",
    )
    .unwrap();
    std::fs::write(ext.join("inputs/inputs_1_update.json"), "").unwrap();
    std::fs::write(
        ext.join("inputs/inputs_1_invalid.json"),
        [0x7f, b'E', b'L', b'F', 0, 0, 0xff],
    )
    .unwrap();
    std::fs::write(
        ext.join("test/setup.yml"),
        "Resources:\n\tBucket:\n\t\tType: AWS::S3::Bucket\n",
    )
    .unwrap();
    std::fs::write(
        ext.join("test/integ.yml"),
        "Resources:\n  B:\n    Type: !Reff Bucket\n",
    )
    .unwrap();
    let huge = vec![b' '; 10 * 1024 * 1024];
    std::fs::write(ext.join("inputs/inputs_2_create.json"), huge).unwrap();

    let output = regship(dir.path(), &["check", "--json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |code: &str, file: &str| found.iter().any(|(c, f)| c == code && f.ends_with(file));
    assert!(has("INP004", "inputs_1_create.json"), "{found:?}");
    assert!(has("INP004", "inputs_1_update.json"), "{found:?}");
    assert!(has("INP004", "inputs_1_invalid.json"), "{found:?}");
    assert!(has("INP004", "inputs_2_create.json"), "{found:?}");
    assert!(has("SET001", "test/setup.yml"), "{found:?}");
    // An unknown tag costs its node (a warning at its line), not the whole template.
    assert!(has("TPL001", "test/integ.yml"), "{found:?}");
    assert!(!has("ITG002", "test/integ.yml"), "{found:?}");
    let binary = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| {
            f["file"]
                .as_str()
                .unwrap()
                .ends_with("inputs_1_invalid.json")
        })
        .unwrap();
    assert!(
        binary["message"].as_str().unwrap().contains("binary"),
        "{binary}"
    );
}

#[test]
fn text_output_and_a_path_selection() {
    let dir = tempfile::tempdir().unwrap();
    support::synthetic::build(dir.path(), 4); // 0 clean, 1 example_inputs only, 2 ignored name, 3 set gap
    let output = regship(dir.path(), &["check"]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        text.contains("error[INP001] resources/Thing_0001/example_inputs: inputs/ is missing"),
        "{text}"
    );
    assert!(text.contains("  hint: rename"), "{text}");
    assert!(
        text.ends_with("2 error(s), 1 warning(s), 0 note(s) in 4 extension(s)\n"),
        "{text}"
    );

    let only_clean = regship(
        dir.path(),
        &[
            "check",
            dir.path().join("resources/Thing_0000").to_str().unwrap(),
        ],
    );
    assert!(only_clean.status.success(), "{}", stdout(&only_clean));
    assert!(stdout(&only_clean).contains("in 1 extension(s)"));

    let missing = regship(dir.path(), &["check", "/definitely/not/here"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("does not exist"));
}

#[test]
fn a_broken_workspace_file_is_reported_and_defaults_are_used() {
    let dir = tempfile::tempdir().unwrap();
    support::synthetic::build(dir.path(), 1);
    std::fs::write(
        dir.path().join("regship.yml"),
        "namespace: Acme\naccounts:\n  prod:\n    regions: 7\n",
    )
    .unwrap();
    let list = regship(dir.path(), &["list"]);
    assert!(list.status.success());
    assert!(
        String::from_utf8_lossy(&list.stderr).contains("regship.yml:4:"),
        "{}",
        String::from_utf8_lossy(&list.stderr)
    );
    assert!(stdout(&list).contains("resources/Thing_0000"));
    let check = stdout(&regship(dir.path(), &["check"]));
    assert!(check.contains("error[CFG001] regship.yml:4:"), "{check}");
}

#[test]
fn rules_lists_every_code() {
    let output = regship(Path::new("."), &["rules"]);
    let text = stdout(&output);
    assert!(text.lines().count() >= 30, "{text}");
    assert!(text.contains("INP014  an export reference that test/setup does not export"));
}

/// Alpha extensions stay out of prod unless asked: refused before any AWS call.
#[test]
fn a_rollout_of_an_alpha_extension_is_refused_without_include_alpha() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = regship(root, &["rollout", "start", "S3_SecureBucket", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(
        said.contains("is alpha: alpha extensions stay out of prod"),
        "{said}"
    );
    assert!(said.contains("--include-alpha"), "{said}");
}
