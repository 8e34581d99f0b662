//! Input rules: `inputs/` as `cfn test` reads it, inputs against the schema, and `{{Name}}` export references.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{ExtensionFindings, Finding};
use crate::workspace::files::{line_at_offset, line_of_key};
use crate::workspace::inputs::{InputKind, InputName, export_references};
use crate::workspace::schema::{Schema, property_path, value_at};
use crate::workspace::template::ExportName;
use crate::workspace::{ArtifactType, Extension, InputFile, InputsFolder};

pub const RULES: &[(&str, &str)] = &[
    ("INP001", "inputs/ is missing while example_inputs/ exists"),
    (
        "INP002",
        "no inputs/ folder: contract tests run on random values",
    ),
    ("INP003", "a file in inputs/ that cfn test never reads"),
    ("INP004", "an input file that is not valid JSON"),
    (
        "INP005",
        "a gap in the set numbers: cfn test stops at the first missing set",
    ),
    (
        "INP006",
        "ten or more sets: inputs_1 also matches inputs_10_...",
    ),
    (
        "INP007",
        "a set without its create file (hooks: without any pre_* file)",
    ),
    ("INP008", "two files of one set map to the same test kind"),
    (
        "INP009",
        "an input names a property the schema does not have",
    ),
    ("INP010", "a create input misses a required property"),
    ("INP011", "an input sets a readOnly property"),
    ("INP012", "an update input changes a createOnly property"),
    (
        "INP013",
        "an export reference with characters cfn test does not accept",
    ),
    (
        "INP014",
        "an export reference that test/setup does not export",
    ),
    (
        "INP015",
        "inputs reference exports but there is no test/setup template",
    ),
    ("INP016", "an input file that is not a JSON object"),
];

static EXPORT_NAME: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[-A-Za-z0-9:]+$").expect("valid regex"));
static SUB_VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([^}]*)\}").expect("valid regex"));

pub fn check(sink: &mut ExtensionFindings) {
    let extension = sink.extension;
    let artifact_type = extension.artifact_type();
    if artifact_type == ArtifactType::Module {
        return; // `cfn test` does not support modules
    }
    let Some(inputs) = &extension.inputs else {
        match &extension.example_inputs {
            Some(example) => sink.push(
                Finding::error("INP001", &example.path, "inputs/ is missing; cfn test ignores example_inputs/")
                    .hint(format!("rename {} to inputs/ and replace the placeholder values (or run `regship scaffold inputs {}`)", example.path, extension.folder)),
            ),
            None => sink.push(
                Finding::warning("INP002", &extension.folder, "there is no inputs/ folder, so contract tests run on random values")
                    .hint("create inputs/inputs_1_create.json, _update.json and _invalid.json"),
            ),
        }
        return;
    };
    check_names(sink, inputs, artifact_type);
    check_sets(sink, inputs, artifact_type);
    if artifact_type == ArtifactType::Resource
        && let Some(schema) = extension.schema.as_ref().and_then(|s| s.ok())
    {
        check_against_schema(sink, inputs, schema);
    }
    check_references(sink, inputs);
}

fn json_object(file: &InputFile) -> Option<(&serde_json::Map<String, Value>, &str)> {
    let loaded = file.json.as_ref()?;
    Some((loaded.ok()?.as_object()?, &loaded.text))
}

fn check_names(sink: &mut ExtensionFindings, inputs: &InputsFolder, artifact_type: ArtifactType) {
    for file in &inputs.files {
        match file.name {
            InputName::Ignored => sink.push(
                Finding::warning("INP003", &file.path, format!("cfn test never reads `{}`", file.file_name)).hint(
                    match artifact_type {
                        ArtifactType::Hook => "name hook inputs inputs_N_pre_create|pre_update|pre_delete.json or inputs_N_invalid_pre_*.json",
                        _ => "name resource inputs inputs_N_create.json, inputs_N_update.json or inputs_N_invalid.json",
                    },
                ),
            ),
            InputName::Test { kind, .. } if kind.is_hook_kind() != (artifact_type == ArtifactType::Hook) => sink.push(
                Finding::warning(
                    "INP003",
                    &file.path,
                    format!("`{}` is a {kind} input, which a {} never uses", file.file_name, artifact_type.to_string().to_lowercase()),
                )
                .hint("rename it to a kind this extension's contract tests read"),
            ),
            InputName::Test { .. } => {}
        }
        let Some(loaded) = &file.json else { continue };
        if let Some(value) = sink.parsed("INP004", "the input file", loaded)
            && !value.is_object()
        {
            sink.push(
                Finding::error(
                    "INP016",
                    &file.path,
                    "the input is not a JSON object of properties",
                )
                .hint("write the input as { \"Property\": value, ... }"),
            );
        }
    }
}

fn check_sets(sink: &mut ExtensionFindings, inputs: &InputsFolder, artifact_type: ArtifactType) {
    let sets = inputs.set_numbers();
    if let Some(gap) = (1..)
        .zip(&sets)
        .find(|(expected, set)| expected != *set)
        .map(|(expected, _)| expected)
    {
        let unread: Vec<String> = sets
            .iter()
            .filter(|set| **set > gap)
            .map(u32::to_string)
            .collect();
        sink.push(
            Finding::error(
                "INP005",
                &inputs.path,
                format!(
                    "set {gap} is missing, so cfn test stops there and never reads set(s) {}",
                    unread.join(", ")
                ),
            )
            .hint("number the sets 1, 2, 3 ... without gaps"),
        );
    }
    if sets.last().is_some_and(|last| *last >= 10) {
        sink.push(
            Finding::error(
                "INP006",
                &inputs.path,
                format!("{} input sets: cfn test reads inputs_1* for set 1, which also matches inputs_10_... and up", sets.len()),
            )
            .hint("keep at most nine input sets"),
        );
    }
    for set in sets {
        let mut by_kind: BTreeMap<InputKind, Vec<&InputFile>> = BTreeMap::new();
        for file in &inputs.files {
            if let InputName::Test {
                set: file_set,
                kind,
            } = file.name
                && file_set == set
            {
                by_kind.entry(kind).or_default().push(file);
            }
        }
        for (kind, files) in &by_kind {
            if files.len() > 1 {
                let names: Vec<&str> = files.iter().map(|f| f.file_name.as_str()).collect();
                sink.push(
                    Finding::error(
                        "INP008",
                        &files[1].path,
                        format!("set {set} has {} files read as `{kind}` ({}); cfn test keeps whichever it lists last", files.len(), names.join(", ")),
                    )
                    .hint("keep one file per kind in each set"),
                );
            }
        }
        let complete = match artifact_type {
            ArtifactType::Hook => by_kind.keys().any(|kind| kind.is_hook_kind()),
            _ => by_kind.contains_key(&InputKind::Create),
        };
        if !complete {
            let wanted = match artifact_type {
                ArtifactType::Hook => {
                    format!("inputs_{set}_pre_create.json (or pre_update / pre_delete)")
                }
                _ => format!("inputs_{set}_create.json"),
            };
            sink.push(
                Finding::error("INP007", &inputs.path, format!("set {set} has no {wanted}"))
                    .hint(format!("add {wanted}")),
            );
        }
    }
}

fn create_of_set(inputs: &InputsFolder, set: u32) -> Option<&InputFile> {
    inputs.files.iter().find(|file| {
        file.name
            == InputName::Test {
                set,
                kind: InputKind::Create,
            }
    })
}

fn check_against_schema(sink: &mut ExtensionFindings, inputs: &InputsFolder, schema: &Schema) {
    for file in &inputs.files {
        let InputName::Test { set, kind } = file.name else {
            continue;
        };
        if !matches!(kind, InputKind::Create | InputKind::Update) {
            continue; // invalid inputs are meant to break the schema
        }
        let Some((object, text)) = json_object(file) else {
            continue;
        };
        for property in object.keys() {
            if !schema.properties.contains_key(property) {
                let known: Vec<&str> = schema.properties.keys().map(String::as_str).collect();
                sink.push(
                    Finding::error(
                        "INP009",
                        &file.path,
                        format!("`{property}` is not a property of {}", schema.type_name),
                    )
                    .line(line_of_key(text, property))
                    .hint(format!(
                        "remove it or fix its name; the schema has: {}",
                        known.join(", ")
                    )),
                );
            }
        }
        if kind == InputKind::Create {
            for required in &schema.required {
                if !object.contains_key(required) {
                    sink.push(
                        Finding::error(
                            "INP010",
                            &file.path,
                            format!("the required property `{required}` is missing"),
                        )
                        .hint(format!("add `{required}` to the create input")),
                    );
                }
            }
        }
        let input = Value::Object(object.clone());
        for pointer in &schema.read_only {
            let Some(path) = property_path(pointer) else {
                continue;
            };
            if value_at(&input, &path).is_some() {
                sink.push(
                    Finding::error(
                        "INP011",
                        &file.path,
                        format!(
                            "`{}` is readOnly ({pointer}): the handler sets it, inputs must not",
                            path.join(".")
                        ),
                    )
                    .line(line_of_key(text, path.last().copied().unwrap_or_default()))
                    .hint("remove it from the input"),
                );
            }
        }
        if kind == InputKind::Update
            && let Some((create, _)) = create_of_set(inputs, set).and_then(json_object)
        {
            let create = Value::Object(create.clone());
            for pointer in &schema.create_only {
                let Some(path) = property_path(pointer) else {
                    continue;
                };
                let (before, after) = (value_at(&create, &path), value_at(&input, &path));
                if before != after {
                    sink.push(
                        Finding::error(
                            "INP012",
                            &file.path,
                            format!("the update changes `{}`, which is createOnly ({pointer}): that is a replacement, not an update", path.join(".")),
                        )
                        .line(line_of_key(text, path.last().copied().unwrap_or_default()))
                        .hint(format!("give `{}` the same value as in inputs_{set}_create.json", path.join("."))),
                    );
                }
            }
        }
    }
}

/// A matcher for the names `test/setup` exports.
enum ExportMatcher {
    Exact(String),
    Pattern(Regex),
    Anything,
}

fn export_matchers(extension: &Extension) -> Option<Vec<ExportMatcher>> {
    let setup = extension.setup.first()?.ok()?;
    let stack_name = extension.setup_stack_name();
    Some(
        setup
            .exports()
            .into_iter()
            .map(|export| match export.name {
                ExportName::Literal(name) => ExportMatcher::Exact(name),
                ExportName::Sub(pattern) => {
                    let mut regex = String::from("^");
                    let mut last = 0;
                    for capture in SUB_VARIABLE.captures_iter(&pattern) {
                        let whole = capture.get(0).expect("capture 0");
                        regex.push_str(&regex::escape(&pattern[last..whole.start()]));
                        regex.push_str(&match &capture[1] {
                            "AWS::StackName" => regex::escape(&stack_name),
                            "AWS::Region" => "[a-z0-9-]+".to_string(),
                            "AWS::AccountId" => "[0-9]{12}".to_string(),
                            _ => ".+".to_string(),
                        });
                        last = whole.end();
                    }
                    regex.push_str(&regex::escape(&pattern[last..]));
                    regex.push('$');
                    Regex::new(&regex).map_or(ExportMatcher::Anything, ExportMatcher::Pattern)
                }
                ExportName::Computed => ExportMatcher::Anything,
            })
            .collect(),
    )
}

fn check_references(sink: &mut ExtensionFindings, inputs: &InputsFolder) {
    let extension = sink.extension;
    let matchers = export_matchers(extension);
    for file in &inputs.files {
        let Some(loaded) = &file.json else { continue };
        let mut reported_no_setup = false;
        for reference in export_references(&loaded.text) {
            let name = reference.name;
            let line = Some(line_at_offset(&loaded.text, reference.offset));
            if !EXPORT_NAME.is_match(name) {
                sink.push(
                    Finding::error(
                        "INP013",
                        &file.path,
                        format!("`{}`: cfn test accepts only letters, digits, `-` and `:` in export names, and silently tests this file with useless values", reference.raw),
                    )
                    .line(line)
                    .hint("rename the export in test/setup (and here) to use only A-Z a-z 0-9 - :"),
                );
                continue;
            }
            if extension.setup.is_empty() {
                if !reported_no_setup {
                    sink.push(
                        Finding::error("INP015", &file.path, format!("`{{{{{name}}}}}` references an export, but there is no test/setup.yml to create it"))
                            .line(line)
                            .hint("create test/setup.yml with an Output whose Export.Name is the referenced name"),
                    );
                    reported_no_setup = true;
                }
                continue;
            }
            let Some(matchers) = &matchers else { continue }; // setup unparsable: reported by SET001
            let exported = matchers.iter().any(|matcher| match matcher {
                ExportMatcher::Exact(exact) => exact == name,
                ExportMatcher::Pattern(pattern) => pattern.is_match(name),
                ExportMatcher::Anything => true,
            });
            if !exported {
                sink.push(
                    Finding::error(
                        "INP014",
                        &file.path,
                        format!("`{name}` is not exported by {}", extension.setup[0].path),
                    )
                    .line(line)
                    .hint(format!(
                        "add an Output with Export: {{Name: {name}}} to {}, or fix the name",
                        extension.setup[0].path
                    )),
                );
            }
        }
    }
}
