//! `regship pipeline`: the live pipeline (pipeline_live, pipeline_control) and the template's
//! build actions (add, sync), written through the same plan, diff and confirmation as the other
//! scaffolds.

use std::path::Path;
use std::process::ExitCode;

use super::pipeline_live::{self, Live};
use super::scaffold::write_plan;
use super::{UsageError, load_workspace, pipeline_control};
use crate::cli::{AwsArgs, PipelineAction, PipelineOptions};
use crate::config::Stage;
use crate::jobs::lint::{cfn_lint, new_findings};
use crate::scaffold::Plan;
use crate::scaffold::pipeline::{PipelineKind, drift, plan_add};
use crate::workspace::rain;
use crate::workspace::template::Template;

/// The pipeline template `--stage` names: cicd's contract tests or beta's integration runs.
fn pipeline_kind(stage: Stage) -> Result<PipelineKind, UsageError> {
    match stage {
        Stage::Cicd => Ok(PipelineKind::Cicd),
        Stage::Beta => Ok(PipelineKind::Beta),
        Stage::Sandbox | Stage::Prod => Err(UsageError(format!(
            "the {stage} account has no pipeline template: use --stage cicd or --stage beta"
        ))),
    }
}

/// What CloudFormation gets from the template at `path`: its text with the rain directives
/// resolved (`rain pkg`), and whether the lines are the file's own.
fn as_deployed(path: &Path, text: &str) -> (String, bool) {
    let has_rain = Template::parse(text).is_ok_and(|t| !t.rain_directives().is_empty());
    if !has_rain {
        return (text.to_string(), true);
    }
    match rain::package(path, text, "regship-lint", "us-east-1") {
        Ok(packaged) => (packaged.text, false),
        Err(_) => (text.to_string(), true),
    }
}

/// Notes on what cfn-lint finds in each template the plan changes that it did not find before
/// (both texts linted at once, rain directives resolved), or why it could not lint.
fn lint_changes(plan: &mut Plan) {
    let mut notes = Vec::new();
    for write in plan.writes.iter().filter(|w| w.changes_something()) {
        let (old, _) = as_deployed(&write.path, write.old.as_deref().unwrap_or_default());
        let (new, own_lines) = as_deployed(&write.path, &write.new);
        let (before, after) = std::thread::scope(|scope| {
            let before = scope.spawn(|| cfn_lint(&old));
            let after = cfn_lint(&new);
            (
                before
                    .join()
                    .unwrap_or_else(|_| Err("cfn-lint failed".into())),
                after,
            )
        });
        match (before, after) {
            (Ok(before), Ok(after)) => {
                let added = new_findings(&before, after);
                if added.is_empty() {
                    notes.push(format!(
                        "cfn-lint finds nothing in {} that it did not find before",
                        write.display
                    ));
                }
                notes.extend(added.iter().map(|finding| {
                    let line = if own_lines {
                        format!(" at line {}", finding.line)
                    } else {
                        String::new()
                    };
                    format!(
                        "cfn-lint finds what {} did not have before: {}{line} ({}): {}",
                        write.display, finding.rule, finding.path, finding.message
                    )
                }));
            }
            (Err(why), _) | (_, Err(why)) => notes.push(why),
        }
    }
    plan.notes.extend(notes);
}

pub fn run(
    start: &Path,
    options: PipelineOptions,
    action: Option<&PipelineAction>,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let live = || Live::new(&workspace, options, aws, json);
    let Some(action) = action else {
        return pipeline_live::status(&live()?);
    };
    match action {
        PipelineAction::Status => pipeline_live::status(&live()?),
        PipelineAction::Executions { max } => pipeline_live::executions(&live()?, *max),
        PipelineAction::Execution { id } => pipeline_live::execution(&live()?, id),
        PipelineAction::Logs { extension, lines } => {
            pipeline_live::logs(&live()?, extension, *lines)
        }
        PipelineAction::Start { yes } => pipeline_control::start(&live()?, *yes),
        PipelineAction::Retry {
            pipeline_stage,
            yes,
        } => pipeline_control::retry(&live()?, pipeline_stage.as_deref(), *yes),
        PipelineAction::Stop {
            execution,
            abandon,
            reason,
            yes,
        } => pipeline_control::stop(&live()?, execution.as_deref(), *abandon, reason, *yes),
        PipelineAction::Add { extension, write } => {
            let found = workspace.find_extension(extension).ok_or_else(|| {
                UsageError(format!(
                    "no extension `{extension}` in {}",
                    workspace.root.display()
                ))
            })?;
            let mut plan = plan_add(&workspace, &[found], pipeline_kind(options.stage)?)
                .map_err(UsageError)?;
            lint_changes(&mut plan);
            write_plan(
                &workspace.root,
                &found.folder,
                &plan,
                write,
                json,
                serde_json::Map::new(),
                &mut super::prompt::StdinPrompt,
            )
        }
        PipelineAction::Sync { write } => {
            let all: Vec<_> = workspace.extensions.iter().collect();
            let mut plan =
                plan_add(&workspace, &all, pipeline_kind(options.stage)?).map_err(UsageError)?;
            lint_changes(&mut plan);
            let mut drifted = Vec::new();
            for extension in all.iter().filter(|_| options.stage == Stage::Cicd) {
                if let Some((missing, extra)) = drift(&workspace, extension)
                    && (!missing.is_empty() || !extra.is_empty())
                {
                    drifted.push(serde_json::json!({
                        "extension": extension.folder,
                        "missing": &missing,
                        "extra": &extra,
                    }));
                    eprintln!(
                        "drift: the build role of {} differs from what its schema and setup need",
                        extension.folder
                    );
                    if !missing.is_empty() {
                        eprintln!("  missing: {}", missing.join(", "));
                    }
                    if !extra.is_empty() {
                        eprintln!("  extra:   {}", extra.join(", "));
                    }
                }
            }
            let has_drift = !drifted.is_empty();
            let mut report = serde_json::Map::new();
            report.insert("drift".into(), serde_json::Value::Array(drifted));
            let code = write_plan(
                &workspace.root,
                &workspace.config.pipeline_template,
                &plan,
                write,
                json,
                report,
                &mut super::prompt::StdinPrompt,
            )?;
            Ok(if has_drift { ExitCode::from(1) } else { code })
        }
    }
}
