//! Packaging a template the way `rain pkg` does: `!Rain::Embed`, `!Rain::Include`,
//! `!Rain::Env` and `!Rain::Constant` resolved, `!Rain::S3` files and folders turned into
//! content-addressed artifacts for the caller to upload. `!Rain::S3Http` and `!Rain::Module`
//! are refused with their line.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_norway::{Mapping, Value};
use sha2::{Digest, Sha256};

use super::template::{RainDirective, Template, rain};

/// A file or folder a `!Rain::S3` names, ready to upload under its content's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Artifact {
    /// The path as the template wrote it.
    pub source: String,
    pub key: String,
    pub bytes: Vec<u8>,
    pub zipped: bool,
}

/// A packaged template: its text for CloudFormation and what it refers to in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Packaged {
    pub text: String,
    pub artifacts: Vec<Artifact>,
}

/// Why a template could not be packaged, at which line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageError {
    pub message: String,
    pub line: Option<u32>,
}

/// Whether packaging `template` uploads anything (it has a `!Rain::S3`).
pub fn uploads_files(template: &Template) -> bool {
    template
        .rain_directives()
        .iter()
        .any(|(directive, _)| *directive == RainDirective::S3)
}

/// Packages the template at `path` (its text `text`) for `bucket` in `region`.
pub fn package(
    path: &Path,
    text: &str,
    bucket: &str,
    region: &str,
) -> Result<Packaged, PackageError> {
    let template = Template::parse(text).map_err(|problem| PackageError {
        message: problem.message,
        line: problem.line,
    })?;
    let mut root = template.root;
    let constants = match &mut root {
        Value::Mapping(sections) => match sections.remove("Rain") {
            Some(rain) => rain.get("Constants").cloned().unwrap_or(Value::Null),
            None => Value::Null,
        },
        _ => Value::Null,
    };
    let mut packager = Packager {
        text,
        bucket,
        region,
        constants,
        artifacts: Vec::new(),
        seen: Vec::new(),
    };
    let base = path.parent().unwrap_or(Path::new(".")).to_path_buf();
    packager.resolve(&mut root, &base)?;
    let text = serde_norway::to_string(&root).map_err(|err| PackageError {
        message: format!("the packaged template could not be written: {err}"),
        line: None,
    })?;
    Ok(Packaged {
        text,
        artifacts: packager.artifacts,
    })
}

struct Packager<'a> {
    text: &'a str,
    bucket: &'a str,
    region: &'a str,
    constants: Value,
    artifacts: Vec<Artifact>,
    /// How many directives of each tag were met, to find the line of the next one.
    seen: Vec<&'static str>,
}

impl Packager<'_> {
    fn resolve(&mut self, value: &mut Value, base: &Path) -> Result<(), PackageError> {
        if let Some((directive, argument)) = rain(value) {
            let argument = argument.clone();
            let line = self.line_of(directive);
            let fail = |message: String| PackageError { message, line };
            *value = self.directive(directive, &argument, base).map_err(fail)?;
            return Ok(());
        }
        match value {
            Value::Sequence(items) => {
                for item in items {
                    self.resolve(item, base)?;
                }
            }
            Value::Mapping(mapping) => {
                for (_, item) in mapping.iter_mut() {
                    self.resolve(item, base)?;
                }
            }
            Value::Tagged(tagged) => {
                if tagged.tag == "!Sub" || tagged.tag == "Sub" {
                    self.substitute_constants(&mut tagged.value);
                }
                self.resolve(&mut tagged.value, base)?;
            }
            _ => {}
        }
        if let Value::Mapping(mapping) = value
            && mapping.len() == 1
            && let Some(sub) = mapping.get_mut("Fn::Sub")
        {
            self.substitute_constants(sub);
        }
        Ok(())
    }

    /// `${Rain::Name}` in an `Fn::Sub` string is the constant's value, as rain writes it.
    fn substitute_constants(&self, sub: &mut Value) {
        let Some(constants) = self.constants.as_mapping() else {
            return;
        };
        let pattern = match sub {
            Value::String(pattern) => pattern,
            Value::Sequence(args) => match args.first_mut() {
                Some(Value::String(pattern)) => pattern,
                _ => return,
            },
            _ => return,
        };
        for (name, constant) in constants {
            if let (Some(name), Some(constant)) = (name.as_str(), constant.as_str()) {
                *pattern = pattern.replace(&format!("${{Rain::{name}}}"), constant);
            }
        }
    }

    fn line_of(&mut self, directive: RainDirective) -> Option<u32> {
        let tag = directive.tag();
        let nth = self.seen.iter().filter(|t| **t == tag).count();
        self.seen.push(tag);
        self.text
            .lines()
            .enumerate()
            .filter(|(_, line)| {
                line.match_indices(tag).any(|(at, _)| {
                    !line[at + tag.len()..].starts_with(|c: char| c.is_ascii_alphanumeric())
                })
            })
            .nth(nth)
            .map(|(index, _)| index as u32 + 1)
    }

    fn directive(
        &mut self,
        directive: RainDirective,
        argument: &Value,
        base: &Path,
    ) -> Result<Value, String> {
        let string = || {
            argument
                .as_str()
                .ok_or_else(|| format!("!{} takes a string", directive.tag()))
        };
        match directive {
            RainDirective::Embed => {
                let path = base.join(string()?);
                let text = read_text(&path)?;
                Ok(Value::String(text.trim().to_string()))
            }
            RainDirective::Include => {
                let path = base.join(string()?);
                let text = read_text(&path)?;
                let mut included: Value = serde_norway::from_str(&text)
                    .map_err(|err| format!("{} is not YAML: {err}", path.display()))?;
                let nested = path.parent().unwrap_or(base).to_path_buf();
                let mut inner = Packager {
                    text: &text,
                    bucket: self.bucket,
                    region: self.region,
                    constants: self.constants.clone(),
                    artifacts: Vec::new(),
                    seen: Vec::new(),
                };
                inner
                    .resolve(&mut included, &nested)
                    .map_err(|err| format!("{}: {}", path.display(), err.message))?;
                self.artifacts.extend(inner.artifacts);
                Ok(included)
            }
            RainDirective::Env => {
                let name = string()?;
                std::env::var(name).map(Value::String).map_err(|_| {
                    format!("!Rain::Env {name}: the environment variable {name} is not set")
                })
            }
            RainDirective::Constant => {
                let name = string()?;
                self.constants.get(name).cloned().ok_or_else(|| {
                    format!("!Rain::Constant {name}: no such constant under Rain: Constants:")
                })
            }
            RainDirective::S3 => self.s3(argument, base),
            RainDirective::S3Http | RainDirective::Module => Err(format!(
                "!{} is not packaged by regship: run `rain pkg` on the template and deploy its output",
                directive.tag()
            )),
        }
    }

    fn s3(&mut self, argument: &Value, base: &Path) -> Result<Value, String> {
        let (path, options) = match argument {
            Value::String(path) => (path.clone(), Mapping::new()),
            Value::Mapping(options) => (
                options
                    .get("Path")
                    .and_then(Value::as_str)
                    .ok_or("!Rain::S3 needs a Path")?
                    .to_string(),
                options.clone(),
            ),
            _ => return Err("!Rain::S3 takes a path or a mapping with Path".into()),
        };
        if options.contains_key("Run") {
            return Err("!Rain::S3 with Run is not packaged by regship: run the command yourself, or use `rain pkg`".into());
        }
        let option = |name: &str| options.get(name).and_then(Value::as_str).map(String::from);
        let zip = options.get("Zip").and_then(Value::as_bool).unwrap_or(false);
        let full = base.join(&path);
        let artifact = artifact(&path, &full, zip)?;
        let key = artifact.key.clone();
        if !self.artifacts.iter().any(|a| a.key == key) {
            self.artifacts.push(artifact);
        }
        let (bucket_property, key_property) = (option("BucketProperty"), option("KeyProperty"));
        let format = option("Format").unwrap_or_else(|| {
            if bucket_property.is_some() && key_property.is_some() {
                "Object".into()
            } else {
                "URI".into()
            }
        });
        match format.as_str() {
            "Object" => {
                let (Some(bucket_property), Some(key_property)) = (bucket_property, key_property)
                else {
                    return Err(
                        "!Rain::S3 with Format: Object needs BucketProperty and KeyProperty".into(),
                    );
                };
                let mut object = Mapping::new();
                object.insert(bucket_property.into(), self.bucket.into());
                object.insert(key_property.into(), key.into());
                Ok(Value::Mapping(object))
            }
            "URI" => Ok(Value::String(format!("s3://{}/{key}", self.bucket))),
            "Http" => Ok(Value::String(https_url(self.bucket, self.region, &key))),
            other => Err(format!(
                "!Rain::S3 Format {other}: one of URI, Http, Object"
            )),
        }
    }
}

/// An object key that changes exactly when the content does: its SHA-256, and `extension`.
pub fn content_key(bytes: &[u8], extension: &str) -> String {
    let digest: String = Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{digest}{extension}")
}

/// The HTTPS URL of an object, as rain writes `Format: Http` and CloudFormation's TemplateURL
/// takes it.
pub fn https_url(bucket: &str, region: &str, key: &str) -> String {
    format!("https://{bucket}.s3.{region}.amazonaws.com/{key}")
}

fn read_text(path: &Path) -> Result<String, String> {
    std::fs::read_to_string(path).map_err(|err| format!("{}: {err}", path.display()))
}

/// The artifact of a file (as it is, or zipped) or a folder (always zipped).
fn artifact(source: &str, path: &Path, zip: bool) -> Result<Artifact, String> {
    let metadata = std::fs::metadata(path).map_err(|err| format!("{}: {err}", path.display()))?;
    let (bytes, zipped) = if metadata.is_dir() || zip {
        (zip_of(path, metadata.is_dir())?, true)
    } else {
        (
            std::fs::read(path).map_err(|err| format!("{}: {err}", path.display()))?,
            false,
        )
    };
    let extension = if zipped {
        ".zip".to_string()
    } else {
        path.extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default()
    };
    Ok(Artifact {
        source: source.to_string(),
        key: content_key(&bytes, &extension),
        bytes,
        zipped,
    })
}

/// A zip of a folder's files (or of one file), the same bytes for the same content: entries in
/// name order, every timestamp 1980-01-01, each file's mode kept.
fn zip_of(path: &Path, is_dir: bool) -> Result<Vec<u8>, String> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    if is_dir {
        collect_files(path, path, &mut files)?;
    } else {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        files.push((name, path.to_path_buf()));
    }
    files.sort();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, file) in files {
        let bytes = std::fs::read(&file).map_err(|err| format!("{}: {err}", file.display()))?;
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(file_mode(&file));
        writer
            .start_file(name, options)
            .and_then(|()| writer.write_all(&bytes).map_err(Into::into))
            .map_err(|err| format!("zipping {}: {err}", file.display()))?;
    }
    writer
        .finish()
        .map(|cursor| cursor.into_inner())
        .map_err(|err| format!("zipping {}: {err}", path.display()))
}

fn collect_files(
    root: &Path,
    dir: &Path,
    files: &mut Vec<(String, PathBuf)>,
) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    for entry in entries {
        let path = entry
            .map_err(|err| format!("{}: {err}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_files(root, &path, files)?;
        } else {
            let name = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .components()
                .map(|c| c.as_os_str().to_string_lossy())
                .collect::<Vec<_>>()
                .join("/");
            files.push((name, path));
        }
    }
    Ok(())
}

#[cfg(unix)]
fn file_mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o777)
}

#[cfg(not(unix))]
fn file_mode(_: &Path) -> u32 {
    0o644
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("src/lib")).unwrap();
        std::fs::write(dir.path().join("src/index.py"), "print(1)\n").unwrap();
        std::fs::write(dir.path().join("src/lib/util.py"), "X = 2\n").unwrap();
        std::fs::write(dir.path().join("policy.txt"), "  {\"a\": 1}\n\n").unwrap();
        std::fs::write(
            dir.path().join("part.yml"),
            "Type: AWS::SQS::Queue\nProperties:\n  QueueName: !Rain::Constant Name\n",
        )
        .unwrap();
        dir
    }

    const TEMPLATE: &str = "Rain:\n  Constants:\n    Name: orders\nResources:\n  Queue: !Rain::Include part.yml\n  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Description: !Rain::Embed policy.txt\n      FunctionName: !Sub \"${Rain::Name}-${AWS::Region}\"\n      Code: !Rain::S3\n        Path: src\n        BucketProperty: S3Bucket\n        KeyProperty: S3Key\n  Other:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code:\n        ZipFile: !Rain::S3 {Path: src/index.py, Format: Http}\n      Layer: !Rain::S3 src/index.py\n";

    #[test]
    fn directives_resolve_as_rain_pkg_resolves_them() {
        let dir = project();
        let packaged = package(&dir.path().join("t.yml"), TEMPLATE, "art", "eu-west-1").unwrap();
        let root: Value = serde_norway::from_str(&packaged.text).unwrap();
        assert!(root.get("Rain").is_none(), "{}", packaged.text);
        let resources = &root["Resources"];
        assert_eq!(resources["Queue"]["Properties"]["QueueName"], "orders");
        let function = &resources["Fn"]["Properties"];
        assert_eq!(function["Description"], "{\"a\": 1}");
        let sub = serde_norway::to_string(&function["FunctionName"]).unwrap();
        assert!(sub.contains("orders-${AWS::Region}"), "{sub}");
        assert_eq!(function["Code"]["S3Bucket"], "art");
        let key = function["Code"]["S3Key"].as_str().unwrap();
        assert!(key.ends_with(".zip") && key.len() == 64 + 4, "{key}");
        let layer = resources["Other"]["Properties"]["Layer"].as_str().unwrap();
        assert!(
            layer.starts_with("s3://art/") && layer.ends_with(".py"),
            "{layer}"
        );
        let http = resources["Other"]["Properties"]["Code"]["ZipFile"]
            .as_str()
            .unwrap();
        assert!(
            http.starts_with("https://art.s3.eu-west-1.amazonaws.com/"),
            "{http}"
        );
        // The folder (zipped) and the file (as it is, once though named twice).
        assert_eq!(
            packaged.artifacts.len(),
            2,
            "{:?}",
            packaged
                .artifacts
                .iter()
                .map(|a| &a.key)
                .collect::<Vec<_>>()
        );
        let folder = &packaged.artifacts[0];
        assert!(folder.zipped && folder.source == "src");
        let archive = zip::ZipArchive::new(std::io::Cursor::new(folder.bytes.clone())).unwrap();
        let names: Vec<String> = archive
            .file_names()
            .map(|name| name.unwrap().into_owned())
            .collect();
        assert_eq!(names, ["index.py", "lib/util.py"]);
    }

    #[test]
    fn the_same_content_gives_the_same_key_and_a_change_a_new_one() {
        let dir = project();
        let path = dir.path().join("t.yml");
        let first = package(&path, TEMPLATE, "art", "us-east-1").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(dir.path().join("src/lib/util.py"), "X = 2\n").unwrap();
        let touched = package(&path, TEMPLATE, "art", "us-east-1").unwrap();
        assert_eq!(
            first.artifacts[0].key, touched.artifacts[0].key,
            "rewritten, same content"
        );
        std::fs::write(dir.path().join("src/lib/util.py"), "X = 3\n").unwrap();
        let changed = package(&path, TEMPLATE, "art", "us-east-1").unwrap();
        assert_ne!(first.artifacts[0].key, changed.artifacts[0].key);
    }

    #[test]
    fn what_regship_does_not_package_is_refused_at_its_line() {
        let dir = project();
        let path = dir.path().join("t.yml");
        let module =
            "Resources:\n  A:\n    Type: AWS::SNS::Topic\n  B:\n    Type: !Rain::Module m.yml\n";
        let err = package(&path, module, "b", "us-east-1").unwrap_err();
        assert_eq!(err.line, Some(5));
        assert!(err.message.contains("rain pkg"), "{}", err.message);
        let http = "Resources:\n  A:\n    Type: AWS::Lambda::Function\n    Properties:\n      Code: !Rain::S3Http src/index.py\n";
        assert_eq!(
            package(&path, http, "b", "us-east-1").unwrap_err().line,
            Some(5)
        );
        let missing = "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Rain::Embed\n        nope.txt\n";
        let err = package(&path, missing, "b", "us-east-1").unwrap_err();
        assert!(
            err.message.contains("nope.txt") && err.line == Some(5),
            "{err:?}"
        );
        let constant = "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Rain::Constant Unknown\n";
        assert!(
            package(&path, constant, "b", "us-east-1")
                .unwrap_err()
                .message
                .contains("Unknown")
        );
        let env = "Resources:\n  A:\n    Type: AWS::SNS::Topic\n    Properties:\n      TopicName: !Rain::Env REGSHIP_SURELY_UNSET_VARIABLE\n";
        assert!(
            package(&path, env, "b", "us-east-1")
                .unwrap_err()
                .message
                .contains("not set")
        );
    }
}
