//! A moto server (a local AWS emulator) on a free loopback port, started once per test binary,
//! stopped when the test process exits, reset before each test that takes the lock.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

/// A template whose stack exports the name the example extension's inputs reference.
pub const EXPORTER_TEMPLATE: &str = "Resources:\n  B:\n    Type: AWS::S3::Bucket\nOutputs:\n  B:\n    Value: bucket-from-setup\n    Export:\n      Name: AwsCommunityS3DeleteBucketContentsBucket\n";

pub struct Moto {
    pub endpoint: String,
    pub port: u16,
    _child: Child,
    /// Held open for the life of the process: when it closes, the wrapper kills moto.
    _lifeline: Mutex<ChildStdin>,
}

fn moto_server() -> PathBuf {
    let local = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if local.is_file() {
        return local;
    }
    panic!(
        "moto_server is not installed at {}: run `make test`, which installs it into .venv (these tests never skip)",
        local.display()
    );
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn start() -> Moto {
    let server = moto_server();
    let port = free_port();
    // The shell keeps moto alive while our end of its stdin is open, and kills it on EOF.
    let script = format!(
        "'{}' -H 127.0.0.1 -p {port} >/dev/null 2>&1 & pid=$!; cat >/dev/null; kill $pid",
        server.display()
    );
    let mut child = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .expect("the moto wrapper starts");
    let lifeline = child.stdin.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto_server did not listen on 127.0.0.1:{port} within 60 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Moto {
        endpoint: format!("http://127.0.0.1:{port}"),
        port,
        _child: child,
        _lifeline: Mutex::new(lifeline),
    }
}

static MOTO: OnceLock<Moto> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

impl Moto {
    /// Runs regship in the workspace `dir` against this server, with test credentials and no
    /// real AWS configuration, `stdin` typed in.
    pub fn regship(
        &self,
        dir: &std::path::Path,
        args: &[&str],
        stdin: &str,
    ) -> std::process::Output {
        let mut command = super::regship_command(dir);
        command
            .args([
                "-C",
                dir.to_str().unwrap(),
                "--endpoint-url",
                &self.endpoint,
            ])
            .args(args);
        super::run_with_stdin(command, stdin)
    }

    /// CreateStack through the SDK with static test credentials (moto creates exports only this
    /// way, not through change sets).
    pub fn create_stack(&self, name: &str, template: &str) {
        self.cloudformation(|client| async move {
            client
                .create_stack()
                .stack_name(name)
                .template_body(template)
                .send()
                .await
                .unwrap();
        })
    }

    /// CreateStack with tags, as a run that was killed after creating it leaves it.
    pub fn create_tagged_stack(&self, name: &str, template: &str, tags: &[(&str, &str)]) {
        self.cloudformation(|client| async move {
            let mut request = client
                .create_stack()
                .stack_name(name)
                .template_body(template);
            for (key, value) in tags {
                request = request.tags(
                    aws_sdk_cloudformation::types::Tag::builder()
                        .key(*key)
                        .value(*value)
                        .build(),
                );
            }
            request.send().await.unwrap();
        })
    }

    /// The names of the live stacks whose name starts with `prefix`.
    pub fn stack_names(&self, prefix: &str) -> Vec<String> {
        self.cloudformation(|client| async move {
            let output = client.describe_stacks().send().await.unwrap();
            output
                .stacks()
                .iter()
                .filter(|s| s.stack_status().map(|st| st.as_str()) != Some("DELETE_COMPLETE"))
                .filter_map(|s| s.stack_name())
                .filter(|name| name.starts_with(prefix))
                .map(String::from)
                .collect()
        })
    }

    /// A stack waiting for its first change set to be executed (REVIEW_IN_PROGRESS); returns
    /// the change set's id, for `execute_change_set`.
    pub fn create_pending_stack(&self, name: &str, template: &str) -> String {
        self.cloudformation(|client| async move {
            client
                .create_change_set()
                .stack_name(name)
                .change_set_name("first")
                .change_set_type(aws_sdk_cloudformation::types::ChangeSetType::Create)
                .template_body(template)
                .send()
                .await
                .unwrap()
                .id()
                .unwrap()
                .to_string()
        })
    }

    pub fn execute_change_set(&self, id: &str) {
        self.cloudformation(|client| async move {
            client
                .execute_change_set()
                .change_set_name(id)
                .send()
                .await
                .unwrap();
        })
    }

    /// A stack's id and its resources: logical id, type and physical id, as the emulator named
    /// them (after the stack, as CloudFormation does).
    pub fn stack_resources(&self, name: &str) -> (String, Vec<(String, String, String)>) {
        self.cloudformation(|client| async move {
            let stack = client
                .describe_stacks()
                .stack_name(name)
                .send()
                .await
                .unwrap();
            let id = stack.stacks()[0].stack_id().unwrap().to_string();
            let listed = client
                .list_stack_resources()
                .stack_name(name)
                .send()
                .await
                .unwrap();
            let resources = listed
                .stack_resource_summaries()
                .iter()
                .map(|r| {
                    (
                        r.logical_resource_id().unwrap().to_string(),
                        r.resource_type().unwrap().to_string(),
                        r.physical_resource_id().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            (id, resources)
        })
    }

    /// The SDK configuration of this server in us-east-1: test credentials, no retries.
    fn sdk_config(&self) -> aws_types::SdkConfig {
        block_on(sdk_config(&self.endpoint, "us-east-1"))
    }

    /// Credentials of `account` (STS AssumeRole into a role there: moto answers GetCallerIdentity
    /// with that account for them), as lines of an AWS credentials file's profile.
    pub fn credentials_of(&self, account: &str) -> String {
        let client = aws_sdk_sts::Client::new(&self.sdk_config());
        let role = format!("arn:aws:iam::{account}:role/regship-test");
        block_on(async move {
            let answer = client
                .assume_role()
                .role_arn(role)
                .role_session_name("regship-test")
                .send()
                .await
                .unwrap();
            let credentials = answer.credentials().unwrap();
            format!(
                "aws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
                credentials.access_key_id(),
                credentials.secret_access_key(),
                credentials.session_token()
            )
        })
    }

    /// The ARN of the permissions boundary a role carries (IAM GetRole).
    pub fn role_boundary(&self, role: &str) -> Option<String> {
        let client = aws_sdk_iam::Client::new(&self.sdk_config());
        block_on(async move {
            let role = client.get_role().role_name(role).send().await.unwrap();
            role.role()?
                .permissions_boundary()?
                .permissions_boundary_arn()
                .map(String::from)
        })
    }

    /// Creates an IAM managed policy (the kit's boundary, as its stack would have made it).
    pub fn create_policy(&self, name: &str) {
        let client = aws_sdk_iam::Client::new(&self.sdk_config());
        block_on(async move {
            client
                .create_policy()
                .policy_name(name)
                .policy_document(
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
                )
                .send()
                .await
                .unwrap();
        })
    }

    /// Runs `call` with a CloudFormation client of this server on a runtime of its own.
    fn cloudformation<F, T>(&self, call: impl FnOnce(aws_sdk_cloudformation::Client) -> F) -> T
    where
        F: std::future::Future<Output = T>,
    {
        block_on(call(aws_sdk_cloudformation::Client::new(
            &self.sdk_config(),
        )))
    }

    /// Creates `bucket` if it does not exist and puts `body` at `key` in it.
    pub fn put_object(&self, bucket: &str, key: &str, body: &[u8]) {
        let client = self.s3();
        let body = body.to_vec();
        block_on(async move {
            let _ = client.create_bucket().bucket(bucket).send().await;
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into())
                .send()
                .await
                .unwrap();
        })
    }

    /// Puts `body` at `key` in a versioned `bucket` (created if need be) with user `metadata`;
    /// the new version's id.
    pub fn put_version(
        &self,
        bucket: &str,
        key: &str,
        body: &[u8],
        metadata: &[(&str, &str)],
    ) -> String {
        let client = self.s3();
        let body = body.to_vec();
        let metadata: Vec<(String, String)> = metadata
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        block_on(async move {
            let _ = client.create_bucket().bucket(bucket).send().await;
            client
                .put_bucket_versioning()
                .bucket(bucket)
                .versioning_configuration(
                    aws_sdk_s3::types::VersioningConfiguration::builder()
                        .status(aws_sdk_s3::types::BucketVersioningStatus::Enabled)
                        .build(),
                )
                .send()
                .await
                .unwrap();
            let mut request = client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(body.into());
            for (name, value) in metadata {
                request = request.metadata(name, value);
            }
            let put = request.send().await.unwrap();
            put.version_id().unwrap().to_string()
        })
    }

    /// The current version id of `key` in `bucket`.
    pub fn object_version(&self, bucket: &str, key: &str) -> String {
        let client = self.s3();
        block_on(async move {
            let head = client
                .head_object()
                .bucket(bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            head.version_id().unwrap().to_string()
        })
    }

    /// An S3 client of this server (path-style addressing).
    fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::config::Builder::from(&self.sdk_config())
            .force_path_style(true)
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Every object of `bucket`: key and content (empty when the bucket does not exist).
    pub fn s3_objects(&self, bucket: &str) -> Vec<(String, Vec<u8>)> {
        let client = self.s3();
        block_on(async move {
            let Ok(listing) = client.list_objects_v2().bucket(bucket).send().await else {
                return Vec::new();
            };
            let mut objects = Vec::new();
            for object in listing.contents() {
                let key = object.key().unwrap().to_string();
                let body = client
                    .get_object()
                    .bucket(bucket)
                    .key(&key)
                    .send()
                    .await
                    .unwrap();
                let bytes = body.body.collect().await.unwrap().into_bytes().to_vec();
                objects.push((key, bytes));
            }
            objects
        })
    }

    /// Clears every account's state. A server that is still starting (it can accept and drop
    /// connections at first) is retried for up to 30 s.
    pub fn reset(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut last = String::new();
        while Instant::now() < deadline {
            let attempt = (|| -> std::io::Result<String> {
                let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
                stream.write_all(b"POST /moto-api/reset HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
                let mut answer = String::new();
                stream.read_to_string(&mut answer)?;
                Ok(answer)
            })();
            match attempt {
                Ok(answer)
                    if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200") =>
                {
                    return;
                }
                Ok(answer) => last = answer,
                Err(err) => last = err.to_string(),
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        panic!("moto did not accept a reset within 30 s: {last}");
    }
}

/// The shared moto server, reset, and held for this test alone.
pub fn moto() -> (&'static Moto, MutexGuard<'static, ()>) {
    let guard = SERIAL
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let moto = MOTO.get_or_init(start);
    moto.reset();
    (moto, guard)
}

/// Each region's connection to moto through regship's AWS adapter (one endpoint; the region is
/// the request's signing scope).
pub struct MotoConnector {
    pub endpoint: String,
}

#[async_trait::async_trait]
impl regship::cloud::port::Connector for MotoConnector {
    async fn connect(
        &self,
        context: regship::cloud::context::StageContext,
    ) -> Result<std::sync::Arc<dyn regship::cloud::Cloud>, regship::cloud::CloudError> {
        let region = context.region.clone().unwrap_or_else(|| "us-east-1".into());
        let config = sdk_config(&self.endpoint, &region).await;
        Ok(std::sync::Arc::new(
            regship::cloud::aws::AwsCloud::from_clients(
                context,
                regship::cloud::aws::Clients::new(&config),
            ),
        ))
    }
}

/// `stage` of a workspace whose account for it is `account` in us-east-1, connected to moto at
/// `endpoint`.
pub fn stage_regions(
    endpoint: &str,
    stage: regship::config::Stage,
    account: &str,
) -> regship::cloud::StageRegions {
    let config = regship::config::WorkspaceConfig::parse(
        &format!("accounts:\n  {stage}: {{region: us-east-1, account_id: \"{account}\"}}\n"),
        "regship.yml",
    )
    .unwrap();
    regship::cloud::StageRegions::new(
        regship::cloud::Connections::new(std::sync::Arc::new(MotoConnector {
            endpoint: endpoint.to_string(),
        })),
        regship::cloud::context::StageContext::new(
            &config,
            stage,
            &regship::cloud::context::Overrides::default(),
        ),
    )
}

/// Runs `future` to its end on a runtime of its own (the tests call moto synchronously).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The SDK configuration of the moto server at `endpoint` in `region`: test credentials, no
/// retries (a failure shows at once).
pub async fn sdk_config(endpoint: &str, region: &str) -> aws_types::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(region.to_string()))
        .credentials_provider(aws_credential_types::Credentials::new(
            "testing", "testing", None, None, "test",
        ))
        .endpoint_url(endpoint)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await
}
