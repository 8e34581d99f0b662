//! The demo's CI/CD pipeline: a Source stage and a Build stage of parallel CodeBuild actions
//! (one per extension the pipeline template names, plus lint and checks). The run that is under
//! way when the demo starts fails one extension's contract tests; a retry of the failed actions
//! succeeds; start and stop work as CodePipeline's do.

use std::time::Duration;

use crate::cloud::{
    ActionExecutionRecord, Build, BuildPhase, CloudError, CloudErrorKind, LogLine, LogLocation,
    LogPage, PipelineActionState, PipelineExecution, PipelineStage, PipelineState,
};

/// One build action of the Build stage.
#[derive(Debug, Clone)]
pub struct ActionSpec {
    pub name: String,
    pub project: String,
    /// The extension folder it tests (`None`: lint and checks).
    pub folder: Option<String>,
    pub type_name: Option<String>,
}

/// One run of one action: a CodeBuild build.
#[derive(Debug, Clone)]
struct Attempt {
    action: usize,
    build_id: String,
    start: Duration,
    end: Duration,
    fails: bool,
    log: Vec<(Duration, String)>,
}

#[derive(Debug, Clone)]
struct Execution {
    id: String,
    trigger: String,
    start: Duration,
    source_done: Duration,
    revision: (String, String),
    attempts: Vec<Attempt>,
    stopped_at: Option<Duration>,
}

/// The pipeline of the demo's CI/CD account.
#[derive(Debug)]
pub struct DemoPipeline {
    pub name: String,
    actions: Vec<ActionSpec>,
    executions: Vec<Execution>,
    builds: u64,
}

const PHASES: [(&str, f64); 10] = [
    ("SUBMITTED", 0.0),
    ("QUEUED", 0.02),
    ("PROVISIONING", 0.05),
    ("DOWNLOAD_SOURCE", 0.12),
    ("INSTALL", 0.16),
    ("PRE_BUILD", 0.3),
    ("BUILD", 0.4),
    ("POST_BUILD", 0.94),
    ("UPLOAD_ARTIFACTS", 0.97),
    ("FINALIZING", 0.99),
];

const CONTRACT_TESTS: [&str; 10] = [
    "handler_create.py::contract_create_delete",
    "handler_create.py::contract_invalid_create",
    "handler_create.py::contract_create_duplicate",
    "handler_create.py::contract_create_read_success",
    "handler_create.py::contract_create_list_success",
    "handler_update.py::contract_update_read_success",
    "handler_update.py::contract_update_list_success",
    "handler_delete.py::contract_delete_read",
    "handler_delete.py::contract_delete_update",
    "handler_delete.py::contract_delete_delete",
];

/// The contract test the demo's first CI/CD run fails, and why.
const FAILING_TEST: (&str, &str) = (
    "handler_update.py::contract_update_read_success",
    "AssertionError: KeyPrefix: the read handler returned 'logs' for the input 'logs/'",
);

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

fn not_found(what: String) -> CloudError {
    CloudError::new(
        CloudErrorKind::NotFound,
        what,
        "check the name and the stage",
    )
}

/// The pytest lines of a contract-test run: every test passes unless `failing` names one.
pub fn contract_test_lines(failing: Option<(&str, &str)>) -> Vec<String> {
    let total = CONTRACT_TESTS.len();
    let mut lines = vec![
        "============================= test session starts =============================="
            .to_string(),
        format!("collected {total} items"),
    ];
    for (n, test) in CONTRACT_TESTS.iter().enumerate() {
        let outcome = if failing.is_some_and(|(name, _)| name == *test) {
            "FAILED"
        } else {
            "PASSED"
        };
        lines.push(format!(
            "{test} {outcome:<40}[{:>3}%]",
            (n + 1) * 100 / total
        ));
    }
    match failing {
        Some((name, message)) => {
            lines.push(
                "=========================== short test summary info ============================"
                    .into(),
            );
            lines.push(format!("FAILED {name} - {message}"));
            lines.push(format!(
                "=================== 1 failed, {} passed in 412.73s ===================",
                total - 1
            ));
        }
        None => lines.push(format!(
            "======================== {total} passed in 398.12s ========================"
        )),
    }
    lines
}

/// The log of one build, spread over its run.
fn build_log(
    spec: &ActionSpec,
    start: Duration,
    end: Duration,
    fails: bool,
) -> Vec<(Duration, String)> {
    let mut lines: Vec<String> = vec![
        "[Container] Running on CodeBuild On-demand".into(),
        "[Container] Entering phase INSTALL".into(),
        "[Container] Running command pip install --quiet cloudformation-cli cloudformation-cli-python-plugin cfn-lint".into(),
        "[Container] Phase complete: INSTALL State: SUCCEEDED".into(),
        "[Container] Entering phase PRE_BUILD".into(),
    ];
    match (&spec.folder, &spec.type_name) {
        (Some(folder), type_name) => {
            let type_name = type_name.clone().unwrap_or_else(|| folder.clone());
            let stack = format!(
                "setup-{}",
                folder
                    .rsplit('/')
                    .next()
                    .unwrap_or(folder)
                    .replace('_', "-")
                    .to_ascii_lowercase()
            );
            lines.extend([
                format!("[Container] Running command cd {folder} && cfn validate"),
                format!("Resource schema for {type_name} is valid."),
                "[Container] Running command cfn generate".into(),
                format!("Generated files for {type_name}"),
                "[Container] Phase complete: PRE_BUILD State: SUCCEEDED".into(),
                "[Container] Entering phase BUILD".into(),
                format!("[Container] Running command aws cloudformation deploy --stack-name {stack} --template-file test/setup.yml"),
                format!("Successfully created/updated stack - {stack}"),
                "[Container] Running command cfn submit --dry-run".into(),
                "[Container] Running command cfn test --region us-east-1 -- -v -ra".into(),
            ]);
            lines.extend(contract_test_lines(fails.then_some(FAILING_TEST)));
            if fails {
                lines.extend([
                    "[Container] Command did not exit successfully cfn test --region us-east-1 -- -v -ra exit status 1".into(),
                    "[Container] Phase complete: BUILD State: FAILED".into(),
                    "[Container] Phase context status code: COMMAND_EXECUTION_ERROR Message: Error while executing command: cfn test --region us-east-1 -- -v -ra. Reason: exit status 1".into(),
                ]);
            } else {
                lines.push("[Container] Phase complete: BUILD State: SUCCEEDED".into());
            }
            lines.extend([
                "[Container] Entering phase POST_BUILD".into(),
                format!("[Container] Running command aws cloudformation delete-stack --stack-name {stack}"),
                "[Container] Phase complete: POST_BUILD State: SUCCEEDED".into(),
            ]);
        }
        (None, _) => lines.extend([
            "[Container] Phase complete: PRE_BUILD State: SUCCEEDED".into(),
            "[Container] Entering phase BUILD".into(),
            format!(
                "[Container] Running command {}",
                spec.project
                    .rsplit('-')
                    .next()
                    .map_or("make", |kind| if kind == "lint" {
                        "cfn-lint release/*.yml resources/*/test/*.yml"
                    } else {
                        "regship check"
                    })
            ),
            "[Container] Phase complete: BUILD State: SUCCEEDED".into(),
        ]),
    }
    let span = (end - start).as_secs_f64();
    let count = lines.len() as f64;
    lines
        .into_iter()
        .enumerate()
        .map(|(n, line)| {
            (
                start + secs(span * 0.05 + span * 0.9 * n as f64 / count),
                line,
            )
        })
        .collect()
}

impl Attempt {
    fn status(&self, now: Duration, stopped_at: Option<Duration>) -> &'static str {
        if now < self.end {
            "InProgress"
        } else if self.fails {
            "Failed"
        } else if stopped_at.is_some_and(|s| s < self.start) {
            "Stopped"
        } else {
            "Succeeded"
        }
    }
}

impl Execution {
    fn latest_attempt(&self, action: usize, now: Duration) -> Option<&Attempt> {
        self.attempts
            .iter()
            .rev()
            .find(|a| a.action == action && a.start <= now)
    }

    fn build_status(&self, actions: usize, now: Duration) -> Option<&'static str> {
        if now < self.source_done {
            return None;
        }
        let statuses: Vec<&str> = (0..actions)
            .filter_map(|n| self.latest_attempt(n, now))
            .map(|a| a.status(now, self.stopped_at))
            .collect();
        Some(
            if statuses.contains(&"InProgress") || statuses.len() < actions {
                if self.stopped_at.is_some() {
                    "Stopping"
                } else {
                    "InProgress"
                }
            } else if self.stopped_at.is_some() {
                "Stopped"
            } else if statuses.contains(&"Failed") {
                "Failed"
            } else {
                "Succeeded"
            },
        )
    }

    fn status(&self, actions: usize, now: Duration) -> &'static str {
        match self.build_status(actions, now) {
            None if self.stopped_at.is_some() => "Stopped",
            None => "InProgress",
            Some(status) => status,
        }
    }

    fn last_update(&self, now: Duration) -> Duration {
        self.attempts
            .iter()
            .flat_map(|a| [a.start, a.end])
            .chain([self.start, self.source_done])
            .filter(|at| *at <= now)
            .max()
            .unwrap_or(self.start)
    }
}

impl DemoPipeline {
    /// The pipeline with a successful run a day before `start`, and a run beginning at `start`
    /// in which one extension's contract tests fail.
    pub fn new(
        name: &str,
        actions: Vec<ActionSpec>,
        start: Duration,
        rng: &mut fastrand::Rng,
    ) -> DemoPipeline {
        let mut pipeline = DemoPipeline {
            name: name.to_string(),
            actions,
            executions: Vec::new(),
            builds: 0,
        };
        let day = Duration::from_secs(86_400);
        pipeline.add_execution(
            start.saturating_sub(day),
            "Webhook",
            ("0f3e5b1c9a", "Pin the CloudFormation CLI in the buildspec"),
            None,
            rng,
        );
        let failing = pipeline.actions.iter().position(|a| a.folder.is_some());
        pipeline.add_execution(
            start,
            "Webhook",
            (
                "7c41d2e8b5",
                "DeleteBucketContents: honour KeyPrefix on read",
            ),
            failing,
            rng,
        );
        pipeline
    }

    fn next_build_id(&mut self, project: &str, rng: &mut fastrand::Rng) -> String {
        self.builds += 1;
        format!(
            "{project}:{:08x}-{:04x}-4{:03x}-a{:03x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0x1000),
            rng.u16(..0x1000),
            rng.u64(..0x1_0000_0000_0000)
        )
    }

    fn attempt(
        &mut self,
        action: usize,
        start: Duration,
        fails: bool,
        rng: &mut fastrand::Rng,
    ) -> Attempt {
        let spec = self.actions[action].clone();
        let length = if spec.folder.is_some() {
            35.0 + rng.f64() * 15.0
        } else {
            12.0 + rng.f64() * 10.0
        };
        let end = start + secs(length);
        Attempt {
            action,
            build_id: self.next_build_id(&spec.project, rng),
            start,
            end,
            fails,
            log: build_log(&spec, start, end, fails),
        }
    }

    fn add_execution(
        &mut self,
        start: Duration,
        trigger: &str,
        revision: (&str, &str),
        failing: Option<usize>,
        rng: &mut fastrand::Rng,
    ) -> String {
        let id = format!(
            "{:08x}-{:04x}-4{:03x}-b{:03x}-{:012x}",
            rng.u32(..),
            rng.u16(..),
            rng.u16(..0x1000),
            rng.u16(..0x1000),
            rng.u64(..0x1_0000_0000_0000)
        );
        let source_done = start + secs(4.0);
        let attempts = (0..self.actions.len())
            .map(|n| {
                self.attempt(
                    n,
                    source_done + secs(0.5 * n as f64),
                    failing == Some(n),
                    rng,
                )
            })
            .collect();
        self.executions.push(Execution {
            id: id.clone(),
            trigger: trigger.into(),
            start,
            source_done,
            revision: (revision.0.into(), revision.1.into()),
            attempts,
            stopped_at: None,
        });
        id
    }

    fn started(&self, now: Duration) -> impl DoubleEndedIterator<Item = &Execution> {
        self.executions.iter().filter(move |e| e.start <= now)
    }

    fn execution(&self, id: &str) -> Result<usize, CloudError> {
        self.executions
            .iter()
            .position(|e| e.id == id)
            .ok_or_else(|| not_found(format!("Pipeline execution {id} does not exist")))
    }

    fn check_name(&self, pipeline: &str) -> Result<(), CloudError> {
        if pipeline == self.name {
            Ok(())
        } else {
            Err(not_found(format!("Pipeline {pipeline} does not exist")))
        }
    }

    /// GetPipelineState.
    pub fn state(
        &self,
        pipeline: &str,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<PipelineState, CloudError> {
        self.check_name(pipeline)?;
        let latest = self.started(now).next_back();
        let source = latest.map(|e| {
            let done = now >= e.source_done;
            PipelineActionState {
                name: "GitHub".into(),
                status: Some(if done { "Succeeded" } else { "InProgress" }.into()),
                summary: Some(format!("{} {}", &e.revision.0[..7], e.revision.1)),
                last_change_ms: Some(at_ms(if done { e.source_done } else { e.start })),
                external_id: Some(e.revision.0.clone()),
                error: None,
            }
        });
        let build_execution = self
            .started(now)
            .rev()
            .find(|e| e.build_status(self.actions.len(), now).is_some());
        let actions = (0..self.actions.len())
            .map(|n| {
                let attempt = build_execution.and_then(|e| e.latest_attempt(n, now));
                let stopped = build_execution.and_then(|e| e.stopped_at);
                PipelineActionState {
                    name: self.actions[n].name.clone(),
                    status: attempt.map(|a| a.status(now, stopped).to_string()),
                    summary: None,
                    last_change_ms: attempt.map(|a| at_ms(if now < a.end { a.start } else { a.end })),
                    external_id: attempt.map(|a| a.build_id.clone()),
                    error: attempt.filter(|a| a.fails && now >= a.end).map(|_| {
                        "Build terminated with state: FAILED. Phase: BUILD, Code: COMMAND_EXECUTION_ERROR, Message: Error while executing command: cfn test --region us-east-1 -- -v -ra. Reason: exit status 1".to_string()
                    }),
                }
            })
            .collect();
        Ok(PipelineState {
            name: self.name.clone(),
            stages: vec![
                PipelineStage {
                    name: "Source".into(),
                    status: latest.map(|e| {
                        if now >= e.source_done {
                            "Succeeded"
                        } else {
                            "InProgress"
                        }
                        .into()
                    }),
                    execution_id: latest.map(|e| e.id.clone()),
                    actions: source.into_iter().collect(),
                },
                PipelineStage {
                    name: "Build".into(),
                    status: build_execution
                        .and_then(|e| e.build_status(self.actions.len(), now))
                        .map(String::from),
                    execution_id: build_execution.map(|e| e.id.clone()),
                    actions,
                },
                self.handoff(build_execution, now, at_ms),
            ],
        })
    }

    /// The Handoff stage (the kit's release/cicd.yml): once every build of an execution passed,
    /// its source goes to the beta account's source bucket, which starts the beta pipeline.
    fn handoff(
        &self,
        build_execution: Option<&Execution>,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> PipelineStage {
        let passed = build_execution
            .filter(|e| e.build_status(self.actions.len(), now) == Some("Succeeded"));
        PipelineStage {
            name: "Handoff".into(),
            status: passed.map(|_| "Succeeded".into()),
            execution_id: passed.map(|e| e.id.clone()),
            actions: vec![PipelineActionState {
                name: "ToBeta".into(),
                status: passed.map(|_| "Succeeded".into()),
                summary: passed.map(|e| {
                    format!(
                        "{} handed to the beta account's source bucket",
                        &e.revision.0[..7]
                    )
                }),
                last_change_ms: passed.map(|e| at_ms(e.last_update(now))),
                external_id: None,
                error: None,
            }],
        }
    }

    fn record(
        &self,
        execution: &Execution,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> PipelineExecution {
        PipelineExecution {
            id: execution.id.clone(),
            status: execution.status(self.actions.len(), now).into(),
            trigger: Some(execution.trigger.clone()),
            start_ms: Some(at_ms(execution.start)),
            last_update_ms: Some(at_ms(execution.last_update(now))),
            revision: Some(execution.revision.0.clone()),
            revision_summary: Some(execution.revision.1.clone()),
        }
    }

    /// ListPipelineExecutions, newest first.
    pub fn executions(
        &self,
        pipeline: &str,
        max: i32,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        self.check_name(pipeline)?;
        Ok(self
            .started(now)
            .rev()
            .take(max.max(1) as usize)
            .map(|e| self.record(e, now, at_ms))
            .collect())
    }

    /// GetPipelineExecution.
    pub fn execution_record(
        &self,
        pipeline: &str,
        id: &str,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<PipelineExecution, CloudError> {
        self.check_name(pipeline)?;
        Ok(self.record(&self.executions[self.execution(id)?], now, at_ms))
    }

    /// ListActionExecutions of one execution, in start order.
    pub fn action_executions(
        &self,
        pipeline: &str,
        id: &str,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        self.check_name(pipeline)?;
        let execution = &self.executions[self.execution(id)?];
        let mut records = vec![ActionExecutionRecord {
            stage: "Source".into(),
            action: "GitHub".into(),
            status: if now >= execution.source_done {
                "Succeeded"
            } else {
                "InProgress"
            }
            .into(),
            start_ms: Some(at_ms(execution.start)),
            last_update_ms: Some(at_ms(execution.source_done.min(now))),
            external_id: Some(execution.revision.0.clone()),
            summary: Some(execution.revision.1.clone()),
            error: None,
        }];
        records.extend(execution.attempts.iter().filter(|a| a.start <= now).map(|a| ActionExecutionRecord {
            stage: "Build".into(),
            action: self.actions[a.action].name.clone(),
            status: a.status(now, execution.stopped_at).into(),
            start_ms: Some(at_ms(a.start)),
            last_update_ms: Some(at_ms(a.end.min(now))),
            external_id: Some(a.build_id.clone()),
            summary: None,
            error: (a.fails && now >= a.end).then(|| "Error while executing command: cfn test --region us-east-1 -- -v -ra. Reason: exit status 1".to_string()),
        }));
        Ok(records)
    }

    /// GetPipeline: each build action's CodeBuild project.
    pub fn build_projects(&self, pipeline: &str) -> Result<Vec<(String, String)>, CloudError> {
        self.check_name(pipeline)?;
        Ok(self
            .actions
            .iter()
            .map(|a| (a.name.clone(), a.project.clone()))
            .collect())
    }

    /// StartPipelineExecution: a new run in which every action succeeds.
    pub fn start(
        &mut self,
        pipeline: &str,
        now: Duration,
        rng: &mut fastrand::Rng,
    ) -> Result<String, CloudError> {
        self.check_name(pipeline)?;
        let revision = self
            .executions
            .last()
            .map(|e| e.revision.clone())
            .unwrap_or_default();
        Ok(self.add_execution(
            now,
            "StartPipelineExecution",
            (&revision.0, &revision.1),
            None,
            rng,
        ))
    }

    /// RetryStageExecution (FAILED_ACTIONS): the failed actions run again, and pass.
    pub fn retry(
        &mut self,
        pipeline: &str,
        stage: &str,
        id: &str,
        now: Duration,
        rng: &mut fastrand::Rng,
    ) -> Result<String, CloudError> {
        self.check_name(pipeline)?;
        let index = self.execution(id)?;
        let actions = self.actions.len();
        let execution = &self.executions[index];
        if stage != "Build" || execution.build_status(actions, now) != Some("Failed") {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!(
                    "StageNotRetryableException: stage {stage} of execution {id} has not failed"
                ),
                "retry the stage whose latest execution failed",
            ));
        }
        let failed: Vec<usize> = (0..actions)
            .filter(|n| execution.latest_attempt(*n, now).is_some_and(|a| a.fails))
            .collect();
        for (offset, action) in failed.into_iter().enumerate() {
            let attempt = self.attempt(action, now + secs(1.0 + offset as f64), false, rng);
            self.executions[index].attempts.push(attempt);
        }
        Ok(id.to_string())
    }

    /// StopPipelineExecution: running actions finish, nothing new starts.
    pub fn stop(&mut self, pipeline: &str, id: &str, now: Duration) -> Result<(), CloudError> {
        self.check_name(pipeline)?;
        let index = self.execution(id)?;
        let execution = &mut self.executions[index];
        if execution.status(self.actions.len(), now) != "InProgress" {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("PipelineExecutionNotStoppableException: execution {id} is not running"),
                "only a running execution can be stopped",
            ));
        }
        execution.stopped_at = Some(now);
        execution.attempts.retain(|a| a.start <= now);
        Ok(())
    }

    fn find_attempt(&self, build_id: &str) -> Option<(&Execution, &Attempt)> {
        self.executions.iter().find_map(|e| {
            e.attempts
                .iter()
                .find(|a| a.build_id == build_id)
                .map(|a| (e, a))
        })
    }

    /// BatchGetBuilds of one build.
    pub fn build(
        &self,
        build_id: &str,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<Build, CloudError> {
        let (_, attempt) = self
            .find_attempt(build_id)
            .filter(|(_, a)| a.start <= now)
            .ok_or_else(|| not_found(format!("build {build_id} does not exist")))?;
        let project = self.actions[attempt.action].project.clone();
        let span = attempt.end - attempt.start;
        let phase_start = |n: usize| attempt.start + span.mul_f64(PHASES[n].1);
        let mut phases = Vec::new();
        let mut current = None;
        for (n, (name, _)) in PHASES.iter().enumerate() {
            let start = phase_start(n);
            if start > now {
                break;
            }
            let end = if n + 1 < PHASES.len() {
                phase_start(n + 1)
            } else {
                attempt.end
            };
            let done = now >= end;
            let failed = done && attempt.fails && *name == "BUILD";
            phases.push(BuildPhase {
                name: name.to_string(),
                status: done.then(|| if failed { "FAILED" } else { "SUCCEEDED" }.to_string()),
                duration_s: done.then(|| (end - start).as_secs() as i64),
                context: if failed {
                    vec!["COMMAND_EXECUTION_ERROR: Error while executing command: cfn test --region us-east-1 -- -v -ra. Reason: exit status 1".into()]
                } else {
                    Vec::new()
                },
            });
            if !done {
                current = Some(name.to_string());
            }
        }
        let complete = now >= attempt.end;
        let (_, stream) = build_id.split_once(':').unwrap_or(("", build_id));
        Ok(Build {
            id: build_id.to_string(),
            project: project.clone(),
            status: if !complete {
                "IN_PROGRESS"
            } else if attempt.fails {
                "FAILED"
            } else {
                "SUCCEEDED"
            }
            .into(),
            current_phase: if complete {
                Some("COMPLETED".into())
            } else {
                current
            },
            start_ms: Some(at_ms(attempt.start)),
            end_ms: complete.then(|| at_ms(attempt.end)),
            phases,
            log: Some(LogLocation {
                group: format!("/aws/codebuild/{project}"),
                stream: stream.to_string(),
            }),
        })
    }

    /// ListBuildsForProject: the newest build of a project.
    pub fn latest_build_id(&self, project: &str, now: Duration) -> Option<String> {
        self.executions
            .iter()
            .flat_map(|e| &e.attempts)
            .filter(|a| a.start <= now && self.actions[a.action].project == project)
            .max_by_key(|a| a.start)
            .map(|a| a.build_id.clone())
    }

    /// GetLogEvents: the tail without a token; with one, only what came after.
    pub fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
        now: Duration,
        at_ms: &dyn Fn(Duration) -> i64,
    ) -> Result<LogPage, CloudError> {
        let attempt = self
            .executions
            .iter()
            .flat_map(|e| &e.attempts)
            .find(|a| a.build_id.ends_with(&format!(":{}", location.stream)))
            .filter(|a| a.log.first().is_some_and(|(at, _)| *at <= now))
            .ok_or_else(|| {
                not_found(format!(
                    "The specified log stream does not exist: {}",
                    location.stream
                ))
            })?;
        let visible = attempt.log.iter().filter(|(at, _)| *at <= now).count();
        let from = match token.and_then(|t| t.parse::<usize>().ok()) {
            Some(seen) => seen.min(visible),
            None => visible.saturating_sub(tail.max(0) as usize),
        };
        Ok(LogPage {
            lines: attempt.log[from..visible]
                .iter()
                .map(|(at, message)| LogLine {
                    timestamp_ms: at_ms(*at),
                    message: message.clone(),
                })
                .collect(),
            next_token: Some(visible.to_string()),
        })
    }
}
