//! Layout rules: `regship.yml`, `.rpdk-config`, the schema, and the type name's namespace.

use super::{ExtensionFindings, Finding};
use crate::config::WORKSPACE_FILE;
use crate::workspace::{ArtifactType, Workspace};

pub const RULES: &[(&str, &str)] = &[
    (
        "CFG001",
        "regship.yml cannot be used (syntax, unknown key, wrong type)",
    ),
    (
        "CFG002",
        "a maturity, setup_template or extension_rules entry in regship.yml names no extension",
    ),
    (
        "CFG003",
        "an extension_dirs entry in regship.yml names no folder",
    ),
    ("CFG004", "no extension project (.rpdk-config) was found"),
    (
        "CFG005",
        "rules or extension_rules in regship.yml names no rule code or family",
    ),
    ("LAY001", ".rpdk-config is missing, unreadable or invalid"),
    ("LAY002", "the schema is missing, unreadable or invalid"),
    ("LAY003", "the type name is outside the workspace namespace"),
    (
        "LAY004",
        "the schema's typeName differs from .rpdk-config's",
    ),
];

pub fn check_workspace(workspace: &Workspace) -> Vec<Finding> {
    let mut findings = Vec::new();
    for err in &workspace.config.problems {
        findings.push(
            Finding::error("CFG001", WORKSPACE_FILE, format!("regship.yml cannot be used: {}", err.message))
                .line(err.line)
                .hint("fix the key named above (see docs/configuration.md); its default is used until then, the rest of the file applies"),
        );
    }
    let text = crate::workspace::files::read_text(&workspace.root.join(WORKSPACE_FILE)).ok();
    let line_of = |needle: &str| {
        text.as_deref()
            .and_then(|text| crate::workspace::files::line_containing(text, needle))
    };
    let keyed = workspace
        .config
        .maturity
        .keys()
        .map(|key| ("maturity", key))
        .chain(
            workspace
                .config
                .setup_template
                .keys()
                .map(|key| ("setup_template", key)),
        );
    for (section, key) in keyed {
        let known = workspace.extensions.iter().any(|e| {
            e.type_name() == Some(key.as_str()) || crate::config::names_folder(key, &e.folder)
        });
        if !known {
            findings.push(
                Finding::warning("CFG002", WORKSPACE_FILE, format!("{section} names `{key}`, which is no extension here"))
                    .line(line_of(key))
                    .hint("use an extension's type name (e.g. AwsCommunity::S3::Thing) or its folder, or remove the entry"),
            );
        }
    }
    for entry in &workspace.unmatched_dirs {
        findings.push(
            Finding::error(
                "CFG003",
                WORKSPACE_FILE,
                format!("extension_dirs names `{entry}`, which is no folder under {}", workspace.root.display()),
            )
            .line(line_of(entry))
            .hint("fix the path (relative to the folder of regship.yml; globs like `*/resources` work), or remove it"),
        );
    }
    let codes: Vec<&str> = super::rules().iter().map(|rule| rule.code).collect();
    let known = |key: &str| {
        codes
            .iter()
            .any(|code| *code == key || code.trim_end_matches(|c: char| c.is_ascii_digit()) == key)
    };
    let tuned = workspace.config.rules.keys().chain(
        workspace
            .config
            .extension_rules
            .values()
            .flat_map(|rules| rules.keys()),
    );
    for key in tuned.filter(|key| !known(key)) {
        findings.push(
            Finding::warning(
                "CFG005",
                WORKSPACE_FILE,
                format!("rules name `{key}`, which is no rule code or family"),
            )
            .line(line_of(key))
            .hint("use a code (ITG001) or a family (ITG) that `regship rules` lists"),
        );
    }
    for key in workspace.config.extension_rules.keys() {
        let known = workspace.extensions.iter().any(|e| {
            e.type_name() == Some(key.as_str()) || crate::config::names_folder(key, &e.folder)
        });
        if !known {
            findings.push(
                Finding::warning("CFG002", WORKSPACE_FILE, format!("extension_rules names `{key}`, which is no extension here"))
                    .line(line_of(key))
                    .hint("use an extension's type name (e.g. AwsCommunity::S3::Thing) or its folder, or remove the entry"),
            );
        }
    }
    if workspace.extensions.is_empty() {
        findings.push(
            Finding::error(
                "CFG004",
                WORKSPACE_FILE,
                format!(
                    "no extension project (a folder with .rpdk-config) was found under {}",
                    workspace.config.search_dirs().join(", ")
                ),
            )
            .hint("run regship in the monorepo (or pass -C DIR), set extension_dirs in regship.yml, or create a project with `cfn init`"),
        );
    }
    findings
}

pub fn check(workspace: &Workspace, sink: &mut ExtensionFindings) {
    let extension = sink.extension;
    let Some(config) = sink.parsed("LAY001", ".rpdk-config", &extension.rpdk_config) else {
        return;
    };
    let type_name = config.type_name.clone();
    let segments: Vec<&str> = type_name.split("::").collect();
    let expected_segments = if config.artifact_type == ArtifactType::Module {
        4
    } else {
        3
    };
    if segments.len() != expected_segments || segments.iter().any(|s| s.is_empty()) {
        sink.push(
            Finding::error(
                "LAY001",
                &extension.rpdk_config.path,
                format!(
                    "type name `{type_name}` is not of the form Namespace::Service::Resource{}",
                    if expected_segments == 4 {
                        "::MODULE"
                    } else {
                        ""
                    }
                ),
            )
            .hint("set typeName in .rpdk-config and the schema to a valid name"),
        );
    }
    if let Some(namespace) = &workspace.config.namespace
        && !workspace.config.in_namespace(&type_name)
    {
        sink.push(
            Finding::error(
                "LAY003",
                &extension.rpdk_config.path,
                format!("type name `{type_name}` is outside the workspace namespace `{namespace}`"),
            )
            .line(crate::workspace::files::line_containing(
                &extension.rpdk_config.text,
                "typeName",
            ))
            .hint(format!(
                "rename the type to `{namespace}::...`, or change `namespace` in regship.yml"
            )),
        );
    }
    if config.artifact_type == ArtifactType::Module {
        return; // modules carry a generated schema only after `cfn validate`
    }
    let Some(schema) = &extension.schema else {
        let expected = format!("{}.json", type_name.to_lowercase().replace("::", "-"));
        sink.push(
            Finding::error(
                "LAY002",
                &format!("{}/{expected}", extension.folder),
                "the schema file is missing",
            )
            .hint("run `cfn init` in the folder, or restore the schema file"),
        );
        return;
    };
    if let Some(parsed) = sink.parsed("LAY002", "the schema", schema)
        && parsed.type_name != type_name
    {
        sink.push(
            Finding::error(
                "LAY004",
                &schema.path,
                format!(
                    "the schema's typeName `{}` differs from `{type_name}` in .rpdk-config",
                    parsed.type_name
                ),
            )
            .line(crate::workspace::files::line_containing(
                &schema.text,
                "typeName",
            ))
            .hint("make both typeName values the same"),
        );
    }
}
