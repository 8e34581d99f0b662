//! The CLI subcommands: each loads what it needs, prints text or `--json`, and returns an exit code.

pub mod accounts;
pub mod cfn;
pub mod check;
pub mod cloud;
pub mod events;
pub mod exports;
pub mod follow;
pub mod integ;
pub mod list;
pub mod manual;
pub mod output;
pub mod pipeline;
pub mod pipeline_control;
pub mod pipeline_live;
pub mod prompt;
pub mod regions;
pub mod rollout;
pub mod scaffold;
pub mod setup;
pub mod status;
pub mod versions;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::workspace::Workspace;

/// A subcommand's failure that is the user's to fix: printed as `error: ...`, exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// The folder the workspace is found from: `-C DIR`, else the current folder.
pub fn start_dir(workspace: Option<&Path>) -> Result<PathBuf, UsageError> {
    let dir = match workspace {
        Some(dir) => dir.to_path_buf(),
        None => std::env::current_dir()
            .map_err(|err| UsageError(format!("the current folder cannot be read: {err}")))?,
    };
    if !dir.is_dir() {
        return Err(UsageError(format!("{} is not a folder", dir.display())));
    }
    Ok(dir)
}

/// Loads the workspace found from `start`, warning on stderr when regship.yml is unusable.
pub fn load_workspace(start: &Path) -> Workspace {
    let workspace = Workspace::discover(start);
    for err in &workspace.config.problems {
        eprintln!(
            "warning: {err}; its default is used, the rest of the file applies (run `regship check` for details)"
        );
    }
    workspace
}

/// Prints a value as pretty JSON on stdout.
pub fn print_json(value: &impl serde::Serialize) -> ExitCode {
    match serde_json::to_string_pretty(value) {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("error: the result could not be written as JSON: {err}");
            ExitCode::from(2)
        }
    }
}

/// `regship rules`: every check rule's code and summary.
pub fn rules(json: bool) -> ExitCode {
    #[derive(serde::Serialize)]
    struct RuleRow {
        code: &'static str,
        summary: &'static str,
    }
    let rules: Vec<RuleRow> = crate::checks::rules()
        .into_iter()
        .map(|rule| RuleRow {
            code: rule.code,
            summary: rule.summary,
        })
        .collect();
    if json {
        return print_json(&rules);
    }
    for rule in rules {
        println!("{}  {}", rule.code, rule.summary);
    }
    ExitCode::SUCCESS
}

/// `regship info`: the workspace and the user files regship reads and writes.
pub fn info(start: &Path, json: bool) -> ExitCode {
    use crate::config::user::Paths;
    let root = crate::workspace::find_root(start);
    let paths = Paths::platform();
    let describe = |path: Option<PathBuf>| match path {
        Some(path) if path.exists() => format!("{} (present)", path.display()),
        Some(path) => format!("{} (absent: defaults)", path.display()),
        None => "(no home folder: defaults)".to_string(),
    };
    let entries = [
        ("workspace", root.display().to_string()),
        (
            "workspace file",
            describe(Some(root.join(crate::config::WORKSPACE_FILE))),
        ),
        ("config", describe(paths.as_ref().map(Paths::config_file))),
        ("keymap", describe(paths.as_ref().map(Paths::keymap_file))),
        ("theme", describe(paths.as_ref().map(Paths::theme_file))),
        (
            "log",
            paths
                .as_ref()
                .map_or("-".into(), |p| p.log_file().display().to_string()),
        ),
        (
            "job logs",
            paths.as_ref().map_or("-".into(), |p| {
                p.data_dir.join("jobs").display().to_string()
            }),
        ),
    ];
    if json {
        let map: std::collections::BTreeMap<&str, &String> =
            entries.iter().map(|(k, v)| (*k, v)).collect();
        return print_json(&map);
    }
    for (name, value) in &entries {
        println!("{name:<15} {value}");
    }
    ExitCode::SUCCESS
}
