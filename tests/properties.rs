//! Property tests of every parser a user's files reach: arbitrary text and bytes, and
//! CloudFormation-shaped YAML with tags, never panic; generated templates parse to what was
//! generated.

mod support;

use proptest::prelude::*;
use regship::workspace::template::{ExportName, Template};
use support::parsers::{load_and_check, parse_everything, plan_pipeline};

/// One line of YAML-like text: indentation (tabs too), a key, a tag, a scalar or flow start.
fn yaml_line() -> impl Strategy<Value = String> {
    (
        "[ \t]{0,8}",
        "(- )?[A-Za-z0-9&*!_.-]{0,10}",
        prop_oneof![Just(""), Just(":"), Just(": "), Just(":\n  - "),],
        prop_oneof![
            Just(""),
            Just("!Ref "),
            Just("!GetAtt "),
            Just("!Sub "),
            Just("!If "),
            Just("!Select "),
            Just("!ImportValue "),
            Just("!Base64 "),
            Just("!Condition "),
            Just("!Frobnicate "),
            Just("!Rain::S3 "),
            Just("!Rain::Embed "),
            Just("!Rain::Constant "),
            Just("&a "),
            Just("*a"),
            Just("<<: *a"),
            Just("? "),
            Just("|\n"),
        ],
        "[A-Za-z0-9.${}:\\[\\],'\" #-]{0,16}",
    )
        .prop_map(|(indent, key, colon, tag, scalar)| format!("{indent}{key}{colon}{tag}{scalar}"))
}

fn yaml_document() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just(""),
            Just("AWSTemplateFormatVersion: '2010-09-09'\n"),
            Just("Resources:\n"),
            Just("---\n"),
            Just("{\"Resources\": "),
        ],
        prop::collection::vec(yaml_line(), 0..40),
    )
        .prop_map(|(head, lines)| format!("{head}{}", lines.join("\n")))
}

proptest! {
    #[test]
    fn arbitrary_text_never_panics(text in any::<String>()) {
        parse_everything(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        parse_everything(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn cloudformation_shaped_yaml_never_panics(text in yaml_document()) {
        parse_everything(&text);
    }

    /// Resources with `!Ref` / `!GetAtt` / `!Sub` values and exported outputs parse back to the
    /// same logical ids and export names.
    #[test]
    fn generated_templates_parse_to_what_was_generated(
        ids in prop::collection::btree_set("[A-Z][A-Za-z0-9]{0,12}", 1..12),
        tag in prop_oneof![Just("!Ref"), Just("!GetAtt"), Just("!Sub")],
    ) {
        let ids: Vec<&String> = ids.iter().collect();
        let mut text = String::from("Resources:\n");
        for (n, id) in ids.iter().enumerate() {
            let other = ids[(n + 1) % ids.len()];
            let value = match tag {
                "!GetAtt" => format!("!GetAtt {other}.Arn"),
                "!Sub" => format!("!Sub '${{{other}}}-x'"),
                _ => format!("!Ref {other}"),
            };
            text.push_str(&format!(
                "  {id}:\n    Type: AWS::SQS::Queue\n    Properties:\n      QueueName: {value}\n"
            ));
        }
        text.push_str("Outputs:\n");
        for id in &ids {
            text.push_str(&format!(
                "  {id}Out:\n    Value: !Ref {id}\n    Export:\n      Name: {id}Export\n"
            ));
        }
        let template = Template::parse(&text).map_err(|p| TestCaseError::fail(p.message))?;
        let parsed: Vec<&str> = template.resources().map(|r| r.logical_id).collect();
        let expected: Vec<&str> = ids.iter().map(|s| s.as_str()).collect();
        prop_assert_eq!(parsed, expected);
        let mut exports: Vec<String> = template
            .exports()
            .into_iter()
            .filter_map(|e| match e.name {
                ExportName::Literal(name) => Some(name),
                _ => None,
            })
            .collect();
        exports.sort();
        let mut expected: Vec<String> = ids.iter().map(|id| format!("{id}Export")).collect();
        expected.sort();
        prop_assert_eq!(exports, expected);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// An extension whose files hold arbitrary bytes loads and checks without a panic.
    #[test]
    fn an_extension_of_arbitrary_files_loads_and_checks(
        rpdk in prop::collection::vec(any::<u8>(), 0..200),
        schema in prop::collection::vec(any::<u8>(), 0..300),
        input in prop::collection::vec(any::<u8>(), 0..300),
        setup in yaml_document(),
    ) {
        let valid_rpdk = br#"{"typeName": "Fuzz::Thing::Resource", "language": "python311"}"#;
        for rpdk_config in [&rpdk[..], &valid_rpdk[..]] {
            load_and_check(&[
                (".rpdk-config", rpdk_config),
                ("fuzz-thing-resource.json", &schema),
                ("inputs/inputs_1_create.json", &input),
                ("inputs/inputs_1_update.json", &schema),
                ("test/setup.yml", setup.as_bytes()),
                ("test/integ.yml", &input),
            ]);
        }
    }
}

/// One property of a generated schema: a type, and maybe a pattern or format that are hard to
/// make values for (the class `[^\\s]` starts at NUL).
fn property_schema() -> impl Strategy<Value = serde_json::Value> {
    prop_oneof![
        Just(serde_json::json!({"type": "string"})),
        Just(serde_json::json!({"type": "string", "format": "uri"})),
        Just(serde_json::json!({"type": "string", "pattern": "^https://[^\\s]+$"})),
        Just(serde_json::json!({"type": "string", "pattern": "^[^\\x00-\\x1f]{3,}$"})),
        Just(serde_json::json!({"type": "string", "format": "ipv4"})),
        Just(serde_json::json!({"type": "string", "pattern": "(unclosed"})),
        Just(serde_json::json!({"type": "integer", "minimum": 5, "maximum": 3})),
        Just(serde_json::json!({"type": "boolean"})),
        Just(serde_json::json!({"type": "array", "items": {"type": "string"}})),
        Just(serde_json::json!({"type": "object", "properties": {"A": {"type": "string"}}})),
        Just(serde_json::json!({"$ref": "#/definitions/Missing"})),
        Just(serde_json::json!({"enum": []})),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// `scaffold inputs` over arbitrary schemas and example inputs (naming properties the schema
    /// lacks, placeholders, wrong types): never a panic, and every file it would write is a JSON
    /// object without a control character.
    #[test]
    fn scaffolding_arbitrary_schemas_and_examples_never_panics(
        properties in prop::collection::btree_map("[A-Z][a-zA-Z]{0,8}(Name|Arn|Id)?", property_schema(), 0..6),
        required in prop::collection::vec("[A-Z][a-zA-Z]{0,8}", 0..3),
        read_only in prop::collection::vec("[A-Z][a-zA-Z]{0,8}", 0..2),
        example in prop::collection::btree_map(
            "[A-Z][a-zA-Z]{0,8}",
            prop_oneof![Just(serde_json::json!("...")), Just(serde_json::json!(1)), Just(serde_json::json!({"x": [1]}))],
            0..5,
        ),
        from_schema in any::<bool>(),
    ) {
        let mut property_map: serde_json::Map<String, serde_json::Value> = properties.into_iter().collect();
        property_map.insert("Id".into(), serde_json::json!({"type": "string"}));
        // Example properties are often (not always) schema properties.
        for name in example.keys().step_by(2) {
            property_map.entry(name.clone()).or_insert(serde_json::json!({"type": "string"}));
        }
        let schema = serde_json::json!({
            "typeName": "Fuzz::Thing::Resource",
            "properties": property_map,
            "required": required,
            "readOnlyProperties": read_only.iter().chain(["Id".to_string()].iter()).map(|p| format!("/properties/{p}")).collect::<Vec<_>>(),
            "createOnlyProperties": required.iter().take(1).map(|p| format!("/properties/{p}")).collect::<Vec<_>>(),
            "primaryIdentifier": ["/properties/Id"],
            "additionalProperties": false,
        });
        let example = serde_json::Value::Object(example.into_iter().collect());
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("resources/Fuzz_Thing");
        std::fs::create_dir_all(folder.join("example_inputs")).unwrap();
        std::fs::write(folder.join(".rpdk-config"), r#"{"typeName": "Fuzz::Thing::Resource", "language": "python311", "artifact_type": "RESOURCE"}"#).unwrap();
        std::fs::write(folder.join("fuzz-thing-resource.json"), schema.to_string()).unwrap();
        for kind in ["create", "update", "invalid"] {
            std::fs::write(folder.join(format!("example_inputs/inputs_1_{kind}.json")), example.to_string()).unwrap();
        }
        let workspace = regship::workspace::Workspace::load(dir.path());
        let extension = &workspace.extensions[0];
        let source = if from_schema { regship::scaffold::InputsSource::Schema } else { regship::scaffold::InputsSource::Example };
        let planned = regship::scaffold::plan_inputs(extension, Some(source), true, false);
        prop_assert!(planned.is_ok(), "{:?}", planned.err());
        if let Ok(plan) = planned {
            for write in plan.writes.iter().filter(|w| w.display.ends_with(".json")) {
                let value: serde_json::Value = serde_json::from_str(&write.new)
                    .unwrap_or_else(|err| panic!("{}: {err}\n{}", write.display, write.new));
                prop_assert!(value.is_object(), "{}", write.new);
                prop_assert!(!write.new.chars().any(|c| c.is_control() && c != '\n'), "{:?}", write.new);
                prop_assert!(!write.new.contains("\\u0000"), "{}", write.new);
            }
        }
    }
}

/// A pipeline template regship wrote or one shaped like another team's, with some lines taken out
/// and cut short somewhere.
fn mangled_pipeline() -> impl Strategy<Value = String> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let fixtures: Vec<String> = [
        "release/cicd.yml",
        "tests/fixtures/pipelines/imported-policy.yml",
        "tests/fixtures/pipelines/own-log-groups.yml",
        "tests/fixtures/pipelines/lint-only.yml",
    ]
    .iter()
    .map(|path| std::fs::read_to_string(root.join(path)).unwrap())
    .collect();
    (
        0..fixtures.len(),
        prop::collection::vec(0..800usize, 0..6),
        any::<prop::sample::Index>(),
    )
        .prop_map(move |(which, dropped, cut)| {
            let kept: Vec<&str> = fixtures[which]
                .lines()
                .enumerate()
                .filter(|(i, _)| !dropped.contains(i))
                .map(|(_, line)| line)
                .collect();
            let text = kept.join("\n");
            let mut end = cut.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_string()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(40))]

    /// `pipeline add` on a pipeline template missing lines, cut short, or not a pipeline at all
    /// plans or says why, never panics.
    #[test]
    fn pipeline_add_on_a_mangled_template_never_panics(
        mangled in mangled_pipeline(),
        shaped in yaml_document(),
    ) {
        plan_pipeline(&mangled);
        plan_pipeline(&shaped);
    }
}
