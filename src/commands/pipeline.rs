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
use crate::scaffold::pipeline::{PipelineKind, drift, plan_add};

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
            let plan = plan_add(&workspace, &[found], pipeline_kind(options.stage)?)
                .map_err(UsageError)?;
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
            let plan =
                plan_add(&workspace, &all, pipeline_kind(options.stage)?).map_err(UsageError)?;
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
