//! A read-only model of a registry monorepo: its extensions, their schemas, inputs and test templates.

pub mod files;
pub mod inputs;
pub mod permissions;
pub mod pipeline;
pub mod rain;
pub mod schema;
pub mod template;

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::config::{Maturity, WORKSPACE_FILE, WorkspaceConfig};
use files::read_text;
use inputs::{InputName, classify};
use schema::{Schema, parse_json};
use template::Template;

/// Why a file of the workspace could not be used, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseProblem {
    pub message: String,
    pub line: Option<u32>,
}

impl ParseProblem {
    pub fn new(message: impl Into<String>) -> Self {
        ParseProblem {
            message: message.into(),
            line: None,
        }
    }
}

/// A file of the workspace: its path relative to the root, its text, and what it parsed to.
#[derive(Debug, Clone)]
pub struct Loaded<T> {
    pub path: String,
    pub text: String,
    pub parsed: Result<T, ParseProblem>,
}

impl<T> Loaded<T> {
    fn read(root: &Path, path: &Path, parse: impl FnOnce(&str) -> Result<T, ParseProblem>) -> Self {
        let relative = relative_path(root, path);
        match read_text(path) {
            Ok(text) => {
                let parsed = parse(&text);
                Loaded {
                    path: relative,
                    text,
                    parsed,
                }
            }
            Err(problem) => Loaded {
                path: relative,
                text: String::new(),
                parsed: Err(ParseProblem::new(problem.to_string())),
            },
        }
    }

    pub fn ok(&self) -> Option<&T> {
        self.parsed.as_ref().ok()
    }
}

/// The kind of registry extension, as `.rpdk-config` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ArtifactType {
    Resource,
    Hook,
    Module,
}

impl fmt::Display for ArtifactType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ArtifactType::Resource => "RESOURCE",
            ArtifactType::Hook => "HOOK",
            ArtifactType::Module => "MODULE",
        })
    }
}

/// What `.rpdk-config` says of the project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpdkConfig {
    pub type_name: String,
    pub artifact_type: ArtifactType,
    pub language: Option<String>,
    /// `settings.use_docker` (or the legacy `useDocker`): `cfn submit` builds the handlers in a
    /// Docker container (cloudformation-cli-python-plugin `codegen.py`, `_use_docker`).
    pub builds_in_docker: bool,
}

impl RpdkConfig {
    pub fn parse(text: &str) -> Result<RpdkConfig, ParseProblem> {
        let value = parse_json(text)?;
        let type_name = value
            .get("typeName")
            .and_then(|v| v.as_str())
            .ok_or_else(|| ParseProblem::new("`.rpdk-config` has no string `typeName`"))?;
        let artifact_type = match value.get("artifact_type").and_then(|v| v.as_str()) {
            None | Some("RESOURCE") => ArtifactType::Resource,
            Some("HOOK") => ArtifactType::Hook,
            Some("MODULE") => ArtifactType::Module,
            Some(other) => {
                return Err(ParseProblem::new(format!(
                    "`artifact_type` is `{other}`; expected RESOURCE, HOOK or MODULE"
                )));
            }
        };
        Ok(RpdkConfig {
            type_name: type_name.to_string(),
            artifact_type,
            language: value
                .get("language")
                .and_then(|v| v.as_str())
                .map(String::from),
            builds_in_docker: ["use_docker", "useDocker"].iter().any(|key| {
                value
                    .get("settings")
                    .and_then(|s| s.get(key))
                    .and_then(|v| v.as_bool())
                    == Some(true)
            }),
        })
    }
}

/// One file in an `inputs/` or `example_inputs/` folder.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub file_name: String,
    pub name: InputName,
    /// Parsed only for `.json` files.
    pub json: Option<Loaded<serde_json::Value>>,
    pub path: String,
}

/// An `inputs/` or `example_inputs/` folder.
#[derive(Debug, Clone)]
pub struct InputsFolder {
    pub path: String,
    pub files: Vec<InputFile>,
}

impl InputsFolder {
    fn read(root: &Path, dir: &Path) -> Option<InputsFolder> {
        let entries = std::fs::read_dir(dir).ok()?;
        let mut files: Vec<InputFile> = entries
            .filter_map(Result::ok)
            .filter(|entry| entry.file_type().is_ok_and(|t| t.is_file()))
            .map(|entry| {
                let file_name = entry.file_name().to_string_lossy().into_owned();
                let path = entry.path();
                let json = file_name
                    .ends_with(".json")
                    .then(|| Loaded::read(root, &path, parse_json));
                InputFile {
                    name: classify(&file_name),
                    path: relative_path(root, &path),
                    file_name,
                    json,
                }
            })
            .collect();
        files.sort_by(|a, b| a.file_name.cmp(&b.file_name));
        Some(InputsFolder {
            path: relative_path(root, dir),
            files,
        })
    }

    /// The set numbers present, ascending, without repeats.
    pub fn set_numbers(&self) -> Vec<u32> {
        let mut sets: Vec<u32> = self
            .files
            .iter()
            .filter_map(|file| match file.name {
                InputName::Test { set, .. } => Some(set),
                InputName::Ignored => None,
            })
            .collect();
        sets.sort_unstable();
        sets.dedup();
        sets
    }
}

/// One registry extension project (a folder with `.rpdk-config`).
#[derive(Debug, Clone)]
pub struct Extension {
    /// The folder relative to the workspace root, with `/` separators.
    pub folder: String,
    pub dir: PathBuf,
    pub rpdk_config: Loaded<RpdkConfig>,
    pub schema: Option<Loaded<Schema>>,
    pub inputs: Option<InputsFolder>,
    pub example_inputs: Option<InputsFolder>,
    /// `overrides.json` at the project root: what `cfn test` applies to the values it generates.
    pub overrides: Option<Loaded<serde_json::Value>>,
    /// What makes `inputs/` at build time, when the repository generates it (a `.gitignore`
    /// that ignores it, or a build file that writes it).
    pub inputs_generated_by: Option<String>,
    /// `test/setup.{yml,yaml,json}`, every one present.
    pub setup: Vec<Loaded<Template>>,
    /// `test/integ.*` (hooks: `test/integ-succeed.*` and `test/integ-fail.*`), every one present.
    pub integ: Vec<Loaded<Template>>,
    pub maturity: Maturity,
}

impl Extension {
    pub fn type_name(&self) -> Option<&str> {
        self.rpdk_config
            .ok()
            .map(|config| config.type_name.as_str())
    }

    pub fn artifact_type(&self) -> ArtifactType {
        self.rpdk_config
            .ok()
            .map_or(ArtifactType::Resource, |config| config.artifact_type)
    }

    pub fn language(&self) -> Option<&str> {
        self.rpdk_config
            .ok()
            .and_then(|config| config.language.as_deref())
    }

    /// The last segment of the folder path.
    /// Where one of the extension's files (its path relative to the workspace root) is.
    pub fn file(&self, path: &str) -> PathBuf {
        let inside = path
            .strip_prefix(&self.folder)
            .map_or(path, |rest| rest.trim_start_matches('/'));
        self.dir.join(inside)
    }

    pub fn folder_name(&self) -> &str {
        self.folder.rsplit('/').next().unwrap_or(&self.folder)
    }

    /// The stack the process deploys `test/setup.*` as: `setup-<folder with _ replaced by ->`.
    pub fn setup_stack_name(&self) -> String {
        format!("setup-{}", self.folder_name().replace('_', "-"))
    }

    /// The number of contract-test input sets in `inputs/`.
    pub fn input_set_count(&self) -> usize {
        self.inputs
            .as_ref()
            .map_or(0, |inputs| inputs.set_numbers().len())
    }
}

/// A registry monorepo.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub config: WorkspaceConfig,
    pub extensions: Vec<Extension>,
    /// Entries of `extension_dirs` (as written in regship.yml) that name no folder.
    pub unmatched_dirs: Vec<String>,
    /// The CI/CD pipeline template, when the file exists.
    pub pipeline: Option<Loaded<Template>>,
}

/// Folders never searched for extensions.
const SKIPPED_DIRS: &[&str] = &[
    "node_modules",
    "target",
    "build",
    "venv",
    "__pycache__",
    "dist",
];
/// How deep below an extension folder (`resources/`, ...) projects are looked for.
const MAX_SEARCH_DEPTH: usize = 4;

fn relative_path(root: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(root).unwrap_or(path);
    let text = relative.to_string_lossy().replace('\\', "/");
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// The workspace root for `start`: the nearest folder with `regship.yml`, else the git root, else `start`.
pub fn find_root(start: &Path) -> PathBuf {
    let start = std::path::absolute(start).unwrap_or_else(|_| start.to_path_buf());
    if let Some(dir) = start
        .ancestors()
        .find(|dir| dir.join(WORKSPACE_FILE).is_file())
    {
        return dir.to_path_buf();
    }
    if let Some(dir) = start.ancestors().find(|dir| dir.join(".git").exists()) {
        return dir.to_path_buf();
    }
    start
}

/// Build files that may write `inputs/` (`make inputs`, `npm run gen-inputs`, a script).
const BUILD_FILES: &[&str] = &[
    "Makefile",
    "package.json",
    "build.gradle",
    "build.gradle.kts",
    "pom.xml",
    "generate-inputs.sh",
    "inputs.sh",
];

/// What generates the `inputs/` of the project in `dir`, if anything does: a `.gitignore`
/// between the project and the root that ignores `inputs`, or a build file of the project
/// that writes `inputs/inputs_...` files.
fn inputs_generator(root: &Path, dir: &Path) -> Option<String> {
    let ignores = |line: &str| {
        let pattern = line.trim().trim_end_matches('/').trim_start_matches("**/");
        matches!(
            pattern,
            "inputs" | "/inputs" | "inputs/*" | "inputs/**" | "inputs/*.json"
        ) || pattern.ends_with("/inputs") && !pattern.contains('*')
    };
    let mut folder = Some(dir);
    while let Some(current) = folder {
        let gitignore = current.join(".gitignore");
        if let Ok(text) = std::fs::read_to_string(&gitignore)
            && text
                .lines()
                .any(|line| !line.starts_with('#') && ignores(line))
        {
            return Some(format!("{} ignores it", relative_path(root, &gitignore)));
        }
        if current == root {
            break;
        }
        folder = current.parent();
    }
    BUILD_FILES.iter().find_map(|name| {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path).ok()?;
        (text.contains("inputs/inputs_") || text.contains("> inputs/"))
            .then(|| format!("{} writes it", relative_path(root, &path)))
    })
}

/// The folders an `extension_dirs` entry names: itself, or what its glob (`*/resources`,
/// `providers/**`) matches.
fn search_dirs(root: &Path, entry: &str) -> Vec<PathBuf> {
    if !entry.contains(['*', '?', '[']) {
        let dir = root.join(entry);
        return if dir.is_dir() { vec![dir] } else { Vec::new() };
    }
    let pattern = root.join(entry);
    let Ok(paths) = glob::glob(&pattern.to_string_lossy()) else {
        return Vec::new();
    };
    paths
        .filter_map(Result::ok)
        .filter(|path| path.is_dir())
        .collect()
}

fn find_projects(dir: &Path, depth: usize, found: &mut Vec<PathBuf>) {
    if dir.join(".rpdk-config").is_file() {
        found.push(dir.to_path_buf());
        return;
    }
    if depth == MAX_SEARCH_DEPTH {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with('.') || SKIPPED_DIRS.contains(&name.as_ref()) {
            continue;
        }
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            find_projects(&entry.path(), depth + 1, found);
        }
    }
}

fn find_schema(root: &Path, dir: &Path, type_name: Option<&str>) -> Option<Loaded<Schema>> {
    if let Some(type_name) = type_name {
        let expected = dir.join(format!(
            "{}.json",
            type_name.to_lowercase().replace("::", "-")
        ));
        if expected.is_file() {
            return Some(Loaded::read(root, &expected, Schema::parse));
        }
    }
    // Modules keep their generated schema as schema.json; other layouts: any JSON with a typeName.
    let mut candidates: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .collect();
    candidates.sort();
    candidates.into_iter().find_map(|path| {
        let text = read_text(&path).ok()?;
        text.contains("\"typeName\"")
            .then(|| Loaded::read(root, &path, Schema::parse))
    })
}

fn read_templates(root: &Path, dir: &Path, stems: &[&str]) -> Vec<Loaded<Template>> {
    stems
        .iter()
        .flat_map(|stem| ["yml", "yaml", "json"].map(|ext| dir.join(format!("{stem}.{ext}"))))
        .filter(|path| path.is_file())
        .map(|path| Loaded::read(root, &path, Template::parse))
        .collect()
}

impl Extension {
    fn load(root: &Path, dir: &Path, config: &WorkspaceConfig) -> Extension {
        let rpdk_config = Loaded::read(root, &dir.join(".rpdk-config"), RpdkConfig::parse);
        let type_name = rpdk_config.ok().map(|c| c.type_name.clone());
        let artifact_type = rpdk_config
            .ok()
            .map_or(ArtifactType::Resource, |c| c.artifact_type);
        let integ_stems: &[&str] = match artifact_type {
            ArtifactType::Hook => &["integ-succeed", "integ-fail"],
            _ => &["integ"],
        };
        let folder = relative_path(root, dir);
        let test_dir = dir.join("test");
        Extension {
            schema: find_schema(root, dir, type_name.as_deref()),
            inputs: InputsFolder::read(root, &dir.join("inputs")),
            overrides: dir
                .join("overrides.json")
                .is_file()
                .then(|| Loaded::read(root, &dir.join("overrides.json"), parse_json)),
            // Only a missing inputs/ needs explaining (and the files read to tell).
            inputs_generated_by: (!dir.join("inputs").is_dir())
                .then(|| inputs_generator(root, dir))
                .flatten(),
            example_inputs: InputsFolder::read(root, &dir.join("example_inputs")),
            setup: match config.setup_template_of(type_name.as_deref(), &folder) {
                Some(path) => {
                    let path = dir.join(path);
                    vec![Loaded::read(root, &path, Template::parse)]
                }
                None => read_templates(root, &test_dir, &["setup"]),
            },
            integ: read_templates(root, &test_dir, integ_stems),
            maturity: config.maturity_of(type_name.as_deref(), &folder),
            dir: dir.to_path_buf(),
            folder,
            rpdk_config,
        }
    }
}

impl Workspace {
    /// Loads the workspace whose root is `root`. Never fails: every problem is kept for the checks.
    pub fn load(root: &Path) -> Workspace {
        let config = WorkspaceConfig::load(root);
        let mut project_dirs = Vec::new();
        let mut unmatched_dirs = Vec::new();
        for entry in config.search_dirs() {
            let dirs = search_dirs(root, &entry);
            if dirs.is_empty() && config.extension_dirs.is_some() {
                unmatched_dirs.push(entry);
            }
            for dir in dirs {
                find_projects(&dir, 0, &mut project_dirs);
            }
        }
        project_dirs.sort();
        project_dirs.dedup();
        let extensions = load_in_parallel(&project_dirs, |dir| Extension::load(root, dir, &config));
        let pipeline_path = root.join(&config.pipeline_template);
        let pipeline = pipeline_path
            .is_file()
            .then(|| Loaded::read(root, &pipeline_path, Template::parse));
        Workspace {
            root: root.to_path_buf(),
            config,
            extensions,
            unmatched_dirs,
            pipeline,
        }
    }

    /// Finds the root from `start` (see [`find_root`]) and loads it.
    pub fn discover(start: &Path) -> Workspace {
        Workspace::load(&find_root(start))
    }
}

/// Maps `items` on all available cores, keeping their order.
pub fn load_in_parallel<I: Sync, O: Send>(items: &[I], load: impl Fn(&I) -> O + Sync) -> Vec<O> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || items.len() < 16 {
        return items.iter().map(&load).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&load).collect::<Vec<O>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

impl Extension {
    /// Every `{{Name}}` referenced by the JSON files of `inputs/`: (file, name), in file order.
    pub fn export_references(&self) -> Vec<(String, String)> {
        let Some(inputs) = &self.inputs else {
            return Vec::new();
        };
        inputs
            .files
            .iter()
            .filter_map(|file| file.json.as_ref())
            .flat_map(|loaded| {
                inputs::export_references(&loaded.text)
                    .map(|reference| (loaded.path.clone(), reference.name.to_string()))
            })
            .collect()
    }
}

/// The export names of `(file, name)` references, each once, in the order they first appear.
pub fn unique_export_names(references: &[(String, String)]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    references
        .iter()
        .filter(|(_, name)| seen.insert(name.as_str()))
        .map(|(_, name)| name.clone())
        .collect()
}

impl Workspace {
    /// The extension named by its folder (`resources/X`), folder name (`X`) or type name.
    pub fn find_extension(&self, name: &str) -> Option<&Extension> {
        let name = name.trim_end_matches('/');
        self.extensions
            .iter()
            .find(|e| e.folder == name || e.type_name() == Some(name))
            .or_else(|| self.extensions.iter().find(|e| e.folder_name() == name))
    }
}
