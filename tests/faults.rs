//! Fault injection: regship's stack-event pollers through a loopback proxy that refuses
//! connections, cuts answers off, adds latency, answers 503, throttles, and says the
//! credentials expired, in front of the moto server. Under each fault the poller keeps going
//! (or, for expired credentials, stops with the fix and resumes without a restart), says what
//! is happening, backs off, and once the fault clears yields every event exactly once, in order.

mod support;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use aws_credential_types::Credentials;
use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, future};

use aws_config::BehaviorVersion;
use regship::cloud::aws::{AwsCloud, Clients, with_call_limits};
use regship::cloud::context::{Overrides, StageContext};
use regship::cloud::{CloudErrorKind, StackEvent};
use regship::config::{Stage, WorkspaceConfig};
use regship::watch::stack_events::{PollProblem, StackEventPoller, Start};
use support::fault_proxy::{Fault, FaultProxy};
use support::moto::{Moto, moto};

const STACK: &str = "faulty";
const TEMPLATE: &str = "Resources:\n  A:\n    Type: AWS::SQS::Queue\n  B:\n    Type: AWS::SQS::Queue\n  C:\n    Type: AWS::SNS::Topic\n";

async fn config(endpoint: &str) -> aws_config::SdkConfig {
    // regship's own retries and timeouts.
    with_call_limits(aws_config::defaults(BehaviorVersion::latest()))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(aws_sdk_cloudformation::config::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .load()
        .await
}

/// Executes the change set on moto directly (not through the proxy).
async fn execute(moto: &'static Moto, change_set: String) {
    tokio::task::spawn_blocking(move || moto.execute_change_set(&change_set))
        .await
        .unwrap();
}

/// Every event of the stack, oldest first, read straight from moto.
async fn all_events(moto: &Moto) -> Vec<String> {
    let output = aws_sdk_cloudformation::Client::new(&config(&moto.endpoint).await)
        .describe_stack_events()
        .stack_name(STACK)
        .send()
        .await
        .unwrap();
    let mut ids: Vec<String> = output
        .stack_events()
        .iter()
        .map(|e| e.event_id().unwrap().to_string())
        .collect();
    ids.reverse();
    ids
}

fn poller(config: &aws_config::SdkConfig) -> StackEventPoller {
    let cloud = AwsCloud::from_clients(
        StageContext::new(
            &WorkspaceConfig::default(),
            Stage::Sandbox,
            &Overrides::default(),
        ),
        Clients::new(config),
    );
    StackEventPoller::new(std::sync::Arc::new(cloud), STACK, Start::Beginning, 10_000)
}

fn ids(events: &[StackEvent]) -> Vec<String> {
    events.iter().map(|e| e.event_id.clone()).collect()
}

/// Runs an async test on its own runtime while it holds the moto server, with a stack waiting
/// in REVIEW_IN_PROGRESS (a change set not executed yet: a follower keeps polling it).
fn with_moto<F: std::future::Future<Output = ()>>(test: impl FnOnce(&'static Moto, String) -> F) {
    let (moto, _serial) = moto();
    let change_set = moto.create_pending_stack(STACK, TEMPLATE);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(test(moto, change_set));
}

/// Follows through `fault`: a first clean poll, two polls under the fault, the change set
/// executed meanwhile, then polls after the fault clears until the stack completes.
async fn follow_through(moto: &'static Moto, change_set: String, fault: Fault) {
    let proxy = FaultProxy::start(moto.port);
    let config = config(&proxy.endpoint).await;
    let mut poller = poller(&config);
    let mut seen = Vec::new();

    let first = poller.poll().await;
    assert!(first.problem.is_none(), "{:?}", first.problem);
    seen.extend(ids(&first.new_events));
    assert!(
        poller.watch.outcome().is_none(),
        "REVIEW_IN_PROGRESS goes on"
    );

    proxy.set(fault);
    let mut delays = Vec::new();
    for attempt in 1..=2u32 {
        let report = poller.poll().await;
        assert!(report.new_events.is_empty());
        match (&report.problem, fault) {
            (Some(PollProblem::Retrying { error, attempt: n }), _) => {
                assert_eq!(*n, attempt);
                assert!(error.is_transient(), "{error:?}");
                assert!(!error.message.is_empty());
            }
            (Some(PollProblem::Stopped(error)), Fault::ExpiredToken) => {
                assert_eq!(error.kind, CloudErrorKind::ExpiredCredentials);
                assert!(error.hint.contains("then retry"), "{}", error.hint);
                break;
            }
            (None, Fault::Latency(_)) => {}
            (problem, _) => panic!("under {fault:?}: {problem:?}"),
        }
        delays.push(report.delay);
    }
    if delays.len() == 2 && !matches!(fault, Fault::Latency(_)) {
        // Jittered exponential backoff: 2-4 s after the first failure, 4-8 s after the second.
        assert!(
            delays[0] >= Duration::from_secs(2) && delays[1] >= Duration::from_secs(4),
            "backs off: {delays:?}"
        );
    }
    assert!(proxy.faulted() >= 1 || matches!(fault, Fault::Latency(_)));

    execute(moto, change_set).await;
    proxy.set(Fault::None);
    if fault == Fault::ExpiredToken {
        let still = poller.poll().await;
        assert!(
            still.new_events.is_empty() && proxy.forwarded() == 1,
            "a stopped poller waits for the user"
        );
        poller.resume(); // what `r` in the TUI and Enter in `events --follow` do
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while poller.watch.outcome().is_none() {
        assert!(Instant::now() < deadline, "the follow did not finish");
        let report = poller.poll().await;
        assert!(report.problem.is_none(), "{:?}", report.problem);
        seen.extend(ids(&report.new_events));
    }
    assert_eq!(poller.watch.outcome(), Some(true));
    assert_eq!(
        seen,
        all_events(moto).await,
        "every event exactly once, in order"
    );
}

#[test]
fn refused_connections() {
    with_moto(|moto, change_set| follow_through(moto, change_set, Fault::Refuse));
}

#[test]
fn answers_cut_off_mid_way() {
    with_moto(|moto, change_set| follow_through(moto, change_set, Fault::CutResponse));
}

#[test]
fn added_latency() {
    with_moto(|moto, change_set| {
        follow_through(
            moto,
            change_set,
            Fault::Latency(Duration::from_millis(1500)),
        )
    });
}

#[test]
fn service_unavailable() {
    with_moto(|moto, change_set| follow_through(moto, change_set, Fault::Unavailable));
}

#[test]
fn throttling() {
    with_moto(|moto, change_set| follow_through(moto, change_set, Fault::Throttle));
}

#[test]
fn aws_answering_that_the_token_expired() {
    with_moto(|moto, change_set| follow_through(moto, change_set, Fault::ExpiredToken));
}

/// Credentials that expire (the provider then fails, as an SSO session does) until renewed.
#[derive(Debug, Clone, Default)]
struct ExpiringCredentials {
    expired: Arc<AtomicBool>,
}

impl ProvideCredentials for ExpiringCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(if self.expired.load(Ordering::SeqCst) {
            Err(CredentialsError::provider_error(
                "the SSO session token has expired",
            ))
        } else {
            // Short-lived: the SDK asks the provider again before every call.
            Ok(Credentials::new(
                "testing",
                "testing",
                Some("session".into()),
                Some(SystemTime::now() + Duration::from_secs(1)),
                "expiring",
            ))
        })
    }
}

#[test]
fn a_credentials_provider_that_expires_mid_run() {
    with_moto(credentials_expire_mid_run);
}

async fn credentials_expire_mid_run(moto: &'static Moto, change_set: String) {
    let credentials = ExpiringCredentials::default();
    let config = with_call_limits(aws_config::defaults(BehaviorVersion::latest()))
        .region(aws_config::Region::new("us-east-1"))
        .credentials_provider(credentials.clone())
        .endpoint_url(&moto.endpoint)
        .load()
        .await;
    let mut poller = poller(&config);
    let mut seen = ids(&poller.poll().await.new_events);
    assert!(!seen.is_empty());

    credentials.expired.store(true, Ordering::SeqCst);
    let report = poller.poll().await;
    let Some(PollProblem::Stopped(error)) = &report.problem else {
        panic!("expired credentials stop the poller: {:?}", report.problem);
    };
    assert_eq!(error.kind, CloudErrorKind::ExpiredCredentials, "{error:?}");
    assert!(error.hint.contains("then retry"), "{}", error.hint);

    execute(moto, change_set).await;
    credentials.expired.store(false, Ordering::SeqCst); // `aws sso login` in another terminal
    poller.resume(); // `r` in the TUI, Enter in `events --follow`
    let deadline = Instant::now() + Duration::from_secs(30);
    while poller.watch.outcome().is_none() {
        assert!(Instant::now() < deadline, "the follow did not finish");
        let report = poller.poll().await;
        assert!(report.problem.is_none(), "{:?}", report.problem);
        seen.extend(ids(&report.new_events));
    }
    assert_eq!(
        seen,
        all_events(moto).await,
        "every event exactly once, in order"
    );
}

/// The whole binary: `regship events --follow --json` through answers cut off mid-way, until
/// the stack completes.
#[test]
fn events_follow_survives_cut_answers_end_to_end() {
    let (moto, _serial) = moto();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let change_set = moto.create_pending_stack(STACK, TEMPLATE);
    let proxy = FaultProxy::start(moto.port);
    let home = tempfile::tempdir().unwrap();
    let mut child = support::regship_command(home.path())
        .args([
            "-C",
            home.path().to_str().unwrap(),
            "--endpoint-url",
            &proxy.endpoint,
            "events",
            STACK,
            "--follow",
            "--json",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .collect::<Vec<String>>()
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    while proxy.forwarded() == 0 {
        assert!(Instant::now() < deadline, "regship made no call");
        std::thread::sleep(Duration::from_millis(50));
    }
    proxy.set(Fault::CutResponse);
    while proxy.faulted() < 2 {
        assert!(
            Instant::now() < deadline,
            "regship stopped polling under the fault"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    moto.execute_change_set(&change_set);
    proxy.set(Fault::None);
    let output = support::wait_bounded(child);
    let printed: Vec<String> = lines
        .join()
        .unwrap()
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            event["event_id"].as_str().unwrap().to_string()
        })
        .collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("retrying in"),
        "says what is happening: {stderr}"
    );
    assert_eq!(
        printed,
        runtime.block_on(all_events(moto)),
        "every event exactly once, in order"
    );
}

/// A proxy's HTML error page never lands in a table cell: `status` shows each cell's first
/// line, names the page, and says where the whole text is.
#[test]
fn an_html_error_page_is_named_not_printed_in_the_status_table() {
    let (moto, _serial) = moto();
    let proxy = FaultProxy::start(moto.port);
    proxy.set(Fault::HtmlPage);
    let dir = support::example_workspace("123456789012");
    let status = |json: bool| {
        let mut command = support::regship_command(dir.path());
        command.args([
            "-C",
            dir.path().to_str().unwrap(),
            "--endpoint-url",
            &proxy.endpoint,
            "status",
        ]);
        if json {
            command.arg("--json");
        }
        support::run_with_stdin(command, "")
    };
    let output = status(false);
    let table = String::from_utf8_lossy(&output.stdout);
    assert!(proxy.faulted() > 0, "the calls met the page: {table}");
    assert!(!table.contains('<'), "no markup in the table:\n{table}");
    let widest = table.lines().map(|l| l.chars().count()).max().unwrap_or(0);
    assert!(widest <= 250, "a {widest}-column line:\n{table}");
    assert!(
        table.contains("HTTP 502"),
        "the status of the answer is said:\n{table}"
    );
    assert!(
        table.contains("`regship status --json` gives the whole text"),
        "{table}"
    );
}
