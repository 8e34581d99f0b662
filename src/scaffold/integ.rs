//! `regship scaffold integ`: a standalone test/integ.yml that creates what the type needs and
//! uses it with its required properties, without hard-coded names.

use serde_json::Value;

use super::Plan;
use super::prerequisites::{boundary_header, for_property, names_another_resource};
use super::values::valid;
use crate::workspace::schema::property_path;
use crate::workspace::{ArtifactType, Extension};

/// Plans test/integ.yml (hooks: test/integ-succeed.yml is not derived; it is refused).
pub fn plan_integ(extension: &Extension) -> Result<Plan, String> {
    if extension.artifact_type() != ArtifactType::Resource {
        return Err(format!(
            "{} is a {}: scaffold integ writes resource integ templates",
            extension.folder,
            extension.artifact_type()
        ));
    }
    let schema = extension
        .schema
        .as_ref()
        .and_then(|s| s.ok())
        .ok_or_else(|| format!("{} has no usable schema", extension.folder))?;
    let read_only: Vec<&str> = schema
        .read_only
        .iter()
        .filter_map(|p| property_path(p))
        .filter(|p| p.len() == 1)
        .map(|p| p[0])
        .collect();
    let mut prerequisites = Vec::new();
    let mut properties = String::new();
    for name in &schema.required {
        let Some(property) = schema.properties.get(name) else {
            continue;
        };
        if read_only.contains(&name.as_str()) {
            continue;
        }
        let value = if names_another_resource(name)
            && matches!(
                property.get("type").and_then(Value::as_str),
                Some("string") | None
            ) {
            let prerequisite = for_property(name);
            let value = prerequisite.value.clone();
            prerequisites.push(prerequisite);
            value
        } else if name.ends_with("Name")
            && property.get("type").and_then(Value::as_str) == Some("string")
        {
            format!("!Sub \"${{AWS::StackName}}-{}\"", name.to_lowercase())
        } else {
            serde_json::to_string(&valid(&schema.document, property, name))
                .unwrap_or_else(|_| "\"\"".into())
        };
        properties.push_str(&format!("      {name}: {value}\n"));
    }
    let properties = if properties.is_empty() {
        String::new()
    } else {
        format!("    Properties:\n{properties}")
    };
    let type_name = &schema.type_name;
    let logical_id: String = type_name
        .rsplit("::")
        .next()
        .unwrap_or("Resource")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    let header = boundary_header(&prerequisites);
    let resources: String = prerequisites.iter().map(|p| p.resource.as_str()).collect();
    let text = format!(
        "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: >\n  Integration test of {type_name}: stands alone (no setup exports) and uses no\n  hard-coded names, so that several copies can run in one account.\n\n{header}Resources:\n{resources}  {logical_id}:\n    Type: {type_name}\n{properties}"
    );
    let mut plan = Plan::default();
    plan.write(
        extension.dir.join("test/integ.yml"),
        format!("{}/test/integ.yml", extension.folder),
        text,
    );
    Ok(plan)
}
