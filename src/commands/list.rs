//! `regship list`: one row per extension with its kind, maturity, tests and findings.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use super::{load_workspace, print_json};
pub use crate::ops::rows::{ExtensionRow, rows, rows_with};

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
    print!("{}", super::output::visible(&render_text(&rows)));
    ExitCode::SUCCESS
}
