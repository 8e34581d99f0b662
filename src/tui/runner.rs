//! Runs the reducer's commands as tasks; each owns its clients and sends its results back as
//! actions. Tasks of an older generation stop and their results are dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::app::CfnVerb;
use crate::app::{Action, ChangePlan, Command, ExecutionView, JobStatus, PipelineView, PlanKind};
use crate::cloud::accounts::account_row;
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::guard::AccountGuard;
use crate::cloud::setup_stack::{self, DeployPlan};
use crate::cloud::{ChangeSet, CloudError};
use crate::commands::cfn::{authorize_submit, cfn_args, cfn_job, preflight};
use crate::config::{Stage, WorkspaceConfig};
use crate::jobs::{JobEnd, JobEvent, JobHandle};
use crate::scaffold::{plan_inputs, plan_integ};
use crate::watch::stack_events::{PollProblem, StackEventPoller};
use crate::workspace::Workspace;

use super::pipeline_tasks;

/// Executes commands for the TUI.
pub struct Runner {
    /// The workspace as last read; a scaffold that writes files reads it again.
    workspace: Arc<RwLock<Arc<Workspace>>>,
    pub config: WorkspaceConfig,
    pub overrides: Overrides,
    pub read_only: bool,
    pub job_log_dir: Option<PathBuf>,
    actions: UnboundedSender<Action>,
    generation: watch::Sender<u64>,
    jobs: Arc<Mutex<HashMap<u64, JobHandle>>>,
}

fn with_hint(error: CloudError) -> String {
    error.with_hint()
}

impl Runner {
    pub fn new(
        workspace: Arc<Workspace>,
        config: WorkspaceConfig,
        overrides: Overrides,
        read_only: bool,
        actions: UnboundedSender<Action>,
    ) -> Runner {
        Runner {
            workspace: Arc::new(RwLock::new(workspace)),
            config,
            overrides,
            read_only,
            job_log_dir: None,
            actions,
            generation: watch::channel(1).0,
            jobs: Arc::default(),
        }
    }

    fn current_workspace(&self) -> Arc<Workspace> {
        self.workspace
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
        match command {
            Command::CancelBefore { generation } => {
                self.generation.send_replace(generation);
            }
            Command::LoadAccounts { generation } => {
                for stage in Stage::ALL {
                    let (actions, context) = (actions.clone(), self.context(stage));
                    tokio::spawn(async move {
                        let row = account_row(context).await;
                        let _ = actions.send(Action::AccountChecked { generation, row });
                    });
                }
            }
            Command::LoadExports { generation, stage } => {
                let context = self.context(stage);
                tokio::spawn(async move {
                    let result = match AwsCloud::connect(context).await {
                        Ok(cloud) => cloud.list_exports().await.map_err(with_hint),
                        Err(error) => Err(with_hint(error)),
                    };
                    let _ = actions.send(Action::ExportsLoaded { generation, result });
                });
            }
            Command::Follow {
                generation,
                stage,
                stack,
                start,
            } => {
                let (context, mut current) = (self.context(stage), self.generation.subscribe());
                tokio::spawn(async move {
                    let cloud = match AwsCloud::connect(context).await {
                        Ok(cloud) => cloud,
                        Err(error) => {
                            let problem = Some(with_hint(error));
                            let _ = actions.send(Action::EventsPolled {
                                generation,
                                events: Vec::new(),
                                problem,
                                stopped: true,
                            });
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
                        let _ = actions.send(Action::EventsPolled {
                            generation,
                            events: report.new_events,
                            problem,
                            stopped,
                        });
                        if stopped || poller.watch.outcome().is_some() {
                            return;
                        }
                        tokio::select! {
                            _ = tokio::time::sleep(report.delay) => {}
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
                let context = self.context(stage);
                let guard = AccountGuard {
                    read_only: self.read_only,
                };
                let extension = self
                    .current_workspace()
                    .extensions
                    .iter()
                    .find(|e| e.folder == folder)
                    .cloned();
                tokio::spawn(async move {
                    let outcome = plan_change(context, guard, extension, folder, delete).await;
                    let _ = actions.send(match outcome {
                        Ok(Ok(plan)) => Action::PlanReady { generation, plan },
                        Ok(Err(message)) => Action::NothingToChange {
                            generation,
                            message,
                        },
                        Err(message) => Action::ChangeFailed {
                            generation,
                            message,
                        },
                    });
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } if matches!(plan.kind, PlanKind::Pipeline(_)) => {
                let context = self.context(stage);
                tokio::spawn(async move {
                    let result = pipeline_tasks::execute_pipeline_change(context, plan).await;
                    let _ = actions.send(Action::PipelineChanged { generation, result });
                });
            }
            Command::Execute {
                generation,
                stage,
                plan,
            } => {
                let context = self.context(stage);
                tokio::spawn(async move {
                    let started = async {
                        let cloud = AwsCloud::connect(context).await?;
                        match &plan.kind {
                            PlanKind::Deploy { change_set_id, .. } => {
                                let change_set = change_set_of(&plan, change_set_id);
                                setup_stack::execute(&cloud, &plan.authorization, &change_set).await
                            }
                            PlanKind::Delete => {
                                setup_stack::delete(&cloud, &plan.authorization, &plan.stack_id)
                                    .await
                            }
                            // Routed to the pipeline task by the arm above.
                            PlanKind::Pipeline(_) => Err(CloudError::new(
                                crate::cloud::CloudErrorKind::Invalid,
                                "a pipeline change is not a stack change",
                                "this is a bug in regship: please report it",
                            )),
                        }
                    };
                    let _ = actions.send(match started.await {
                        Ok(after) => Action::ChangeStarted {
                            generation,
                            stage,
                            stack_id: plan.stack_id.clone(),
                            after,
                        },
                        Err(error) => Action::ChangeFailed {
                            generation,
                            message: with_hint(error),
                        },
                    });
                });
            }
            Command::Discard { stage, plan } => {
                let context = self.context(stage);
                tokio::spawn(async move {
                    if let (Ok(cloud), PlanKind::Deploy { change_set_id, .. }) =
                        (AwsCloud::connect(context).await, &plan.kind)
                    {
                        let _ = setup_stack::discard(
                            &cloud,
                            &plan.authorization,
                            change_set_id,
                            &plan.stack_id,
                        )
                        .await;
                    }
                });
            }
            Command::LoadOutputs {
                generation,
                stage,
                stack,
            } => {
                let context = self.context(stage);
                tokio::spawn(async move {
                    let Ok(cloud) = AwsCloud::connect(context).await else {
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
                    let _ = actions.send(Action::OutputsLoaded {
                        generation,
                        outputs,
                        exports,
                    });
                });
            }
            Command::RunCfn {
                id,
                folder,
                verb,
                stage,
            } => {
                let (context, read_only, jobs) =
                    (self.context(stage), self.read_only, self.jobs.clone());
                let workspace = self.current_workspace();
                let log_file = self
                    .job_log_dir
                    .as_ref()
                    .map(|dir| dir.join(format!("job-{id}-{}.log", verb.name())));
                tokio::spawn(async move {
                    let say = |line: String| {
                        let _ = actions.send(Action::JobLine { id, line });
                    };
                    let refuse = |line: String| {
                        let _ = actions.send(Action::JobLine { id, line });
                        let _ = actions.send(Action::JobEnded {
                            id,
                            status: JobStatus::FailedToStart,
                        });
                    };
                    let Some(extension) = workspace.extensions.iter().find(|e| e.folder == folder)
                    else {
                        return refuse(format!("{folder} is no longer in the workspace"));
                    };
                    let mut aws = None;
                    if matches!(verb, CfnVerb::Test | CfnVerb::Submit) {
                        let cloud = match AwsCloud::connect(context).await {
                            Ok(cloud) => cloud,
                            Err(error) => return refuse(with_hint(error)),
                        };
                        if verb == CfnVerb::Submit
                            && let Err(refusal) = authorize_submit(&cloud, read_only).await
                        {
                            return refuse(refusal);
                        }
                        if verb == CfnVerb::Test {
                            let problems = preflight(&workspace, extension, &cloud).await;
                            if !problems.is_empty() {
                                say("preflight refused to run cfn test:".into());
                                problems
                                    .into_iter()
                                    .for_each(|problem| say(format!("  - {problem}")));
                                return refuse("fix these and run the test again (the CLI has --skip-preflight)".into());
                            }
                            say("preflight: inputs pass the checks, the setup stack is complete, every export exists".into());
                        }
                        aws = Some((cloud.region(), cloud.context.profile.clone()));
                    }
                    let args = cfn_args(
                        verb,
                        aws.as_ref()
                            .map(|(region, profile)| (region.as_str(), profile.as_deref())),
                        false,
                        &[],
                    );
                    say(format!("$ cfn {}", args.join(" ")));
                    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
                    if let Some(handle) = crate::jobs::spawn(
                        cfn_job(&workspace.root, extension, args, log_file),
                        events,
                    ) {
                        jobs.lock()
                            .unwrap_or_else(|p| p.into_inner())
                            .insert(id, handle);
                    }
                    while let Some(event) = received.recv().await {
                        let action = match event {
                            JobEvent::Line(line) => Action::JobLine { id, line },
                            JobEvent::Ended(JobEnd::Exited(code)) => Action::JobEnded {
                                id,
                                status: JobStatus::Exited(code),
                            },
                            JobEvent::Ended(JobEnd::Killed) => Action::JobEnded {
                                id,
                                status: JobStatus::Killed,
                            },
                            JobEvent::Ended(JobEnd::FailedToStart(message)) => {
                                say(format!(
                                    "{message}; install it with pip (pip install cloudformation-cli and the language plugin), or set REGSHIP_CFN"
                                ));
                                Action::JobEnded {
                                    id,
                                    status: JobStatus::FailedToStart,
                                }
                            }
                        };
                        let _ = actions.send(action);
                    }
                    jobs.lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
                });
            }
            Command::LoadPipeline { generation, stage } => {
                let context = self.context(stage);
                let pipeline = self.config.accounts.pipeline(stage).map(String::from);
                let workspace = self.current_workspace();
                tokio::spawn(async move {
                    let result = async {
                        let name = pipeline.ok_or_else(|| {
                            format!("no pipeline for the {stage} stage: set accounts.{stage}.pipeline in regship.yml, or switch with :stage cicd")
                        })?;
                        let cloud = AwsCloud::connect(context).await.map_err(with_hint)?;
                        let state = cloud.pipeline_state(&name).await.map_err(with_hint)?;
                        let executions = cloud
                            .pipeline_executions(&name, 5)
                            .await
                            .map_err(with_hint)?;
                        let extensions = workspace
                            .pipeline
                            .as_ref()
                            .and_then(|p| p.ok())
                            .map(crate::workspace::pipeline::build_actions)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|action| (action.name, action.path))
                            .collect();
                        Ok(PipelineView {
                            state,
                            executions,
                            extensions,
                        })
                    };
                    let _ = actions.send(Action::PipelineLoaded {
                        generation,
                        stage,
                        result: result.await,
                    });
                });
            }
            Command::FollowBuild {
                generation,
                stage,
                build_id,
            } => {
                let (context, current) = (self.context(stage), self.generation.subscribe());
                tokio::spawn(pipeline_tasks::follow_build(
                    context, build_id, generation, current, actions,
                ));
            }
            Command::LoadExecution {
                generation,
                stage,
                execution_id,
            } => {
                let context = self.context(stage);
                let pipeline = self.config.accounts.pipeline(stage).map(String::from);
                tokio::spawn(async move {
                    let result = async {
                        let name =
                            pipeline.ok_or_else(|| format!("no pipeline for the {stage} stage"))?;
                        let cloud = AwsCloud::connect(context).await.map_err(with_hint)?;
                        let execution = cloud
                            .pipeline_execution(&name, &execution_id)
                            .await
                            .map_err(with_hint)?;
                        let actions = cloud
                            .action_executions(&name, &execution_id)
                            .await
                            .map_err(with_hint)?;
                        Ok(ExecutionView { execution, actions })
                    };
                    let _ = actions.send(Action::ExecutionLoaded {
                        generation,
                        result: result.await,
                    });
                });
            }
            Command::PlanPipelineChange {
                generation,
                stage,
                change,
            } => {
                let context = self.context(stage);
                let guard = AccountGuard {
                    read_only: self.read_only,
                };
                let pipeline = self.config.accounts.pipeline(stage).map(String::from);
                tokio::spawn(async move {
                    let planned =
                        pipeline_tasks::plan_pipeline_change(context, guard, pipeline, change)
                            .await;
                    let _ = actions.send(match planned {
                        Ok(plan) => Action::PlanReady { generation, plan },
                        Err(message) => Action::ChangeFailed {
                            generation,
                            message,
                        },
                    });
                });
            }
            Command::PlanScaffold { folder, integ } => {
                let root = self.current_workspace().root.clone();
                tokio::task::spawn_blocking(move || {
                    let workspace = Workspace::load(&root);
                    let planned = match workspace.extensions.iter().find(|e| e.folder == folder) {
                        Some(extension) if integ => plan_integ(extension),
                        Some(extension) => plan_inputs(extension, None, true),
                        None => Err(format!("{folder} is no longer in the workspace")),
                    };
                    let _ = actions.send(Action::ScaffoldPlanned(planned));
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
                    let _ = actions.send(Action::ScaffoldApplied(applied));
                    let _ = actions.send(Action::WorkspaceLoaded(Ok(views)));
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
}

/// The change set a plan executes (only its ids are needed).
fn change_set_of(plan: &ChangePlan, change_set_id: &str) -> ChangeSet {
    ChangeSet {
        id: change_set_id.to_string(),
        stack_id: plan.stack_id.clone(),
        status: String::new(),
        reason: None,
        changes: Vec::new(),
    }
}

/// Plans a deploy or delete: `Ok(Ok(plan))` to confirm, `Ok(Err(note))` when there is nothing to do.
async fn plan_change(
    context: StageContext,
    guard: AccountGuard,
    extension: Option<crate::workspace::Extension>,
    folder: String,
    delete: bool,
) -> Result<Result<ChangePlan, String>, String> {
    let extension = extension.ok_or_else(|| format!("{folder} is no longer in the workspace"))?;
    let cloud = AwsCloud::connect(context).await.map_err(with_hint)?;
    let caller = cloud.identity().await.map_err(with_hint)?;
    let action = if delete {
        "delete setup"
    } else {
        "deploy setup"
    };
    let authorization = guard
        .check_account(&cloud.context, &caller, action)
        .map_err(|r| format!("{r}\n{}", r.hint))?;
    let stack_name = extension.setup_stack_name();
    let region = cloud.region();
    if delete {
        let Some(stack) = cloud.describe_stack(&stack_name).await.map_err(with_hint)? else {
            return Ok(Err(format!(
                "{stack_name} does not exist in {} {region}: nothing to delete",
                cloud.context.stage
            )));
        };
        return Ok(Ok(ChangePlan {
            folder,
            target: stack_name,
            stack_id: stack.stack_id,
            region,
            authorization,
            kind: PlanKind::Delete,
        }));
    }
    let setup = extension
        .setup
        .first()
        .ok_or_else(|| format!("{folder} has no test/setup.yml"))?;
    if let Err(problem) = &setup.parsed {
        return Err(format!(
            "{} cannot be used: {}",
            setup.path, problem.message
        ));
    }
    match setup_stack::plan_deploy(&cloud, &authorization, &stack_name, &setup.text)
        .await
        .map_err(with_hint)?
    {
        DeployPlan::NoChanges => Ok(Err(format!(
            "{stack_name} already matches {}: nothing to deploy",
            setup.path
        ))),
        DeployPlan::Changes { change_set, create } => Ok(Ok(ChangePlan {
            folder,
            target: stack_name,
            stack_id: change_set.stack_id.clone(),
            region,
            authorization,
            kind: PlanKind::Deploy {
                change_set_id: change_set.id,
                create,
                changes: change_set.changes,
            },
        })),
    }
}
