//! The regship binary's TUI in tmux against the moto harness: open it, drill into the example
//! extension, deploy its setup through the confirm dialog, see CREATE_COMPLETE and the exports,
//! quit, and check that the terminal was restored (after q, Ctrl-C and SIGTERM).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::fault_proxy::{Fault, FaultProxy};
use support::moto::{EXPORTER_TEMPLATE, moto};

struct Tmux {
    socket: String,
    session: &'static str,
    /// regship's HOME and the shell's record of the terminal modes: never the workspace, which
    /// may be this repository.
    _scratch: tempfile::TempDir,
}

impl Tmux {
    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command.args(["-L", &self.socket]);
        command
    }

    fn keys(&self, keys: &[&str]) {
        let status = self
            .command()
            .args(["send-keys", "-t", self.session])
            .args(keys)
            .status()
            .expect("tmux runs");
        assert!(status.success());
    }

    /// Escape, then `key` once the terminal has taken the escape (sent together they read as
    /// Alt-`key`).
    fn escape_then(&self, key: &str) {
        self.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(150));
        self.keys(&[key]);
    }

    fn screen(&self) -> String {
        let output = self
            .command()
            .args(["capture-pane", "-p", "-t", self.session])
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Waits until the screen shows `text`, failing with the screen after `seconds`.
    fn wait_for(&self, text: &str, seconds: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        loop {
            let screen = self.screen();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "`{text}` did not appear; the screen:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").status();
    }
}

fn binary() -> String {
    std::env::var("REGSHIP_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_regship").to_string())
}

fn require_tmux() {
    let present = Command::new("tmux")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(present, "tmux is needed: `make test` installs it");
}

/// The example resource alone (the module's row would come first and has no setup stack).
fn workspace() -> tempfile::TempDir {
    let dir = support::example_workspace("123456789012");
    std::fs::remove_dir_all(dir.path().join("modules")).unwrap();
    dir
}

/// Starts the TUI in a tmux server of its own; after it exits, `stty -a` goes to the file returned.
fn start_tui(dir: &Path, endpoint: &str) -> (Tmux, PathBuf) {
    start_tui_with(dir, endpoint, "")
}

/// `start_tui` with environment assignments (`NAME=value `) before the command.
fn start_tui_with(dir: &Path, endpoint: &str, environment: &str) -> (Tmux, PathBuf) {
    start_regship(dir, &format!("--endpoint-url {endpoint}"), environment)
}

/// regship with `arguments` in a tmux server of its own, `environment` assignments before it.
fn start_regship(dir: &Path, arguments: &str, environment: &str) -> (Tmux, PathBuf) {
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().to_path_buf();
    let stty = home.join("stty-after.txt");
    let script = format!(
        "cd '{dir}' && {environment}'{bin}' {arguments}; echo REGSHIP-EXITED $?; stty -a > '{stty}'; sleep 60",
        dir = dir.display(),
        bin = binary(),
        stty = stty.display()
    );
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let tmux = Tmux {
        socket: format!("regship-e2e-{}-{name}", std::process::id()),
        session: "e2e",
        _scratch: scratch,
    };
    let status = tmux
        .command()
        .args([
            "new-session",
            "-d",
            "-s",
            tmux.session,
            "-x",
            "120",
            "-y",
            "40",
        ])
        .args([
            "-e",
            "AWS_ACCESS_KEY_ID=testing",
            "-e",
            "AWS_SECRET_ACCESS_KEY=testing",
            "-e",
            "AWS_REGION=us-east-1",
        ])
        .args(["-e", &format!("HOME={}", home.display())])
        .args([
            "-e",
            "AWS_CONFIG_FILE=/nonexistent",
            "-e",
            "AWS_SHARED_CREDENTIALS_FILE=/nonexistent",
        ])
        .arg(script)
        .status()
        .expect("tmux starts");
    assert!(status.success());
    (tmux, stty)
}

/// Waits for the shell to record the terminal modes after regship exited, and checks them.
fn assert_terminal_restored(stty: &Path) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_to_string(stty).map_or(true, |modes| !modes.contains("icanon")) {
        assert!(Instant::now() < deadline, "stty did not run");
        std::thread::sleep(Duration::from_millis(50));
    }
    let modes = std::fs::read_to_string(stty).unwrap();
    assert!(
        modes.contains(" icanon") && !modes.contains("-icanon"),
        "raw mode was not turned off: {modes}"
    );
    assert!(
        modes.contains(" echo ") && !modes.contains("-echo "),
        "echo was not restored: {modes}"
    );
}

#[test]
fn deploy_the_example_setup_from_the_tui_and_quit_cleanly() {
    require_tmux();
    let (moto, _serial) = moto();
    let dir = workspace();
    moto.create_stack("exporter", EXPORTER_TEMPLATE);
    let (tmux, stty) = start_tui(dir.path(), &moto.endpoint);

    tmux.wait_for("resources/S3_DeleteBucketContents", 30);
    tmux.wait_for("123456789012", 30); // the header shows the caller's account
    tmux.keys(&["Enter"]);
    tmux.wait_for("setup stack: setup-S3-DeleteBucketContents", 10);
    tmux.keys(&["d"]);
    let dialog = tmux.wait_for("confirm the change", 30);
    assert!(dialog.contains("+ Bucket"), "{dialog}");
    tmux.keys(&["Enter"]); // the default answer is No
    tmux.wait_for("nothing was changed", 10);
    tmux.keys(&["d"]);
    tmux.wait_for("confirm the change", 30);
    tmux.keys(&["y"]);
    tmux.keys(&["Enter"]);
    let events = tmux.wait_for("✓ CREATE_COMPLETE", 30);
    assert!(events.contains("setup-S3-DeleteBucketContents"), "{events}");
    let done = tmux.wait_for(
        "{{AwsCommunityS3DeleteBucketContentsBucket}} = bucket-from-setup",
        30,
    );
    assert!(done.contains("outputs and exports"), "{done}");
    tmux.keys(&["q"]);
    let after = tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert!(
        !after.contains("confirm the change"),
        "the alternate screen was left:\n{after}"
    );
    assert_terminal_restored(&stty);
}

#[test]
fn ctrl_c_and_sigterm_restore_the_terminal() {
    require_tmux();
    let (moto, _serial) = moto();

    let dir = workspace();
    let (tmux, stty) = start_tui(dir.path(), &moto.endpoint);
    tmux.wait_for("resources/S3_DeleteBucketContents", 30);
    tmux.keys(&["C-c"]);
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_terminal_restored(&stty);

    let dir = workspace();
    let (tmux, stty) = start_tui(dir.path(), &moto.endpoint);
    tmux.wait_for("resources/S3_DeleteBucketContents", 30);
    let shell = tmux
        .command()
        .args(["display-message", "-p", "-t", tmux.session, "#{pane_pid}"])
        .output()
        .unwrap();
    let shell = String::from_utf8_lossy(&shell.stdout).trim().to_string();
    let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children")).unwrap();
    let pid = children
        .split_whitespace()
        .next()
        .expect("regship runs under the pane's shell")
        .to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_terminal_restored(&stty);
}

#[test]
fn a_panic_restores_the_terminal_then_says_what_happened() {
    require_tmux();
    let (moto, _serial) = moto();
    let dir = workspace();
    let (tmux, stty) = start_tui_with(
        dir.path(),
        &moto.endpoint,
        "REGSHIP_INJECT_PANIC=1 RUST_BACKTRACE=0 ",
    );
    let after = tmux.wait_for("REGSHIP-EXITED 101", 30);
    assert!(
        after.contains("the terminal is restored") && after.contains("injected panic"),
        "the message is printed on the restored screen: {after}"
    );
    assert!(
        !after.contains("FOLDER"),
        "the alternate screen was left, so the TUI's table is gone: {after}"
    );
    assert_terminal_restored(&stty);
}

/// The TUI's event poller through a throttling proxy: it says so, keeps polling, and shows the
/// stack's completion once the throttling stops.
#[test]
fn the_events_view_rides_out_throttling() {
    require_tmux();
    let (moto, _serial) = moto();
    let change_set = moto.create_pending_stack(
        "faulty",
        "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n",
    );
    let proxy = FaultProxy::start(moto.port);
    let dir = workspace();
    let (tmux, stty) = start_tui(dir.path(), &proxy.endpoint);
    tmux.wait_for("resources/S3_DeleteBucketContents", 30);
    tmux.keys(&[":", "events", "Space", "faulty", "Enter"]);
    tmux.wait_for("REVIEW_IN_PROGRESS", 30);
    proxy.set(Fault::Throttle);
    tmux.wait_for("throttled", 40);
    moto.execute_change_set(&change_set);
    proxy.set(Fault::None);
    let done = tmux.wait_for("CREATE_COMPLETE", 40);
    assert!(
        !done.contains("throttled"),
        "the problem is cleared: {done}"
    );
    assert!(proxy.faulted() >= 1);
    tmux.keys(&["q"]);
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_terminal_restored(&stty);
}

/// Counts every connection to a loopback port, and every open of two FIFOs standing in for the
/// AWS credentials and config files (a reader's open waits for a writer, so none is missed).
struct Tripwire {
    port: u16,
    connections: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    opened: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl Tripwire {
    fn new(fifos: Vec<PathBuf>) -> Tripwire {
        use std::os::unix::fs::OpenOptionsExt;
        use std::sync::Arc;
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let (connections, opened) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let stop = Arc::new(AtomicBool::new(false));
        for fifo in &fifos {
            let path = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).unwrap();
            assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
        }
        let (counted, also_opened, stopping) = (connections.clone(), opened.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stopping.load(Ordering::Relaxed) {
                if listener.accept().is_ok() {
                    counted.fetch_add(1, Ordering::SeqCst);
                }
                for fifo in &fifos {
                    let writer = std::fs::OpenOptions::new()
                        .write(true)
                        .custom_flags(libc::O_NONBLOCK)
                        .open(fifo);
                    if writer.is_ok() {
                        also_opened.fetch_add(1, Ordering::SeqCst);
                    }
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        Tripwire {
            port,
            connections,
            opened,
            stop,
        }
    }
}

impl Drop for Tripwire {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn the_demo_runs_the_release_with_no_aws_and_no_connection() {
    require_tmux();
    let dir = tempfile::tempdir().unwrap();
    let (credentials, config) = (dir.path().join("credentials"), dir.path().join("config"));
    let tripwire = Tripwire::new(vec![credentials.clone(), config.clone()]);
    let trap = format!("http://127.0.0.1:{}", tripwire.port);
    let environment = format!(
        "AWS_ENDPOINT_URL={trap} HTTPS_PROXY={trap} HTTP_PROXY={trap} ALL_PROXY={trap} \
         AWS_EC2_METADATA_SERVICE_ENDPOINT={trap} AWS_PROFILE=nobody \
         AWS_SHARED_CREDENTIALS_FILE='{}' AWS_CONFIG_FILE='{}' ",
        credentials.display(),
        config.display()
    );
    let repository = env!("CARGO_MANIFEST_DIR");
    let (tmux, stty) = start_regship(Path::new(repository), "demo --speed 20", &environment);
    let first = tmux.wait_for("d deploys the setup stack", 20);
    assert!(first.contains("DEMO"), "{first}");
    tmux.wait_for("111111111111", 10);
    // The module (first row) has no setup stack: the resource is the second.
    tmux.keys(&["j", "d"]);
    tmux.wait_for("+ Bucket", 10);
    tmux.keys(&["y", "Enter"]);
    let failed = tmux.wait_for("ROLLBACK_COMPLETE", 20);
    assert!(
        failed.contains("failures (kept after rollback)"),
        "{failed}"
    );
    tmux.wait_for("the setup stack failed", 5);
    tmux.escape_then("D");
    tmux.wait_for("Delete setup-S3-DeleteBucketContents", 10);
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for("the stack is deleted", 20);
    tmux.escape_then("d");
    tmux.wait_for("+ Bucket", 10);
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for("✓ {{AwsCommunityS3DeleteBucketContentsBucket}} =", 20);
    tmux.escape_then("t");
    tmux.wait_for("the contract tests passed", 20);
    tmux.keys(&[":", "stage cicd", "Enter"]);
    tmux.wait_for("222222222222", 10);
    tmux.keys(&["5"]);
    let pipeline = tmux.wait_for("✗ Build  Failed", 30);
    assert!(pipeline.contains("✓ Succeeded   Lint"), "{pipeline}");
    tmux.keys(&["j", "Enter"]);
    tmux.wait_for("FAILED handler_update.py::contract_update_read_success", 20);
    tmux.escape_then("R");
    tmux.wait_for("Retry S3DeleteBucketContents", 10);
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for("✓ Build  Succeeded", 30);
    tmux.wait_for("the release went through CI/CD", 5);
    // Beta: every extension's integration run, then the resource's new version breaks its
    // long-lived copy.
    tmux.keys(&[":", "stage beta", "Enter"]);
    tmux.wait_for("333333333333", 10);
    tmux.keys(&["6"]);
    tmux.wait_for("yesterday's release made the long-lived copies", 10);
    tmux.keys(&["A"]);
    tmux.wait_for("all runs ended: 1 passed, 1 allowed (alpha)", 60);
    tmux.wait_for("! compatibility break (allowed:", 10);
    tmux.keys(&["j", "u"]);
    tmux.wait_for("version 00000003", 30);
    // The guide names the step after the submit, not the sandbox's contract tests.
    tmux.wait_for(
        "the new version is the default: 6 goes back to the beta view",
        10,
    );
    tmux.keys(&["6", "I"]);
    tmux.wait_for("a compatibility break blocks the release", 60);
    tmux.keys(&["Enter"]);
    tmux.wait_for("extraneous key", 20);
    // On an integration stack's events, the guide leads back to beta, not to deleting a setup.
    tmux.wait_for("the long-lived copy's update was refused", 10);
    // Prod: the public version of each extension in every publishing region.
    tmux.keys(&[":", "stage prod", "Enter"]);
    tmux.wait_for("444444444444", 10);
    tmux.keys(&["7"]);
    tmux.wait_for("S3_DeleteBucketContents ", 30);
    tmux.wait_for("on 1.0.3", 10);
    // The rollout the release started, live: it ends with one region's TestType failed.
    tmux.keys(&["8"]);
    tmux.wait_for("rollout demo-rollout-0001", 30);
    tmux.wait_for("TestType FAILED", 120);
    // The retry of the failed region and those that never started, confirmed by typing `prod`.
    tmux.wait_for("the rollout ended with a failed region", 120);
    tmux.keys(&["R"]);
    tmux.wait_for("regship-publish-extension again in", 20);
    tmux.keys(&["prod", "Enter"]);
    tmux.wait_for("rollout demo-rollout-0002", 30);
    tmux.wait_for("0 running, 0 pending, 0 failed", 120);
    tmux.keys(&["q"]);
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_terminal_restored(&stty);
    use std::sync::atomic::Ordering;
    assert_eq!(
        tripwire.connections.load(Ordering::SeqCst),
        0,
        "the demo opened a connection"
    );
    assert_eq!(
        tripwire.opened.load(Ordering::SeqCst),
        0,
        "the demo read the AWS credentials or config"
    );

    // The tripwire itself: the same environment without the demo trips it.
    let mut accounts = Command::new(binary())
        .args(["-C", repository, "accounts"])
        .env("AWS_ENDPOINT_URL", &trap)
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", &trap)
        .env("AWS_SHARED_CREDENTIALS_FILE", &credentials)
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while tripwire.connections.load(Ordering::SeqCst) + tripwire.opened.load(Ordering::SeqCst) == 0
    {
        assert!(
            Instant::now() < deadline,
            "regship accounts did not trip the tripwire"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = accounts.kill();
    let _ = accounts.wait();
}

/// The installed binary keeps line tables: a panic's backtrace names regship's file and line.
#[test]
fn a_panic_backtrace_names_file_and_line() {
    require_tmux();
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("stderr.txt");
    let (tmux, _stty) = start_regship(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &format!("demo 2>'{}'", trace.display()),
        "REGSHIP_INJECT_PANIC=1 RUST_BACKTRACE=1 ",
    );
    tmux.wait_for("REGSHIP-EXITED 101", 30);
    let trace = std::fs::read_to_string(&trace).unwrap();
    assert!(
        trace.contains("at ./src/tui/mod.rs:"),
        "the backtrace has no file and line of regship's code:\n{trace}"
    );
}

/// A stage switch on the pipeline view reads the new stage's pipeline at once and ends in the
/// endpoint's own error (moto does not serve GetPipelineState), never in a wait without a request.
#[test]
fn a_stage_switch_on_the_pipeline_view_ends_in_an_answer() {
    require_tmux();
    let (moto, _serial) = moto();
    let dir = workspace();
    std::fs::write(
        dir.path().join("regship.yml"),
        "accounts:\n  sandbox: {region: us-east-1}\n  cicd: {region: us-east-1, pipeline: regship-extensions}\n  beta: {region: us-east-1, pipeline: regship-beta}\n",
    )
    .unwrap();
    let (tmux, stty) = start_tui(dir.path(), &moto.endpoint);
    tmux.wait_for("resources/S3_DeleteBucket", 30); // the BUILD column narrows the folder's
    tmux.keys(&[":", "stage cicd", "Enter"]);
    tmux.keys(&["5"]);
    let cicd = tmux.wait_for("HTTP 500", 10);
    assert!(!cicd.contains("cut off"), "{cicd}");
    tmux.keys(&[":", "stage beta", "Enter"]);
    let beta = tmux.wait_for("regship │ beta", 5);
    assert!(beta.contains("pipeline"), "{beta}");
    // Within the running poll interval (5 s): the beta pipeline's answer, not a wait.
    tmux.wait_for("HTTP 500", 5);
    tmux.keys(&["S"]);
    let refused = tmux.wait_for("could not be read", 5);
    assert!(!refused.contains("not loaded yet"), "{refused}");
    tmux.keys(&["q"]);
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_terminal_restored(&stty);
}

/// Processes whose command line contains `marker`.
fn processes(marker: &str) -> usize {
    let output = Command::new("pgrep").args(["-f", marker]).output().unwrap();
    String::from_utf8_lossy(&output.stdout).lines().count()
}

/// q with a job running asks first (default No); yes ends the job's whole process group, its
/// children included, before regship exits.
#[test]
fn quitting_with_a_running_job_ends_its_process_group() {
    require_tmux();
    let (moto, _serial) = moto();
    let dir = workspace();
    let marker = format!("regship-e2e-job-{}", std::process::id());
    let cfn = dir.path().join("slow-cfn");
    std::fs::write(
        &cfn,
        format!(
            "#!/bin/bash\necho slow cfn started\n(exec -a {marker}-child sleep 300) &\nexec -a {marker}-main sleep 300\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&cfn, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let (tmux, stty) = start_tui_with(
        dir.path(),
        &moto.endpoint,
        &format!("REGSHIP_CFN='{}' ", cfn.display()),
    );
    tmux.wait_for("resources/S3_DeleteBucketContents", 30);
    tmux.keys(&["v"]);
    tmux.wait_for("slow cfn started", 10);
    let deadline = Instant::now() + Duration::from_secs(5);
    while processes(&marker) < 2 {
        assert!(
            Instant::now() < deadline,
            "the job's two processes did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
    tmux.wait_for("cancel it (the whole process group) and quit?", 5);
    tmux.keys(&["Enter"]); // the default answer is No
    tmux.wait_for("not quitting: the jobs go on", 5);
    assert_eq!(processes(&marker), 2, "No leaves the job running");
    tmux.keys(&["q"]);
    tmux.wait_for("and quit?", 5);
    tmux.keys(&["y", "Enter"]);
    tmux.wait_for("REGSHIP-EXITED 0", 10);
    assert_eq!(
        processes(&marker),
        0,
        "a process of the job's group outlived regship"
    );
    assert_terminal_restored(&stty);
}
