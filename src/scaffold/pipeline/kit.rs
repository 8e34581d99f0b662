//! The parameters and shared resources of regship's own kit (release/cicd.yml, release/beta.yml)
//! that a build action in the kit's shape refers to, taken from the kit for a template that
//! lacks them, with the kit's buckets read as the template's own (its artifact store, its
//! source bucket).

use std::collections::BTreeSet;

use serde_norway::Value;

use super::PipelineKind;
use crate::scaffold::yaml_text::{self, Renames};
use crate::workspace::pipeline::{artifact_location, source_action};
use crate::workspace::template::{Template, intrinsic, names_referred};

const CICD: &str = include_str!("../../../release/cicd.yml");
const BETA: &str = include_str!("../../../release/beta.yml");

/// What a template gets from the kit: parameters and resources, as text at the kit's
/// indentation (2 spaces), and their names in the order they were added.
#[derive(Debug, Default)]
pub struct Additions {
    pub parameters: String,
    pub resources: String,
    pub names: Vec<String>,
    /// Names that neither the template nor the kit declares.
    pub unresolved: Vec<String>,
}

impl Additions {
    pub fn extend(&mut self, more: Additions) {
        self.parameters.push_str(&more.parameters);
        self.resources.push_str(&more.resources);
        self.names.extend(more.names);
        self.unresolved.extend(more.unresolved);
    }
}

fn kit_lines(kind: PipelineKind) -> Vec<String> {
    let text = match kind {
        PipelineKind::Cicd => CICD,
        PipelineKind::Beta => BETA,
    };
    text.lines().map(String::from).collect()
}

/// Names in kit text for the bucket the template keeps the same thing in: a resource of its
/// own, a parameter that holds a bucket's name, or a literal name.
fn bucket_renames(renames: &mut Renames, kit_name: &str, bucket: &Value, template: &Template) {
    let literal = |name: String| {
        [
            (
                format!("${{{kit_name}.Arn}}"),
                format!("arn:${{AWS::Partition}}:s3:::{name}"),
            ),
            (
                format!("!GetAtt {kit_name}.Arn"),
                format!("!Sub \"arn:${{AWS::Partition}}:s3:::{name}\""),
            ),
        ]
    };
    match (bucket, intrinsic(bucket)) {
        (_, Some(("Ref", Value::String(id))))
            if template.resources().any(|r| r.logical_id == id) =>
        {
            renames.word(kit_name, id);
        }
        (_, Some(("Ref", Value::String(parameter)))) if template.defines(parameter) => {
            for (from, to) in literal(format!("${{{parameter}}}")) {
                renames.part(&from, &to);
            }
            renames.word(kit_name, parameter);
        }
        (Value::String(name), _) => {
            for (from, to) in literal(name.clone()) {
                renames.part(&from, &to);
            }
            renames.part(&format!("${{{kit_name}}}"), name);
            renames.part(&format!("!Ref {kit_name}"), name);
        }
        _ => {}
    }
}

/// How the kit's names read in `template`: its buckets are the template's artifact store and
/// source bucket, when the template has its own under another name.
pub fn renames_for(template: &Template) -> Renames {
    let mut renames = Renames::default();
    if !template.defines("ArtifactBucket")
        && let Some(location) = artifact_location(template)
    {
        bucket_renames(&mut renames, "ArtifactBucket", &location, template);
    }
    if !template.defines("SourceBucket")
        && let Some(bucket) = source_action(template).and_then(|source| source.bucket)
    {
        bucket_renames(&mut renames, "SourceBucket", &bucket, template);
    }
    renames
}

/// The names `text` (entries of a section, at any indentation) refers to.
fn referred(text: &str) -> BTreeSet<String> {
    Template::parse(&format!("Section:\n{text}"))
        .map(|parsed| names_referred(&parsed.root))
        .unwrap_or_default()
}

/// What `block` (resources in the kit's shape) refers to that `template` lacks, taken from the
/// kit with what those refer to in turn; `given` are names already added for another block.
pub fn missing(
    block: &str,
    template: &Template,
    kind: PipelineKind,
    renames: &Renames,
    given: &mut BTreeSet<String>,
) -> Additions {
    let kit = kit_lines(kind);
    let declared_in_block: BTreeSet<String> = Template::parse(&format!("Resources:\n{block}"))
        .ok()
        .and_then(|parsed| {
            parsed.root.get("Resources")?.as_mapping().map(|m| {
                m.keys()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
        })
        .unwrap_or_default();
    let mut additions = Additions::default();
    let mut wanted: Vec<String> = referred(block).into_iter().collect();
    while let Some(name) = wanted.pop() {
        if name.starts_with("AWS::")
            || template.defines(&name)
            || declared_in_block.contains(&name)
            || !given.insert(name.clone())
        {
            continue;
        }
        let found = ["Parameters", "Resources"].iter().find_map(|section| {
            let span = yaml_text::entry_span(&kit, section, &name)?;
            // The comment lines right above the entry say what it is for: they come along.
            let mut start = span.start;
            while start > 0 && kit[start - 1].trim_start().starts_with('#') {
                start -= 1;
            }
            let text: String = kit[start..span.end]
                .iter()
                .map(|line| format!("{}\n", renames.apply(line)))
                .collect();
            Some((*section, text))
        });
        match found {
            Some((section, text)) => {
                wanted.extend(referred(&text));
                let into = if section == "Parameters" {
                    &mut additions.parameters
                } else {
                    &mut additions.resources
                };
                into.push_str(&text);
                if section == "Resources" {
                    into.push('\n');
                }
                additions.names.push(name);
            }
            None => additions.unresolved.push(name),
        }
    }
    additions
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kits_buckets_become_the_templates_own() {
        let template = Template::parse(
            "Parameters:\n  Store:\n    Type: String\nResources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      ArtifactStore:\n        Type: S3\n        Location: !Ref Store\n",
        )
        .unwrap();
        let renames = renames_for(&template);
        assert_eq!(
            renames.apply("Resource: !Sub \"${ArtifactBucket.Arn}/*\" !Ref ArtifactBucket"),
            "Resource: !Sub \"arn:${AWS::Partition}:s3:::${Store}/*\" !Ref Store"
        );
        let block = "  ThingRole:\n    Type: AWS::IAM::Role\n    Properties:\n      ManagedPolicyArns:\n        - !Ref CommonBuildPolicy\n";
        let mut given = BTreeSet::new();
        let added = missing(block, &template, PipelineKind::Cicd, &renames, &mut given);
        assert!(
            added.names.contains(&"CommonBuildPolicy".to_string())
                && added.names.contains(&"RoleBoundary".to_string()),
            "{:?}",
            added.names
        );
        assert!(
            added.resources.contains("${Store}/*"),
            "{}",
            added.resources
        );
        assert!(added.unresolved.is_empty(), "{:?}", added.unresolved);
        let again = missing(block, &template, PipelineKind::Cicd, &renames, &mut given);
        assert!(again.names.is_empty(), "added once");
    }
}
