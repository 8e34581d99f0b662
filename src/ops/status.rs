//! The readiness board: every extension's standing in each stage of the release (checks,
//! sandbox, CI/CD, beta, prod), each from what that stage tells cheaply (the checks and the
//! local histories cost no call, the sandbox one stack listing, CI/CD one pipeline state, prod
//! the versions read), and the gate a person or a pipeline asks before promoting.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::format::age as ago;
use super::integ::{IntegClass, PastRun};
use super::journal::read_lines;
use super::pipeline::extension_map;
use super::versions::{ExtensionVersions, RegionListing, Subject, assemble, versions};
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::{Cloud, CloudError, CloudErrorKind, Connections, PipelineState, StatusCategory};
use crate::config::{Maturity, Stage};
use crate::jobs::contract_tests::Summary;
use crate::ops::rows::ExtensionRow;
use crate::workspace::Workspace;

/// Where an extension stands in one stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Done and good: it can move on.
    Ready,
    /// Good enough to move on, with something to look at (warnings, lagging regions).
    Warning,
    /// It failed: this stage holds it back.
    Failed,
    /// A run or build is under way.
    Running,
    /// It failed, and that is allowed (an alpha extension).
    Allowed,
    /// Nothing happened here yet.
    Missing,
    /// The stage does not apply (a module has no contract tests, no pipeline is configured).
    NotApplicable,
    /// The stage could not be read (the detail says why).
    Unknown,
    /// No credentials for the stage's account.
    NoCredentials,
    /// Not read yet.
    NotRead,
}

impl State {
    /// The symbol drawn before the detail.
    pub fn symbol(self) -> &'static str {
        match self {
            State::Ready => "✓",
            State::Warning => "!",
            State::Failed => "✗",
            State::Running => "◐",
            State::Allowed => "~",
            State::Missing => "○",
            State::NotApplicable => "-",
            State::Unknown => "?",
            State::NoCredentials => "⊘",
            State::NotRead => "…",
        }
    }

    /// The colour family it is drawn in.
    pub fn category(self) -> StatusCategory {
        match self {
            State::Ready => StatusCategory::Complete,
            State::Failed => StatusCategory::Failed,
            State::Running | State::Warning => StatusCategory::InProgress,
            State::Allowed | State::NotApplicable | State::NoCredentials => {
                StatusCategory::Cancelled
            }
            State::Missing | State::Unknown | State::NotRead => StatusCategory::Pending,
        }
    }

    /// Whether an extension may move past a stage that stands so.
    fn passes(self) -> bool {
        matches!(self, State::Ready | State::Warning)
    }
}

/// One cell of the board: the state and a few words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub state: State,
    pub detail: String,
}

impl Standing {
    pub fn new(state: State, detail: impl Into<String>) -> Standing {
        Standing {
            state,
            detail: detail.into(),
        }
    }

    /// How a stage that could not be read is shown in every row: "no credentials" when that is
    /// why, else the error.
    pub fn unread(error: &CloudError) -> Standing {
        match error.kind {
            CloudErrorKind::NoCredentials | CloudErrorKind::ExpiredCredentials => {
                Standing::new(State::NoCredentials, "no credentials")
            }
            _ => Standing::new(State::Unknown, error.message.clone()),
        }
    }

    /// `✓ clean`.
    pub fn text(&self) -> String {
        format!("{} {}", self.state.symbol(), self.detail)
    }
}

/// One row of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionStatus {
    pub extension: String,
    pub type_name: String,
    pub maturity: Maturity,
    pub checks: Standing,
    pub sandbox: Standing,
    pub cicd: Standing,
    pub beta: Standing,
    pub prod: Standing,
}

/// A stage read (`None` until it was), or the standing of every row when it could not be.
pub type StageRead<T> = Option<Result<T, Standing>>;

/// What the board is drawn from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardInputs {
    /// The sandbox account's setup stacks: name -> status.
    pub sandbox: StageRead<BTreeMap<String, String>>,
    /// The newest contract-test run of this machine, by extension folder.
    pub tests: BTreeMap<String, TestRun>,
    /// Each extension folder's build action status in the CI/CD pipeline.
    pub cicd: StageRead<BTreeMap<String, String>>,
    /// The newest integration run of this machine, by extension folder.
    pub integ: BTreeMap<String, PastRun>,
    /// The published versions in the prod account's regions.
    pub prod: StageRead<Vec<ExtensionVersions>>,
}

/// One stage's read, as it arrives (the TUI applies each on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardPart {
    Sandbox(Result<BTreeMap<String, String>, Standing>),
    Cicd(Result<BTreeMap<String, String>, Standing>),
    /// Where the prod account publishes and its publisher id ([`versions::publishing`]).
    ProdPlan(Result<(Vec<String>, Option<String>), Standing>),
    /// The public versions of a few publishing regions ([`versions::public_in`]).
    ProdSlice(Vec<(String, RegionListing)>),
    /// The local histories of contract-test and integration runs.
    Histories {
        tests: Vec<TestRun>,
        integ: Vec<PastRun>,
    },
}

impl BoardInputs {
    /// Takes in one stage's read.
    pub fn apply(&mut self, part: BoardPart) {
        match part {
            BoardPart::Sandbox(read) => self.sandbox = Some(read),
            BoardPart::Cicd(read) => self.cicd = Some(read),
            // The prod parts are gathered by [`ProdSlices`] first.
            BoardPart::ProdPlan(_) | BoardPart::ProdSlice(_) => {}
            BoardPart::Histories { tests, integ } => {
                self.tests = newest_each(tests, |run| &run.extension);
                self.integ = newest_each(integ, |run| &run.extension);
            }
        }
    }
}

/// Calls a minute the board's prod column may make, in its slices of regions.
pub const PROD_CALLS_A_MINUTE: usize = 4;

/// The board's prod column, read a few regions a minute so that it stays within its budget:
/// where the account publishes (read once an hour), each region's public versions as last
/// read, and whose turn is next.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProdSlices {
    pub regions: Vec<String>,
    pub publisher: Option<String>,
    pub listings: BTreeMap<String, RegionListing>,
    next: usize,
}

impl ProdSlices {
    /// The regions to read next, round robin: as many as [`PROD_CALLS_A_MINUTE`] listings
    /// allow, at `kinds` listings a region (one per kind of extension).
    pub fn next_slice(&mut self, kinds: usize) -> Vec<String> {
        let count = self.regions.len();
        if count == 0 || self.publisher.is_none() {
            return Vec::new();
        }
        let take = (PROD_CALLS_A_MINUTE / kinds.max(1)).clamp(1, count);
        let slice = (0..take)
            .map(|i| self.regions[(self.next + i) % count].clone())
            .collect();
        self.next = (self.next + take) % count;
        slice
    }

    /// Takes in a prod part; the column it makes (`None` when it stays as it is): every
    /// extension of `subjects` over the publishing regions once each was read, "reading
    /// n/N regions" before that.
    pub fn take(
        &mut self,
        part: BoardPart,
        subjects: &[Subject],
    ) -> Option<Result<Vec<ExtensionVersions>, Standing>> {
        match part {
            BoardPart::ProdPlan(Err(unread)) => Some(Err(unread)),
            BoardPart::ProdPlan(Ok((regions, publisher))) => {
                self.listings.retain(|region, _| regions.contains(region));
                self.next %= regions.len().max(1);
                self.regions = regions;
                self.publisher = publisher;
                match self.publisher {
                    None => Some(Err(Standing::new(State::Missing, "not a publisher"))),
                    Some(_) => self.column(subjects),
                }
            }
            BoardPart::ProdSlice(listings) => {
                self.listings.extend(listings);
                self.column(subjects)
            }
            _ => None,
        }
    }

    fn column(&self, subjects: &[Subject]) -> Option<Result<Vec<ExtensionVersions>, Standing>> {
        let read = self
            .regions
            .iter()
            .filter(|r| self.listings.contains_key(*r))
            .count();
        if read < self.regions.len() {
            let detail = format!("reading {read}/{}", self.regions.len());
            return Some(Err(Standing::new(State::NotRead, detail)));
        }
        Some(Ok(assemble(
            subjects,
            &self.regions,
            |region, extension| {
                let listing = &self.listings[&self.regions[region]];
                listing
                    .as_ref()
                    .map(|found| {
                        (
                            found.get(subjects[extension].type_name).cloned().flatten(),
                            None,
                        )
                    })
                    .map_err(Clone::clone)
            },
        )))
    }
}

/// One contract-test run (`cfn test`, from the CLI or the TUI), as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TestRun {
    pub extension: String,
    pub passed: u32,
    pub failed: u32,
    pub skipped: u32,
    pub errors: u32,
    /// `None` when it was cancelled.
    pub exit_code: Option<i32>,
    /// Whether pytest's closing line was seen.
    pub complete: bool,
    pub started_ms: i64,
}

impl TestRun {
    pub fn new(
        extension: &str,
        summary: &Summary,
        exit_code: Option<i32>,
        started_ms: i64,
    ) -> Self {
        TestRun {
            extension: extension.to_string(),
            passed: summary.passed,
            failed: summary.failed,
            skipped: summary.skipped,
            errors: summary.errors,
            exit_code,
            complete: summary.complete,
            started_ms,
        }
    }

    /// Every contract test ran and passed.
    pub fn passed_all(&self) -> bool {
        self.exit_code == Some(0) && self.complete && self.failed == 0 && self.errors == 0
    }
}

/// Where the contract-test runs are kept, one JSON line each.
pub fn test_history_file() -> PathBuf {
    crate::config::user::Paths::platform()
        .map(|paths| paths.data_dir.join("test-history.jsonl"))
        .unwrap_or_else(|| std::env::temp_dir().join("regship-test-history.jsonl"))
}

/// The newest of `runs` (oldest first, as a history holds them) for each extension: what the
/// board shows, whatever the length of the history.
pub fn newest_each<T>(
    runs: impl IntoIterator<Item = T>,
    extension: impl Fn(&T) -> &String,
) -> BTreeMap<String, T> {
    runs.into_iter()
        .map(|run| (extension(&run).clone(), run))
        .collect()
}

/// Both local histories (contract-test and integration runs), read from their files.
pub fn read_histories(tests: &Path, integ: &Path) -> BoardPart {
    BoardPart::Histories {
        tests: read_lines(tests),
        integ: read_lines(integ),
    }
}

/// The sandbox's setup stacks (one DescribeStacks listing): name -> status.
pub async fn read_setup_stacks(cloud: &dyn Cloud) -> Result<BTreeMap<String, String>, Standing> {
    let stacks = cloud
        .list_stacks("setup-")
        .await
        .map_err(|e| Standing::unread(&e))?;
    Ok(stacks.into_iter().map(|s| (s.name, s.status)).collect())
}

/// Each extension folder's build action status in `state` (build action name -> folder in
/// `actions`).
pub fn build_statuses(
    state: &PipelineState,
    actions: &[(String, String)],
) -> BTreeMap<String, String> {
    state
        .stages
        .iter()
        .flat_map(|stage| &stage.actions)
        .filter_map(|action| {
            let (_, folder) = actions.iter().find(|(name, _)| name == &action.name)?;
            Some((folder.clone(), action.status.clone()?))
        })
        .collect()
}

/// The CI/CD pipeline's build statuses (one GetPipelineState).
pub async fn read_builds(
    cloud: &dyn Cloud,
    pipeline: &str,
    actions: &[(String, String)],
) -> Result<BTreeMap<String, String>, Standing> {
    let state = cloud
        .pipeline_state(pipeline)
        .await
        .map_err(|e| Standing::unread(&e))?;
    Ok(build_statuses(&state, actions))
}

/// The stages whose accounts the board reads (checks and the local histories cost nothing).
pub const READ_STAGES: [Stage; 3] = [Stage::Sandbox, Stage::Cicd, Stage::Prod];

/// The sandbox column's read: the setup stacks, on the sandbox stage's connection.
pub async fn read_sandbox(
    connections: &Connections,
    context: &StageContext,
) -> Result<BTreeMap<String, String>, Standing> {
    match connections.get(context).await {
        Ok(cloud) => read_setup_stacks(cloud.as_ref()).await,
        Err(error) => Err(Standing::unread(&error)),
    }
}

/// The CI/CD column's read: the pipeline's build statuses, on the cicd stage's connection.
pub async fn read_cicd(
    connections: &Connections,
    context: &StageContext,
    workspace: &Workspace,
) -> Result<BTreeMap<String, String>, Standing> {
    let Some(pipeline) = workspace.config.accounts.pipeline(Stage::Cicd) else {
        return Err(Standing::new(State::NotApplicable, "no pipeline set"));
    };
    match connections.get(context).await {
        Ok(cloud) => read_builds(cloud.as_ref(), pipeline, &extension_map(workspace)).await,
        Err(error) => Err(Standing::unread(&error)),
    }
}

/// The prod column's read: the published versions, from the prod stage's home region.
pub async fn read_prod(
    connections: &Connections,
    context: &StageContext,
    workspace: &Workspace,
) -> Result<Vec<ExtensionVersions>, Standing> {
    versions(
        connections,
        context,
        &workspace.config.accounts.prod,
        &workspace.extensions,
    )
    .await
    .map_err(|error| Standing::unread(&error))
}

/// Reads the board's inputs: each stage of `stages` on its own connection, all at once (a
/// stage that cannot be read is a standing in its column), and the local histories.
pub async fn read_board(
    connections: &Connections,
    workspace: &Workspace,
    overrides: &Overrides,
    stages: &[Stage],
) -> BoardInputs {
    let context = |stage| StageContext::new(&workspace.config, stage, overrides);
    let wanted = |stage| stages.contains(&stage);
    let histories = read_histories(&test_history_file(), &super::integ::history_file());
    let (sandbox, cicd, prod) = tokio::join!(
        async {
            match wanted(Stage::Sandbox) {
                true => Some(read_sandbox(connections, &context(Stage::Sandbox)).await),
                false => None,
            }
        },
        async {
            match wanted(Stage::Cicd) {
                true => Some(read_cicd(connections, &context(Stage::Cicd), workspace).await),
                false => None,
            }
        },
        async {
            match wanted(Stage::Prod) {
                true => Some(read_prod(connections, &context(Stage::Prod), workspace).await),
                false => None,
            }
        },
    );
    let mut inputs = BoardInputs {
        sandbox,
        cicd,
        prod,
        ..BoardInputs::default()
    };
    inputs.apply(histories);
    inputs
}

/// The board's rows of `workspace`: each extension's row (its checks run) and its setup stack.
pub fn board_rows(workspace: &Workspace) -> Vec<(ExtensionRow, String)> {
    crate::ops::rows::rows(workspace)
        .into_iter()
        .zip(&workspace.extensions)
        .map(|(row, extension)| (row, extension.setup_stack_name()))
        .collect()
}

/// The board, a row per extension of `rows` (with its setup stack's name), at `now_ms`.
pub fn board(
    rows: &[(ExtensionRow, String)],
    inputs: &BoardInputs,
    now_ms: i64,
) -> Vec<ExtensionStatus> {
    rows.iter()
        .map(|(row, setup_stack)| status_of(row, setup_stack, inputs, now_ms))
        .collect()
}

/// One row of the board: `row`'s extension, whose setup stack is `setup_stack`.
pub fn status_of(
    row: &ExtensionRow,
    setup_stack: &str,
    inputs: &BoardInputs,
    now_ms: i64,
) -> ExtensionStatus {
    ExtensionStatus {
        extension: row.folder.clone(),
        type_name: row.type_name.clone().unwrap_or_default(),
        maturity: row.maturity,
        checks: checks(row),
        sandbox: sandbox(row, setup_stack, inputs, now_ms),
        cicd: cicd(row, &inputs.cicd),
        beta: beta(row, &inputs.integ, now_ms),
        prod: prod(row, &inputs.prod),
    }
}

pub fn checks(row: &ExtensionRow) -> Standing {
    match (row.errors, row.warnings) {
        (0, 0) => Standing::new(State::Ready, "clean"),
        (0, w) => Standing::new(State::Warning, format!("{w} warn")),
        (e, w) => Standing::new(State::Failed, format!("{e} err {w} warn")),
    }
}

pub fn sandbox(
    row: &ExtensionRow,
    setup_stack: &str,
    inputs: &BoardInputs,
    now_ms: i64,
) -> Standing {
    if row.kind == crate::workspace::ArtifactType::Module {
        return Standing::new(State::NotApplicable, "module: no cfn test");
    }
    let last = inputs.tests.get(&row.folder);
    if let Some(run) = last {
        let when = ago(now_ms, run.started_ms);
        return match run.exit_code {
            _ if run.passed_all() => {
                Standing::new(State::Ready, format!("{} passed {when}", run.passed))
            }
            None => Standing::new(State::Warning, format!("cancelled {when}")),
            Some(_) if run.failed + run.errors > 0 => Standing::new(
                State::Failed,
                format!(
                    "{} of {} failed {when}",
                    run.failed + run.errors,
                    run.passed + run.failed + run.errors
                ),
            ),
            Some(code) => Standing::new(State::Failed, format!("cfn test exited {code} {when}")),
        };
    }
    if !row.setup {
        return Standing::new(State::Missing, "not tested");
    }
    match &inputs.sandbox {
        None => Standing::new(State::NotRead, "reading"),
        Some(Err(unread)) => unread.clone(),
        Some(Ok(stacks)) => match stacks.get(setup_stack) {
            Some(status) if StatusCategory::of(status) == StatusCategory::Complete => {
                Standing::new(State::Missing, "setup up, not tested")
            }
            Some(status) if StatusCategory::of(status) == StatusCategory::InProgress => {
                Standing::new(State::Running, format!("setup {status}"))
            }
            Some(status) => Standing::new(State::Failed, format!("setup {status}")),
            None => Standing::new(State::Missing, "no setup stack"),
        },
    }
}

pub fn cicd(row: &ExtensionRow, builds: &StageRead<BTreeMap<String, String>>) -> Standing {
    match builds {
        None => Standing::new(State::NotRead, "reading"),
        Some(Err(unread)) => unread.clone(),
        Some(Ok(builds)) => match builds.get(&row.folder).map(String::as_str) {
            Some("Succeeded") => Standing::new(State::Ready, "Succeeded"),
            Some(status @ ("InProgress" | "Stopping")) => Standing::new(State::Running, status),
            Some(status) => Standing::new(State::Failed, status),
            None => Standing::new(State::Missing, "no build action"),
        },
    }
}

pub fn beta(row: &ExtensionRow, integ: &BTreeMap<String, PastRun>, now_ms: i64) -> Standing {
    let Some(run) = integ.get(&row.folder) else {
        return Standing::new(State::Missing, "no integ run");
    };
    let version = run
        .version
        .as_deref()
        .map(|v| format!(" v{}", v.trim_start_matches('0')))
        .unwrap_or_default();
    let when = ago(now_ms, run.started_ms);
    match run.class {
        IntegClass::Passed => Standing::new(State::Ready, format!("passed{version} {when}")),
        _ if run.allowed && run.class != IntegClass::Passed && row.maturity == Maturity::Alpha => {
            Standing::new(State::Allowed, format!("allowed (alpha){version}"))
        }
        class if run.blocks => {
            Standing::new(State::Failed, format!("{}{version}", class.describe()))
        }
        class => Standing::new(State::Warning, format!("{}{version}", class.describe())),
    }
}

pub fn prod(row: &ExtensionRow, versions: &StageRead<Vec<ExtensionVersions>>) -> Standing {
    let found = match versions {
        None => return Standing::new(State::NotRead, "reading"),
        Some(Err(unread)) => return unread.clone(),
        Some(Ok(found)) => found.iter().find(|v| v.extension == row.folder),
    };
    let Some(found) = found else {
        return Standing::new(State::NotApplicable, "-");
    };
    let (current, total) = found.coverage();
    match &found.newest {
        None if row.maturity == Maturity::Alpha => {
            Standing::new(State::NotApplicable, "alpha: none")
        }
        None => Standing::new(State::Missing, "unpublished"),
        Some(_) if current == total => Standing::new(State::Ready, found.summary()),
        Some(_) => Standing::new(State::Warning, found.summary()),
    }
}

/// What holds an extension back from a stage, and the command that fixes or explains it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Blocker {
    pub extension: String,
    /// The board's column: checks, cicd or beta.
    pub column: &'static str,
    pub reason: String,
    pub command: String,
}

/// The gate before `stage` (beta or prod): every prod-maturity extension's blockers. Beta needs
/// clean checks and a green CI/CD build; prod needs those and a passed beta run. Alpha
/// extensions never block. A column in `unverified` that could not be read is let through
/// (the caller said it cannot read it, and the output says so).
pub fn gate(board: &[ExtensionStatus], stage: Stage, unverified: &[&str]) -> Vec<Blocker> {
    let mut blockers = Vec::new();
    for status in board.iter().filter(|s| s.maturity == Maturity::Prod) {
        let folder = &status.extension;
        let mut needs = vec![
            ("checks", &status.checks, format!("regship check {folder}")),
            (
                "cicd",
                &status.cicd,
                "regship pipeline status --stage cicd".to_string(),
            ),
        ];
        if stage == Stage::Prod {
            needs.push((
                "beta",
                &status.beta,
                format!("regship integ {folder} --stage beta"),
            ));
        }
        for (column, standing, command) in needs {
            let unread = matches!(
                standing.state,
                State::Unknown | State::NoCredentials | State::NotRead | State::NotApplicable
            );
            if standing.state.passes() || (unread && unverified.contains(&column)) {
                continue;
            }
            let command = match (column, standing.state) {
                ("cicd", State::Missing) => format!("regship pipeline add {folder}"),
                ("cicd", State::NotApplicable) => {
                    "set accounts.cicd.pipeline in regship.yml".to_string()
                }
                ("cicd", State::NoCredentials) => {
                    "regship accounts (the cicd row says how)".to_string()
                }
                _ => command,
            };
            blockers.push(Blocker {
                extension: folder.clone(),
                column,
                reason: format!("{column}: {}", standing.detail),
                command,
            });
        }
    }
    blockers
}

#[cfg(test)]
mod tests;
