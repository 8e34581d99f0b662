//! `regship validate|generate|submit|test EXTENSION`: the real CloudFormation CLI in the
//! extension's folder with the stage's profile and region passed explicitly, output streamed,
//! Ctrl-C cancelling the whole process group, a log kept; `test` after a preflight.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Serialize;

use super::cloud::{block_on, connect};
use super::{UsageError, load_workspace, print_json};
use crate::app::CfnVerb;
use crate::checks::{Severity, check_extensions};
use crate::cli::{AwsArgs, CfnArgs};
use crate::cloud::aws::AwsCloud;
use crate::cloud::guard::AccountGuard;
use crate::config::Stage;
use crate::config::user::Paths;
use crate::jobs::contract_tests::Summary;
use crate::jobs::{JobEnd, JobEvent, JobSpec};
use crate::workspace::{Extension, Workspace};

/// Options of a cfn job beyond the command itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CfnOptions {
    /// submit: make the new version the default.
    pub set_default: bool,
    /// test: run without the preflight.
    pub skip_preflight: bool,
}

/// Whether the command calls AWS (and so takes a profile and region).
fn calls_aws(verb: CfnVerb) -> bool {
    matches!(verb, CfnVerb::Submit | CfnVerb::Test)
}

/// cfn's arguments: the command, the stage's region and profile passed explicitly (cfn test
/// ignores the profile's region otherwise), then `extra` (for test: pytest's, verbose by default).
pub fn cfn_args(
    verb: CfnVerb,
    aws: Option<(&str, Option<&str>)>,
    set_default: bool,
    extra: &[String],
) -> Vec<String> {
    let mut args = vec![verb.name().to_string()];
    if let Some((region, profile)) = aws {
        args.extend(["--region".to_string(), region.to_string()]);
        if let Some(profile) = profile {
            args.extend(["--profile".to_string(), profile.to_string()]);
        }
    }
    if verb == CfnVerb::Submit && set_default {
        args.push("--set-default".into());
    }
    if !extra.is_empty() {
        args.push("--".into());
        args.extend(extra.iter().cloned());
    } else if verb == CfnVerb::Test {
        args.extend(["--".to_string(), "-v".to_string(), "-ra".to_string()]);
    }
    args
}

/// The job spec of a cfn command in the extension's folder; pytest gets a wide terminal so
/// that it keeps failure messages whole.
pub fn cfn_job(
    root: &Path,
    extension: &Extension,
    args: Vec<String>,
    log_file: Option<PathBuf>,
) -> JobSpec {
    JobSpec {
        program: cfn_program(root),
        args,
        dir: extension.dir.clone(),
        env: vec![("COLUMNS".to_string(), "1000".to_string())],
        log_file,
    }
}

/// Refuses a submit outside the sandbox or in another account than the sandbox's.
pub async fn authorize_submit(cloud: &AwsCloud, read_only: bool) -> Result<(), String> {
    if cloud.context.stage != Stage::Sandbox {
        return Err(format!(
            "submit goes to the sandbox's private registry; {} publishes through its own process",
            cloud.context.stage
        ));
    }
    let caller = cloud.identity().await.map_err(|e| e.with_hint())?;
    AccountGuard { read_only }
        .check_account(&cloud.context, &caller, "submit to the private registry")
        .map(|_| ())
        .map_err(|refusal| format!("{refusal}\nhint: {}", refusal.hint))
}

/// The cfn program: `REGSHIP_CFN`, else the workspace's `.venv/bin/cfn`, else `cfn` on PATH.
pub fn cfn_program(root: &Path) -> String {
    if let Ok(program) = std::env::var("REGSHIP_CFN") {
        return program;
    }
    let local = root.join(".venv/bin/cfn");
    if local.is_file() {
        local.display().to_string()
    } else {
        "cfn".to_string()
    }
}

/// The pip packages that bring the CloudFormation CLI and the extension's language plugin.
fn install_hint(extension: &Extension) -> String {
    let plugin = match extension.language().unwrap_or("python") {
        language if language.starts_with("python") => " cloudformation-cli-python-plugin",
        language if language.starts_with("java") => " cloudformation-cli-java-plugin",
        "go" => " cloudformation-cli-go-plugin",
        "typescript" => " cloudformation-cli-typescript-plugin",
        _ => "",
    };
    format!("pip install cloudformation-cli{plugin}")
}

/// Why `cfn test` would run with useless values, or nothing when it would not.
pub async fn preflight(
    workspace: &Workspace,
    extension: &Extension,
    cloud: &AwsCloud,
) -> Vec<String> {
    let mut problems: Vec<String> = check_extensions(workspace, |e| e.folder == extension.folder)
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error
                && (f.code.starts_with("INP")
                    || f.code.starts_with("SET")
                    || f.code.starts_with("LAY"))
        })
        .map(|f| format!("{}: {} ({})", f.location(), f.message, f.code))
        .collect();
    let region = cloud.region();
    let stage = cloud.context.stage;
    if !extension.setup.is_empty() {
        let stack = extension.setup_stack_name();
        match cloud.describe_stack(&stack).await {
            Ok(None) => problems.push(format!("{stack} is not deployed in {stage} {region}: run `regship setup deploy {} --stage {stage}`", extension.folder)),
            Ok(Some(found)) if !matches!(found.status.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE") => {
                problems.push(format!("{stack} is {} in {stage} {region}: it must be CREATE_COMPLETE or UPDATE_COMPLETE", found.status));
            }
            Ok(Some(_)) => {}
            Err(error) => problems.push(format!("the setup stack could not be read: {}", error.with_hint())),
        }
    }
    let references = extension.export_references();
    if !references.is_empty() {
        match cloud.list_exports().await {
            Ok(exports) => {
                let mut missing: Vec<String> = references
                    .iter()
                    .map(|(_, name)| name.clone())
                    .filter(|name| !exports.iter().any(|e| &e.name == name))
                    .collect();
                missing.dedup();
                for name in missing {
                    problems.push(format!("{{{{{name}}}}} is not an export in {stage} {region}: cfn test would ignore the inputs that use it"));
                }
            }
            Err(error) => problems.push(format!(
                "the exports could not be read: {}",
                error.with_hint()
            )),
        }
    }
    problems
}

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
    options: CfnOptions,
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
                authorize_submit(&cloud, aws.read_only)
                    .await
                    .map_err(UsageError)?;
            }
            if verb == CfnVerb::Test {
                if options.skip_preflight {
                    eprintln!(
                        "preflight skipped: the inputs, the setup stack and the exports were not checked; cfn test may silently use useless values"
                    );
                } else {
                    let problems = preflight(&workspace, &extension, &cloud).await;
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
            context = Some((cloud.region(), cloud.context.profile.clone()));
        }
        let command = cfn_args(
            verb,
            context
                .as_ref()
                .map(|(region, profile)| (region.as_str(), profile.as_deref())),
            options.set_default,
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
        let handle = crate::jobs::spawn(spec, events);
        let mut summary = Summary::default();
        let end = loop {
            tokio::select! {
                event = received.recv() => match event {
                    Some(JobEvent::Line(line)) => {
                        summary.line(&line);
                        if !json {
                            println!("{line}");
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
                Err(error) => eprintln!(
                    "the registration could not be confirmed: {}",
                    error.with_hint()
                ),
            }
        }
        Ok(match exit_code {
            Some(0) => ExitCode::SUCCESS,
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
