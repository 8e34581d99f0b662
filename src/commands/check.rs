//! `regship check`: run every rule and print findings with their fix hints.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::output::visible;
use super::{UsageError, load_workspace, print_json};
use crate::checks::{Finding, Severity, check_extensions, count};
use crate::workspace::Workspace;

/// What `regship check --json` prints.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub root: String,
    pub extensions_checked: usize,
    pub errors: usize,
    pub warnings: usize,
    pub findings: Vec<Finding>,
}

/// Checks the extensions under `paths` (all when empty) of the workspace found from `start`.
pub fn report(start: &Path, paths: &[PathBuf]) -> Result<CheckReport, UsageError> {
    let mut absolute = Vec::new();
    for path in paths {
        if !path.exists() {
            return Err(UsageError(format!("{} does not exist", path.display())));
        }
        absolute.push(
            std::path::absolute(path)
                .map_err(|err| UsageError(format!("{}: {err}", path.display())))?,
        );
    }
    let workspace: Workspace = load_workspace(absolute.first().map_or(start, PathBuf::as_path));
    let selected = |dir: &Path| {
        absolute.is_empty()
            || absolute
                .iter()
                .any(|path| dir.starts_with(path) || path.starts_with(dir))
    };
    if !absolute.is_empty() && !workspace.extensions.iter().any(|e| selected(&e.dir)) {
        let named: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(UsageError(format!(
            "{} holds no extension project of the workspace at {} (a folder with .rpdk-config under {}): `regship list` shows them",
            named.join(", "),
            workspace.root.display(),
            workspace.config.search_dirs().join(", ")
        )));
    }
    let findings = check_extensions(&workspace, |extension| selected(&extension.dir));
    let (errors, warnings) = count(&findings);
    Ok(CheckReport {
        root: workspace.root.display().to_string(),
        extensions_checked: workspace
            .extensions
            .iter()
            .filter(|e| selected(&e.dir))
            .count(),
        errors,
        warnings,
        findings,
    })
}

/// The report as text: one block per finding, then a summary line.
pub fn render_text(report: &CheckReport) -> String {
    let mut text = String::new();
    for finding in &report.findings {
        let _ = writeln!(
            text,
            "{}[{}] {}: {}",
            finding.severity,
            finding.code,
            finding.location(),
            finding.message
        );
        if !finding.hint.is_empty() {
            let _ = writeln!(text, "  hint: {}", finding.hint);
        }
    }
    let infos = report
        .findings
        .iter()
        .filter(|f| f.severity == Severity::Info)
        .count();
    let _ = writeln!(
        text,
        "{} error(s), {} warning(s), {infos} note(s) in {} extension(s)",
        report.errors, report.warnings, report.extensions_checked
    );
    text
}

pub fn run(start: &Path, paths: &[PathBuf], json: bool) -> Result<ExitCode, UsageError> {
    let report = report(start, paths)?;
    if json {
        print_json(&report);
    } else {
        print!("{}", visible(&render_text(&report)));
    }
    Ok(if report.errors > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
