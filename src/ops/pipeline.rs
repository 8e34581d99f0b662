//! Pipeline lookups shared by the CLI and the TUI: which pipeline a stage watches, and which
//! extension each build action tests.

use crate::cloud::{CloudError, CloudErrorKind};
use crate::config::{Stage, WorkspaceConfig};
use crate::workspace::Workspace;
use crate::workspace::pipeline::{BuildAction, build_actions};

/// The pipeline of `stage` as regship.yml names it, or the one message for a stage without one.
pub fn pipeline_name(config: &WorkspaceConfig, stage: Stage) -> Result<String, CloudError> {
    if let Some(name) = config.accounts.pipeline(stage) {
        return Ok(name.to_string());
    }
    let hint = match stage {
        Stage::Cicd | Stage::Beta => format!(
            "set accounts.{stage}.pipeline in regship.yml (the PipelineName output of release/cicd.yml)"
        ),
        Stage::Sandbox | Stage::Prod => {
            "switch to the cicd or beta stage (:stage cicd in the TUI, --stage cicd on the command line)"
                .to_string()
        }
    };
    Err(CloudError::new(
        CloudErrorKind::Invalid,
        format!("no pipeline for the {stage} stage"),
        hint,
    ))
}

/// The pipeline template's build actions (none when the template is missing or unreadable).
pub fn template_build_actions(workspace: &Workspace) -> Vec<BuildAction> {
    workspace
        .pipeline
        .as_ref()
        .and_then(|parsed| parsed.ok())
        .map(build_actions)
        .unwrap_or_default()
}

/// Build action name -> the extension folder it tests.
pub fn extension_map(workspace: &Workspace) -> Vec<(String, String)> {
    template_build_actions(workspace)
        .into_iter()
        .map(|action| (action.name, action.path))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_message_for_a_stage_without_a_pipeline() {
        let config =
            WorkspaceConfig::parse("accounts:\n  cicd: {pipeline: main-line}\n", "regship.yml")
                .unwrap();
        assert_eq!(pipeline_name(&config, Stage::Cicd).unwrap(), "main-line");
        let beta = pipeline_name(&config, Stage::Beta).unwrap_err();
        assert_eq!(beta.message, "no pipeline for the beta stage");
        assert!(beta.hint.contains("accounts.beta.pipeline"), "{beta:?}");
        let sandbox = pipeline_name(&config, Stage::Sandbox).unwrap_err();
        assert_eq!(sandbox.message, "no pipeline for the sandbox stage");
        assert!(sandbox.hint.contains(":stage cicd"), "{sandbox:?}");
    }
}
