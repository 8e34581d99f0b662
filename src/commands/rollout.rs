//! `regship rollout preflight`: before a prod rollout, each publishing region checked for what
//! would otherwise fail late (enabled, verified publisher, execution role, a newer version).

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, cloud_failure};
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::cloud::Connections;
use crate::cloud::context::StageContext;
use crate::config::{Maturity, Stage};
use crate::ops::preflight::{Check, CheckState, preflight};

fn mark(check: &Check) -> &'static str {
    match check.state {
        CheckState::Pass => "✓",
        CheckState::Fail => "✗",
        CheckState::Unknown => "?",
    }
}

/// Prints the matrix; exit 1 when a region is not ready (the rollout would leave it out).
pub fn preflight_command(
    start: &Path,
    name: &str,
    version: Option<&str>,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = super::setup::extension(&workspace, name)?;
    let home = StageContext::new(&workspace.config, Stage::Prod, &aws.overrides());
    block_on(async {
        let matrix = preflight(
            &Connections::aws(),
            &home,
            &workspace.config.accounts.prod,
            extension,
            version,
        )
        .await
        .map_err(cloud_failure)?;
        let blocked = matrix.blocked().count();
        let code = if blocked == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        };
        if json {
            print_json(&matrix);
            return Ok(code);
        }
        if extension.maturity == Maturity::Alpha {
            println!(
                "{}: alpha — a rollout leaves it out unless asked (--include-alpha)",
                extension.folder
            );
        }
        let width = matrix
            .regions
            .iter()
            .map(|r| r.region.len())
            .max()
            .unwrap_or(6)
            .max(6);
        println!("{:width$}  ENABLED  PUBLISHER  ROLE  VERSION", "REGION");
        for row in &matrix.regions {
            println!(
                "{:width$}  {:7}  {:9}  {:4}  {} {}",
                row.region,
                mark(&row.enabled),
                mark(&row.publisher),
                mark(&row.role),
                mark(&row.version),
                row.version.detail
            );
        }
        for row in matrix.blocked() {
            for (what, check) in [
                ("publisher", &row.publisher),
                ("role", &row.role),
                ("version", &row.version),
            ] {
                if check.state != CheckState::Pass {
                    println!("{} {what}: {}", row.region, check.detail);
                }
            }
        }
        println!(
            "{} of {} regions ready for {} ({} left out before the checks: `regship regions` says why)",
            matrix.regions.len() - blocked,
            matrix.regions.len(),
            matrix.type_name,
            matrix.excluded.len()
        );
        Ok(code)
    })
}
