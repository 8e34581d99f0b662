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

/// The pipeline as the pipeline view shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineView {
    pub state: crate::cloud::PipelineState,
    pub executions: Vec<crate::cloud::PipelineExecution>,
    /// Build action name -> the extension folder it tests.
    pub extensions: Vec<(String, String)>,
}

impl PipelineView {
    /// Whether anything runs (the view then refreshes every 5 s, else every 30 s).
    pub fn running(&self) -> bool {
        self.state.is_running()
    }
}

impl PipelineView {
    /// The stage and action on the `index`th action row.
    pub fn action_at(
        &self,
        index: usize,
    ) -> Option<(
        &crate::cloud::PipelineStage,
        &crate::cloud::PipelineActionState,
    )> {
        self.state
            .stages
            .iter()
            .flat_map(|stage| stage.actions.iter().map(move |action| (stage, action)))
            .nth(index)
    }

    /// The execution on the `index`th row: the rows after the actions list the executions.
    pub fn execution_at(&self, index: usize) -> Option<&crate::cloud::PipelineExecution> {
        let actions: usize = self.state.stages.iter().map(|s| s.actions.len()).sum();
        self.executions.get(index.checked_sub(actions)?)
    }

    /// The extension folder a build action tests.
    pub fn extension_of(&self, action: &str) -> Option<&str> {
        self.extensions
            .iter()
            .find(|(name, _)| name == action)
            .map(|(_, folder)| folder.as_str())
    }
}

/// One execution and the actions it ran (ListActionExecutions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecutionView {
    pub execution: crate::cloud::PipelineExecution,
    pub actions: Vec<crate::cloud::ActionExecutionRecord>,
}
