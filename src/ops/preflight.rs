//! The rollout preflight: before anything starts, per publishing region, what would otherwise
//! fail late in the run: the region is enabled, the account is a verified publisher there, the
//! automation's execution role exists, and the version to publish is newer than the public one.

use std::sync::Arc;

use serde::Serialize;

use super::handler_role;
use super::regions::{self, RegionRow};
use super::versions::semver;
use crate::cloud::context::StageContext;
use crate::cloud::{Cloud, CloudError, Connections};
use crate::config::ProdAccount;
use crate::workspace::Extension;

/// The role each region's automation runs as (the prod kit's, by SSM's convention).
pub const EXECUTION_ROLE: &str = "AWS-SystemsManager-AutomationExecutionRole";

/// How one check of one region ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckState {
    Pass,
    Fail,
    /// The check could not be made (throttled, denied ...): the detail says why.
    Unknown,
}

/// One check: its state and what it found or what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    pub state: CheckState,
    pub detail: String,
}

impl Check {
    fn pass(detail: impl Into<String>) -> Check {
        Check {
            state: CheckState::Pass,
            detail: detail.into(),
        }
    }
    fn fail(detail: impl Into<String>) -> Check {
        Check {
            state: CheckState::Fail,
            detail: detail.into(),
        }
    }
    fn unknown(error: &CloudError) -> Check {
        Check {
            state: CheckState::Unknown,
            detail: error.with_hint(),
        }
    }
}

/// One publishing region's checks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreflightRow {
    pub region: String,
    /// Every check passed.
    pub ready: bool,
    pub enabled: Check,
    pub publisher: Check,
    pub role: Check,
    pub version: Check,
}

/// The matrix of one extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preflight {
    pub extension: String,
    pub type_name: String,
    /// The version asked for; `None`: the next one PublishType picks.
    pub version: Option<String>,
    /// The publishing regions, checked.
    pub regions: Vec<PreflightRow>,
    /// The extension's handler role (one for every region): its stack exists and its trust
    /// admits every publishing region. Not a blocker: `rollout start` deploys it first.
    pub handler_role: Check,
    /// Regions left out before the checks, with the reason.
    pub excluded: Vec<RegionRow>,
}

impl Preflight {
    /// The regions that fail a check (or could not be checked).
    pub fn blocked(&self) -> impl Iterator<Item = &PreflightRow> {
        self.regions.iter().filter(|row| !row.ready)
    }
}

/// Whether `wanted` may be published over `public` (the public version in a region, if any).
fn version_check(wanted: Option<&str>, public: Option<&str>) -> Check {
    match (wanted, public) {
        (None, None) => Check::pass("first publish (1.0.0)"),
        (None, Some(public)) => Check::pass(format!("{public} now; PublishType picks the next")),
        (Some(wanted), None) => Check::pass(format!("first publish of {wanted}")),
        (Some(wanted), Some(public)) => match (semver(wanted), semver(public)) {
            (Some(w), Some(p)) if w > p => Check::pass(format!("{public} -> {wanted}")),
            (Some(_), Some(_)) => Check::fail(format!(
                "{wanted} is not newer than the public {public}: pick a higher --version"
            )),
            _ => Check::fail(format!(
                "{wanted} or {public} is not MAJOR.MINOR.PATCH: pick a --version like 1.4.0"
            )),
        },
    }
}

/// The checks of one region, on its own connection.
async fn check_region(
    cloud: Result<Arc<dyn Cloud>, CloudError>,
    region: RegionRow,
    extension: &Extension,
    version: Option<&str>,
    role: &Check,
) -> PreflightRow {
    let enabled = Check::pass(region.reason.clone());
    let (publisher, version) = match cloud {
        Err(error) => (Check::unknown(&error), Check::unknown(&error)),
        Ok(cloud) => match cloud.describe_publisher().await {
            Err(error) => (Check::unknown(&error), Check::unknown(&error)),
            Ok(found) => {
                let publisher = if found.verified {
                    Check::pass("verified")
                } else {
                    Check::fail(format!(
                        "not a verified publisher in {region}: run `aws cloudformation register-publisher --accept-terms-and-conditions --region {region}`",
                        region = region.region
                    ))
                };
                let public = match &found.id {
                    Some(id) => {
                        cloud
                            .public_version(
                                extension.artifact_type(),
                                extension.type_name().unwrap_or_default(),
                                id,
                            )
                            .await
                    }
                    None => Ok(None),
                };
                let version = match public {
                    Ok(public) => version_check(version, public.as_deref()),
                    Err(error) => Check::unknown(&error),
                };
                (publisher, version)
            }
        },
    };
    let ready = [&enabled, &publisher, role, &version]
        .iter()
        .all(|check| check.state == CheckState::Pass);
    PreflightRow {
        region: region.region,
        ready,
        enabled,
        publisher,
        role: role.clone(),
        version,
    }
}

/// The preflight of `extension` in the prod account of `home`: its publishing regions (as
/// `prod` says), each checked on a connection of its own, a few at a time.
pub async fn preflight(
    connections: &Connections,
    home: &StageContext,
    prod: &ProdAccount,
    extension: &Extension,
    version: Option<&str>,
) -> Result<Preflight, CloudError> {
    let cloud = connections.get(home).await?;
    let facts = regions::facts(cloud.as_ref()).await?;
    let (included, excluded): (Vec<RegionRow>, Vec<RegionRow>) = regions::decide(prod, &facts)
        .into_iter()
        .partition(|row| row.included);
    let role = match cloud.role_exists(EXECUTION_ROLE).await {
        Ok(true) => Check::pass(EXECUTION_ROLE),
        Ok(false) => Check::fail(format!(
            "{EXECUTION_ROLE} does not exist: deploy release/prod.yml in the prod account"
        )),
        Err(error) => Check::unknown(&error),
    };
    let names: Vec<String> = included.iter().map(|row| row.region.clone()).collect();
    let handler_role =
        handler_role_check(cloud.as_ref(), extension, &facts.partition, &names).await;
    let (extension_owned, version_owned) = (extension.clone(), version.map(String::from));
    let reasons: std::collections::HashMap<String, RegionRow> = included
        .into_iter()
        .map(|row| (row.region.clone(), row))
        .collect();
    let reasons = Arc::new(reasons);
    let rows = regions::in_each_region(connections, home, names, move |region, cloud| {
        let (extension, version, role, reasons) = (
            extension_owned.clone(),
            version_owned.clone(),
            role.clone(),
            reasons.clone(),
        );
        async move {
            let row = reasons[&region].clone();
            check_region(cloud, row, &extension, version.as_deref(), &role).await
        }
    })
    .await?;
    Ok(Preflight {
        extension: extension.folder.clone(),
        type_name: extension.type_name().unwrap_or_default().to_string(),
        version: version.map(String::from),
        regions: rows,
        excluded,
        handler_role,
    })
}

/// Whether the handler role's stack exists and its deployed trust admits every one of
/// `regions` (IAM is global: one role serves them all).
async fn handler_role_check(
    cloud: &dyn Cloud,
    extension: &Extension,
    partition: &str,
    regions: &[String],
) -> Check {
    if handler_role::role_template(extension).is_none() {
        return Check::pass("none (a module has no handlers)");
    }
    let stack = handler_role::role_stack(extension.type_name().unwrap_or_default());
    let found = match cloud.describe_stack(&stack).await {
        Ok(found) => found,
        Err(error) => return Check::unknown(&error),
    };
    if found.is_none() {
        return Check::fail(format!(
            "{stack} does not exist yet: `regship rollout start` creates it"
        ));
    }
    let (template, identity) = match (cloud.stack_template(&stack).await, cloud.identity().await) {
        (Ok(template), Ok(identity)) => (template, identity),
        (Err(error), _) | (_, Err(error)) => return Check::unknown(&error),
    };
    match handler_role::regions_not_admitted(
        &template,
        (partition, &identity.account),
        extension,
        regions,
    ) {
        Ok(missing) if missing.is_empty() => Check::pass(format!(
            "{stack}: its trust admits all {} publishing regions",
            regions.len()
        )),
        Ok(missing) => Check::fail(format!(
            "{stack}: its trust does not admit {}: `regship rollout start` deploys it again with a trust for every region",
            missing.join(", ")
        )),
        Err(problem) => Check::fail(format!("{stack}: its template cannot be read: {problem}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_must_be_newer_than_the_public_one() {
        assert_eq!(
            version_check(Some("1.1.0"), Some("1.0.9")).state,
            CheckState::Pass
        );
        assert_eq!(
            version_check(Some("1.0.10"), Some("1.0.9")).state,
            CheckState::Pass
        );
        assert_eq!(
            version_check(Some("1.0.2"), Some("1.0.2")).state,
            CheckState::Fail
        );
        assert_eq!(
            version_check(Some("0.9.0"), Some("1.0.2")).state,
            CheckState::Fail
        );
        assert_eq!(
            version_check(Some("v2"), Some("1.0.2")).state,
            CheckState::Fail
        );
        assert_eq!(version_check(None, None).detail, "first publish (1.0.0)");
        assert_eq!(version_check(Some("1.0.0"), None).state, CheckState::Pass);
    }
}
