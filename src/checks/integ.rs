//! Integ rules: `test/integ.*` must exist, stand alone, and run many times in one account.

use serde_norway::Value;

use super::{ExtensionFindings, Finding};
use crate::config::Maturity;
use crate::workspace::files::{line_containing, line_of_key};
use crate::workspace::permissions::ROLE_BOUNDARY_PARAMETER;
use crate::workspace::schema::property_path;
use crate::workspace::template::Template;
use crate::workspace::template::{intrinsic, literal_string, walk};
use crate::workspace::{ArtifactType, Loaded};

pub const RULES: &[(&str, &str)] = &[
    (
        "ITG001",
        "test/integ is missing (an error for prod maturity, a warning for alpha)",
    ),
    ("ITG002", "test/integ cannot be parsed"),
    ("ITG003", "a hard-coded physical name in test/integ"),
    (
        "ITG004",
        "test/integ imports setup exports (Fn::ImportValue): it must stand alone",
    ),
    ("ITG005", "test/integ does not use the extension's own type"),
    (
        "ITG006",
        "test/integ creates an IAM role or user without the beta kit's permissions boundary",
    ),
];

/// Properties of AWS types that set a physical name: two stacks with the same literal collide.
const PHYSICAL_NAME_PROPERTIES: &[&str] = &[
    "BucketName",
    "TableName",
    "RoleName",
    "FunctionName",
    "QueueName",
    "TopicName",
    "ClusterName",
    "RepositoryName",
    "LogGroupName",
    "StackName",
    "StateMachineName",
    "UserName",
    "GroupName",
    "ManagedPolicyName",
    "InstanceProfileName",
    "SecretName",
    "DBInstanceIdentifier",
    "DBClusterIdentifier",
    "KeyName",
    "AliasName",
    "RuleName",
    "EventBusName",
    "ApiName",
    "DomainName",
    "DeliveryStreamName",
    "StreamName",
    "ProjectName",
    "PipelineName",
    "AlarmName",
    "DashboardName",
    "ServiceName",
    "LoadBalancerName",
    "TargetGroupName",
    "FileSystemName",
    "WorkGroupName",
];

pub fn check(sink: &mut ExtensionFindings) {
    let extension = sink.extension;
    if extension.integ.is_empty() {
        let wanted = match extension.artifact_type() {
            ArtifactType::Hook => "test/integ-succeed.yml",
            _ => "test/integ.yml",
        };
        let finding = match extension.maturity {
            Maturity::Prod => Finding::error(
                "ITG001",
                &extension.folder,
                format!("{wanted} is missing: the beta account cannot test this extension"),
            ),
            Maturity::Alpha => Finding::warning(
                "ITG001",
                &extension.folder,
                format!("{wanted} is missing (alpha: not fatal)"),
            ),
        };
        // `regship scaffold integ` writes resource templates only.
        let hint = match extension.artifact_type() {
            ArtifactType::Resource => format!("create {wanted}: a standalone template that exercises the extension (`regship scaffold integ {}`)", extension.folder),
            ArtifactType::Hook => "create test/integ-succeed.yml (a template the hook lets through) and test/integ-fail.yml (one it stops)".into(),
            ArtifactType::Module => format!("create {wanted}: a standalone template that uses the module like a resource (Type: {})", extension.type_name().unwrap_or("Namespace::Service::Thing::MODULE")),
        };
        sink.push(finding.hint(hint));
        return;
    }
    // The extension's own createOnly `*Name` properties are physical names too.
    let own_names: Vec<String> = extension
        .schema
        .as_ref()
        .and_then(|s| s.ok())
        .map(|schema| {
            schema
                .create_only
                .iter()
                .filter_map(|pointer| property_path(pointer))
                .filter(|path| path.len() == 1 && path[0].ends_with("Name"))
                .map(|path| path[0].to_string())
                .collect()
        })
        .unwrap_or_default();
    let own_type = extension.type_name().map(String::from);
    for integ in &extension.integ {
        let Some(template) = sink.template("ITG002", "the integ template", integ) else {
            continue;
        };
        let mut uses_own_type = false;
        for resource in template.resources() {
            let is_own = resource.type_name.is_some() && resource.type_name == own_type.as_deref();
            uses_own_type |= is_own;
            let Some(properties) = resource.properties else {
                continue;
            };
            for (key, value) in properties {
                let Some(key) = key.as_str() else { continue };
                let physical = PHYSICAL_NAME_PROPERTIES.contains(&key)
                    || (is_own && own_names.iter().any(|n| n == key));
                if !physical {
                    continue;
                }
                if let Some(literal) = literal_string(value) {
                    sink.push(
                        Finding::error(
                            "ITG003",
                            &integ.path,
                            format!("{}.{key} is the literal `{literal}`: two integ stacks in one account would collide", resource.logical_id),
                        )
                        .line(line_of_key(&integ.text, key))
                        .hint(format!("leave {key} out, or derive it: !Sub \"${{AWS::StackName}}-{}\"", resource.logical_id.to_lowercase())),
                    );
                }
            }
        }
        check_boundaries(
            sink,
            &BoundaryRule {
                code: "ITG006",
                build: "the beta build role",
                given_by: "regship integ in the beta account",
            },
            integ,
            template,
        );
        let mut imports: Vec<String> = Vec::new();
        walk(&template.root, &mut |value| {
            if let Some(("Fn::ImportValue", argument)) = intrinsic(value) {
                imports.push(match argument {
                    Value::String(name) => name.clone(),
                    _ => "(computed name)".to_string(),
                });
            }
        });
        for name in imports {
            sink.push(
                Finding::error(
                    "ITG004",
                    &integ.path,
                    format!("imports `{name}`: integ must not depend on setup or other stacks"),
                )
                .line(line_containing(&integ.text, "ImportValue"))
                .hint("create what the test needs inside the integ template itself"),
            );
        }
        if !uses_own_type
            && extension.artifact_type() == ArtifactType::Resource
            && let Some(own_type) = &own_type
        {
            sink.push(
                Finding::warning("ITG005", &integ.path, format!("no resource of type {own_type}: this template does not exercise the extension"))
                    .hint(format!("add a resource with Type: {own_type} and its required properties")),
            );
        }
    }
}

/// Where a template's roles get their permissions boundary from, for the messages.
pub(super) struct BoundaryRule {
    pub code: &'static str,
    /// The build role that refuses a role without it.
    pub build: &'static str,
    /// Who gives the parameter its value.
    pub given_by: &'static str,
}

/// Roles and users the job's stacks create carry the boundary passed as `RoleBoundary`: the build
/// role may create one, or set what it may do, only under the kit's boundary.
pub(super) fn check_boundaries(
    sink: &mut ExtensionFindings,
    rule: &BoundaryRule,
    loaded: &Loaded<Template>,
    template: &Template,
) {
    let declared = template
        .root
        .get("Parameters")
        .and_then(|p| p.get(ROLE_BOUNDARY_PARAMETER))
        .is_some();
    for resource in template.resources() {
        if !matches!(
            resource.type_name,
            Some("AWS::IAM::Role" | "AWS::IAM::User")
        ) {
            continue;
        }
        let bounded = resource
            .properties
            .and_then(|p| p.get("PermissionsBoundary"))
            .is_some();
        if bounded && declared {
            continue;
        }
        let problem = if bounded {
            format!(
                "declares no `{ROLE_BOUNDARY_PARAMETER}` parameter, so {} cannot give {} the kit's boundary",
                rule.given_by, resource.logical_id
            )
        } else {
            format!(
                "{} has no PermissionsBoundary: {} creates roles and users only under the kit's boundary, so it would be refused",
                resource.logical_id, rule.build
            )
        };
        sink.push(
            Finding::warning(rule.code, &loaded.path, problem)
                .line(line_of_key(&loaded.text, resource.logical_id))
                .hint(format!(
                    "declare a `{ROLE_BOUNDARY_PARAMETER}` parameter (Type: String, Default: \"\"), a condition `HasRoleBoundary: !Not [!Equals [!Ref {ROLE_BOUNDARY_PARAMETER}, \"\"]]` and give {} `PermissionsBoundary: !If [HasRoleBoundary, !Ref {ROLE_BOUNDARY_PARAMETER}, !Ref AWS::NoValue]` ({} sets it)",
                    resource.logical_id, rule.given_by
                )),
        );
    }
}
