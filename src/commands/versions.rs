//! `regship versions`: every extension's public and private versions in each publishing region,
//! with the regions that lag the newest public version or miss the type.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{block_on, cloud_failure};
use super::{UsageError, load_workspace, print_json};
use crate::cli::AwsArgs;
use crate::cloud::Connections;
use crate::cloud::context::StageContext;
use crate::config::Stage;
use crate::ops::versions::{Standing, versions};

pub fn run(
    start: &Path,
    extension: Option<&str>,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extensions = match extension {
        Some(name) => vec![super::setup::extension(&workspace, name)?.clone()],
        None => workspace.extensions.clone(),
    };
    let home = StageContext::new(&workspace.config, Stage::Prod, &aws.overrides());
    block_on(async {
        let found = versions(
            &Connections::aws(),
            &home,
            &workspace.config.accounts.prod,
            &extensions,
        )
        .await
        .map_err(cloud_failure)?;
        if json {
            return Ok(print_json(&found));
        }
        for extension in &found {
            let (current, total) = extension.coverage();
            match &extension.newest {
                Some(newest) => println!(
                    "{} ({}): {current}/{total} regions on {newest}",
                    extension.type_name, extension.maturity
                ),
                None => println!(
                    "{} ({}): not published in any of {total} regions",
                    extension.type_name, extension.maturity
                ),
            }
            for region in &extension.regions {
                let line = match region.standing {
                    Standing::Current => continue,
                    Standing::Lagging => format!(
                        "lagging on {}",
                        region.public.as_deref().unwrap_or_default()
                    ),
                    Standing::Missing => "missing".to_string(),
                    Standing::Unknown => {
                        format!("unknown: {}", region.detail.as_deref().unwrap_or_default())
                    }
                };
                let private = region
                    .private_default
                    .as_deref()
                    .map(|v| format!(" (private default {v})"))
                    .unwrap_or_default();
                println!("  {:15} {line}{private}", region.region);
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
