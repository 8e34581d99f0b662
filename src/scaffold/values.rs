//! Example values from a JSON schema: valid ones for create and update inputs, and invalid ones.

use regex_syntax::hir::{Class, Hir, HirKind};
use serde_json::{Map, Value, json};

/// Follows `$ref: #/definitions/X` (and `#/$defs/X`) within `document`.
pub fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    let mut current = schema;
    for _ in 0..16 {
        let Some(reference) = current.get("$ref").and_then(Value::as_str) else {
            break;
        };
        let Some(pointer) = reference.strip_prefix('#') else {
            break;
        };
        match document.pointer(pointer) {
            Some(target) => current = target,
            None => break,
        }
    }
    current
}

/// A string matching a simple regular expression, if one can be built.
pub fn string_matching(pattern: &str) -> Option<String> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let mut out = String::new();
    build(&hir, &mut out)?;
    let regex = regex::Regex::new(pattern).ok()?;
    regex.is_match(&out).then_some(out)
}

fn build(hir: &Hir, out: &mut String) -> Option<()> {
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => Some(()),
        HirKind::Literal(literal) => {
            out.push_str(std::str::from_utf8(&literal.0).ok()?);
            Some(())
        }
        HirKind::Class(Class::Unicode(class)) => {
            let ranges: Vec<(char, char)> = class
                .ranges()
                .iter()
                .map(|r| (r.start(), r.end()))
                .collect();
            out.push(printable_in(&ranges)?);
            Some(())
        }
        HirKind::Class(Class::Bytes(class)) => {
            let ranges: Vec<(char, char)> = class
                .ranges()
                .iter()
                .map(|r| (char::from(r.start()), char::from(r.end())))
                .collect();
            out.push(printable_in(&ranges)?);
            Some(())
        }
        HirKind::Repetition(repetition) => {
            let count = repetition
                .min
                .max(if repetition.max == Some(0) { 0 } else { 1 })
                .min(64);
            for _ in 0..count {
                build(&repetition.sub, out)?;
            }
            Some(())
        }
        HirKind::Capture(capture) => build(&capture.sub, out),
        HirKind::Concat(parts) => parts.iter().try_for_each(|part| build(part, out)),
        HirKind::Alternation(options) => build(options.first()?, out),
    }
}

/// The character a class of `ranges` is best shown by: a letter or digit when it has one, else
/// its first printable character; never a control character (`[^\\s]` starts at NUL).
fn printable_in(ranges: &[(char, char)]) -> Option<char> {
    let within = |c: char| ranges.iter().any(|(start, end)| *start <= c && c <= *end);
    ['a', 'x', '0', 'A']
        .into_iter()
        .find(|c| within(*c))
        .or_else(|| {
            ranges.iter().find_map(|(start, end)| {
                (*start..=*end)
                    .take(256)
                    .find(|c| !c.is_control() && !c.is_whitespace())
            })
        })
        .or_else(|| {
            ranges
                .first()
                .map(|(start, _)| *start)
                .filter(|c| !c.is_control())
        })
}

/// A valid example value for `schema` (resolved against `document`); `hint` names the property.
pub fn valid(document: &Value, schema: &Value, hint: &str) -> Value {
    let schema = resolve(document, schema);
    if let Some(first) = schema
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|v| v.first())
    {
        return first.clone();
    }
    if let Some(constant) = schema.get("const") {
        return constant.clone();
    }
    if let Some(first) = ["oneOf", "anyOf"]
        .iter()
        .find_map(|k| schema.get(*k)?.as_array()?.first())
    {
        return valid(document, first, hint);
    }
    match type_of(schema) {
        "integer" | "number" => {
            let minimum = schema.get("minimum").and_then(Value::as_i64).unwrap_or(1);
            let maximum = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            json!(minimum.max(1).min(maximum))
        }
        "boolean" => json!(true),
        "array" => {
            let minimum = schema
                .get("minItems")
                .and_then(Value::as_u64)
                .unwrap_or(1)
                .max(1);
            let item = schema
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            Value::Array(
                (0..minimum)
                    .map(|n| valid(document, &item, &format!("{hint}{n}")))
                    .collect(),
            )
        }
        "object" => {
            let mut object = Map::new();
            let properties = schema.get("properties").and_then(Value::as_object);
            for name in required(schema) {
                let property = properties
                    .and_then(|p| p.get(&name))
                    .cloned()
                    .unwrap_or(json!({"type": "string"}));
                object.insert(name.clone(), valid(document, &property, &name));
            }
            Value::Object(object)
        }
        _ => json!(valid_string(schema, hint)),
    }
}

fn type_of(schema: &Value) -> &str {
    match schema.get("type") {
        Some(Value::String(kind)) => kind,
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("string"),
        _ if schema.get("properties").is_some() => "object",
        _ => "string",
    }
}

/// The `required` list of an object schema.
pub fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

fn valid_string(schema: &Value, hint: &str) -> String {
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema
        .get("maxLength")
        .and_then(Value::as_u64)
        .map_or(usize::MAX, |m| m as usize);
    let base = match schema.get("pattern").and_then(Value::as_str) {
        Some(pattern) => string_matching(pattern).unwrap_or_else(|| "example".into()),
        None => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => "2024-01-01T00:00:00Z".into(),
            Some("date") => "2024-01-01".into(),
            Some("uri" | "url" | "iri") => "https://example.com/".into(),
            Some("uri-reference" | "iri-reference") => "/example".into(),
            Some("email" | "idn-email") => "dev@example.com".into(),
            Some("ipv4") => "10.0.0.1".into(),
            Some("ipv6") => "2001:db8::1".into(),
            Some("hostname" | "idn-hostname") => "example.com".into(),
            Some("time") => "12:00:00Z".into(),
            Some("uuid") => "00000000-0000-4000-8000-000000000000".into(),
            _ => format!("regship-{}", hint.to_lowercase()),
        },
    };
    let mut text = base;
    let filler = text
        .chars()
        .last()
        .filter(|c| c.is_ascii_alphanumeric())
        .unwrap_or('a');
    while text.chars().count() < min {
        text.push(filler);
    }
    text.chars().take(max.max(min)).collect()
}

/// Another valid value, different from `current` (for an update input), if one can be made.
pub fn changed(document: &Value, schema: &Value, current: &Value, hint: &str) -> Option<Value> {
    let schema = resolve(document, schema);
    if let Some(options) = schema.get("enum").and_then(Value::as_array) {
        return options.iter().find(|o| *o != current).cloned();
    }
    let candidate = match current {
        Value::Bool(flag) => json!(!flag),
        Value::Number(number) => {
            let next = number.as_i64().unwrap_or(0) + 1;
            let maximum = schema
                .get("maximum")
                .and_then(Value::as_i64)
                .unwrap_or(i64::MAX);
            if next > maximum {
                return None;
            }
            json!(next)
        }
        Value::String(_) if schema.get("format").and_then(Value::as_str) == Some("date-time") => {
            json!("2024-01-02T00:00:00Z")
        }
        Value::String(_) if schema.get("format").and_then(Value::as_str) == Some("date") => {
            json!("2024-01-02")
        }
        Value::String(_) if schema.get("format").is_some() => return None,
        Value::String(text) => {
            let max = schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .map_or(usize::MAX, |m| m as usize);
            let pattern = schema
                .get("pattern")
                .and_then(Value::as_str)
                .and_then(|p| regex::Regex::new(p).ok());
            let mut replaced = text.clone();
            let last = replaced.pop().unwrap_or('a');
            replaced.push(if last == 'b' { 'c' } else { 'b' });
            let appended = format!("{text}b");
            let fits = |candidate: &String| {
                candidate.chars().count() <= max
                    && pattern.as_ref().is_none_or(|p| p.is_match(candidate))
            };
            match [appended, replaced]
                .into_iter()
                .find(|candidate| fits(candidate))
            {
                Some(candidate) => json!(candidate),
                None => return None,
            }
        }
        Value::Array(items) => {
            let mut items = items.clone();
            let item_schema = schema
                .get("items")
                .cloned()
                .unwrap_or(json!({"type": "string"}));
            items.push(valid(
                document,
                &item_schema,
                &format!("{hint}{}", items.len()),
            ));
            if schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|max| items.len() as u64 > max)
            {
                return None;
            }
            Value::Array(items)
        }
        _ => return None,
    };
    (candidate != *current).then_some(candidate)
}

/// A value that breaks `schema`: a wrong type, outside the enum, or too long.
pub fn invalid(document: &Value, schema: &Value) -> Value {
    let schema = resolve(document, schema);
    if schema.get("enum").is_some() {
        return json!("NOT_AN_ALLOWED_VALUE");
    }
    match type_of(schema) {
        "string" => json!(12345),
        "boolean" | "integer" | "number" | "array" | "object" => json!("not-a-valid-value"),
        _ => json!(null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_for_simple_patterns() {
        for pattern in [
            "^[a-z0-9][a-z0-9.-]*[a-z0-9]$",
            "^[A-Z]{3,5}[0-9]{8}-[0-9]{4}$",
            "^arn:aws:s3:::.+$",
            "^(foo|bar)-\\d+$",
            "^https://[^\\s]+$",
            "^[^\\x00-\\x1f]+$",
            "^arn:aws[a-zA-Z-]*:iam::\\d{12}:role/[^\\s]+$",
        ] {
            let value = string_matching(pattern).unwrap();
            assert!(
                regex::Regex::new(pattern).unwrap().is_match(&value),
                "{pattern}: {value}"
            );
            assert!(!value.chars().any(char::is_control), "{pattern}: {value:?}");
        }
    }

    #[test]
    fn valid_values_respect_the_schema() {
        let document = json!({"definitions": {"Tag": {"type": "object", "properties": {"Key": {"type": "string", "minLength": 1}, "Value": {"type": "string"}}, "required": ["Key", "Value"]}}});
        assert_eq!(
            valid(
                &document,
                &json!({"type": "string", "minLength": 20, "maxLength": 250}),
                "Title"
            )
            .as_str()
            .unwrap()
            .len(),
            20
        );
        assert_eq!(
            valid(
                &document,
                &json!({"type": "string", "enum": ["A", "B"]}),
                "x"
            ),
            json!("A")
        );
        assert_eq!(
            valid(
                &document,
                &json!({"type": "integer", "minimum": 5, "maximum": 9}),
                "x"
            ),
            json!(5)
        );
        let tags = valid(
            &document,
            &json!({"type": "array", "items": {"$ref": "#/definitions/Tag"}}),
            "Tags",
        );
        assert_eq!(tags[0]["Key"], json!("regship-key"));
        assert_eq!(
            valid(
                &document,
                &json!({"type": "string", "format": "date-time"}),
                "x"
            ),
            json!("2024-01-01T00:00:00Z")
        );
    }

    #[test]
    fn changed_and_invalid_values() {
        let document = json!({});
        let schema = json!({"type": "string", "pattern": "^[a-z/]*$", "maxLength": 10});
        let changed = changed(&document, &schema, &json!("logs/"), "Prefix").unwrap();
        assert_ne!(changed, json!("logs/"));
        assert!(
            regex::Regex::new("^[a-z/]*$")
                .unwrap()
                .is_match(changed.as_str().unwrap())
        );
        assert_eq!(
            super::changed(&document, &json!({"enum": ["A", "B"]}), &json!("A"), "x"),
            Some(json!("B"))
        );
        assert_eq!(
            super::changed(&document, &json!({"type": "boolean"}), &json!(true), "x"),
            Some(json!(false))
        );
        assert_eq!(invalid(&document, &json!({"type": "string"})), json!(12345));
        assert_eq!(
            invalid(&document, &json!({"type": "integer"})),
            json!("not-a-valid-value")
        );
    }
}
