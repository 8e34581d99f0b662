//! A prod rollout watched, retried and stopped through the AWS adapter and the real SDK, against
//! the loopback multi-region SSM Automation emulator (`support/automation.rs`, which enforces
//! that an execution is answered only to clients of the region it lives in). Every test fails
//! if a child is looked up anywhere but its own region.

mod support;

use std::sync::Arc;

use async_trait::async_trait;
use regship::cloud::aws::{AwsCloud, Clients, with_call_limits};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::guard::Authorization;
use regship::cloud::port::Connector;
use regship::cloud::{
    Canary, Cloud, CloudError, Connections, RolloutRequest, StageRegions, canary_document,
};
use regship::config::{Stage, WorkspaceConfig};
use regship::ops::rollout_watch::{
    RolloutWatch, canary_failed, display_order, is_failure, is_final, retry_request,
    setup_stacks_left, stop,
};
use serde_json::json;
use support::automation::{AutomationEmulator, RegionScript};

const ACCOUNT: &str = "444444444444";
const DOCUMENT: &str = "regship-publish-extension";

/// Each region's connection to the emulator, with regship's own retry and timeout limits and
/// static test credentials: the SDK signs each request with its region's credential scope.
struct Emulated {
    endpoint: String,
    /// `--record DIR`.
    record: Option<std::path::PathBuf>,
}

#[async_trait]
impl Connector for Emulated {
    async fn connect(&self, context: StageContext) -> Result<Arc<dyn Cloud>, CloudError> {
        let region = context.region.clone().unwrap_or_else(|| "us-east-1".into());
        let config = with_call_limits(aws_config::defaults(aws_config::BehaviorVersion::latest()))
            .region(aws_config::Region::new(region.clone()))
            .credentials_provider(aws_credential_types::Credentials::new(
                "testing", "testing", None, None, "test",
            ))
            .endpoint_url(&self.endpoint)
            .load()
            .await;
        let recorder = self
            .record
            .clone()
            .map(|dir| regship::cloud::aws::record::Recorder { dir, region });
        Ok(Arc::new(AwsCloud::from_clients(
            context,
            Clients::recording(&config, recorder),
        )))
    }
}

/// The 26 regions of the demo's prod account, the home region first.
const REGIONS: [&str; 26] = [
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "sa-east-1",
];

fn regions() -> Vec<String> {
    REGIONS.iter().map(|r| r.to_string()).collect()
}

/// The prod stage (home us-east-1) in every region, on the emulator.
fn stage(emulator: &AutomationEmulator) -> StageRegions {
    recording_stage(emulator, None)
}

/// As `stage`, every response saved in `record` when given.
fn recording_stage(
    emulator: &AutomationEmulator,
    record: Option<std::path::PathBuf>,
) -> StageRegions {
    let config = WorkspaceConfig::parse(
        &format!("accounts:\n  prod: {{region: us-east-1, account_id: \"{ACCOUNT}\"}}\n"),
        "regship.yml",
    )
    .unwrap();
    let home = StageContext::new(&config, Stage::Prod, &Overrides::default());
    StageRegions::new(
        Connections::new(Arc::new(Emulated {
            endpoint: emulator.endpoint.clone(),
            record,
        })),
        home,
    )
}

fn authorization(cloud: &dyn Cloud) -> Authorization {
    support::authorization(cloud, ACCOUNT)
}

/// The kit's document `file`, as the emulator runs and checks it.
fn document_text(file: &str) -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).unwrap()
}

/// The publish document in each of `regions`, and the canary document in the home region.
fn documents(emulator: &AutomationEmulator, regions: &[String]) {
    emulator.has_document_text(
        DOCUMENT,
        regions,
        &document_text(regship::ops::rollout::DOCUMENT_FILE),
    );
    emulator.has_document_text(
        &canary_document(DOCUMENT),
        &["us-east-1".to_string()],
        &document_text(regship::ops::rollout::CANARY_DOCUMENT_FILE),
    );
}

fn request(regions: Vec<String>, concurrency: u32, max_errors: u32) -> RolloutRequest {
    let role = |name: &str| format!("arn:aws:iam::{ACCOUNT}:role/{name}");
    RolloutRequest {
        document: DOCUMENT.into(),
        document_version: "$DEFAULT".into(),
        // What `rollout start` passes (every value within the document's patterns).
        parameters: [
            ("TypeName", "AwsCommunity::S3::DeleteBucketContents".to_string()),
            ("Kind", "RESOURCE".into()),
            (
                "SchemaHandlerPackage",
                "s3://regship-prod-handlerpackagebucket-1/awscommunity-s3-deletebucketcontents/ab12.zip".into(),
            ),
            (
                "ExecutionRoleArn",
                role("awscommunity-s3-deletebucketcontents-prod-r-ExecutionRole-1"),
            ),
            ("LogRoleArn", role("regship-prod-LogDeliveryRole-1")),
            ("LogGroupName", "/regship/extensions".into()),
            ("LogDeliveryBucket", "regship-prod-testlogbucket-1".into()),
            ("Publish", "true".into()),
            ("KeepPrivateVersions", "5".into()),
            (
                "SetupStackName",
                "setup-prod-awscommunity-s3-deletebucketcontents".into(),
            ),
            ("SetupTemplateKey", "setup/ab12.yaml".into()),
            ("SetupStackRoleArn", role("regship-prod-SetupStackRole-1")),
            (
                "AutomationAssumeRole",
                role("AWS-SystemsManager-AutomationExecutionRole"),
            ),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_string(), value))
        .collect(),
        account: ACCOUNT.into(),
        regions,
        max_concurrency: concurrency,
        max_errors,
        execution_role_name: "AWS-SystemsManager-AutomationExecutionRole".into(),
        canary: None,
    }
}

/// Polls until the rollout is final, a tick between polls; every poll's call count, and every
/// change seen.
async fn watch_to_the_end(
    emulator: &AutomationEmulator,
    stage: &StageRegions,
    watch: &mut RolloutWatch,
) -> (
    Vec<(u32, usize, usize)>,
    Vec<regship::ops::rollout_watch::RegionChange>,
) {
    let mut costs = Vec::new();
    let mut seen = Vec::new();
    for _ in 0..200 {
        let before_running = watch.totals().running;
        let changes = watch.poll(stage).await.unwrap();
        let failed = changes.iter().filter(|c| is_failure(&c.status)).count();
        costs.push((
            watch.calls,
            before_running.max(watch.totals().running),
            failed,
        ));
        seen.extend(changes);
        if is_final(&watch.state.as_ref().unwrap().status) {
            return (costs, seen);
        }
        emulator.advance(1);
    }
    panic!("the rollout did not end in 200 polls");
}

/// 26 regions at concurrency 5: a setup stack failure, a TestType failure, tests left NOT_TESTED,
/// a child timing out and a status regship does not know, each read from its child in its own
/// region (never the home region); a poll costs the parent plus one call per running region
/// and per region that just changed; the retry starts exactly the regions not published.
#[tokio::test]
async fn each_child_is_read_in_its_own_region_and_the_retry_starts_the_failed_ones() {
    let emulator = AutomationEmulator::start();
    documents(&emulator, &regions());
    emulator.script(
        "eu-west-1",
        RegionScript::failing(
            "DeploySetupStack",
            "setup-prod-awscommunity-s3-deletebucketcontents: CREATE_FAILED: Bucket: Resource handler returned message: \"Access Denied\"",
        ),
    );
    emulator.script(
        "ap-south-1",
        RegionScript::failing(
            "CheckTests",
            "TestType FAILED: contract_create_read: the read handler returned no KeyPrefix",
        ),
    );
    // The wait gives up (not critical) and hands over to the check, which says why.
    emulator.script(
        "ca-central-1",
        RegionScript::failing_after(
            ("WaitForTests", "Step timed out while step is verifying the response from API"),
            "CheckTests",
            "TestType NOT_TESTED: the contract tests had not started 90 minutes after TestType (a registry fault seen in newly launched regions): retry this region later (regship rollout retry), or ask AWS Support",
        ),
    );
    emulator.script(
        "sa-east-1",
        RegionScript::ending_with("WaitForTests", "TimedOut"),
    );
    emulator.script(
        "il-central-1",
        RegionScript::ending_with("Publish", "Paused"),
    );
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let id = home
        .start_rollout(&authorization(home.as_ref()), &request(regions(), 5, 10))
        .await
        .unwrap();
    let mut watch = RolloutWatch::new(&id);
    let (costs, seen) = watch_to_the_end(&emulator, &stage, &mut watch).await;

    assert!(
        emulator.misdirected().is_empty(),
        "a child was looked up outside its region: {:?}",
        emulator.misdirected()
    );
    // Every child read went to the child's own region.
    let state = watch.state.clone().unwrap();
    for (region, operation, asked) in emulator.requests() {
        if let Some(run) = state
            .regions
            .iter()
            .find(|run| run.execution_id.as_deref() == Some(asked.as_str()))
        {
            assert_eq!(region, run.region, "{operation} of {asked}");
        }
    }
    for (calls, running, failed) in &costs {
        assert!(
            (*calls as usize) <= 1 + running + failed,
            "{calls} calls with {running} running and {failed} just failed"
        );
    }
    let step_and_failure = |region: &str| {
        let run = state.regions.iter().find(|r| r.region == region).unwrap();
        (
            run.status.clone(),
            run.current_step.clone(),
            run.failure.clone(),
        )
    };
    let (status, step, failure) = step_and_failure("eu-west-1");
    assert_eq!(
        (status.as_str(), step.as_deref()),
        ("Failed", Some("DeploySetupStack"))
    );
    assert!(failure.unwrap().contains("CREATE_FAILED"));
    let (_, step, failure) = step_and_failure("ca-central-1");
    assert_eq!(
        step.as_deref(),
        Some("CheckTests"),
        "the check that explains, not the wait that handed over, nor the clean-up after"
    );
    assert!(failure.unwrap().starts_with("TestType NOT_TESTED"));
    let (status, step, _) = step_and_failure("sa-east-1");
    assert_eq!(
        (status.as_str(), step.as_deref()),
        ("TimedOut", Some("WaitForTests"))
    );
    let (status, _, _) = step_and_failure("il-central-1");
    assert_eq!(status, "Paused", "an unknown status is shown as it is");
    // Each region's failure was reported once, as a change with its step.
    let reported: Vec<&str> = seen
        .iter()
        .filter(|c| c.status == "Failed")
        .map(|c| c.region.as_str())
        .collect();
    assert_eq!(reported.len(), 3, "{reported:?}");
    let totals = watch.totals();
    assert_eq!(
        (totals.succeeded, totals.failed, totals.running),
        (21, 4, 1),
        "the unknown status counts as running"
    );

    let retry = retry_request(&state).unwrap();
    let mut expected = vec!["ap-south-1", "ca-central-1", "eu-west-1", "sa-east-1"];
    expected.sort();
    assert_eq!(retry.regions, expected);
    assert_eq!(retry.max_concurrency, 5);
    assert_eq!(retry.document_version, "$DEFAULT");
}

/// The error budget spent (0 errors allowed, concurrency 2): the regions that never started are
/// shown as such, counted apart, and part of the retry, whether or not the parent lists them as
/// steps (a live run will say which).
#[tokio::test]
async fn regions_that_never_started_are_shown_and_retried() {
    for listed in [false, true] {
        let emulator = AutomationEmulator::start();
        emulator.list_never_started_as_steps(listed);
        let targets: Vec<String> = REGIONS[..6].iter().map(|r| r.to_string()).collect();
        documents(&emulator, &targets);
        emulator.script(
            "us-east-2",
            RegionScript::failing(
                "RegisterType",
                "RegisterType FAILED: the handler package is not readable",
            ),
        );
        let stage = stage(&emulator);
        let home = stage.home().await.unwrap();
        let id = home
            .start_rollout(&authorization(home.as_ref()), &request(targets, 2, 0))
            .await
            .unwrap();
        let mut watch = RolloutWatch::new(&id);
        watch_to_the_end(&emulator, &stage, &mut watch).await;
        let state = watch.state.clone().unwrap();
        let never: Vec<&str> = state
            .regions
            .iter()
            .filter(|r| r.status == "NotStarted")
            .map(|r| r.region.as_str())
            .collect();
        assert_eq!(
            never,
            ["af-south-1", "ap-east-1", "us-west-1", "us-west-2"],
            "listed: {listed}"
        );
        assert_eq!(watch.totals().not_started, 4);
        let retry = retry_request(&state).unwrap();
        assert_eq!(
            retry.regions,
            [
                "af-south-1",
                "ap-east-1",
                "us-east-2",
                "us-west-1",
                "us-west-2"
            ],
            "the failed region and the four that never started"
        );
        assert!(emulator.misdirected().is_empty());
    }
}

/// Truncated parent steps are paged (the cost counted), a throttled read is an error the watcher
/// rides out with nothing lost, and a region whose document is missing fails with no child.
#[tokio::test]
async fn truncated_steps_are_paged_and_throttling_is_ridden_out() {
    let emulator = AutomationEmulator::start();
    let all = regions();
    // The document is missing in me-south-1 (documents are regional).
    let with_document: Vec<String> = all.iter().filter(|r| *r != "me-south-1").cloned().collect();
    documents(&emulator, &with_document);
    emulator.truncate(10, 10);
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let id = home
        .start_rollout(&authorization(home.as_ref()), &request(all, 26, 30))
        .await
        .unwrap();
    let mut watch = RolloutWatch::new(&id);
    emulator.advance(1);
    watch.poll(&stage).await.unwrap();
    // 26 steps in pages of 10: the parent and three pages, then one call per running region.
    assert_eq!(watch.state.as_ref().unwrap().reads, 4);
    assert_eq!(watch.state.as_ref().unwrap().regions.len(), 26);
    assert!(watch.calls <= 4 + 25 + 26);
    emulator.throttle(2);
    let throttled = watch.poll(&stage).await.unwrap_err();
    assert_eq!(throttled.kind, regship::cloud::CloudErrorKind::Throttled);
    emulator.finish();
    watch.poll(&stage).await.unwrap();
    let state = watch.state.as_ref().unwrap();
    let missing = state
        .regions
        .iter()
        .find(|r| r.region == "me-south-1")
        .unwrap();
    assert_eq!(missing.status, "Failed");
    assert!(missing.execution_id.is_none());
    assert!(
        missing
            .failure
            .as_deref()
            .unwrap()
            .contains("does not exist in me-south-1")
    );
    assert_eq!(watch.totals().succeeded, 25);
    assert!(emulator.misdirected().is_empty());
}

/// A stop cancels the running regions and keeps the rest from starting: the rollout ends
/// Cancelled, the running ones Cancelled at their step, the others never started; the retry
/// starts them all.
#[tokio::test]
async fn a_stopped_rollout_shows_cancelled_and_never_started_regions() {
    let emulator = AutomationEmulator::start();
    let targets: Vec<String> = REGIONS[..8].iter().map(|r| r.to_string()).collect();
    documents(&emulator, &targets);
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let authorization = authorization(home.as_ref());
    let id = home
        .start_rollout(&authorization, &request(targets, 3, 1))
        .await
        .unwrap();
    let mut watch = RolloutWatch::new(&id);
    emulator.advance(2);
    watch.poll(&stage).await.unwrap();
    assert_eq!(watch.totals().running, 3);
    // The three running regions keep their setup stack (a stop skips the clean-up).
    let left = setup_stacks_left(watch.state.as_ref().unwrap());
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(
        left.iter()
            .all(|(_, stack)| stack == "setup-prod-awscommunity-s3-deletebucketcontents")
    );
    home.stop_rollout(&authorization, &id).await.unwrap();
    emulator.advance(1);
    watch.poll(&stage).await.unwrap();
    let state = watch.state.clone().unwrap();
    assert_eq!(state.status, "Cancelled");
    let cancelled: Vec<&str> = state
        .regions
        .iter()
        .filter(|r| r.status == "Cancelled")
        .map(|r| r.region.as_str())
        .collect();
    assert_eq!(cancelled.len(), 3, "{:?}", state.regions);
    assert_eq!(watch.totals().not_started, 5);
    assert_eq!(retry_request(&state).unwrap().regions.len(), 8);
    assert!(emulator.misdirected().is_empty());
}

/// `--record DIR`: a watch saves every raw response, one file each, named by its order, region
/// and operation: the parent read in the home region, each child in its own region.
#[tokio::test]
async fn a_watch_is_recorded_response_by_response() {
    let emulator = AutomationEmulator::start();
    let targets: Vec<String> = REGIONS[..3].iter().map(|r| r.to_string()).collect();
    documents(&emulator, &targets);
    emulator.script(
        "us-west-1",
        RegionScript::failing("RegisterType", "RegisterType FAILED: denied"),
    );
    let dir = tempfile::tempdir().unwrap();
    let stage = recording_stage(&emulator, Some(dir.path().to_path_buf()));
    let home = stage.home().await.unwrap();
    let id = home
        .start_rollout(&authorization(home.as_ref()), &request(targets, 3, 3))
        .await
        .unwrap();
    let mut watch = RolloutWatch::new(&id);
    watch_to_the_end(&emulator, &stage, &mut watch).await;
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    assert!(
        files[0].ends_with("-us-east-1-StartAutomationExecution.json"),
        "{files:?}"
    );
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("-us-east-1-GetAutomationExecution.json"))
    );
    assert!(
        files
            .iter()
            .any(|f| f.ends_with("-us-west-1-DescribeAutomationStepExecutions.json")),
        "the child is recorded from its own region: {files:?}"
    );
    let parent: serde_json::Value = serde_json::from_slice(
        &std::fs::read(
            dir.path().join(
                files
                    .iter()
                    .find(|f| f.contains("GetAutomationExecution"))
                    .unwrap(),
            ),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(parent["status"], 200);
    assert_eq!(parent["region"], "us-east-1");
    assert_eq!(
        parent["body"]["AutomationExecution"]["AutomationExecutionId"],
        id.as_str()
    );
    assert_eq!(
        files.len(),
        emulator.requests().len(),
        "one file a response"
    );
}

/// `request` canary first: `region` alone, then the others.
fn canary_request(regions: Vec<String>, region: &str) -> RolloutRequest {
    RolloutRequest {
        canary: Some(Canary {
            document: canary_document(DOCUMENT),
            region: region.into(),
        }),
        ..request(regions, 5, 1)
    }
}

/// `--canary`: one start of the canary document (no TargetLocations: it runs in the home region
/// and starts the two nested runs itself); while the canary region runs no other region starts;
/// the watch reads the run and its nested runs in the home region and each child in its own,
/// shows them as one rollout with the canary first, and `list` shows one rollout.
#[tokio::test]
async fn a_canary_publishes_first_and_the_others_follow_as_one_rollout() {
    let emulator = AutomationEmulator::start();
    documents(&emulator, &regions());
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let id = home
        .start_rollout(
            &authorization(home.as_ref()),
            &canary_request(regions(), "us-east-1"),
        )
        .await
        .unwrap();
    let started = emulator.started();
    assert_eq!(started.len(), 1, "one start: the account runs the rest");
    assert_eq!(started[0]["DocumentName"], canary_document(DOCUMENT));
    assert!(started[0]["TargetLocations"].is_null());
    assert_eq!(
        started[0]["Parameters"]["CanaryRegion"],
        json!(["us-east-1"])
    );
    assert_eq!(
        started[0]["Parameters"]["OtherRegions"]
            .as_array()
            .unwrap()
            .len(),
        25
    );
    let mut watch = RolloutWatch::new(&id);
    let mut others_waited = 0;
    for _ in 0..200 {
        watch.poll(&stage).await.unwrap();
        let state = watch.state.clone().unwrap();
        assert_eq!(state.regions.len(), 26, "every region, from the first poll");
        assert_eq!(display_order(&state)[0].region, "us-east-1", "canary first");
        // At most the run, its two nested runs and one call per running or just-failed region.
        assert!(watch.calls as usize <= 3 + watch.totals().running + watch.totals().failed);
        if !is_final(&state.regions[0].status) {
            others_waited += 1;
            assert!(
                state.regions[1..].iter().all(|r| r.status == "Pending"),
                "no other region starts before the canary published: {:?}",
                state.regions
            );
        }
        if is_final(&state.status) {
            break;
        }
        emulator.advance(1);
    }
    let state = watch.state.clone().unwrap();
    assert!(others_waited >= 9, "the canary ran its steps first");
    assert_eq!(state.status, "Success");
    assert_eq!(watch.totals().succeeded, 26);
    assert!(canary_failed(&state).is_none());
    assert!(
        emulator.misdirected().is_empty(),
        "{:?}",
        emulator.misdirected()
    );
    // The canary's nested run is read while it runs, then once more when it has ended, and
    // never again: a run that ended does not change.
    let canary_run = state.nested[0].clone();
    let canary_reads = emulator
        .requests()
        .iter()
        .filter(|(_, operation, asked)| {
            operation == "GetAutomationExecution" && *asked == canary_run
        })
        .count();
    assert!(
        canary_reads <= others_waited + 1,
        "the ended canary run was read {canary_reads} times ({others_waited} polls while it ran)"
    );
    let listed = home.list_rollouts(DOCUMENT).await.unwrap();
    assert_eq!(listed.len(), 1, "one rollout: {listed:?}");
    assert_eq!(listed[0].execution_id, id);
    assert!(listed[0].canary);
}

/// A canary that fails stops there: the others never start, the watch says so, and the retry
/// runs the canary first again (then everything publishes).
#[tokio::test]
async fn a_failed_canary_stops_there_and_the_retry_runs_it_first_again() {
    let emulator = AutomationEmulator::start();
    emulator.script(
        "eu-west-1",
        RegionScript::failing("CheckTests", "TestType FAILED: contract_create_read"),
    );
    // The canary, then six regions.
    let targets: Vec<String> = std::iter::once("eu-west-1")
        .chain(REGIONS[..6].iter().copied())
        .map(String::from)
        .collect();
    documents(&emulator, &targets);
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let authorization = authorization(home.as_ref());
    let id = home
        .start_rollout(
            &authorization,
            &canary_request(targets.clone(), "eu-west-1"),
        )
        .await
        .unwrap();
    let mut watch = RolloutWatch::new(&id);
    watch_to_the_end(&emulator, &stage, &mut watch).await;
    let state = watch.state.clone().unwrap();
    assert_eq!(state.status, "Failed");
    assert_eq!(state.regions[0].region, "eu-west-1");
    assert_eq!(state.regions[0].status, "Failed");
    assert_eq!(state.regions[0].current_step.as_deref(), Some("CheckTests"));
    assert_eq!(watch.totals().not_started, 6, "{:?}", state.regions);
    let why = canary_failed(&state).unwrap();
    assert!(why.contains("eu-west-1 did not publish"), "{why}");
    assert!(why.contains("other 6 region(s) were not started"), "{why}");
    let retry = retry_request(&state).unwrap();
    assert_eq!(retry.regions.len(), 7);
    assert_eq!(retry.canary.as_ref().unwrap().region, "eu-west-1");

    emulator.script("eu-west-1", RegionScript::success());
    let again = home.start_rollout(&authorization, &retry).await.unwrap();
    let mut watch = RolloutWatch::new(&again);
    watch_to_the_end(&emulator, &stage, &mut watch).await;
    assert_eq!(watch.state.as_ref().unwrap().status, "Success");
    assert_eq!(watch.totals().succeeded, 7);
    assert!(emulator.misdirected().is_empty());
}

/// Stopping a canary run stops its running nested run and the run: the canary region is
/// cancelled and the others never start.
#[tokio::test]
async fn a_stopped_canary_run_starts_no_other_region() {
    let emulator = AutomationEmulator::start();
    let targets: Vec<String> = REGIONS[..5].iter().map(|r| r.to_string()).collect();
    documents(&emulator, &targets);
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let authorization = authorization(home.as_ref());
    let id = home
        .start_rollout(&authorization, &canary_request(targets, "us-east-1"))
        .await
        .unwrap();
    emulator.advance(2);
    stop(home.as_ref(), &authorization, &id).await.unwrap();
    emulator.finish();
    let mut watch = RolloutWatch::new(&id);
    watch.poll(&stage).await.unwrap();
    let state = watch.state.clone().unwrap();
    assert_eq!(state.status, "Cancelled");
    assert_eq!(state.regions[0].status, "Cancelled");
    assert_eq!(watch.totals().not_started, 4, "{:?}", state.regions);
    assert!(emulator.misdirected().is_empty());
}

/// The emulator runs the kit's own documents and checks a start's parameters against their
/// declarations, as StartAutomationExecution does: a value outside its pattern, or one the
/// document does not declare, is refused before anything runs.
#[tokio::test]
async fn a_start_is_checked_against_the_documents_parameters() {
    let emulator = AutomationEmulator::start();
    let targets: Vec<String> = REGIONS[..3].iter().map(|r| r.to_string()).collect();
    documents(&emulator, &targets);
    let stage = stage(&emulator);
    let home = stage.home().await.unwrap();
    let authorization = authorization(home.as_ref());
    let mut bad_region = canary_request(targets.clone(), "us-east-1");
    bad_region.canary.as_mut().unwrap().region = "US East".into();
    let refused = home
        .start_rollout(&authorization, &bad_region)
        .await
        .unwrap_err();
    assert!(
        refused.message.contains("CanaryRegion") && refused.message.contains("does not match"),
        "{refused:?}"
    );
    let mut undeclared = request(targets, 5, 1);
    undeclared
        .parameters
        .push(("Verbose".into(), "true".into()));
    let refused = home
        .start_rollout(&authorization, &undeclared)
        .await
        .unwrap_err();
    assert!(refused.message.contains("Verbose"), "{refused:?}");
    assert!(emulator.misdirected().is_empty());
}
