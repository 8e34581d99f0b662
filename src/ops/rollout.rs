//! A prod rollout's plan: the regions that passed the preflight (the others refused, or skipped
//! when asked, each with its reason), the prod kit's buckets and roles from its stack's outputs,
//! each region made ready (the document current there, the setup template staged in its
//! artifact bucket), and the StartAutomationExecution request that runs the publish document
//! in every region.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Serialize;

use super::handler_role::setup_stack;
use super::preflight::{CheckState, Preflight};
use crate::cloud::guard::Authorization;
use crate::cloud::{Canary, DocumentChange, RolloutRequest, Stack, StageRegions, canary_document};
use crate::workspace::Extension;

/// The publish document's name in the prod account.
pub const DOCUMENT: &str = "regship-publish-extension";
/// The publish document's file in the repository (the one copy).
pub const DOCUMENT_FILE: &str = "release/publish-extension.yml";
/// The canary document's file: the publish document in one region first, then in the others.
pub const CANARY_DOCUMENT_FILE: &str = "release/publish-canary.yml";
/// The stack of `release/prod.yml` when `accounts.prod.kit_stack` does not say.
pub const KIT_STACK: &str = "regship-prod";

/// What the prod kit's stack provides.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Kit {
    pub package_bucket: String,
    pub test_log_bucket: String,
    pub log_role_arn: String,
    pub log_group: String,
    pub execution_role_name: String,
    pub execution_role_arn: String,
    /// The role each region's setup stack runs as.
    pub setup_stack_role_arn: String,
}

/// The kit from the outputs of `stack` (release/prod.yml's); the missing outputs are named.
pub fn kit_from(stack: &Stack) -> Result<Kit, String> {
    let mut missing = Vec::new();
    let mut output = |key: &str| {
        stack
            .outputs
            .iter()
            .find(|o| o.key == key)
            .map(|o| o.value.clone())
            .unwrap_or_else(|| {
                missing.push(key.to_string());
                String::new()
            })
    };
    let kit = Kit {
        package_bucket: output("HandlerPackageBucket"),
        test_log_bucket: output("TestLogBucket"),
        log_role_arn: output("LogDeliveryRoleArn"),
        log_group: output("LogGroupName"),
        execution_role_name: output("AutomationExecutionRoleName"),
        execution_role_arn: output("AutomationExecutionRoleArn"),
        setup_stack_role_arn: output("SetupStackRoleArn"),
    };
    if missing.is_empty() {
        Ok(kit)
    } else {
        Err(format!(
            "the stack {} has no output {}: deploy the current release/prod.yml",
            stack.name,
            missing.join(", ")
        ))
    }
}

/// The rollout's regions and knobs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutPlan {
    pub extension: String,
    pub type_name: String,
    pub version: Option<String>,
    /// Where it publishes.
    pub regions: Vec<String>,
    /// Regions that failed the preflight and were skipped as asked: (region, why).
    pub skipped: Vec<(String, String)>,
    pub concurrency: u32,
    pub max_errors: u32,
    /// The region that publishes first, alone (the others only once it did).
    pub canary: Option<String>,
}

/// Why a region is not ready: its failed checks' details.
fn why(row: &super::preflight::PreflightRow) -> String {
    [&row.publisher, &row.role, &row.version]
        .iter()
        .filter(|check| check.state != CheckState::Pass)
        .map(|check| check.detail.clone())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The plan from the preflight: `only` narrows the regions (each must be a publishing region);
/// a region that is not ready refuses the rollout unless `skip_unready`.
pub fn plan(
    preflight: &Preflight,
    only: &[String],
    skip_unready: bool,
    concurrency: u32,
    max_errors: u32,
) -> Result<RolloutPlan, String> {
    let unknown: Vec<&String> = only
        .iter()
        .filter(|region| !preflight.regions.iter().any(|row| &row.region == *region))
        .collect();
    if !unknown.is_empty() {
        return Err(format!(
            "not a publishing region: {} (`regship regions` lists them and why)",
            unknown
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let chosen = preflight
        .regions
        .iter()
        .filter(|row| only.is_empty() || only.contains(&row.region));
    let (ready, unready): (Vec<_>, Vec<_>) = chosen.partition(|row| row.ready);
    if !unready.is_empty() && !skip_unready {
        let reasons: Vec<String> = unready
            .iter()
            .map(|row| format!("  {}: {}", row.region, why(row)))
            .collect();
        return Err(format!(
            "{} region(s) failed the preflight:\n{}\nfix them, or pass --skip-unready to publish to the others",
            unready.len(),
            reasons.join("\n")
        ));
    }
    if ready.is_empty() {
        return Err("no region is ready: nothing to publish".into());
    }
    Ok(RolloutPlan {
        extension: preflight.extension.clone(),
        type_name: preflight.type_name.clone(),
        version: preflight.version.clone(),
        regions: ready.iter().map(|row| row.region.clone()).collect(),
        skipped: unready
            .iter()
            .map(|row| (row.region.clone(), why(row)))
            .collect(),
        concurrency,
        max_errors,
        canary: None,
    })
}

/// `plan` with `region` first, alone: it must be one of the plan's regions, and there must be
/// others to hold back.
pub fn with_canary(mut plan: RolloutPlan, region: &str) -> Result<RolloutPlan, String> {
    if !plan.regions.iter().any(|r| r == region) {
        return Err(format!(
            "the canary region {region} is not among the rollout's regions ({})",
            plan.regions.join(" ")
        ));
    }
    if plan.regions.len() < 2 {
        return Err(format!(
            "--canary needs other regions to hold back; the rollout has only {region}"
        ));
    }
    plan.canary = Some(region.to_string());
    Ok(plan)
}

/// StartAutomationExecution takes one document version for every region, and each region's
/// copy of the document has its own numbers: the rollout runs each region's default version,
/// which `prepare_regions` made the file's content first.
pub const DOCUMENT_VERSION: &str = "$DEFAULT";

/// What `rollout start` made ready before the automation starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Staged {
    /// The handler package's `s3://` URL (one bucket in the home region serves every region).
    pub package_url: String,
    /// The handler role's ARN; `None` for a module.
    pub handler_role_arn: Option<String>,
    /// The setup template's key in every region's artifact bucket; `None` without a setup
    /// template.
    pub setup_template_key: Option<String>,
    /// Private versions kept after a successful run.
    pub keep_versions: u32,
}

/// The StartAutomationExecution request of `plan`, for `account`, with what was staged.
pub fn request(
    plan: &RolloutPlan,
    extension: &Extension,
    kit: &Kit,
    account: &str,
    staged: &Staged,
    publish: bool,
) -> RolloutRequest {
    let mut parameters = vec![
        ("TypeName", plan.type_name.clone()),
        ("Kind", extension.artifact_type().to_string()),
        ("SchemaHandlerPackage", staged.package_url.clone()),
        ("LogRoleArn", kit.log_role_arn.clone()),
        ("LogGroupName", kit.log_group.clone()),
        ("LogDeliveryBucket", kit.test_log_bucket.clone()),
        ("Publish", publish.to_string()),
        ("KeepPrivateVersions", staged.keep_versions.to_string()),
        ("AutomationAssumeRole", kit.execution_role_arn.clone()),
    ];
    if let Some(role) = &staged.handler_role_arn {
        parameters.push(("ExecutionRoleArn", role.clone()));
    }
    if let Some(key) = &staged.setup_template_key {
        parameters.push(("SetupStackName", setup_stack(&plan.type_name)));
        parameters.push(("SetupTemplateKey", key.clone()));
        parameters.push(("SetupStackRoleArn", kit.setup_stack_role_arn.clone()));
    }
    if let Some(version) = &plan.version {
        parameters.push(("PublicVersionNumber", version.clone()));
    }
    RolloutRequest {
        document: DOCUMENT.to_string(),
        document_version: DOCUMENT_VERSION.to_string(),
        parameters: parameters
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect(),
        account: account.to_string(),
        regions: plan.regions.clone(),
        max_concurrency: plan.concurrency,
        max_errors: plan.max_errors,
        execution_role_name: kit.execution_role_name.clone(),
        canary: plan.canary.as_ref().map(|region| Canary {
            document: canary_document(DOCUMENT),
            region: region.clone(),
        }),
    }
}

/// One region made ready for the rollout: the document's default version there and what
/// making it current did, and the setup template's key in its artifact bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionReady {
    pub region: String,
    pub document_version: String,
    /// The SHA-256 of the content that version holds (the file's).
    pub document_sha256: String,
    pub document_change: DocumentChange,
    pub setup_template_key: Option<String>,
}

/// Why regions could not be made ready, each with why: nothing was started.
pub fn not_ready_message(failed: &[(String, String)]) -> String {
    format!(
        "{} region(s) could not be made ready, so nothing was started:\n{}",
        failed.len(),
        failed
            .iter()
            .map(|(region, why)| format!("  {region}: {why}"))
            .collect::<Vec<_>>()
            .join("\n")
    )
}

/// Why a retry did not start.
#[derive(Debug)]
pub enum RetryFailure {
    /// Regions where the document could not be made current (nothing was started).
    NotReady(Vec<(String, String)>),
    /// StartAutomationExecution was refused.
    Refused(crate::cloud::CloudError),
}

impl RetryFailure {
    pub fn message(&self) -> String {
        match self {
            RetryFailure::NotReady(failed) => not_ready_message(failed),
            RetryFailure::Refused(error) => error.with_hint(),
        }
    }
}

/// A retry of `request` (the CLI's `rollout retry` and the TUI's `R`): each region runs its own
/// default version of the document, so `document` (the file) is made the default again where
/// it no longer is, then the request starts from the home region. Each region's document, and
/// the new rollout's id.
pub async fn start_retry(
    stage: &StageRegions,
    authorization: &Authorization,
    request: &RolloutRequest,
    document: &str,
) -> Result<(Vec<RegionReady>, String), RetryFailure> {
    let ready = prepare_regions(
        stage,
        request.regions.clone(),
        authorization,
        document,
        None,
    )
    .await
    .map_err(RetryFailure::NotReady)?;
    let home = stage.home().await.map_err(RetryFailure::Refused)?;
    let id = home
        .start_rollout(authorization, request)
        .await
        .map_err(RetryFailure::Refused)?;
    Ok((ready, id))
}

/// Where one region's copy of the publish document stands against the file (what `--dry-run`
/// shows): its default version, and whether that holds the file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionDocument {
    pub region: String,
    /// `None`: the document does not exist there yet.
    pub default_version: Option<String>,
    /// The SHA-256 of the default version's content.
    pub default_sha256: Option<String>,
    /// Whether the default version holds the file's content (nothing to make current).
    pub current: bool,
}

/// Each of `regions`' copy of the publish document against `document` (the file), read a few
/// regions at a time without changing anything; a region that cannot be read, with why.
pub async fn document_drift(
    stage: &StageRegions,
    regions: Vec<String>,
    document: &str,
) -> Vec<Result<RegionDocument, (String, String)>> {
    let file = Arc::new(document_sha256(document));
    super::regions::in_each_region(
        &stage.connections,
        &stage.home,
        regions,
        move |region, cloud| {
            let file = file.clone();
            async move {
                let cloud = cloud.map_err(|e| (region.clone(), e.with_hint()))?;
                let default = cloud
                    .default_document(DOCUMENT)
                    .await
                    .map_err(|e| (region.clone(), e.with_hint()))?;
                let default_sha256 = default
                    .as_ref()
                    .map(|(_, content)| document_sha256(content));
                Ok(RegionDocument {
                    current: default_sha256.as_deref() == Some(file.as_str()),
                    region,
                    default_version: default.map(|(version, _)| version),
                    default_sha256,
                })
            }
        },
    )
    .await
    .unwrap_or_else(|error| {
        vec![Err((
            stage.home.region.clone().unwrap_or_default(),
            error.with_hint(),
        ))]
    })
}

/// The SHA-256 (hex) of a document's content, as the plan records what each region runs.
pub fn document_sha256(content: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(content.trim_end().as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// The setup template to stage: its path, its name as shown, its text.
pub type SetupSource = (PathBuf, String, String);

/// Makes each of `regions` ready, a few at a time on the prod stage's connection of each
/// region: the document made the file's content (custom documents are regional) and the setup
/// template staged in the region's artifact bucket. Every region ready, or each region that is
/// not with why (then nothing may start).
pub async fn prepare_regions(
    stage: &StageRegions,
    regions: Vec<String>,
    authorization: &Authorization,
    document: &str,
    setup: Option<SetupSource>,
) -> Result<Vec<RegionReady>, Vec<(String, String)>> {
    let shared = Arc::new((authorization.clone(), document.to_string(), setup));
    let answers = super::regions::in_each_region(
        &stage.connections,
        &stage.home,
        regions,
        move |region, cloud| {
            let shared = shared.clone();
            async move {
                let (authorization, document, setup) = &*shared;
                let cloud = cloud.map_err(|e| (region.clone(), e.with_hint()))?;
                let version = cloud
                    .put_automation_document(authorization, DOCUMENT, document)
                    .await
                    .map_err(|e| (region.clone(), e.with_hint()))?;
                let setup_template_key = match setup {
                    None => None,
                    Some((path, display, text)) => Some(
                        super::package::stage_template(
                            cloud.as_ref(),
                            authorization,
                            (path, display, text),
                            "setup",
                        )
                        .await
                        .map_err(|e| (region.clone(), e.with_hint()))?
                        .0,
                    ),
                };
                Ok(RegionReady {
                    region,
                    document_version: version.version,
                    document_sha256: document_sha256(document),
                    document_change: version.change,
                    setup_template_key,
                })
            }
        },
    )
    .await
    .map_err(|error| {
        vec![(
            stage.home.region.clone().unwrap_or_default(),
            error.with_hint(),
        )]
    })?;
    let (ready, failed): (Vec<_>, Vec<_>) = answers.into_iter().partition(Result::is_ok);
    let failed: Vec<(String, String)> = failed.into_iter().filter_map(Result::err).collect();
    if !failed.is_empty() {
        return Err(failed);
    }
    let ready: Vec<RegionReady> = ready.into_iter().filter_map(Result::ok).collect();
    // The key is named from the template and its files, so it is the same in every region.
    let keys: std::collections::BTreeSet<_> =
        ready.iter().map(|r| r.setup_template_key.clone()).collect();
    if keys.len() > 1 {
        return Err(vec![(
            "every region".into(),
            format!("the setup template was staged under different keys: {keys:?}"),
        )]);
    }
    Ok(ready)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::preflight::{Check, PreflightRow};

    fn row(region: &str, publisher_ok: bool) -> PreflightRow {
        let pass = Check {
            state: CheckState::Pass,
            detail: "ok".into(),
        };
        PreflightRow {
            region: region.into(),
            ready: publisher_ok,
            enabled: pass.clone(),
            publisher: if publisher_ok {
                pass.clone()
            } else {
                Check {
                    state: CheckState::Fail,
                    detail: format!("not a verified publisher in {region}"),
                }
            },
            role: pass.clone(),
            version: pass,
        }
    }

    fn matrix() -> Preflight {
        Preflight {
            extension: "resources/A".into(),
            type_name: "X::Y::A".into(),
            version: Some("1.1.0".into()),
            regions: vec![
                row("ap-south-2", false),
                row("eu-west-1", true),
                row("us-east-1", true),
            ],
            excluded: Vec::new(),
            handler_role: Check {
                state: CheckState::Fail,
                detail: "x-prod-role-stack does not exist yet".into(),
            },
        }
    }

    #[test]
    fn an_unready_region_refuses_the_rollout_unless_skipped() {
        let refused = plan(&matrix(), &[], false, 5, 1).unwrap_err();
        assert!(
            refused.contains("ap-south-2: not a verified publisher"),
            "{refused}"
        );
        assert!(refused.contains("--skip-unready"));
        let skipped = plan(&matrix(), &[], true, 5, 1).unwrap();
        assert_eq!(skipped.regions, ["eu-west-1", "us-east-1"]);
        assert_eq!(skipped.skipped[0].0, "ap-south-2");
        let only = plan(&matrix(), &["us-east-1".into()], false, 5, 1).unwrap();
        assert_eq!(only.regions, ["us-east-1"], "the named regions only");
        let unknown = plan(&matrix(), &["mars-1".into()], true, 5, 1).unwrap_err();
        assert!(unknown.contains("not a publishing region: mars-1"));
    }

    #[test]
    fn a_canary_is_one_of_the_regions_and_leaves_others_to_hold_back() {
        let both = plan(&matrix(), &[], true, 5, 1).unwrap();
        let canary = with_canary(both.clone(), "us-east-1").unwrap();
        assert_eq!(canary.canary.as_deref(), Some("us-east-1"));
        let refused = with_canary(both, "ap-south-2").unwrap_err();
        assert!(
            refused.contains("not among the rollout's regions"),
            "{refused}"
        );
        let alone = plan(&matrix(), &["us-east-1".into()], false, 5, 1).unwrap();
        let refused = with_canary(alone, "us-east-1").unwrap_err();
        assert!(refused.contains("needs other regions"), "{refused}");
    }

    #[test]
    fn the_kit_comes_from_the_stack_outputs_and_says_what_is_missing() {
        let output = |key: &str, value: &str| crate::cloud::StackOutput {
            key: key.into(),
            value: value.into(),
            export_name: None,
        };
        let mut stack = Stack {
            stack_id: "id".into(),
            name: "regship-prod".into(),
            status: "CREATE_COMPLETE".into(),
            reason: None,
            outputs: vec![output("HandlerPackageBucket", "packages")],
        };
        let missing = kit_from(&stack).unwrap_err();
        assert!(
            missing.contains("TestLogBucket, LogDeliveryRoleArn"),
            "{missing}"
        );
        stack.outputs.extend([
            output("TestLogBucket", "logs"),
            output("LogDeliveryRoleArn", "arn:log"),
            output("LogGroupName", "/regship/extensions"),
            output(
                "AutomationExecutionRoleName",
                "AWS-SystemsManager-AutomationExecutionRole",
            ),
            output("AutomationExecutionRoleArn", "arn:exec"),
            output("SetupStackRoleArn", "arn:setup"),
        ]);
        let kit = kit_from(&stack).unwrap();
        assert_eq!(kit.package_bucket, "packages");
        assert_eq!(kit.execution_role_arn, "arn:exec");
    }
}
