//! An extension's resource schema: properties, required, readOnly / createOnly lists, handler permissions.

use std::collections::BTreeMap;

use serde_json::Value;

use super::ParseProblem;

/// The parts of a resource schema that regship's checks and scaffolds use.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    pub type_name: String,
    /// Top-level properties and their JSON schemas.
    pub properties: BTreeMap<String, Value>,
    pub required: Vec<String>,
    /// JSON pointers, e.g. `/properties/Arn`.
    pub read_only: Vec<String>,
    pub create_only: Vec<String>,
    pub write_only: Vec<String>,
    pub primary_identifier: Vec<String>,
    /// `handlers.<action>.permissions`.
    pub handler_permissions: BTreeMap<String, Vec<String>>,
    /// The whole document, for `$ref` lookups.
    pub document: Value,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    value
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

/// Parses JSON text into a value, with the line of any syntax error.
pub fn parse_json(text: &str) -> Result<Value, ParseProblem> {
    if text.trim().is_empty() {
        return Err(ParseProblem::new("the file is empty"));
    }
    serde_json::from_str(text).map_err(|err| ParseProblem {
        message: format!(
            "invalid JSON: {}",
            err.to_string()
                .split(" at line ")
                .next()
                .unwrap_or_default()
        ),
        line: Some(err.line() as u32),
    })
}

impl Schema {
    pub fn parse(text: &str) -> Result<Schema, ParseProblem> {
        let document = parse_json(text)?;
        let Some(object) = document.as_object() else {
            return Err(ParseProblem::new("the schema is not a JSON object"));
        };
        let type_name = object
            .get("typeName")
            .and_then(Value::as_str)
            .ok_or_else(|| ParseProblem::new("the schema has no string `typeName`"))?
            .to_string();
        let properties = match object.get("properties") {
            None => BTreeMap::new(),
            Some(Value::Object(properties)) => properties
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            Some(_) => return Err(ParseProblem::new("`properties` is not a JSON object")),
        };
        let handler_permissions = object
            .get("handlers")
            .and_then(Value::as_object)
            .map(|handlers| {
                handlers
                    .iter()
                    .map(|(action, handler)| (action.clone(), strings(handler.get("permissions"))))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Schema {
            type_name,
            properties,
            required: strings(object.get("required")),
            read_only: strings(object.get("readOnlyProperties")),
            create_only: strings(object.get("createOnlyProperties")),
            write_only: strings(object.get("writeOnlyProperties")),
            primary_identifier: strings(object.get("primaryIdentifier")),
            handler_permissions,
            document,
        })
    }
}

/// The property path a schema pointer names (`/properties/A/B` -> `["A", "B"]`), if it names one.
pub fn property_path(pointer: &str) -> Option<Vec<&str>> {
    let rest = pointer.strip_prefix("/properties/")?;
    Some(
        rest.split('/')
            .filter(|segment| !segment.is_empty() && *segment != "*")
            .collect(),
    )
}

/// The value at a property path in an input object, walking objects only.
pub fn value_at<'a>(input: &'a Value, path: &[&str]) -> Option<&'a Value> {
    path.iter()
        .try_fold(input, |value, segment| value.as_object()?.get(*segment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_lists_and_permissions() {
        let schema = Schema::parse(
            r#"{"typeName": "A::B::C", "properties": {"Name": {"type": "string"}, "Arn": {"type": "string"}},
                "required": ["Name"], "readOnlyProperties": ["/properties/Arn"],
                "createOnlyProperties": ["/properties/Name"], "primaryIdentifier": ["/properties/Name"],
                "handlers": {"create": {"permissions": ["s3:CreateBucket"]}, "delete": {}}}"#,
        )
        .unwrap();
        assert_eq!(schema.type_name, "A::B::C");
        assert_eq!(
            schema.properties.keys().collect::<Vec<_>>(),
            ["Arn", "Name"]
        );
        assert_eq!(schema.required, ["Name"]);
        assert_eq!(schema.read_only, ["/properties/Arn"]);
        assert_eq!(schema.create_only, ["/properties/Name"]);
        assert_eq!(schema.handler_permissions["create"], ["s3:CreateBucket"]);
        assert!(schema.handler_permissions["delete"].is_empty());
    }

    #[test]
    fn broken_schemas_are_problems() {
        assert!(Schema::parse("").is_err());
        assert_eq!(
            Schema::parse("{\n\"typeName\": ").unwrap_err().line,
            Some(2)
        );
        assert!(Schema::parse("[]").is_err());
        assert!(
            Schema::parse(r#"{"properties": {}}"#)
                .unwrap_err()
                .message
                .contains("typeName")
        );
        assert!(Schema::parse(r#"{"typeName": "A::B::C", "properties": []}"#).is_err());
    }

    #[test]
    fn pointers_and_paths() {
        assert_eq!(property_path("/properties/A/B"), Some(vec!["A", "B"]));
        assert_eq!(
            property_path("/properties/Tags/*/Key"),
            Some(vec!["Tags", "Key"])
        );
        assert_eq!(property_path("/definitions/X"), None);
        let input: Value = serde_json::json!({"A": {"B": 1}});
        assert_eq!(value_at(&input, &["A", "B"]), Some(&Value::from(1)));
        assert_eq!(value_at(&input, &["A", "C"]), None);
    }
}
