//! The beta account's integration runs: `test/integ.*` created and deleted under a unique,
//! tagged name (stale copies of an interrupted run deleted first), and a long-lived copy
//! (`integ-keep-<folder>`) created once and updated on every run, so that each new version's
//! update handler runs against what older versions created. Each run ends in one class, and
//! the alpha policy says whether it blocks the release.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::package;
pub use super::stack_budget::Pacer;
use crate::cloud::StackTemplate;
use crate::cloud::guard::Authorization;
use crate::cloud::integ_stacks::is_keep_stack;
pub use crate::cloud::integ_stacks::{
    EXTENSION_TAG, KEEP_STACK_PREFIX, REVISION_PARAMETER, ROLE_BOUNDARY_PARAMETER, RUN_TAG,
    fresh_stack_prefix, keep_stack_of,
};
use crate::cloud::status::is_terminal;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, StackEvent, TemplateSource};
use crate::config::{Maturity, Stage};
use crate::watch::heartbeat::Heartbeat;
use crate::watch::stack_events::{
    DEFAULT_HISTORY_CAP, PinnedFailure, PollProblem, StackEventPoller, Start,
};
use crate::workspace::permissions::ROLE_BOUNDARY_POLICY;
use crate::workspace::template::Template;
use crate::workspace::{ArtifactType, Extension, Loaded};

/// How many extensions `integ --all` (and the beta view's `A`) runs at once by default.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Throttling or connection retries a wait takes before it calls the run an infrastructure error.
const MAX_RETRIES: u32 = 5;

/// How a run ended: exactly one of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntegClass {
    Passed,
    /// The long-lived stack's update changed nothing: the update handler did not run.
    UpdateNotExercised,
    /// The long-lived update failed while the fresh create passed.
    CompatibilityBreak,
    /// The fresh (or first long-lived) create failed.
    FunctionalFailure,
    /// A delete failed: the stack and its resources are left.
    CleanupFailure,
    /// Credentials, throttling past the retries, a missing prerequisite: not the extension's fault.
    InfrastructureError,
}

impl IntegClass {
    /// The words a person reads.
    pub fn describe(self) -> &'static str {
        match self {
            IntegClass::Passed => "passed",
            IntegClass::UpdateNotExercised => "update not exercised",
            IntegClass::CompatibilityBreak => "compatibility break",
            IntegClass::FunctionalFailure => "functional failure",
            IntegClass::CleanupFailure => "cleanup failure",
            IntegClass::InfrastructureError => "infrastructure error",
        }
    }

    /// Whether an alpha extension may end this way without failing the release.
    fn allowed_for_alpha(self) -> bool {
        matches!(
            self,
            IntegClass::FunctionalFailure | IntegClass::CompatibilityBreak
        )
    }

    fn is_failure(self) -> bool {
        !matches!(self, IntegClass::Passed | IntegClass::UpdateNotExercised)
    }
}

/// One stack operation of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackRun {
    pub stack: String,
    /// create, update or delete.
    pub operation: &'static str,
    pub status: String,
    pub duration_ms: u64,
    pub failures: Vec<PinnedFailure>,
}

/// What one extension's run did and how it ended (a line of the history file).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IntegResult {
    pub extension: String,
    pub type_name: Option<String>,
    pub maturity: Maturity,
    /// The default version in the account's registry when the run started.
    pub version: Option<String>,
    pub run_id: String,
    pub class: IntegClass,
    /// An alpha extension's failure, reported but not failing the release.
    pub allowed: bool,
    /// Whether this result fails the release.
    pub blocks: bool,
    pub stacks: Vec<StackRun>,
    /// Why it ended as it did, one line each.
    pub reasons: Vec<String>,
    /// Fresh stacks of earlier, interrupted runs that this run deleted.
    pub stale_deleted: Vec<String>,
    pub started_ms: i64,
    pub duration_ms: u64,
}

/// What a run tells the one who watches it.
pub trait IntegObserver: Send {
    /// A line about the run (starting a stack, deleting a stale one ...).
    fn line(&mut self, text: &str);
    /// A stack event, as it arrives.
    fn event(&mut self, event: &StackEvent);
    /// The run started an operation on `stack` (`true`), or its operations there are over
    /// (`false`): what an interrupted run leaves behind.
    fn in_flight(&mut self, _stack: &str, _started: bool) {}
}

/// A run id: the start time (`now_ms`, milliseconds since the epoch) in base 36, short and
/// ordered.
pub fn new_run_id(now_ms: i64) -> String {
    let mut millis = now_ms.max(0) as u128;
    let mut digits = Vec::new();
    while millis > 0 {
        let digit = (millis % 36) as u32;
        digits.push(char::from_digit(digit, 36).unwrap_or('0'));
        millis /= 36;
    }
    digits.iter().rev().collect()
}

/// Where each run's result is kept, one JSON line per run.
pub fn history_file() -> PathBuf {
    crate::config::user::Paths::platform()
        .map(|paths| paths.data_dir.join("integ-history.jsonl"))
        .unwrap_or_else(|| std::env::temp_dir().join("regship-integ-history.jsonl"))
}

/// Appends `result` to the history file at `path` ([`history_file`] but in the demo).
pub fn record(path: &Path, result: &IntegResult) -> std::io::Result<()> {
    super::journal::append_line(path, result)
}

/// What the beta view shows of one past run (a line of the history file, read back).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct PastRun {
    pub extension: String,
    pub version: Option<String>,
    pub run_id: String,
    pub class: IntegClass,
    pub allowed: bool,
    pub blocks: bool,
    pub started_ms: i64,
    pub duration_ms: u64,
    /// Why it failed, whole: each stack's end and its pinned failures (empty when it passed).
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// The runs `text` (the history file) holds, oldest first; a line that is not a run is skipped.
pub fn parse_history(text: &str) -> Vec<PastRun> {
    text.lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect()
}

/// One extension on the beta view: its last run and the classes of the runs before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BetaRow {
    pub extension: String,
    pub maturity: Maturity,
    pub last: Option<PastRun>,
    /// The classes of the last runs, oldest first (at most [`TREND_RUNS`]).
    pub trend: Vec<IntegClass>,
    pub runs: usize,
    /// The long-lived stack's status in beta ([`NO_KEEP_STACK`]), when the account could be read.
    pub keep: Option<String>,
}

/// The long-lived stack's status on the beta view when it does not exist (yet).
pub const NO_KEEP_STACK: &str = "none yet";

/// How many runs the trend shows.
pub const TREND_RUNS: usize = 5;

/// A row per extension (`folders` with their maturity, in order) from the history's runs.
pub fn beta_rows(folders: &[(String, Maturity)], history: &[PastRun]) -> Vec<BetaRow> {
    folders
        .iter()
        .map(|(folder, maturity)| {
            let runs: Vec<&PastRun> = history.iter().filter(|r| &r.extension == folder).collect();
            BetaRow {
                extension: folder.clone(),
                maturity: *maturity,
                last: runs.last().map(|run| (*run).clone()),
                trend: runs
                    .iter()
                    .rev()
                    .take(TREND_RUNS)
                    .rev()
                    .map(|run| run.class)
                    .collect(),
                runs: runs.len(),
                keep: None,
            }
        })
        .collect()
}

/// Why a stack operation could not be followed to its end.
struct WaitError(CloudError);

/// Follows `stack` from `start` to a final state; its status and pinned failures. `begins_in`
/// is the status the operation just started puts the stack in (`CREATE_IN_PROGRESS` ...): the
/// events are read once a listing shows the stack left it, not before.
async fn wait(
    (cloud, pacer): (&Arc<dyn Cloud>, &Pacer),
    (stack, begins_in): (&str, &str),
    start: Start,
    observer: &mut dyn IntegObserver,
) -> Result<(String, Vec<PinnedFailure>), WaitError> {
    let mut poller = StackEventPoller::new(cloud.clone(), stack, start, DEFAULT_HISTORY_CAP);
    let mut heartbeat = Heartbeat::new(pacer.now_ms());
    // Only a listing made after the operation started can say it changed.
    let mut listing = pacer.listed_generation();
    // The status the stack was last known in: its events', or a listing's in between.
    let mut known = Some(begins_in.to_string());
    loop {
        // The events are read once a listing says the stack ended (or is gone, or the listing
        // failed), or after a quiet spell, for the heartbeat to say what is in progress; a
        // step in between (a rollback starting) waits for the end.
        let quiet = pacer.clock_on_tokio(std::time::Duration::from_millis(
            crate::watch::heartbeat::QUIET_MS as u64,
        ));
        let changed = tokio::time::timeout(
            quiet,
            pacer.until_changed(cloud.as_ref(), stack, known.as_deref(), listing),
        )
        .await;
        // A quiet read has its call already (a spare one).
        let mut paced = changed.is_err();
        match changed {
            Ok(change) => {
                listing = change.generation;
                if let Some(status) = change.status.filter(|s| !change.failed && !is_terminal(s)) {
                    known = Some(status);
                    continue;
                }
            }
            // Quiet: the heartbeat's read is made only with a call to spare, so that it never
            // delays a read that an ending stack calls for; else it says what was last read.
            Err(_) if !pacer.spare_turn().await => {
                if let Some(line) = heartbeat.due(&poller.watch, pacer.now_ms()) {
                    observer.line(&line);
                }
                continue;
            }
            Err(_) => {}
        }
        loop {
            if !std::mem::take(&mut paced) {
                pacer.turn().await;
            }
            let report = poller.poll().await;
            for event in &report.new_events {
                observer.event(event);
            }
            if !report.new_events.is_empty() {
                heartbeat.heard(pacer.now_ms());
            }
            match report.problem {
                Some(PollProblem::Retrying { error, attempt }) if attempt > MAX_RETRIES => {
                    return Err(WaitError(error));
                }
                Some(PollProblem::Stopped(error) | PollProblem::Failed(error)) => {
                    return Err(WaitError(error));
                }
                // A failed read waits its backoff, then reads again.
                Some(PollProblem::Retrying { .. }) => pacer.pause(report.delay).await,
                None => break,
            }
        }
        if poller.watch.outcome().is_some() {
            let status = poller.watch.stack_status.clone().unwrap_or_default();
            return Ok((status, poller.watch.failures.clone()));
        }
        if let Some(status) = &poller.watch.stack_status {
            known = Some(status.clone());
        }
        if let Some(line) = heartbeat.due(&poller.watch, pacer.now_ms()) {
            observer.line(&line);
        }
    }
}

/// A run in progress: what it did so far.
struct Run<'a> {
    cloud: &'a Arc<dyn Cloud>,
    pacer: &'a Pacer,
    authorization: &'a Authorization,
    observer: &'a mut dyn IntegObserver,
    stacks: Vec<StackRun>,
    reasons: Vec<String>,
}

impl Run<'_> {
    /// Follows an operation just started on `stack` and records it; whether it succeeded.
    async fn follow(
        &mut self,
        (stack_id, stack): (&str, &str),
        operation: &'static str,
        start: Start,
        began_ms: i64,
    ) -> Result<bool, CloudError> {
        let begins_in = match operation {
            "create" => "CREATE_IN_PROGRESS",
            "update" => "UPDATE_IN_PROGRESS",
            _ => "DELETE_IN_PROGRESS",
        };
        let (status, failures) = wait(
            (self.cloud, self.pacer),
            (stack_id, begins_in),
            start,
            self.observer,
        )
        .await
        .map_err(|WaitError(error)| error)?;
        let succeeded = crate::cloud::status::is_success(&status);
        if !succeeded {
            self.reasons
                .push(format!("{stack}: {operation} ended {status}"));
            for failure in &failures {
                self.reasons.push(format!(
                    "  {} ({}): {}",
                    failure.logical_id, failure.resource_type, failure.reason
                ));
            }
        }
        self.observer
            .line(&format!("{stack}: {operation} ended {status}"));
        // A deleted stack is gone; the long-lived copy stays by design once its operation ends;
        // a fresh copy stays until its delete.
        if (operation == "delete" && succeeded) || is_keep_stack(stack) {
            self.observer.in_flight(stack, false);
        }
        self.stacks.push(StackRun {
            stack: stack.to_string(),
            operation,
            status,
            duration_ms: self.pacer.since(began_ms),
            failures,
        });
        Ok(succeeded)
    }

    /// Deletes a stack and follows it; whether it is gone.
    async fn delete(&mut self, stack_id: &str, name: &str) -> Result<bool, CloudError> {
        let began = self.pacer.now_ms();
        let start = match super::setup_stack::newest_event_id(self.cloud.as_ref(), stack_id).await {
            Some(id) => Start::After(id),
            None => Start::Beginning,
        };
        self.observer.line(&format!("deleting {name}"));
        self.observer.in_flight(name, true);
        self.cloud
            .delete_stack(self.authorization, stack_id)
            .await?;
        self.follow((stack_id, name), "delete", start, began).await
    }

    /// Creates a stack and follows it; `(its id, unless the create was refused, whether it was
    /// created)`.
    async fn create(
        &mut self,
        name: &str,
        template: &TemplateSource,
        parameters: &[(String, String)],
        tags: &[(String, String)],
    ) -> Result<(Option<String>, bool), CloudError> {
        let began = self.pacer.now_ms();
        self.observer.line(&format!("creating {name}"));
        self.observer.in_flight(name, true);
        let stack_id = match self
            .cloud
            .create_stack(
                self.authorization,
                &StackTemplate {
                    stack: name,
                    template,
                    parameters,
                },
                tags,
            )
            .await
        {
            Ok(stack_id) => stack_id,
            // CloudFormation refused the template itself: the extension's test is broken.
            Err(error) if error.kind == CloudErrorKind::Invalid => {
                self.reasons.push(format!(
                    "{name}: CloudFormation refused the create: {}",
                    error.message
                ));
                self.observer
                    .line(&format!("{name}: create refused: {}", error.message));
                // Nothing should exist then; whatever does is deleted like a failed create.
                let left = self.cloud.describe_stack(name).await?;
                if left.is_none() {
                    self.observer.in_flight(name, false);
                }
                return Ok((left.map(|stack| stack.stack_id), false));
            }
            Err(error) => return Err(error),
        };
        let created = self
            .follow((&stack_id, name), "create", Start::Beginning, began)
            .await?;
        Ok((Some(stack_id), created))
    }
}

/// Runs the integration tests of `extension` in `cloud`'s account: stale fresh stacks deleted,
/// the fresh create and delete, then the long-lived create or update.
pub async fn run(
    cloud: &Arc<dyn Cloud>,
    pacer: &Pacer,
    authorization: &Authorization,
    extension: &Extension,
    run_id: &str,
    observer: &mut dyn IntegObserver,
) -> IntegResult {
    let started_ms = pacer.now_ms();
    let type_name = extension.type_name().map(String::from);
    let version = match &type_name {
        Some(name) => cloud
            .describe_private_type(name)
            .await
            .ok()
            .and_then(|t| t.default_version),
        None => None,
    };
    let mut run = Run {
        cloud,
        pacer,
        authorization,
        observer,
        stacks: Vec::new(),
        reasons: Vec::new(),
    };
    let mut stale_deleted = Vec::new();
    let class = match exercise(&mut run, extension, run_id, &mut stale_deleted).await {
        Ok(class) => class,
        Err(error) => {
            run.reasons.push(error.with_hint());
            IntegClass::InfrastructureError
        }
    };
    let allowed = extension.maturity == Maturity::Alpha && class.allowed_for_alpha();
    IntegResult {
        extension: extension.folder.clone(),
        type_name,
        maturity: extension.maturity,
        version,
        run_id: run_id.to_string(),
        class,
        allowed,
        blocks: class.is_failure() && !allowed,
        stacks: run.stacks,
        reasons: run.reasons,
        stale_deleted,
        started_ms,
        duration_ms: pacer.since(started_ms),
    }
}

/// An integ template ready to deploy, with the parameters each run passes.
struct Prepared {
    source: TemplateSource,
    parameters: Vec<(String, String)>,
}

async fn prepare(
    (cloud, authorization): (&Arc<dyn Cloud>, &Authorization),
    extension: &Extension,
    integ: &Loaded<Template>,
    run_id: &str,
) -> Result<Prepared, CloudError> {
    let template = integ.ok().ok_or_else(|| {
        CloudError::new(
            CloudErrorKind::Invalid,
            format!("{} cannot be used", integ.path),
            "run `regship check` and fix it",
        )
    })?;
    let deployable = package::deployable(
        cloud.as_ref(),
        authorization,
        &extension.file(&integ.path),
        &integ.path,
        &integ.text,
    )
    .await?;
    let declared = |name: &str| {
        template
            .root
            .get("Parameters")
            .and_then(|p| p.get(name))
            .is_some()
    };
    let mut parameters = Vec::new();
    if declared(REVISION_PARAMETER) {
        parameters.push((REVISION_PARAMETER.to_string(), run_id.to_string()));
    }
    // Only the beta account has the kit's boundary; elsewhere the template's default (none).
    if declared(ROLE_BOUNDARY_PARAMETER) && authorization.stage() == Stage::Beta {
        parameters.push((
            ROLE_BOUNDARY_PARAMETER.to_string(),
            authorization.policy_arn(ROLE_BOUNDARY_POLICY),
        ));
    }
    Ok(Prepared {
        source: deployable.source,
        parameters,
    })
}

/// The integ template whose file stem is `stem` (`integ`, `integ-succeed`, `integ-fail`).
fn integ_template<'e>(
    extension: &'e Extension,
    stem: &str,
) -> Result<&'e Loaded<Template>, CloudError> {
    extension
        .integ
        .iter()
        .find(|loaded| {
            Path::new(&loaded.path)
                .file_stem()
                .is_some_and(|s| s == stem)
        })
        .ok_or_else(|| {
            CloudError::new(
                CloudErrorKind::Invalid,
                format!("{} has no test/{stem} template", extension.folder),
                match extension.artifact_type() {
                    ArtifactType::Resource => format!("create one (`regship scaffold integ {}`)", extension.folder),
                    ArtifactType::Hook => "a hook needs test/integ-succeed.yml (a template it lets through) and test/integ-fail.yml (one it stops)".into(),
                    ArtifactType::Module => "create test/integ.yml that uses the module like a resource".into(),
                },
            )
        })
}

/// A hook's configuration file of `test/` (`configuration.json`, `configuration-undo.json`).
fn hook_configuration(extension: &Extension, name: &str) -> Result<Option<String>, CloudError> {
    let path = extension.dir.join("test").join(name);
    if !path.is_file() {
        return Ok(None);
    }
    std::fs::read_to_string(&path).map(Some).map_err(|err| {
        CloudError::new(
            CloudErrorKind::Invalid,
            format!("{}: {err}", path.display()),
            "fix the file's permissions or remove it",
        )
    })
}

async fn exercise(
    run: &mut Run<'_>,
    extension: &Extension,
    run_id: &str,
    stale_deleted: &mut Vec<String>,
) -> Result<IntegClass, CloudError> {
    if extension.artifact_type() != ArtifactType::Hook {
        let integ = integ_template(extension, "integ")?;
        let prepared = prepare((run.cloud, run.authorization), extension, integ, run_id).await?;
        return exercise_stacks(run, extension, run_id, stale_deleted, &prepared, None).await;
    }
    // A hook: its configuration applied first, and undone after, whatever happened between.
    let type_name = extension.type_name().unwrap_or_default().to_string();
    let account = (run.cloud, run.authorization);
    let succeed = integ_template(extension, "integ-succeed")?;
    let succeed = prepare(account, extension, succeed, run_id).await?;
    let fail = integ_template(extension, "integ-fail")?;
    let fail = prepare(account, extension, fail, run_id).await?;
    if let Some(configuration) = hook_configuration(extension, "configuration.json")? {
        run.observer
            .line(&format!("applying test/configuration.json to {type_name}"));
        run.cloud
            .set_hook_configuration(run.authorization, &type_name, &configuration)
            .await?;
    }
    let class = exercise_stacks(run, extension, run_id, stale_deleted, &succeed, Some(&fail)).await;
    if let Some(undo) = hook_configuration(extension, "configuration-undo.json")? {
        run.observer.line(&format!(
            "applying test/configuration-undo.json to {type_name}"
        ));
        if let Err(error) = run
            .cloud
            .set_hook_configuration(run.authorization, &type_name, &undo)
            .await
        {
            run.reasons.push(format!(
                "the hook's configuration could not be restored: {}",
                error.message
            ));
            return Ok(IntegClass::CleanupFailure);
        }
    }
    class
}

/// The stacks of a run: stale ones deleted, the fresh copy created and deleted (for a hook,
/// also `fail`, which must be stopped by the hook), then the long-lived copy.
async fn exercise_stacks(
    run: &mut Run<'_>,
    extension: &Extension,
    run_id: &str,
    stale_deleted: &mut Vec<String>,
    prepared: &Prepared,
    fail: Option<&Prepared>,
) -> Result<IntegClass, CloudError> {
    let (source, parameters) = (&prepared.source, &prepared.parameters);
    // 1. What an interrupted run left behind.
    let prefix = fresh_stack_prefix(&extension.folder);
    for stale in run.cloud.list_stacks(&prefix).await? {
        if stale.tag(EXTENSION_TAG) != Some(extension.folder.as_str())
            || stale.status == "DELETE_COMPLETE"
        {
            continue;
        }
        run.observer.line(&format!(
            "deleting {}, left behind by the interrupted run {}",
            stale.name,
            stale.tag(RUN_TAG).unwrap_or("?")
        ));
        if !run.delete(&stale.stack_id, &stale.name).await? {
            return Ok(IntegClass::CleanupFailure);
        }
        stale_deleted.push(stale.name);
    }

    // 2. The fresh copy: created, then deleted.
    let fresh = format!("{prefix}{run_id}");
    let tags = [
        (RUN_TAG.to_string(), run_id.to_string()),
        (EXTENSION_TAG.to_string(), extension.folder.clone()),
    ];
    let (fresh_id, created) = run.create(&fresh, source, parameters, &tags).await?;
    if let Some(fresh_id) = fresh_id
        && !run.delete(&fresh_id, &fresh).await?
    {
        return Ok(IntegClass::CleanupFailure);
    }
    if !created {
        return Ok(IntegClass::FunctionalFailure);
    }
    // A hook must stop what it is there to stop: integ-fail may not be created.
    if let Some(fail) = fail {
        let stopped = format!("{prefix}{run_id}-fail");
        let (stopped_id, created) = run
            .create(&stopped, &fail.source, &fail.parameters, &tags)
            .await?;
        if let Some(stopped_id) = stopped_id
            && !run.delete(&stopped_id, &stopped).await?
        {
            return Ok(IntegClass::CleanupFailure);
        }
        if created {
            run.reasons.push(format!(
                "{stopped}: test/integ-fail was created: the hook {} did not stop it",
                extension.type_name().unwrap_or_default()
            ));
            return Ok(IntegClass::FunctionalFailure);
        }
        // Its failure must be the hook's doing: the hook is named in a reason.
        let hook = extension.type_name().unwrap_or_default();
        let by_hook = run.stacks.iter().any(|stack| {
            stack.operation == "create"
                && stack.stack == stopped
                && stack.failures.iter().any(|f| f.reason.contains(hook))
        });
        if !by_hook {
            run.reasons.push(format!(
                "{stopped}: test/integ-fail failed, but no failure names the hook {hook}"
            ));
            return Ok(IntegClass::FunctionalFailure);
        }
        run.reasons.clear();
    }

    // 3. The long-lived copy: created once, then updated by every run.
    let keep = keep_stack_of(&extension.folder);
    let existing = run.cloud.describe_stack(&keep).await?;
    if let Some(stack) = &existing
        && !is_terminal(&stack.status)
    {
        return Err(CloudError::new(
            CloudErrorKind::Invalid,
            format!("{keep} is busy ({})", stack.status),
            format!("wait for it (regship events {keep} --follow --stage beta), then run again"),
        ));
    }
    match existing {
        Some(stack) if stack.status != "ROLLBACK_COMPLETE" => {
            let began = run.pacer.now_ms();
            let start = match super::setup_stack::newest_event_id(
                run.cloud.as_ref(),
                &stack.stack_id,
            )
            .await
            {
                Some(id) => Start::After(id),
                None => Start::Beginning,
            };
            // Without a revision, the same template updates nothing: not worth a call.
            let unchanged = parameters.is_empty()
                && matches!(source, TemplateSource::Body(body)
                    if run.cloud.stack_template(&stack.stack_id).await? == *body);
            run.observer.line(&format!("updating {keep}"));
            run.observer.in_flight(&keep, true);
            let updating = !unchanged
                && run
                    .cloud
                    .update_stack(
                        run.authorization,
                        &StackTemplate {
                            stack: &keep,
                            template: source,
                            parameters,
                        },
                    )
                    .await?;
            if !updating {
                run.reasons.push(format!(
                    "{keep}: the update changed nothing, so the update handler did not run (declare a `{REVISION_PARAMETER}` parameter and use it on the resource)"
                ));
                return Ok(IntegClass::UpdateNotExercised);
            }
            if run
                .follow((&stack.stack_id, &keep), "update", start, began)
                .await?
            {
                Ok(IntegClass::Passed)
            } else {
                Ok(IntegClass::CompatibilityBreak)
            }
        }
        previous => {
            // A first create that failed leaves ROLLBACK_COMPLETE, which only a delete clears.
            if let Some(stack) = previous
                && !run.delete(&stack.stack_id, &keep).await?
            {
                return Ok(IntegClass::CleanupFailure);
            }
            let tags = [(EXTENSION_TAG.to_string(), extension.folder.clone())];
            let (keep_id, created) = run.create(&keep, source, parameters, &tags).await?;
            if created {
                return Ok(IntegClass::Passed);
            }
            if let Some(keep_id) = keep_id
                && !run.delete(&keep_id, &keep).await?
            {
                return Ok(IntegClass::CleanupFailure);
            }
            Ok(IntegClass::FunctionalFailure)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_lines_become_rows_with_a_trend() {
        let line = |extension: &str, class: &str, at: i64| {
            format!(
                r#"{{"extension":"{extension}","version":"00000002","run_id":"r{at}","class":"{class}","allowed":false,"blocks":false,"started_ms":{at},"duration_ms":1,"stacks":[],"reasons":[]}}"#
            )
        };
        let text = [
            line("resources/A", "passed", 1),
            "not json".to_string(),
            line("resources/B", "functional_failure", 2),
            line("resources/A", "compatibility_break", 3),
            line("resources/A", "passed", 4),
        ]
        .join("\n");
        let history = parse_history(&text);
        assert_eq!(history.len(), 4, "the line that is no run is skipped");
        let rows = beta_rows(
            &[
                ("resources/A".into(), Maturity::Prod),
                ("resources/C".into(), Maturity::Alpha),
            ],
            &history,
        );
        assert_eq!(rows[0].runs, 3);
        assert_eq!(
            rows[0].trend,
            [
                IntegClass::Passed,
                IntegClass::CompatibilityBreak,
                IntegClass::Passed
            ]
        );
        assert_eq!(rows[0].last.as_ref().unwrap().started_ms, 4);
        assert_eq!((rows[1].runs, rows[1].last.is_none()), (0, true));
    }
}
