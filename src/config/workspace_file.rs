//! `regship.yml`, the workspace file at the monorepo root: strict (unknown keys are errors), with defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize};

use super::files::{ReadProblem, read_text};

/// The workspace file's name.
pub const WORKSPACE_FILE: &str = "regship.yml";

/// The release stages, one AWS account each.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Sandbox,
    Cicd,
    Beta,
    Prod,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Sandbox, Stage::Cicd, Stage::Beta, Stage::Prod];

    pub fn name(self) -> &'static str {
        match self {
            Stage::Sandbox => "sandbox",
            Stage::Cicd => "cicd",
            Stage::Beta => "beta",
            Stage::Prod => "prod",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a team made of a check rule in `regship.yml`: off, or the severity it reports at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Off,
    Info,
    Warning,
    Error,
}

/// How stable an extension is: alpha extensions may break compatibility and never fail a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Maturity {
    Alpha,
    #[default]
    Prod,
}

impl fmt::Display for Maturity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Maturity::Alpha => "alpha",
            Maturity::Prod => "prod",
        })
    }
}

/// A 12-digit AWS account id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for AccountId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct AccountIdVisitor;
        impl Visitor<'_> for AccountIdVisitor {
            type Value = AccountId;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a 12-digit AWS account id in quotes, e.g. \"123456789012\"")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<AccountId, E> {
                if value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit()) {
                    Ok(AccountId(value.to_string()))
                } else {
                    Err(E::custom(format!(
                        "`{value}` is not a 12-digit AWS account id"
                    )))
                }
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<AccountId, E> {
                let digits = value.to_string();
                if digits.len() == 12 {
                    Ok(AccountId(digits))
                } else {
                    Err(E::custom(format!(
                        "{value} is not a 12-digit AWS account id (quote ids that start with 0)"
                    )))
                }
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<AccountId, E> {
                match u64::try_from(value) {
                    Ok(value) => self.visit_u64(value),
                    Err(_) => Err(E::custom(format!("{value} is not an AWS account id"))),
                }
            }
        }
        deserializer.deserialize_any(AccountIdVisitor)
    }
}

/// The prod account's publishing regions: every region CloudFormation offers, or a list.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub enum Regions {
    #[default]
    #[serde(rename = "all")]
    All,
    #[serde(untagged)]
    List(Vec<String>),
}

impl<'de> Deserialize<'de> for Regions {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RegionsVisitor;
        impl<'de> Visitor<'de> for RegionsVisitor {
            type Value = Regions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`all` or a list of region names")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Regions, E> {
                if value == "all" {
                    Ok(Regions::All)
                } else {
                    Err(E::custom(format!(
                        "`{value}`: expected `all` or a list of region names"
                    )))
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Regions, A::Error> {
                let mut regions = Vec::new();
                while let Some(region) = seq.next_element::<String>()? {
                    regions.push(region);
                }
                Ok(Regions::List(regions))
            }
        }
        deserializer.deserialize_any(RegionsVisitor)
    }
}

/// The account of the sandbox, CI/CD or beta stage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StageAccount {
    /// The AWS profile; absent: the default credential chain.
    pub profile: Option<String>,
    /// The region; absent: the profile's region.
    pub region: Option<String>,
    /// The account id every mutating call is checked against.
    pub account_id: Option<AccountId>,
    /// The CodePipeline pipeline of this stage (cicd, beta).
    pub pipeline: Option<String>,
}

/// The prod account, which publishes to many regions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProdAccount {
    pub profile: Option<String>,
    /// The home region, where the SSM Automation runs from.
    pub region: Option<String>,
    #[serde(default)]
    pub regions: Regions,
    #[serde(default)]
    pub exclude_regions: Vec<String>,
    pub account_id: Option<AccountId>,
    /// The stack of `release/prod.yml` in the home region, whose outputs a rollout uses
    /// (default `regship-prod`).
    pub kit_stack: Option<String>,
}

/// The four accounts of the release process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accounts {
    #[serde(default)]
    pub sandbox: StageAccount,
    #[serde(default)]
    pub cicd: StageAccount,
    #[serde(default)]
    pub beta: StageAccount,
    #[serde(default)]
    pub prod: ProdAccount,
}

impl Accounts {
    /// The CodePipeline pipeline of a stage: cicd and beta may name one, the others have none.
    pub fn pipeline(&self, stage: Stage) -> Option<&str> {
        match stage {
            Stage::Cicd => self.cicd.pipeline.as_deref(),
            Stage::Beta => self.beta.pipeline.as_deref(),
            Stage::Sandbox | Stage::Prod => None,
        }
    }
}

/// Where extension projects are looked for when `extension_dirs` is not set.
pub const DEFAULT_EXTENSION_DIRS: [&str; 3] = ["resources", "hooks", "modules"];

fn default_pipeline_template() -> String {
    "release/cicd.yml".into()
}

fn default_beta_pipeline_template() -> String {
    "release/beta.yml".into()
}

/// The contents of `regship.yml`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceConfig {
    /// The first segments every type name must have (`AwsCommunity`, `MongoDB::Atlas`);
    /// absent: not checked.
    pub namespace: Option<String>,
    /// Folders (or globs: `*/resources`), relative to the root, searched for extension projects
    /// (`.rpdk-config`); absent: [`DEFAULT_EXTENSION_DIRS`], those that exist.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension_dirs: Option<Vec<String>>,
    /// The prerequisites template of an extension kept elsewhere than `test/setup.*`: type name,
    /// folder path or folder name -> path relative to the extension's folder.
    #[serde(default)]
    pub setup_template: BTreeMap<String, String>,
    /// The CI/CD pipeline template, relative to the root.
    #[serde(default = "default_pipeline_template")]
    pub pipeline_template: String,
    /// The beta account's pipeline template (integration runs), relative to the root.
    #[serde(default = "default_beta_pipeline_template")]
    pub beta_pipeline_template: String,
    #[serde(default)]
    pub accounts: Accounts,
    /// Maturity per extension, keyed by type name or folder; absent: prod.
    #[serde(default)]
    pub maturity: BTreeMap<String, Maturity>,
    /// Check rules tuned for the whole workspace: a code (`ITG001`) or a family (`ITG`) -> level.
    #[serde(default)]
    pub rules: BTreeMap<String, RuleLevel>,
    /// The same per extension (type name, folder path or folder name), over `rules`.
    #[serde(default)]
    pub extension_rules: BTreeMap<String, BTreeMap<String, RuleLevel>>,
    /// What of the file could not be used: each costs only its own key (its default stands in).
    #[serde(skip)]
    pub problems: Vec<ConfigError>,
}

impl Default for WorkspaceConfig {
    fn default() -> Self {
        WorkspaceConfig {
            namespace: None,
            extension_dirs: None,
            setup_template: BTreeMap::new(),
            rules: BTreeMap::new(),
            extension_rules: BTreeMap::new(),
            pipeline_template: default_pipeline_template(),
            beta_pipeline_template: default_beta_pipeline_template(),
            accounts: Accounts::default(),
            maturity: BTreeMap::new(),
            problems: Vec::new(),
        }
    }
}

/// A `regship.yml` that could not be used, with where and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{file}{}: {message}", location(*.line, *.column))]
pub struct ConfigError {
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
}

/// A parse error as a `ConfigError`: its message without serde's " at line ..." tail.
fn config_error(err: &serde_norway::Error, file: &str) -> ConfigError {
    let location = err.location();
    let full = err.to_string();
    let message = match full.rsplit_once(" at line ") {
        Some((message, _)) if location.is_some() => message.to_string(),
        _ => full,
    };
    ConfigError {
        file: file.to_string(),
        line: location.as_ref().map(|l| l.line() as u32),
        column: location.as_ref().map(|l| l.column() as u32),
        message,
    }
}

/// The key a problem's message names: the unknown field in backticks, else the last segment
/// of its path (`accounts.beta.account_id: ...` -> `account_id`).
fn text_key(message: &str) -> Option<&str> {
    if let Some(rest) = message.split("unknown field `").nth(1) {
        return rest.split('`').next();
    }
    let (path, _) = message.split_once(": ")?;
    path.rsplit('.').next().filter(|key| !key.contains(' '))
}

/// The 1-based line where `key:` first stands in `text`.
fn line_of_key(key: Option<&str>, text: &str) -> Option<u32> {
    let key = key?;
    text.lines()
        .position(|line| {
            let trimmed = line.trim_start().trim_start_matches("- ");
            trimmed.starts_with(&format!("{key}:")) || trimmed.starts_with(&format!("\"{key}\":"))
        })
        .map(|n| n as u32 + 1)
}

/// Removes from `value` the key a problem's message names; whether it found one.
fn leave_out(value: &mut serde_norway::Value, message: &str) -> bool {
    let (path, rest) = match message.split_once(": ") {
        Some((path, rest)) if !path.contains(' ') => (path, rest),
        _ => ("", message),
    };
    let mut segments: Vec<&str> = if path.is_empty() {
        Vec::new()
    } else {
        path.split('.').collect()
    };
    if let Some(field) = rest
        .split("unknown field `")
        .nth(1)
        .and_then(|r| r.split('`').next())
    {
        segments.push(field);
    }
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut node = value;
    for segment in parents {
        match node.get_mut(*segment) {
            Some(child) => node = child,
            None => return false,
        }
    }
    node.as_mapping_mut()
        .and_then(|mapping| mapping.remove(*last))
        .is_some()
}

fn location(line: Option<u32>, column: Option<u32>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(":{line}:{column}"),
        (Some(line), None) => format!(":{line}"),
        _ => String::new(),
    }
}

impl WorkspaceConfig {
    /// Parses the text of a workspace file strictly: the first problem is an error.
    pub fn parse(text: &str, file: &str) -> Result<WorkspaceConfig, ConfigError> {
        if text.trim().is_empty() {
            return Ok(WorkspaceConfig::default());
        }
        serde_norway::from_str(text).map_err(|err| config_error(&err, file))
    }

    /// Parses the text of a workspace file, using all it can: a key that is unknown or of the
    /// wrong type is left out (its default stands in) and reported in `problems`, and the rest
    /// of the file still applies. A file that is not YAML at all gives the defaults.
    pub fn parse_lenient(text: &str, file: &str) -> WorkspaceConfig {
        let first = match WorkspaceConfig::parse(text, file) {
            Ok(config) => return config,
            Err(first) => first,
        };
        let mut problems = vec![first];
        let Ok(mut value) = serde_norway::from_str::<serde_norway::Value>(text) else {
            return WorkspaceConfig {
                problems,
                ..WorkspaceConfig::default()
            };
        };
        // Each round leaves out the key the last problem names and reads the rest again.
        for _ in 0..32 {
            let last = problems
                .last()
                .map(|p| p.message.clone())
                .unwrap_or_default();
            if !leave_out(&mut value, &last) {
                break;
            }
            let again = serde_norway::to_string(&value)
                .map_err(|err| err.to_string())
                .and_then(|text| {
                    serde_norway::from_str::<WorkspaceConfig>(&text)
                        .map_err(|err| config_error(&err, file).message)
                });
            match again {
                Ok(mut config) => {
                    config.problems = problems;
                    return config;
                }
                Err(message) => problems.push(ConfigError {
                    file: file.to_string(),
                    line: line_of_key(text_key(&message), text),
                    column: None,
                    message,
                }),
            }
        }
        WorkspaceConfig {
            problems,
            ..WorkspaceConfig::default()
        }
    }

    /// Loads `regship.yml` from `root`: defaults when absent; what cannot be used is in
    /// `problems`, and costs only its own key.
    pub fn load(root: &Path) -> WorkspaceConfig {
        match read_text(&root.join(WORKSPACE_FILE)) {
            Ok(text) => WorkspaceConfig::parse_lenient(&text, WORKSPACE_FILE),
            Err(ReadProblem::Missing) => WorkspaceConfig::default(),
            Err(problem) => WorkspaceConfig {
                problems: vec![ConfigError {
                    file: WORKSPACE_FILE.to_string(),
                    line: None,
                    column: None,
                    message: problem.to_string(),
                }],
                ..WorkspaceConfig::default()
            },
        }
    }

    /// What could not be used of one stage's settings (`accounts.<stage>`), for messages where
    /// that stage is used.
    pub fn stage_problem(&self, stage: Stage) -> Option<&ConfigError> {
        let prefix = format!("accounts.{stage}");
        self.problems
            .iter()
            .find(|p| p.message.starts_with(&prefix))
    }

    /// The maturity of an extension, looked up by type name, then by folder.
    /// The level a team set for `code` (`ITG001`) in the extension (`type_name`, `folder`), if
    /// any: the extension's code, its family (`ITG`), then the workspace's code and family.
    pub fn rule_level(
        &self,
        code: &str,
        type_name: Option<&str>,
        folder: Option<&str>,
    ) -> Option<RuleLevel> {
        let family = code.trim_end_matches(|c: char| c.is_ascii_digit());
        let for_extension = folder.and_then(|folder| {
            type_name
                .and_then(|name| self.extension_rules.get(name))
                .or_else(|| {
                    self.extension_rules
                        .iter()
                        .find(|(key, _)| names_folder(key, folder))
                        .map(|(_, rules)| rules)
                })
        });
        let lookup = |rules: &BTreeMap<String, RuleLevel>| {
            rules.get(code).or_else(|| rules.get(family)).copied()
        };
        for_extension
            .and_then(lookup)
            .or_else(|| lookup(&self.rules))
    }

    /// The folders (or globs) searched for extension projects.
    pub fn search_dirs(&self) -> Vec<String> {
        self.extension_dirs.clone().unwrap_or_else(|| {
            DEFAULT_EXTENSION_DIRS
                .iter()
                .map(|dir| dir.to_string())
                .collect()
        })
    }

    /// The prerequisites template `setup_template` names for an extension, if any.
    pub fn setup_template_of(&self, type_name: Option<&str>, folder: &str) -> Option<&str> {
        type_name
            .and_then(|name| self.setup_template.get(name))
            .or_else(|| {
                self.setup_template
                    .iter()
                    .find(|(key, _)| names_folder(key, folder))
                    .map(|(_, path)| path)
            })
            .map(String::as_str)
    }

    /// Whether `type_name` starts with every segment of the namespace (`MongoDB::Atlas` takes
    /// `MongoDB::Atlas::Cluster`, not `MongoDB::AtlasX::Cluster`); true without a namespace.
    pub fn in_namespace(&self, type_name: &str) -> bool {
        let Some(namespace) = &self.namespace else {
            return true;
        };
        let mut segments = type_name.split("::");
        namespace
            .split("::")
            .all(|expected| segments.next() == Some(expected))
    }

    pub fn maturity_of(&self, type_name: Option<&str>, folder: &str) -> Maturity {
        type_name
            .and_then(|name| self.maturity.get(name))
            .or_else(|| {
                self.maturity
                    .iter()
                    .find(|(key, _)| names_folder(key, folder))
                    .map(|(_, maturity)| maturity)
            })
            .copied()
            .unwrap_or_default()
    }
}

/// Whether a maturity key names the extension in `folder`: its path (`resources/S3_Thing`, with
/// or without a trailing slash) or its folder name alone (`S3_Thing`).
pub fn names_folder(key: &str, folder: &str) -> bool {
    let key = key.trim_end_matches('/');
    key == folder || folder.rsplit('/').next() == Some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FULL: &str = r#"
namespace: AwsCommunity
extension_dirs: [resources, hooks]
pipeline_template: release/cicd.yml
accounts:
  sandbox: {profile: dev, region: us-west-2, account_id: "012345678901"}
  cicd: {profile: cicd, region: us-east-1, account_id: 111111111111, pipeline: extensions}
  beta: {profile: beta, region: us-east-1, account_id: "222222222222", pipeline: beta}
  prod:
    profile: prod
    region: us-east-1
    regions: all
    exclude_regions: [ap-east-1]
    account_id: "333333333333"
maturity:
  AwsCommunity::S3::DeleteBucketContents: alpha
  hooks/S3_Check: prod
"#;

    #[test]
    fn maturity_by_path_or_bare_folder_name() {
        let config = WorkspaceConfig::parse(
            "maturity:\n  S3_Thing: alpha\n  hooks/S3_Check/: alpha\n",
            "regship.yml",
        )
        .unwrap();
        assert_eq!(
            config.maturity_of(None, "resources/S3_Thing"),
            Maturity::Alpha
        );
        assert_eq!(config.maturity_of(None, "hooks/S3_Check"), Maturity::Alpha);
        assert_eq!(
            config.maturity_of(None, "resources/S3_Thing2"),
            Maturity::Prod
        );
        assert_eq!(config.maturity_of(None, "resources/Other"), Maturity::Prod);
    }

    #[test]
    fn reads_every_key() {
        let config = WorkspaceConfig::parse(FULL, "regship.yml").unwrap();
        assert_eq!(config.namespace.as_deref(), Some("AwsCommunity"));
        assert_eq!(config.search_dirs(), ["resources", "hooks"]);
        assert_eq!(
            config
                .accounts
                .sandbox
                .account_id
                .as_ref()
                .unwrap()
                .as_str(),
            "012345678901"
        );
        assert_eq!(
            config.accounts.cicd.account_id.as_ref().unwrap().as_str(),
            "111111111111"
        );
        assert_eq!(config.accounts.cicd.pipeline.as_deref(), Some("extensions"));
        assert_eq!(config.accounts.prod.regions, Regions::All);
        assert_eq!(config.accounts.prod.exclude_regions, ["ap-east-1"]);
        assert_eq!(
            config.maturity_of(
                Some("AwsCommunity::S3::DeleteBucketContents"),
                "resources/x"
            ),
            Maturity::Alpha
        );
        assert_eq!(config.maturity_of(None, "hooks/S3_Check"), Maturity::Prod);
        assert_eq!(
            config.maturity_of(Some("Other::Type::Name"), "resources/y"),
            Maturity::Prod
        );
    }

    #[test]
    fn region_list_and_defaults() {
        let config = WorkspaceConfig::parse(
            "accounts:\n  prod:\n    regions: [us-east-1, eu-west-1]\n",
            "r",
        )
        .unwrap();
        assert_eq!(
            config.accounts.prod.regions,
            Regions::List(vec!["us-east-1".into(), "eu-west-1".into()])
        );
        assert_eq!(config.search_dirs(), ["resources", "hooks", "modules"]);
        assert_eq!(config.extension_dirs, None);
        assert_eq!(config.pipeline_template, "release/cicd.yml");
        assert_eq!(
            WorkspaceConfig::parse("", "r").unwrap(),
            WorkspaceConfig::default()
        );
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            WorkspaceConfig::load(dir.path()),
            WorkspaceConfig::default()
        );
    }

    #[test]
    fn an_unquoted_id_with_a_leading_zero_is_read_as_written() {
        let config = WorkspaceConfig::parse(
            "accounts:\n  sandbox: {account_id: 012345670123}\n  beta: {account_id: 012345678901}\n",
            "regship.yml",
        )
        .unwrap();
        let id = |account: &Option<AccountId>| account.as_ref().map(|a| a.as_str().to_string());
        assert_eq!(
            id(&config.accounts.sandbox.account_id).as_deref(),
            Some("012345670123")
        );
        assert_eq!(
            id(&config.accounts.beta.account_id).as_deref(),
            Some("012345678901")
        );
    }

    #[test]
    fn a_bad_key_costs_only_that_key() {
        let text = "namespace: Acme\naccounts:\n  sandbox: {profile: dev, account_id: \"111111111111\"}\n  beta: {profile: beta, account_id: 12345}\n  prod:\n    profile: prod\n    regionz: all\n    account_id: \"444444444444\"\nmaturity:\n  Acme::A::B: beta\n  Acme::C::D: alpha\n";
        let config = WorkspaceConfig::parse_lenient(text, "regship.yml");
        assert_eq!(config.namespace.as_deref(), Some("Acme"));
        assert_eq!(config.accounts.sandbox.profile.as_deref(), Some("dev"));
        assert_eq!(config.accounts.prod.profile.as_deref(), Some("prod"));
        assert_eq!(
            config
                .accounts
                .prod
                .account_id
                .as_ref()
                .map(AccountId::as_str),
            Some("444444444444")
        );
        assert_eq!(config.accounts.beta.profile.as_deref(), Some("beta"));
        assert_eq!(
            config.accounts.beta.account_id, None,
            "the bad id alone is dropped"
        );
        assert_eq!(config.maturity.get("Acme::C::D"), Some(&Maturity::Alpha));
        assert_eq!(config.maturity.get("Acme::A::B"), None);
        let problems: Vec<(Option<u32>, &str)> = config
            .problems
            .iter()
            .map(|p| (p.line, p.message.as_str()))
            .collect();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(
            problems
                .iter()
                .any(|(line, m)| *line == Some(4) && m.contains("accounts.beta.account_id")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|(line, m)| *line == Some(7) && m.contains("regionz")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|(line, m)| *line == Some(10) && m.contains("beta")),
            "{problems:?}"
        );
        assert!(config.stage_problem(Stage::Prod).is_some());
        assert!(config.stage_problem(Stage::Sandbox).is_none());
        // Not YAML at all: the defaults, and why.
        let broken = WorkspaceConfig::parse_lenient("namespace: [a\n", "regship.yml");
        assert_eq!(broken.namespace, None);
        assert_eq!(broken.problems.len(), 1);
    }

    #[test]
    fn unknown_key_names_file_line_and_key() {
        let err = WorkspaceConfig::parse(
            "namespace: X\naccounts:\n  prod:\n    regionz: all\n",
            "regship.yml",
        )
        .unwrap_err();
        assert_eq!(err.line, Some(4));
        assert!(err.message.contains("accounts.prod"), "{err}");
        assert!(err.message.contains("unknown field `regionz`"), "{err}");
        assert!(err.to_string().starts_with("regship.yml:4:"), "{err}");
    }

    #[test]
    fn wrong_types_are_errors_with_their_key() {
        let err =
            WorkspaceConfig::parse("accounts:\n  beta:\n    account_id: 12345\n", "regship.yml")
                .unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("accounts.beta.account_id"), "{err}");
        let err =
            WorkspaceConfig::parse("maturity:\n  X::Y::Z: beta\n", "regship.yml").unwrap_err();
        assert!(err.message.contains("unknown variant `beta`"), "{err}");
        let err = WorkspaceConfig::parse("accounts:\n  prod:\n    regions: some\n", "regship.yml")
            .unwrap_err();
        assert!(err.message.contains("expected `all`"), "{err}");
        let err = WorkspaceConfig::parse("namespace: [a\n", "regship.yml").unwrap_err();
        assert!(err.line.is_some());
    }
}
