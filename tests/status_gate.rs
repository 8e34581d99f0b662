//! `regship status` and its gates on the example workspace (a prod resource and an alpha
//! module): the board through the binary against moto (the sandbox's setup stacks, the local
//! histories, a stage that cannot be read shown in its own column), the gates' exit codes and
//! JSON, and the CI/CD column from a mocked GetPipelineState (moto has no pipeline state).

mod support;

use std::path::Path;

use aws_sdk_codepipeline::operation::get_pipeline_state::GetPipelineStateOutput;
use aws_sdk_codepipeline::types::{
    ActionExecution, ActionExecutionStatus, ActionState, StageState,
};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use regship::cloud::aws::{AwsCloud, Clients};
use regship::cloud::context::{Overrides, StageContext};
use regship::config::Stage;
use regship::ops::pipeline::extension_map;
use regship::ops::status::{BoardInputs, State, board, gate, read_builds};
use regship::workspace::Workspace;
use serde_json::Value;

const RESOURCE: &str = "resources/S3_DeleteBucketContents";
const MODULE: &str = "modules/S3_SecureBucket";

/// The data folder regship uses when HOME is `home` (the binary's, in these tests).
fn data_dir(home: &Path) -> std::path::PathBuf {
    home.join(".local/share/regship")
}

fn append(path: &Path, line: &str) {
    use std::io::Write;
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .unwrap();
    writeln!(file, "{line}").unwrap();
}

/// The example workspace, its module alpha as in this repository's regship.yml.
fn workspace() -> tempfile::TempDir {
    let dir = support::example_workspace("123456789012");
    let config = dir.path().join("regship.yml");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        config,
        format!("{text}maturity:\n  AwsCommunity::S3::SecureBucket::MODULE: alpha\n"),
    )
    .unwrap();
    dir
}

/// The command ended with `code` (its output shown when not).
fn assert_exit(output: &std::process::Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "{}",
        support::output_text(output)
    );
}

fn json(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!("{err}: {}", support::output_text(output));
    })
}

fn row<'a>(board: &'a Value, extension: &str) -> &'a Value {
    board
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["extension"] == extension)
        .unwrap_or_else(|| panic!("no row for {extension}: {board}"))
}

#[test]
fn the_board_and_its_gates_through_the_binary() {
    let (moto, _serial) = support::moto::moto();
    moto.reset();
    let dir = workspace();
    let root = dir.path();
    moto.create_stack(
        "setup-S3-DeleteBucketContents",
        "Resources:\n  Queue:\n    Type: AWS::SQS::Queue\n",
    );

    // The sandbox's setup stack is up and nothing was tested yet; the module has no contract
    // tests; no CI/CD pipeline is set; prod is read from moto (which serves EC2
    // DescribeRegions where Account ListRegions is not served), where the type is unpublished.
    let output = moto.regship(root, &["status", "--json"], "");
    assert!(output.status.success(), "{}", support::output_text(&output));
    let board = json(&output);
    let resource = row(&board, RESOURCE);
    assert_eq!(resource["maturity"], "prod");
    assert_eq!(resource["checks"]["state"], "ready", "{resource}");
    assert_eq!(resource["sandbox"]["state"], "missing");
    assert_eq!(resource["sandbox"]["detail"], "setup up, not tested");
    assert_eq!(resource["cicd"]["state"], "not_applicable");
    assert_eq!(resource["beta"]["state"], "missing");
    assert_eq!(resource["prod"]["state"], "missing", "{resource}");
    assert_eq!(resource["prod"]["detail"], "unpublished", "{resource}");
    let module = row(&board, MODULE);
    assert_eq!(module["maturity"], "alpha");
    assert_eq!(module["sandbox"]["state"], "not_applicable");

    // A contract-test run of this machine (what `regship test` and the TUI keep) fills the
    // sandbox column.
    let runs = data_dir(root);
    append(
        &runs.join("test-history.jsonl"),
        &format!(
            r#"{{"extension":"{RESOURCE}","passed":14,"failed":0,"skipped":1,"errors":0,"exit_code":0,"complete":true,"started_ms":1700000000000}}"#
        ),
    );
    let output = moto.regship(root, &["status", RESOURCE, "--json"], "");
    let board = json(&output);
    assert_eq!(board.as_array().unwrap().len(), 1, "only the one asked for");
    assert_eq!(row(&board, RESOURCE)["sandbox"]["state"], "ready");
    // The table says the same.
    let output = moto.regship(root, &["status"], "");
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(table.starts_with("EXTENSION"), "{table}");
    assert!(table.contains("✓ 14 passed"), "{table}");
    assert!(table.contains("- module: no cfn test"), "{table}");

    // The beta gate: the CI/CD build cannot be verified here, so it blocks...
    let output = moto.regship(root, &["status", "--gate", "beta"], "");
    assert_exit(&output, 1);
    let text = support::output_text(&output);
    assert!(text.contains("cicd: no pipeline set"), "{text}");
    assert!(text.contains("set accounts.cicd.pipeline"), "{text}");
    assert!(!text.contains(MODULE), "alpha never blocks: {text}");
    // ... unless the caller says it cannot be (a pipeline in another account), which is said.
    let output = moto.regship(
        root,
        &["status", "--gate", "beta", "--unverified", "cicd", "--json"],
        "",
    );
    assert_exit(&output, 0);
    let report = json(&output);
    assert_eq!(report["ready"], true);
    assert_eq!(report["unverified"][0], "cicd");
    assert!(String::from_utf8_lossy(&output.stderr).contains("cicd was not verified"));

    // In the beta account the CI/CD verdict is handed over with the release (the source object's
    // metadata): the gate passes the cicd column on it, and says which execution passed it.
    let output = moto.regship(
        root,
        &[
            "status",
            "--gate",
            "beta",
            "--cicd-passed",
            "3f2c9a1e-0000-4000-8000-000000000001@0123abc",
            "--json",
        ],
        "",
    );
    assert_exit(&output, 0);
    let report = json(&output);
    assert_eq!(report["ready"], true);
    assert_eq!(
        report["cicd_passed"],
        "3f2c9a1e-0000-4000-8000-000000000001@0123abc"
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains(
        "passed in CI/CD execution 3f2c9a1e-0000-4000-8000-000000000001 (commit 0123abc)"
    ));
    for wrong in [
        &["status", "--gate", "beta", "--cicd-passed", "no-commit"][..],
        &["status", "--gate", "beta", "--cicd-passed", "e@not-hex!"][..],
        &["status", "--gate", "prod", "--cicd-passed", "e@0123abc"][..],
    ] {
        let output = moto.regship(root, wrong, "");
        assert_eq!(output.status.code(), Some(2), "{wrong:?}");
        assert!(support::output_text(&output).contains("--cicd-passed"));
    }

    // The prod gate needs a passed beta run as well.
    let prod_gate = ["status", "--gate", "prod", "--unverified", "cicd", "--json"];
    let output = moto.regship(root, &prod_gate, "");
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["ready"], false);
    let blockers = report["blockers"].as_array().unwrap();
    assert_eq!(blockers.len(), 1, "{report}");
    assert_eq!(blockers[0]["extension"], RESOURCE);
    assert_eq!(blockers[0]["column"], "beta");
    assert_eq!(blockers[0]["reason"], "beta: no integ run");
    assert_eq!(
        blockers[0]["command"],
        format!("regship integ {RESOURCE} --stage beta")
    );
    append(
        &runs.join("integ-history.jsonl"),
        &format!(
            r#"{{"extension":"{RESOURCE}","version":"00000003","run_id":"r1","class":"passed","allowed":false,"blocks":false,"started_ms":1700000000000,"duration_ms":60000}}"#
        ),
    );
    let output = moto.regship(root, &prod_gate, "");
    assert_exit(&output, 0);

    // A check error in the prod extension blocks both gates; the same in the alpha module none.
    let broken = |folder: &str| root.join(folder).join("inputs/inputs_1_create.json");
    std::fs::create_dir_all(broken(MODULE).parent().unwrap()).unwrap();
    std::fs::write(broken(MODULE), "{ not json").unwrap();
    let output = moto.regship(
        root,
        &["status", "--gate", "beta", "--unverified", "cicd"],
        "",
    );
    assert_exit(&output, 0);
    std::fs::write(broken(RESOURCE), "{ not json").unwrap();
    let output = moto.regship(
        root,
        &["status", "--gate", "beta", "--unverified", "cicd"],
        "",
    );
    assert_eq!(output.status.code(), Some(1));
    let text = support::output_text(&output);
    assert!(
        text.contains(&format!("regship check {RESOURCE}")),
        "{text}"
    );
    assert!(text.contains("not ready for beta: 1 blocker(s)"), "{text}");

    // A usage mistake is said, exit 2.
    let output = moto.regship(root, &["status", "--gate", "sandbox"], "");
    assert_eq!(output.status.code(), Some(2));
}

/// The CI/CD column from one GetPipelineState: the build action of each extension, the
/// resource's failed, the module's failed too; the beta gate names the resource only.
#[tokio::test]
async fn the_cicd_column_reads_one_pipeline_state_and_the_gate_blocks_a_failed_build() {
    let dir = workspace();
    let workspace = Workspace::load(dir.path());
    let action = |name: &str, status| {
        ActionState::builder()
            .action_name(name)
            .latest_execution(ActionExecution::builder().status(status).build())
            .build()
    };
    let state = mock!(aws_sdk_codepipeline::Client::get_pipeline_state)
        .match_requests(|r| r.name() == Some("regship-extensions"))
        .then_output(move || {
            GetPipelineStateOutput::builder()
                .stage_states(
                    StageState::builder()
                        .stage_name("Build")
                        .action_states(action(
                            "S3DeleteBucketContents",
                            ActionExecutionStatus::Failed,
                        ))
                        .action_states(action("S3SecureBucket", ActionExecutionStatus::Failed))
                        .build(),
                )
                .build()
        });
    let cloud = AwsCloud::from_clients(
        StageContext::new(&workspace.config, Stage::Cicd, &Overrides::default()),
        Clients {
            codepipeline: mock_client!(aws_sdk_codepipeline, RuleMode::Sequential, &[&state]),
            ..support::unused_clients()
        },
    );
    let builds = read_builds(&cloud, "regship-extensions", &extension_map(&workspace))
        .await
        .unwrap();
    assert_eq!(state.num_calls(), 1, "one call for every extension");
    assert_eq!(builds[RESOURCE], "Failed");
    assert_eq!(builds[MODULE], "Failed");
    let rows: Vec<_> = regship::ops::rows::rows(&workspace)
        .into_iter()
        .zip(&workspace.extensions)
        .map(|(row, extension)| (row, extension.setup_stack_name()))
        .collect();
    let inputs = BoardInputs {
        cicd: Some(Ok(builds)),
        ..BoardInputs::default()
    };
    let board = board(&rows, &inputs, 0);
    assert!(board.iter().all(|s| s.cicd.state == State::Failed));
    let blockers = gate(&board, Stage::Beta, &[]);
    assert_eq!(blockers.len(), 1, "{blockers:?}");
    assert_eq!(blockers[0].extension, RESOURCE);
    assert_eq!(blockers[0].reason, "cicd: Failed");
    assert_eq!(blockers[0].command, "regship pipeline status --stage cicd");
}
