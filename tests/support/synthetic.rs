//! Builds synthetic registry monorepos with known defects, for tests and benchmarks.

use std::fmt::Write as _;
use std::path::Path;

/// One planted defect and the rule that must report it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    None,
    ExampleInputsOnly,
    IgnoredInputName,
    SetGap,
    UnknownProperty,
    MissingRequired,
    ReadOnlyInInput,
    UpdateChangesCreateOnly,
    BadExportCharacters,
    NotExported,
    NoInteg,
    HardCodedName,
    ImportsSetup,
    NoBuildAction,
    WrongNamespace,
    InvalidJson,
    BrokenRpdkConfig,
    TenSets,
}

impl Defect {
    pub const ALL: [Defect; 18] = [
        Defect::None,
        Defect::ExampleInputsOnly,
        Defect::IgnoredInputName,
        Defect::SetGap,
        Defect::UnknownProperty,
        Defect::MissingRequired,
        Defect::ReadOnlyInInput,
        Defect::UpdateChangesCreateOnly,
        Defect::BadExportCharacters,
        Defect::NotExported,
        Defect::NoInteg,
        Defect::HardCodedName,
        Defect::ImportsSetup,
        Defect::NoBuildAction,
        Defect::WrongNamespace,
        Defect::InvalidJson,
        Defect::BrokenRpdkConfig,
        Defect::TenSets,
    ];
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// The folder of extension `index`, relative to the root.
pub fn folder(index: usize) -> String {
    format!("resources/Thing_{index:04}")
}

/// Writes one resource extension with `defect` and returns the (code, file) findings it must produce.
pub fn write_extension(root: &Path, index: usize, defect: Defect) -> Vec<(&'static str, String)> {
    let folder = folder(index);
    let dir = root.join(&folder);
    let namespace = if defect == Defect::WrongNamespace {
        "Other"
    } else {
        "Acme"
    };
    let type_name = format!("{namespace}::Test::Thing{index}");
    let rpdk = if defect == Defect::BrokenRpdkConfig {
        "{\"typeName\": \n".to_string()
    } else {
        format!(
            "{{\"artifact_type\": \"RESOURCE\", \"typeName\": \"{type_name}\", \"language\": \"python311\"}}\n"
        )
    };
    write(&dir.join(".rpdk-config"), &rpdk);
    write(
        &dir.join(format!(
            "{}.json",
            type_name.to_lowercase().replace("::", "-")
        )),
        &format!(
            r#"{{
    "typeName": "{type_name}",
    "properties": {{
        "Name": {{"type": "string"}},
        "Size": {{"type": "integer"}},
        "Arn": {{"type": "string"}}
    }},
    "required": ["Name"],
    "readOnlyProperties": ["/properties/Arn"],
    "createOnlyProperties": ["/properties/Name"],
    "primaryIdentifier": ["/properties/Arn"],
    "handlers": {{"create": {{"permissions": ["acme:Create"]}}}}
}}
"#
        ),
    );
    let export = format!("AcmeThing{index}Name");
    let inputs_dir = if defect == Defect::ExampleInputsOnly {
        "example_inputs"
    } else {
        "inputs"
    };
    let reference = match defect {
        Defect::BadExportCharacters => format!("{{{{acme_thing_{index}}}}}"),
        Defect::NotExported => format!("{{{{Missing{index}}}}}"),
        _ => format!("{{{{{export}}}}}"),
    };
    let create = match defect {
        Defect::UnknownProperty => {
            format!("{{\n    \"Name\": \"{reference}\",\n    \"Colour\": \"red\"\n}}\n")
        }
        Defect::MissingRequired => "{\n    \"Size\": 1\n}\n".to_string(),
        Defect::ReadOnlyInInput => {
            format!("{{\n    \"Name\": \"{reference}\",\n    \"Arn\": \"arn:x\"\n}}\n")
        }
        Defect::InvalidJson => format!("{{\n    \"Name\": \"{reference}\",\n"),
        _ => format!("{{\n    \"Name\": \"{reference}\",\n    \"Size\": 1\n}}\n"),
    };
    let update = if defect == Defect::UpdateChangesCreateOnly {
        "{\n    \"Name\": \"renamed\",\n    \"Size\": 2\n}\n".to_string()
    } else if defect == Defect::MissingRequired {
        "{\n    \"Size\": 2\n}\n".to_string()
    } else {
        format!("{{\n    \"Name\": \"{reference}\",\n    \"Size\": 2\n}}\n")
    };
    let sets: Vec<u32> = match defect {
        Defect::SetGap => vec![1, 3],
        Defect::TenSets => (1..=10).collect(),
        _ => vec![1],
    };
    for set in sets {
        write(
            &dir.join(format!("{inputs_dir}/inputs_{set}_create.json")),
            &create,
        );
        write(
            &dir.join(format!("{inputs_dir}/inputs_{set}_update.json")),
            &update,
        );
        write(
            &dir.join(format!("{inputs_dir}/inputs_{set}_invalid.json")),
            "{\"Size\": \"not a number\"}\n",
        );
    }
    if defect == Defect::IgnoredInputName {
        write(&dir.join("inputs/inputs_1_creat.json"), "{}\n");
    }
    write(
        &dir.join("test/setup.yml"),
        &format!(
            "Resources:\n  Thing:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: x\nOutputs:\n  Name:\n    Value: !Ref Thing\n    Export:\n      Name: {export}\n"
        ),
    );
    if defect != Defect::NoInteg {
        let name = match defect {
            Defect::HardCodedName => "Name: fixed-name".to_string(),
            Defect::ImportsSetup => format!("Name: !ImportValue {export}"),
            _ => "Name: !Sub \"${AWS::StackName}-thing\"".to_string(),
        };
        write(
            &dir.join("test/integ.yml"),
            &format!(
                "Resources:\n  Thing:\n    Type: {type_name}\n    Properties:\n      {name}\n      Size: 1\n"
            ),
        );
    }
    let ext = |file: &str| format!("{folder}/{file}");
    match defect {
        Defect::None | Defect::NoBuildAction => vec![],
        Defect::ExampleInputsOnly => vec![("INP001", ext("example_inputs"))],
        Defect::IgnoredInputName => vec![("INP003", ext("inputs/inputs_1_creat.json"))],
        Defect::SetGap => vec![("INP005", ext("inputs"))],
        Defect::UnknownProperty => vec![("INP009", ext("inputs/inputs_1_create.json"))],
        Defect::MissingRequired => vec![("INP010", ext("inputs/inputs_1_create.json"))],
        Defect::ReadOnlyInInput => vec![("INP011", ext("inputs/inputs_1_create.json"))],
        Defect::UpdateChangesCreateOnly => vec![("INP012", ext("inputs/inputs_1_update.json"))],
        Defect::BadExportCharacters => vec![
            ("INP013", ext("inputs/inputs_1_create.json")),
            ("INP013", ext("inputs/inputs_1_update.json")),
        ],
        Defect::NotExported => vec![
            ("INP014", ext("inputs/inputs_1_create.json")),
            ("INP014", ext("inputs/inputs_1_update.json")),
        ],
        Defect::NoInteg => vec![("ITG001", folder.clone())],
        Defect::HardCodedName => vec![("ITG003", ext("test/integ.yml"))],
        Defect::ImportsSetup => vec![("ITG004", ext("test/integ.yml"))],
        Defect::WrongNamespace => vec![("LAY003", ext(".rpdk-config"))],
        Defect::InvalidJson => vec![("INP004", ext("inputs/inputs_1_create.json"))],
        Defect::BrokenRpdkConfig => vec![("LAY001", ext(".rpdk-config"))],
        Defect::TenSets => vec![("INP006", ext("inputs"))],
    }
}

/// Writes `regship.yml` and a pipeline template with a build action for every index in `with_action`.
pub fn write_workspace_files(root: &Path, with_action: &[usize]) {
    write(
        &root.join("regship.yml"),
        "namespace: Acme\npipeline_template: release/cicd.yml\n",
    );
    let mut template = String::from(
        "Resources:\n  Pipeline:\n    Type: AWS::CodePipeline::Pipeline\n    Properties:\n      Stages:\n        - Name: Build\n          Actions:\n",
    );
    for index in with_action {
        let _ = write!(
            template,
            "            - Name: Thing{index}\n              ActionTypeId: {{Category: Build, Owner: AWS, Provider: CodeBuild, Version: \"1\"}}\n              Configuration:\n                ProjectName: !Ref Project\n                EnvironmentVariables: '[{{\"name\":\"RESOURCE_PATH\",\"type\":\"PLAINTEXT\",\"value\":\"{}\"}}]'\n",
            folder(*index)
        );
    }
    write(&root.join("release/cicd.yml"), &template);
}

/// A monorepo of `count` extensions whose defects cycle through [`Defect::ALL`];
/// returns every finding the checks must report, as (code, file), sorted.
pub fn build(root: &Path, count: usize) -> Vec<(&'static str, String)> {
    let mut expected = Vec::new();
    let mut with_action = Vec::new();
    for index in 0..count {
        let defect = Defect::ALL[index % Defect::ALL.len()];
        expected.extend(write_extension(root, index, defect));
        if defect == Defect::NoBuildAction {
            expected.push(("PIP001", "release/cicd.yml".to_string()));
        } else {
            with_action.push(index);
        }
    }
    write_workspace_files(root, &with_action);
    expected.sort();
    expected
}

/// Rewrites the test/setup.yml of the first `count` extensions to use rain directives (a
/// constant, an embedded file, a zipped folder on a Lambda function's Code), as monorepos that
/// deploy with rain do; the export stays the same. Without `directives`, the same template with
/// plain values in their place (what the directives cost, apart from the template's size).
pub fn use_rain_directives(root: &Path, count: usize, directives: bool) {
    let (constants, constant, embed, s3) = if directives {
        (
            "Rain",
            "!Rain::Constant Prefix",
            "!Rain::Embed description.txt",
            "!Rain::S3",
        )
    } else {
        ("Metadata", "Prefix", "description.txt", "")
    };
    for index in 0..count {
        let dir = root.join(folder(index));
        let export = format!("AcmeThing{index}Name");
        write(
            &dir.join("test/handler/index.py"),
            "def handler(event, context):\n    return None\n",
        );
        write(
            &dir.join("test/description.txt"),
            "prerequisites of the contract tests\n",
        );
        write(
            &dir.join("test/setup.yml"),
            &format!(
                "{constants}:\n  Constants:\n    Prefix: acme\nResources:\n  Thing:\n    Type: AWS::SSM::Parameter\n    Properties:\n      Type: String\n      Value: {constant}\n      Description: {embed}\n  Function:\n    Type: AWS::Lambda::Function\n    Properties:\n      Runtime: python3.12\n      Handler: index.handler\n      Role: !Sub \"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/x\"\n      Code: {s3}\n        Path: handler\n        Zip: true\n        BucketProperty: S3Bucket\n        KeyProperty: S3Key\nOutputs:\n  Name:\n    Value: !Ref Thing\n    Export:\n      Name: {export}\n"
            ),
        );
    }
}
