//! `regship list`: one row per extension with its kind, maturity, tests and findings.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::{load_workspace, print_json};
use crate::checks::{Severity, check_workspace};
use crate::config::Maturity;
use crate::workspace::{ArtifactType, Workspace};

/// One row of `regship list`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ExtensionRow {
    pub folder: String,
    pub type_name: Option<String>,
    pub kind: ArtifactType,
    pub language: Option<String>,
    pub maturity: Maturity,
    pub input_sets: usize,
    pub setup: bool,
    pub integ: bool,
    pub errors: usize,
    pub warnings: usize,
}

pub fn rows(workspace: &Workspace) -> Vec<ExtensionRow> {
    rows_with(workspace, &check_workspace(workspace))
}

/// The rows, counting the given findings.
pub fn rows_with(workspace: &Workspace, findings: &[crate::checks::Finding]) -> Vec<ExtensionRow> {
    workspace
        .extensions
        .iter()
        .map(|extension| {
            let own = |severity| {
                findings
                    .iter()
                    .filter(|f| {
                        f.severity == severity && f.extension.as_deref() == Some(&extension.folder)
                    })
                    .count()
            };
            ExtensionRow {
                folder: extension.folder.clone(),
                type_name: extension.type_name().map(String::from),
                kind: extension.artifact_type(),
                language: extension.language().map(String::from),
                maturity: extension.maturity,
                input_sets: extension.input_set_count(),
                setup: !extension.setup.is_empty(),
                integ: !extension.integ.is_empty(),
                errors: own(Severity::Error),
                warnings: own(Severity::Warning),
            }
        })
        .collect()
}

/// The rows as an aligned table.
pub fn render_text(rows: &[ExtensionRow]) -> String {
    let yes_no = |present: bool| if present { "yes" } else { "no" };
    let table: Vec<[String; 10]> = rows
        .iter()
        .map(|row| {
            [
                row.folder.clone(),
                row.type_name.clone().unwrap_or_else(|| "?".into()),
                row.kind.to_string(),
                row.language.clone().unwrap_or_else(|| "-".into()),
                row.maturity.to_string(),
                row.input_sets.to_string(),
                yes_no(row.setup).into(),
                yes_no(row.integ).into(),
                row.errors.to_string(),
                row.warnings.to_string(),
            ]
        })
        .collect();
    let header = [
        "FOLDER", "TYPE", "KIND", "LANGUAGE", "MATURITY", "INPUTS", "SETUP", "INTEG", "ERRORS",
        "WARNINGS",
    ];
    let mut widths = header.map(str::len);
    for cells in &table {
        for (width, cell) in widths.iter_mut().zip(cells) {
            *width = (*width).max(cell.len());
        }
    }
    let mut text = String::new();
    let mut line = |cells: &[&str]| {
        let padded: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        let _ = writeln!(text, "{}", padded.join("  ").trim_end());
    };
    line(&header);
    for cells in &table {
        line(&cells.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if rows.is_empty() {
        let _ = writeln!(
            text,
            "(no extensions: no .rpdk-config under the extension folders)"
        );
    }
    text
}

pub fn run(start: &Path, json: bool) -> ExitCode {
    let workspace = load_workspace(start);
    let rows = rows(&workspace);
    if json {
        return print_json(&rows);
    }
    print!("{}", render_text(&rows));
    ExitCode::SUCCESS
}
