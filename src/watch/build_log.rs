//! `BuildLogPoller`: a CodeBuild build and its CloudWatch log, read until the build has ended and
//! the log is drained; each line once. The CLI's `pipeline logs --follow` and the TUI's build
//! screen both run it.

use std::sync::Arc;
use std::time::Duration;

use super::intervals::BUILD_LOG;
use crate::cloud::{Build, Cloud, CloudError, CloudErrorKind, LogLine, LogLocation};

/// What went wrong in one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildLogProblem {
    /// CodeBuild has not created the log stream yet.
    WaitingForLog,
    /// Throttled, a dropped connection, or a log read that failed: tried again after the delay.
    Retrying { error: CloudError, attempt: u32 },
    /// The build cannot be read: polling ends.
    Failed(CloudError),
}

/// The result of one poll.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildLogReport {
    pub build: Option<Build>,
    /// Lines written since the previous poll, oldest first.
    pub lines: Vec<LogLine>,
    pub problem: Option<BuildLogProblem>,
    /// The build has ended and its log is drained (or the build cannot be read): stop polling.
    pub finished: bool,
    /// How long to wait before the next poll.
    pub delay: Duration,
}

/// Follows one build.
pub struct BuildLogPoller {
    cloud: Arc<dyn Cloud>,
    build_id: String,
    /// The lines read first: the tail of what is already written.
    tail: i32,
    token: Option<String>,
    location: Option<LogLocation>,
    failures: u32,
}

impl BuildLogPoller {
    pub fn new(cloud: Arc<dyn Cloud>, build_id: &str, tail: i32) -> BuildLogPoller {
        BuildLogPoller {
            cloud,
            build_id: build_id.to_string(),
            tail,
            token: None,
            location: None,
            failures: 0,
        }
    }

    fn delay(&self) -> Duration {
        BUILD_LOG * (1 << self.failures.min(4))
    }

    /// Reads the build, then the log lines written since the last poll.
    pub async fn poll(&mut self) -> BuildLogReport {
        let build = match self.cloud.build(&self.build_id).await {
            Ok(build) => build,
            Err(error) => {
                let transient = error.is_transient();
                self.failures += 1;
                let problem = if transient {
                    BuildLogProblem::Retrying {
                        error,
                        attempt: self.failures,
                    }
                } else {
                    BuildLogProblem::Failed(error)
                };
                return BuildLogReport {
                    build: None,
                    lines: Vec::new(),
                    problem: Some(problem),
                    finished: !transient,
                    delay: self.delay(),
                };
            }
        };
        self.location = self.location.take().or_else(|| build.log.clone());
        let Some(location) = &self.location else {
            let finished = build.is_complete();
            return BuildLogReport {
                build: Some(build),
                lines: Vec::new(),
                problem: None,
                finished,
                delay: self.delay(),
            };
        };
        let tail = if self.token.is_none() { self.tail } else { 0 };
        let page = self
            .cloud
            .log_lines(location, self.token.as_deref(), tail)
            .await;
        match page {
            Ok(page) => {
                self.failures = 0;
                self.token = page.next_token.or(self.token.take());
                BuildLogReport {
                    finished: build.is_complete() && page.lines.is_empty(),
                    build: Some(build),
                    lines: page.lines,
                    problem: None,
                    delay: BUILD_LOG,
                }
            }
            // CodeBuild creates the stream when the build starts to log.
            Err(error) if error.kind == CloudErrorKind::NotFound => BuildLogReport {
                problem: (!build.is_complete()).then_some(BuildLogProblem::WaitingForLog),
                finished: build.is_complete(),
                build: Some(build),
                lines: Vec::new(),
                delay: BUILD_LOG,
            },
            Err(error) => {
                self.failures += 1;
                BuildLogReport {
                    problem: Some(BuildLogProblem::Retrying {
                        error,
                        attempt: self.failures,
                    }),
                    build: Some(build),
                    lines: Vec::new(),
                    finished: false,
                    delay: self.delay(),
                }
            }
        }
    }
}

impl BuildLogProblem {
    /// One line for a person.
    pub fn describe(&self) -> String {
        match self {
            BuildLogProblem::WaitingForLog => "waiting for the build to write its log".into(),
            BuildLogProblem::Retrying { error, .. } | BuildLogProblem::Failed(error) => {
                error.with_hint()
            }
        }
    }
}
