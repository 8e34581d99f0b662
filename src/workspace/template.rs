//! CloudFormation templates in YAML (short-form tags included) or JSON, and their intrinsic functions.

use std::collections::BTreeSet;

use serde_norway::{Mapping, Value};

use super::ParseProblem;

/// A parsed CloudFormation template.
#[derive(Debug, Clone, PartialEq)]
pub struct Template {
    pub root: Value,
    /// Tags that are neither CloudFormation functions nor rain directives: kept as opaque
    /// values (the rest of the template is read), reported as warnings on their line.
    pub unknown_tags: Vec<UnknownTag>,
}

/// A `!Tag` that no tool regship knows resolves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownTag {
    pub tag: String,
    pub line: Option<u32>,
}

/// A rain directive (`!Rain::S3 ...`): a value `rain pkg` (and regship's packaging) replaces
/// before CloudFormation sees the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RainDirective {
    /// A file or folder uploaded to S3: its URI, or `{BucketProperty, KeyProperty}`.
    S3,
    /// A file uploaded to S3: its HTTPS URL.
    S3Http,
    /// A file's text, inlined as a string.
    Embed,
    /// A YAML file's content, inlined as a node.
    Include,
    /// An environment variable's value.
    Env,
    /// A constant of the template's `Rain: Constants:` section.
    Constant,
    /// A rain module, expanded into resources.
    Module,
}

impl RainDirective {
    const ALL: [(&'static str, RainDirective); 7] = [
        ("Rain::S3", RainDirective::S3),
        ("Rain::S3Http", RainDirective::S3Http),
        ("Rain::Embed", RainDirective::Embed),
        ("Rain::Include", RainDirective::Include),
        ("Rain::Env", RainDirective::Env),
        ("Rain::Constant", RainDirective::Constant),
        ("Rain::Module", RainDirective::Module),
    ];

    /// The directive's tag without the `!` (`Rain::S3`).
    pub fn tag(self) -> &'static str {
        RainDirective::ALL
            .iter()
            .find(|(_, directive)| *directive == self)
            .map_or("Rain", |(tag, _)| tag)
    }
}

/// The rain directive a value is, if it is one: `!Rain::S3 x` (or `{"Rain::S3": x}` in JSON).
pub fn rain(value: &Value) -> Option<(RainDirective, &Value)> {
    let (name, argument) = match value {
        Value::Tagged(tagged) => (tagged.tag.to_string(), &tagged.value),
        Value::Mapping(mapping) if mapping.len() == 1 => {
            let (key, argument) = mapping.iter().next()?;
            (key.as_str()?.to_string(), argument)
        }
        _ => return None,
    };
    let name = name.trim_start_matches('!');
    RainDirective::ALL
        .iter()
        .find(|(tag, _)| *tag == name)
        .map(|(_, directive)| (*directive, argument))
}

/// One resource of a template.
#[derive(Debug, Clone, Copy)]
pub struct TemplateResource<'a> {
    pub logical_id: &'a str,
    pub type_name: Option<&'a str>,
    pub properties: Option<&'a Mapping>,
}

/// The name an output is exported under, as far as it can be known without deploying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExportName {
    /// A plain string.
    Literal(String),
    /// An `Fn::Sub` string: `${...}` parts stand for values known only at deploy time.
    Sub(String),
    /// Any other expression (`Fn::Join`, `Ref` ...).
    Computed,
}

/// One `Outputs.*.Export.Name`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Export {
    pub output: String,
    pub name: ExportName,
}

impl Template {
    /// Parses YAML or JSON; an empty file or a non-mapping document is a problem.
    pub fn parse(text: &str) -> Result<Template, ParseProblem> {
        let root: Value = serde_norway::from_str(text).map_err(|err| ParseProblem {
            line: err.location().map(|location| location.line() as u32),
            message: match err.to_string().rsplit_once(" at line ") {
                Some((message, _)) => message.to_string(),
                None => err.to_string(),
            },
        })?;
        match root {
            Value::Mapping(_) => {
                let mut unknown_tags: Vec<UnknownTag> = Vec::new();
                walk(&root, &mut |value| {
                    if let Value::Tagged(tagged) = value
                        && intrinsic(value).is_none()
                        && rain(value).is_none()
                    {
                        let tag = tagged.tag.to_string();
                        let seen = unknown_tags.iter().filter(|t| t.tag == tag).count();
                        unknown_tags.push(UnknownTag {
                            line: nth_line_containing(text, &tag, seen),
                            tag,
                        });
                    }
                });
                Ok(Template { root, unknown_tags })
            }
            Value::Null => Err(ParseProblem::new("the template is empty")),
            _ => Err(ParseProblem::new(
                "the template is not a mapping of sections (Resources, Outputs ...)",
            )),
        }
    }

    /// Every rain directive of the template, in file order, with the value it takes.
    pub fn rain_directives(&self) -> Vec<(RainDirective, &Value)> {
        let mut found = Vec::new();
        walk(&self.root, &mut |value| {
            if let Some(directive) = rain(value) {
                found.push(directive);
            }
        });
        found
    }

    fn section(&self, name: &str) -> Option<&Mapping> {
        self.root.get(name).and_then(Value::as_mapping)
    }

    /// Every resource in `Resources`, in file order.
    pub fn resources(&self) -> impl Iterator<Item = TemplateResource<'_>> {
        self.section("Resources")
            .into_iter()
            .flat_map(|resources| resources.iter())
            .filter_map(|(logical_id, body)| {
                Some(TemplateResource {
                    logical_id: logical_id.as_str()?,
                    type_name: body.get("Type").and_then(Value::as_str),
                    properties: body.get("Properties").and_then(Value::as_mapping),
                })
            })
    }

    /// Whether a `Ref`, `Fn::GetAtt` or `${...}` to `name` resolves in this template: one of its
    /// parameters or resources, or a pseudo parameter (`AWS::Region`).
    pub fn defines(&self, name: &str) -> bool {
        name.starts_with("AWS::")
            || ["Parameters", "Resources"]
                .iter()
                .any(|section| self.section(section).is_some_and(|s| s.contains_key(name)))
    }

    /// Every export declared in `Outputs`.
    pub fn exports(&self) -> Vec<Export> {
        let Some(outputs) = self.section("Outputs") else {
            return Vec::new();
        };
        outputs
            .iter()
            .filter_map(|(output, body)| {
                let name = body.get("Export")?.get("Name")?;
                let name = match name {
                    Value::String(literal) => ExportName::Literal(literal.clone()),
                    other => match intrinsic(other) {
                        Some(("Fn::Sub", Value::String(pattern))) => {
                            ExportName::Sub(pattern.clone())
                        }
                        Some(("Fn::Sub", Value::Sequence(args))) => match args.first() {
                            Some(Value::String(pattern)) => ExportName::Sub(pattern.clone()),
                            _ => ExportName::Computed,
                        },
                        _ => ExportName::Computed,
                    },
                };
                Some(Export {
                    output: output.as_str().unwrap_or_default().to_string(),
                    name,
                })
            })
            .collect()
    }
}

/// The long-form names of the short-form tags (`!Ref` -> `Ref`, `!GetAtt` -> `Fn::GetAtt`).
const INTRINSICS: &[&str] = &[
    "Ref",
    "Condition",
    "Fn::And",
    "Fn::Base64",
    "Fn::Cidr",
    "Fn::Equals",
    "Fn::FindInMap",
    "Fn::ForEach",
    "Fn::GetAtt",
    "Fn::GetAZs",
    "Fn::If",
    "Fn::ImportValue",
    "Fn::Join",
    "Fn::Length",
    "Fn::Not",
    "Fn::Or",
    "Fn::Select",
    "Fn::Split",
    "Fn::Sub",
    "Fn::ToJsonString",
    "Fn::Transform",
];

fn long_name(name: &str) -> Option<&'static str> {
    INTRINSICS
        .iter()
        .copied()
        .find(|long| *long == name || long.strip_prefix("Fn::") == Some(name))
}

/// The intrinsic function a value calls, in either form: `!Sub x` or `{"Fn::Sub": x}`.
pub fn intrinsic(value: &Value) -> Option<(&'static str, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            long_name(tag.trim_start_matches('!')).map(|name| (name, &tagged.value))
        }
        Value::Mapping(mapping) if mapping.len() == 1 => {
            let (key, argument) = mapping.iter().next()?;
            let key = key.as_str()?;
            if key == "Ref" || key == "Condition" || key.starts_with("Fn::") {
                long_name(key).map(|name| (name, argument))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// The 1-based line of the `nth` (0-based) line that contains `needle`.
fn nth_line_containing(text: &str, needle: &str, nth: usize) -> Option<u32> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| line.contains(needle))
        .nth(nth)
        .map(|(index, _)| index as u32 + 1)
}

/// Calls `visit` on `value` and everything nested in it, both branches of `Fn::If` included.
pub fn walk<'a>(value: &'a Value, visit: &mut dyn FnMut(&'a Value)) {
    visit(value);
    match value {
        Value::Sequence(items) => items.iter().for_each(|item| walk(item, visit)),
        Value::Mapping(mapping) => mapping.values().for_each(|item| walk(item, visit)),
        Value::Tagged(tagged) => walk(&tagged.value, visit),
        _ => {}
    }
}

/// The logical id of the resource `value` names: `!Ref X`, `!GetAtt X.Attribute` in either form.
pub fn named_resource(value: &Value) -> Option<String> {
    match intrinsic(value)? {
        ("Ref", Value::String(id)) => Some(id.clone()),
        ("Fn::GetAtt", Value::String(target)) => target.split('.').next().map(String::from),
        ("Fn::GetAtt", Value::Sequence(parts)) => parts.first()?.as_str().map(String::from),
        _ => None,
    }
}

/// The logical names `value` refers to: each `Ref`, `Fn::GetAtt`'s resource and `Fn::Sub`'s
/// `${Name}` or `${Name.Attribute}` (not `${!Literal}`, a variable of its own map, or a rain
/// constant `${Rain::...}`).
pub fn names_referred(value: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    walk(value, &mut |node| match intrinsic(node) {
        Some(("Ref", Value::String(name))) => {
            names.insert(name.clone());
        }
        Some(("Fn::GetAtt", Value::String(target))) => {
            names.insert(target.split('.').next().unwrap_or(target).to_string());
        }
        Some(("Fn::GetAtt", Value::Sequence(parts))) => {
            names.extend(parts.first().and_then(Value::as_str).map(String::from));
        }
        Some(("Fn::Sub", Value::String(pattern))) => names.extend(sub_variables(pattern, None)),
        Some(("Fn::Sub", Value::Sequence(args))) => {
            if let Some(pattern) = args.first().and_then(Value::as_str) {
                let own = args.get(1).and_then(Value::as_mapping);
                names.extend(sub_variables(pattern, own));
            }
        }
        _ => {}
    });
    names
}

/// The template names a `Fn::Sub` pattern substitutes, those in `own` (its variable map) aside.
fn sub_variables(pattern: &str, own: Option<&Mapping>) -> Vec<String> {
    pattern
        .split("${")
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(inside, _)| inside))
        .filter(|inside| !inside.starts_with('!') && !inside.starts_with("Rain::"))
        .map(|inside| {
            inside
                .split('.')
                .next()
                .unwrap_or(inside)
                .trim()
                .to_string()
        })
        .filter(|name| !own.is_some_and(|own| own.contains_key(name.as_str())))
        .collect()
}

/// The plain string a value stands for, if it is one: a string, or an `Fn::Sub` without variables.
pub fn literal_string(value: &Value) -> Option<&str> {
    match value {
        Value::String(text) => Some(text),
        other => match intrinsic(other) {
            Some(("Fn::Sub", Value::String(text))) if !text.contains("${") => Some(text),
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TAGGED: &str = r#"
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Bucket:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Sub "${AWS::StackName}-data"
      Tags:
        - Key: arn
          Value: !GetAtt Role.Arn
        - Key: imported
          Value: !ImportValue SharedBucket
        - Key: joined
          Value: !Join ["-", [!Select [0, !Split [",", "a,b"]], !Base64 x]]
        - !If [IsProd, {Key: p, Value: "1"}, !Ref AWS::NoValue]
Outputs:
  Name:
    Value: !Ref Bucket
    Export:
      Name: !Sub "${AWS::StackName}-Name"
  Literal:
    Value: x
    Export:
      Name: PlainExport
  Joined:
    Value: x
    Export:
      Name: !Join ["-", [a, b]]
"#;

    #[test]
    fn short_form_tags_round_trip() {
        let template = Template::parse(TAGGED).unwrap();
        let written = serde_norway::to_string(&template.root).unwrap();
        for tag in [
            "!Ref",
            "!Sub",
            "!GetAtt",
            "!ImportValue",
            "!If",
            "!Join",
            "!Equals",
            "!Select",
            "!Split",
            "!Base64",
        ] {
            assert!(written.contains(tag), "{tag} lost in:\n{written}");
        }
        assert_eq!(Template::parse(&written).unwrap(), template);
    }

    #[test]
    fn intrinsics_are_recognised_in_both_forms() {
        let template = Template::parse(TAGGED).unwrap();
        let bucket = template.resources().next().unwrap();
        assert_eq!(bucket.logical_id, "Bucket");
        assert_eq!(bucket.type_name, Some("AWS::S3::Bucket"));
        let name = bucket.properties.unwrap().get("BucketName").unwrap();
        assert_eq!(intrinsic(name).unwrap().0, "Fn::Sub");
        assert_eq!(literal_string(name), None);

        let json = Template::parse(r#"{"Resources": {"R": {"Type": "T", "Properties": {"A": {"Fn::GetAtt": ["X", "Arn"]}, "B": {"Fn::Sub": "plain"}}}}}"#).unwrap();
        let properties = json.resources().next().unwrap().properties.unwrap();
        assert_eq!(
            intrinsic(properties.get("A").unwrap()).unwrap().0,
            "Fn::GetAtt"
        );
        assert_eq!(literal_string(properties.get("B").unwrap()), Some("plain"));

        let mut imports = 0;
        walk(&template.root, &mut |value| {
            if let Some(("Fn::ImportValue", _)) = intrinsic(value) {
                imports += 1;
            }
        });
        assert_eq!(imports, 1);
    }

    #[test]
    fn exports_literal_sub_and_computed() {
        let exports = Template::parse(TAGGED).unwrap().exports();
        assert_eq!(
            exports.iter().map(|e| e.name.clone()).collect::<Vec<_>>(),
            [
                ExportName::Sub("${AWS::StackName}-Name".into()),
                ExportName::Literal("PlainExport".into()),
                ExportName::Computed,
            ]
        );
    }

    #[test]
    fn names_referred_by_refs_getatts_and_subs() {
        let template = Template::parse(TAGGED).unwrap();
        let bucket = template.resources().next().unwrap();
        let names = names_referred(&Value::Mapping(bucket.properties.unwrap().clone()));
        assert_eq!(
            names.into_iter().collect::<Vec<_>>(),
            ["AWS::NoValue", "AWS::StackName", "Role"]
        );
        let sub: Value =
            serde_norway::from_str("!Sub [\"${A}-${B.Arn}-${!C}-${Rain::D}-${Own}\", {Own: x}]")
                .unwrap();
        assert_eq!(
            names_referred(&sub).into_iter().collect::<Vec<_>>(),
            ["A", "B"]
        );
        assert!(template.defines("AWS::Region") && template.defines("Bucket"));
        assert!(!template.defines("Role"));
    }

    #[test]
    fn bad_templates_are_problems_not_panics() {
        assert!(Template::parse("").unwrap_err().message.contains("empty"));
        assert!(Template::parse("- a\n- b\n").is_err());
        let tabs = Template::parse("Resources:\n\tBucket: x\n").unwrap_err();
        assert!(tabs.line.is_some(), "{tabs:?}");
        assert!(Template::parse("a: !Unknown [1\n").is_err());
        assert!(Template::parse("a: 1\na: 2\n").is_err());
        let unknown = Template::parse("a: 1\nb: !Reff x\n").unwrap();
        assert_eq!(
            unknown.unknown_tags,
            [UnknownTag {
                tag: "!Reff".into(),
                line: Some(2)
            }]
        );
    }

    #[test]
    fn rain_directives_and_unknown_tags_cost_only_their_node() {
        let text = "Conditions:\n  On: !Equals [a, a]\nResources:\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: !If\n        - On\n        - !Rain::S3 {Path: src, BucketProperty: S3Bucket, KeyProperty: S3Key}\n        - !Rain::Embed code.py\n      Layers: [!Custom thing]\n  Queue:\n    Type: AWS::SQS::Queue\n    Properties:\n      Tags: [!Custom other]\nOutputs:\n  Q:\n    Value: !Ref Queue\n    Export:\n      Name: !Sub \"${AWS::StackName}-Q\"\n";
        let template = Template::parse(text).unwrap();
        let ids: Vec<&str> = template.resources().map(|r| r.logical_id).collect();
        assert_eq!(ids, ["Fn", "Queue"]);
        assert_eq!(template.exports().len(), 1);
        let directives: Vec<RainDirective> = template
            .rain_directives()
            .into_iter()
            .map(|(directive, _)| directive)
            .collect();
        assert_eq!(directives, [RainDirective::S3, RainDirective::Embed]);
        assert_eq!(
            template.unknown_tags,
            [
                UnknownTag {
                    tag: "!Custom".into(),
                    line: Some(11)
                },
                UnknownTag {
                    tag: "!Custom".into(),
                    line: Some(15)
                },
            ]
        );
        let json = Template::parse(
            r#"{"Resources": {"F": {"Type": "T", "Properties": {"Code": {"Rain::S3": "src"}}}}}"#,
        )
        .unwrap();
        assert_eq!(json.rain_directives()[0].0, RainDirective::S3);
    }
}
