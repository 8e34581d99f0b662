//! The CI/CD pipeline template's CodeBuild actions and the extension folder each one tests.

use serde_norway::Value;

use super::template::{Template, intrinsic, literal_string, named_resource, walk};

/// The environment variables through which a build action names its extension folder.
pub const PATH_VARIABLES: [&str; 3] = ["RESOURCE_PATH", "HOOK_PATH", "MODULE_PATH"];

/// One CodeBuild action of a pipeline in the template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildAction {
    /// The action's `Name`.
    pub name: String,
    /// The `*_PATH` variable that names the folder, and its value.
    pub variable: String,
    pub path: String,
    /// The logical id of its CodeBuild project (`ProjectName: !Ref X`).
    pub project: Option<String>,
    /// The name of the artifact it takes (its first input).
    pub input: Option<String>,
    /// The name of the pipeline stage it is in.
    pub stage: Option<String>,
}

impl BuildAction {
    /// Whether this action tests the extension in `folder` (relative to the root). Real templates
    /// name it either from the root (`resources/X`) or from the kind's folder (`X`).
    pub fn tests_folder(&self, folder: &str) -> bool {
        let path = self.path.trim_start_matches("./").trim_end_matches('/');
        !path.is_empty()
            && folder
                .strip_suffix(path)
                .is_some_and(|rest| rest.is_empty() || rest.ends_with('/'))
    }
}

/// The `*_PATH` variable in a CodeBuild project's `Environment.EnvironmentVariables`.
fn project_path_variable(properties: &Value) -> Option<(String, String)> {
    let variables = properties
        .get("Environment")?
        .get("EnvironmentVariables")?
        .as_sequence()?;
    variables.iter().find_map(|variable| {
        let name = variable.get("Name").and_then(Value::as_str)?;
        let value = literal_string(variable.get("Value")?)?;
        PATH_VARIABLES
            .contains(&name)
            .then(|| (name.to_string(), value.to_string()))
    })
}

/// The `*_PATH` variable in an action's `EnvironmentVariables` (a JSON string, maybe in `Fn::Sub`).
fn action_path_variable(configuration: &Value) -> Option<(String, String)> {
    let raw = configuration.get("EnvironmentVariables")?;
    let text = match raw {
        Value::String(text) => text.as_str(),
        other => match intrinsic(other) {
            Some(("Fn::Sub", Value::String(text))) => text.as_str(),
            Some(("Fn::Sub", Value::Sequence(args))) => args.first()?.as_str()?,
            _ => return None,
        },
    };
    let variables: Vec<serde_json::Value> = serde_json::from_str(text).ok()?;
    variables.iter().find_map(|variable| {
        let name = variable.get("name")?.as_str()?;
        let value = variable.get("value")?.as_str()?;
        PATH_VARIABLES
            .contains(&name)
            .then(|| (name.to_string(), value.to_string()))
    })
}

/// Every CodeBuild action of every pipeline in the template, both branches of `Fn::If` included.
pub fn build_actions(template: &Template) -> Vec<BuildAction> {
    let projects: Vec<(&str, (String, String))> = template
        .resources()
        .filter(|r| r.type_name == Some("AWS::CodeBuild::Project"))
        .filter_map(|r| {
            let properties = Value::Mapping(r.properties?.clone());
            Some((r.logical_id, project_path_variable(&properties)?))
        })
        .collect();
    let mut actions = Vec::new();
    let pipelines = template
        .resources()
        .filter(|r| r.type_name == Some("AWS::CodePipeline::Pipeline"));
    for pipeline in pipelines {
        let Some(stages) = pipeline.properties.and_then(|p| p.get("Stages")) else {
            continue;
        };
        // Each stage (one under an `Fn::If` included) with its name, then its actions.
        let items: Vec<&Value> = match stages.as_sequence() {
            Some(items) => items.iter().collect(),
            None => vec![stages],
        };
        for item in items {
            let mut stage = None;
            walk(item, &mut |value| {
                if stage.is_none() && value.get("Actions").is_some() {
                    stage = value.get("Name").and_then(literal_string).map(String::from);
                }
            });
            walk(item, &mut |value| {
                let Some(type_id) = value.get("ActionTypeId") else {
                    return;
                };
                if type_id.get("Provider").and_then(literal_string) != Some("CodeBuild") {
                    return;
                }
                let name = value
                    .get("Name")
                    .and_then(literal_string)
                    .unwrap_or("(unnamed)")
                    .to_string();
                let configuration = value.get("Configuration");
                let project = configuration
                    .and_then(|c| c.get("ProjectName"))
                    .and_then(|name| match intrinsic(name) {
                        Some(("Ref", Value::String(logical_id))) => Some(logical_id.clone()),
                        _ => None,
                    });
                let input = value
                    .get("InputArtifacts")
                    .and_then(Value::as_sequence)
                    .and_then(|inputs| inputs.first()?.get("Name").and_then(literal_string))
                    .map(String::from);
                let from_action = configuration.and_then(action_path_variable);
                let from_project = || {
                    let logical_id = project.as_deref()?;
                    projects
                        .iter()
                        .find(|(id, _)| *id == logical_id)
                        .map(|(_, variable)| variable.clone())
                };
                if let Some((variable, path)) = from_action.or_else(from_project) {
                    actions.push(BuildAction {
                        name,
                        variable,
                        path,
                        project,
                        input,
                        stage: stage.clone(),
                    });
                }
            });
        }
    }
    actions
}

/// What a pipeline's source action hands to the others.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceAction {
    /// Its first output artifact's name.
    pub artifact: Option<String>,
    /// The namespace its variables are read under (`#{Namespace.VersionId}`).
    pub namespace: Option<String>,
    /// The bucket an S3 source reads (`Configuration.S3Bucket`).
    pub bucket: Option<Value>,
}

fn pipelines(template: &Template) -> impl Iterator<Item = &serde_norway::Mapping> {
    template
        .resources()
        .filter(|r| r.type_name == Some("AWS::CodePipeline::Pipeline"))
        .filter_map(|r| r.properties)
}

/// The first source action of the template's pipelines.
pub fn source_action(template: &Template) -> Option<SourceAction> {
    let mut found = None;
    for properties in pipelines(template) {
        let Some(stages) = properties.get("Stages") else {
            continue;
        };
        walk(stages, &mut |value| {
            let category = value
                .get("ActionTypeId")
                .and_then(|id| id.get("Category"))
                .and_then(literal_string);
            if found.is_some() || category != Some("Source") {
                return;
            }
            found = Some(SourceAction {
                artifact: value
                    .get("OutputArtifacts")
                    .and_then(Value::as_sequence)
                    .and_then(|outputs| outputs.first()?.get("Name").and_then(literal_string))
                    .map(String::from),
                namespace: value
                    .get("Namespace")
                    .and_then(literal_string)
                    .map(String::from),
                bucket: value
                    .get("Configuration")
                    .and_then(|c| c.get("S3Bucket"))
                    .cloned(),
            });
        });
    }
    found
}

/// The logical id of the role the template's pipeline runs as (`RoleArn: !GetAtt X.Arn`).
pub fn pipeline_role(template: &Template) -> Option<String> {
    named_resource(pipelines(template).find_map(|p| p.get("RoleArn"))?)
}

/// Where the pipeline keeps its artifacts: its (first) artifact store's `Location`, either
/// branch of an `Fn::If` included.
pub fn artifact_location(template: &Template) -> Option<Value> {
    let store = pipelines(template).find_map(|p| p.get("ArtifactStore"))?;
    let mut location = None;
    walk(store, &mut |value| {
        if location.is_none() {
            location = value.get("Location").cloned();
        }
    });
    location
}

#[cfg(test)]
mod tests {
    use super::*;

    const PIPELINE: &str = r#"
Conditions:
  WithHooks: !Equals [!Ref Hooks, "true"]
Resources:
  ThingProject:
    Type: AWS::CodeBuild::Project
    Properties:
      Environment:
        EnvironmentVariables:
          - Name: RESOURCE_PATH
            Type: PLAINTEXT
            Value: resources/Thing
  Pipeline:
    Type: AWS::CodePipeline::Pipeline
    Properties:
      Stages:
        - Name: Source
          Actions:
            - Name: GitHub
              ActionTypeId: {Category: Source, Owner: AWS, Provider: CodeStarSourceConnection, Version: "1"}
        - Name: Build
          Actions:
            - Name: Thing
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration:
                ProjectName: !Ref ThingProject
            - Name: Other
              ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
              Configuration:
                ProjectName: !Ref ThingProject
                EnvironmentVariables: |-
                  [{"name": "RESOURCE_PATH", "type": "PLAINTEXT", "value": "resources/Other"}]
            - !If
              - WithHooks
              - Name: Hook
                ActionTypeId: {Category: Build, Owner: AWS, Provider: CodeBuild, Version: "1"}
                Configuration:
                  ProjectName: !Ref ThingProject
                  EnvironmentVariables: !Sub '[{"name":"HOOK_PATH","type":"PLAINTEXT","value":"S3_Check"}]'
              - !Ref AWS::NoValue
"#;

    #[test]
    fn finds_actions_from_projects_json_strings_and_conditions() {
        let actions = build_actions(&Template::parse(PIPELINE).unwrap());
        let found: Vec<(&str, &str, &str)> = actions
            .iter()
            .map(|a| (a.name.as_str(), a.variable.as_str(), a.path.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("Thing", "RESOURCE_PATH", "resources/Thing"),
                ("Other", "RESOURCE_PATH", "resources/Other"),
                ("Hook", "HOOK_PATH", "S3_Check"),
            ]
        );
        assert!(actions.iter().all(|a| a.stage.as_deref() == Some("Build")));
        assert!(actions[0].tests_folder("resources/Thing"));
        assert!(!actions[0].tests_folder("resources/Thing2"));
        assert!(actions[2].tests_folder("hooks/S3_Check"));
        assert!(!actions[2].tests_folder("hooks/XS3_Check"));
    }
}
