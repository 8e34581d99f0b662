//! The board's cells for every state of every column, and the gate's blockers.

use super::*;
use crate::ops::journal::append_line;
use crate::ops::versions::{RegionVersion, Standing as RegionStanding};
use crate::workspace::ArtifactType;

const NOW: i64 = 1_700_000_000_000;
const HOUR: i64 = 3_600_000;

fn row(folder: &str, maturity: Maturity, errors: usize, warnings: usize) -> (ExtensionRow, String) {
    (
        ExtensionRow {
            folder: folder.into(),
            type_name: Some(format!("X::{folder}::Y")),
            kind: if folder.starts_with("modules/") {
                ArtifactType::Module
            } else {
                ArtifactType::Resource
            },
            language: None,
            maturity,
            input_sets: 1,
            setup: !folder.starts_with("modules/"),
            integ: true,
            errors,
            warnings,
        },
        format!("setup-{}", folder.rsplit('/').next().unwrap()),
    )
}

fn test_run(folder: &str, passed: u32, failed: u32, exit_code: Option<i32>) -> TestRun {
    TestRun {
        extension: folder.into(),
        passed,
        failed,
        skipped: 0,
        errors: 0,
        exit_code,
        complete: exit_code.is_some(),
        started_ms: NOW - 2 * HOUR,
    }
}

fn integ_run(folder: &str, class: IntegClass, allowed: bool, blocks: bool) -> PastRun {
    PastRun {
        extension: folder.into(),
        version: Some("00000003".into()),
        run_id: "r1".into(),
        class,
        allowed,
        blocks,
        started_ms: NOW - HOUR,
        duration_ms: 60_000,
        reasons: Vec::new(),
    }
}

fn versions(
    folder: &str,
    maturity: Maturity,
    newest: Option<&str>,
    current: usize,
) -> ExtensionVersions {
    ExtensionVersions {
        extension: folder.into(),
        type_name: String::new(),
        maturity,
        newest: newest.map(String::from),
        regions: (0..3)
            .map(|i| RegionVersion {
                region: format!("r-{i}"),
                public: newest.map(String::from),
                private_default: None,
                standing: if i < current {
                    RegionStanding::Current
                } else {
                    RegionStanding::Lagging
                },
                detail: None,
            })
            .collect(),
    }
}

#[test]
fn every_state_of_every_column() {
    let rows = [
        row("resources/A", Maturity::Prod, 0, 0),
        row("resources/B", Maturity::Prod, 0, 2),
        row("resources/C", Maturity::Prod, 1, 0),
        row("resources/D", Maturity::Alpha, 0, 0),
        row("modules/E", Maturity::Alpha, 0, 0),
        row("resources/F", Maturity::Prod, 0, 0),
    ];
    let inputs = BoardInputs {
        sandbox: Some(Ok(BTreeMap::from([
            ("setup-C".to_string(), "CREATE_COMPLETE".to_string()),
            ("setup-D".to_string(), "ROLLBACK_COMPLETE".to_string()),
            ("setup-F".to_string(), "CREATE_IN_PROGRESS".to_string()),
        ]))),
        tests: newest_each(
            [
                test_run("resources/A", 1, 1, Some(1)),
                test_run("resources/A", 12, 0, Some(0)),
                test_run("resources/B", 10, 2, Some(1)),
            ],
            |run| &run.extension,
        ),
        cicd: Some(Ok(BTreeMap::from([
            ("resources/A".to_string(), "Succeeded".to_string()),
            ("resources/B".to_string(), "Failed".to_string()),
            ("resources/C".to_string(), "InProgress".to_string()),
        ]))),
        integ: newest_each(
            [
                integ_run("resources/A", IntegClass::Passed, false, false),
                integ_run("resources/B", IntegClass::CompatibilityBreak, false, true),
                integ_run("resources/D", IntegClass::CompatibilityBreak, true, false),
                integ_run("resources/C", IntegClass::UpdateNotExercised, false, false),
            ],
            |run| &run.extension,
        ),
        prod: Some(Ok(vec![
            versions("resources/A", Maturity::Prod, Some("1.0.3"), 3),
            versions("resources/B", Maturity::Prod, Some("1.0.3"), 2),
            versions("resources/C", Maturity::Prod, None, 0),
            versions("resources/D", Maturity::Alpha, None, 0),
        ])),
    };
    let board = board(&rows, &inputs, NOW);
    let cells = |column: fn(&ExtensionStatus) -> &Standing| -> Vec<String> {
        board.iter().map(|s| column(s).text()).collect()
    };
    assert_eq!(
        cells(|s| &s.checks),
        [
            "✓ clean",
            "! 2 warn",
            "✗ 1 err 0 warn",
            "✓ clean",
            "✓ clean",
            "✓ clean"
        ]
    );
    assert_eq!(
        cells(|s| &s.sandbox),
        [
            "✓ 12 passed 2h ago",
            "✗ 2 of 12 failed 2h ago",
            "○ setup up, not tested",
            "✗ setup ROLLBACK_COMPLETE",
            "- module: no cfn test",
            "◐ setup CREATE_IN_PROGRESS",
        ],
        "the newest run counts"
    );
    assert_eq!(
        cells(|s| &s.cicd),
        [
            "✓ Succeeded",
            "✗ Failed",
            "◐ InProgress",
            "○ no build action",
            "○ no build action",
            "○ no build action",
        ]
    );
    assert_eq!(
        cells(|s| &s.beta),
        [
            "✓ passed v3 1h ago",
            "✗ compatibility break v3",
            "! update not exercised v3",
            "~ allowed (alpha) v3",
            "○ no integ run",
            "○ no integ run",
        ]
    );
    assert_eq!(
        cells(|s| &s.prod),
        [
            "✓ 3/3 on 1.0.3",
            "! 2/3 on 1.0.3",
            "○ unpublished",
            "- alpha: none",
            "- -",
            "- -",
        ]
    );
}

#[test]
fn a_stage_that_cannot_be_read_says_why_in_its_column_only() {
    let rows = [row("resources/A", Maturity::Prod, 0, 0)];
    let no_credentials = CloudError::new(
        CloudErrorKind::NoCredentials,
        "no credentials",
        "aws sso login",
    );
    let throttled = CloudError::new(CloudErrorKind::Throttled, "Rate exceeded", "wait");
    let inputs = BoardInputs {
        sandbox: Some(Err(Standing::unread(&no_credentials))),
        cicd: Some(Err(Standing::unread(&throttled))),
        prod: None,
        ..BoardInputs::default()
    };
    let status = &board(&rows, &inputs, NOW)[0];
    assert_eq!(status.checks.text(), "✓ clean");
    assert_eq!(status.sandbox.text(), "⊘ no credentials");
    assert_eq!(status.cicd.text(), "? Rate exceeded");
    assert_eq!(status.prod.text(), "… reading");
}

#[test]
fn the_gate_lists_each_prod_extensions_blockers_and_never_an_alpha_one() {
    let rows = [
        row("resources/Ready", Maturity::Prod, 0, 1),
        row("resources/Broken", Maturity::Prod, 2, 0),
        row("resources/Alpha", Maturity::Alpha, 3, 0),
    ];
    let inputs = BoardInputs {
        cicd: Some(Ok(BTreeMap::from([
            ("resources/Ready".to_string(), "Succeeded".to_string()),
            ("resources/Broken".to_string(), "Failed".to_string()),
            ("resources/Alpha".to_string(), "Failed".to_string()),
        ]))),
        integ: newest_each(
            [integ_run(
                "resources/Ready",
                IntegClass::Passed,
                false,
                false,
            )],
            |run| &run.extension,
        ),
        ..BoardInputs::default()
    };
    let board = board(&rows, &inputs, NOW);
    let blockers = gate(&board, Stage::Beta, &[]);
    let listed: Vec<(&str, &str, &str)> = blockers
        .iter()
        .map(|b| (b.extension.as_str(), b.reason.as_str(), b.command.as_str()))
        .collect();
    assert_eq!(
        listed,
        [
            (
                "resources/Broken",
                "checks: 2 err 0 warn",
                "regship check resources/Broken"
            ),
            (
                "resources/Broken",
                "cicd: Failed",
                "regship pipeline status --stage cicd"
            ),
        ],
        "a warning does not block; the alpha extension never does"
    );
    let prod = gate(&board, Stage::Prod, &[]);
    assert_eq!(prod.len(), 3, "{prod:?}");
    assert_eq!(prod[2].reason, "beta: no integ run");
    assert_eq!(
        prod[2].command,
        "regship integ resources/Broken --stage beta"
    );

    // A CI/CD stage this machine cannot read blocks, unless the caller says it cannot verify it.
    let unread = BoardInputs {
        cicd: Some(Err(Standing::new(State::NoCredentials, "no credentials"))),
        ..BoardInputs::default()
    };
    let board = super::board(&rows[..1], &unread, NOW);
    let blocked = gate(&board, Stage::Beta, &[]);
    assert_eq!(blocked.len(), 1);
    assert_eq!(blocked[0].reason, "cicd: no credentials");
    assert!(gate(&board, Stage::Beta, &["cicd"]).is_empty());
}

#[test]
fn the_history_files_are_appended_and_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/test-history.jsonl");
    assert!(read_lines::<TestRun>(&path).is_empty(), "no file: no runs");
    append_line(&path, &test_run("resources/A", 3, 0, Some(0))).unwrap();
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"not json\n"))
        .unwrap();
    append_line(&path, &test_run("resources/A", 2, 1, Some(1))).unwrap();
    let runs: Vec<TestRun> = read_lines(&path);
    assert_eq!(runs.len(), 2, "the broken line is skipped");
    assert!(runs[0].passed_all() && !runs[1].passed_all());
}
