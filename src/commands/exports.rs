//! `regship exports`: the CloudFormation exports of a stage's region.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, cloud_failure, connect};
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::config::Stage;

pub fn run(start: &Path, stage: Stage, aws: &AwsArgs, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let cloud = connect(&workspace.config, stage, aws).await?;
        let exports = cloud.list_exports().await.map_err(cloud_failure)?;
        if json {
            return Ok(print_json(&exports));
        }
        let width = exports
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(4)
            .max(4);
        println!("{:width$}  VALUE", "NAME");
        for export in &exports {
            println!("{:width$}  {}", export.name, export.value);
        }
        if exports.is_empty() {
            println!("(no exports in {} for {stage})", cloud.region());
        }
        Ok(ExitCode::SUCCESS)
    })
}
