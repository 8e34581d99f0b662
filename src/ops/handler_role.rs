//! A prod extension's handler role: one role for every region (IAM is global), deployed in the
//! home region as the stack `<type-name-with-dashes-lowercase>-prod-role-stack` (the community
//! monorepo's name) from the role template `cfn generate` writes (`resource-role.yaml`,
//! `hook-role.yaml`). That template pins its trust to `${AWS::Region}`; the region-free trust is
//! derived when deploying, never edited into the file, which `cfn generate` rewrites.

use std::time::Duration;

use serde_norway::{Mapping, Value};

use crate::cloud::StackTemplate;
use crate::cloud::guard::Authorization;
use crate::cloud::status::{is_success, is_terminal};
use crate::cloud::{Cloud, CloudError, CloudErrorKind, TemplateSource};
use crate::workspace::permissions::{beta_handler_role, glob_matches};
use crate::workspace::template::Template;
use crate::workspace::{ArtifactType, Extension};

/// `AwsCommunity::S3::DeleteBucketContents` -> `awscommunity-s3-deletebucketcontents`, as the
/// cloudformation-cli names what it creates (IAM matches ARNs case-sensitively).
pub fn lowercase_name(type_name: &str) -> String {
    type_name.replace("::", "-").to_ascii_lowercase()
}

/// The handler role's stack.
pub fn role_stack(type_name: &str) -> String {
    format!("{}-prod-role-stack", lowercase_name(type_name))
}

/// The handler role's stack in the beta account: the name `cfn submit` itself would give it.
pub fn beta_role_stack(type_name: &str) -> String {
    format!("{}-role-stack", lowercase_name(type_name))
}

/// The setup stack the publish document deploys in each region.
pub fn setup_stack(type_name: &str) -> String {
    format!("setup-prod-{}", lowercase_name(type_name))
}

/// The role template of `extension`; `None` for a module, which has no handlers.
pub fn role_template(extension: &Extension) -> Option<std::path::PathBuf> {
    let file = match extension.artifact_type() {
        ArtifactType::Resource => "resource-role.yaml",
        ArtifactType::Hook => "hook-role.yaml",
        ArtifactType::Module => return None,
    };
    Some(extension.dir.join(file))
}

fn invalid(message: String) -> CloudError {
    CloudError::new(
        CloudErrorKind::Invalid,
        message,
        "run `cfn generate` in the extension's folder to write its role template again",
    )
}

/// The `aws:SourceArn` conditions of every trust statement in `root`, mutably.
fn source_arn_conditions(root: &mut Value, visit: &mut dyn FnMut(&mut Mapping, Value)) {
    let Some(resources) = root.get_mut("Resources").and_then(Value::as_mapping_mut) else {
        return;
    };
    for (_, resource) in resources.iter_mut() {
        let Some(statements) = resource
            .get_mut("Properties")
            .and_then(|p| p.get_mut("AssumeRolePolicyDocument"))
            .and_then(|d| d.get_mut("Statement"))
            .and_then(Value::as_sequence_mut)
        else {
            continue;
        };
        for statement in statements {
            let Some(condition) = statement
                .get_mut("Condition")
                .and_then(Value::as_mapping_mut)
            else {
                continue;
            };
            let operators: Vec<Value> = condition.keys().cloned().collect();
            for operator in operators {
                visit(condition, operator);
            }
        }
    }
}

/// `text` with `${AWS::Region}` in a string or a `Fn::Sub` (either form) replaced by `*`;
/// whether it was there.
fn widen(value: &mut Value) -> bool {
    match value {
        Value::String(text) if text.contains("${AWS::Region}") => {
            *text = text.replace("${AWS::Region}", "*");
            true
        }
        Value::Mapping(map) => map
            .iter_mut()
            .filter(|(key, _)| key.as_str() == Some("Fn::Sub"))
            .any(|(_, argument)| widen_sub(argument)),
        Value::Tagged(tagged) if tagged.tag == "Sub" => widen_sub(&mut tagged.value),
        _ => false,
    }
}

/// A `Fn::Sub` argument: its string, or the string of `[string, variables]`.
fn widen_sub(argument: &mut Value) -> bool {
    match argument {
        Value::Sequence(items) => items.first_mut().is_some_and(widen),
        other => widen(other),
    }
}

/// The role template with a trust that admits every region: each `aws:SourceArn` that names
/// `${AWS::Region}` names `*` instead, under `StringLike`/`ArnLike` (an equality would not
/// match a wildcard).
pub fn region_free(text: &str) -> Result<String, String> {
    let template = Template::parse(text).map_err(|problem| problem.message)?;
    let mut root = template.root;
    let mut widened = 0;
    source_arn_conditions(&mut root, &mut |condition, operator| {
        let like = match operator.as_str() {
            Some("StringEquals") => "StringLike",
            Some("ArnEquals") => "ArnLike",
            _ => operator.as_str().unwrap_or_default(),
        };
        let Some(keys) = condition.get_mut(&operator).and_then(Value::as_mapping_mut) else {
            return;
        };
        let Some(mut arn) = keys.remove("aws:SourceArn") else {
            return;
        };
        if !widen(&mut arn) {
            keys.insert("aws:SourceArn".into(), arn);
            return;
        }
        widened += 1;
        if keys.is_empty() {
            condition.remove(&operator);
        }
        let target = condition
            .entry(Value::String(like.to_string()))
            .or_insert_with(|| Value::Mapping(Mapping::new()));
        if let Some(target) = target.as_mapping_mut() {
            target.insert("aws:SourceArn".into(), arn);
        }
    });
    if widened == 0 && text.contains("${AWS::Region}") {
        return Err("its trust names ${AWS::Region} where regship does not look (Resources.*.Properties.AssumeRolePolicyDocument.Statement[].Condition.*.aws:SourceArn)".into());
    }
    serde_json::to_string_pretty(&json(&root)).map_err(|err| err.to_string())
}

/// The template as JSON, short-form tags in their long form (`!Sub x` -> `{"Fn::Sub": x}`,
/// `!Ref x` -> `{"Ref": x}`, `!GetAtt a.b` and `Fn::GetAtt: a.b` -> `{"Fn::GetAtt": ["a",
/// "b"]}`): written back as
/// YAML, a value such as `2010-09-09` loses its quotes and reads as a date to YAML 1.1 parsers.
fn json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(serde_json::Value::Null),
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Sequence(items) => serde_json::Value::Array(items.iter().map(json).collect()),
        Value::Mapping(map) => serde_json::Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let key = match key {
                        Value::String(s) => s.clone(),
                        other => serde_norway::to_string(other)
                            .unwrap_or_default()
                            .trim()
                            .to_string(),
                    };
                    // `Fn::GetAtt: a.b` (as `cfn generate` writes it): the list form, which
                    // every reader takes.
                    let value = match (key.as_str(), value) {
                        ("Fn::GetAtt", Value::String(path)) => match path.split_once('.') {
                            Some((resource, attribute)) => serde_json::json!([resource, attribute]),
                            None => json(value),
                        },
                        _ => json(value),
                    };
                    (key, value)
                })
                .collect(),
        ),
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let tag = tag.trim_start_matches('!');
            let argument = match (tag, &tagged.value) {
                ("GetAtt", Value::String(path)) => match path.split_once('.') {
                    Some((resource, attribute)) => serde_json::json!([resource, attribute]),
                    None => json(&tagged.value),
                },
                _ => json(&tagged.value),
            };
            let name = if tag == "Ref" || tag == "Condition" {
                tag.to_string()
            } else {
                format!("Fn::{tag}")
            };
            serde_json::json!({ name: argument })
        }
    }
}

/// The regions whose type ARN the deployed trust of `text` does not admit, for the account
/// `account` in `partition` (every `aws:SourceArn` pattern, with `${AWS::Partition}` and
/// `${AWS::AccountId}` resolved, must match the ARN of a version of the type in the region).
pub fn regions_not_admitted(
    text: &str,
    (partition, account): (&str, &str),
    extension: &Extension,
    regions: &[String],
) -> Result<Vec<String>, String> {
    let template = Template::parse(text).map_err(|problem| problem.message)?;
    let mut root = template.root;
    let mut patterns = Vec::new();
    source_arn_conditions(&mut root, &mut |condition, operator| {
        if let Some(arn) = condition
            .get(&operator)
            .and_then(|keys| keys.get("aws:SourceArn"))
        {
            let text = match arn {
                Value::String(text) => Some(text.clone()),
                Value::Mapping(map) => map.get("Fn::Sub").and_then(|s| match s {
                    Value::Sequence(items) => items.first()?.as_str().map(String::from),
                    other => other.as_str().map(String::from),
                }),
                Value::Tagged(tagged) => tagged.value.as_str().map(String::from),
                _ => None,
            };
            patterns.extend(text);
        }
    });
    let kind = extension.artifact_type().to_string().to_ascii_lowercase();
    let name = extension.type_name().unwrap_or_default().replace("::", "-");
    Ok(regions
        .iter()
        .filter(|region| {
            let arn = format!(
                "arn:{partition}:cloudformation:{region}:{account}:type/{kind}/{name}/00000001"
            );
            !patterns.iter().all(|pattern| {
                let pattern = pattern
                    .replace("${AWS::Partition}", partition)
                    .replace("${AWS::AccountId}", account)
                    .replace("${AWS::Region}", "(this region only)");
                glob_matches(&pattern, &arn, false)
            })
        })
        .cloned()
        .collect())
}

/// The role template with each role named `name` and carrying the permissions boundary
/// `boundary` (the beta kit's for this extension), as JSON.
pub fn bounded(text: &str, name: &str, boundary: &str) -> Result<String, String> {
    let template = Template::parse(text).map_err(|problem| problem.message)?;
    let mut root = template.root;
    let mut roles = 0;
    if let Some(resources) = root.get_mut("Resources").and_then(Value::as_mapping_mut) {
        for (_, resource) in resources.iter_mut() {
            if resource.get("Type").and_then(Value::as_str) != Some("AWS::IAM::Role") {
                continue;
            }
            let Some(properties) = resource
                .get_mut("Properties")
                .and_then(Value::as_mapping_mut)
            else {
                continue;
            };
            roles += 1;
            properties.insert("RoleName".into(), name.into());
            properties.insert("PermissionsBoundary".into(), boundary.into());
        }
    }
    if roles != 1 {
        return Err(format!(
            "it declares {roles} roles where regship expects the one handler role"
        ));
    }
    serde_json::to_string_pretty(&json(&root)).map_err(|err| err.to_string())
}

/// Creates or updates the handler role's stack from the extension's role template, with the
/// region-free trust, and waits for it; the role's ARN (its `ExecutionRoleArn` output). `None`
/// for a module.
pub async fn deploy(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    extension: &Extension,
    poll_every: Duration,
) -> Result<Option<String>, CloudError> {
    let stack = role_stack(extension.type_name().unwrap_or_default());
    deploy_derived(
        cloud,
        authorization,
        extension,
        &stack,
        region_free,
        poll_every,
    )
    .await
}

/// In the beta account: creates or updates the handler role's stack (`cfn submit`'s name for
/// it) from the extension's role template, the role named and bounded by the beta kit (the
/// build role may set a role's permissions only under that boundary), so that `cfn submit`
/// gets the role instead of making its own; the role's ARN. `None` for a module.
pub async fn deploy_beta(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    extension: &Extension,
    poll_every: Duration,
) -> Result<Option<String>, CloudError> {
    let type_name = extension.type_name().unwrap_or_default();
    let name = beta_handler_role(type_name);
    let boundary = authorization.policy_arn(&name);
    let derive = |text: &str| bounded(text, &name, &boundary);
    let stack = beta_role_stack(type_name);
    deploy_derived(cloud, authorization, extension, &stack, derive, poll_every).await
}

/// Creates or updates `stack` from the template `derive` makes of the extension's role template,
/// waits for it, and returns its `ExecutionRoleArn` output; `None` for a module (no role).
async fn deploy_derived(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    extension: &Extension,
    stack: &str,
    derive: impl FnOnce(&str) -> Result<String, String>,
    poll_every: Duration,
) -> Result<Option<String>, CloudError> {
    let Some(path) = role_template(extension) else {
        return Ok(None);
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|err| invalid(format!("{}: {err}", path.display())))?;
    let template = derive(&text).map_err(|err| invalid(format!("{}: {err}", path.display())))?;
    let source = TemplateSource::Body(template);
    match cloud.describe_stack(stack).await? {
        None => {
            cloud
                .create_stack(authorization, &StackTemplate::bare(stack, &source), &[])
                .await?;
        }
        Some(found) if !is_terminal(&found.status) => {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("{stack} is {} in {}", found.status, cloud.region()),
                "wait for it to end, then try again",
            ));
        }
        Some(_) => {
            cloud
                .update_stack(authorization, &StackTemplate::bare(stack, &source))
                .await?;
        }
    }
    let stack_now = loop {
        match cloud.describe_stack(stack).await? {
            Some(found) if is_terminal(&found.status) => break found,
            Some(_) => tokio::time::sleep(poll_every).await,
            None => {
                return Err(CloudError::new(
                    CloudErrorKind::NotFound,
                    format!("{stack} is gone from {}", cloud.region()),
                    "its creation failed and was rolled back: see `regship events` on it",
                ));
            }
        }
    };
    if !is_success(&stack_now.status) {
        return Err(CloudError::new(
            CloudErrorKind::Invalid,
            format!(
                "{stack} ended {}{}",
                stack_now.status,
                stack_now
                    .reason
                    .map(|r| format!(": {r}"))
                    .unwrap_or_default()
            ),
            format!(
                "`regship events {stack} --stage {}` shows why",
                authorization.stage()
            ),
        ));
    }
    stack_now
        .outputs
        .iter()
        .find(|output| output.key == "ExecutionRoleArn")
        .map(|output| Some(output.value.clone()))
        .ok_or_else(|| {
            invalid(format!(
                "{stack} has no output ExecutionRoleArn ({} should declare it)",
                path.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::workspace::Workspace;

    fn example() -> (Extension, String) {
        let workspace = Workspace::load(Path::new(env!("CARGO_MANIFEST_DIR")));
        let extension = workspace
            .find_extension("AwsCommunity::S3::DeleteBucketContents")
            .unwrap()
            .clone();
        let text = std::fs::read_to_string(role_template(&extension).unwrap()).unwrap();
        (extension, text)
    }

    /// The demo's 26 publishing regions.
    fn demo_regions() -> Vec<String> {
        "us-east-1 us-east-2 us-west-1 us-west-2 af-south-1 ap-east-1 ap-south-1 ap-south-2 \
         ap-northeast-1 ap-northeast-2 ap-northeast-3 ap-southeast-1 ap-southeast-2 \
         ap-southeast-3 ap-southeast-4 ca-central-1 eu-central-1 eu-central-2 eu-west-1 \
         eu-west-2 eu-west-3 eu-north-1 eu-south-1 eu-south-2 me-central-1 sa-east-1"
            .split_whitespace()
            .map(String::from)
            .collect()
    }

    #[test]
    fn the_derived_trust_admits_every_publishing_region_and_the_file_only_its_own() {
        let (extension, text) = example();
        let regions = demo_regions();
        assert_eq!(regions.len(), 26);
        let account = ("aws", "444444444444");
        let pinned = regions_not_admitted(&text, account, &extension, &regions).unwrap();
        assert_eq!(pinned.len(), 26, "the generated file pins its own region");
        let widened = region_free(&text).unwrap();
        assert!(!widened.contains("${AWS::Region}"), "{widened}");
        let missing = regions_not_admitted(&widened, account, &extension, &regions).unwrap();
        assert!(missing.is_empty(), "{missing:?}");
        // Only the region was widened: the account and the type stay pinned.
        assert!(
            widened
                .contains("${AWS::AccountId}:type/resource/AwsCommunity-S3-DeleteBucketContents/*")
        );
    }

    #[test]
    fn an_equality_on_the_region_becomes_a_like_and_short_forms_are_read() {
        let text = "Resources:\n  ExecutionRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Statement:\n          - Effect: Allow\n            Principal: {Service: hooks.cloudformation.amazonaws.com}\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals:\n                aws:SourceAccount: !Ref AWS::AccountId\n                aws:SourceArn: !Sub arn:${AWS::Partition}:cloudformation:${AWS::Region}:${AWS::AccountId}:type/hook/A-B-C/*\n";
        let widened = region_free(text).unwrap();
        let root: serde_json::Value = serde_json::from_str(&widened).unwrap();
        let condition = &root["Resources"]["ExecutionRole"]["Properties"]["AssumeRolePolicyDocument"]
            ["Statement"][0]["Condition"];
        assert_eq!(
            condition["StringEquals"]["aws:SourceAccount"],
            serde_json::json!({"Ref": "AWS::AccountId"})
        );
        assert!(condition["StringEquals"].get("aws:SourceArn").is_none());
        let like = condition["StringLike"]["aws:SourceArn"]["Fn::Sub"]
            .as_str()
            .unwrap();
        assert!(like.contains(":cloudformation:*:"), "{like}");
    }

    /// The beta role template: the one role named and bounded, the rest as written.
    #[test]
    fn the_beta_role_is_named_and_bounded() {
        let (_, text) = example();
        let boundary = "arn:aws:iam::1:policy/regship-handler-x";
        let derived: serde_json::Value =
            serde_json::from_str(&bounded(&text, "regship-handler-x", boundary).unwrap()).unwrap();
        let role = &derived["Resources"]["ExecutionRole"]["Properties"];
        assert_eq!(role["RoleName"], "regship-handler-x");
        assert_eq!(role["PermissionsBoundary"], boundary);
        assert_eq!(role["MaxSessionDuration"], 8400);
        assert_eq!(
            derived["Outputs"]["ExecutionRoleArn"]["Value"],
            serde_json::json!({"Fn::GetAtt": ["ExecutionRole", "Arn"]})
        );
        let two = text.replace(
            "Outputs:",
            "  Second:\n    Type: AWS::IAM::Role\n    Properties: {}\nOutputs:",
        );
        assert!(
            bounded(&two, "n", boundary)
                .unwrap_err()
                .contains("2 roles")
        );
    }

    #[test]
    fn names_are_lowercase_as_the_cli_makes_them() {
        let name = "AwsCommunity::S3::DeleteBucketContents";
        assert_eq!(
            role_stack(name),
            "awscommunity-s3-deletebucketcontents-prod-role-stack"
        );
        assert_eq!(
            setup_stack(name),
            "setup-prod-awscommunity-s3-deletebucketcontents"
        );
    }
}
