//! Pipeline rules: every extension has a build action in the CI/CD template, and every action an extension.

use super::{ExtensionFindings, Finding};
use crate::workspace::Workspace;
use crate::workspace::files::line_containing;
use crate::workspace::pipeline::{BuildAction, build_actions};

pub const RULES: &[(&str, &str)] = &[
    (
        "PIP001",
        "an extension has no build action in the pipeline template",
    ),
    (
        "PIP002",
        "a build action names a folder that holds no extension",
    ),
    ("PIP003", "the pipeline template is missing"),
    ("PIP004", "the pipeline template cannot be parsed"),
];

/// The pipeline template's build actions, or `None` when there is no usable template.
pub fn actions_of(workspace: &Workspace) -> Option<Vec<BuildAction>> {
    workspace
        .pipeline
        .as_ref()
        .and_then(|p| p.ok())
        .map(build_actions)
}

pub fn check_workspace(workspace: &Workspace, actions: Option<&[BuildAction]>) -> Vec<Finding> {
    let template_path = &workspace.config.pipeline_template;
    let Some(pipeline) = &workspace.pipeline else {
        if workspace.extensions.is_empty() {
            return Vec::new();
        }
        return vec![
            Finding::warning("PIP003", template_path, "the pipeline template is missing: no extension is contract-tested on merge")
                .hint("create it from release/cicd.yml of the regship repository, or set pipeline_template in regship.yml"),
        ];
    };
    if let Err(problem) = &pipeline.parsed {
        return vec![
            Finding::error(
                "PIP004",
                &pipeline.path,
                format!("the pipeline template cannot be used: {}", problem.message),
            )
            .line(problem.line)
            .hint("fix the template so that it parses; until then build actions are not checked"),
        ];
    }
    actions
        .unwrap_or_default()
        .iter()
        .filter(|action| {
            !workspace
                .extensions
                .iter()
                .any(|e| action.tests_folder(&e.folder))
        })
        .map(|action| {
            Finding::warning(
                "PIP002",
                &pipeline.path,
                format!(
                    "build action `{}` sets {}={}, which holds no extension",
                    action.name, action.variable, action.path
                ),
            )
            .line(line_containing(&pipeline.text, &action.path))
            .hint("remove the action (and its project and role), or fix the path")
        })
        .collect()
}

pub fn check(workspace: &Workspace, actions: Option<&[BuildAction]>, sink: &mut ExtensionFindings) {
    let Some(actions) = actions else { return };
    let extension = sink.extension;
    if !actions
        .iter()
        .any(|action| action.tests_folder(&extension.folder))
    {
        let variable = match extension.artifact_type() {
            crate::workspace::ArtifactType::Hook => "HOOK_PATH",
            crate::workspace::ArtifactType::Module => "MODULE_PATH",
            crate::workspace::ArtifactType::Resource => "RESOURCE_PATH",
        };
        sink.push(
            Finding::error(
                "PIP001",
                &workspace.config.pipeline_template,
                format!(
                    "{} has no build action: its contract tests never run on merge",
                    extension.folder
                ),
            )
            .hint(format!(
                "add a CodeBuild action with {variable}={} (`regship pipeline add {}`)",
                extension.folder, extension.folder
            )),
        );
    }
}
