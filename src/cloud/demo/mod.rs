//! The demo adapter behind `regship demo`: the same `trait Cloud` as AWS, answered from a
//! seeded timeline on the injectable clock, with four accounts of its own. The sandbox's first
//! setup deploy fails on one resource and rolls back, the next one succeeds and exports; `cfn`
//! jobs play a transcript; the CI/CD pipeline runs parallel builds, one failing with its log,
//! and a retry passes. In beta, yesterday's release (version 2 of every extension) made the
//! long-lived integ stacks: an alpha extension's update of its copy is refused (a compatibility
//! break its maturity allows), and so is a prod extension's once a newer version is submitted
//! to beta (a break that blocks the release). Nothing here reads credentials or opens a
//! connection.

mod capabilities;
mod pipeline;
mod rollout;
mod stacks;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;

use self::pipeline::{ActionSpec, DemoPipeline, contract_test_lines};
use self::stacks::{DemoStacks, Mishap, Place};
use super::clock::Clock;
use super::context::StageContext;
use super::guard::Authorization;
use super::port::Connector;
use super::{
    ActionExecutionRecord, Build, Builds, ChangeSet, ChangeSetRequest, Cloud, CloudError,
    CloudErrorKind, DocumentChange, DocumentVersion, EventPage, ExecutionRef, Export, Identities,
    Identity, LogLocation, LogPage, ObjectRef, PipelineExecution, PipelineState, PipelineStop,
    Pipelines, Publisher, RegionOptIn, Regions, RegisteredType, Registry, RolloutRequest,
    RolloutState, RolloutSummary, Rollouts, Stack, StackSummary, StackTemplate, Stacks, StepRun,
    Storage, TemplateSource, TypeListing, object_of_url,
};
use crate::config::{ConfigError, Maturity, Stage, WorkspaceConfig};
use crate::workspace::pipeline::build_actions;
use crate::workspace::{ArtifactType, Workspace};

/// The demo's four accounts, as a regship.yml would name them; the guard checks them as usual.
pub const DEMO_ACCOUNTS: &str = r#"accounts:
  sandbox: {profile: demo-sandbox, region: us-east-1, account_id: "111111111111"}
  cicd: {profile: demo-cicd, region: us-east-1, account_id: "222222222222", pipeline: regship-extensions}
  beta: {profile: demo-beta, region: us-east-1, account_id: "333333333333"}
  prod: {profile: demo-prod, region: us-east-1, account_id: "444444444444", regions: all}
"#;

/// Where CloudFormation is offered, every partition's, as the public parameters list them.
const CLOUDFORMATION_REGIONS: [&str; 39] = [
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "cn-north-1",
    "cn-northwest-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eusc-de-east-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-gov-east-1",
    "us-gov-west-1",
    "us-west-1",
    "us-west-2",
];
/// The opt-in regions the demo's accounts enabled; the other opt-in regions are disabled.
const OPTED_IN: [&str; 9] = [
    "af-south-1",
    "ap-east-1",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "me-south-1",
];
/// The one region where the demo's prod account is not (yet) a verified publisher.
const UNVERIFIED_PUBLISHER: &str = "ap-south-2";
/// Regions enabled so recently that nothing was published there yet.
const NEWLY_ENABLED: [&str; 2] = ["ap-southeast-4", "eu-south-2"];
/// What yesterday's release published publicly (prod extensions only).
const PUBLISHED_VERSION: &str = "1.0.2";
/// The demo's publisher id.
const DEMO_PUBLISHER: &str = "d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0d3m0";

/// Regions every account has (the rest of the `aws` partition is opt-in).
const ENABLED_BY_DEFAULT: [&str; 17] = [
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
];

fn not_a_rollout(id: &str) -> CloudError {
    CloudError::new(
        CloudErrorKind::NotFound,
        format!("Automation execution {id} does not exist"),
        "check the id (regship rollout list)",
    )
}

/// The partition a region name belongs to.
fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("eusc-") {
        "aws-eusc"
    } else {
        "aws"
    }
}

/// The CI/CD run of the demo begins this long after the demo starts.
const PIPELINE_START: Duration = Duration::from_secs(2);
/// The demo's timeline begins a day before the demo starts, so that history has a past.
const PRELUDE: Duration = Duration::from_secs(86_400);
/// Yesterday's release: the version of every extension in beta's registry when the demo starts,
/// the one that created the long-lived integ stacks.
const RELEASED_VERSION: u32 = 2;

/// The workspace's configuration with the demo's accounts in place of its own.
pub fn demo_config(config: &WorkspaceConfig) -> Result<WorkspaceConfig, ConfigError> {
    let demo = WorkspaceConfig::parse(DEMO_ACCOUNTS, "the demo's accounts")?;
    Ok(WorkspaceConfig {
        accounts: demo.accounts,
        ..config.clone()
    })
}

#[derive(Debug)]
struct World {
    rng: fastrand::Rng,
    stacks: DemoStacks,
    pipeline: DemoPipeline,
    /// (stage, type name) -> the versions submitted to that stage's private registry.
    registry: BTreeMap<(Stage, String), u32>,
    /// Stacks the sandbox has created: its first create is denied.
    sandbox_creates: u32,
    /// The artifact buckets' objects: (bucket, key) -> content.
    objects: BTreeMap<(String, String), Vec<u8>>,
    /// Hook type name -> its configuration (SetTypeConfiguration).
    hook_configurations: BTreeMap<String, String>,
    /// (account, document name) -> the content of each version, oldest first.
    documents: BTreeMap<(String, String), Vec<String>>,
    /// The rollouts started (a canary run's nested runs among them), oldest first.
    rollouts: Vec<rollout::DemoRollout>,
    /// The canary runs started, oldest first.
    canaries: Vec<rollout::DemoCanary>,
}

impl World {
    /// The next rollout's id: rollouts started by hand are numbered (a canary run's nested runs
    /// are named after it).
    fn next_rollout_id(&self) -> String {
        let started = self.rollouts.iter().filter(|r| r.parent.is_none()).count();
        format!("demo-rollout-{:04}", started + self.canaries.len() + 1)
    }

    /// Starts `request` at `now` (a canary run when it names a canary), its durations drawn
    /// from `rng`; its id.
    fn start_rollout(
        &mut self,
        home: String,
        request: RolloutRequest,
        (now, scale): (Duration, f64),
        rng: &mut fastrand::Rng,
    ) -> String {
        let id = self.next_rollout_id();
        let first = !self.rollouts.iter().any(|r| r.tried(&request));
        if request.canary.is_some() {
            let (canary, runs) =
                rollout::DemoCanary::new((id.clone(), home), request, (now, first, scale), rng);
            self.rollouts.extend(runs);
            self.canaries.push(canary);
        } else {
            self.rollouts.push(rollout::DemoRollout::new(
                (id.clone(), home),
                request,
                (now, first, scale),
                rng,
            ));
        }
        id
    }
}

/// Everything the demo's accounts hold, shared by the connection of every stage.
#[derive(Debug)]
pub struct DemoWorld {
    clock: Clock,
    /// Folder -> type name, for the cfn transcripts.
    type_names: BTreeMap<String, String>,
    /// Long-lived integ stack -> the type name and maturity of its extension.
    long_lived: BTreeMap<String, (String, Maturity)>,
    /// Type name -> maturity.
    maturity: BTreeMap<String, Maturity>,
    /// The time scale of the rollouts it is asked to start.
    rollout_scale: f64,
    world: Mutex<World>,
}

impl DemoWorld {
    /// A world for `workspace`, its randomness drawn from `seed`, its time from `clock`; the
    /// rollouts it is asked to start run at a tenth of real durations, so that they end while
    /// the demo runs.
    pub fn new(workspace: &Workspace, seed: u64, clock: Clock) -> Arc<DemoWorld> {
        DemoWorld::with_rollout_scale(workspace, seed, clock, 0.1)
    }

    /// As `new`, the rollouts it starts at `scale` times real durations (1.0 for measurements).
    pub fn with_rollout_scale(
        workspace: &Workspace,
        seed: u64,
        clock: Clock,
        scale: f64,
    ) -> Arc<DemoWorld> {
        let mut rng = fastrand::Rng::with_seed(seed);
        let type_names: BTreeMap<String, String> = workspace
            .extensions
            .iter()
            .filter_map(|e| Some((e.folder.clone(), e.type_name()?.to_string())))
            .collect();
        let mut actions: Vec<ActionSpec> = workspace
            .pipeline
            .as_ref()
            .and_then(|parsed| parsed.ok())
            .map(build_actions)
            .unwrap_or_default()
            .into_iter()
            .map(|action| {
                let folder = workspace
                    .extensions
                    .iter()
                    .find(|e| action.tests_folder(&e.folder))
                    .map(|e| e.folder.clone());
                ActionSpec {
                    project: format!("regship-{}", action.name),
                    type_name: folder.as_ref().and_then(|f| type_names.get(f).cloned()),
                    folder: folder.or(Some(action.path)),
                    name: action.name,
                }
            })
            .collect();
        if actions.is_empty() {
            actions = workspace
                .extensions
                .iter()
                .map(|e| {
                    let name: String = e
                        .folder
                        .rsplit('/')
                        .next()
                        .unwrap_or(&e.folder)
                        .replace('_', "");
                    ActionSpec {
                        project: format!("regship-{name}"),
                        name,
                        folder: Some(e.folder.clone()),
                        type_name: type_names.get(&e.folder).cloned(),
                    }
                })
                .collect();
        }
        for kind in ["Lint", "Checks"] {
            actions.push(ActionSpec {
                name: kind.into(),
                project: format!("regship-{}", kind.to_ascii_lowercase()),
                folder: None,
                type_name: None,
            });
        }
        let pipeline = DemoPipeline::new(
            "regship-extensions",
            actions,
            PRELUDE + PIPELINE_START,
            &mut rng,
        );
        let mut world = World {
            rng,
            stacks: DemoStacks::default(),
            pipeline,
            registry: BTreeMap::new(),
            sandbox_creates: 0,
            objects: BTreeMap::new(),
            hook_configurations: BTreeMap::new(),
            documents: BTreeMap::new(),
            rollouts: Vec::new(),
            canaries: Vec::new(),
        };
        let long_lived = yesterdays_release(workspace, &mut world, &|at| {
            clock.origin_ms() - PRELUDE.as_millis() as i64 + at.as_millis() as i64
        });
        // Its own randomness, so that the rest of the timeline is the same with or without it.
        todays_rollout(
            workspace,
            &mut world,
            &mut fastrand::Rng::with_seed(seed ^ 0x5eed),
        );
        let maturity = workspace
            .extensions
            .iter()
            .filter_map(|e| Some((e.type_name()?.to_string(), e.maturity)))
            .collect();
        Arc::new(DemoWorld {
            clock,
            type_names,
            long_lived,
            maturity,
            rollout_scale: scale,
            world: Mutex::new(world),
        })
    }

    /// What goes wrong, on purpose, when `stage` creates or updates `stack`.
    fn mishap(&self, world: &World, stage: Stage, stack: &str, create: bool) -> Mishap {
        if create {
            return if stage == Stage::Sandbox && world.sandbox_creates == 0 {
                Mishap::CreateDenied
            } else {
                Mishap::None
            };
        }
        let Some((type_name, maturity)) = self.long_lived.get(stack) else {
            return Mishap::None;
        };
        let version = world
            .registry
            .get(&(stage, type_name.clone()))
            .copied()
            .unwrap_or(RELEASED_VERSION);
        if *maturity == Maturity::Alpha || version > RELEASED_VERSION {
            Mishap::UpdateRefused {
                type_name: type_name.clone(),
            }
        } else {
            Mishap::None
        }
    }

    fn lock(&self) -> MutexGuard<'_, World> {
        self.world
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The timeline's now.
    fn now(&self) -> Duration {
        PRELUDE + self.clock.elapsed()
    }

    /// Milliseconds since the epoch of a moment of the timeline.
    fn at_ms(&self, at: Duration) -> i64 {
        self.clock.origin_ms() - PRELUDE.as_millis() as i64 + at.as_millis() as i64
    }

    /// Plays what `cfn <verb>` prints for the extension in `folder`, line by line on the demo
    /// clock; returns its exit code.
    pub async fn play_cfn(
        &self,
        verb: &str,
        folder: &str,
        stage: Stage,
        mut line: impl FnMut(String),
    ) -> i32 {
        let type_name = self
            .type_names
            .get(folder)
            .cloned()
            .unwrap_or_else(|| folder.to_string());
        let lines: Vec<String> = match verb {
            "validate" => vec![format!("Resource schema for {type_name} is valid.")],
            "generate" => vec![format!("Generated files for {type_name}")],
            "test" => contract_test_lines(None),
            "submit" => {
                let version = {
                    let mut world = self.lock();
                    let released = if stage == Stage::Sandbox {
                        0
                    } else {
                        RELEASED_VERSION
                    };
                    let count = world
                        .registry
                        .entry((stage, type_name.clone()))
                        .or_insert(released);
                    *count += 1;
                    *count
                };
                vec![
                    format!(
                        "Successfully submitted type. Waiting for registration with token 'demo-{version:04}' to complete."
                    ),
                    format!("Registration complete: {type_name} version {version:08}"),
                ]
            }
            other => vec![format!("cfn {other}: not part of the demo")],
        };
        for text in lines {
            self.clock.sleep(Duration::from_millis(700)).await;
            line(text);
        }
        0
    }
}

/// Yesterday's release in beta: every extension with a `test/integ.*` at [`RELEASED_VERSION`]
/// in the registry, and its long-lived integ stack created with it. Returns the long-lived
/// stacks, with the type name and maturity of their extension.
fn yesterdays_release(
    workspace: &Workspace,
    world: &mut World,
    timestamp: &dyn Fn(Duration) -> i64,
) -> BTreeMap<String, (String, Maturity)> {
    let Ok(accounts) = WorkspaceConfig::parse(DEMO_ACCOUNTS, "the demo's accounts") else {
        return BTreeMap::new();
    };
    let beta = &accounts.accounts.beta;
    let place = Place {
        account: beta
            .account_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        region: beta.region.clone().unwrap_or_default(),
    };
    let mut long_lived = BTreeMap::new();
    let created_at = PRELUDE / 2;
    for extension in &workspace.extensions {
        let (Some(type_name), Some(integ)) = (
            extension.type_name(),
            extension.integ.iter().find(|t| {
                std::path::Path::new(&t.path)
                    .file_stem()
                    .is_some_and(|stem| stem == "integ")
            }),
        ) else {
            continue;
        };
        let stack = super::integ_stacks::keep_stack_of(&extension.folder);
        let tags = [(
            super::integ_stacks::EXTENSION_TAG.to_string(),
            extension.folder.clone(),
        )];
        let parameters = [(
            super::integ_stacks::REVISION_PARAMETER.to_string(),
            "yesterday".to_string(),
        )];
        let World { rng, stacks, .. } = world;
        // A template the demo cannot deploy as it is (rain directives) has no long-lived copy.
        let created = stacks.apply_template(
            &place,
            (&stack, &integ.text, &parameters),
            true,
            &tags,
            Mishap::None,
            created_at,
            rng,
            timestamp,
        );
        if created.is_ok() {
            world
                .registry
                .insert((Stage::Beta, type_name.to_string()), RELEASED_VERSION);
            long_lived.insert(stack, (type_name.to_string(), extension.maturity));
        }
    }
    long_lived
}

/// Today's rollout in prod, started by the release as the demo starts: each prod extension's
/// next version to every publishing region but the one where the account is not a verified
/// publisher (the preflight skipped it), 5 at a time, at a tenth of the real durations so that
/// it runs while the demo does.
fn todays_rollout(workspace: &Workspace, world: &mut World, rng: &mut fastrand::Rng) {
    let mut regions: Vec<String> = CLOUDFORMATION_REGIONS
        .iter()
        .filter(|region| ENABLED_BY_DEFAULT.contains(region) || OPTED_IN.contains(region))
        .filter(|region| **region != UNVERIFIED_PUBLISHER)
        .map(|region| region.to_string())
        .collect();
    // The region whose tests fail goes early, so that with no failure allowed the regions
    // after it never start (whatever the seed).
    if let Some(at) = regions.iter().position(|r| r == rollout::FAILING_REGION) {
        let failing = regions.remove(at);
        regions.insert(0, failing);
    }
    let Ok(accounts) = WorkspaceConfig::parse(DEMO_ACCOUNTS, "the demo's accounts") else {
        return;
    };
    let account = accounts
        .accounts
        .prod
        .account_id
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let home = accounts
        .accounts
        .prod
        .region
        .clone()
        .unwrap_or_else(|| "us-east-1".into());
    for extension in &workspace.extensions {
        let (Some(type_name), Maturity::Prod) = (extension.type_name(), extension.maturity) else {
            continue;
        };
        let request = RolloutRequest {
            document: "regship-publish-extension".into(),
            document_version: "1".into(),
            parameters: vec![
                ("TypeName".into(), type_name.to_string()),
                ("Kind".into(), extension.artifact_type().to_string()),
                ("Publish".into(), "true".into()),
                ("PublicVersionNumber".into(), "1.0.3".into()),
            ],
            account: account.clone(),
            regions: regions.clone(),
            max_concurrency: 5,
            // No failure allowed: the regions not started when one fails never start.
            max_errors: 0,
            execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
            // The home region publishes first; the others only after it did.
            canary: Some(crate::cloud::Canary {
                document: crate::cloud::canary_document("regship-publish-extension"),
                region: home.clone(),
            }),
        };
        world.start_rollout(home.clone(), request, (PRELUDE, 0.1), rng);
    }
}

/// Connects every stage to the demo's world.
pub struct DemoConnector {
    pub world: Arc<DemoWorld>,
}

#[async_trait]
impl Connector for DemoConnector {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        Ok(Arc::new(DemoCloud {
            context,
            world: self.world.clone(),
        }))
    }
}

/// One stage's connection to the demo's world.
pub struct DemoCloud {
    context: StageContext,
    world: Arc<DemoWorld>,
}

impl DemoCloud {
    /// The text of a template given inline or by a URL into the demo's buckets.
    fn template_text(
        &self,
        state: &World,
        template: &TemplateSource,
    ) -> Result<String, CloudError> {
        match template {
            TemplateSource::Body(body) => Ok(body.clone()),
            TemplateSource::Url(url) => object_of_url(url)
                .and_then(|(bucket, key)| state.objects.get(&(bucket.into(), key.into())))
                .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
                .ok_or_else(|| {
                    CloudError::new(
                        CloudErrorKind::Invalid,
                        format!("TemplateURL must be a supported URL: {url} is not in the demo's buckets"),
                        "",
                    )
                }),
        }
    }

    /// CreateStack or UpdateStack on the demo's stacks.
    async fn apply(
        &self,
        authorization: &Authorization,
        &StackTemplate {
            stack,
            template,
            parameters,
        }: &StackTemplate<'_>,
        create: bool,
        tags: &[(String, String)],
    ) -> Result<Option<String>, CloudError> {
        authorization.permits(&self.context)?;
        let (now, world) = (self.world.now(), &self.world);
        let mut guard = world.lock();
        let body = self.template_text(&guard, template)?;
        let mishap = world.mishap(&guard, self.context.stage, stack, create);
        self.count_create(&mut guard, create);
        let World { rng, stacks, .. } = &mut *guard;
        stacks.apply_template(
            &self.place(),
            (stack, &body, parameters),
            create,
            tags,
            mishap,
            now,
            rng,
            &|at| world.at_ms(at),
        )
    }

    fn count_create(&self, world: &mut World, create: bool) {
        if create && self.context.stage == Stage::Sandbox {
            world.sandbox_creates += 1;
        }
    }

    fn account(&self) -> String {
        self.context
            .expected_account
            .as_ref()
            .map_or_else(|| "123456789012".to_string(), |a| a.to_string())
    }

    fn place(&self) -> Place {
        Place {
            account: self.account(),
            region: self.region(),
        }
    }

    /// Runs `call` on the demo's pipeline (the cicd account's) at the timeline's now.
    fn in_pipeline<T>(
        &self,
        pipeline: &str,
        call: impl FnOnce(
            &mut DemoPipeline,
            &mut fastrand::Rng,
            Duration,
            &dyn Fn(Duration) -> i64,
        ) -> Result<T, CloudError>,
    ) -> Result<T, CloudError> {
        self.pipeline_only_in_cicd(pipeline)?;
        let (world, now) = (&self.world, self.world.now());
        let mut guard = world.lock();
        let World {
            rng,
            pipeline: demo,
            ..
        } = &mut *guard;
        call(demo, rng, now, &|at| world.at_ms(at))
    }

    fn pipeline_only_in_cicd(&self, pipeline: &str) -> Result<(), CloudError> {
        if self.context.stage == crate::config::Stage::Cicd {
            Ok(())
        } else {
            Err(CloudError::new(
                CloudErrorKind::NotFound,
                format!(
                    "Pipeline {pipeline} does not exist in the demo's {} account",
                    self.context.stage
                ),
                "the demo's pipeline is in the cicd stage (:stage cicd)",
            ))
        }
    }
}
