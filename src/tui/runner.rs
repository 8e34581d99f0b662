//! Runs the reducer's commands as tasks; each owns its clients and sends its results back as
//! actions. Tasks of an older generation stop and their results are dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::app::{
    AccountsResult, BetaResult, BoardResult, Command, EventsResult, ExecutionView, JobStatus,
    JobsResult, PipelineResult, PipelineView, PlanKind, RolloutResult, TaskResult, WorkspaceResult,
};
use crate::cloud::ExecutionRef;
use crate::cloud::accounts::account_row;
use crate::cloud::clock::Clock;
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::demo::DemoWorld;
use crate::cloud::guard::AccountGuard;
use crate::cloud::{Cloud, CloudError, Connections};
use crate::config::{Stage, WorkspaceConfig};
use crate::jobs::{JobEnd, JobEvent, JobHandle};
use crate::ops::cfn::{
    CfnOptions, CfnVerb, authorize_submit, cfn_args, cfn_job, preflight, submit_role,
};
use crate::ops::pipeline::{extension_map, pipeline_name};
use crate::ops::plans;
use crate::ops::status::{BoardPart, Standing, State, build_statuses};
use crate::scaffold::{plan_inputs, plan_integ};
use crate::watch::build_log::{BuildLogPoller, BuildLogProblem};
use crate::watch::stack_events::{PollProblem, StackEventPoller};
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
    jobs: Arc<Mutex<HashMap<u64, JobHandle>>>,
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

fn with_hint(error: CloudError) -> String {
    error.with_hint()
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
        let jobs: Vec<JobHandle> = self
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

    /// The stage's shared connection and what it is for, for a task to take along.
    fn cloud_of(&self, stage: Stage) -> CloudHandle {
        CloudHandle {
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

    pub fn run(&mut self, command: Command) {
        let actions = self.actions.clone();
        // What a command without a generation of its own is asked under.
        let asked = *self.generation.borrow();
        match command {
            Command::CancelBefore { generation } => {
                self.generation.send_replace(generation);
            }
            Command::LoadAccounts { generation } => {
                for stage in Stage::ALL {
                    let (actions, handle) = (actions.clone(), self.cloud_of(stage));
                    tokio::spawn(async move {
                        let row = account_row(&handle.connections, handle.context).await;
                        let _ =
                            actions.send(TaskResult::new(generation, AccountsResult::Checked(row)));
                    });
                }
            }
            Command::LoadExports { generation, stage } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let result = match handle.get().await {
                        Ok(cloud) => cloud.list_exports().await.map_err(with_hint),
                        Err(error) => Err(error),
                    };
                    let _ = actions.send(TaskResult::new(
                        generation,
                        AccountsResult::ExportsLoaded(result),
                    ));
                });
            }
            Command::Follow {
                generation,
                stage,
                stack,
                start,
            } => {
                let (handle, mut current) = (self.cloud_of(stage), self.generation.subscribe());
                let clock = self.clock;
                tokio::spawn(async move {
                    let cloud = match handle.get().await {
                        Ok(cloud) => cloud,
                        Err(problem) => {
                            let _ = actions.send(TaskResult::new(
                                generation,
                                EventsResult::Polled {
                                    events: Vec::new(),
                                    problem: Some(problem),
                                    stopped: true,
                                },
                            ));
                            return;
                        }
                    };
                    // The state keeps the history; the poller needs only the newest event to know where to stop.
                    let mut poller = StackEventPoller::new(cloud, &stack, start, 1);
                    loop {
                        let report = poller.poll().await;
                        if *current.borrow() != generation {
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
                        let _ = actions.send(TaskResult::new(
                            generation,
                            EventsResult::Polled {
                                events: report.new_events,
                                problem,
                                stopped,
                            },
                        ));
                        if stopped || poller.watch.outcome().is_some() {
                            return;
                        }
                        tokio::select! {
                            _ = clock.sleep(report.delay) => {}
                            _ = current.changed() => return,
                        }
                    }
                });
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
                    let outcome = async {
                        let extension = extension
                            .ok_or_else(|| format!("{folder} is no longer in the workspace"))?;
                        let cloud = handle.get().await?;
                        plans::plan_setup_change(cloud.as_ref(), guard, &extension, delete).await
                    };
                    let _ = actions.send(match outcome.await {
                        Ok(Ok(plan)) => TaskResult::new(generation, EventsResult::PlanReady(plan)),
                        Ok(Err(message)) => {
                            TaskResult::new(generation, EventsResult::NothingToChange(message))
                        }
                        Err(message) => {
                            TaskResult::new(generation, EventsResult::ChangeFailed(message))
                        }
                    });
                });
            }
            Command::Execute { stage, plan, .. } if matches!(plan.kind, PlanKind::Rollout(_)) => {
                let handle = self.cloud_of(stage);
                let stage = crate::cloud::StageRegions::new(handle.connections, handle.context);
                let root = self.current_workspace().root.clone();
                tokio::spawn(async move {
                    let result = plans::execute_rollout_change(&stage, &plan, &root).await;
                    let _ = actions.send(TaskResult::new(asked, RolloutResult::Changed(result)));
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } if matches!(plan.kind, PlanKind::Pipeline(_)) => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let result = match handle.get().await {
                        Ok(cloud) => plans::execute_pipeline_change(cloud.as_ref(), &plan).await,
                        Err(error) => Err(error),
                    };
                    let _ =
                        actions.send(TaskResult::new(generation, PipelineResult::Changed(result)));
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let started = match handle.get().await {
                        Ok(cloud) => plans::execute_stack_change(cloud.as_ref(), &plan)
                            .await
                            .map_err(with_hint),
                        Err(error) => Err(error),
                    };
                    let _ = actions.send(match started {
                        Ok(after) => TaskResult::new(
                            generation,
                            EventsResult::ChangeStarted {
                                stage,
                                stack_id: plan.stack_id.clone(),
                                after,
                            },
                        ),
                        Err(message) => {
                            TaskResult::new(generation, EventsResult::ChangeFailed(message))
                        }
                    });
                });
            }
            Command::Discard { stage, plan } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    if let Ok(cloud) = handle.get().await
                        && let Err(error) = plans::discard_stack_change(cloud.as_ref(), &plan).await
                    {
                        tracing::warn!(
                            "discarding the change set of {} failed: {error}",
                            plan.target
                        );
                    }
                });
            }
            Command::LoadOutputs {
                generation,
                stage,
                stack,
            } => {
                let handle = self.cloud_of(stage);
                tokio::spawn(async move {
                    let Ok(cloud) = handle.get().await else {
                        return;
                    };
                    let outputs = cloud
                        .describe_stack(&stack)
                        .await
                        .ok()
                        .flatten()
                        .map(|s| s.outputs)
                        .unwrap_or_default();
                    let exports = cloud.list_exports().await.unwrap_or_default();
                    let _ = actions.send(TaskResult::new(
                        generation,
                        EventsResult::OutputsLoaded { outputs, exports },
                    ));
                });
            }
            Command::RunCfn {
                id,
                folder,
                verb,
                stage,
            } => self.run_cfn(id, folder, verb, stage),
            Command::RunInteg { folder } => {
                let (handle, guard) = (self.cloud_of(Stage::Beta), self.guard());
                let history = self.integ_history.clone();
                let extension = self.extension(&folder);
                let slots = self.integ_slots.clone();
                let pacer = self
                    .integ_pacer
                    .get_or_init(|| Arc::new(crate::ops::integ::Pacer::on(self.clock)))
                    .clone();
                tokio::spawn(async move {
                    let outcome = async {
                        let extension = extension
                            .ok_or_else(|| format!("{folder} is no longer in the workspace"))?;
                        let _slot = slots
                            .acquire_owned()
                            .await
                            .map_err(|_| "regship is shutting down".to_string())?;
                        let _ = actions.send(TaskResult::new(
                            asked,
                            BetaResult::IntegProgress {
                                folder: folder.clone(),
                                line: "checking the beta account".into(),
                                stack_id: None,
                            },
                        ));
                        let cloud = handle.get().await?;
                        let authorization = guard
                            .authorize(cloud.as_ref(), "run integration tests")
                            .await
                            .map_err(|denial| denial.to_string())?;
                        let mut observer = IntegProgress {
                            folder: folder.clone(),
                            actions: actions.clone(),
                            generation: asked,
                        };
                        let run_id = crate::ops::integ::new_run_id(pacer.now_ms());
                        let result = crate::ops::integ::run(
                            &cloud,
                            &pacer,
                            &authorization,
                            &extension,
                            &run_id,
                            &mut observer,
                        )
                        .await;
                        if let Err(err) = crate::ops::integ::record(&history, &result) {
                            tracing::warn!("the integ result could not be kept: {err}");
                        }
                        Ok::<_, String>(Box::new(result))
                    };
                    let result = outcome.await;
                    let _ = actions.send(TaskResult::new(
                        asked,
                        BetaResult::IntegFinished { folder, result },
                    ));
                });
            }
            Command::PollRollout { watch } => {
                let handle = self.cloud_of(Stage::Prod);
                tokio::spawn(async move {
                    let result = async {
                        let cloud = handle.get().await?;
                        let stage = crate::cloud::StageRegions::new(
                            handle.connections.clone(),
                            handle.context.clone(),
                        );
                        let mut watch = match watch {
                            Some(watch) => *watch,
                            None => {
                                let newest = crate::ops::rollout_watch::newest(
                                    cloud.as_ref(),
                                    crate::ops::rollout::DOCUMENT,
                                )
                                .await
                                .map_err(with_hint)?
                                .ok_or_else(|| {
                                    "no rollout in the prod account yet: `regship rollout start EXTENSION` starts one".to_string()
                                })?;
                                crate::ops::rollout_watch::RolloutWatch::new(&newest)
                            }
                        };
                        watch.poll(&stage).await.map_err(with_hint)?;
                        Ok::<_, String>(Box::new(watch))
                    };
                    let _ =
                        actions.send(TaskResult::new(asked, RolloutResult::Polled(result.await)));
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
                    .await
                    .map_err(with_hint);
                    let _ =
                        actions.send(TaskResult::new(asked, BoardResult::VersionsLoaded(result)));
                });
            }
            Command::ReadBoard { stages } => {
                use crate::ops::status::{BoardPart, read_cicd, read_histories, read_sandbox};
                let (tests, integ) = (self.test_history.clone(), self.integ_history.clone());
                let histories = actions.clone();
                tokio::task::spawn_blocking(move || {
                    let part = read_histories(&tests, &integ);
                    let _ = histories.send(TaskResult::new(asked, BoardResult::Read(part)));
                });
                for stage in stages {
                    let (handle, workspace) = (self.cloud_of(stage), self.current_workspace());
                    let actions = actions.clone();
                    tokio::spawn(async move {
                        let (connections, context) = (&handle.connections, &handle.context);
                        let part = match stage {
                            Stage::Sandbox => {
                                BoardPart::Sandbox(read_sandbox(connections, context).await)
                            }
                            Stage::Cicd => {
                                BoardPart::Cicd(read_cicd(connections, context, &workspace).await)
                            }
                            Stage::Prod => BoardPart::ProdPlan(
                                crate::ops::versions::publishing(
                                    connections,
                                    context,
                                    &workspace.config.accounts.prod,
                                )
                                .await
                                .map_err(|error| crate::ops::status::Standing::unread(&error)),
                            ),
                            Stage::Beta => return,
                        };
                        let _ = actions.send(TaskResult::new(asked, BoardResult::Read(part)));
                    });
                }
            }
            Command::ReadProdSlice { regions, publisher } => {
                let (handle, workspace) = (self.cloud_of(Stage::Prod), self.current_workspace());
                tokio::spawn(async move {
                    let kinds = crate::ops::versions::kinds_of(&workspace.extensions);
                    let listings = crate::ops::versions::public_in(
                        &handle.connections,
                        &handle.context,
                        regions,
                        &publisher,
                        &kinds,
                    )
                    .await;
                    let part = crate::ops::status::BoardPart::ProdSlice(listings);
                    let _ = actions.send(TaskResult::new(asked, BoardResult::Read(part)));
                });
            }
            Command::RecordTestRun(run) => {
                let (tests, integ) = (self.test_history.clone(), self.integ_history.clone());
                tokio::task::spawn_blocking(move || {
                    use crate::ops::journal::append_line;
                    use crate::ops::status::read_histories;
                    if let Err(err) = append_line(&tests, &run) {
                        tracing::warn!(
                            "the contract-test run could not be kept in {}: {err}",
                            tests.display()
                        );
                    }
                    let _ = actions.send(TaskResult::new(
                        asked,
                        BoardResult::Read(read_histories(&tests, &integ)),
                    ));
                });
            }
            Command::LoadBeta => {
                let workspace = self.current_workspace();
                let path = self.integ_history.clone();
                let handle = self.cloud_of(Stage::Beta);
                tokio::spawn(async move {
                    let folders: Vec<(String, crate::config::Maturity)> = workspace
                        .extensions
                        .iter()
                        .map(|e| (e.folder.clone(), e.maturity))
                        .collect();
                    let read =
                        tokio::task::spawn_blocking(move || match std::fs::read_to_string(&path) {
                            Ok(text) => Ok(crate::ops::integ::parse_history(&text)),
                            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                                Ok(Vec::new())
                            }
                            Err(err) => Err(format!("{}: {err}", path.display())),
                        })
                        .await
                        .unwrap_or_else(|err| Err(format!("the history could not be read: {err}")));
                    // The long-lived stacks, in one listing; without the account, the column
                    // says why instead of failing the view.
                    let keep = match handle.get().await {
                        Ok(cloud) => cloud
                            .list_stacks("integ-keep-")
                            .await
                            .map_err(|error| error.message),
                        Err(message) => Err(message),
                    };
                    let result = read.map(|history| {
                        crate::ops::integ::beta_rows(&folders, &history)
                            .into_iter()
                            .map(|mut row| {
                                let name = crate::ops::integ::keep_stack_of(&row.extension);
                                row.keep = match &keep {
                                    Ok(stacks) => {
                                        Some(stacks.iter().find(|s| s.name == name).map_or(
                                            crate::ops::integ::NO_KEEP_STACK.to_string(),
                                            |s| s.status.clone(),
                                        ))
                                    }
                                    Err(_) => None,
                                };
                                row
                            })
                            .collect()
                    });
                    let _ = actions.send(TaskResult::new(asked, BetaResult::Loaded(result)));
                });
            }
            Command::LoadPipeline { generation, stage } => {
                let handle = self.cloud_of(stage);
                let pipeline = pipeline_name(&self.config, stage);
                let extensions = extension_map(&self.current_workspace());
                tokio::spawn(async move {
                    let result = async {
                        let name = pipeline.map_err(with_hint)?;
                        let cloud = handle.get().await?;
                        let state = cloud.pipeline_state(&name).await.map_err(with_hint)?;
                        let executions = cloud
                            .pipeline_executions(&name, 5)
                            .await
                            .map_err(with_hint)?;
                        Ok(PipelineView {
                            state,
                            executions,
                            extensions,
                        })
                    };
                    let result: Result<PipelineView, String> = result.await;
                    if stage == Stage::Cicd {
                        // The board's CI/CD column, whatever the user looks at by now.
                        let column = result
                            .as_ref()
                            .map(|view| build_statuses(&view.state, &view.extensions))
                            .map_err(|message| Standing::new(State::Unknown, message.clone()));
                        let _ = actions.send(TaskResult::new(
                            generation,
                            BoardResult::Read(BoardPart::Cicd(column)),
                        ));
                    }
                    let _ = actions.send(TaskResult::new(
                        generation,
                        PipelineResult::Loaded { stage, result },
                    ));
                });
            }
            Command::FollowBuild {
                generation,
                stage,
                build_id,
            } => {
                let (handle, current) = (self.cloud_of(stage), self.generation.subscribe());
                let clock = self.clock;
                tokio::spawn(follow_build(
                    handle, build_id, generation, current, actions, clock,
                ));
            }
            Command::LoadRolloutSteps {
                generation,
                region,
                child,
            } => {
                let handle = self.cloud_of(Stage::Prod);
                tokio::spawn(async move {
                    let stage = crate::cloud::StageRegions::new(handle.connections, handle.context);
                    let result = async {
                        // The child lives in its own region: read it there.
                        let cloud = stage.region(&region).await.map_err(with_hint)?;
                        cloud.rollout_steps(&child).await.map_err(with_hint)
                    };
                    let _ = actions.send(TaskResult::new(
                        generation,
                        RolloutResult::StepsLoaded(result.await),
                    ));
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
                    let result = async {
                        let name = pipeline.map_err(with_hint)?;
                        let cloud = handle.get().await?;
                        let execution = cloud
                            .pipeline_execution(ExecutionRef {
                                pipeline: &name,
                                execution_id: &execution_id,
                            })
                            .await
                            .map_err(with_hint)?;
                        let actions = cloud
                            .action_executions(ExecutionRef {
                                pipeline: &name,
                                execution_id: &execution_id,
                            })
                            .await
                            .map_err(with_hint)?;
                        Ok(ExecutionView { execution, actions })
                    };
                    let _ = actions.send(TaskResult::new(
                        generation,
                        PipelineResult::ExecutionLoaded(result.await),
                    ));
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
                    let planned = async {
                        let name = pipeline.map_err(with_hint)?;
                        let cloud = handle.get().await?;
                        plans::plan_pipeline_change(cloud.as_ref(), guard, name, change).await
                    };
                    let _ = actions.send(match planned.await {
                        Ok(plan) => TaskResult::new(generation, EventsResult::PlanReady(plan)),
                        Err(message) => {
                            TaskResult::new(generation, EventsResult::ChangeFailed(message))
                        }
                    });
                });
            }
            Command::PlanRolloutChange { generation, change } => {
                let (handle, guard) = (self.cloud_of(Stage::Prod), self.guard());
                tokio::spawn(async move {
                    let planned = async {
                        let cloud = handle.get().await?;
                        plans::plan_rollout_change(cloud.as_ref(), guard, change).await
                    };
                    let _ = actions.send(match planned.await {
                        Ok(plan) => TaskResult::new(generation, EventsResult::PlanReady(plan)),
                        Err(message) => {
                            TaskResult::new(generation, EventsResult::ChangeFailed(message))
                        }
                    });
                });
            }
            Command::PlanScaffold { folder, integ } => {
                let root = self.current_workspace().root.clone();
                tokio::task::spawn_blocking(move || {
                    let workspace = Workspace::load(&root);
                    let planned = match workspace.extensions.iter().find(|e| e.folder == folder) {
                        Some(extension) if integ => plan_integ(extension),
                        Some(extension) => plan_inputs(extension, None, true, false),
                        None => Err(format!("{folder} is no longer in the workspace")),
                    };
                    let _ = actions.send(TaskResult::new(
                        asked,
                        WorkspaceResult::ScaffoldPlanned(planned),
                    ));
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
                    let _ = actions.send(TaskResult::new(
                        asked,
                        WorkspaceResult::ScaffoldApplied(applied),
                    ));
                    let _ =
                        actions.send(TaskResult::new(asked, WorkspaceResult::Loaded(Ok(views))));
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

    /// A cfn job: the guard before submit, the preflight before test, then the real `cfn` (or,
    /// in the demo, the demo's transcript of it), its lines sent as they come.
    fn run_cfn(&self, id: u64, folder: String, verb: CfnVerb, stage: Stage) {
        let (handle, guard, jobs) = (self.cloud_of(stage), self.guard(), self.jobs.clone());
        let (actions, demo) = (self.actions.clone(), self.demo.clone());
        let workspace = self.current_workspace();
        let asked = *self.generation.borrow();
        let log_file = self
            .job_log_dir
            .as_ref()
            .map(|dir| dir.join(format!("job-{id}-{}.log", verb.name())));
        tokio::spawn(async move {
            let say = |line: String| {
                let _ = actions.send(TaskResult::new(asked, JobsResult::Line { id, line }));
            };
            let refuse = |line: String| {
                let _ = actions.send(TaskResult::new(asked, JobsResult::Line { id, line }));
                let _ = actions.send(TaskResult::new(
                    asked,
                    JobsResult::Ended {
                        id,
                        status: JobStatus::FailedToStart,
                    },
                ));
            };
            let Some(extension) = workspace.extensions.iter().find(|e| e.folder == folder) else {
                return refuse(format!("{folder} is no longer in the workspace"));
            };
            let mut aws = None;
            let mut options = CfnOptions::default();
            if matches!(verb, CfnVerb::Test | CfnVerb::Submit) {
                let cloud = match handle.get().await {
                    Ok(cloud) => cloud,
                    Err(error) => return refuse(error),
                };
                if verb == CfnVerb::Submit {
                    let authorization = match authorize_submit(cloud.as_ref(), guard).await {
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
                            "fix these and run the test again (the CLI has --skip-preflight)"
                                .into(),
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
            if let Some(demo) = demo {
                let status = demo
                    .play_cfn(verb.name(), &extension.folder, stage, |line| {
                        let _ = actions.send(TaskResult::new(asked, JobsResult::Line { id, line }));
                    })
                    .await;
                let _ = actions.send(TaskResult::new(
                    asked,
                    JobsResult::Ended {
                        id,
                        status: JobStatus::Exited(status),
                    },
                ));
                return;
            }
            let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
            if let Some(handle) =
                crate::jobs::spawn(cfn_job(&workspace.root, extension, args, log_file), events)
            {
                jobs.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(id, handle);
            }
            while let Some(event) = received.recv().await {
                let action = match event {
                    JobEvent::Line(line) => TaskResult::new(asked, JobsResult::Line { id, line }),
                    JobEvent::Ended(JobEnd::Exited(code)) => TaskResult::new(
                        asked,
                        JobsResult::Ended {
                            id,
                            status: JobStatus::Exited(code),
                        },
                    ),
                    JobEvent::Ended(JobEnd::Killed) => TaskResult::new(
                        asked,
                        JobsResult::Ended {
                            id,
                            status: JobStatus::Killed,
                        },
                    ),
                    JobEvent::Ended(JobEnd::FailedToStart(message)) => {
                        say(format!(
                            "{message}; install it with pip (pip install cloudformation-cli and the language plugin), or set REGSHIP_CFN"
                        ));
                        TaskResult::new(
                            asked,
                            JobsResult::Ended {
                                id,
                                status: JobStatus::FailedToStart,
                            },
                        )
                    }
                };
                let _ = actions.send(action);
            }
            jobs.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
        });
    }
}

/// A stage's shared connection, taken along by a task and made on its first use.
struct CloudHandle {
    connections: Connections,
    context: StageContext,
}

impl CloudHandle {
    async fn get(&self) -> Result<Arc<dyn Cloud>, String> {
        self.connections.get(&self.context).await.map_err(with_hint)
    }
}

/// The lines of a build log the build screen reads first.
const BUILD_LOG_TAIL: i32 = 500;

/// Polls the build and reads its log until the build has ended and the log is drained, or the
/// generation moves on.
async fn follow_build(
    handle: CloudHandle,
    build_id: String,
    generation: u64,
    mut current: watch::Receiver<u64>,
    actions: UnboundedSender<TaskResult>,
    clock: Clock,
) {
    let send = |build, lines, problem| {
        let _ = actions.send(TaskResult::new(
            generation,
            PipelineResult::BuildPolled {
                build,
                lines,
                problem,
            },
        ));
    };
    let cloud = match handle.get().await {
        Ok(cloud) => cloud,
        Err(problem) => return send(None, Vec::new(), Some(problem)),
    };
    let mut poller = BuildLogPoller::new(cloud, &build_id, BUILD_LOG_TAIL);
    loop {
        let report = poller.poll().await;
        if *current.borrow() != generation {
            return;
        }
        let lines = report.lines.into_iter().map(|l| l.message).collect();
        send(
            report.build,
            lines,
            report.problem.as_ref().map(BuildLogProblem::describe),
        );
        if report.finished {
            return;
        }
        tokio::select! {
            _ = clock.sleep(report.delay) => {}
            _ = current.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests;
