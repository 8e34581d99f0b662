//! `regship rollout preflight` and `start`: before a prod rollout, each publishing region checked
//! for what would otherwise fail late (enabled, verified publisher, execution role, a newer
//! version); then the plan, the typed confirmation, the package, the document and one
//! multi-region automation.

use std::path::Path;
use std::process::ExitCode;

use super::cloud::{authorize, block_on, cloud_failure};
use super::output::visible;
use super::prompt::StdinPrompt;
use super::{UsageError, load_workspace, print_json};
use crate::cli::{AwsArgs, StartOptions};
use crate::cloud::CloudErrorKind;
use crate::cloud::Connections;
use crate::cloud::canary_document;
use crate::cloud::context::StageContext;
use crate::cloud::guard::AccountGuard;
use crate::config::{Maturity, Stage};
use crate::jobs::{JobEnd, JobEvent};
use crate::ops::cfn::{cfn_job, install_hint};
use crate::ops::preflight::{Check, CheckState, preflight};
use crate::ops::rollout::{
    CANARY_DOCUMENT_FILE, DOCUMENT, DOCUMENT_FILE, DOCUMENT_VERSION, RegionDocument, RegionReady,
    RetryFailure, RolloutPlan, document_drift, not_ready_message, start_retry,
};
use crate::ops::rollout_start::{Choices, Publishing, StartFailure, StartPlan, launch, plan_start};
use crate::ops::rollout_watch::{
    RolloutWatch, canary_failed, is_final, newest, read, retry_request, setup_stacks_left, stop,
};
use crate::workspace::Extension;

/// How often `watch` reads the rollout.
const WATCH_EVERY: std::time::Duration = crate::watch::intervals::ROLLOUT;
/// The longest pause after throttling or a dropped connection.
const WATCH_MAX_BACKOFF: std::time::Duration = std::time::Duration::from_secs(120);

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
            "handler role {} {}",
            mark(&matrix.handler_role),
            matrix.handler_role.detail
        );
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

/// The prod gate for one extension (`regship status --gate prod`): refuses the rollout while
/// it names a blocker, unless `skip` (then the blockers are printed and it goes on).
async fn prod_gate(
    connections: &Connections,
    workspace: &crate::workspace::Workspace,
    extension: &crate::workspace::Extension,
    aws: &AwsArgs,
    skip: bool,
) -> Result<(), UsageError> {
    use crate::ops::status::{board, board_rows, gate, read_board};
    let inputs = read_board(connections, workspace, &aws.overrides(), &[Stage::Cicd]).await;
    let rows: Vec<_> = board_rows(workspace)
        .into_iter()
        .filter(|(row, _)| row.folder == extension.folder)
        .collect();
    let now = crate::cloud::clock::Clock::real().now_ms();
    let blockers = gate(&board(&rows, &inputs, now), Stage::Prod, &[]);
    if blockers.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = blockers
        .iter()
        .map(|b| format!("  ✗ {}  ->  {}", visible(&b.reason), b.command))
        .collect();
    if skip {
        eprintln!(
            "warning: the prod gate's blockers, skipped (--skip-gate):
{}",
            lines.join(
                "
"
            )
        );
        return Ok(());
    }
    Err(UsageError(format!(
        "{} is not ready for prod:
{}
hint: fix them (regship status {} shows every stage), or pass --skip-gate",
        extension.folder,
        lines.join(
            "
"
        ),
        extension.folder
    )))
}

/// The report of a started (or planned) rollout.
#[derive(Debug, serde::Serialize)]
struct Started<'a> {
    plan: &'a RolloutPlan,
    dry_run: bool,
    execution_id: Option<String>,
    /// `$DEFAULT`: each region runs its own default version of the document.
    document_version: &'static str,
    /// The SHA-256 of the document file, which each region's default version holds.
    document_sha256: String,
    /// The handler role's stack (none for a module) and the setup stack of each region.
    handler_role_stack: Option<String>,
    setup_stack: Option<String>,
    handler_role_arn: Option<String>,
    /// Each region's document version and setup template key, once made ready.
    regions_ready: Vec<RegionReady>,
    /// With `--dry-run`: each region's default version of the document against the file.
    documents: Vec<RegionDocument>,
    package: Option<String>,
}

/// Builds the handler package with `cfn submit --dry-run` (no AWS call); the zip it wrote.
async fn build_package(
    root: &Path,
    extension: &Extension,
) -> Result<std::path::PathBuf, UsageError> {
    let began = std::time::SystemTime::now();
    let args = vec!["submit".to_string(), "--dry-run".to_string()];
    eprintln!("$ cfn submit --dry-run   (in {})", extension.folder);
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let handle = crate::jobs::spawn(cfn_job(root, extension, args, None), events);
    let end = loop {
        tokio::select! {
            event = received.recv() => match event {
                Some(JobEvent::Line(line)) => eprintln!("{}", visible(&line)),
                Some(JobEvent::Ended(end)) => break end,
                None => break JobEnd::Killed,
            },
            _ = tokio::signal::ctrl_c() => {
                if let Some(handle) = &handle {
                    handle.cancel();
                }
                eprintln!("cancelling cfn submit --dry-run…");
            }
        }
    };
    match end {
        JobEnd::Exited(0) => {}
        JobEnd::Exited(code) => {
            return Err(UsageError(format!(
                "cfn submit --dry-run exited with {code}: nothing was started"
            )));
        }
        JobEnd::Killed => {
            return Err(UsageError(
                "packaging was cancelled: nothing was started".into(),
            ));
        }
        JobEnd::FailedToStart(message) => {
            return Err(UsageError(format!(
                "{message}\nhint: {} (or set REGSHIP_CFN, or pass --package)",
                install_hint(extension)
            )));
        }
    }
    let newest = std::fs::read_dir(&extension.dir)
        .map_err(|err| UsageError(format!("{}: {err}", extension.dir.display())))?
        .filter_map(Result::ok)
        .filter(|entry| entry.path().extension().is_some_and(|e| e == "zip"))
        .filter_map(|entry| Some((entry.metadata().ok()?.modified().ok()?, entry.path())))
        .filter(|(modified, _)| *modified >= began)
        .max_by_key(|(modified, _)| *modified)
        .map(|(_, path)| path);
    newest.ok_or_else(|| {
        UsageError(format!(
            "cfn submit --dry-run wrote no .zip in {}: pass the package with --package",
            extension.folder
        ))
    })
}

/// `rollout start`: the preflight, the plan (printed; `--dry-run` stops there), the typed prod
/// confirmation, then the package uploaded, the document made current and the automation started.
pub fn start_command(
    start: &Path,
    name: &str,
    options: &StartOptions,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let extension = super::setup::extension(&workspace, name)?;
    if extension.maturity == Maturity::Alpha && !options.include_alpha {
        return Err(UsageError(format!(
            "{} is alpha: alpha extensions stay out of prod\nhint: pass --include-alpha to publish it anyway",
            extension.folder
        )));
    }
    let prod = &workspace.config.accounts.prod;
    let home = StageContext {
        record_to: options.record.clone(),
        ..StageContext::new(&workspace.config, Stage::Prod, &aws.overrides())
    };
    let connections = Connections::aws();
    let stage = crate::cloud::StageRegions::new(connections.clone(), home.clone());
    let choices = Choices {
        version: options.version.clone(),
        regions: options.regions.clone(),
        skip_unready: options.skip_unready,
        concurrency: options.concurrency,
        max_errors: options.max_errors,
        canary: options.canary.clone(),
    };
    block_on(async {
        if extension.maturity == Maturity::Prod {
            prod_gate(&connections, &workspace, extension, aws, options.skip_gate).await?;
        }
        let start = plan_start(&connections, &home, (&workspace, extension), &choices)
            .await
            .map_err(start_failure)?;
        let plan = &start.plan;
        if !json {
            print_start_plan(&start, prod, options.publish);
        }
        if options.dry_run {
            // What the start would make current: each region's default against the file.
            let mut documents = Vec::new();
            for read in document_drift(&stage, plan.regions.clone(), &start.document).await {
                match read {
                    Ok(region) => documents.push(region),
                    Err((region, why)) => {
                        eprintln!("  {region}: the document could not be read: {why}")
                    }
                }
            }
            if !json {
                for region in &documents {
                    let state = match (&region.default_version, region.current) {
                        (None, _) => "absent: created at the start".to_string(),
                        (Some(version), true) => format!("version {version} is the file's"),
                        (Some(version), false) => format!(
                            "version {version} differs from the file (sha256 {}): the file's is made the default at the start",
                            region
                                .default_sha256
                                .as_deref()
                                .map_or("?", |sha| &sha[..12.min(sha.len())])
                        ),
                    };
                    println!("  {:15} {DOCUMENT} {state}", region.region);
                }
            }
            if json {
                print_json(&Started {
                    plan,
                    dry_run: true,
                    execution_id: None,
                    document_version: DOCUMENT_VERSION,
                    document_sha256: start.document_sha256.clone(),
                    handler_role_stack: start.role_stack.clone(),
                    setup_stack: start.setup_stack.clone(),
                    handler_role_arn: None,
                    regions_ready: Vec::new(),
                    documents,
                    package: None,
                });
            } else {
                println!("dry run: nothing was changed");
            }
            return Ok(ExitCode::SUCCESS);
        }
        let cloud = stage.home().await.map_err(cloud_failure)?;
        let guard = AccountGuard {
            read_only: aws.read_only,
        };
        let authorization = authorize(cloud.as_ref(), guard, "start a prod rollout").await?;
        guard
            .confirm(
                &authorization,
                &format!(
                    "Publish {} to {} region(s)?",
                    plan.type_name,
                    plan.regions.len()
                ),
                false,
                &mut StdinPrompt,
            )
            .map_err(|refusal| super::cloud::refusal(refusal, ": nothing was started"))?;
        let package = match &options.package {
            Some(path) => path.clone(),
            None => build_package(&workspace.root, extension).await?,
        };
        let bytes = std::fs::read(&package)
            .map_err(|err| UsageError(format!("{}: {err}", package.display())))?;
        let publishing = Publishing {
            publish: options.publish,
            keep_versions: options.keep_versions,
        };
        let launched = launch(
            &stage,
            &authorization,
            (&start, &workspace.root, extension),
            (bytes, publishing),
            &mut |step| eprintln!("{step}"),
        )
        .await
        .map_err(start_failure)?;
        if json {
            print_json(&Started {
                plan,
                dry_run: false,
                execution_id: Some(launched.execution_id),
                document_version: DOCUMENT_VERSION,
                document_sha256: start.document_sha256.clone(),
                handler_role_stack: start.role_stack.clone(),
                setup_stack: start.setup_stack.clone(),
                handler_role_arn: launched.handler_role_arn,
                regions_ready: launched.regions_ready,
                documents: Vec::new(),
                package: Some(launched.package_url),
            });
        } else {
            for region in &launched.regions_ready {
                println!(
                    "  {:15} document version {} ({:?})",
                    region.region, region.document_version, region.document_change
                );
            }
            let canary = plan
                .canary
                .as_ref()
                .map(|region| format!(" ({region} first, the others after it published)"))
                .unwrap_or_default();
            println!(
                "started {}: {DOCUMENT} {DOCUMENT_VERSION} in {} region(s){canary}; package {}{}",
                launched.execution_id,
                plan.regions.len(),
                launched.package_url,
                launched
                    .handler_role_arn
                    .map(|arn| format!("; handlers run as {arn}"))
                    .unwrap_or_default()
            );
            println!("follow it: regship rollout watch {}", launched.execution_id);
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// Why a start did not happen, as the CLI says it.
fn start_failure(failure: StartFailure) -> UsageError {
    match failure {
        StartFailure::Cloud(error) => cloud_failure(error),
        StartFailure::Refused(message) => UsageError(message),
        StartFailure::NotReady(failed) => not_ready(failed),
    }
}

/// The plan of a start, before the confirmation: what goes where, and what runs as whom.
fn print_start_plan(start: &StartPlan, prod: &crate::config::ProdAccount, publish: bool) {
    let plan = &start.plan;
    println!(
        "rollout of {} {} to {} region(s), {} at a time, stopping new regions after {} failure(s):",
        plan.type_name,
        plan.version
            .as_deref()
            .unwrap_or("(PublishType's next version)"),
        plan.regions.len(),
        plan.concurrency,
        plan.max_errors
    );
    println!("  regions: {}", plan.regions.join(" "));
    if let Some(canary) = &plan.canary {
        println!(
            "  canary: {canary} first, alone; the other {} region(s) only once it published ({} from {CANARY_DOCUMENT_FILE}, in {})",
            plan.regions.len() - 1,
            canary_document(DOCUMENT),
            start.home_region
        );
    }
    for (region, why) in &plan.skipped {
        println!("  skipped {region}: {why}");
    }
    println!(
        "  {} region(s) out before the checks (`regship regions`)",
        start.excluded
    );
    println!(
        "  document {DOCUMENT} from {DOCUMENT_FILE} (sha256 {}), made the default version in each of the {} region(s) where it is not (documents are regional), each running its {DOCUMENT_VERSION}; package to s3://{}/; runs as {}{}",
        &start.document_sha256[..12],
        plan.regions.len(),
        start.kit.package_bucket,
        start.kit.execution_role_name,
        if publish {
            "; publishes publicly"
        } else {
            "; registers and tests, no public publish"
        }
    );
    match (&start.role_stack, &start.role_template) {
        (Some(stack), template) => println!(
            "  handler role: stack {stack} in {}, from {} with a trust that admits every region",
            start.home_region,
            template
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ),
        (None, _) => println!("  handler role: none (a module has no handlers)"),
    }
    match &start.setup_stack {
        Some(stack) => println!(
            "  setup stack: {stack} in each region, from {} staged in regship-artifacts-{}-<region>, deleted after the run",
            start
                .setup
                .as_ref()
                .map(|(_, display, _)| display.as_str())
                .unwrap_or_default(),
            prod.account_id
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_else(|| "<account>".into()),
        ),
        None => println!("  setup stack: none (no test/setup template)"),
    }
}

/// The regions `prepare_regions` could not make ready, each with why: nothing was started.
fn not_ready(failed: Vec<(String, String)>) -> UsageError {
    UsageError(not_ready_message(&failed))
}

fn minutes_text(ms: i64) -> String {
    let seconds = ms.max(0) / 1000;
    format!("{}m{:02}s", seconds / 60, seconds % 60)
}

/// `rollout watch`: attaches to the rollout (the newest running one without an id) and prints
/// each region's changes until it ends; exit 1 when a region failed.
pub fn watch_command(
    start: &Path,
    execution: Option<&str>,
    record: Option<std::path::PathBuf>,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    let stage = crate::cloud::StageRegions::new(
        Connections::aws(),
        StageContext {
            record_to: record,
            ..StageContext::new(&workspace.config, Stage::Prod, &aws.overrides())
        },
    );
    block_on(async {
        let cloud = stage.home().await.map_err(cloud_failure)?;
        let id = match execution {
            Some(id) => id.to_string(),
            None => newest(cloud.as_ref(), DOCUMENT)
                .await
                .map_err(cloud_failure)?
                .ok_or_else(|| {
                    UsageError(format!(
                        "no rollout of {DOCUMENT} in {}: start one with `regship rollout start`",
                        cloud.region()
                    ))
                })?,
        };
        if !json {
            eprintln!(
                "watching {id} in {} (Ctrl-C stops watching, not the rollout)",
                cloud.region()
            );
        }
        let mut watch = RolloutWatch::new(&id);
        let mut backoff = WATCH_EVERY;
        loop {
            let changes = match watch.poll(&stage).await {
                Ok(changes) => {
                    backoff = WATCH_EVERY;
                    changes
                }
                Err(error)
                    if error.kind == CloudErrorKind::Throttled
                        || error.kind == CloudErrorKind::Connection =>
                {
                    eprintln!("{} (retrying in {} s)", error.message, backoff.as_secs());
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(WATCH_MAX_BACKOFF);
                    continue;
                }
                Err(error) => return Err(cloud_failure(error)),
            };
            let totals = watch.totals();
            for change in &changes {
                if json {
                    println!("{}", serde_json::to_string(change).unwrap_or_default());
                } else {
                    let step = change.step.as_deref().unwrap_or("-");
                    let failure = change
                        .failure
                        .as_deref()
                        .map(|f| format!(": {f}"))
                        .unwrap_or_default();
                    println!("{:15} {:11} {step}{failure}", change.region, change.status);
                }
            }
            let state = watch.state.as_ref();
            let parent = state.map_or("Pending", |s| s.status.as_str());
            if !changes.is_empty() && !json {
                let now_ms = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_millis() as i64);
                let left = watch
                    .estimate_left_ms(now_ms)
                    .map(|ms| format!(", about {} left", minutes_text(ms)))
                    .unwrap_or_default();
                let never = if totals.not_started > 0 {
                    format!(", {} never started", totals.not_started)
                } else {
                    String::new()
                };
                println!(
                    "-- {parent}: {} succeeded, {} running, {} pending, {} failed{never}{left}",
                    totals.succeeded, totals.running, totals.pending, totals.failed
                );
            }
            if is_final(parent) {
                if json {
                    if let Some(state) = state {
                        println!("{}", serde_json::to_string(state).unwrap_or_default());
                    }
                } else if let Some(why) = state.and_then(canary_failed) {
                    println!(
                        "{id} ended {parent}: {why} (`regship rollout retry {id}` runs the canary first again)"
                    );
                } else if totals.failed + totals.not_started > 0 {
                    println!(
                        "{id} ended {parent}; not published: {} (`regship rollout retry {id}` starts them again)",
                        watch.failed_regions().join(" ")
                    );
                } else {
                    println!("{id} ended {parent}");
                }
                return Ok(if totals.failed + totals.not_started > 0 {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                });
            }
            tokio::time::sleep(WATCH_EVERY).await;
        }
    })
}

/// `rollout list`: the document's rollouts, newest first.
pub fn list_command(start: &Path, aws: &AwsArgs, json: bool) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    block_on(async {
        let cloud = super::cloud::connect(&workspace.config, Stage::Prod, aws).await?;
        let rollouts = cloud.list_rollouts(DOCUMENT).await.map_err(cloud_failure)?;
        if json {
            return Ok(print_json(&rollouts));
        }
        println!("EXECUTION                             STATUS       DOC  STARTED  KIND");
        for rollout in &rollouts {
            println!(
                "{:37} {:12} {:4} {}  {}",
                rollout.execution_id,
                rollout.status,
                rollout.document_version.as_deref().unwrap_or("-"),
                rollout
                    .started_ms
                    .map(crate::ops::format::clock)
                    .unwrap_or_else(|| "-".into()),
                if rollout.canary {
                    "canary first"
                } else {
                    "all at once"
                }
            );
        }
        if rollouts.is_empty() {
            println!("(no rollout of {DOCUMENT} in {})", cloud.region());
        }
        Ok(ExitCode::SUCCESS)
    })
}

/// `rollout stop` and `rollout retry`: through the guard and the typed prod confirmation.
pub fn control_command(
    start: &Path,
    execution: &str,
    retry: bool,
    aws: &AwsArgs,
    json: bool,
) -> Result<ExitCode, UsageError> {
    let workspace = load_workspace(start);
    // One connection per region, the home one first: a retry reuses it in each region.
    let stage = crate::cloud::StageRegions::new(
        Connections::aws(),
        StageContext::new(&workspace.config, Stage::Prod, &aws.overrides()),
    );
    block_on(async {
        let cloud = stage.home().await.map_err(cloud_failure)?;
        let state = read(cloud.as_ref(), execution)
            .await
            .map_err(cloud_failure)?;
        let guard = AccountGuard {
            read_only: aws.read_only,
        };
        if !retry {
            let authorization = authorize(cloud.as_ref(), guard, "stop a prod rollout").await?;
            guard
                .confirm(
                    &authorization,
                    &format!(
                        "Stop {execution} ({})? Running regions are cancelled.",
                        state.status
                    ),
                    false,
                    &mut StdinPrompt,
                )
                .map_err(|refusal| super::cloud::refusal(refusal, ": nothing was stopped"))?;
            stop(cloud.as_ref(), &authorization, execution)
                .await
                .map_err(cloud_failure)?;
            // A stopped automation skips its clean-up: the running regions keep their setup stack.
            let left = setup_stacks_left(&state);
            if json {
                print_json(&serde_json::json!({
                    "stopped": execution,
                    "setup_stacks_left": left
                        .iter()
                        .map(|(region, stack)| serde_json::json!({"region": region, "stack": stack}))
                        .collect::<Vec<_>>(),
                }));
            } else {
                println!("stopped {execution}");
                for (region, stack) in &left {
                    println!(
                        "  {region}: {stack} stays (a stop skips the clean-up); the next rollout replaces it, or: aws cloudformation delete-stack --region {region} --stack-name {stack}"
                    );
                }
            }
            return Ok(ExitCode::SUCCESS);
        }
        let request = retry_request(&state).map_err(UsageError)?;
        let failed = request.regions.clone();
        let authorization = authorize(cloud.as_ref(), guard, "retry a prod rollout").await?;
        guard
            .confirm(
                &authorization,
                &format!(
                    "Start {} again in {} region(s): {}?",
                    state.request.document,
                    failed.len(),
                    failed.join(" ")
                ),
                false,
                &mut StdinPrompt,
            )
            .map_err(|refusal| super::cloud::refusal(refusal, ": nothing was started"))?;
        // Each region runs its own default version of the document: it is made the file's
        // again where it no longer is (the setup template stays staged under the same key).
        let document = std::fs::read_to_string(workspace.root.join(DOCUMENT_FILE))
            .map_err(|err| UsageError(format!("{DOCUMENT_FILE}: {err}")))?;
        let (ready, id) = start_retry(&stage, &authorization, &request, &document)
            .await
            .map_err(|failure| match failure {
                RetryFailure::NotReady(failed) => not_ready(failed),
                RetryFailure::Refused(error) => cloud_failure(error),
            })?;
        if !json {
            for region in ready
                .iter()
                .filter(|r| r.document_change != crate::cloud::DocumentChange::Unchanged)
            {
                println!(
                    "  {}: {DOCUMENT} is the file's again (version {})",
                    region.region, region.document_version
                );
            }
        }
        if json {
            print_json(&serde_json::json!({"execution_id": id, "regions": failed}));
        } else {
            println!(
                "started {id} in {}; `regship rollout watch {id}` follows it",
                failed.join(" ")
            );
        }
        Ok(ExitCode::SUCCESS)
    })
}
