//! Runs the reducer's commands as tasks; each owns its clients and sends its results back as
//! actions. Tasks of an older generation stop and their results are dropped.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::mpsc::UnboundedSender;
use tokio::sync::watch;

use crate::app::{Action, ChangePlan, Command, JobStatus, PlanKind};
use crate::cloud::accounts::account_row;
use crate::cloud::aws::AwsCloud;
use crate::cloud::context::{Overrides, StageContext};
use crate::cloud::guard::AccountGuard;
use crate::cloud::setup_stack::{self, DeployPlan};
use crate::cloud::{ChangeSet, CloudError};
use crate::config::{Stage, WorkspaceConfig};
use crate::jobs::{JobEnd, JobEvent, JobHandle, JobSpec};
use crate::watch::stack_events::{PollProblem, StackEventPoller};
use crate::workspace::Workspace;

/// Executes commands for the TUI.
pub struct Runner {
    pub workspace: Arc<Workspace>,
    pub config: WorkspaceConfig,
    pub overrides: Overrides,
    pub read_only: bool,
    pub job_log_dir: Option<PathBuf>,
    actions: UnboundedSender<Action>,
    generation: watch::Sender<u64>,
    jobs: HashMap<u64, JobHandle>,
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
            workspace,
            config,
            overrides,
            read_only,
            job_log_dir: None,
            actions,
            generation: watch::channel(1).0,
            jobs: HashMap::new(),
        }
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
                    .workspace
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
                        let _ = cloud
                            .delete_change_set(&plan.authorization, change_set_id)
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
            Command::StartJob {
                id,
                folder,
                program,
                args,
            } => {
                let spec = JobSpec {
                    program,
                    args,
                    dir: self.workspace.root.join(&folder),
                    env: Vec::new(),
                    log_file: self
                        .job_log_dir
                        .as_ref()
                        .map(|dir| dir.join(format!("job-{id}.log"))),
                };
                let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
                if let Some(handle) = crate::jobs::spawn(spec, events) {
                    self.jobs.insert(id, handle);
                }
                tokio::spawn(async move {
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
                                let _ = actions.send(Action::JobLine { id, line: message });
                                Action::JobEnded {
                                    id,
                                    status: JobStatus::FailedToStart,
                                }
                            }
                        };
                        let _ = actions.send(action);
                    }
                });
            }
            Command::CancelJob { id } => {
                if let Some(handle) = self.jobs.remove(&id) {
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
            stack_name,
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
            stack_name,
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
