//! A loopback emulator of multi-region SSM Automation, which moto does not implement (its
//! Start/Get/Describe/StopAutomationExecution raise NotImplementedError). It speaks the real wire
//! protocol (awsJson1.1, `X-Amz-Target: AmazonSSM.<Operation>`), so the AWS adapter is tested
//! with the real SDK, and it enforces what AWS documents:
//!
//! - Each request's region is its SigV4 credential scope (`Credential=KEY/DATE/REGION/ssm/...`).
//!   Executions are regional: a parent lives in the region that started it, each child in its
//!   own target region, and an execution asked for in another region is
//!   `AutomationExecutionNotFoundException` (SSM user guide, "Running automations in multiple
//!   AWS Regions and accounts": the parent's step outputs are the children's ids; to view a child
//!   "specify the appropriate account, Region, and AutomationExecutionId").
//! - The parent has one step per target region whose `TargetLocation` names the region and whose
//!   `Outputs` name the child once it started; `StepExecutionsTruncated` is set past a threshold
//!   and DescribeAutomationStepExecutions pages with `NextToken` (API reference,
//!   GetAutomationExecution / AutomationExecution.StepExecutionsTruncated).
//! - StartAutomationExecution validates TargetLocations as the botocore model does
//!   (`ssm/2014-11-06/service-2.json`: 1-50 Regions, the TargetLocationMaxConcurrency and
//!   TargetLocationMaxErrors patterns, DocumentVersion `$DEFAULT`/`$LATEST`/a number) and runs
//!   at most the concurrency at once, starting no region once failures exceed the error budget;
//!   a region where the document does not exist fails without a child (documents are regional).
//! - StopAutomationExecution (Cancel): running regions end Cancelled, regions not started never
//!   start.
//! - A document given with its text (`has_document_text`: the kit's own files) has each start's
//!   parameters checked against its declarations (required, `allowedPattern`, `allowedValues`,
//!   no undeclared one); a document whose steps run other automations (the canary document)
//!   is executed from its `aws:executeAutomation` steps, their inputs resolved from the
//!   parameters (see `CanaryRun`).
//!
//! Time is a tick counter the test advances; each region follows a script of steps (ticks each)
//! and an ending: success, a failing step with its message, or any status (TimedOut, or one
//! regship does not know). `throttle(n)` answers the next n requests with ThrottlingException.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// How one region's run ends.
#[derive(Debug, Clone)]
pub enum Ending {
    Success,
    /// The step `step` fails with `message`.
    Fail {
        step: String,
        message: String,
    },
    /// The step `step` ends with `status` (TimedOut, or a status regship does not know).
    Status {
        step: String,
        status: String,
    },
}

/// One region's run: its steps (name, ticks), how it ends, and non-critical steps that fail
/// on the way (the document's waits hand over to a check that explains).
#[derive(Debug, Clone)]
pub struct RegionScript {
    pub steps: Vec<(String, u32)>,
    pub ending: Ending,
    /// (step, message): fails without failing the run (`isCritical: false`).
    pub handover: Option<(String, String)>,
}

/// The publish document's main path, each step one tick long.
pub const STEPS: [&str; 9] = [
    "DeploySetupStack",
    "RegisterType",
    "WaitForRegistration",
    "SetDefaultVersion",
    "TestType",
    "WaitForTests",
    "CheckTests",
    "Publish",
    "DeleteSetupStack",
];

/// What a failed critical step hands over to: the document's clean-up path.
const CLEAN_UP: [&str; 2] = ["CleanUp", "DeleteSetupStack"];

/// One step as it ends.
#[derive(Debug, Clone)]
enum Outcome {
    Success,
    Failed { message: String, critical: bool },
    Status(String),
}

impl RegionScript {
    pub fn success() -> RegionScript {
        RegionScript {
            steps: STEPS.iter().map(|s| (s.to_string(), 1)).collect(),
            ending: Ending::Success,
            handover: None,
        }
    }

    /// Fails at `step` with `message`, after the steps before it; the clean-up runs after it.
    pub fn failing(step: &str, message: &str) -> RegionScript {
        RegionScript {
            ending: Ending::Fail {
                step: step.into(),
                message: message.into(),
            },
            ..RegionScript::success()
        }
    }

    /// As `failing`, after `handover` failed without failing the run (a wait that timed out).
    pub fn failing_after(handover: (&str, &str), step: &str, message: &str) -> RegionScript {
        RegionScript {
            handover: Some((handover.0.into(), handover.1.into())),
            ..RegionScript::failing(step, message)
        }
    }

    /// Ends at `step` with `status` (the execution stops there).
    pub fn ending_with(step: &str, status: &str) -> RegionScript {
        RegionScript {
            ending: Ending::Status {
                step: step.into(),
                status: status.into(),
            },
            ..RegionScript::success()
        }
    }

    /// The steps that run, with how each ends.
    fn run(&self) -> Vec<(String, u32, Outcome)> {
        let end = match &self.ending {
            Ending::Success => self.steps.len(),
            Ending::Fail { step, .. } | Ending::Status { step, .. } => {
                self.steps
                    .iter()
                    .position(|(name, _)| name == step)
                    .expect("the ending's step is one of the script's")
                    + 1
            }
        };
        let mut run: Vec<(String, u32, Outcome)> = self.steps[..end]
            .iter()
            .map(|(name, ticks)| {
                let outcome = match &self.handover {
                    Some((step, message)) if step == name => Outcome::Failed {
                        message: message.clone(),
                        critical: false,
                    },
                    _ => Outcome::Success,
                };
                (name.clone(), *ticks, outcome)
            })
            .collect();
        match &self.ending {
            Ending::Success => {}
            Ending::Fail { message, .. } => {
                run.last_mut().unwrap().2 = Outcome::Failed {
                    message: message.clone(),
                    critical: true,
                };
                run.extend(
                    CLEAN_UP
                        .iter()
                        .map(|s| (s.to_string(), 1, Outcome::Success)),
                );
            }
            Ending::Status { status, .. } => {
                run.last_mut().unwrap().2 = Outcome::Status(status.clone());
            }
        }
        run
    }

    fn length(&self) -> u32 {
        self.run().iter().map(|(_, ticks, _)| ticks).sum()
    }

    fn final_status(&self) -> &str {
        match &self.ending {
            Ending::Success => "Success",
            Ending::Fail { .. } => "Failed",
            Ending::Status { status, .. } => status,
        }
    }
}

/// One target region of a parent.
#[derive(Debug, Clone)]
struct RegionPlan {
    region: String,
    /// The tick it starts; `None`: never (the error budget was spent, or it was stopped first).
    start: Option<u32>,
    script: RegionScript,
    /// The document does not exist there: the region fails at its start, with no child.
    no_document: bool,
    /// Stopped at this tick while it ran.
    cancelled_at: Option<u32>,
    child_id: String,
}

impl RegionPlan {
    /// The tick it ended at, if it ended by `now`.
    fn end(&self) -> Option<u32> {
        let start = self.start?;
        let natural = start
            + if self.no_document {
                0
            } else {
                self.script.length()
            };
        Some(self.cancelled_at.map_or(natural, |at| at.min(natural)))
    }

    fn status(&self, now: u32) -> String {
        match (self.start, self.end()) {
            (None, _) => "Pending".into(),
            (Some(start), _) if now < start => "Pending".into(),
            (Some(_), Some(end)) if now >= end => {
                if self.no_document {
                    "Failed".into()
                } else if self.cancelled_at.is_some_and(|at| at <= end) {
                    "Cancelled".into()
                } else {
                    self.script.final_status().into()
                }
            }
            _ => "InProgress".into(),
        }
    }

    /// The child's steps at `now`: those done, and the one running or the one it ended on.
    fn steps(&self, now: u32) -> Vec<Value> {
        let Some(start) = self.start.filter(|start| now >= *start) else {
            return Vec::new();
        };
        let cancelled = self.cancelled_at.filter(|at| *at <= now);
        let mut steps = Vec::new();
        let mut begin = start;
        for (index, (name, ticks, outcome)) in self.script.run().into_iter().enumerate() {
            if now < begin || cancelled.is_some_and(|at| at < begin) {
                break;
            }
            let end = begin + ticks;
            let (status, failure, critical) = if cancelled.is_some_and(|at| at < end) {
                (
                    "Cancelled".to_string(),
                    Some("Step cancelled".to_string()),
                    true,
                )
            } else if now < end {
                ("InProgress".to_string(), None, true)
            } else {
                match outcome {
                    Outcome::Success => ("Success".to_string(), None, true),
                    Outcome::Failed { message, critical } => {
                        ("Failed".to_string(), Some(message), critical)
                    }
                    Outcome::Status(status) => (status, None, true),
                }
            };
            let done = status != "InProgress";
            steps.push(json!({
                "StepName": name,
                "Action": "aws:executeAwsApi",
                "StepStatus": status,
                "IsCritical": critical,
                "ExecutionStartTime": seconds(begin),
                "ExecutionEndTime": if done { json!(seconds(end.min(cancelled.unwrap_or(end)))) } else { Value::Null },
                "FailureMessage": failure,
                "StepExecutionId": format!("{}-{index}", self.child_id),
            }));
            if !done || status == "Cancelled" {
                break;
            }
            begin = end;
        }
        steps
    }

    /// The failure the parent's step shows: the first critical failed step's message.
    fn failure(&self, now: u32) -> Option<String> {
        if self.no_document && self.status(now) == "Failed" {
            return Some(format!(
                "Document regship-publish-extension does not exist in {}",
                self.region
            ));
        }
        self.steps(now)
            .iter()
            .filter(|step| step["IsCritical"] != false)
            .find_map(|step| step["FailureMessage"].as_str().map(String::from))
    }
}

/// A parent execution.
#[derive(Debug, Clone)]
struct Parent {
    id: String,
    region: String,
    document: String,
    version: String,
    parameters: Value,
    location: Value,
    start: u32,
    stopped_at: Option<u32>,
    regions: Vec<RegionPlan>,
    /// The canary run whose step started it (a nested run), if one did.
    parent_of: Option<String>,
}

/// A run of a document whose steps run other automations (SSM user guide, "aws:executeAutomation
/// – Run another automation": the secondary runbook runs with `RuntimeParameters`, and in the
/// target locations given; the step waits for it and fails when it does not succeed). Each
/// nested run is a multi-region parent in this region whose ParentAutomationExecutionId is this
/// run (AutomationExecution.ParentAutomationExecutionId), and the step's outputs name it
/// (`ExecutionId`) with its `Status`. Not settled by the documentation, and taken as the
/// simplest reading until a recorded run says otherwise: the nested run's parent id, and that
/// stopping this run leaves its nested runs alone (regship stops them itself).
#[derive(Debug, Clone)]
struct CanaryRun {
    id: String,
    region: String,
    document: String,
    parameters: Value,
    start: u32,
    stopped_at: Option<u32>,
    /// Indexes into the parents: the canary's run, and the others' (scheduled at the canary's
    /// end when it publishes).
    canary: usize,
    others: Option<usize>,
}

impl Parent {
    fn ended(&self, now: u32) -> bool {
        self.regions
            .iter()
            .all(|plan| plan.start.is_none() || plan.end().is_some_and(|end| end <= now))
    }

    fn status(&self, now: u32) -> String {
        if self.stopped_at.is_some_and(|at| at <= now) {
            return "Cancelled".into();
        }
        if !self.ended(now) {
            return "InProgress".into();
        }
        let all_succeeded = self
            .regions
            .iter()
            .all(|plan| plan.start.is_some() && plan.status(now) == "Success");
        if all_succeeded { "Success" } else { "Failed" }.into()
    }

    fn end(&self) -> u32 {
        self.regions
            .iter()
            .filter_map(RegionPlan::end)
            .max()
            .unwrap_or(self.start)
    }

    /// Whether it exists at `now` (the others' run starts only after the canary's).
    fn begun(&self, now: u32) -> bool {
        self.start <= now
    }
}

/// Epoch seconds of a tick: a minute each, from 2026-12-02.
fn seconds(tick: u32) -> f64 {
    1_796_169_600.0 + f64::from(tick) * 60.0
}

#[derive(Default)]
struct World {
    now: u32,
    documents: HashSet<(String, String)>,
    /// Documents whose text the emulator runs (those with nested runs), by name.
    contents: HashMap<String, serde_norway::Value>,
    scripts: HashMap<String, RegionScript>,
    parents: Vec<Parent>,
    canaries: Vec<CanaryRun>,
    /// Execution ids issued so far.
    issued: u32,
    throttle: u32,
    /// GetAutomationExecution returns at most this many steps (then StepExecutionsTruncated).
    truncate_after: usize,
    /// DescribeAutomationStepExecutions' page size.
    page_size: usize,
    /// Whether regions that never started appear as Pending steps of the parent.
    never_started_as_steps: bool,
    /// (region, operation, execution id asked for).
    requests: Vec<(String, String, String)>,
    /// Executions asked for in a region where they do not live.
    misdirected: Vec<(String, String)>,
    /// StartAutomationExecution requests, as sent.
    started: Vec<Value>,
}

/// The emulator, listening on a free loopback port.
pub struct AutomationEmulator {
    pub endpoint: String,
    world: Arc<Mutex<World>>,
}

impl AutomationEmulator {
    pub fn start() -> AutomationEmulator {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let endpoint = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
        let world = Arc::new(Mutex::new(World {
            truncate_after: 100,
            page_size: 50,
            ..World::default()
        }));
        let shared = world.clone();
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let world = shared.clone();
                std::thread::spawn(move || {
                    let _ = serve(client, &world);
                });
            }
        });
        AutomationEmulator { endpoint, world }
    }

    fn world(&self) -> std::sync::MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The document `name` exists in each of `regions`.
    pub fn has_document(&self, name: &str, regions: &[String]) {
        let mut world = self.world();
        for region in regions {
            world.documents.insert((region.clone(), name.to_string()));
        }
    }

    /// The document `name`, whose text is `text`, exists in each of `regions`: a run of it
    /// executes its `aws:executeAutomation` steps.
    pub fn has_document_text(&self, name: &str, regions: &[String], text: &str) {
        self.has_document(name, regions);
        let content = serde_norway::from_str(text).expect("the document is YAML");
        self.world().contents.insert(name.to_string(), content);
    }

    /// How `region` runs in rollouts started from now on.
    pub fn script(&self, region: &str, script: RegionScript) {
        self.world().scripts.insert(region.to_string(), script);
    }

    /// Moves time on by `ticks`.
    pub fn advance(&self, ticks: u32) {
        self.world().now += ticks;
    }

    /// The next `count` requests are throttled.
    pub fn throttle(&self, count: u32) {
        self.world().throttle = count;
    }

    /// GetAutomationExecution returns at most `steps` steps; DescribeAutomationStepExecutions
    /// pages by `page`.
    pub fn truncate(&self, steps: usize, page: usize) {
        let mut world = self.world();
        world.truncate_after = steps;
        world.page_size = page;
    }

    /// Regions that never started appear as Pending steps of the parent (a live run will say
    /// whether they do; both are handled).
    pub fn list_never_started_as_steps(&self, yes: bool) {
        self.world().never_started_as_steps = yes;
    }

    /// Every request so far: (region, operation, execution id asked for).
    pub fn requests(&self) -> Vec<(String, String, String)> {
        self.world().requests.clone()
    }

    pub fn clear_requests(&self) {
        self.world().requests.clear();
    }

    /// Executions asked for in a region where they do not live: (region, id).
    pub fn misdirected(&self) -> Vec<(String, String)> {
        self.world().misdirected.clone()
    }

    /// The StartAutomationExecution requests, as sent.
    pub fn started(&self) -> Vec<Value> {
        self.world().started.clone()
    }

    /// Runs every rollout to its end.
    pub fn finish(&self) {
        let mut world = self.world();
        let end = world.parents.iter().map(Parent::end).max().unwrap_or(0);
        world.now = world.now.max(end);
    }
}

fn answer(client: &mut TcpStream, status: &str, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    write!(
        client,
        "HTTP/1.1 {status}\r\nContent-Type: application/x-amz-json-1.1\r\nx-amzn-RequestId: emulated\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

fn error(code: &str, message: &str) -> (String, Value) {
    (
        "400 Bad Request".into(),
        json!({"__type": code, "message": message}),
    )
}

fn serve(mut client: TcpStream, world: &Mutex<World>) -> std::io::Result<()> {
    let request = super::fault_proxy::read_request(&mut client)?;
    let split = request
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(request.len(), |at| at + 4);
    let headers = String::from_utf8_lossy(&request[..split]).to_string();
    let header = |name: &str| {
        headers.lines().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    // The SigV4 credential scope: Credential=KEY/DATE/REGION/SERVICE/aws4_request.
    let region = header("authorization").and_then(|auth| {
        let scope = auth.split("Credential=").nth(1)?;
        Some(scope.split('/').nth(2)?.to_string())
    });
    let operation = header("x-amz-target")
        .and_then(|t| t.strip_prefix("AmazonSSM.").map(String::from))
        .unwrap_or_default();
    let body: Value = serde_json::from_slice(&request[split..]).unwrap_or(Value::Null);
    let (status, reply) = match region {
        None => error(
            "MissingAuthenticationTokenException",
            "Request is missing Authentication Token",
        ),
        Some(region) => {
            let mut world = world.lock().unwrap_or_else(|p| p.into_inner());
            world.handle(&region, &operation, &body)
        }
    };
    answer(&mut client, &status, &reply)
}

fn ok(body: Value) -> (String, Value) {
    ("200 OK".into(), body)
}

/// The number a concurrency or error budget stands for among `regions`.
fn budget(value: &str, regions: usize) -> u32 {
    match value.strip_suffix('%') {
        Some(percent) => {
            let percent: usize = percent.parse().unwrap_or(0);
            (regions * percent).div_ceil(100) as u32
        }
        None => value.parse().unwrap_or(0),
    }
}

impl World {
    fn handle(&mut self, region: &str, operation: &str, body: &Value) -> (String, Value) {
        let asked = body["AutomationExecutionId"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        self.requests
            .push((region.to_string(), operation.to_string(), asked.clone()));
        if self.throttle > 0 {
            self.throttle -= 1;
            return error("ThrottlingException", "Rate exceeded");
        }
        match operation {
            "StartAutomationExecution" => self.start(region, body),
            "GetAutomationExecution" => self.get(region, &asked),
            "DescribeAutomationStepExecutions" => self.describe_steps(region, &asked, body),
            "DescribeAutomationExecutions" => self.describe(region, body),
            "StopAutomationExecution" => self.stop(region, &asked),
            _ => error(
                "InvalidAction",
                &format!("{operation} is not emulated here"),
            ),
        }
    }

    fn start(&mut self, region: &str, body: &Value) -> (String, Value) {
        self.started.push(body.clone());
        let version = body["DocumentVersion"].as_str().unwrap_or("$DEFAULT");
        let version_pattern = regex::Regex::new(r"^([$]LATEST|[$]DEFAULT|[1-9][0-9]*)$").unwrap();
        if !version_pattern.is_match(version) {
            return error(
                "ValidationException",
                "DocumentVersion must match ([$]LATEST|[$]DEFAULT|^[1-9][0-9]*$)",
            );
        }
        let document = body["DocumentName"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        if !self
            .documents
            .contains(&(region.to_string(), document.clone()))
        {
            return error(
                "InvalidDocument",
                &format!("Document {document} does not exist in {region}"),
            );
        }
        if let Some(content) = self.contents.get(&document)
            && let Err(refused) = validate_parameters(content, &body["Parameters"])
        {
            return refused;
        }
        let Some(location) = body["TargetLocations"].as_array().and_then(|l| l.first()) else {
            return self.start_nested(region, &document, &body["Parameters"]);
        };
        let id = self.next_id();
        match self.schedule(
            (region, &id),
            (&document, version),
            &body["Parameters"],
            location,
            (self.now, None),
        ) {
            Ok(parent) => {
                self.parents.push(parent);
                ok(json!({"AutomationExecutionId": id}))
            }
            Err(refused) => refused,
        }
    }

    /// A new execution id (36 characters, as AWS's).
    fn next_id(&mut self) -> String {
        self.issued += 1;
        format!("{:08x}-0000-4000-8000-{:012x}", self.issued, 1)
    }

    /// A run of a document with nested runs (regship's canary document), executed from the
    /// document's own text: its parameters validated as StartAutomationExecution does, then its
    /// `aws:executeAutomation` steps in order, each input's `{{ Name }}` resolved from the
    /// parameters; a later nested run starts at the end of the one before, and only when that
    /// one ended Success (a failed step ends the run before the steps after it).
    fn start_nested(
        &mut self,
        region: &str,
        document: &str,
        parameters: &Value,
    ) -> (String, Value) {
        let Some(content) = self.contents.get(document).cloned() else {
            return error("ValidationException", "TargetLocations is required here");
        };
        let id = self.next_id();
        let mut runs: Vec<usize> = Vec::new();
        let mut start = self.now;
        for step in content["mainSteps"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter(|step| step["action"] == "aws:executeAutomation")
        {
            let inputs = &step["inputs"];
            let nested_document = resolve(&inputs["DocumentName"], parameters)[0].clone();
            let passed: serde_json::Map<String, Value> = inputs["RuntimeParameters"]
                .as_mapping()
                .into_iter()
                .flatten()
                .map(|(name, value)| {
                    (
                        name.as_str().unwrap_or_default().to_string(),
                        json!(resolve(value, parameters)),
                    )
                })
                .collect();
            let location = &inputs["TargetLocations"][0];
            let first = |key: &str| resolve(&location[key], parameters).first().cloned();
            let location = json!({
                "Accounts": resolve(&location["Accounts"], parameters),
                "Regions": resolve(&location["Regions"], parameters),
                "TargetLocationMaxConcurrency": first("TargetLocationMaxConcurrency"),
                "TargetLocationMaxErrors": first("TargetLocationMaxErrors"),
                "ExecutionRoleName": first("ExecutionRoleName"),
            });
            let run_id = self.next_id();
            let run = match self.schedule(
                (region, &run_id),
                (&nested_document, "$DEFAULT"),
                &Value::Object(passed),
                &location,
                (start, Some(id.clone())),
            ) {
                Ok(run) => run,
                Err(refused) => return refused,
            };
            let publishes = run.regions.iter().all(|plan| {
                plan.start.is_some() && !plan.no_document && plan.script.final_status() == "Success"
            });
            start = run.end();
            self.parents.push(run);
            runs.push(self.parents.len() - 1);
            if !publishes {
                break;
            }
        }
        let Some(&canary) = runs.first() else {
            return error(
                "InvalidDocumentContent",
                &format!("{document} runs no aws:executeAutomation step"),
            );
        };
        self.canaries.push(CanaryRun {
            id: id.clone(),
            region: region.to_string(),
            document: document.to_string(),
            parameters: parameters.clone(),
            start: self.now,
            stopped_at: None,
            canary,
            others: runs.get(1).copied(),
        });
        ok(json!({"AutomationExecutionId": id}))
    }

    /// A multi-region parent of `document` started at `start` in `region` (validated as the
    /// botocore model says), each target region scheduled: slots of the concurrency, no start
    /// once the failures exceed the error budget.
    fn schedule(
        &self,
        (region, id): (&str, &str),
        (document, version): (&str, &str),
        parameters: &Value,
        location: &Value,
        (start, parent_of): (u32, Option<String>),
    ) -> Result<Parent, (String, Value)> {
        let regions: Vec<String> = location["Regions"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        if regions.is_empty() || regions.len() > 50 {
            return Err(error(
                "ValidationException",
                "TargetLocation.Regions must have 1 to 50 members",
            ));
        }
        let concurrency = location["TargetLocationMaxConcurrency"]
            .as_str()
            .unwrap_or("1");
        let errors = location["TargetLocationMaxErrors"].as_str().unwrap_or("0");
        let concurrency_pattern =
            regex::Regex::new(r"^([1-9][0-9]*|[1-9][0-9]%|[1-9]%|100%)$").unwrap();
        let errors_pattern =
            regex::Regex::new(r"^([1-9][0-9]*|[0]|[1-9][0-9]%|[0-9]%|100%)$").unwrap();
        if !concurrency_pattern.is_match(concurrency) || !errors_pattern.is_match(errors) {
            return Err(error(
                "ValidationException",
                "TargetLocationMaxConcurrency or TargetLocationMaxErrors does not match its pattern",
            ));
        }
        if !self
            .documents
            .contains(&(region.to_string(), document.to_string()))
        {
            return Err(error(
                "InvalidDocument",
                &format!("Document {document} does not exist in {region}"),
            ));
        }
        let slots = budget(concurrency, regions.len()).max(1) as usize;
        let allowed_errors = budget(errors, regions.len());
        // Slots: each region starts when the earliest running one ends; none starts once the
        // failures so far exceed the error budget.
        let mut running: Vec<u32> = Vec::new();
        let mut ended: Vec<(u32, bool)> = Vec::new();
        let mut plans = Vec::new();
        for (index, target) in regions.iter().enumerate() {
            let begin = if running.len() >= slots {
                running.sort();
                running.remove(0)
            } else {
                start
            };
            let no_document = !self
                .documents
                .contains(&(target.clone(), document.to_string()));
            let script = self
                .scripts
                .get(target)
                .cloned()
                .unwrap_or_else(RegionScript::success);
            let failures = ended
                .iter()
                .filter(|(end, failed)| *failed && *end <= begin)
                .count() as u32;
            let mut plan = RegionPlan {
                region: target.clone(),
                start: None,
                script,
                no_document,
                cancelled_at: None,
                // The parent's id with the region's number last (ids are 36 characters).
                child_id: format!("{}{:012x}", &id[..24], index + 2),
            };
            if failures > allowed_errors {
                // It never starts, and the slot stays free (for none after it either).
                running.push(begin);
                plans.push(plan);
                continue;
            }
            plan.start = Some(begin);
            let end = plan.end().unwrap_or(begin);
            let failed = no_document || plan.script.final_status() != "Success";
            running.push(end);
            ended.push((end, failed));
            plans.push(plan);
        }
        Ok(Parent {
            id: id.to_string(),
            region: region.to_string(),
            document: document.to_string(),
            version: version.to_string(),
            parameters: parameters.clone(),
            location: location.clone(),
            start,
            stopped_at: None,
            regions: plans,
            parent_of,
        })
    }

    /// The parent `id` if it lives in `region`, else the child `id` if it lives there; what was
    /// asked for elsewhere is recorded as misdirected.
    fn find(&mut self, region: &str, id: &str) -> Option<Found> {
        if let Some(c) = self.canaries.iter().position(|c| c.id == id) {
            if self.canaries[c].region == region {
                return Some(Found::Canary(c));
            }
            self.misdirected.push((region.to_string(), id.to_string()));
            return None;
        }
        for (p, parent) in self.parents.iter().enumerate() {
            if !self.visible(p) {
                continue;
            }
            if parent.id == id {
                if parent.region == region {
                    return Some(Found::Parent(p));
                }
                self.misdirected.push((region.to_string(), id.to_string()));
                return None;
            }
            for (r, plan) in parent.regions.iter().enumerate() {
                if plan.child_id == id && plan.start.is_some_and(|s| s <= self.now) {
                    if plan.region == region && !plan.no_document {
                        return Some(Found::Child(p, r));
                    }
                    self.misdirected.push((region.to_string(), id.to_string()));
                    return None;
                }
            }
        }
        None
    }

    /// Whether parent `p` exists now: it has begun, and a canary run's second run only once
    /// the canary's ended Success and the canary run was not stopped first.
    fn visible(&self, p: usize) -> bool {
        let parent = &self.parents[p];
        if !parent.begun(self.now) {
            return false;
        }
        match self.canaries.iter().find(|c| c.others == Some(p)) {
            None => true,
            Some(run) => {
                let canary = &self.parents[run.canary];
                canary.status(canary.end()) == "Success"
                    && canary.stopped_at.is_none()
                    && run.stopped_at.is_none_or(|at| at > parent.start)
            }
        }
    }

    /// A canary run's status and its steps now.
    fn canary_run(&self, run: &CanaryRun) -> (String, Vec<Value>, Option<u32>) {
        let now = self.now;
        let canary = &self.parents[run.canary];
        let canary_status = canary.status(now);
        let canary_ended = canary.ended(now) || canary.stopped_at.is_some_and(|at| at <= now);
        let canary_end = canary.stopped_at.unwrap_or(canary.end()).min(canary.end());
        let nested_step = |name: &str, parent: &Parent, status: &str, ended: Option<u32>| {
            json!({
                "StepName": name,
                "Action": "aws:executeAutomation",
                "StepStatus": status,
                "ExecutionStartTime": seconds(parent.start),
                "ExecutionEndTime": ended.map(seconds),
                "Outputs": {"ExecutionId": [parent.id], "Status": [status]},
                "StepExecutionId": format!("{}-{name}", run.id),
            })
        };
        let mut steps = vec![nested_step(
            "Canary",
            canary,
            &canary_status,
            canary_ended.then_some(canary_end),
        )];
        if run.stopped_at.is_some_and(|at| at <= now) {
            return ("Cancelled".into(), steps, run.stopped_at);
        }
        if !canary_ended {
            return ("InProgress".into(), steps, None);
        }
        steps.push(json!({
            "StepName": "CanaryPublished", "Action": "aws:branch", "StepStatus": "Success",
            "StepExecutionId": format!("{}-CanaryPublished", run.id),
        }));
        let others = run.others.filter(|p| self.visible(*p));
        let Some(others) = others.map(|p| &self.parents[p]) else {
            steps.push(json!({
                "StepName": "CanaryDidNotPublish", "Action": "aws:executeScript",
                "StepStatus": "Failed",
                "FailureMessage": format!("the canary region {} did not publish", canary.regions[0].region),
                "StepExecutionId": format!("{}-CanaryDidNotPublish", run.id),
            }));
            return ("Failed".into(), steps, Some(canary_end));
        };
        let status = others.status(now);
        let ended = others.ended(now) || others.stopped_at.is_some_and(|at| at <= now);
        let end = others.stopped_at.unwrap_or(others.end()).min(others.end());
        steps.push(nested_step("Others", others, &status, ended.then_some(end)));
        (status, steps, ended.then_some(end))
    }

    fn not_found(id: &str) -> (String, Value) {
        error(
            "AutomationExecutionNotFoundException",
            &format!("Automation execution {id} does not exist in this region"),
        )
    }

    /// The parent's step of each target region.
    fn parent_steps(&self, parent: &Parent) -> Vec<Value> {
        let now = self.now;
        parent
            .regions
            .iter()
            .filter(|plan| {
                plan.start.is_some_and(|s| s <= now) || self.never_started_as_steps
            })
            .map(|plan| {
                let status = plan.status(now);
                let started = plan.start.filter(|s| *s <= now);
                let child = started.filter(|_| !plan.no_document).map(|_| {
                    json!({"ExecutionId": [plan.child_id]})
                });
                let ended = plan.end().filter(|end| *end <= now && started.is_some());
                json!({
                    "StepName": format!("{}-{}", parent.location["Accounts"][0].as_str().unwrap_or(""), plan.region),
                    "Action": "aws:executeAutomation",
                    "StepStatus": status,
                    "ExecutionStartTime": started.map(seconds),
                    "ExecutionEndTime": ended.map(seconds),
                    "FailureMessage": plan.failure(now),
                    "Outputs": child,
                    "StepExecutionId": format!("{}-{}", parent.id, plan.region),
                    "TargetLocation": {
                        "Accounts": parent.location["Accounts"].clone(),
                        "Regions": [plan.region],
                        "ExecutionRoleName": parent.location["ExecutionRoleName"].clone(),
                    },
                })
            })
            .collect()
    }

    fn get(&mut self, region: &str, id: &str) -> (String, Value) {
        let now = self.now;
        match self.find(region, id) {
            None => Self::not_found(id),
            Some(Found::Canary(c)) => {
                let run = &self.canaries[c];
                let (status, steps, ended) = self.canary_run(run);
                ok(json!({"AutomationExecution": {
                    "AutomationExecutionId": run.id,
                    "DocumentName": run.document,
                    "DocumentVersion": "1",
                    "AutomationExecutionStatus": status,
                    "ExecutionStartTime": seconds(run.start),
                    "ExecutionEndTime": ended.map(seconds),
                    "Parameters": run.parameters,
                    "StepExecutions": steps,
                    "StepExecutionsTruncated": false,
                    "Mode": "Auto",
                }}))
            }
            Some(Found::Parent(p)) => {
                let parent = &self.parents[p];
                let mut steps = self.parent_steps(parent);
                let truncated = steps.len() > self.truncate_after;
                steps.truncate(self.truncate_after);
                let ended = parent.ended(now) || parent.stopped_at.is_some();
                ok(json!({"AutomationExecution": {
                    "AutomationExecutionId": parent.id,
                    "DocumentName": parent.document,
                    "DocumentVersion": parent.version,
                    "AutomationExecutionStatus": parent.status(now),
                    "ExecutionStartTime": seconds(parent.start),
                    "ExecutionEndTime": if ended { json!(seconds(now.min(parent.end().max(parent.stopped_at.unwrap_or(0))))) } else { Value::Null },
                    "Parameters": parent.parameters,
                    "StepExecutions": steps,
                    "StepExecutionsTruncated": truncated,
                    "TargetLocations": [parent.location],
                    "ParentAutomationExecutionId": parent.parent_of,
                    "Mode": "Auto",
                }}))
            }
            Some(Found::Child(p, r)) => {
                let parent = &self.parents[p];
                let plan = &parent.regions[r];
                let steps = plan.steps(now);
                let current = steps
                    .last()
                    .and_then(|s| s["StepName"].as_str().map(String::from));
                ok(json!({"AutomationExecution": {
                    "AutomationExecutionId": plan.child_id,
                    "DocumentName": parent.document,
                    "AutomationExecutionStatus": plan.status(now),
                    "ParentAutomationExecutionId": parent.id,
                    "CurrentStepName": current,
                    "FailureMessage": plan.failure(now),
                    "StepExecutions": steps,
                    "StepExecutionsTruncated": false,
                }}))
            }
        }
    }

    fn describe_steps(&mut self, region: &str, id: &str, body: &Value) -> (String, Value) {
        let steps = match self.find(region, id) {
            None => return Self::not_found(id),
            Some(Found::Canary(c)) => self.canary_run(&self.canaries[c].clone()).1,
            Some(Found::Parent(p)) => self.parent_steps(&self.parents[p].clone()),
            Some(Found::Child(p, r)) => self.parents[p].regions[r].steps(self.now),
        };
        let from: usize = body["NextToken"]
            .as_str()
            .and_then(|t| t.parse().ok())
            .unwrap_or(0);
        let size = body["MaxResults"]
            .as_u64()
            .map_or(self.page_size, |m| (m as usize).min(self.page_size));
        let page: Vec<Value> = steps.iter().skip(from).take(size).cloned().collect();
        let next = (from + size < steps.len()).then(|| (from + size).to_string());
        ok(json!({"StepExecutions": page, "NextToken": next}))
    }

    fn describe(&mut self, region: &str, body: &Value) -> (String, Value) {
        let now = self.now;
        let filters: Vec<(String, String)> = body["Filters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| {
                Some((
                    f["Key"].as_str()?.to_string(),
                    f["Values"][0].as_str()?.to_string(),
                ))
            })
            .collect();
        let mut found = Vec::new();
        for run in &self.canaries {
            if run.region == region {
                found.push(json!({
                    "AutomationExecutionId": run.id,
                    "DocumentName": run.document,
                    "DocumentVersion": "1",
                    "AutomationExecutionStatus": self.canary_run(run).0,
                    "ExecutionStartTime": seconds(run.start),
                }));
            }
        }
        for (p, parent) in self.parents.iter().enumerate() {
            if !self.visible(p) {
                continue;
            }
            if parent.region == region {
                found.push(json!({
                    "AutomationExecutionId": parent.id,
                    "DocumentName": parent.document,
                    "DocumentVersion": parent.version,
                    "AutomationExecutionStatus": parent.status(now),
                    "ExecutionStartTime": seconds(parent.start),
                    "ParentAutomationExecutionId": parent.parent_of,
                }));
            }
            for plan in &parent.regions {
                if plan.region == region
                    && plan.start.is_some_and(|s| s <= now)
                    && !plan.no_document
                {
                    found.push(json!({
                        "AutomationExecutionId": plan.child_id,
                        "DocumentName": parent.document,
                        "AutomationExecutionStatus": plan.status(now),
                        "ParentAutomationExecutionId": parent.id,
                        "ExecutionStartTime": plan.start.map(seconds),
                    }));
                }
            }
        }
        found.retain(|execution| {
            filters.iter().all(|(key, value)| match key.as_str() {
                "DocumentNamePrefix" => execution["DocumentName"]
                    .as_str()
                    .is_some_and(|d| d.starts_with(value.as_str())),
                "ParentExecutionId" => execution["ParentAutomationExecutionId"] == *value,
                "ExecutionId" => execution["AutomationExecutionId"] == *value,
                _ => true,
            })
        });
        ok(json!({"AutomationExecutionMetadataList": found}))
    }

    fn stop(&mut self, region: &str, id: &str) -> (String, Value) {
        let now = self.now;
        match self.find(region, id) {
            Some(Found::Canary(c)) => {
                self.canaries[c].stopped_at = Some(now);
                ok(json!({}))
            }
            Some(Found::Parent(p)) => {
                let parent = &mut self.parents[p];
                parent.stopped_at = Some(now);
                for plan in &mut parent.regions {
                    match plan.start {
                        Some(start) if start > now => plan.start = None,
                        Some(_) if plan.end().is_some_and(|end| end > now) => {
                            plan.cancelled_at = Some(now);
                        }
                        _ => {}
                    }
                }
                ok(json!({}))
            }
            Some(Found::Child(..)) => error(
                "InvalidAutomationStatusUpdateException",
                "stop the parent execution",
            ),
            None => Self::not_found(id),
        }
    }
}

/// `value` (a step input) with each `{{ Name }}` replaced by that parameter's values: a string
/// that is one reference stands for all of a StringList's values.
fn resolve(value: &serde_norway::Value, parameters: &Value) -> Vec<String> {
    let one = |text: &str| -> Vec<String> {
        let trimmed = text.trim();
        if let Some(name) = trimmed
            .strip_prefix("{{")
            .and_then(|rest| rest.strip_suffix("}}"))
        {
            return parameters[name.trim()]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(String::from))
                .collect();
        }
        vec![text.to_string()]
    };
    match value {
        serde_norway::Value::String(text) => one(text),
        serde_norway::Value::Sequence(items) => items
            .iter()
            .filter_map(|item| item.as_str())
            .flat_map(one)
            .collect(),
        serde_norway::Value::Bool(b) => vec![b.to_string()],
        serde_norway::Value::Number(n) => vec![n.to_string()],
        _ => Vec::new(),
    }
}

/// The parameters of a start against the document's declarations, as StartAutomationExecution
/// checks them (API reference, StartAutomationExecution errors:
/// "InvalidAutomationExecutionParametersException: The supplied parameters for invoking the
/// specified Automation runbook are incorrect"; SSM user guide, "Data elements and parameters":
/// `allowedValues`, `allowedPattern`, and a parameter without `default` is required).
fn validate_parameters(
    content: &serde_norway::Value,
    parameters: &Value,
) -> Result<(), (String, Value)> {
    let refuse = |why: String| error("InvalidAutomationExecutionParametersException", &why);
    let declared = content["parameters"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    for (name, _) in parameters.as_object().into_iter().flatten() {
        if !declared.contains_key(name.as_str()) {
            return Err(refuse(format!(
                "Parameter \"{name}\" is not defined in the document"
            )));
        }
    }
    for (name, declaration) in &declared {
        let name = name.as_str().unwrap_or_default();
        let Some(values) = parameters[name].as_array() else {
            if declaration.get("default").is_none() {
                return Err(refuse(format!("Parameter \"{name}\" is required")));
            }
            continue;
        };
        for value in values.iter().filter_map(|v| v.as_str()) {
            if let Some(pattern) = declaration["allowedPattern"].as_str()
                && !regex::Regex::new(pattern).unwrap().is_match(value)
            {
                return Err(refuse(format!(
                    "Parameter \"{name}\" value \"{value}\" does not match \"{pattern}\""
                )));
            }
            if let Some(allowed) = declaration["allowedValues"].as_sequence()
                && !allowed.iter().any(|a| a.as_str() == Some(value))
            {
                return Err(refuse(format!(
                    "Parameter \"{name}\" value \"{value}\" is not an allowed value"
                )));
            }
        }
    }
    Ok(())
}

enum Found {
    Canary(usize),
    Parent(usize),
    Child(usize, usize),
}
