//! Builds: a CodeBuild build's status and phases, the latest build of a project, and its log
//! (CloudWatch Logs: a stream's newest lines, then only what is written after them).

use aws_sdk_codebuild::types::SortOrderType;

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::Builds;
use crate::cloud::{Build, BuildPhase, CloudError, CloudErrorKind, LogLine, LogLocation, LogPage};

fn millis(time: Option<&aws_sdk_codebuild::primitives::DateTime>) -> Option<i64> {
    time.and_then(|t| t.to_millis().ok())
}

/// Where CodeBuild writes a build's log when the project names no group or stream:
/// `/aws/codebuild/<project>`, stream = the build id after the project name.
fn default_log_location(build_id: &str, project: &str) -> Option<LogLocation> {
    let (_, stream) = build_id.split_once(':')?;
    Some(LogLocation {
        group: format!("/aws/codebuild/{project}"),
        stream: stream.to_string(),
    })
}

#[async_trait]
impl Builds for AwsCloud {
    /// BatchGetBuilds for one build.
    async fn build(&self, build_id: &str) -> Result<Build, CloudError> {
        let output = self
            .clients
            .codebuild
            .batch_get_builds()
            .ids(build_id)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "BatchGetBuilds"))?;
        let Some(build) = output.builds().first() else {
            return Err(CloudError::new(
                CloudErrorKind::NotFound,
                format!("no build {build_id}"),
                "builds are kept for a year; run `regship pipeline` for the current build ids",
            ));
        };
        let id = build.id().unwrap_or(build_id).to_string();
        let project = build.project_name().unwrap_or_default().to_string();
        let logs = build.logs();
        let log = match (
            logs.and_then(|l| l.group_name()),
            logs.and_then(|l| l.stream_name()),
        ) {
            (Some(group), Some(stream)) if group != "null" && stream != "null" => {
                Some(LogLocation {
                    group: group.to_string(),
                    stream: stream.to_string(),
                })
            }
            _ => default_log_location(&id, &project),
        };
        Ok(Build {
            status: build
                .build_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            current_phase: build.current_phase().map(String::from),
            start_ms: millis(build.start_time()),
            end_ms: millis(build.end_time()),
            phases: build
                .phases()
                .iter()
                .map(|phase| BuildPhase {
                    name: phase
                        .phase_type()
                        .map(|p| p.as_str().to_string())
                        .unwrap_or_default(),
                    status: phase.phase_status().map(|s| s.as_str().to_string()),
                    duration_s: phase.duration_in_seconds(),
                    context: phase
                        .contexts()
                        .iter()
                        .filter_map(|c| c.message())
                        .filter(|m| !m.is_empty())
                        .map(String::from)
                        .collect(),
                })
                .collect(),
            log,
            id,
            project,
        })
    }

    /// The newest build of a CodeBuild project, if it has run.
    async fn latest_build_id(&self, project: &str) -> Result<Option<String>, CloudError> {
        let output = self
            .clients
            .codebuild
            .list_builds_for_project()
            .project_name(project)
            .sort_order(SortOrderType::Descending)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "ListBuildsForProject"))?;
        Ok(output.ids().first().cloned())
    }

    /// GetLogEvents. Without a token: the stream's last `tail` lines. With the token of the
    /// previous page: the lines written since (none when nothing new was written).
    async fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
    ) -> Result<LogPage, CloudError> {
        let mut request = self
            .clients
            .logs
            .get_log_events()
            .log_group_name(&location.group)
            .log_stream_name(&location.stream);
        request = match token {
            Some(token) => request.next_token(token).start_from_head(true),
            None => request.limit(tail).start_from_head(false),
        };
        let output = request
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetLogEvents"))?;
        Ok(LogPage {
            lines: output
                .events()
                .iter()
                .map(|event| LogLine {
                    timestamp_ms: event.timestamp().unwrap_or_default(),
                    message: event
                        .message()
                        .unwrap_or_default()
                        .trim_end_matches(['\n', '\r'])
                        .to_string(),
                })
                .collect(),
            next_token: output
                .next_forward_token()
                .map(String::from)
                .or_else(|| token.map(String::from)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_log_location_follows_codebuild_naming() {
        assert_eq!(
            default_log_location("regship-S3:0b1c-22", "regship-S3"),
            Some(LogLocation {
                group: "/aws/codebuild/regship-S3".into(),
                stream: "0b1c-22".into()
            })
        );
        assert_eq!(default_log_location("no-colon", "p"), None);
    }
}
