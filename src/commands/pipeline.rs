//! `regship pipeline add|sync`: the pipeline template's build actions, written through the
//! same plan, diff and confirmation as the other scaffolds.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, cloud_failure, connect};
use super::output::clock;
use super::scaffold::write_plan;
use super::{UsageError, load_workspace};
use crate::cli::{AwsArgs, PipelineAction};
use crate::config::Stage;
use crate::scaffold::pipeline::{drift, plan_add};
use crate::workspace::Workspace;
use crate::workspace::pipeline::build_actions;

pub fn run(
    start: &Path,
    action: &PipelineAction,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    match action {
        PipelineAction::Status { stage } => status(&workspace, *stage, aws, json),
        PipelineAction::Add { extension, write } => {
            let found = workspace.find_extension(extension).ok_or_else(|| {
                UsageError(format!(
                    "no extension `{extension}` in {}",
                    workspace.root.display()
                ))
            })?;
            let plan = plan_add(&workspace, &[found]).map_err(UsageError)?;
            write_plan(
                &workspace.root,
                &found.folder,
                &plan,
                write,
                json,
                &mut super::prompt::StdinPrompt,
            )
        }
        PipelineAction::Sync { write } => {
            let all: Vec<_> = workspace.extensions.iter().collect();
            let plan = plan_add(&workspace, &all).map_err(UsageError)?;
            let mut drifted = 0;
            for extension in &all {
                if let Some((missing, extra)) = drift(&workspace, extension)
                    && (!missing.is_empty() || !extra.is_empty())
                {
                    drifted += 1;
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
            let code = write_plan(
                &workspace.root,
                &workspace.config.pipeline_template,
                &plan,
                write,
                json,
                &mut super::prompt::StdinPrompt,
            )?;
            Ok(if drifted > 0 { ExitCode::from(1) } else { code })
        }
    }
}

/// The configured pipeline of a stage (cicd or beta).
fn pipeline_name(workspace: &Workspace, stage: Stage) -> Result<String, UsageError> {
    let accounts = &workspace.config.accounts;
    let name = match stage {
        Stage::Cicd => accounts.cicd.pipeline.clone(),
        Stage::Beta => accounts.beta.pipeline.clone(),
        _ => None,
    };
    name.ok_or_else(|| UsageError(format!("no pipeline for the {stage} stage\nhint: set accounts.{stage}.pipeline in regship.yml (the PipelineName output of release/cicd.yml)")))
}

fn status(
    workspace: &Workspace,
    stage: Stage,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let name = pipeline_name(workspace, stage)?;
    let actions = workspace
        .pipeline
        .as_ref()
        .and_then(|p| p.ok())
        .map(build_actions)
        .unwrap_or_default();
    block_on(async {
        let cloud = connect(&workspace.config, stage, aws).await?;
        let state = cloud.pipeline_state(&name).await.map_err(cloud_failure)?;
        let executions = cloud
            .pipeline_executions(&name, 5)
            .await
            .map_err(cloud_failure)?;
        if json {
            return Ok(super::print_json(
                &serde_json::json!({"state": state, "executions": executions}),
            ));
        }
        println!("{} ({stage} {})", state.name, cloud.region());
        let mut failed = false;
        for stage_state in &state.stages {
            println!(
                "  {} {}",
                stage_state.name,
                stage_state.status.as_deref().unwrap_or("-")
            );
            for action in &stage_state.actions {
                let status = action.status.as_deref().unwrap_or("-");
                failed |= status == "Failed";
                let category = crate::cloud::StatusCategory::of_pipeline(status);
                let extension = actions
                    .iter()
                    .find(|a| a.name == action.name)
                    .map(|a| format!("  ({})", a.path))
                    .unwrap_or_default();
                let changed = action
                    .last_change_ms
                    .map(|ms| format!("  {}", clock(ms)))
                    .unwrap_or_default();
                println!(
                    "    {} {:<32} {:<11}{changed}{extension}",
                    category.symbol(),
                    action.name,
                    status
                );
                if let Some(error) = &action.error {
                    println!("        {error}");
                }
            }
        }
        if !executions.is_empty() {
            println!("latest executions:");
            for execution in &executions {
                let revision = match (&execution.revision, &execution.revision_summary) {
                    (Some(id), Some(summary)) => format!(
                        "{} {}",
                        id.chars().take(7).collect::<String>(),
                        summary.lines().next().unwrap_or_default()
                    ),
                    (Some(id), None) => id.clone(),
                    _ => String::new(),
                };
                let started = execution.start_ms.map(clock).unwrap_or_default();
                println!(
                    "  {:<10} {started}  {}  {revision}",
                    execution.status,
                    execution.trigger.as_deref().unwrap_or("-")
                );
            }
        }
        Ok(if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}
