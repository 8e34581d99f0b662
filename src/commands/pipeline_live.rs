//! `regship pipeline [status|executions|execution|logs]`: the pipeline as it runs, each build
//! action mapped to its extension, followed live with `--follow`.

use std::process::ExitCode;
use std::time::Duration;

use serde::Serialize;

use super::cloud::{block_on, cloud_failure, connect};
use super::output::{clock, colour_enabled, duration, paint, visible};
use super::{UsageError, print_json};
use crate::cli::{AwsArgs, PipelineOptions};
use crate::cloud::ExecutionRef;
use std::sync::Arc;

use crate::cloud::Cloud;
use crate::cloud::{Build, PipelineExecution, PipelineState, StatusCategory};
use crate::config::Stage;
use crate::ops::pipeline::{pipeline_name, template_build_actions};
use crate::watch::build_log::{BuildLogPoller, BuildLogProblem};
use crate::watch::pipeline::{ActionChange, FollowReport, PipelineWatch, follow_until_done};
use crate::workspace::Workspace;
use crate::workspace::pipeline::BuildAction;

/// What every live pipeline subcommand starts from.
pub struct Live<'a> {
    pub workspace: &'a Workspace,
    pub stage: Stage,
    pub follow: bool,
    pub aws: &'a AwsArgs,
    pub json: bool,
    /// The deployed pipeline's name (regship.yml).
    pub pipeline: String,
    /// The template's build actions, to map actions to extensions.
    pub actions: Vec<BuildAction>,
}

impl<'a> Live<'a> {
    pub fn new(
        workspace: &'a Workspace,
        options: PipelineOptions,
        aws: &'a AwsArgs,
        json: bool,
    ) -> Result<Live<'a>, UsageError> {
        let stage = options.stage;
        let pipeline = pipeline_name(&workspace.config, stage).map_err(cloud_failure)?;
        let actions = template_build_actions(workspace);
        Ok(Live {
            workspace,
            stage,
            follow: options.follow,
            aws,
            json,
            pipeline,
            actions,
        })
    }

    /// The extension folder a build action tests, if the template says.
    fn extension_of(&self, action: &str) -> Option<&str> {
        self.actions
            .iter()
            .find(|a| a.name == action)
            .map(|a| a.path.as_str())
    }

    pub async fn connect(&self) -> Result<Arc<dyn Cloud>, UsageError> {
        connect(&self.workspace.config, self.stage, self.aws).await
    }
}

fn status_cell(status: &str, width: usize, colour: bool) -> String {
    let category = StatusCategory::of_pipeline(status);
    paint(
        &format!("{} {status:<width$}", category.symbol()),
        category,
        colour,
    )
}

fn print_state(live: &Live, state: &PipelineState, region: &str, colour: bool) {
    println!("{} ({} {region})", state.name, live.stage);
    for stage in &state.stages {
        let status = stage.status.as_deref().unwrap_or("-");
        println!(
            "  {} {}",
            stage.name,
            status_cell(status, 0, colour).trim_end()
        );
        for action in &stage.actions {
            let status = action.status.as_deref().unwrap_or("-");
            let extension = live
                .extension_of(&action.name)
                .map(|path| format!("  ({path})"))
                .unwrap_or_default();
            let changed = action
                .last_change_ms
                .map(|ms| format!("  {}", clock(ms)))
                .unwrap_or_default();
            println!(
                "    {} {:<32}{changed}{extension}",
                status_cell(status, 11, colour),
                visible(&action.name),
            );
            if let Some(build) = &action.external_id {
                println!("        build {build}");
            }
            if let Some(error) = &action.error {
                println!("        {}", visible(error));
            }
        }
    }
}

fn print_executions(executions: &[PipelineExecution], colour: bool) {
    for execution in executions {
        println!(
            "  {} {}  {:>7}  {:<22} {:<36}  {}",
            status_cell(&execution.status, 10, colour),
            execution.start_ms.map(clock).unwrap_or_default(),
            duration(execution.start_ms, execution.last_update_ms),
            execution.trigger.as_deref().unwrap_or("-"),
            execution.id,
            execution.short_revision()
        );
    }
}

/// One followed transition as a line.
fn change_line(live: &Live, change: &ActionChange, colour: bool) -> String {
    let action = &change.action;
    let status = action.status.as_deref().unwrap_or("-");
    let mut line = format!(
        "{}  {} {}/{}",
        action.last_change_ms.map(clock).unwrap_or_default(),
        status_cell(status, 11, colour),
        change.stage,
        action.name
    );
    if let Some(path) = live.extension_of(&action.name) {
        line.push_str(&format!("  ({path})"));
    }
    if let Some(error) = &action.error {
        line.push_str(&format!("\n        {error}"));
    }
    line
}

#[derive(Serialize)]
struct ChangeRecord<'a> {
    stage: &'a str,
    extension: Option<&'a str>,
    #[serde(flatten)]
    action: &'a crate::cloud::PipelineActionState,
}

/// The state now; with `--follow`, every change until the running execution ends.
pub fn status(live: &Live) -> Result<ExitCode, UsageError> {
    let colour = !live.json && colour_enabled();
    block_on(async {
        let cloud = live.connect().await?;
        let state = cloud
            .pipeline_state(&live.pipeline)
            .await
            .map_err(cloud_failure)?;
        let executions = cloud
            .pipeline_executions(&live.pipeline, 5)
            .await
            .map_err(cloud_failure)?;
        let mut watch = PipelineWatch::default();
        watch.update(&state);
        if live.json {
            let snapshot = serde_json::json!({"state": state, "executions": executions});
            if !live.follow {
                return Ok(print_json(&snapshot));
            }
            println!("{snapshot}");
        } else {
            print_state(live, &state, &cloud.region(), colour);
            if !executions.is_empty() {
                println!("latest executions:");
                print_executions(&executions, colour);
            }
        }
        if !live.follow {
            return Ok(exit_code(!state.has_failed()));
        }
        if !state.is_running() {
            eprintln!("nothing runs now; waiting for an execution to start (Ctrl-C to stop)");
        }
        follow_state(live, cloud.as_ref(), watch, state.poll_interval(), colour).await
    })
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Prints each transition until the running execution ends; Ctrl-C stops following.
async fn follow_state(
    live: &Live<'_>,
    cloud: &dyn Cloud,
    mut watch: PipelineWatch,
    delay: Duration,
    colour: bool,
) -> Result<ExitCode, UsageError> {
    let print = |report: FollowReport| match report {
        FollowReport::Changed(change) if live.json => {
            let record = ChangeRecord {
                stage: &change.stage,
                extension: live.extension_of(&change.action.name),
                action: &change.action,
            };
            println!("{}", serde_json::to_string(&record).unwrap_or_default());
        }
        FollowReport::Changed(change) => println!("{}", change_line(live, &change, colour)),
        FollowReport::Retrying {
            error,
            attempt,
            delay,
        } => eprintln!(
            "{} (attempt {attempt}); retrying in {:.1}s",
            error.message,
            delay.as_secs_f64()
        ),
    };
    let followed = follow_until_done(
        || cloud.pipeline_state(&live.pipeline),
        &mut watch,
        delay,
        print,
    );
    let success = tokio::select! {
        outcome = followed => outcome.map_err(cloud_failure)?,
        _ = tokio::signal::ctrl_c() => {
            eprintln!("stopped following; the pipeline goes on in AWS");
            return Ok(ExitCode::from(130));
        }
    };
    if !live.json {
        let verdict = if success { "Succeeded" } else { "Failed" };
        println!(
            "{}: {}",
            live.pipeline,
            status_cell(verdict, 0, colour).trim_end()
        );
    }
    Ok(exit_code(success))
}

/// The execution history.
pub fn executions(live: &Live, max: i32) -> Result<ExitCode, UsageError> {
    block_on(async {
        let cloud = live.connect().await?;
        let executions = cloud
            .pipeline_executions(&live.pipeline, max)
            .await
            .map_err(cloud_failure)?;
        if live.json {
            return Ok(print_json(&executions));
        }
        if executions.is_empty() {
            println!("{} has not run yet", live.pipeline);
        } else {
            print_executions(&executions, colour_enabled());
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// One execution and every action it ran.
pub fn execution(live: &Live, id: &str) -> Result<ExitCode, UsageError> {
    let colour = !live.json && colour_enabled();
    block_on(async {
        let cloud = live.connect().await?;
        let execution = cloud
            .pipeline_execution(ExecutionRef {
                pipeline: &live.pipeline,
                execution_id: id,
            })
            .await
            .map_err(cloud_failure)?;
        let actions = cloud
            .action_executions(ExecutionRef {
                pipeline: &live.pipeline,
                execution_id: id,
            })
            .await
            .map_err(cloud_failure)?;
        if live.json {
            return Ok(print_json(
                &serde_json::json!({"execution": execution, "actions": actions}),
            ));
        }
        println!(
            "{} {}  {}  {}",
            execution.id,
            status_cell(&execution.status, 0, colour).trim_end(),
            execution.trigger.as_deref().unwrap_or("-"),
            execution.short_revision()
        );
        for action in &actions {
            let extension = live
                .extension_of(&action.action)
                .map(|path| format!("  ({path})"))
                .unwrap_or_default();
            println!(
                "  {} {} {:>7}  {}/{}{extension}",
                status_cell(&action.status, 10, colour),
                action.start_ms.map(clock).unwrap_or_default(),
                duration(action.start_ms, action.last_update_ms),
                action.stage,
                action.action,
            );
            if let Some(build) = &action.external_id {
                println!("        build {build}");
            }
            if let Some(error) = &action.error {
                println!("        {}", visible(error));
            }
        }
        Ok(exit_code(execution.status != "Failed"))
    })
}

/// The build of an extension's action: GetPipeline names its CodeBuild project, whose newest
/// build is the one shown.
async fn latest_build(live: &Live<'_>, cloud: &dyn Cloud, name: &str) -> Result<Build, UsageError> {
    let extension = live.workspace.find_extension(name).ok_or_else(|| {
        UsageError(format!(
            "no extension `{name}` in {}",
            live.workspace.root.display()
        ))
    })?;
    let action = live
        .actions
        .iter()
        .find(|a| a.tests_folder(&extension.folder))
        .ok_or_else(|| {
            UsageError(format!(
                "{} has no build action in {}\nhint: regship pipeline add {}",
                extension.folder, live.workspace.config.pipeline_template, extension.folder
            ))
        })?;
    let projects = cloud
        .pipeline_build_projects(&live.pipeline)
        .await
        .map_err(cloud_failure)?;
    let project = projects
        .iter()
        .find(|(deployed, _)| *deployed == action.name)
        .map(|(_, project)| project)
        .ok_or_else(|| {
            UsageError(format!(
                "the deployed pipeline {} has no action {}\nhint: deploy {} again to the {} account",
                live.pipeline, action.name, live.workspace.config.pipeline_template, live.stage
            ))
        })?;
    let id = cloud
        .latest_build_id(project)
        .await
        .map_err(cloud_failure)?
        .ok_or_else(|| {
            UsageError(format!(
                "{project} has not built yet\nhint: regship pipeline start --stage {}",
                live.stage
            ))
        })?;
    cloud.build(&id).await.map_err(cloud_failure)
}

fn print_build(build: &Build) {
    let phase = build
        .current_phase
        .as_deref()
        .map(|p| format!(", phase {p}"))
        .unwrap_or_default();
    eprintln!(
        "build {} {}{phase} {}",
        build.id,
        build.status,
        duration(build.start_ms, build.end_ms)
    );
    for failed in build
        .phases
        .iter()
        .filter(|p| matches!(p.status.as_deref(), Some(s) if s != "SUCCEEDED"))
    {
        eprintln!(
            "  {} {}: {}",
            failed.name,
            failed.status.as_deref().unwrap_or_default(),
            failed.context.join("; ")
        );
    }
}

/// The latest build log of an extension; `--follow` reads on until the build ends.
pub fn logs(live: &Live, extension: &str, lines: i32) -> Result<ExitCode, UsageError> {
    block_on(async {
        let cloud = live.connect().await?;
        let mut build = latest_build(live, cloud.as_ref(), extension).await?;
        if build.log.is_none() {
            return Err(UsageError(format!(
                "build {} has no CloudWatch log\nhint: enable CloudWatch Logs in the project's LogsConfig",
                build.id
            )));
        }
        if !live.json {
            print_build(&build);
        }
        let mut poller = BuildLogPoller::new(cloud, &build.id, lines);
        loop {
            let report = poller.poll().await;
            for line in &report.lines {
                if live.json {
                    println!("{}", serde_json::to_string(line).unwrap_or_default());
                } else {
                    println!("{}", visible(&line.message));
                }
            }
            build = report.build.unwrap_or(build);
            match report.problem {
                Some(BuildLogProblem::Failed(error)) => return Err(cloud_failure(error)),
                Some(BuildLogProblem::Retrying { error, attempt }) => {
                    eprintln!("{} (attempt {attempt}); retrying", error.message);
                }
                Some(BuildLogProblem::WaitingForLog) | None => {}
            }
            if !live.follow || report.finished {
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(report.delay) => {}
                _ = tokio::signal::ctrl_c() => {
                    eprintln!("stopped following; the build goes on in AWS");
                    return Ok(ExitCode::from(130));
                }
            }
        }
        if live.follow && !live.json {
            print_build(&build);
        }
        Ok(exit_code(matches!(
            build.status.as_str(),
            "SUCCEEDED" | "IN_PROGRESS"
        )))
    })
}
