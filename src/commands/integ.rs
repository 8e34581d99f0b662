//! `regship integ`: one extension's beta integration run, its stacks' events as lines (JSON
//! lines with `--json`), and its result (class, reasons, whether it blocks) at the end.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{authorize, block_on, connect};
use super::output::{colour_enabled, event_line, visible};
use super::{UsageError, load_workspace};
use crate::cli::AwsArgs;
use crate::cloud::StackEvent;
use crate::cloud::guard::AccountGuard;
use crate::config::Stage;
use crate::ops::integ::{self, IntegObserver, IntegResult};

/// Prints a run as it goes: lines on stderr, events on stdout (JSON lines with `--json`).
struct Printer {
    json: bool,
    colour: bool,
}

impl IntegObserver for Printer {
    fn line(&mut self, text: &str) {
        eprintln!("{}", visible(text));
    }

    fn event(&mut self, event: &StackEvent) {
        if self.json {
            println!("{}", serde_json::to_string(event).unwrap_or_default());
        } else {
            println!("{}", event_line(event, self.colour));
        }
    }
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

pub fn run(
    start: &Path,
    name: &str,
    stage: Stage,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = super::setup::extension(&workspace, name)?;
    let guard = AccountGuard {
        read_only: aws.read_only,
    };
    block_on(async {
        let cloud = connect(&workspace.config, stage, aws).await?;
        let authorization = authorize(cloud.as_ref(), guard, "run integration tests").await?;
        let mut printer = Printer {
            json,
            colour: !json && colour_enabled(),
        };
        let run_id = integ::new_run_id();
        let result = integ::run(&cloud, &authorization, extension, &run_id, &mut printer).await;
        if let Err(err) = integ::record(&result) {
            eprintln!(
                "warning: the result could not be kept in {}: {err}",
                integ::history_file().display()
            );
        }
        print_result(&result, json);
        Ok(if result.blocks {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        })
    })
}
