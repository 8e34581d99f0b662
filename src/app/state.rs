//! The TUI's state: everything the screen shows, and nothing that does I/O.

use std::collections::{BTreeMap, VecDeque};

use crate::checks::Finding;
use crate::cloud::accounts::AccountRow;
use crate::cloud::{Export, StackOutput};
use crate::config::Stage;
use crate::jobs::contract_tests::Summary;
pub use crate::ops::cfn::CfnVerb;
pub use crate::ops::plans::{ChangePlan, PipelineChange, PlanKind};
use crate::ops::rows::ExtensionRow;
use crate::watch::stack_events::StackWatch;

/// A top-level screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ViewKind {
    Resources,
    Accounts,
    Events,
    Jobs,
    Pipeline,
    Beta,
    /// The prod account: each extension's public version in every publishing region.
    Prod,
    /// The newest prod rollout, region by region, live.
    Rollout,
}

impl ViewKind {
    /// Every view, in the order of their keys.
    pub const ALL: [ViewKind; 8] = [
        ViewKind::Resources,
        ViewKind::Accounts,
        ViewKind::Events,
        ViewKind::Jobs,
        ViewKind::Pipeline,
        ViewKind::Beta,
        ViewKind::Prod,
        ViewKind::Rollout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ViewKind::Resources => "resources",
            ViewKind::Accounts => "accounts",
            ViewKind::Events => "events",
            ViewKind::Jobs => "jobs",
            ViewKind::Pipeline => "pipeline",
            ViewKind::Beta => "beta",
            ViewKind::Prod => "prod",
            ViewKind::Rollout => "rollout",
        }
    }
}

/// A screen on the breadcrumb trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    List(ViewKind),
    /// One extension, by folder.
    ResourceDetail(String),
    /// One CodeBuild build of a pipeline action, by build id: phases and the live log tail.
    Build(String),
    /// One pipeline execution, by id: every action it ran.
    Execution(String),
    /// One region of the rollout: its steps (read from its child, in its region) and the whole
    /// failure message.
    RolloutRegion(String),
}

/// One extension as the resources view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtensionView {
    pub row: ExtensionRow,
    pub files: Vec<String>,
    pub findings: Vec<Finding>,
    /// `{{Name}}` references of `inputs/`: (file, name).
    pub references: Vec<(String, String)>,
    pub setup_stack: String,
}

/// Something that is loaded in the background.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Loadable<T> {
    #[default]
    NotLoaded,
    Loading,
    Loaded {
        value: T,
        at_ms: i64,
    },
    Failed {
        message: String,
        at_ms: i64,
    },
}

impl<T> Loadable<T> {
    /// What a finished load at `at_ms` left: the value, or why there is none.
    pub fn from_result(result: Result<T, String>, at_ms: i64) -> Loadable<T> {
        match result {
            Ok(value) => Loadable::Loaded { value, at_ms },
            Err(message) => Loadable::Failed { message, at_ms },
        }
    }

    pub fn value(&self) -> Option<&T> {
        match self {
            Loadable::Loaded { value, .. } => Some(value),
            _ => None,
        }
    }
}

/// The stack the events view follows.
#[derive(Debug, Clone)]
pub struct EventsView {
    pub stage: Stage,
    pub watch: StackWatch,
    /// Keep the newest event in sight; scrolling up pauses it.
    pub follow: bool,
    /// Lines scrolled up from the bottom while paused.
    pub scroll_up: usize,
    pub problem: Option<String>,
    /// Polling stopped (credentials, missing stack): `r` resumes.
    pub stopped: bool,
    pub updated_ms: Option<i64>,
    pub outputs: Option<Vec<StackOutput>>,
    /// After a deploy: each reference of the inputs and its value, if exported.
    pub references: Vec<(String, Option<String>)>,
}

pub use crate::ops::pipeline::{ExecutionView, PipelineView};

/// The build on the build screen, and its log as read so far.
#[derive(Debug, Clone, PartialEq)]
pub struct BuildView {
    pub id: String,
    pub action: String,
    pub extension: Option<String>,
    pub build: Option<crate::cloud::Build>,
    pub lines: VecDeque<String>,
    /// What the contract tests in the log said, read as its lines arrive (kept when the
    /// oldest lines go).
    pub summary: Summary,
    /// Rows scrolled up from the log's end (0: following its tail).
    pub scroll_up: usize,
    pub problem: Option<String>,
    pub updated_ms: Option<i64>,
}

/// An integration run the beta view shows live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveRun {
    /// Its latest line ("waiting for a slot" until it starts).
    pub line: String,
    /// The stack it works on now, by id (so that enter follows it, deleted or not).
    pub stack_id: Option<String>,
}

impl LiveRun {
    pub fn new(line: impl Into<String>) -> LiveRun {
        LiveRun {
            line: line.into(),
            stack_id: None,
        }
    }
}

/// How the runs of one `A` (every extension) ended so far.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchTally {
    pub passed: usize,
    /// Alpha failures, allowed by the policy.
    pub allowed: usize,
    /// Runs that ended without failing the release but without a pass (update not exercised).
    pub warned: usize,
    /// Extension folders whose run blocks the release.
    pub blocking: Vec<String>,
}

/// Lines of a build log kept on screen.
pub const BUILD_LINES_KEPT: usize = 5_000;

/// A modal on top of the screen.
#[derive(Debug, Clone, PartialEq)]
pub enum Dialog {
    /// Default No; prod needs the account id or `prod` typed.
    Confirm {
        plan: Box<ChangePlan>,
        yes: bool,
        typed: String,
    },
    /// Work under way (computing a change set ...).
    Busy(String),
    /// A message to acknowledge.
    Message { title: String, body: String },
    /// Files a scaffold would write, as a diff; default No.
    Scaffold {
        plan: crate::scaffold::Plan,
        yes: bool,
    },
    /// Quit while jobs run: cancel them (their whole process groups) and quit? Default No.
    QuitWithJobs { running: usize, yes: bool },
}

/// A line being typed at the bottom: a `:` command or a `/` filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputLine {
    pub kind: InputKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Command,
    Filter,
}

/// A subprocess the TUI started.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    pub id: u64,
    pub title: String,
    pub verb: CfnVerb,
    pub lines: VecDeque<String>,
    pub status: JobStatus,
    /// What the contract tests said so far (test jobs).
    pub summary: crate::jobs::contract_tests::Summary,
    /// The extension it runs for.
    pub folder: String,
    pub started_ms: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    Running,
    Exited(i32),
    Killed,
    FailedToStart,
}

/// A note in the status line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub text: String,
    pub error: bool,
}

/// Notices kept for `:messages`.
pub const MESSAGES_KEPT: usize = 200;

/// Lines of a job's output kept on screen.
pub const JOB_LINES_KEPT: usize = 5_000;

/// The pipeline view and the screens it opens.
#[derive(Debug, Clone)]
pub struct CicdView {
    /// The stage's pipeline, while the pipeline view is open.
    pub pipeline: Loadable<PipelineView>,
    /// The build screen's build.
    pub build: Option<BuildView>,
    /// The execution screen's execution.
    pub execution: Loadable<ExecutionView>,
}

/// The readiness board: each stage's read, and when they were asked for.
#[derive(Debug, Clone, Default)]
pub struct Readiness {
    /// The latest standing of each extension in each stage, as read.
    pub inputs: crate::ops::status::BoardInputs,
    /// When the board's stages were last asked for (they are read every minute while the
    /// resources view shows), and where prod publishes (every
    /// [`crate::watch::intervals::BOARD_PROD_REGIONS`]).
    pub read_ms: Option<i64>,
    pub prod_read_ms: Option<i64>,
    /// The board's prod column, read a few regions a minute.
    pub prod_slices: crate::ops::status::ProdSlices,
}

/// The beta view's integration runs.
#[derive(Debug, Clone)]
pub struct IntegRuns {
    /// Each extension's last run, from the local history.
    pub rows: Loadable<Vec<crate::ops::integ::BetaRow>>,
    /// Runs in progress (or waiting for a slot), by extension folder.
    pub live: BTreeMap<String, LiveRun>,
    /// The outcomes of the runs `A` started, until the last one ends.
    pub batch: Option<BatchTally>,
}

/// The rollout view: the newest prod rollout and the region screen's steps.
#[derive(Debug, Clone)]
pub struct RolloutView {
    /// The rollout, as its watcher last read it.
    pub watch: Loadable<crate::ops::rollout_watch::RolloutWatch>,
    /// The region screen's steps (empty for a region with no child execution).
    pub steps: Loadable<Vec<crate::cloud::StepRun>>,
}

/// Everything the TUI shows.
#[derive(Debug, Clone)]
pub struct AppState {
    pub workspace_name: String,

    pub extensions: Loadable<Vec<ExtensionView>>,
    pub stage: Stage,
    pub profile: Option<String>,
    pub region: Option<String>,
    /// A region chosen with `:region`, over the stage's.
    pub region_override: Option<String>,
    pub endpoint_url: Option<String>,
    pub read_only: bool,
    pub demo: bool,
    /// What could not be used of the user's config files (also listed under `?`).
    pub config_problems: Vec<String>,
    /// Bumped on every switch of stage, region or followed stack; older task results are dropped.
    pub generation: u64,
    pub screens: Vec<Screen>,
    pub selected: BTreeMap<ViewKind, usize>,
    pub detail_scroll: usize,
    pub filter: String,
    pub input: Option<InputLine>,
    pub help: bool,
    pub dialog: Option<Dialog>,
    pub accounts: BTreeMap<Stage, Loadable<AccountRow>>,
    pub exports: Loadable<Vec<Export>>,
    pub events: Option<EventsView>,
    /// The pipeline view and its build and execution screens.
    pub cicd: CicdView,
    /// The readiness board's reads (the resources view's stage columns).
    pub readiness: Readiness,
    pub jobs: Vec<JobView>,
    /// The beta view: the integration runs, kept and in progress.
    pub integ: IntegRuns,
    /// The rollout view and its region screen.
    pub prod_rollout: RolloutView,
    /// The prod view: every extension's versions in each publishing region.
    pub versions: Loadable<Vec<crate::ops::versions::ExtensionVersions>>,
    pub next_job_id: u64,
    pub notice: Option<Notice>,
    /// Every notice of this session, oldest first, at most [`MESSAGES_KEPT`] (`:messages`).
    pub messages: std::collections::VecDeque<(i64, Notice)>,
    /// How far the help or a message dialog is scrolled (rows).
    pub overlay_scroll: usize,
    /// Lines the selected job's output is scrolled up from its end (0: its tail).
    pub job_output_scroll: usize,
    pub history_cap: usize,
    pub refresh_interval_ms: i64,
    pub last_refresh_ms: i64,
    pub now_ms: i64,
    pub quit: bool,
}

impl AppState {
    pub fn new(workspace_name: &str, stage: Stage) -> AppState {
        AppState {
            workspace_name: workspace_name.to_string(),
            extensions: Loadable::Loading,
            stage,
            profile: None,
            region: None,
            region_override: None,
            endpoint_url: None,
            read_only: false,
            demo: false,
            config_problems: Vec::new(),
            generation: 1,
            screens: vec![Screen::List(ViewKind::Resources)],
            selected: BTreeMap::new(),
            detail_scroll: 0,
            filter: String::new(),
            input: None,
            help: false,
            dialog: None,
            accounts: BTreeMap::new(),
            exports: Loadable::NotLoaded,
            events: None,
            cicd: CicdView {
                pipeline: Loadable::NotLoaded,
                build: None,
                execution: Loadable::NotLoaded,
            },
            readiness: Readiness::default(),
            jobs: Vec::new(),
            integ: IntegRuns {
                rows: Loadable::NotLoaded,
                live: BTreeMap::new(),
                batch: None,
            },
            versions: Loadable::NotLoaded,
            prod_rollout: RolloutView {
                watch: Loadable::NotLoaded,
                steps: Loadable::NotLoaded,
            },
            next_job_id: 1,
            notice: None,
            messages: std::collections::VecDeque::new(),
            overlay_scroll: 0,
            job_output_scroll: 0,
            history_cap: crate::watch::stack_events::DEFAULT_HISTORY_CAP,
            refresh_interval_ms: 30_000,
            last_refresh_ms: 0,
            now_ms: 0,
            quit: false,
        }
    }

    pub fn screen(&self) -> &Screen {
        self.screens
            .last()
            .unwrap_or(&Screen::List(ViewKind::Resources))
    }

    /// The top-level view the current screen belongs to.
    pub fn view(&self) -> ViewKind {
        match self.screen() {
            Screen::List(kind) => *kind,
            Screen::ResourceDetail(_) => ViewKind::Resources,
            Screen::Build(_) | Screen::Execution(_) => ViewKind::Pipeline,
            Screen::RolloutRegion(_) => ViewKind::Rollout,
        }
    }

    pub fn selected(&self, view: ViewKind) -> usize {
        self.selected.get(&view).copied().unwrap_or(0)
    }

    /// The extensions the filter keeps, in order.
    pub fn visible_extensions(&self) -> Vec<&ExtensionView> {
        let Some(extensions) = self.extensions.value() else {
            return Vec::new();
        };
        let filter = self.filter.to_lowercase();
        extensions
            .iter()
            .filter(|e| {
                filter.is_empty()
                    || e.row.folder.to_lowercase().contains(&filter)
                    || e.row
                        .type_name
                        .as_deref()
                        .unwrap_or_default()
                        .to_lowercase()
                        .contains(&filter)
            })
            .collect()
    }

    pub fn extension(&self, folder: &str) -> Option<&ExtensionView> {
        self.extensions
            .value()?
            .iter()
            .find(|e| e.row.folder == folder)
    }

    /// The extension under the cursor (resources list) or on screen (detail).
    pub fn current_extension(&self) -> Option<&ExtensionView> {
        match self.screen() {
            Screen::ResourceDetail(folder) => self.extension(folder),
            Screen::List(ViewKind::Resources) => self
                .visible_extensions()
                .get(self.selected(ViewKind::Resources))
                .copied(),
            Screen::List(ViewKind::Beta) => {
                let rows = self.integ.rows.value()?;
                let row = rows.get(
                    self.selected(ViewKind::Beta)
                        .min(rows.len().checked_sub(1)?),
                )?;
                self.extension(&row.extension)
            }
            _ => None,
        }
    }

    /// The caller's account in the current stage, once known.
    pub fn account_id(&self) -> Option<&str> {
        self.accounts
            .get(&self.stage)?
            .value()?
            .caller
            .as_ref()
            .map(|c| c.account.as_str())
    }

    /// The rows of the current list view after the filter.
    pub fn row_count(&self, view: ViewKind) -> usize {
        match view {
            ViewKind::Resources => self.visible_extensions().len(),
            ViewKind::Accounts => Stage::ALL.len(),
            ViewKind::Events => self.events.as_ref().map_or(0, |e| e.watch.events.len()),
            ViewKind::Jobs => self.jobs.len(),
            ViewKind::Beta => self.integ.rows.value().map_or(0, Vec::len),
            ViewKind::Rollout => self
                .prod_rollout
                .watch
                .value()
                .and_then(|watch| watch.state.as_ref())
                .map_or(0, |state| state.regions.len()),
            ViewKind::Prod => self.versions.value().map_or(0, |found| {
                found.first().map_or(0, |extension| extension.regions.len())
            }),
            ViewKind::Pipeline => self.cicd.pipeline.value().map_or(0, |p| {
                p.state
                    .stages
                    .iter()
                    .map(|s| s.actions.len())
                    .sum::<usize>()
                    + p.executions.len()
            }),
        }
    }
}
