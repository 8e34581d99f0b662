//! Pipeline rules: every extension has a build action in the CI/CD template, and every action an extension.

use std::collections::BTreeSet;

use serde_norway::Value;

use super::{ExtensionFindings, Finding};
use crate::workspace::Workspace;
use crate::workspace::files::line_containing;
use crate::workspace::permissions::RequiredActions;
use crate::workspace::pipeline::{BuildAction, build_actions};
use crate::workspace::template::Template;

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
    (
        "PIP005",
        "an IAM policy in the pipeline template grants a wildcard action no provider schema lists",
    ),
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
    let template =
        match &pipeline.parsed {
            Ok(template) => template,
            Err(problem) => {
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
        };
    let mut findings = super::templates::unknown_tags(&pipeline.path, template);
    findings.extend(wildcard_grants(workspace, template)
        .into_iter()
        .map(|(role, action)| {
            Finding::warning(
                "PIP005",
                &pipeline.path,
                format!("{role} grants `{action}`, a wildcard that can reach far beyond what the contract tests call"),
            )
            .line(line_containing(&pipeline.text, &action))
            .hint("list the exact actions instead (`regship pipeline sync` shows what each build role needs)")
        }));
    findings.extend(
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
            }),
    );
    findings
}

/// The wildcard actions (`s3:Put*`, `*`) that the template's IAM policies grant, by the
/// resource that grants them, except those a provider schema of some extension's setup lists
/// itself (those are what its resources need).
fn wildcard_grants(workspace: &Workspace, template: &Template) -> Vec<(String, String)> {
    // What the extensions' provider schemas list, worked out only if a wildcard turns up.
    let mut listed: Option<BTreeSet<String>> = None;
    let mut grants = Vec::new();
    for resource in template.resources() {
        let documents: Vec<&Value> = match resource.type_name {
            Some("AWS::IAM::Role" | "AWS::IAM::User" | "AWS::IAM::Group") => resource
                .properties
                .and_then(|p| p.get("Policies"))
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
                .filter_map(|policy| policy.get("PolicyDocument"))
                .collect(),
            Some("AWS::IAM::Policy" | "AWS::IAM::ManagedPolicy") => resource
                .properties
                .and_then(|p| p.get("PolicyDocument"))
                .into_iter()
                .collect(),
            _ => continue,
        };
        let statements = documents
            .into_iter()
            .filter_map(|document| document.get("Statement"))
            .flat_map(|statement| match statement {
                Value::Sequence(statements) => statements.iter().collect(),
                single => vec![single],
            })
            .filter(|statement| statement.get("Effect").and_then(Value::as_str) == Some("Allow"));
        for statement in statements {
            let actions: Vec<&str> = match statement.get("Action") {
                Some(Value::String(action)) => vec![action],
                Some(Value::Sequence(actions)) => {
                    actions.iter().filter_map(Value::as_str).collect()
                }
                _ => continue,
            };
            for action in actions.into_iter().filter(|a| a.contains(['*', '?'])) {
                let listed = listed.get_or_insert_with(|| {
                    workspace
                        .extensions
                        .iter()
                        .flat_map(|extension| RequiredActions::of(extension).actions.into_keys())
                        .collect()
                });
                if !listed.contains(action) {
                    grants.push((resource.logical_id.to_string(), action.to_string()));
                }
            }
        }
    }
    grants
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
