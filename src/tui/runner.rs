//! Runs the reducer's commands as tasks; each owns its clients and sends its results back as
//! actions. Tasks of an older generation stop and their results are dropped.

use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::app::{
    AccountsResult, BetaResult, BoardResult, Command, EventsResult, JobStatus, JobsResult,
    PipelineResult, PlanKind, RolloutResult, TaskResult, ViewResult, WorkspaceResult,
};
use crate::cloud::Connections;
use crate::cloud::accounts::account_row;
use crate::cloud::clock::Clock;
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::demo::DemoWorld;
use crate::cloud::guard::AccountGuard;
use crate::config::{Stage, WorkspaceConfig};
use crate::jobs::{JobEnd, JobEvent};
use crate::ops::pipeline::{extension_map, pipeline_name};
use crate::ops::plans;
use crate::ops::status::BoardPart;
use crate::ops::tasks::{self, RunningJobs, StageHandle};
use crate::workspace::{Extension, Workspace};

/// Executes commands for the TUI.
pub struct Runner {
    /// The workspace as last read; a scaffold that writes files reads it again.
    workspace: Arc<RwLock<Arc<Workspace>>>,
    pub config: WorkspaceConfig,
    pub overrides: Overrides,
    pub read_only: bool,
    pub job_log_dir: Option<PathBuf>,
    actions: UnboundedSender<TaskResult>,
    generation: watch::Sender<u64>,
    jobs: RunningJobs,
    /// One connection per stage context, shared by every task.
    connections: Connections,
    /// In the demo, cfn jobs are played from the demo's script instead of run.
    demo: Option<Arc<DemoWorld>>,
    /// Every task's pauses are on this clock (the demo's runs faster).
    pub clock: Clock,
    /// Where integration runs are kept (the demo's never reach the user's own history).
    pub integ_history: PathBuf,
    /// Where contract-test runs are kept (beside the integration runs in the demo).
    pub test_history: PathBuf,
    /// Integration runs going at once; the others wait for a slot.
    integ_slots: Arc<tokio::sync::Semaphore>,
    /// Every integration run's event polls share one budget (made on [`Runner::clock`]).
    integ_pacer: std::sync::OnceLock<Arc<crate::ops::integ::Pacer>>,
}

impl Drop for Runner {
    /// The demo's integration history goes with the demo.
    fn drop(&mut self) {
        if self.demo.is_some()
            && let Some(folder) = self.integ_history.parent()
        {
            let _ = std::fs::remove_dir_all(folder);
        }
    }
}

/// Sends an integration run's lines to the app, as its latest line, with the stack its events
/// are about (so that the beta view can follow it).
struct IntegProgress {
    folder: String,
    actions: UnboundedSender<TaskResult>,
    /// The generation the run was asked under.
    generation: u64,
}

impl IntegProgress {
    fn send(&self, line: String, stack_id: Option<String>) {
        let _ = self.actions.send(TaskResult::new(
            self.generation,
            BetaResult::IntegProgress {
                folder: self.folder.clone(),
                line,
                stack_id,
            },
        ));
    }
}

impl crate::ops::integ::IntegObserver for IntegProgress {
    fn line(&mut self, text: &str) {
        self.send(text.to_string(), None);
    }

    fn event(&mut self, event: &crate::cloud::StackEvent) {
        self.send(
            format!(
                "{} {} {}",
                event.logical_id, event.status, event.resource_type
            ),
            Some(event.stack_id.clone()),
        );
    }
}

impl Runner {
    pub fn new(
        workspace: Arc<Workspace>,
        config: WorkspaceConfig,
        overrides: Overrides,
        read_only: bool,
        actions: UnboundedSender<TaskResult>,
        connections: Connections,
        demo: Option<Arc<DemoWorld>>,
    ) -> Runner {
        // The demo's histories: one folder per demo, removed when it ends (see `Drop`).
        let demo_folder = demo.as_ref().map(|_| {
            static DEMOS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let demo = DEMOS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            std::env::temp_dir().join(format!("regship-demo-{}-{demo}", std::process::id()))
        });
        Runner {
            workspace: Arc::new(RwLock::new(workspace)),
            config,
            overrides,
            read_only,
            job_log_dir: None,
            actions,
            generation: watch::channel(1).0,
            jobs: Arc::default(),
            connections,
            integ_history: demo_folder
                .as_ref()
                .map(|folder| folder.join("integ-history.jsonl"))
                .unwrap_or_else(crate::ops::integ::history_file),
            test_history: demo_folder
                .as_ref()
                .map(|folder| folder.join("test-history.jsonl"))
                .unwrap_or_else(crate::ops::status::test_history_file),
            demo,
            clock: Clock::real(),
            integ_slots: Arc::new(tokio::sync::Semaphore::new(
                crate::ops::integ::DEFAULT_CONCURRENCY,
            )),
            integ_pacer: std::sync::OnceLock::new(),
        }
    }

    /// Ends every running job's process group; regship is exiting.
    pub fn end_all_jobs(&self) {
        let jobs: Vec<crate::jobs::JobHandle> = self
            .jobs
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
            .map(|(_, handle)| handle)
            .collect();
        for handle in jobs {
            handle.end_now();
        }
    }

    /// The pacer every integration run of the session shares, with the beta view's listing.
    fn integ_pacer(&self) -> Arc<crate::ops::integ::Pacer> {
        self.integ_pacer
            .get_or_init(|| Arc::new(crate::ops::integ::Pacer::on(self.clock)))
            .clone()
    }

    /// The stage's shared connection and what it is for, for a task to take along.
    fn cloud_of(&self, stage: Stage) -> StageHandle {
        StageHandle {
            connections: self.connections.clone(),
            context: self.context(stage),
        }
    }

    fn guard(&self) -> AccountGuard {
        AccountGuard {
            read_only: self.read_only,
        }
    }

    fn current_workspace(&self) -> Arc<Workspace> {
        self.workspace
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The extension in `folder`, as the workspace was last read.
    fn extension(&self, folder: &str) -> Option<Extension> {
        self.current_workspace()
            .extensions
            .iter()
            .find(|e| e.folder == folder)
            .cloned()
    }

    fn context(&self, stage: Stage) -> StageContext {
        StageContext::new(&self.config, stage, &self.overrides)
    }

    /// Sets the region of every later task (`:region`), or back to the stage's.
    pub fn set_region(&mut self, region: Option<String>) {
        self.overrides.region = region;
    }

    /// Runs one command: spawns its handler (`ops::tasks`) and sends what it returns, stamped
    /// with the generation it was asked under.
    pub fn run(&mut self, command: Command) {
        let actions = self.actions.clone();
        // What a command without a generation of its own is asked under.
        let asked = *self.generation.borrow();
        let send = move |generation: u64, result: ViewResult| {
            let _ = actions.send(TaskResult::new(generation, result));
        };
        match command {
            Command::CancelBefore { generation } => {
                self.generation.send_replace(generation);
            }
            Command::LoadAccounts { generation } => {
                for stage in Stage::ALL {
                    let (send, handle) = (send.clone(), self.cloud_of(stage));
                    tokio::spawn(async move {
                        let row = account_row(&handle.connections, handle.context).await;
                        send(generation, AccountsResult::Checked(row).into());
                    });
                }
            }
            Command::LoadExports { generation, stage } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let result = tasks::exports(&handle).await;
                    send(generation, AccountsResult::ExportsLoaded(result).into());
                });
            }
            Command::Follow {
                generation,
                stage,
                stack,
                start,
            } => {
                let (handle, clock) = (self.cloud_of(stage), self.clock);
                let cancel = self.generation_of(generation);
                tokio::spawn(tasks::follow_stack(
                    handle,
                    stack,
                    start,
                    clock,
                    cancel,
                    move |poll| {
                        let tasks::StackPoll {
                            events,
                            problem,
                            stopped,
                        } = poll;
                        let polled = EventsResult::Polled {
                            events,
                            problem,
                            stopped,
                        };
                        send(generation, polled.into());
                    },
                ));
            }
            Command::PlanChange {
                generation,
                stage,
                folder,
                delete,
            } => {
                let (handle, guard) = (self.cloud_of(stage), self.guard());
                let extension = self.extension(&folder);
                tokio::spawn(async move {
                    let planned =
                        tasks::plan_setup_change(&handle, guard, (&folder, extension), delete);
                    let result = match planned.await {
                        Ok(Ok(plan)) => EventsResult::PlanReady(plan),
                        Ok(Err(message)) => EventsResult::NothingToChange(message),
                        Err(message) => EventsResult::ChangeFailed(message),
                    };
                    send(generation, result.into());
                });
            }
            Command::Execute { stage, plan, .. } if matches!(plan.kind, PlanKind::Rollout(_)) => {
                let stage = self.cloud_of(stage).regions();
                let root = self.current_workspace().root.clone();
                tokio::spawn(async move {
                    let result = plans::execute_rollout_change(&stage, &plan, &root).await;
                    send(asked, RolloutResult::Changed(result).into());
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } if matches!(plan.kind, PlanKind::Pipeline(_)) => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let result = tasks::execute_pipeline_change(&handle, &plan).await;
                    send(generation, PipelineResult::Changed(result).into());
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let result = match tasks::execute_stack_change(&handle, &plan).await {
                        Ok(after) => EventsResult::ChangeStarted {
                            stage,
                            stack_id: plan.stack_id.clone(),
                            after,
                        },
                        Err(message) => EventsResult::ChangeFailed(message),
                    };
                    send(generation, result.into());
                });
            }
            Command::Discard { stage, plan } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move { tasks::discard_stack_change(&handle, &plan).await });
            }
            Command::LoadOutputs {
                generation,
                stage,
                stack,
            } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    if let Some((outputs, exports)) = tasks::outputs(&handle, &stack).await {
                        send(
                            generation,
                            EventsResult::OutputsLoaded { outputs, exports }.into(),
                        );
                    }
                });
            }
            Command::RunCfn {
                id,
                folder,
                verb,
                stage,
            } => {
                let task = tasks::CfnTask {
                    id,
                    verb,
                    stage,
                    handle: self.cloud_of(stage),
                    guard: self.guard(),
                    log_file: self
                        .job_log_dir
                        .as_ref()
                        .map(|dir| dir.join(format!("job-{id}-{}.log", verb.name()))),
                    jobs: self.jobs.clone(),
                    demo: self.demo.clone(),
                };
                let workspace = self.current_workspace();
                tokio::spawn(async move {
                    tasks::run_cfn(task, workspace, &folder, |event| {
                        let result = match event {
                            JobEvent::Line(line) => JobsResult::Line { id, line },
                            JobEvent::Ended(end) => JobsResult::Ended {
                                id,
                                status: match end {
                                    JobEnd::Exited(code) => JobStatus::Exited(code),
                                    JobEnd::Killed => JobStatus::Killed,
                                    JobEnd::FailedToStart(_) => JobStatus::FailedToStart,
                                },
                            },
                        };
                        send(asked, result.into());
                    })
                    .await;
                });
            }
            Command::RunInteg { folder } => {
                let task = tasks::IntegTask {
                    handle: self.cloud_of(Stage::Beta),
                    guard: self.guard(),
                    history: self.integ_history.clone(),
                    slots: self.integ_slots.clone(),
                    pacer: self.integ_pacer(),
                };
                let extension = self.extension(&folder);
                let actions = self.actions.clone();
                tokio::spawn(async move {
                    let mut observer = IntegProgress {
                        folder: folder.clone(),
                        actions,
                        generation: asked,
                    };
                    let result = tasks::run_integ(task, (&folder, extension), &mut observer).await;
                    send(asked, BetaResult::IntegFinished { folder, result }.into());
                });
            }
            Command::PollRollout { watch } => {
                let handle = self.cloud_of(Stage::Prod);
                tokio::spawn(async move {
                    let result = tasks::poll_rollout(&handle, watch).await;
                    send(asked, RolloutResult::Polled(result).into());
                });
            }
            Command::LoadVersions => {
                let handle = self.cloud_of(Stage::Prod);
                let prod = self.config.accounts.prod.clone();
                let workspace = self.current_workspace();
                tokio::spawn(async move {
                    let result = crate::ops::versions::versions(
                        &handle.connections,
                        &handle.context,
                        &prod,
                        &workspace.extensions,
                    )
                    .await;
                    send(asked, BoardResult::VersionsLoaded(result).into());
                });
            }
            Command::ReadBoard { stages } => {
                let (tests, integ) = (self.test_history.clone(), self.integ_history.clone());
                let histories = send.clone();
                tokio::task::spawn_blocking(move || {
                    let part = crate::ops::status::read_histories(&tests, &integ);
                    histories(asked, BoardResult::Read(part).into());
                });
                for stage in stages {
                    let (handle, workspace) = (self.cloud_of(stage), self.current_workspace());
                    let send = send.clone();
                    tokio::spawn(async move {
                        if let Some(part) = tasks::board_part(&handle, stage, &workspace).await {
                            send(asked, BoardResult::Read(part).into());
                        }
                    });
                }
            }
            Command::ReadProdSlice { regions, publisher } => {
                let (handle, workspace) = (self.cloud_of(Stage::Prod), self.current_workspace());
                tokio::spawn(async move {
                    let part = tasks::prod_slice(&handle, &workspace, (regions, &publisher)).await;
                    send(asked, BoardResult::Read(part).into());
                });
            }
            Command::RecordTestRun(run) => {
                let (tests, integ) = (self.test_history.clone(), self.integ_history.clone());
                tokio::task::spawn_blocking(move || {
                    let part = tasks::record_test_run((&tests, &integ), &run);
                    send(asked, BoardResult::Read(part).into());
                });
            }
            Command::LoadBeta => {
                let (handle, workspace) = (self.cloud_of(Stage::Beta), self.current_workspace());
                let (history, pacer) = (self.integ_history.clone(), self.integ_pacer());
                tokio::spawn(async move {
                    let result = tasks::beta_rows(&handle, &pacer, &workspace, history).await;
                    send(asked, BetaResult::Loaded(result).into());
                });
            }
            Command::LoadPipeline { generation, stage } => {
                let handle = self.cloud_of(stage);
                let pipeline = pipeline_name(&self.config, stage);
                let extensions = extension_map(&self.current_workspace());
                tokio::spawn(async move {
                    let result = tasks::pipeline(&handle, pipeline, extensions).await;
                    if stage == Stage::Cicd {
                        // The board's CI/CD column, whatever the user looks at by now.
                        let column = BoardPart::Cicd(tasks::cicd_column(&result));
                        send(generation, BoardResult::Read(column).into());
                    }
                    send(generation, PipelineResult::Loaded { stage, result }.into());
                });
            }
            Command::FollowBuild {
                generation,
                stage,
                build_id,
            } => {
                let (handle, clock) = (self.cloud_of(stage), self.clock);
                let cancel = self.generation_of(generation);
                tokio::spawn(tasks::follow_build(
                    handle,
                    build_id,
                    clock,
                    cancel,
                    move |poll| {
                        let tasks::BuildPoll {
                            build,
                            lines,
                            problem,
                        } = poll;
                        let polled = PipelineResult::BuildPolled {
                            build,
                            lines,
                            problem,
                        };
                        send(generation, polled.into());
                    },
                ));
            }
            Command::LoadRolloutSteps {
                generation,
                region,
                child,
            } => {
                let handle = self.cloud_of(Stage::Prod);
                tokio::spawn(async move {
                    let result = tasks::rollout_steps(&handle, (&region, &child)).await;
                    send(generation, RolloutResult::StepsLoaded(result).into());
                });
            }
            Command::LoadExecution {
                generation,
                stage,
                execution_id,
            } => {
                let handle = self.cloud_of(stage);
                let pipeline = pipeline_name(&self.config, stage);
                tokio::spawn(async move {
                    let result = tasks::execution(&handle, pipeline, &execution_id).await;
                    send(generation, PipelineResult::ExecutionLoaded(result).into());
                });
            }
            Command::PlanPipelineChange {
                generation,
                stage,
                change,
            } => {
                let (handle, guard) = (self.cloud_of(stage), self.guard());
                let pipeline = pipeline_name(&self.config, stage);
                tokio::spawn(async move {
                    let planned = tasks::plan_pipeline_change(&handle, guard, pipeline, change);
                    send(generation, planned_change(planned.await).into());
                });
            }
            Command::PlanRolloutChange { generation, change } => {
                let (handle, guard) = (self.cloud_of(Stage::Prod), self.guard());
                tokio::spawn(async move {
                    let planned = tasks::plan_rollout_change(&handle, guard, change);
                    send(generation, planned_change(planned.await).into());
                });
            }
            Command::PlanScaffold { folder, integ } => {
                let root = self.current_workspace().root.clone();
                tokio::task::spawn_blocking(move || {
                    let planned = crate::scaffold::plan_for(&root, &folder, integ);
                    send(asked, WorkspaceResult::ScaffoldPlanned(planned).into());
                });
            }
            Command::ApplyScaffold { plan } => {
                let (root, shared) = (
                    self.current_workspace().root.clone(),
                    self.workspace.clone(),
                );
                tokio::task::spawn_blocking(move || {
                    let applied = plan.apply(true);
                    let workspace = Arc::new(Workspace::load(&root));
                    let views = crate::tui::extension_views(&workspace);
                    *shared.write().unwrap_or_else(|p| p.into_inner()) = workspace;
                    send(asked, WorkspaceResult::ScaffoldApplied(applied).into());
                    send(asked, WorkspaceResult::Loaded(Ok(views)).into());
                });
            }
            Command::CancelJob { id } => {
                if let Some(handle) = self
                    .jobs
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .remove(&id)
                {
                    handle.cancel();
                }
            }
        }
    }

    /// The generation `asked` as a streaming task follows it (stopping once it moves on).
    fn generation_of(&self, asked: u64) -> tasks::Generation {
        tasks::Generation {
            asked,
            current: self.generation.subscribe(),
        }
    }
}

/// A change to confirm, or why it cannot be planned.
fn planned_change(planned: Result<crate::ops::plans::ChangePlan, String>) -> EventsResult {
    match planned {
        Ok(plan) => EventsResult::PlanReady(plan),
        Err(message) => EventsResult::ChangeFailed(message),
    }
}

#[cfg(test)]
mod tests;
