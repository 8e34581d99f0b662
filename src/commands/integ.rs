//! `regship integ`: one extension's beta integration run, its stacks' events as lines (JSON
//! lines with `--json`), and its result (class, reasons, whether it blocks) at the end.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use super::cloud::{authorize, block_on, connect};
use super::output::{colour_enabled, event_line, visible};
use super::{UsageError, load_workspace};
use crate::cli::{AwsArgs, CfnArgs};
use crate::cloud::StackEvent;
use crate::cloud::guard::AccountGuard;
use crate::cloud::integ_stacks::is_keep_stack;
use crate::config::Stage;
use crate::ops::cfn::{CfnOptions, CfnVerb};
use crate::ops::integ::{self, IntegObserver, IntegResult};
use crate::workspace::Extension;

/// Prints a run as it goes: lines on stderr, events on stdout (JSON lines with `--json`);
/// with `--all`, each text line starts with its extension (`[S3_Thing] `).
struct Printer {
    prefix: String,
    json: bool,
    colour: bool,
    /// The stacks every run of this command has operations on or left to delete.
    in_flight: InFlight,
}

/// Stacks that an interrupted command would leave as they are, shared by its runs.
type InFlight = Arc<std::sync::Mutex<std::collections::BTreeSet<String>>>;

impl IntegObserver for Printer {
    fn line(&mut self, text: &str) {
        eprintln!("{}{}", self.prefix, visible(text));
    }

    fn event(&mut self, event: &StackEvent) {
        if self.json {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
        } else {
            println!("{}{}", self.prefix, event_line(event, self.colour));
        }
    }

    fn in_flight(&mut self, stack: &str, started: bool) {
        let mut stacks = self.in_flight.lock().unwrap_or_else(|p| p.into_inner());
        if started {
            stacks.insert(stack.to_string());
        } else {
            stacks.remove(stack);
        }
    }
}

/// What Ctrl-C leaves: the stacks as they are (CloudFormation goes on), and who removes them.
fn interrupted(in_flight: &InFlight) {
    let stacks = in_flight.lock().unwrap_or_else(|p| p.into_inner());
    if stacks.is_empty() {
        eprintln!("stopped: no stack of this run was started or left behind");
        return;
    }
    eprintln!("stopped: these stacks stay as they are (CloudFormation finishes what it started):");
    for stack in stacks.iter() {
        let what = if is_keep_stack(stack) {
            "the long-lived copy, kept on purpose; the next run updates it"
        } else {
            "a fresh copy: the next `regship integ` of its extension deletes it first"
        };
        eprintln!("  {}  ({what})", visible(stack));
    }
    eprintln!("nothing of this run was recorded: the board keeps the previous result");
}

fn print_result(result: &IntegResult, json: bool) {
    if json {
        println!("{}", serde_json::to_string(result).unwrap_or_default());
        return;
    }
    let verdict = if result.allowed {
        format!("{} — allowed (alpha)", result.class.describe())
    } else {
        result.class.describe().to_string()
    };
    println!(
        "{}: {verdict}{} in {:.0}s (version {})",
        result.extension,
        if result.blocks {
            ", blocks the release"
        } else {
            ""
        },
        result.duration_ms as f64 / 1000.0,
        result.version.as_deref().unwrap_or("unknown")
    );
    for reason in &result.reasons {
        println!("  {}", visible(reason));
    }
}

/// Which extensions a run covers.
pub enum Which {
    One(String),
    All { concurrency: usize },
}

/// The summary table of `--all`: one row per extension.
fn print_summary(results: &[IntegResult]) {
    let width = results
        .iter()
        .map(|r| r.extension.len())
        .max()
        .unwrap_or(9)
        .max(9);
    println!(
        "{:width$}  {:<7}  {:<34}  {:>6}  BLOCKS",
        "EXTENSION", "VERSION", "RESULT", "TIME"
    );
    for result in results {
        let class = if result.allowed {
            format!("{} (allowed: alpha)", result.class.describe())
        } else {
            result.class.describe().to_string()
        };
        println!(
            "{:width$}  {:<7}  {:<34}  {:>5.0}s  {}",
            result.extension,
            result.version.as_deref().unwrap_or("-"),
            class,
            result.duration_ms as f64 / 1000.0,
            if result.blocks { "yes" } else { "no" }
        );
    }
}

pub fn run(
    start: &Path,
    which: Which,
    stage: Stage,
    submit: bool,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    if !matches!(stage, Stage::Beta | Stage::Sandbox) {
        return Err(UsageError(format!(
            "integration runs belong to beta (or a sandbox), not {stage}: prod publishes through its own process, and cicd runs the contract tests"
        )));
    }
    let workspace = load_workspace(start);
    let (extensions, concurrency): (Vec<&Extension>, usize) = match &which {
        Which::One(name) => (vec![super::setup::extension(&workspace, name)?], 1),
        Which::All { concurrency } => (workspace.extensions.iter().collect(), *concurrency),
    };
    if extensions.is_empty() {
        return Err(UsageError(format!(
            "no extension in {}: nothing to test",
            workspace.root.display()
        )));
    }
    if submit {
        for extension in &extensions {
            let args = CfnArgs {
                extension: extension.folder.clone(),
                stage,
                extra: Vec::new(),
            };
            let options = CfnOptions {
                set_default: true,
                ..CfnOptions::default()
            };
            let code = super::cfn::run(start, CfnVerb::Submit, options, &args, aws, json)?;
            if code != ExitCode::SUCCESS {
                eprintln!(
                    "{}: the submit failed, so its integration run does not start",
                    extension.folder
                );
                return Ok(code);
            }
        }
    }
    let guard = AccountGuard {
        read_only: aws.read_only,
    };
    let single = matches!(which, Which::One(_));
    block_on(async {
        let cloud = connect(&workspace.config, stage, aws).await?;
        let authorization = authorize(cloud.as_ref(), guard, "run integration tests").await?;
        let colour = !json && colour_enabled();
        let limit = Arc::new(tokio::sync::Semaphore::new(concurrency));
        let pacer = Arc::new(integ::Pacer::default());
        let in_flight = InFlight::default();
        let mut tasks = tokio::task::JoinSet::new();
        for (index, extension) in extensions.into_iter().enumerate() {
            let (cloud, authorization, extension) =
                (cloud.clone(), authorization.clone(), extension.clone());
            let (limit, pacer, in_flight) = (limit.clone(), pacer.clone(), in_flight.clone());
            tasks.spawn(async move {
                let _permit = limit.acquire_owned().await;
                let run_id = format!("{}{index}", integ::new_run_id(pacer.now_ms()));
                let mut printer = Printer {
                    prefix: if single {
                        String::new()
                    } else {
                        format!("[{}] ", extension.folder_name())
                    },
                    json,
                    colour,
                    in_flight,
                };
                let result = integ::run(
                    &cloud,
                    &pacer,
                    &authorization,
                    &extension,
                    &run_id,
                    &mut printer,
                )
                .await;
                (index, result)
            });
        }
        let mut results = Vec::new();
        loop {
            tokio::select! {
                joined = tasks.join_next() => match joined {
                    Some(Ok(done)) => results.push(done),
                    Some(Err(err)) => eprintln!("an integration run stopped unexpectedly: {err}"),
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => {
                    tasks.abort_all();
                    interrupted(&in_flight);
                    return Ok(ExitCode::from(130));
                }
            }
        }
        results.sort_by_key(|(index, _)| *index);
        let results: Vec<IntegResult> = results.into_iter().map(|(_, r)| r).collect();
        for result in &results {
            if let Err(err) = integ::record(&integ::history_file(), result) {
                eprintln!(
                    "warning: the result could not be kept in {}: {err}",
                    integ::history_file().display()
                );
            }
        }
        if single || json {
            for result in &results {
                print_result(result, json);
            }
        } else {
            for result in results.iter().filter(|r| !r.reasons.is_empty()) {
                print_result(result, false);
            }
            print_summary(&results);
        }
        Ok(if results.iter().any(|r| r.blocks) {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}
