//! The cloud port: the domain types regship speaks and the stage contexts; `aws/` adapts the AWS SDK.

pub mod accounts;
pub mod aws;
pub mod clock;
pub mod context;
pub mod demo;
pub mod fake;
pub mod guard;
pub mod integ_stacks;
pub mod port;
pub mod status;

use std::fmt;

use serde::Serialize;

pub use port::{
    Builds, Cloud, Connections, Identities, Pipelines, Regions, Registry, Rollouts, Stacks,
    StageRegions, Storage,
};
pub use status::{AutomationPhase, StatusCategory};

/// The template a change set is made from: its text, or an S3 URL of it (for templates over
/// CloudFormation's 51,200-byte inline limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TemplateSource {
    Body(String),
    Url(String),
}

/// A stack and the template and parameters it is to run (CreateStack, UpdateStack).
#[derive(Debug, Clone, Copy)]
pub struct StackTemplate<'a> {
    pub stack: &'a str,
    pub template: &'a TemplateSource,
    pub parameters: &'a [(String, String)],
}

impl<'a> StackTemplate<'a> {
    /// A template that takes no parameters.
    pub fn bare(stack: &'a str, template: &'a TemplateSource) -> StackTemplate<'a> {
        StackTemplate {
            stack,
            template,
            parameters: &[],
        }
    }
}

/// A change set to make (CreateChangeSet): of a new stack when `create`, else of an update.
#[derive(Debug, Clone, Copy)]
pub struct ChangeSetRequest<'a> {
    pub stack: &'a str,
    pub name: &'a str,
    pub template: &'a TemplateSource,
    pub create: bool,
}

/// An S3 object.
#[derive(Debug, Clone, Copy)]
pub struct ObjectRef<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
}

/// One execution of a pipeline.
#[derive(Debug, Clone, Copy)]
pub struct ExecutionRef<'a> {
    pub pipeline: &'a str,
    pub execution_id: &'a str,
}

/// How a pipeline execution stops (StopPipelineExecution): its running actions finish, or are
/// abandoned; the reason is shown in the console.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineStop {
    pub abandon: bool,
    pub reason: String,
}

/// CloudFormation's limit on a template given inline (TemplateBody).
pub const MAX_INLINE_TEMPLATE_BYTES: usize = 51_200;

/// The bucket and key of an S3 object's HTTPS URL (`workspace::rain::https_url`).
pub fn object_of_url(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("https://")?;
    let (host, key) = rest.split_once('/')?;
    let (bucket, _) = host.split_once(".s3.")?;
    Some((bucket, key))
}

/// Who the caller is (STS GetCallerIdentity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Identity {
    pub account: String,
    pub arn: String,
}

/// One CloudFormation stack event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackEvent {
    pub event_id: String,
    pub stack_id: String,
    pub stack_name: String,
    pub logical_id: String,
    pub physical_id: Option<String>,
    pub resource_type: String,
    pub status: String,
    pub reason: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub timestamp_ms: i64,
}

impl StackEvent {
    /// Whether the event is about the stack itself rather than one of its resources.
    pub fn is_stack_event(&self) -> bool {
        self.resource_type == "AWS::CloudFormation::Stack" && self.logical_id == self.stack_name
    }

    pub fn category(&self) -> StatusCategory {
        StatusCategory::of(&self.status)
    }
}

/// One page of DescribeStackEvents, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventPage {
    pub events: Vec<StackEvent>,
    pub next_token: Option<String>,
}

/// A stack in a listing (DescribeStacks of every stack), with its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackSummary {
    pub stack_id: String,
    pub name: String,
    pub status: String,
    pub tags: Vec<(String, String)>,
}

impl StackSummary {
    /// The value of tag `key`, if the stack has it.
    pub fn tag(&self, key: &str) -> Option<&str> {
        self.tags
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// A stack as DescribeStacks returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stack {
    pub stack_id: String,
    pub name: String,
    pub status: String,
    pub reason: Option<String>,
    pub outputs: Vec<StackOutput>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StackOutput {
    pub key: String,
    pub value: String,
    pub export_name: Option<String>,
}

/// One CloudFormation export (ListExports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Export {
    pub name: String,
    pub value: String,
    pub exporting_stack_id: String,
}

/// What a change set would do to one resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ResourceChange {
    /// Add, Modify, Remove, Import, Dynamic.
    pub action: String,
    pub logical_id: String,
    pub resource_type: String,
    /// True, False, Conditional, or absent.
    pub replacement: Option<String>,
}

impl ResourceChange {
    /// rain's marks: `+` add, `>` modify, `-` remove.
    pub fn mark(&self) -> &'static str {
        match self.action.as_str() {
            "Add" | "Import" => "+",
            "Remove" => "-",
            _ => ">",
        }
    }
}

/// A change set once CloudFormation has computed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangeSet {
    pub id: String,
    pub stack_id: String,
    pub status: String,
    pub reason: Option<String>,
    pub changes: Vec<ResourceChange>,
}

impl ChangeSet {
    /// CloudFormation refuses to create a change set that changes nothing, and says so in the reason.
    pub fn is_empty_change(&self) -> bool {
        self.status == "FAILED"
            && self.reason.as_deref().is_some_and(|reason| {
                reason.contains("didn't contain changes")
                    || reason.contains("No updates are to be performed")
            })
    }
}

/// What kind of failure a cloud call had, to decide between retrying, backing off and stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CloudErrorKind {
    /// Rate exceeded: back off and retry.
    Throttled,
    /// Credentials expired: stop until the user renews them.
    ExpiredCredentials,
    /// No credentials found at all.
    NoCredentials,
    AccessDenied,
    NotFound,
    /// The network: refused, reset, timed out. Retry.
    Connection,
    /// The request was rejected as invalid.
    Invalid,
    /// Anything else the service said.
    Service,
}

/// A failed cloud call, with a hint a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct CloudError {
    pub kind: CloudErrorKind,
    pub message: String,
    pub hint: String,
}

impl CloudError {
    pub fn new(kind: CloudErrorKind, message: impl Into<String>, hint: impl Into<String>) -> Self {
        CloudError {
            kind,
            message: message.into(),
            hint: hint.into(),
        }
    }

    /// Worth retrying after a pause.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            CloudErrorKind::Throttled | CloudErrorKind::Connection
        )
    }

    /// The message and the hint, for one line of output.
    pub fn with_hint(&self) -> String {
        if self.hint.is_empty() {
            self.message.clone()
        } else {
            format!("{}: {}", self.message, self.hint)
        }
    }
}

/// A pause the caller must take, as data: pollers never sleep themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delay(pub std::time::Duration);

impl fmt::Display for Delay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.1}s", self.0.as_secs_f64())
    }
}

/// What making an Automation document current did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentChange {
    Created,
    /// A new version, now the default.
    Updated,
    /// The latest version already held the content.
    Unchanged,
    /// The latest version held the content but another version was the default (made by hand
    /// since): the latest is the default again.
    DefaultRestored,
}

/// An Automation document's version after it was made current.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocumentVersion {
    pub name: String,
    pub version: String,
    pub change: DocumentChange,
}

/// Whether the account may use a region (ListRegions' RegionOptStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RegionOptIn {
    /// A region every account has.
    EnabledByDefault,
    /// An opt-in region this account enabled.
    Enabled,
    Enabling,
    Disabling,
    Disabled,
}

impl RegionOptIn {
    /// Whether calls can be made there now.
    pub fn usable(self) -> bool {
        matches!(self, RegionOptIn::Enabled | RegionOptIn::EnabledByDefault)
    }
}

/// A multi-region run of the publish document (StartAutomationExecution with TargetLocations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RolloutRequest {
    pub document: String,
    pub document_version: String,
    /// The document's parameters.
    pub parameters: Vec<(String, String)>,
    /// The account it runs in (the prod account).
    pub account: String,
    pub regions: Vec<String>,
    /// Regions at once.
    pub max_concurrency: u32,
    /// Failed regions after which no more start.
    pub max_errors: u32,
    /// The role each region's automation runs as.
    pub execution_role_name: String,
    /// Canary first: this region runs alone, and the others only once it published, through
    /// the canary document (two nested runs of the publish document, in the account).
    pub canary: Option<Canary>,
}

/// A canary rollout: the document that runs it and the region that goes first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Canary {
    pub document: String,
    pub region: String,
}

/// The canary document of a publish document: its name with `-canary` (so one
/// DocumentNamePrefix lists both).
pub fn canary_document(publish_document: &str) -> String {
    format!("{publish_document}-canary")
}

/// The canary document's own parameters (the publish document's pass through): what the
/// adapters send and read back.
pub mod canary_parameters {
    pub const REGION: &str = "CanaryRegion";
    pub const OTHER_REGIONS: &str = "OtherRegions";
    pub const ACCOUNT: &str = "TargetAccount";
    pub const MAX_CONCURRENCY: &str = "MaxConcurrency";
    pub const MAX_ERRORS: &str = "MaxErrors";
    pub const EXECUTION_ROLE_NAME: &str = "ExecutionRoleName";
    /// The document the nested runs run (the publish document; the only value it allows).
    pub const PUBLISH_DOCUMENT: &str = "PublishDocument";
}

impl RolloutRequest {
    /// The regions after the canary (all of them without one).
    pub fn after_canary(&self) -> Vec<String> {
        self.regions_but(self.canary.as_ref().map(|c| c.region.as_str()))
    }

    /// The regions, `region` left out.
    fn regions_but(&self, region: Option<&str>) -> Vec<String> {
        self.regions
            .iter()
            .filter(|r| region != Some(r.as_str()))
            .cloned()
            .collect()
    }

    /// A canary run's parameters (each a list, as StartAutomationExecution takes them): the
    /// publish document's, and where and how the two nested runs go.
    pub fn canary_run_parameters(&self, canary: &Canary) -> Vec<(String, Vec<String>)> {
        use canary_parameters as p;
        let mut parameters: Vec<(String, Vec<String>)> = self
            .parameters
            .iter()
            .map(|(name, value)| (name.clone(), vec![value.clone()]))
            .collect();
        parameters.extend([
            (p::PUBLISH_DOCUMENT.to_string(), vec![self.document.clone()]),
            (p::REGION.to_string(), vec![canary.region.clone()]),
            (
                p::OTHER_REGIONS.to_string(),
                self.regions_but(Some(&canary.region)),
            ),
            (p::ACCOUNT.to_string(), vec![self.account.clone()]),
            (
                p::MAX_CONCURRENCY.to_string(),
                vec![self.max_concurrency.to_string()],
            ),
            (p::MAX_ERRORS.to_string(), vec![self.max_errors.to_string()]),
            (
                p::EXECUTION_ROLE_NAME.to_string(),
                vec![self.execution_role_name.clone()],
            ),
        ]);
        parameters
    }

    /// The request a canary run of `canary_document` was started with, from its parameters;
    /// `None` when they are not a canary run's. The nested runs run each region's default
    /// version of the publish document.
    pub fn from_canary_run(
        canary_document: &str,
        parameters: &[(String, Vec<String>)],
    ) -> Option<RolloutRequest> {
        use canary_parameters as p;
        let first = |name: &str| {
            parameters
                .iter()
                .find(|(key, _)| key == name)
                .and_then(|(_, values)| values.first().cloned())
        };
        let region = first(p::REGION)?;
        let others = parameters
            .iter()
            .find(|(key, _)| key == p::OTHER_REGIONS)
            .map(|(_, values)| values.clone())
            .unwrap_or_default();
        let own = [
            p::PUBLISH_DOCUMENT,
            p::REGION,
            p::OTHER_REGIONS,
            p::ACCOUNT,
            p::MAX_CONCURRENCY,
            p::MAX_ERRORS,
            p::EXECUTION_ROLE_NAME,
        ];
        let mut passed: Vec<(String, String)> = parameters
            .iter()
            .filter(|(key, _)| !own.contains(&key.as_str()))
            .filter_map(|(key, values)| Some((key.clone(), values.first()?.clone())))
            .collect();
        passed.sort();
        Some(RolloutRequest {
            document: first(p::PUBLISH_DOCUMENT)?,
            document_version: "$DEFAULT".to_string(),
            parameters: passed,
            account: first(p::ACCOUNT).unwrap_or_default(),
            regions: std::iter::once(region.clone()).chain(others).collect(),
            max_concurrency: first(p::MAX_CONCURRENCY)
                .and_then(|v| v.parse().ok())
                .unwrap_or(1),
            max_errors: first(p::MAX_ERRORS)
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            execution_role_name: first(p::EXECUTION_ROLE_NAME).unwrap_or_default(),
            canary: Some(Canary {
                document: canary_document.to_string(),
                region,
            }),
        })
    }
}

/// One region of a rollout: its child execution and where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRun {
    pub region: String,
    /// The child execution, once it started.
    pub execution_id: Option<String>,
    /// Pending, InProgress, Waiting, Success, TimedOut, Cancelling, Cancelled, Failed.
    pub status: String,
    /// The step it is on (or the one that failed).
    pub current_step: Option<String>,
    pub failure: Option<String>,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
}

/// One step of a region's run (DescribeAutomationStepExecutions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StepRun {
    pub name: String,
    pub status: String,
    pub failure: Option<String>,
    /// Whether its failure fails the run (`isCritical`, true unless the document says not):
    /// a non-critical step that fails hands over to one that explains (a wait that timed out,
    /// then the check that says why).
    pub critical: bool,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
}

/// A rollout now: the parent execution, every targeted region, and what it was started with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutState {
    pub execution_id: String,
    pub status: String,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
    pub failure: Option<String>,
    pub regions: Vec<RegionRun>,
    /// The document, parameters and target location it runs (for a retry).
    pub request: RolloutRequest,
    /// A canary run's nested runs of the publish document (the canary's, then the others'),
    /// once started: multi-region parents that live in this region, each with its regions.
    pub nested: Vec<String>,
    /// The calls this read made (the parent, and its pages of steps when they were truncated).
    #[serde(skip)]
    pub reads: u32,
}

impl RolloutState {
    /// Every targeted region once, sorted: a region with no step yet is `Pending`, and once the
    /// rollout is final a region that never started (its error budget was spent, or it was
    /// stopped first) is `NotStarted`, so that a retry starts it.
    pub fn settle_never_started(&mut self) {
        for region in &self.request.regions {
            if !self.regions.iter().any(|run| &run.region == region) {
                self.regions.push(RegionRun {
                    region: region.clone(),
                    execution_id: None,
                    status: "Pending".into(),
                    current_step: None,
                    failure: None,
                    started_ms: None,
                    ended_ms: None,
                });
            }
        }
        if AutomationPhase::of(&self.status).is_final() {
            for run in &mut self.regions {
                if AutomationPhase::of(&run.status) == AutomationPhase::Waiting {
                    run.status = status::NOT_STARTED.to_string();
                }
            }
        }
        self.regions.sort_by(|a, b| a.region.cmp(&b.region));
        if let Some(canary) = &self.request.canary
            && let Some(at) = self.regions.iter().position(|r| r.region == canary.region)
        {
            let first = self.regions.remove(at);
            self.regions.insert(0, first);
        }
    }
}

/// One rollout of the document's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RolloutSummary {
    pub execution_id: String,
    pub document_version: Option<String>,
    /// A canary run (the canary region first, the others after it published).
    pub canary: bool,
    pub status: String,
    pub started_ms: Option<i64>,
    pub ended_ms: Option<i64>,
}

/// The account as a registry publisher in one region (DescribePublisher).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Publisher {
    /// Absent when the account never registered as a publisher there.
    pub id: Option<String>,
    pub verified: bool,
}

/// An extension as a registry listing shows it (ListTypes): its name and the version that
/// matters there (the latest public version, or the private default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TypeListing {
    pub type_name: String,
    pub version: Option<String>,
}

/// A type in the account's registry (DescribeType).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisteredType {
    pub type_name: String,
    pub private: bool,
    pub default_version: Option<String>,
    pub last_updated_ms: Option<i64>,
}

/// A pipeline's current state (GetPipelineState).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineState {
    pub name: String,
    pub stages: Vec<PipelineStage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineStage {
    pub name: String,
    /// InProgress, Succeeded, Failed, Stopped, Cancelled ... of its latest execution.
    pub status: Option<String>,
    /// The pipeline execution the stage last ran (what a retry retries).
    pub execution_id: Option<String>,
    pub actions: Vec<PipelineActionState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineActionState {
    pub name: String,
    pub status: Option<String>,
    pub summary: Option<String>,
    pub last_change_ms: Option<i64>,
    /// The CodeBuild build id, for a build action.
    pub external_id: Option<String>,
    pub error: Option<String>,
}

/// One pipeline execution (ListPipelineExecutions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PipelineExecution {
    pub id: String,
    pub status: String,
    pub trigger: Option<String>,
    pub start_ms: Option<i64>,
    pub last_update_ms: Option<i64>,
    /// The source revision: commit id and message.
    pub revision: Option<String>,
    pub revision_summary: Option<String>,
}

impl PipelineExecution {
    /// `7f3c2a1 First line of the commit message`, or empty without a revision.
    pub fn short_revision(&self) -> String {
        let Some(id) = &self.revision else {
            return String::new();
        };
        let summary = self
            .revision_summary
            .as_deref()
            .and_then(|s| s.lines().next())
            .unwrap_or_default();
        format!("{} {summary}", id.chars().take(7).collect::<String>())
            .trim_end()
            .to_string()
    }
}

/// One action of one pipeline execution (ListActionExecutions).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionExecutionRecord {
    pub stage: String,
    pub action: String,
    pub status: String,
    pub start_ms: Option<i64>,
    pub last_update_ms: Option<i64>,
    /// The CodeBuild build id, for a build action.
    pub external_id: Option<String>,
    pub summary: Option<String>,
    pub error: Option<String>,
}

/// A CodeBuild build (BatchGetBuilds): its status, phases and where its log is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Build {
    pub id: String,
    pub project: String,
    /// IN_PROGRESS, SUCCEEDED, FAILED, FAULT, TIMED_OUT, STOPPED.
    pub status: String,
    pub current_phase: Option<String>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
    pub phases: Vec<BuildPhase>,
    pub log: Option<LogLocation>,
}

impl Build {
    /// The build has ended and its log will not grow.
    pub fn is_complete(&self) -> bool {
        self.status != "IN_PROGRESS"
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildPhase {
    pub name: String,
    pub status: Option<String>,
    pub duration_s: Option<i64>,
    /// The phase's messages, e.g. why it failed.
    pub context: Vec<String>,
}

/// A CloudWatch Logs stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLocation {
    pub group: String,
    pub stream: String,
}

/// Log lines read from a stream, and where the next read starts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogPage {
    pub lines: Vec<LogLine>,
    /// Pass back to read only what was written after this page.
    pub next_token: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub timestamp_ms: i64,
    pub message: String,
}
