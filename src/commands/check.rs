//! `regship check`: run every rule and print findings with their fix hints.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::output::visible;
use super::{UsageError, load_workspace, print_json};
use crate::checks::{Finding, Severity, check_extensions, count, rules};
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

/// A code that fires on this many extensions or more is summarised in the text output.
const MANY_EXTENSIONS: usize = 5;
/// How many findings of a summarised code are still shown in full.
const SHOWN_OF_MANY: usize = 3;

/// The report as text: one block per finding, a line per code that fires on many extensions
/// (its first findings are shown, the rest counted), then a summary line. JSON has them all.
pub fn render_text(report: &CheckReport) -> String {
    let mut extensions_by_code: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for finding in &report.findings {
        if let Some(folder) = &finding.extension {
            extensions_by_code
                .entry(finding.code)
                .or_default()
                .insert(folder);
        }
    }
    let summarised: BTreeMap<&str, usize> = extensions_by_code
        .iter()
        .filter(|(_, folders)| folders.len() >= MANY_EXTENSIONS)
        .map(|(code, folders)| (*code, folders.len()))
        .collect();
    let mut shown: BTreeMap<&str, usize> = BTreeMap::new();
    let mut text = String::new();
    for finding in &report.findings {
        if summarised.contains_key(finding.code) {
            let count = shown.entry(finding.code).or_default();
            *count += 1;
            if *count > SHOWN_OF_MANY {
                continue;
            }
        }
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
    let all_rules = rules();
    for (code, extensions) in &summarised {
        let total = report.findings.iter().filter(|f| f.code == *code).count();
        let summary = all_rules
            .iter()
            .find(|rule| rule.code == *code)
            .map_or("", |rule| rule.summary);
        let _ = writeln!(
            text,
            "{code} ({summary}) on {extensions} extensions: {} more not shown (`--json` lists all). Not how this repository works? `rules: {{{code}: off}}` (or warning) in regship.yml",
            total.saturating_sub(SHOWN_OF_MANY)
        );
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
