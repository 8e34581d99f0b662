//! Subprocesses (the cfn CLI, cfn-lint): output streamed line by line, cancellable as a process group,
//! exit status kept, optionally logged to a file.

pub mod contract_tests;
pub mod lint;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWriteExt, BufReader};
use tokio::sync::mpsc::UnboundedSender;

/// What to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobSpec {
    pub program: String,
    pub args: Vec<String>,
    pub dir: PathBuf,
    pub env: Vec<(String, String)>,
    /// Every line is also appended here.
    pub log_file: Option<PathBuf>,
}

/// How a job ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEnd {
    Exited(i32),
    /// Killed by a signal (a cancel included).
    Killed,
    /// It could not start; the message says why and what to do.
    FailedToStart(String),
}

/// What a running job reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobEvent {
    Line(String),
    Ended(JobEnd),
}

/// A running job's process group.
#[derive(Debug, Clone, Copy)]
pub struct JobHandle {
    pgid: i32,
}

impl JobHandle {
    /// Ends the whole process group before returning (regship is exiting): SIGTERM, then
    /// SIGKILL for what is still there after two seconds.
    pub fn end_now(self) {
        let pgid = self.pgid;
        // SAFETY: kill(2) on our own child's process group has no memory effects.
        unsafe {
            libc::kill(-pgid, libc::SIGTERM);
        }
        let deadline = std::time::Instant::now() + Duration::from_secs(2);
        // SAFETY: signal 0 only asks whether the group still exists.
        while unsafe { libc::kill(-pgid, 0) } == 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: as above; the group may already be gone, which kill reports harmlessly.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }

    /// Stops the whole process group: SIGTERM, then SIGKILL after two seconds.
    pub fn cancel(self) {
        let pgid = self.pgid;
        // SAFETY: kill(2) on our own child's process group has no memory effects.
        unsafe {
            libc::kill(-pgid, libc::SIGTERM);
        }
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(2)).await;
            // SAFETY: as above; the group may already be gone, which kill reports harmlessly.
            unsafe {
                libc::kill(-pgid, libc::SIGKILL);
            }
        });
    }
}

async fn pump(stream: impl AsyncRead + Unpin, lines: UnboundedSender<String>) {
    let mut reader = BufReader::new(stream).lines();
    while let Ok(Some(line)) = reader.next_line().await {
        if lines.send(line).is_err() {
            break;
        }
    }
}

/// Starts `spec`; events arrive on `events` until `JobEvent::Ended`. Must run inside a tokio runtime.
pub fn spawn(spec: JobSpec, events: UnboundedSender<JobEvent>) -> Option<JobHandle> {
    let mut command = tokio::process::Command::new(&spec.program);
    command
        .args(&spec.args)
        .current_dir(&spec.dir)
        .envs(spec.env.iter().cloned())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(false);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(err) => {
            let message = if err.kind() == std::io::ErrorKind::NotFound {
                format!("`{}` is not installed or not on PATH", spec.program)
            } else {
                format!("`{}` could not start: {err}", spec.program)
            };
            let _ = events.send(JobEvent::Ended(JobEnd::FailedToStart(message)));
            return None;
        }
    };
    let pgid = child.id().map_or(0, |id| id as i32);
    let (line_tx, mut line_rx) = tokio::sync::mpsc::unbounded_channel();
    if let Some(stdout) = child.stdout.take() {
        tokio::spawn(pump(stdout, line_tx.clone()));
    }
    if let Some(stderr) = child.stderr.take() {
        tokio::spawn(pump(stderr, line_tx.clone()));
    }
    drop(line_tx);
    tokio::spawn(async move {
        let mut log = match &spec.log_file {
            Some(path) => {
                if let Some(parent) = path.parent() {
                    let _ = tokio::fs::create_dir_all(parent).await;
                }
                tokio::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .await
                    .ok()
            }
            None => None,
        };
        while let Some(line) = line_rx.recv().await {
            if let Some(file) = log.as_mut() {
                let _ = file.write_all(format!("{line}\n").as_bytes()).await;
            }
            let _ = events.send(JobEvent::Line(line));
        }
        // tokio writes files in the background: flush so the log is whole when the job is reported ended.
        if let Some(file) = log.as_mut() {
            let _ = file.flush().await;
        }
        let end = match child.wait().await {
            Ok(status) => status.code().map_or(JobEnd::Killed, JobEnd::Exited),
            Err(err) => JobEnd::FailedToStart(err.to_string()),
        };
        let _ = events.send(JobEvent::Ended(end));
    });
    Some(JobHandle { pgid })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(script: &str) -> JobSpec {
        JobSpec {
            program: "sh".into(),
            args: vec!["-c".into(), script.into()],
            dir: std::env::temp_dir(),
            env: Vec::new(),
            log_file: None,
        }
    }

    async fn run(spec: JobSpec) -> (Vec<String>, JobEnd) {
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        spawn(spec, tx);
        let mut lines = Vec::new();
        while let Some(event) = rx.recv().await {
            match event {
                JobEvent::Line(line) => lines.push(line),
                JobEvent::Ended(end) => return (lines, end),
            }
        }
        panic!("no end event");
    }

    #[tokio::test]
    async fn streams_lines_in_order_and_keeps_the_exit_code() {
        let (lines, end) = run(shell(
            "echo one; sleep 0.05; echo two; sleep 0.05; echo three >&2; exit 3",
        ))
        .await;
        assert_eq!(lines, ["one", "two", "three"]);
        assert_eq!(end, JobEnd::Exited(3));
    }

    #[tokio::test]
    async fn a_missing_program_says_so() {
        let mut spec = shell("");
        spec.program = "definitely-not-a-program".into();
        let (_, end) = run(spec).await;
        let JobEnd::FailedToStart(message) = end else {
            panic!("{end:?}")
        };
        assert!(message.contains("not installed"), "{message}");
    }

    #[tokio::test]
    async fn a_megabyte_of_output_arrives_whole_and_is_logged() {
        let dir = tempfile::tempdir().unwrap();
        let mut spec = shell(
            "i=0; while [ $i -lt 16384 ]; do echo 012345678901234567890123456789012345678901234567890123456789012; i=$((i+1)); done",
        );
        spec.log_file = Some(dir.path().join("logs/job.log"));
        let (lines, end) = run(spec).await;
        assert_eq!(end, JobEnd::Exited(0));
        assert_eq!(lines.len(), 16_384);
        assert_eq!(lines.iter().map(|l| l.len() + 1).sum::<usize>(), 1 << 20);
        assert_eq!(
            std::fs::metadata(dir.path().join("logs/job.log"))
                .unwrap()
                .len(),
            1 << 20
        );
    }

    #[tokio::test]
    async fn cancel_kills_the_whole_process_group() {
        let dir = tempfile::tempdir().unwrap();
        let pid_file = dir.path().join("grandchild.pid");
        let script = format!(
            "sleep 300 & echo $! > {}; echo started; wait",
            pid_file.display()
        );
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let handle = spawn(shell(&script), tx).unwrap();
        assert_eq!(rx.recv().await, Some(JobEvent::Line("started".into())));
        let grandchild: i32 = std::fs::read_to_string(&pid_file)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        handle.cancel();
        assert_eq!(rx.recv().await, Some(JobEvent::Ended(JobEnd::Killed)));
        // Gone, or a zombie waiting to be reaped by init: either way no longer running.
        let running = || {
            let state =
                std::fs::read_to_string(format!("/proc/{grandchild}/stat")).unwrap_or_default();
            state
                .rsplit(')')
                .next()
                .is_some_and(|rest| !rest.trim_start().starts_with('Z') && !rest.trim().is_empty())
        };
        let mut alive = running();
        for _ in 0..50 {
            if !alive {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            alive = running();
        }
        assert!(!alive, "the grandchild survived the cancel");
    }
}
