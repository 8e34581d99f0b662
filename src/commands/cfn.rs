//! `regship validate|generate|submit|test EXTENSION`: the real CloudFormation CLI in the
//! extension's folder with the stage's profile and region passed explicitly, output streamed,
//! Ctrl-C cancelling the whole process group, a log kept; `test` after a preflight.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::cloud::{block_on, connect};
use super::output::visible;
use super::{UsageError, load_workspace, print_json};
use crate::cli::{AwsArgs, CfnArgs};
use crate::cloud::guard::AccountGuard;
use crate::config::user::Paths;
use crate::jobs::contract_tests::Summary;
use crate::jobs::{JobEnd, JobEvent};
use crate::ops::cfn::{
    CfnOptions, CfnVerb, authorize_submit, calls_aws, cfn_args, cfn_job, install_hint, preflight,
    submit_role,
};
use crate::ops::journal::append_line;
use crate::ops::status::{TestRun, test_history_file};

/// What `--json` prints after a cfn job.
#[derive(Debug, Serialize)]
struct JobReport {
    command: Vec<String>,
    exit_code: Option<i32>,
    log: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contract_tests: Option<Summary>,
}

pub fn run(
    start: &Path,
    verb: CfnVerb,
    mut options: CfnOptions,
    args: &CfnArgs,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = workspace
        .find_extension(&args.extension)
        .ok_or_else(|| {
            UsageError(format!(
                "no extension `{}` in {}",
                args.extension,
                workspace.root.display()
            ))
        })?
        .clone();
    block_on(async {
        let mut context = None;
        if calls_aws(verb) {
            let cloud = connect(&workspace.config, args.stage, aws).await?;
            if verb == CfnVerb::Submit {
                let authorization = authorize_submit(
                    cloud.as_ref(),
                    AccountGuard {
                        read_only: aws.read_only,
                    },
                )
                .await
                .map_err(UsageError)?;
                options.role_arn = submit_role(cloud.as_ref(), &authorization, &extension)
                    .await
                    .map_err(|err| UsageError(err.with_hint()))?;
                if let Some(role) = &options.role_arn {
                    eprintln!("handler role: {role} (the beta kit's boundary)");
                }
            }
            if verb == CfnVerb::Test {
                if options.skip_preflight {
                    eprintln!(
                        "preflight skipped: the inputs, the setup stack and the exports were not checked; cfn test may silently use useless values"
                    );
                } else {
                    let problems = preflight(&workspace, &extension, cloud.as_ref()).await;
                    if !problems.is_empty() {
                        let list: Vec<String> =
                            problems.iter().map(|p| format!("  - {p}")).collect();
                        return Err(UsageError(format!(
                            "preflight refused to run cfn test:\n{}\nhint: fix these, or pass --skip-preflight",
                            list.join("\n")
                        )));
                    }
                    eprintln!(
                        "preflight: inputs pass the checks, the setup stack is complete, every export exists"
                    );
                }
            }
            context = Some((cloud.region(), cloud.context().profile.clone()));
        }
        let command = cfn_args(
            verb,
            context
                .as_ref()
                .map(|(region, profile)| (region.as_str(), profile.as_deref())),
            &options,
            &args.extra,
        );
        let log: Option<PathBuf> = Paths::platform().map(|paths| {
            let stamp = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            paths.data_dir.join("jobs").join(format!(
                "{stamp}-{}-{}.log",
                verb.name(),
                extension.folder_name()
            ))
        });
        let spec = cfn_job(&workspace.root, &extension, command.clone(), log.clone());
        if !json {
            eprintln!("$ cfn {}   (in {})", command.join(" "), extension.folder);
        }
        let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
        let started_ms = crate::cloud::clock::Clock::real().now_ms();
        let handle = crate::jobs::spawn(spec, events);
        let mut summary = Summary::default();
        let end = loop {
            tokio::select! {
                event = received.recv() => match event {
                    Some(JobEvent::Line(line)) => {
                        summary.line(&line);
                        if !json {
                            println!("{}", visible(&line));
                        }
                    }
                    Some(JobEvent::Ended(end)) => break end,
                    None => break JobEnd::Killed,
                },
                _ = tokio::signal::ctrl_c() => {
                    if let Some(handle) = handle {
                        handle.cancel();
                    }
                    eprintln!("cancelling cfn {}…", verb.name());
                }
            }
        };
        let exit_code = match &end {
            JobEnd::Exited(code) => Some(*code),
            JobEnd::Killed => None,
            JobEnd::FailedToStart(message) => {
                return Err(UsageError(format!(
                    "{message}\nhint: {} (or set REGSHIP_CFN to the cfn program)",
                    install_hint(&extension)
                )));
            }
        };
        if verb == CfnVerb::Test && exit_code.is_some() {
            let run = TestRun::new(&extension.folder, &summary, exit_code, started_ms);
            if let Err(err) = append_line(&test_history_file(), &run) {
                eprintln!(
                    "warning: the run could not be kept in {} ({err}): the board will not show it",
                    test_history_file().display()
                );
            }
        }
        let contract_tests = (verb == CfnVerb::Test).then_some(summary);
        if json {
            print_json(&JobReport {
                command,
                exit_code,
                log: log.map(|p| p.display().to_string()),
                contract_tests,
            });
        } else {
            if let Some(summary) = &contract_tests {
                print_results(summary);
            }
            match exit_code {
                Some(code) => eprintln!(
                    "cfn {} exited with {code}{}",
                    verb.name(),
                    log.map(|p| format!("; log: {}", p.display()))
                        .unwrap_or_default()
                ),
                None => eprintln!("cfn {} was cancelled", verb.name()),
            }
        }
        // A submit is done once the registry shows it: an unconfirmed one fails the command.
        let mut confirmed = true;
        if let (CfnVerb::Submit, Some(0)) = (verb, exit_code) {
            let cloud = connect(&workspace.config, args.stage, aws).await?;
            let type_name = extension.type_name().unwrap_or_default();
            match cloud.describe_private_type(type_name).await {
                Ok(registered) => eprintln!(
                    "registered in {} {}: {} ({}), default version {}",
                    args.stage,
                    cloud.region(),
                    registered.type_name,
                    if registered.private {
                        "private"
                    } else {
                        "public"
                    },
                    registered.default_version.as_deref().unwrap_or("-")
                ),
                Err(error) => {
                    confirmed = false;
                    eprintln!(
                        "the registration could not be confirmed: {}",
                        error.with_hint()
                    );
                }
            }
        }
        Ok(match exit_code {
            Some(0) if confirmed => ExitCode::SUCCESS,
            Some(0) => ExitCode::from(1),
            Some(code) => ExitCode::from(u8::try_from(code).unwrap_or(1).max(1)),
            None => ExitCode::from(130),
        })
    })
}

fn print_results(summary: &Summary) {
    if summary.tests.is_empty() && !summary.complete {
        return;
    }
    println!(
        "\ncontract tests: {} passed, {} failed, {} skipped{}",
        summary.passed,
        summary.failed,
        summary.skipped,
        if summary.complete {
            ""
        } else {
            " (the run did not finish)"
        }
    );
    for test in &summary.tests {
        let mark = match test.outcome {
            crate::jobs::contract_tests::Outcome::Passed => "✓",
            crate::jobs::contract_tests::Outcome::Skipped => "-",
            _ => "✗",
        };
        println!(
            "  {mark} {}{}",
            test.name,
            test.message
                .as_deref()
                .map(|m| format!(": {m}"))
                .unwrap_or_default()
        );
    }
}
