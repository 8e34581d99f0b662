//! `regship scaffold inputs`: contract-test inputs from example_inputs/ or from the schema, with
//! `{{Name}}` export references for properties that name other resources, and optionally the
//! matching Outputs in test/setup.yml.

use serde_json::{Map, Value};

use super::Plan;
use super::prerequisites::{boundary_header, for_property, names_another_resource};
use super::values::{changed, invalid, valid};
use crate::workspace::inputs::{InputKind, InputName, is_placeholder};
use crate::workspace::schema::{Schema, property_path};
use crate::workspace::template::ExportName;
use crate::workspace::{ArtifactType, Extension};

/// Where the inputs come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputsSource {
    /// Copy example_inputs/ (what `cfn init` wrote) and fill its placeholders from the schema.
    Example,
    /// Derive create, update and invalid inputs from the schema alone.
    Schema,
}

fn top_level(pointers: &[String]) -> Vec<String> {
    pointers
        .iter()
        .filter_map(|p| property_path(p))
        .filter(|path| path.len() == 1)
        .map(|path| path[0].to_string())
        .collect()
}

/// The export a reference property points at: `<type name without ::><property>`.
fn export_name(schema: &Schema, property: &str) -> String {
    format!("{}{property}", schema.type_name.replace("::", ""))
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

struct Derivation<'a> {
    schema: &'a Schema,
    read_only: Vec<String>,
    create_only: Vec<String>,
    /// Properties that name other resources, with their export names.
    references: Vec<(String, String)>,
}

impl<'a> Derivation<'a> {
    fn new(schema: &'a Schema, extension: &Extension) -> Self {
        let read_only = top_level(&schema.read_only);
        let create_only = top_level(&schema.create_only);
        let existing: Map<String, Value> = [&extension.inputs, &extension.example_inputs]
            .into_iter()
            .flatten()
            .flat_map(|folder| &folder.files)
            .filter(|file| {
                matches!(
                    file.name,
                    InputName::Test {
                        kind: InputKind::Create,
                        ..
                    }
                )
            })
            .filter_map(|file| file.json.as_ref()?.ok()?.as_object().cloned())
            .flat_map(|object| object.into_iter())
            .filter(|(_, value)| {
                value
                    .as_str()
                    .is_some_and(|text| text.starts_with("{{") && text.ends_with("}}"))
            })
            .collect();
        let references = schema
            .properties
            .iter()
            .filter(|(name, property)| {
                !read_only.contains(name)
                    && names_another_resource(name)
                    && (schema.required.contains(name) || create_only.contains(name))
                    && matches!(
                        property.get("type").and_then(Value::as_str),
                        Some("string") | None
                    )
            })
            .map(|(name, _)| {
                // Keep the export the inputs already name for this property.
                let named = existing.get(name).and_then(Value::as_str).map(|text| {
                    text.trim_start_matches("{{")
                        .trim_end_matches("}}")
                        .trim()
                        .to_string()
                });
                (
                    name.clone(),
                    named.unwrap_or_else(|| export_name(schema, name)),
                )
            })
            .collect();
        Derivation {
            schema,
            read_only,
            create_only,
            references,
        }
    }

    fn reference(&self, property: &str) -> Option<&str> {
        self.references
            .iter()
            .find(|(name, _)| name == property)
            .map(|(_, export)| export.as_str())
    }

    fn value(&self, property: &str) -> Value {
        match self.reference(property) {
            Some(export) => Value::String(format!("{{{{{export}}}}}")),
            None => match self.schema.properties.get(property) {
                Some(schema) => valid(&self.schema.document, schema, property),
                None => Value::Null,
            },
        }
    }

    /// Properties an update may change, simple ones (scalars, enums) first.
    fn updatable(&self) -> Vec<&String> {
        let mut names: Vec<&String> = self
            .schema
            .properties
            .keys()
            .filter(|name| {
                !self.read_only.contains(name)
                    && !self.create_only.contains(name)
                    && self.reference(name).is_none()
            })
            .collect();
        names.sort_by_key(|name| {
            let property = super::values::resolve(
                &self.schema.document,
                self.schema
                    .properties
                    .get(name.as_str())
                    .unwrap_or(&Value::Null),
            );
            match property.get("type").and_then(Value::as_str) {
                Some("array" | "object") => 2,
                _ if property.get("format").is_some() => 1,
                _ => 0,
            }
        });
        names
    }

    fn create(&self) -> Map<String, Value> {
        let mut create = Map::new();
        for name in &self.schema.required {
            if self.schema.properties.contains_key(name) && !self.read_only.contains(name) {
                create.insert(name.clone(), self.value(name));
            }
        }
        if !self
            .updatable()
            .iter()
            .any(|name| create.contains_key(*name))
            && let Some(first) = self.updatable().first()
        {
            create.insert((*first).clone(), self.value(first));
        }
        create
    }

    /// The create input with one updatable property changed; `None` when nothing can be updated.
    fn update(&self, create: &Map<String, Value>) -> Option<Map<String, Value>> {
        let mut update = create.clone();
        for name in self.updatable() {
            let current = update
                .get(name)
                .cloned()
                .unwrap_or_else(|| self.value(name));
            let Some(property) = self.schema.properties.get(name.as_str()) else {
                continue;
            };
            if let Some(next) = changed(&self.schema.document, property, &current, name) {
                update.insert(name.clone(), next);
                return Some(update);
            }
        }
        None
    }

    /// The create input with one property breaking the schema.
    fn invalid(&self, create: &Map<String, Value>) -> Option<Map<String, Value>> {
        let mut broken = create.clone();
        let known = |name: &&String| self.schema.properties.contains_key(name.as_str());
        let target = create
            .keys()
            .filter(known)
            .find(|name| self.reference(name).is_none())
            .or_else(|| create.keys().find(known))?
            .clone();
        let property = self.schema.properties.get(&target)?;
        broken.insert(target, invalid(&self.schema.document, property));
        Some(broken)
    }

    /// Fills the placeholders of an example input (`"..."`, or a value of the wrong JSON type),
    /// drops readOnly properties and properties the schema does not have (each named in
    /// `notes`), and points reference properties at their exports.
    fn fill(
        &self,
        example: &Map<String, Value>,
        kind: InputKind,
        create: &Map<String, Value>,
        notes: &mut Vec<String>,
    ) -> Map<String, Value> {
        let mut filled = Map::new();
        for (name, value) in example {
            let Some(property) = self.schema.properties.get(name) else {
                let note = format!(
                    "`{name}` of the example inputs is not a property of the schema: dropped"
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                continue;
            };
            if self.read_only.contains(name) {
                continue;
            }
            let placeholder =
                is_placeholder(name, value) || !fits_type(&self.schema.document, property, value);
            let replacement = match kind {
                _ if self.reference(name).is_some() => self.value(name),
                _ if !placeholder => value.clone(),
                InputKind::Update if self.create_only.contains(name) => create
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| self.value(name)),
                InputKind::Update => {
                    let base = create
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| self.value(name));
                    changed(&self.schema.document, property, &base, name).unwrap_or(base)
                }
                InputKind::Invalid => invalid(&self.schema.document, property),
                _ => self.value(name),
            };
            filled.insert(name.clone(), replacement);
        }
        filled
    }
}

fn fits_type(document: &Value, property: &Value, value: &Value) -> bool {
    let property = super::values::resolve(document, property);
    match property.get("type").and_then(Value::as_str) {
        Some("string") => value.is_string(),
        Some("integer") => value.is_i64() || value.is_u64(),
        Some("number") => value.is_number(),
        Some("boolean") => value.is_boolean(),
        Some("array") => value.is_array(),
        Some("object") => value.is_object(),
        _ => true,
    }
}

fn pretty(object: &Map<String, Value>) -> String {
    let mut text = serde_json::to_string_pretty(object).unwrap_or_default();
    text.push('\n');
    text
}

/// Plans `inputs/` for a resource extension; `with_setup` also plans the Outputs of test/setup.yml.
/// Files already in `inputs/` are the user's: they are kept (with a note) unless
/// `replace_curated`, so that by default only what is missing is proposed.
pub fn plan_inputs(
    extension: &Extension,
    source: Option<InputsSource>,
    with_setup: bool,
    replace_curated: bool,
) -> Result<Plan, String> {
    if extension.artifact_type() != ArtifactType::Resource {
        return Err(format!(
            "{} is a {}: scaffold inputs derives resource inputs from a resource schema (hook inputs name their target resources; modules have no contract tests)",
            extension.folder,
            extension.artifact_type()
        ));
    }
    let schema = extension
        .schema
        .as_ref()
        .and_then(|s| s.ok())
        .ok_or_else(|| {
            format!(
                "{} has no usable schema: run `regship check {}`",
                extension.folder, extension.folder
            )
        })?;
    let derivation = Derivation::new(schema, extension);
    let source = source.unwrap_or(
        if extension.example_inputs.is_some() && extension.inputs.is_none() {
            InputsSource::Example
        } else {
            InputsSource::Schema
        },
    );
    let inputs_dir = extension.dir.join("inputs");
    let mut plan = Plan::default();
    let create = derivation.create();
    let mut files: Vec<(String, Map<String, Value>)> = Vec::new();
    match source {
        InputsSource::Schema => {
            files.push(("inputs_1_create.json".into(), create.clone()));
            match derivation.update(&create) {
                Some(update) => files.push(("inputs_1_update.json".into(), update)),
                None => plan.notes.push(
                    "no property can be updated (all are createOnly or readOnly): no update input"
                        .into(),
                ),
            }
            match derivation.invalid(&create) {
                Some(invalid) => files.push(("inputs_1_invalid.json".into(), invalid)),
                None => plan
                    .notes
                    .push("the create input has no property to break: no invalid input".into()),
            }
        }
        InputsSource::Example => {
            let example = extension
                .example_inputs
                .as_ref()
                .ok_or_else(|| format!("{} has no example_inputs/", extension.folder))?;
            let example_create = example.files.iter().find(|f| {
                matches!(
                    f.name,
                    InputName::Test {
                        kind: InputKind::Create,
                        ..
                    }
                )
            });
            let filled_create = example_create
                .and_then(|f| f.json.as_ref()?.ok()?.as_object().cloned())
                .map(|object| derivation.fill(&object, InputKind::Create, &create, &mut plan.notes))
                .unwrap_or_else(|| create.clone());
            for file in &example.files {
                let Some(object) = file
                    .json
                    .as_ref()
                    .and_then(|j| j.ok())
                    .and_then(Value::as_object)
                else {
                    plan.notes
                        .push(format!("{} is not a JSON object: not copied", file.path));
                    continue;
                };
                let filled = match file.name {
                    InputName::Test {
                        kind: InputKind::Create,
                        ..
                    } => filled_create.clone(),
                    InputName::Test {
                        kind: InputKind::Update,
                        ..
                    } => derivation.update(&filled_create).unwrap_or_else(|| {
                        plan.notes.push(format!(
                            "{}: no property can be updated; the update repeats the create",
                            file.path
                        ));
                        filled_create.clone()
                    }),
                    InputName::Test {
                        kind: InputKind::Invalid,
                        ..
                    } => match derivation.invalid(&filled_create) {
                        Some(invalid) => invalid,
                        None => derivation.fill(
                            object,
                            InputKind::Invalid,
                            &filled_create,
                            &mut plan.notes,
                        ),
                    },
                    InputName::Test { kind, .. } => {
                        derivation.fill(object, kind, &filled_create, &mut plan.notes)
                    }
                    InputName::Ignored => {
                        plan.notes.push(format!(
                            "{}: cfn test never reads this name: not copied",
                            file.path
                        ));
                        continue;
                    }
                };
                files.push((file.file_name.clone(), filled));
            }
        }
    }
    for (name, object) in files {
        let display = format!("{}/inputs/{name}", extension.folder);
        let path = inputs_dir.join(&name);
        if path.exists() && !replace_curated {
            plan.notes.push(format!(
                "kept {display} as you wrote it (`--force` replaces it with the generated one)"
            ));
            continue;
        }
        plan.write(path, display, pretty(&object));
    }
    if with_setup && !derivation.references.is_empty() {
        plan_setup_outputs(extension, &derivation.references, &mut plan);
    }
    Ok(plan)
}

/// Adds an Output with an Export for each reference to test/setup.yml, creating it if absent.
fn plan_setup_outputs(extension: &Extension, references: &[(String, String)], plan: &mut Plan) {
    let existing = extension.setup.first();
    let declared: Vec<String> = existing
        .and_then(|setup| setup.ok())
        .map(|t| {
            t.exports()
                .into_iter()
                .filter_map(|e| {
                    if let ExportName::Literal(name) = e.name {
                        Some(name)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&(String, String)> = references
        .iter()
        .filter(|(_, export)| !declared.contains(export))
        .collect();
    if missing.is_empty() {
        return;
    }
    let prerequisites: Vec<_> = missing
        .iter()
        .map(|(property, _)| for_property(property))
        .collect();
    let outputs: String = missing
        .iter()
        .zip(&prerequisites)
        .map(|((property, export), prerequisite)| {
            format!(
                "  {property}:\n    Value: {}\n    Export:\n      Name: {export}\n",
                prerequisite.value
            )
        })
        .collect();
    match existing {
        Some(setup) => {
            let mut text = setup.text.clone();
            if !text.ends_with('\n') {
                text.push('\n');
            }
            match text.find("\nOutputs:") {
                Some(at) => {
                    let line_end = text[at + 1..]
                        .find('\n')
                        .map_or(text.len(), |n| at + 1 + n + 1);
                    text.insert_str(line_end, &outputs);
                }
                None => text.push_str(&format!("\nOutputs:\n{outputs}")),
            }
            plan.notes.push(format!(
                "{}: added Outputs for {}; make sure each Value points at what the test needs",
                setup.path,
                missing
                    .iter()
                    .map(|(_, e)| e.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
            plan.write(
                extension
                    .dir
                    .join("test")
                    .join(setup.path.rsplit('/').next().unwrap_or("setup.yml")),
                setup.path.clone(),
                text,
            );
        }
        None => {
            let resources: String = prerequisites.iter().map(|p| p.resource.clone()).collect();
            let text = format!(
                "AWSTemplateFormatVersion: \"2010-09-09\"\nDescription: Prerequisites of the {} contract tests (deployed as {})\n\n{}Resources:\n{resources}\nOutputs:\n{outputs}",
                extension.type_name().unwrap_or_default(),
                extension.setup_stack_name(),
                boundary_header(&prerequisites),
            );
            plan.write(
                extension.dir.join("test/setup.yml"),
                format!("{}/test/setup.yml", extension.folder),
                text,
            );
        }
    }
}
