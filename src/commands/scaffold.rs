//! `regship scaffold inputs|integ`: plan, show the diff, ask before overwriting, write, check.

use std::path::Path;
use std::process::ExitCode;

use super::{UsageError, load_workspace, print_json};
use crate::checks::{Severity, check_extensions};
use crate::cli::{ScaffoldWhat, WriteArgs};
use crate::cloud::guard::Prompt;
use crate::scaffold::{InputsSource, Plan, plan_inputs, plan_integ};

pub fn run(start: &Path, what: &ScaffoldWhat, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let (name, write) = match what {
        ScaffoldWhat::Inputs {
            extension, write, ..
        }
        | ScaffoldWhat::Integ { extension, write } => (extension, write),
    };
    let extension = workspace.find_extension(name).ok_or_else(|| {
        UsageError(format!(
            "no extension `{name}` in {}",
            workspace.root.display()
        ))
    })?;
    let plan = match what {
        ScaffoldWhat::Inputs {
            from_example,
            from_schema,
            with_setup,
            force,
            ..
        } => {
            let source = match (from_example, from_schema) {
                (true, _) => Some(InputsSource::Example),
                (_, true) => Some(InputsSource::Schema),
                _ => None,
            };
            plan_inputs(extension, source, *with_setup, *force)
        }
        ScaffoldWhat::Integ { .. } => plan_integ(extension),
    }
    .map_err(UsageError)?;
    let folder = extension.folder.clone();
    write_plan(
        &workspace.root,
        &folder,
        &plan,
        write,
        json,
        serde_json::Map::new(),
        &mut super::prompt::StdinPrompt,
    )
}

/// Shows the plan, asks before overwriting (default no), writes it, then checks the extension.
pub fn write_plan(
    root: &Path,
    folder: &str,
    plan: &Plan,
    args: &WriteArgs,
    json: bool,
    report: serde_json::Map<String, serde_json::Value>,
    prompt: &mut dyn Prompt,
) -> Result<ExitCode, UsageError> {
    // `--json` prints one object: what happened, with the caller's `report` beside it.
    let print_report = |mut object: serde_json::Value| {
        if let Some(fields) = object.as_object_mut() {
            fields.extend(report.clone());
        }
        print_json(&object)
    };
    let preview = plan.preview();
    if !json {
        if plan.writes.is_empty() {
            println!("nothing to write");
        } else if preview.is_empty() {
            println!("nothing to change: the files already have this content");
        } else {
            print!("{preview}");
        }
        for note in &plan.notes {
            println!("note: {note}");
        }
    }
    if args.dry_run || preview.is_empty() {
        if json {
            return Ok(print_report(
                serde_json::json!({"dry_run": args.dry_run, "diff": preview, "notes": plan.notes}),
            ));
        }
        return Ok(ExitCode::SUCCESS);
    }
    let overwrites = plan.overwrites();
    let confirmed = overwrites.is_empty() || args.yes || {
        let names: Vec<&str> = overwrites.iter().map(|w| w.display.as_str()).collect();
        let answer = prompt.ask(&format!(
            "overwrite {} (the old content is kept in {})? [y/N] ",
            names.join(", "),
            crate::scaffold::backup_dir().display()
        ));
        matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
    };
    let applied = plan.apply(confirmed).map_err(UsageError)?;
    let workspace = crate::workspace::Workspace::load(root);
    let findings = check_extensions(&workspace, |e| e.folder == folder);
    // Judge what was written: findings in those files, or on the inputs folder as a whole.
    let inputs_folder = format!("{folder}/inputs");
    let (errors, others): (Vec<_>, Vec<_>) = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .partition(|f| f.file == inputs_folder || plan.writes.iter().any(|w| w.display == f.file));
    if json {
        print_report(
            serde_json::json!({"applied": applied, "notes": plan.notes, "errors": errors}),
        );
    } else {
        for file in &applied.written {
            println!("wrote {file}");
        }
        for backup in &applied.backups {
            println!("kept the old content in {backup}");
        }
        if !others.is_empty() {
            println!(
                "note: {} other error(s) remain in {folder}; run `regship check {folder}`",
                others.len()
            );
        }
        if errors.is_empty() {
            println!("regship check: no errors in what was written");
        } else {
            for finding in &errors {
                println!(
                    "error[{}] {}: {}\n  hint: {}",
                    finding.code,
                    finding.location(),
                    finding.message,
                    finding.hint
                );
            }
        }
    }
    Ok(if errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
