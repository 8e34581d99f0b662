//! A prod rollout's start, in two steps any front end can take: `plan_start` reads what the start
//! needs and plans it (nothing changes: the dry run stops there), `launch` stages what each region
//! needs (the package, the handler role, the document, the setup template) and starts the one
//! multi-region automation.

use std::path::{Path, PathBuf};

use super::handler_role::{self, role_template};
use super::preflight::preflight;
use super::rollout::{
    CANARY_DOCUMENT_FILE, DOCUMENT, DOCUMENT_FILE, KIT_STACK, Kit, RegionReady, RolloutPlan,
    SetupSource, Staged, document_sha256, kit_from, plan, prepare_regions, request, with_canary,
};
use crate::cloud::context::StageContext;
use crate::cloud::guard::Authorization;
use crate::cloud::{CloudError, Connections, ObjectRef, StageRegions, canary_document};
use crate::workspace::{Extension, Workspace};

/// What the person chose for the rollout.
#[derive(Debug, Clone, Default)]
pub struct Choices {
    /// The public version; `None`: PublishType's next.
    pub version: Option<String>,
    /// Only these publishing regions (empty: all).
    pub regions: Vec<String>,
    pub skip_unready: bool,
    pub concurrency: u32,
    pub max_errors: u32,
    /// A canary region first, alone (empty: the home region).
    pub canary: Option<String>,
}

/// Why a start did not happen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartFailure {
    /// A call failed.
    Cloud(CloudError),
    /// The plan cannot be made: what is wrong and what to do.
    Refused(String),
    /// Regions could not be made ready, each with why: nothing was started.
    NotReady(Vec<(String, String)>),
}

impl From<CloudError> for StartFailure {
    fn from(error: CloudError) -> StartFailure {
        StartFailure::Cloud(error)
    }
}

/// Everything a start stages, planned before anything changes.
#[derive(Debug, Clone)]
pub struct StartPlan {
    pub plan: RolloutPlan,
    /// Regions out before the checks (`regship regions`).
    pub excluded: usize,
    /// The region the rollout starts from.
    pub home_region: String,
    pub kit: Kit,
    /// The handler role's stack and its template (a module has none).
    pub role_stack: Option<String>,
    pub role_template: Option<PathBuf>,
    /// The setup template staged in each region, and the stack made of it there.
    pub setup: Option<SetupSource>,
    pub setup_stack: Option<String>,
    /// The publish document's text and its SHA-256.
    pub document: String,
    pub document_sha256: String,
}

/// Reads the publishing regions, the prod kit and the extension's files, and plans the start.
pub async fn plan_start(
    connections: &Connections,
    home: &StageContext,
    (workspace, extension): (&Workspace, &Extension),
    choices: &Choices,
) -> Result<StartPlan, StartFailure> {
    let prod = &workspace.config.accounts.prod;
    let cloud = connections.get(home).await?;
    let matrix = preflight(
        connections,
        home,
        prod,
        extension,
        choices.version.as_deref(),
    )
    .await?;
    let planned = plan(
        &matrix,
        &choices.regions,
        choices.skip_unready,
        choices.concurrency,
        choices.max_errors,
    )
    .map_err(StartFailure::Refused)?;
    let planned = match choices.canary.as_deref() {
        None => planned,
        Some("") => with_canary(planned, &cloud.region()).map_err(StartFailure::Refused)?,
        Some(region) => with_canary(planned, region).map_err(StartFailure::Refused)?,
    };
    let kit_stack = prod.kit_stack.as_deref().unwrap_or(KIT_STACK);
    let stack = cloud.describe_stack(kit_stack).await?.ok_or_else(|| {
        StartFailure::Refused(format!(
            "the prod kit stack {kit_stack} does not exist in {}\nhint: deploy release/prod.yml as {kit_stack} (or set accounts.prod.kit_stack)",
            cloud.region()
        ))
    })?;
    let kit = kit_from(&stack).map_err(StartFailure::Refused)?;
    let type_name = extension.type_name().unwrap_or_default();
    let role_template = role_template(extension);
    let role_stack = role_template
        .as_ref()
        .map(|_| handler_role::role_stack(type_name));
    let setup: Option<SetupSource> = match extension.setup.first() {
        None => None,
        Some(loaded) => match &loaded.parsed {
            Err(problem) => {
                return Err(StartFailure::Refused(format!(
                    "{} cannot be used: {} (run `regship check`)",
                    loaded.path, problem.message
                )));
            }
            Ok(_) => Some((
                extension.file(&loaded.path),
                loaded.path.clone(),
                loaded.text.clone(),
            )),
        },
    };
    let setup_stack = setup.as_ref().map(|_| handler_role::setup_stack(type_name));
    let document = std::fs::read_to_string(workspace.root.join(DOCUMENT_FILE))
        .map_err(|err| StartFailure::Refused(format!("{DOCUMENT_FILE}: {err}")))?;
    Ok(StartPlan {
        plan: planned,
        excluded: matrix.excluded.len(),
        home_region: cloud.region(),
        kit,
        role_stack,
        role_template,
        setup,
        setup_stack,
        document_sha256: document_sha256(&document),
        document,
    })
}

/// What `launch` staged and started.
#[derive(Debug, Clone)]
pub struct Launched {
    pub execution_id: String,
    pub package_url: String,
    pub handler_role_arn: Option<String>,
    pub regions_ready: Vec<RegionReady>,
}

/// How the extension is published: publicly or only registered and tested, and how many of its
/// private versions each region keeps.
#[derive(Debug, Clone, Copy)]
pub struct Publishing {
    pub publish: bool,
    pub keep_versions: u32,
}

/// Stages everything the planned start needs, then starts it; each step is said to `progress`
/// first.
pub async fn launch(
    stage: &StageRegions,
    authorization: &Authorization,
    (start, root, extension): (&StartPlan, &Path, &Extension),
    (package, publishing): (Vec<u8>, Publishing),
    progress: &mut dyn FnMut(String),
) -> Result<Launched, StartFailure> {
    let cloud = stage.home().await?;
    let planned = &start.plan;
    let key = format!(
        "{}/{}",
        planned.type_name.replace("::", "-").to_ascii_lowercase(),
        crate::workspace::rain::content_key(&package, ".zip")
    );
    let bucket = &start.kit.package_bucket;
    cloud
        .put_object(authorization, ObjectRef { bucket, key: &key }, package)
        .await?;
    let package_url = format!("s3://{bucket}/{key}");
    progress(start.role_stack.as_deref().map_or_else(
        || "no handler role (a module)".to_string(),
        |stack| format!("deploying the handler role ({stack})…"),
    ));
    let handler_role_arn = handler_role::deploy(
        cloud.as_ref(),
        authorization,
        extension,
        std::time::Duration::from_secs(5),
    )
    .await?;
    progress(format!(
        "making {DOCUMENT} current{} in {} region(s)…",
        if start.setup.is_some() {
            " and staging the setup template"
        } else {
            ""
        },
        planned.regions.len()
    ));
    let ready = prepare_regions(
        stage,
        planned.regions.clone(),
        authorization,
        &start.document,
        start.setup.clone(),
    )
    .await
    .map_err(StartFailure::NotReady)?;
    if planned.canary.is_some() {
        // The canary document runs in the home region only; it starts the publish document's
        // runs from there.
        let canary = std::fs::read_to_string(root.join(CANARY_DOCUMENT_FILE))
            .map_err(|err| StartFailure::Refused(format!("{CANARY_DOCUMENT_FILE}: {err}")))?;
        cloud
            .put_automation_document(authorization, &canary_document(DOCUMENT), &canary)
            .await?;
    }
    let staged = Staged {
        package_url: package_url.clone(),
        handler_role_arn: handler_role_arn.clone(),
        setup_template_key: ready.first().and_then(|r| r.setup_template_key.clone()),
        keep_versions: publishing.keep_versions,
    };
    let request = request(
        planned,
        extension,
        &start.kit,
        authorization.account(),
        &staged,
        publishing.publish,
    );
    let execution_id = cloud.start_rollout(authorization, &request).await?;
    Ok(Launched {
        execution_id,
        package_url,
        handler_role_arn,
        regions_ready: ready,
    })
}
