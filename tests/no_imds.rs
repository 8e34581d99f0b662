//! Off AWS compute, regship never asks the EC2 instance metadata service: not for a region, not
//! for credentials, not in `regship accounts`, and a missing profile is named as the AWS CLI
//! names it. The metadata endpoint points at a loopback listener that counts connections.

mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// A loopback port that counts the connections made to it.
struct Counter {
    endpoint: String,
    count: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Counter {
    fn start() -> Counter {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let (count, stop) = (
            Arc::new(AtomicUsize::new(0)),
            Arc::new(AtomicBool::new(false)),
        );
        let (counted, stopping) = (count.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut open = Vec::new();
            while !stopping.load(Ordering::Relaxed) {
                if let Ok((stream, _)) = listener.accept() {
                    counted.fetch_add(1, Ordering::SeqCst);
                    open.push(stream); // never answered: a probe waits for its timeout
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Counter {
            endpoint,
            count,
            stop,
        }
    }
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

fn accounts(home: &std::path::Path, imds: &Counter, extra: &[(&str, &str)]) -> String {
    std::fs::write(
        home.join("regship.yml"),
        "accounts:\n  sandbox: {region: us-east-1}\n  cicd: {profile: nope, region: us-east-1}\n",
    )
    .unwrap();
    let mut command = support::regship_command(home);
    command
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_REGION")
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &imds.endpoint)
        .env("AWS_CONFIG_FILE", home.join("config"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("credentials"))
        .args(["-C", &home.display().to_string(), "accounts"]);
    for (name, value) in extra {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn accounts_off_aws_compute_never_probe_the_metadata_service() {
    let imds = Counter::start();
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join("config"),
        "[profile other]\nregion = eu-west-1\n",
    )
    .unwrap();
    let text = accounts(home.path(), &imds, &[("REGSHIP_IMDS", "")]);
    assert_eq!(
        imds.count.load(Ordering::SeqCst),
        0,
        "IMDS was asked:\n{text}"
    );
    assert!(!text.contains("IMDS"), "{text}");
    assert!(
        text.contains("the config profile (nope) could not be found"),
        "a missing profile is named: {text}"
    );
    assert!(
        text.contains("other"),
        "the profiles that exist are listed: {text}"
    );
    assert!(text.contains("no region for the beta stage"), "{text}");

    // The listener itself: told to use the metadata service, regship does.
    let told = accounts(home.path(), &imds, &[("REGSHIP_IMDS", "on")]);
    assert!(imds.count.load(Ordering::SeqCst) > 0, "{told}");
}

#[test]
fn accounts_say_where_the_region_and_the_credentials_came_from() {
    let (moto, _serial) = support::moto::moto();
    let imds = Counter::start();
    let home = tempfile::tempdir().unwrap();
    let text = accounts(
        home.path(),
        &imds,
        &[
            ("AWS_ACCESS_KEY_ID", "testing"),
            ("AWS_SECRET_ACCESS_KEY", "testing"),
            ("AWS_ENDPOINT_URL", &moto.endpoint),
        ],
    );
    assert!(
        text.contains(
            "region from accounts.sandbox.region in regship.yml; credentials from the environment (AWS_ACCESS_KEY_ID)"
        ),
        "{text}"
    );
    assert_eq!(imds.count.load(Ordering::SeqCst), 0, "{text}");
}
