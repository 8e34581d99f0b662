//! One async handler per task the TUI runs: each takes what it needs (the stage's connection,
//! the guard, the workspace) and returns its result, or hands each part of a stream to a sink.
//! The TUI's runner only spawns them, cancels them and sends what they return to the reducer.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;

use super::cfn::{
    CfnOptions, CfnVerb, authorize_submit, cfn_args, cfn_job, preflight, submit_role,
};
use super::integ::{BetaRow, IntegObserver, IntegResult, Pacer};
use super::pipeline::{ExecutionView, PipelineView};
use super::plans::{self, ChangePlan, PipelineChange, RolloutChange};
use super::rollout_watch::RolloutWatch;
use super::status::{BoardPart, Standing, State, TestRun, build_statuses};
use crate::cloud::clock::Clock;
use crate::cloud::context::StageContext;
use crate::cloud::demo::DemoWorld;
use crate::cloud::guard::AccountGuard;
use crate::cloud::{
    Build, Cloud, CloudError, CloudErrorKind, Connections, ExecutionRef, Export, StackEvent,
    StackOutput, StageRegions, StepRun,
};
use crate::config::{Maturity, Stage};
use crate::jobs::{JobEnd, JobEvent, JobHandle};
use crate::watch::build_log::{BuildLogPoller, BuildLogProblem};
use crate::watch::stack_events::{PollProblem, StackEventPoller, Start};
use crate::workspace::{Extension, Workspace};

fn with_hint(error: CloudError) -> String {
    error.with_hint()
}

/// One stage context's shared connection, for a task to take along.
#[derive(Clone)]
pub struct StageHandle {
    pub connections: Connections,
    pub context: StageContext,
}

impl StageHandle {
    /// The connection (made once per context), or what is wrong with it.
    pub async fn get(&self) -> Result<Arc<dyn Cloud>, CloudError> {
        self.connections.get(&self.context).await
    }

    /// The stage in every region it reaches.
    pub fn regions(&self) -> StageRegions {
        StageRegions::new(self.connections.clone(), self.context.clone())
    }
}

/// A streaming task's generation: it stops once a newer one is asked for.
pub struct Generation {
    pub asked: u64,
    pub current: watch::Receiver<u64>,
}

impl Generation {
    fn is_stale(&self) -> bool {
        *self.current.borrow() != self.asked
    }

    /// Sleeps `delay` on `clock`; `false` when the generation moved on meanwhile.
    async fn pause(&mut self, clock: Clock, delay: std::time::Duration) -> bool {
        tokio::select! {
            _ = clock.sleep(delay) => true,
            _ = self.current.changed() => false,
        }
    }
}

/// Every export of the stage's region.
pub async fn exports(handle: &StageHandle) -> Result<Vec<Export>, CloudError> {
    handle.get().await?.list_exports().await
}

/// One poll of a followed stack: its new events, and the problem (and whether polling stopped).
pub struct StackPoll {
    pub events: Vec<StackEvent>,
    pub problem: Option<String>,
    pub stopped: bool,
}

/// Follows a stack's events until its operation ends, polling stops or the generation moves
/// on; each poll goes to `sink`.
pub async fn follow_stack(
    handle: StageHandle,
    stack: String,
    start: Start,
    clock: Clock,
    mut generation: Generation,
    sink: impl Fn(StackPoll),
) {
    let cloud = match handle.get().await {
        Ok(cloud) => cloud,
        Err(problem) => {
            return sink(StackPoll {
                events: Vec::new(),
                problem: Some(problem.with_hint()),
                stopped: true,
            });
        }
    };
    // The state keeps the history; the poller needs only the newest event to know where to stop.
    let mut poller = StackEventPoller::new(cloud, &stack, start, 1);
    loop {
        let report = poller.poll().await;
        if generation.is_stale() {
            return;
        }
        let (problem, stopped) = match &report.problem {
            None => (None, false),
            Some(PollProblem::Retrying { error, attempt }) => (
                Some(format!(
                    "{} (attempt {attempt}); retrying in {:.0}s",
                    error.message,
                    report.delay.as_secs_f64()
                )),
                false,
            ),
            Some(PollProblem::Stopped(error) | PollProblem::Failed(error)) => {
                (Some(with_hint(error.clone())), true)
            }
        };
        sink(StackPoll {
            events: report.new_events,
            problem,
            stopped,
        });
        if stopped || poller.watch.outcome().is_some() {
            return;
        }
        if !generation.pause(clock, report.delay).await {
            return;
        }
    }
}

/// What a setup deploy or delete would change: a plan to confirm (`Ok(Ok)`), nothing to change
/// (`Ok(Err)`, why), or why it cannot be planned (`Err`).
pub async fn plan_setup_change(
    handle: &StageHandle,
    guard: AccountGuard,
    (folder, extension): (&str, Option<Extension>),
    delete: bool,
) -> Result<Result<ChangePlan, String>, String> {
    let extension = extension.ok_or_else(|| format!("{folder} is no longer in the workspace"))?;
    let cloud = handle.get().await.map_err(with_hint)?;
    plans::plan_setup_change(cloud.as_ref(), guard, &extension, delete).await
}

/// Executes a confirmed stack change; the last event before it, to follow the stack after.
pub async fn execute_stack_change(
    handle: &StageHandle,
    plan: &ChangePlan,
) -> Result<Option<String>, String> {
    let cloud = handle.get().await.map_err(with_hint)?;
    plans::execute_stack_change(cloud.as_ref(), plan)
        .await
        .map_err(with_hint)
}

/// Executes a confirmed pipeline change; what it did.
pub async fn execute_pipeline_change(
    handle: &StageHandle,
    plan: &ChangePlan,
) -> Result<String, String> {
    let cloud = handle.get().await.map_err(with_hint)?;
    plans::execute_pipeline_change(cloud.as_ref(), plan).await
}

/// Drops the change set of a plan the user declined (a failure is only logged).
pub async fn discard_stack_change(handle: &StageHandle, plan: &ChangePlan) {
    if let Ok(cloud) = handle.get().await
        && let Err(error) = plans::discard_stack_change(cloud.as_ref(), plan).await
    {
        tracing::warn!(
            "discarding the change set of {} failed: {error}",
            plan.target
        );
    }
}

/// A stack's outputs and the region's exports once it succeeded (empty when unreadable).
pub async fn outputs(handle: &StageHandle, stack: &str) -> Option<(Vec<StackOutput>, Vec<Export>)> {
    let cloud = handle.get().await.ok()?;
    let outputs = cloud
        .describe_stack(stack)
        .await
        .ok()
        .flatten()
        .map(|s| s.outputs)
        .unwrap_or_default();
    let exports = cloud.list_exports().await.unwrap_or_default();
    Some((outputs, exports))
}

/// What an integration run needs besides its extension.
pub struct IntegTask {
    pub handle: StageHandle,
    pub guard: AccountGuard,
    pub history: PathBuf,
    pub slots: Arc<tokio::sync::Semaphore>,
    pub pacer: Arc<Pacer>,
}

/// One extension's integration run in beta, once a slot is free; kept in the history.
pub async fn run_integ(
    task: IntegTask,
    (folder, extension): (&str, Option<Extension>),
    observer: &mut dyn IntegObserver,
) -> Result<Box<IntegResult>, String> {
    let extension = extension.ok_or_else(|| format!("{folder} is no longer in the workspace"))?;
    let _slot = task
        .slots
        .acquire_owned()
        .await
        .map_err(|_| "regship is shutting down".to_string())?;
    observer.line("checking the beta account");
    let cloud = task.handle.get().await.map_err(with_hint)?;
    let authorization = task
        .guard
        .authorize(cloud.as_ref(), "run integration tests")
        .await
        .map_err(|denial| denial.to_string())?;
    let run_id = super::integ::new_run_id(task.pacer.now_ms());
    let result = super::integ::run(
        &cloud,
        &task.pacer,
        &authorization,
        &extension,
        &run_id,
        observer,
    )
    .await;
    if let Err(err) = super::integ::record(&task.history, &result) {
        tracing::warn!("the integ result could not be kept: {err}");
    }
    Ok(Box::new(result))
}

/// The beta view's rows: the history's runs, and each long-lived stack's status (from the
/// listing the integration runs share: a fresh one, or one made in their budget; without the
/// account, the column says nothing instead of failing the view).
pub async fn beta_rows(
    handle: &StageHandle,
    pacer: &Pacer,
    workspace: &Workspace,
    history: PathBuf,
) -> Result<Vec<BetaRow>, String> {
    let folders: Vec<(String, Maturity)> = workspace
        .extensions
        .iter()
        .map(|e| (e.folder.clone(), e.maturity))
        .collect();
    let read = tokio::task::spawn_blocking(move || match std::fs::read_to_string(&history) {
        Ok(text) => Ok(super::integ::parse_history(&text)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(err) => Err(format!("{}: {err}", history.display())),
    })
    .await
    .unwrap_or_else(|err| Err(format!("the history could not be read: {err}")));
    let keep = match handle.get().await {
        Ok(cloud) => {
            pacer
                .statuses(cloud.as_ref(), super::integ::KEEP_STACK_PREFIX)
                .await
        }
        Err(_) => None,
    };
    read.map(|history| {
        super::integ::beta_rows(&folders, &history)
            .into_iter()
            .map(|mut row| {
                let name = super::integ::keep_stack_of(&row.extension);
                row.keep = keep.as_ref().map(|stacks| {
                    stacks
                        .get(&name)
                        .cloned()
                        .unwrap_or_else(|| super::integ::NO_KEEP_STACK.to_string())
                });
                row
            })
            .collect()
    })
}

/// Polls a rollout: the one given, or the prod account's newest.
pub async fn poll_rollout(
    handle: &StageHandle,
    watch: Option<Box<RolloutWatch>>,
) -> Result<Box<RolloutWatch>, CloudError> {
    let cloud = handle.get().await?;
    let mut watch = match watch {
        Some(watch) => *watch,
        None => {
            let newest = super::rollout_watch::newest(cloud.as_ref(), super::rollout::DOCUMENT)
                .await?
                .ok_or_else(|| {
                    CloudError::new(
                        CloudErrorKind::NotFound,
                        "no rollout in the prod account yet",
                        "`regship rollout start EXTENSION` starts one",
                    )
                })?;
            RolloutWatch::new(&newest)
        }
    };
    watch.poll(&handle.regions()).await?;
    Ok(Box::new(watch))
}

/// One region's steps of a rollout, read from its child in its own region.
pub async fn rollout_steps(
    handle: &StageHandle,
    (region, child): (&str, &str),
) -> Result<Vec<StepRun>, CloudError> {
    let cloud = handle.regions().region(region).await?;
    cloud.rollout_steps(child).await
}

/// One board stage's read (beta has no column of its own to read).
pub async fn board_part(
    handle: &StageHandle,
    stage: Stage,
    workspace: &Workspace,
) -> Option<BoardPart> {
    use super::status::{read_cicd, read_sandbox};
    let (connections, context) = (&handle.connections, &handle.context);
    Some(match stage {
        Stage::Sandbox => BoardPart::Sandbox(read_sandbox(connections, context).await),
        Stage::Cicd => BoardPart::Cicd(read_cicd(connections, context, workspace).await),
        Stage::Prod => BoardPart::ProdPlan(
            super::versions::publishing(connections, context, &workspace.config.accounts.prod)
                .await
                .map_err(|error| Standing::unread(&error)),
        ),
        Stage::Beta => return None,
    })
}

/// The public versions of a few prod regions, for the board's prod column.
pub async fn prod_slice(
    handle: &StageHandle,
    workspace: &Workspace,
    (regions, publisher): (Vec<String>, &str),
) -> BoardPart {
    let kinds = super::versions::kinds_of(&workspace.extensions);
    let listings = super::versions::public_in(
        &handle.connections,
        &handle.context,
        regions,
        publisher,
        &kinds,
    )
    .await;
    BoardPart::ProdSlice(listings)
}

/// Keeps a contract-test run; the histories as they are now (blocking: run it off the loop).
pub fn record_test_run(histories: (&Path, &Path), run: &TestRun) -> BoardPart {
    let (tests, integ) = histories;
    if let Err(err) = super::journal::append_line(tests, run) {
        tracing::warn!(
            "the contract-test run could not be kept in {}: {err}",
            tests.display()
        );
    }
    super::status::read_histories(tests, integ)
}

/// The pipeline view's pipeline: its state and its latest executions.
pub async fn pipeline(
    handle: &StageHandle,
    pipeline: Result<String, CloudError>,
    extensions: Vec<(String, String)>,
) -> Result<PipelineView, CloudError> {
    let name = pipeline?;
    let cloud = handle.get().await?;
    let state = cloud.pipeline_state(&name).await?;
    let executions = cloud.pipeline_executions(&name, 5).await?;
    Ok(PipelineView {
        state,
        executions,
        extensions,
    })
}

/// The board's CI/CD column from a read of the pipeline.
pub fn cicd_column(
    read: &Result<PipelineView, CloudError>,
) -> Result<BTreeMap<String, String>, Standing> {
    read.as_ref()
        .map(|view| build_statuses(&view.state, &view.extensions))
        .map_err(|error| Standing::new(State::Unknown, error.with_hint()))
}

/// One execution and the actions it ran.
pub async fn execution(
    handle: &StageHandle,
    pipeline: Result<String, CloudError>,
    execution_id: &str,
) -> Result<ExecutionView, CloudError> {
    let name = pipeline?;
    let cloud = handle.get().await?;
    let execution = ExecutionRef {
        pipeline: &name,
        execution_id,
    };
    let record = cloud.pipeline_execution(execution).await?;
    let actions = cloud.action_executions(execution).await?;
    Ok(ExecutionView {
        execution: record,
        actions,
    })
}

/// A pipeline change to confirm, through the guard.
pub async fn plan_pipeline_change(
    handle: &StageHandle,
    guard: AccountGuard,
    pipeline: Result<String, CloudError>,
    change: PipelineChange,
) -> Result<ChangePlan, String> {
    let name = pipeline.map_err(with_hint)?;
    let cloud = handle.get().await.map_err(with_hint)?;
    plans::plan_pipeline_change(cloud.as_ref(), guard, name, change).await
}

/// A rollout change to confirm, through the guard.
pub async fn plan_rollout_change(
    handle: &StageHandle,
    guard: AccountGuard,
    change: RolloutChange,
) -> Result<ChangePlan, String> {
    let cloud = handle.get().await.map_err(with_hint)?;
    plans::plan_rollout_change(cloud.as_ref(), guard, change).await
}

/// The lines of a build log the build screen reads first.
const BUILD_LOG_TAIL: i32 = 500;

/// One poll of a followed build: the build, the log lines since, and any problem.
pub struct BuildPoll {
    pub build: Option<Build>,
    pub lines: Vec<String>,
    pub problem: Option<String>,
}

/// Polls the build and reads its log until the build has ended and the log is drained, or the
/// generation moves on; each poll goes to `sink`.
pub async fn follow_build(
    handle: StageHandle,
    build_id: String,
    clock: Clock,
    mut generation: Generation,
    sink: impl Fn(BuildPoll),
) {
    let cloud = match handle.get().await {
        Ok(cloud) => cloud,
        Err(problem) => {
            return sink(BuildPoll {
                build: None,
                lines: Vec::new(),
                problem: Some(problem.with_hint()),
            });
        }
    };
    let mut poller = BuildLogPoller::new(cloud, &build_id, BUILD_LOG_TAIL);
    loop {
        let report = poller.poll().await;
        if generation.is_stale() {
            return;
        }
        sink(BuildPoll {
            build: report.build,
            lines: report.lines.into_iter().map(|l| l.message).collect(),
            problem: report.problem.as_ref().map(BuildLogProblem::describe),
        });
        if report.finished || !generation.pause(clock, report.delay).await {
            return;
        }
    }
}

/// The jobs running now, by id, so that a job can be cancelled (and all ended on exit).
pub type RunningJobs = Arc<std::sync::Mutex<std::collections::HashMap<u64, JobHandle>>>;

/// What a `cfn` job needs besides its extension: its stage's connection and guard, where its
/// log goes, the running jobs to join, and the demo that plays it instead, if any.
pub struct CfnTask {
    pub id: u64,
    pub verb: CfnVerb,
    pub stage: Stage,
    pub handle: StageHandle,
    pub guard: AccountGuard,
    pub log_file: Option<PathBuf>,
    pub jobs: RunningJobs,
    pub demo: Option<Arc<DemoWorld>>,
}

/// A cfn job: the guard (and the beta handler role) before submit, the preflight before test,
/// then the real `cfn` (or the demo's transcript of it); each line and the end go to `sink`.
pub async fn run_cfn(
    task: CfnTask,
    workspace: Arc<Workspace>,
    folder: &str,
    sink: impl Fn(JobEvent),
) {
    let say = |line: String| sink(JobEvent::Line(line));
    let refuse = |line: String| {
        sink(JobEvent::Line(line.clone()));
        sink(JobEvent::Ended(JobEnd::FailedToStart(line)));
    };
    let Some(extension) = workspace.extensions.iter().find(|e| e.folder == folder) else {
        return refuse(format!("{folder} is no longer in the workspace"));
    };
    let verb = task.verb;
    let mut aws = None;
    // `u` registers the working tree as the default version (what `I` then tests), as its help
    // says; without it, the next integration run would test the old default.
    let mut options = CfnOptions {
        set_default: verb == CfnVerb::Submit,
        ..CfnOptions::default()
    };
    if matches!(verb, CfnVerb::Test | CfnVerb::Submit) {
        let cloud = match task.handle.get().await {
            Ok(cloud) => cloud,
            Err(error) => return refuse(error.with_hint()),
        };
        if verb == CfnVerb::Submit {
            let authorization = match authorize_submit(cloud.as_ref(), task.guard).await {
                Ok(authorization) => authorization,
                Err(refusal) => return refuse(refusal),
            };
            match submit_role(cloud.as_ref(), &authorization, extension).await {
                Ok(role) => options.role_arn = role,
                Err(error) => return refuse(error.with_hint()),
            }
        }
        if verb == CfnVerb::Test {
            let problems = preflight(&workspace, extension, cloud.as_ref()).await;
            if !problems.is_empty() {
                say("preflight refused to run cfn test:".into());
                problems
                    .into_iter()
                    .for_each(|problem| say(format!("  - {problem}")));
                return refuse(
                    "fix these and run the test again (the CLI has --skip-preflight)".into(),
                );
            }
            say("preflight: inputs pass the checks, the setup stack is complete, every export exists".into());
        }
        aws = Some((cloud.region(), cloud.context().profile.clone()));
    }
    let args = cfn_args(
        verb,
        aws.as_ref()
            .map(|(region, profile)| (region.as_str(), profile.as_deref())),
        &options,
        &[],
    );
    say(format!("$ cfn {}", args.join(" ")));
    if let Some(demo) = task.demo {
        let status = demo
            .play_cfn(verb.name(), &extension.folder, task.stage, say)
            .await;
        return sink(JobEvent::Ended(JobEnd::Exited(status)));
    }
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let job = cfn_job(&workspace.root, extension, args, task.log_file);
    if let Some(handle) = crate::jobs::spawn(job, events) {
        task.jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(task.id, handle);
    }
    while let Some(event) = received.recv().await {
        if let JobEvent::Ended(JobEnd::FailedToStart(message)) = &event {
            say(format!(
                "{message}; install it with pip (pip install cloudformation-cli and the language plugin), or set REGSHIP_CFN"
            ));
        }
        sink(event);
    }
    task.jobs
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&task.id);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloud::fake::Fake;
    use crate::cloud::{PipelineExecution, PipelineState};
    use crate::config::WorkspaceConfig;

    fn handle(fake: &Fake, stage: Stage) -> StageHandle {
        StageHandle {
            connections: Connections::new(fake.connector()),
            context: StageContext::new(&WorkspaceConfig::default(), stage, &Default::default()),
        }
    }

    #[tokio::test]
    async fn the_pipeline_is_its_state_and_latest_executions_and_a_missing_name_calls_nothing() {
        let fake = Fake::new();
        fake.answer("pipeline_state", |_| {
            Ok(PipelineState {
                name: "regship-extensions".into(),
                stages: Vec::new(),
            })
        })
        .answer("pipeline_executions", |_| {
            Ok(vec![PipelineExecution {
                id: "e1".into(),
                status: "Failed".into(),
                trigger: None,
                start_ms: None,
                last_update_ms: None,
                revision: None,
                revision_summary: None,
            }])
        });
        let cicd = handle(&fake, Stage::Cicd);
        let read = pipeline(&cicd, Ok("regship-extensions".into()), Vec::new())
            .await
            .unwrap();
        assert_eq!(read.executions[0].id, "e1");
        assert_eq!(
            fake.calls(),
            ["cicd pipeline_state", "cicd pipeline_executions"]
        );
        let unnamed = CloudError::new(CloudErrorKind::Invalid, "no pipeline for cicd", "set it");
        let error = pipeline(&cicd, Err(unnamed.clone()), Vec::new())
            .await
            .unwrap_err();
        assert_eq!(error, unnamed);
        assert_eq!(fake.calls().len(), 2, "nothing more was called");
        assert_eq!(
            cicd_column(&Err(error)).unwrap_err().detail,
            "no pipeline for cicd: set it"
        );
    }

    #[tokio::test]
    async fn without_a_rollout_the_prod_view_says_how_to_start_one() {
        let fake = Fake::new();
        fake.answer("list_rollouts", |_| {
            Ok(Vec::<crate::cloud::RolloutSummary>::new())
        });
        let error = poll_rollout(&handle(&fake, Stage::Prod), None)
            .await
            .unwrap_err();
        assert_eq!(error.kind, CloudErrorKind::NotFound);
        assert!(error.hint.contains("regship rollout start"), "{error:?}");
    }
}
