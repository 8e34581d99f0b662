//! `regship regions`: the prod account's publishing regions, each in or out with the reason.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, cloud_failure, connect};
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::config::Stage;
use crate::ops::regions;

pub fn run(start: &Path, aws: &AwsArgs, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let cloud = connect(&workspace.config, Stage::Prod, aws).await?;
        let facts = regions::facts(cloud.as_ref())
            .await
            .map_err(cloud_failure)?;
        let rows = regions::decide(&workspace.config.accounts.prod, &facts);
        if json {
            return Ok(print_json(&rows));
        }
        let width = rows
            .iter()
            .map(|r| r.region.len())
            .max()
            .unwrap_or(6)
            .max(6);
        println!("{:width$}  IN   WHY", "REGION");
        for row in &rows {
            let mark = if row.included { "yes" } else { "no " };
            println!("{:width$}  {mark}  {}", row.region, row.reason);
        }
        let included = rows.iter().filter(|r| r.included).count();
        println!(
            "{included} of {} regions are published to (the {} partition, from {})",
            rows.len(),
            facts.partition,
            cloud.region()
        );
        Ok(ExitCode::SUCCESS)
    })
}
