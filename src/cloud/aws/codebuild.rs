//! CodeBuild: a build's status and phases, and the latest build of a project.

use aws_sdk_codebuild::types::SortOrderType;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{Build, BuildPhase, CloudError, CloudErrorKind, LogLocation};

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

impl AwsCloud {
    /// BatchGetBuilds for one build.
    pub async fn build(&self, build_id: &str) -> Result<Build, CloudError> {
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
    pub async fn latest_build_id(&self, project: &str) -> Result<Option<String>, CloudError> {
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
