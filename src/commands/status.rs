//! `regship status`: the readiness board on the command line (every extension's standing in
//! each stage), and `--gate STAGE`, which fails when a prod extension is not ready for it.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::cloud::block_on;
use super::output::{colour_enabled, paint, visible};
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::cloud::Connections;
use crate::cloud::clock::Clock;
use crate::config::Stage;
use crate::ops::status::{
    Blocker, ExtensionStatus, READ_STAGES, Standing, State, board, board_rows, gate as gate_of,
    read_board,
};
use crate::text::one_line;

/// What `--gate --json` prints.
#[derive(Serialize)]
struct GateReport<'a> {
    gate: Stage,
    ready: bool,
    blockers: &'a [Blocker],
    /// Columns accepted without being read (`--unverified`).
    unverified: &'a [String],
    /// The CI/CD execution that passed the release, as handed over (`--cicd-passed`).
    cicd_passed: Option<&'a str>,
}

/// The gate `regship status` judges, and what it is told instead of reading.
pub struct Gate<'a> {
    pub stage: Option<Stage>,
    pub unverified: &'a [String],
    /// `EXECUTION@COMMIT`: the CI/CD verdict handed to the beta account with the release.
    pub cicd_passed: Option<&'a str>,
}

/// The execution and commit of a `--cicd-passed` verdict.
fn handed_over(verdict: &str) -> Result<(&str, &str), UsageError> {
    verdict
        .split_once('@')
        .filter(|(execution, commit)| {
            !execution.is_empty()
                && commit.len() >= 7
                && commit.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .ok_or_else(|| {
            UsageError(format!(
                "--cicd-passed {verdict}: expected EXECUTION@COMMIT (the CI/CD execution id and the commit's hexadecimal id, from the source object's metadata)"
            ))
        })
}

pub fn run(
    start: &Path,
    names: &[String],
    gate: Gate<'_>,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let Gate {
        stage: gate,
        unverified,
        cicd_passed,
    } = gate;
    let verdict = cicd_passed.map(handed_over).transpose()?;
    if verdict.is_some() && gate != Some(Stage::Beta) {
        return Err(UsageError(
            "--cicd-passed goes with --gate beta (the verdict handed to the beta account)".into(),
        ));
    }
    if let Some(stage) = gate
        && !matches!(stage, Stage::Beta | Stage::Prod)
    {
        return Err(UsageError(format!(
            "--gate {stage}: the gates are beta (checks clean, the CI/CD build green) and prod (beta passed as well)"
        )));
    }
    if let Some(column) = unverified
        .iter()
        .find(|c| !matches!(c.as_str(), "cicd" | "beta"))
    {
        return Err(UsageError(format!(
            "--unverified {column}: only cicd and beta are read from elsewhere (checks are always read)"
        )));
    }
    let workspace = load_workspace(start);
    let mut folders = Vec::new();
    for name in names {
        folders.push(super::setup::extension(&workspace, name)?.folder.clone());
    }
    let rows: Vec<_> = board_rows(&workspace)
        .into_iter()
        .filter(|(row, _)| folders.is_empty() || folders.contains(&row.folder))
        .collect();
    // A gate reads only what it judges: the CI/CD pipeline (checks and beta are local), unless
    // its verdict was handed over.
    let stages: &[Stage] = match (gate, verdict) {
        (None, _) => &READ_STAGES,
        (Some(_), None) => &[Stage::Cicd],
        (Some(_), Some(_)) => &[],
    };
    let inputs = block_on(async {
        Ok(read_board(&Connections::aws(), &workspace, &aws.overrides(), stages).await)
    })?;
    let mut board = board(&rows, &inputs, Clock::real().now_ms());
    if let Some((execution, commit)) = verdict {
        // The handoff happens only after the whole Build stage passed: every extension.
        for status in &mut board {
            status.cicd = Standing::new(
                State::Ready,
                format!("passed in CI/CD execution {execution} (commit {commit})"),
            );
        }
        eprintln!("cicd: passed in CI/CD execution {execution} (commit {commit}), as handed over");
    }
    let Some(stage) = gate else {
        if json {
            return Ok(print_json(&board));
        }
        print_table(&board);
        return Ok(ExitCode::SUCCESS);
    };
    let unverified_columns: Vec<&str> = unverified.iter().map(String::as_str).collect();
    let blockers = gate_of(&board, stage, &unverified_columns);
    for column in unverified {
        eprintln!("warning: {column} was not verified (--unverified {column})");
    }
    if json {
        print_json(&GateReport {
            gate: stage,
            ready: blockers.is_empty(),
            blockers: &blockers,
            unverified,
            cicd_passed,
        });
    } else {
        for blocker in &blockers {
            println!(
                "✗ {}  {}  ->  {}",
                blocker.extension,
                visible(&blocker.reason),
                blocker.command
            );
        }
        let gated = board
            .iter()
            .filter(|s| s.maturity == crate::config::Maturity::Prod)
            .count();
        if blockers.is_empty() {
            println!(
                "ready for {stage}: {gated} prod extension(s); alpha extensions are not gated"
            );
        } else {
            println!(
                "not ready for {stage}: {} blocker(s) over {gated} prod extension(s)",
                blockers.len()
            );
        }
    }
    Ok(if blockers.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The board as aligned columns, each cell coloured by its state on a terminal.
fn print_table(board: &[ExtensionStatus]) {
    const HEADER: [&str; 7] = [
        "EXTENSION",
        "MATURITY",
        "CHECKS",
        "SANDBOX",
        "CICD",
        "BETA",
        "PROD",
    ];
    const CELL_CHARS: usize = 48;
    let colour = colour_enabled();
    let mut any_cut = false;
    let cells: Vec<Vec<(String, Option<&Standing>)>> = board
        .iter()
        .map(|status| {
            let mut row = vec![
                (status.extension.clone(), None),
                (status.maturity.to_string(), None),
            ];
            for standing in [
                &status.checks,
                &status.sandbox,
                &status.cicd,
                &status.beta,
                &status.prod,
            ] {
                let (cell, cut) = one_line(&standing.text(), CELL_CHARS);
                any_cut |= cut;
                row.push((visible(&cell).into_owned(), Some(standing)));
            }
            row
        })
        .collect();
    let widths: Vec<usize> = (0..HEADER.len())
        .map(|column| {
            cells
                .iter()
                .map(|row| row[column].0.chars().count())
                .chain([HEADER[column].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line: Vec<String> = HEADER
        .iter()
        .zip(&widths)
        .map(|(header, width)| format!("{header:<width$}"))
        .collect();
    println!("{}", line.join("  ").trim_end());
    for row in cells {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|((text, standing), width)| {
                let padded = format!("{text:<width$}");
                match standing {
                    Some(standing) => paint(&padded, standing.state.category(), colour),
                    None => padded,
                }
            })
            .collect();
        println!("{}", line.join("  ").trim_end());
    }
    if any_cut {
        println!("(cells show their first line: `regship status --json` gives the whole text)");
    }
}
