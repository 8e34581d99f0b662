//! `regship setup deploy|delete EXTENSION`: the contract tests' prerequisites stack, through a
//! change set shown before it runs, then followed live; at the end, which `{{Name}}` resolve.

use std::path::Path;
use std::process::ExitCode;

use serde::Serialize;

use super::cloud::{authorize, block_on, cloud_failure, connect, refusal};
use super::follow::{FollowOptions, follow};
use super::prompt::StdinPrompt;
use super::{UsageError, load_workspace, print_json};
use crate::cli::{AwsArgs, SetupArgs};
use crate::cloud::Stack;
use std::sync::Arc;

use crate::cloud::Cloud;
use crate::cloud::guard::{AccountGuard, Refusal};
use crate::ops::package;
use crate::ops::setup_stack::{self, DeployPlan};
use crate::watch::stack_events::{DEFAULT_HISTORY_CAP, StackEventPoller, Start};
use crate::workspace::{Extension, Workspace};

pub fn extension<'a>(workspace: &'a Workspace, name: &str) -> Result<&'a Extension, UsageError> {
    workspace.find_extension(name).ok_or_else(|| {
        let known: Vec<&str> = workspace
            .extensions
            .iter()
            .map(|e| e.folder.as_str())
            .collect();
        UsageError(format!(
            "no extension `{name}` in {}; known: {}",
            workspace.root.display(),
            known.join(", ")
        ))
    })
}

/// Where a `{{Name}}` reference of the inputs stands after a deploy.
#[derive(Debug, Serialize)]
pub struct ReferenceStatus {
    pub file: String,
    pub name: String,
    pub value: Option<String>,
}

/// The stack's outputs and which references of the inputs resolve in this account and region.
async fn report_outputs(
    cloud: &dyn Cloud,
    extension: &Extension,
    stack: Option<Stack>,
    json: bool,
) -> Result<(), UsageError> {
    let exports = cloud.list_exports().await.map_err(cloud_failure)?;
    let references: Vec<ReferenceStatus> = extension
        .export_references()
        .into_iter()
        .map(|(file, name)| ReferenceStatus {
            value: exports
                .iter()
                .find(|e| e.name == name)
                .map(|e| e.value.clone()),
            file,
            name,
        })
        .collect();
    if json {
        #[derive(Serialize)]
        struct Report<'a> {
            stack: Option<Stack>,
            references: &'a [ReferenceStatus],
        }
        print_json(&Report {
            stack,
            references: &references,
        });
        return Ok(());
    }
    if let Some(stack) = &stack {
        println!("outputs of {}:", stack.name);
        for output in &stack.outputs {
            let export = output
                .export_name
                .as_deref()
                .map(|name| format!("  (export {name})"))
                .unwrap_or_default();
            println!("  {} = {}{export}", output.key, output.value);
        }
    }
    if !references.is_empty() {
        println!(
            "references in inputs/ ({} {}):",
            cloud.context().stage,
            cloud.region()
        );
        for reference in &references {
            match &reference.value {
                Some(value) => println!(
                    "  ✓ {{{{{}}}}} = {value}  ({})",
                    reference.name, reference.file
                ),
                None => println!(
                    "  ✗ {{{{{}}}}} is not exported here: cfn test would ignore {}",
                    reference.name, reference.file
                ),
            }
        }
    }
    Ok(())
}

/// Follows `stack` from after the event `after`; `expected` resources count as pending until they move.
async fn follow_from(
    cloud: Arc<dyn Cloud>,
    stack: &str,
    after: Option<String>,
    expected: Vec<(String, String)>,
    json: bool,
) -> ExitCode {
    let start = after.map_or(Start::Beginning, Start::After);
    let mut poller = StackEventPoller::new(cloud, stack, start, DEFAULT_HISTORY_CAP);
    poller.watch.expect_resources(expected);
    follow(poller, FollowOptions { json, follow: true }).await
}

pub fn deploy(
    start: &Path,
    args: &SetupArgs,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = extension(&workspace, &args.extension)?;
    let Some(setup) = extension.setup.first() else {
        return Err(UsageError(format!(
            "{} has no test/setup.yml to deploy",
            extension.folder
        )));
    };
    if let Err(problem) = &setup.parsed {
        return Err(UsageError(format!(
            "{} cannot be used: {} (run `regship check`)",
            setup.path, problem.message
        )));
    }
    let stack_name = extension.setup_stack_name();
    let guard = AccountGuard {
        read_only: aws.read_only,
    };
    block_on(async {
        let cloud = connect(&workspace.config, args.stage, aws).await?;
        let authorization = authorize(cloud.as_ref(), guard, "deploy setup").await?;
        let deployable = package::deployable(
            cloud.as_ref(),
            &authorization,
            &extension.file(&setup.path),
            &setup.path,
            &setup.text,
        )
        .await
        .map_err(cloud_failure)?;
        for upload in &deployable.uploads {
            eprintln!("{}", upload.describe());
        }
        let plan = setup_stack::plan_deploy(
            cloud.as_ref(),
            &authorization,
            &stack_name,
            &deployable.source,
        )
        .await
        .map_err(cloud_failure)?;
        let DeployPlan::Changes { change_set, create } = plan else {
            eprintln!("no changes: {stack_name} already matches {}", setup.path);
            let stack = cloud
                .describe_stack(&stack_name)
                .await
                .map_err(cloud_failure)?;
            report_outputs(cloud.as_ref(), extension, stack, json).await?;
            return Ok(ExitCode::SUCCESS);
        };
        eprintln!(
            "change set for {stack_name} ({} {}, {}):",
            args.stage,
            cloud.region(),
            if create { "new stack" } else { "update" }
        );
        for change in &change_set.changes {
            let replacement = match change.replacement.as_deref() {
                Some("True") => "  (replacement)",
                Some("Conditional") => "  (may replace)",
                _ => "",
            };
            eprintln!(
                "  {} {:<30} {}{replacement}",
                change.mark(),
                change.logical_id,
                change.resource_type
            );
        }
        let question = format!(
            "Execute this change set on {stack_name} in {} ({})?",
            args.stage,
            authorization.account()
        );
        // The question waits on its own thread, so that Ctrl-C at it cleans up like a "no":
        // the change set (and the empty stack a CREATE made) is deleted before exiting.
        let answer = {
            let (authorization, assume_yes) = (authorization.clone(), args.yes);
            tokio::task::spawn_blocking(move || {
                guard.confirm(&authorization, &question, assume_yes, &mut StdinPrompt)
            })
        };
        let answered = tokio::select! {
            // A Ctrl-C that comes with the end of input is still a Ctrl-C.
            biased;
            _ = tokio::signal::ctrl_c() => {
                eprintln!();
                let cleaned = setup_stack::discard(
                    cloud.as_ref(),
                    &authorization,
                    &change_set.id,
                    &change_set.stack_id,
                )
                .await;
                match cleaned {
                    Ok(()) => eprintln!("interrupted: the change set was deleted; nothing was deployed"),
                    Err(error) => eprintln!(
                        "interrupted; the change set could not be deleted: {}",
                        error.with_hint()
                    ),
                }
                // The question's thread still waits on stdin: leave without waiting for it.
                std::process::exit(130);
            }
            answered = answer => answered.unwrap_or_else(|err| Err(Refusal {
                message: format!("the question failed: {err}"),
                hint: "answer again".into(),
            })),
        };
        if let Err(refused) = answered {
            let _ = setup_stack::discard(
                cloud.as_ref(),
                &authorization,
                &change_set.id,
                &change_set.stack_id,
            )
            .await;
            return Err(refusal(refused, "; nothing was deployed"));
        }
        let after = setup_stack::execute(
            cloud.as_ref(),
            &authorization,
            &change_set.id,
            &change_set.stack_id,
        )
        .await
        .map_err(cloud_failure)?;
        if args.no_wait {
            eprintln!(
                "executing; follow it with: regship events {stack_name} --stage {} --follow",
                args.stage
            );
            return Ok(ExitCode::SUCCESS);
        }
        let expected = change_set
            .changes
            .iter()
            .map(|c| (c.logical_id.clone(), c.resource_type.clone()))
            .collect();
        let code = follow_from(cloud.clone(), &change_set.stack_id, after, expected, json).await;
        if code != ExitCode::SUCCESS {
            return Ok(code);
        }
        let stack = cloud
            .describe_stack(&stack_name)
            .await
            .map_err(cloud_failure)?;
        report_outputs(cloud.as_ref(), extension, stack, json).await?;
        Ok(ExitCode::SUCCESS)
    })
}

pub fn delete(
    start: &Path,
    args: &SetupArgs,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = extension(&workspace, &args.extension)?;
    let stack_name = extension.setup_stack_name();
    let guard = AccountGuard {
        read_only: aws.read_only,
    };
    block_on(async {
        let cloud = connect(&workspace.config, args.stage, aws).await?;
        let authorization = authorize(cloud.as_ref(), guard, "delete setup").await?;
        let Some(stack) = cloud
            .describe_stack(&stack_name)
            .await
            .map_err(cloud_failure)?
        else {
            eprintln!(
                "{stack_name} does not exist in {} {}: nothing to delete",
                args.stage,
                cloud.region()
            );
            return Ok(ExitCode::SUCCESS);
        };
        let question = format!(
            "Delete {stack_name} ({}) in {} ({})?",
            stack.status,
            args.stage,
            authorization.account()
        );
        guard
            .confirm(&authorization, &question, args.yes, &mut StdinPrompt)
            .map_err(|r| refusal(r, "; nothing was deleted"))?;
        let after = setup_stack::delete(cloud.as_ref(), &authorization, &stack.stack_id)
            .await
            .map_err(cloud_failure)?;
        if args.no_wait {
            eprintln!(
                "deleting; follow it with: regship events {} --stage {} --follow",
                stack.stack_id, args.stage
            );
            return Ok(ExitCode::SUCCESS);
        }
        Ok(follow_from(cloud, &stack.stack_id, after, Vec::new(), json).await)
    })
}
