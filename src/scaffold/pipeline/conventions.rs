//! A pipeline template's own conventions, learned from what it holds: the build action of an
//! extension of the same kind, whose project, role and log group a new extension's are copied
//! from under its own names (environment, image, privileged mode, buildspec, variables, managed
//! policies and log settings as they are; permissions from the new extension's schema).

use std::ops::Range;

use serde_norway::Value;

use super::{
    Kept, PipelineKind, beta_handler_role_of, folder_stem, handler_boundary_block, path_variable,
    policy_block, stem,
};
use crate::scaffold::yaml_text::{self, Renames};
use crate::workspace::pipeline::{BuildAction, build_actions};
use crate::workspace::template::{Template, intrinsic, named_resource, names_referred, walk};
use crate::workspace::{Extension, Workspace};

/// An extension's build action already in the template, with the resources it runs on.
#[derive(Debug)]
pub struct Model<'a> {
    pub action: BuildAction,
    pub project: String,
    /// The project's service role, when the template declares it.
    pub role: Option<String>,
    /// The project's log group, when the template declares it.
    pub logs: Option<String>,
    /// Policies that only its role uses: that extension's own permissions.
    pub owned: Vec<String>,
    /// The workspace's extension it tests, when the workspace has it.
    pub extension: Option<&'a Extension>,
}

fn has_type(template: &Template, id: &str, type_name: &str) -> bool {
    template
        .resources()
        .any(|r| r.logical_id == id && r.type_name == Some(type_name))
}

fn property<'t>(template: &'t Template, id: &str, path: &[&str]) -> Option<&'t Value> {
    let resource = template.resources().find(|r| r.logical_id == id)?;
    let (first, rest) = path.split_first()?;
    rest.iter()
        .try_fold(resource.properties?.get(*first)?, |value, key| {
            value.get(*key)
        })
}

/// The roles a policy resource is attached to (`Roles: [!Ref X]`).
fn roles_of(template: &Template, policy: &str) -> Vec<String> {
    property(template, policy, &["Roles"])
        .and_then(Value::as_sequence)
        .map(|roles| roles.iter().filter_map(named_resource).collect())
        .unwrap_or_default()
}

/// The policy resources a role lists in `ManagedPolicyArns`.
fn managed_policies_of(template: &Template, role: &str) -> Vec<String> {
    property(template, role, &["ManagedPolicyArns"])
        .and_then(Value::as_sequence)
        .map(|arns| arns.iter().filter_map(named_resource).collect())
        .unwrap_or_default()
}

/// The policies only `role` uses: attached to it alone, or listed by it alone.
fn owned_policies(template: &Template, role: &str) -> Vec<String> {
    let policy_types = ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"];
    let roles: Vec<&str> = template
        .resources()
        .filter(|r| r.type_name == Some("AWS::IAM::Role"))
        .map(|r| r.logical_id)
        .collect();
    template
        .resources()
        .filter(|r| r.type_name.is_some_and(|t| policy_types.contains(&t)))
        .map(|r| r.logical_id)
        .filter(|policy| {
            let attached = roles_of(template, policy);
            let listed_by: Vec<&&str> = roles
                .iter()
                .filter(|r| managed_policies_of(template, r).iter().any(|p| p == policy))
                .collect();
            let only_role = |ids: &[String]| ids.iter().all(|id| id == role);
            (attached.is_empty() || only_role(&attached))
                && listed_by.iter().all(|r| **r == role)
                && (!attached.is_empty() || !listed_by.is_empty())
        })
        .map(String::from)
        .collect()
}

/// The build action of the template that a new `extension` is shaped after: one of the same
/// kind (its `*_PATH` variable), on a project the template declares, preferably testing an
/// extension the workspace has (whose names are then known).
pub fn model<'a>(
    workspace: &'a Workspace,
    template: &Template,
    extension: &Extension,
) -> Option<Model<'a>> {
    let variable = path_variable(extension);
    let candidates: Vec<BuildAction> = build_actions(template)
        .into_iter()
        .filter(|action| action.variable == variable)
        .filter(|action| {
            action
                .project
                .as_deref()
                .is_some_and(|p| has_type(template, p, "AWS::CodeBuild::Project"))
        })
        .collect();
    let known = |action: &BuildAction| {
        workspace
            .extensions
            .iter()
            .find(|e| e.folder != extension.folder && action.tests_folder(&e.folder))
    };
    let action = candidates
        .iter()
        .find(|a| known(a).is_some())
        .or(candidates.first())?
        .clone();
    let project = action.project.clone()?;
    let role = property(template, &project, &["ServiceRole"])
        .and_then(named_resource)
        .filter(|role| has_type(template, role, "AWS::IAM::Role"));
    let logs = property(
        template,
        &project,
        &["LogsConfig", "CloudWatchLogs", "GroupName"],
    )
    .and_then(named_resource)
    .filter(|logs| has_type(template, logs, "AWS::Logs::LogGroup"));
    let owned = role
        .as_deref()
        .map(|role| owned_policies(template, role))
        .unwrap_or_default();
    Some(Model {
        extension: known(&action),
        action,
        project,
        role,
        logs,
        owned,
    })
}

/// The build role of the action that tests `extension`: its project's service role, or the
/// kit's name for it.
pub fn build_role(template: &Template, extension: &Extension) -> Option<String> {
    let from_action = build_actions(template)
        .into_iter()
        .find(|action| action.tests_folder(&extension.folder))
        .and_then(|action| action.project)
        .and_then(|project| property(template, &project, &["ServiceRole"]).and_then(named_resource))
        .filter(|role| has_type(template, role, "AWS::IAM::Role"));
    from_action.or_else(|| Some(format!("{}BuildRole", stem(extension))))
}

impl Model<'_> {
    /// Whether the model is itself in the regship kit's shape (its role takes the kit's common
    /// policy): then the kit's blocks are the template's convention.
    pub fn is_kits(&self, template: &Template, kind: PipelineKind) -> bool {
        self.role.as_deref().is_some_and(|role| {
            managed_policies_of(template, role)
                .iter()
                .any(|p| p == kind.common_policy())
        })
    }

    /// The model's folder and type name: from the workspace when it has the extension, else
    /// from the path the action names.
    fn names(&self) -> (String, Option<&str>) {
        match self.extension {
            Some(extension) => (extension.folder.clone(), extension.type_name()),
            None => (self.action.path.trim_end_matches('/').to_string(), None),
        }
    }

    /// The resources of the model that are copied (project, role, log group) and its own
    /// policies, with their lines in the template.
    fn spans(&self, lines: &[String]) -> Vec<(String, Range<usize>)> {
        [Some(&self.project), self.role.as_ref(), self.logs.as_ref()]
            .into_iter()
            .flatten()
            .chain(&self.owned)
            .filter_map(|id| Some((id.clone(), yaml_text::entry_span(lines, "Resources", id)?)))
            .collect()
    }
}

/// The ways a folder is written into names: its path, its last part, the cloudformation-cli's
/// lowercase type names (`acme-s3-thing`, `s3-thing`), its stem and the stem in lowercase.
fn name_forms(folder: &str, type_name: Option<&str>) -> Vec<Option<String>> {
    let name = folder.rsplit('/').next().unwrap_or(folder);
    let stem = folder_stem(folder);
    let lower = type_name.map(|t| t.to_ascii_lowercase().replace("::", "-"));
    vec![
        Some(folder.to_string()),
        Some(name.to_string()),
        lower.clone(),
        lower.and_then(|l| l.split_once('-').map(|(_, rest)| rest.to_string())),
        Some(stem.clone()),
        Some(stem.to_ascii_lowercase()),
    ]
}

/// A logical id of the model renamed for the new extension: the model's stem (or its type's
/// last part) replaced by the new stem, whatever its case in the id; the kit's name otherwise.
fn renamed_id(old: &str, model_names: &[String], new_stem: &str, kit_name: String) -> String {
    let lower = old.to_ascii_lowercase();
    model_names
        .iter()
        .filter(|name| !name.is_empty())
        .find_map(|name| {
            let at = lower.find(&name.to_ascii_lowercase())?;
            Some(format!(
                "{}{new_stem}{}",
                &old[..at],
                &old[at + name.len()..]
            ))
        })
        .unwrap_or(kit_name)
}

/// What copying the model's resources for an extension gives: their text, the ids the lists of
/// the template name (old id, new id), where to insert them, and what to tell the user.
#[derive(Debug)]
pub struct Copied {
    pub text: String,
    pub listed: Vec<(String, String)>,
    /// The copy's build role, when the model's role was copied, and its project.
    pub role: Option<String>,
    pub project: String,
    /// The copied project's `Name:` line (trimmed), when it has one.
    pub name_line: Option<String>,
    /// The line the copies go after: the end of the model's last resource.
    pub after: usize,
    /// Lines of the model's resources (and its own policies), which no list insertion touches.
    pub model_lines: Vec<Range<usize>>,
    pub notes: Vec<String>,
}

/// Whether a statement of the model's permissions belongs to the pipeline rather than to the
/// model's extension: it names something the template declares (its artifact bucket, key) or an
/// import, or grants only what every build uses (logs, image pulls, reports, the stacks and
/// identity calls of the test scripts). A statement on the model's own project is the model's:
/// inline in a copied role it would also make the role and its project wait for each other.
fn is_pipelines(statement: &Value, template: &Template, project: &str) -> bool {
    let resources: Vec<&Value> = ["Resource", "NotResource"]
        .iter()
        .filter_map(|key| statement.get(*key))
        .collect();
    if resources
        .iter()
        .any(|value| names_referred(value).contains(project))
    {
        return false;
    }
    let names_template = resources.iter().any(|value| {
        let mut imports = false;
        walk(value, &mut |node| {
            imports |= matches!(intrinsic(node), Some(("Fn::ImportValue", _)));
        });
        imports
            || names_referred(value)
                .iter()
                .any(|name| !name.starts_with("AWS::") && template.defines(name))
    });
    let actions: Vec<&str> = match statement.get("Action") {
        Some(Value::String(action)) => vec![action.as_str()],
        Some(Value::Sequence(actions)) => actions.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let plumbing = !actions.is_empty()
        && actions.iter().all(|action| {
            let service = action.split(':').next().unwrap_or_default();
            ["logs", "ecr", "codebuild", "cloudformation", "sts"]
                .contains(&service.to_ascii_lowercase().as_str())
        });
    names_template || plumbing
}

/// The statements of the model role's inline policies and of its own policy resources.
fn model_statements<'t>(template: &'t Template, model: &Model) -> Vec<&'t Value> {
    let role = model.role.as_deref().unwrap_or_default();
    let inline = property(template, role, &["Policies"])
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter_map(|policy| policy.get("PolicyDocument"));
    let owned = model
        .owned
        .iter()
        .filter_map(|policy| property(template, policy, &["PolicyDocument"]));
    inline
        .chain(owned)
        .filter_map(|document| document.get("Statement")?.as_sequence())
        .flatten()
        .collect()
}

/// A statement as the items of a role's inline policy are written (14 spaces).
fn statement_item(statement: &Value, renames: &Renames) -> String {
    let text = serde_norway::to_string(statement).unwrap_or_default();
    let text = renames.apply(&text);
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let lead = if i == 0 { "- " } else { "  " };
            format!("              {lead}{line}\n")
        })
        .collect()
}

/// The model's project, role and log group copied for `extension` under its names, the role's
/// permissions those of `extension` (and the model's statements that are the pipeline's).
pub fn copy(
    lines: &[String],
    template: &Template,
    model: &Model,
    extension: &Extension,
    kind: PipelineKind,
) -> Result<Copied, String> {
    let (model_folder, model_type) = model.names();
    let new_stem = stem(extension);
    let mut renames = Renames::default();
    for (from, to) in name_forms(&model_folder, model_type)
        .into_iter()
        .zip(name_forms(&extension.folder, extension.type_name()))
    {
        if let (Some(from), Some(to)) = (from, to) {
            renames.part(&from, &to);
        }
    }
    let model_stem = folder_stem(&model_folder);
    let segment = model_type
        .and_then(|t| t.rsplit("::").next())
        .unwrap_or_default()
        .to_string();
    let model_names = [model_stem, segment];
    let spans = model.spans(lines);
    let span_of = |id: &str| spans.iter().find(|(i, _)| i == id).map(|(_, r)| r.clone());
    let mut notes = Vec::new();
    let mut ids = Vec::new();
    for (old, kit_name) in [
        (Some(&model.project), format!("{new_stem}BuildProject")),
        (model.role.as_ref(), format!("{new_stem}BuildRole")),
        (model.logs.as_ref(), format!("{new_stem}BuildLogs")),
    ] {
        let Some(old) = old else { continue };
        let new = renamed_id(old, &model_names, &new_stem, kit_name);
        if template.defines(&new) {
            return Err(format!(
                "{} has no build action, but the template already declares {new}: add its action by hand, or remove {new} and run this again",
                extension.folder
            ));
        }
        ids.push((old.clone(), new));
    }
    // A log group whose name does not name the extension is shared: the copy uses it too.
    let logs_block = model.logs.as_deref().and_then(|logs| {
        let block = &lines[span_of(logs)?];
        let renamed: Vec<String> = block.iter().map(|l| renames.apply(l)).collect();
        let names_it = block
            .iter()
            .zip(&renamed)
            .any(|(old, new)| old.trim_start().starts_with("LogGroupName:") && old != new);
        names_it.then_some(block)
    });
    if logs_block.is_none() {
        ids.retain(|(old, _)| Some(old) != model.logs.as_ref());
    }
    for (old, new) in &ids {
        renames.word(old, new);
    }
    let copy_of = |id: &str, physical: &str, notes: &mut Vec<String>| {
        let block = &lines[span_of(id)?];
        let indent = yaml_text::properties_indent(block).unwrap_or(6);
        let mut copied: Vec<String> = block.iter().map(|l| renames.apply(l)).collect();
        let unchanged = block
            .iter()
            .zip(&copied)
            .any(|(old, new)| yaml_text::is_property(old, indent, physical) && old == new);
        if unchanged {
            copied = yaml_text::without_property(&copied, indent, physical);
            notes.push(format!(
                "{}: the {physical} of {id} does not name its extension, so the copy has none (CloudFormation names it)",
                extension.folder
            ));
        }
        Some((copied, indent))
    };
    let (project_block, project_indent) =
        copy_of(&model.project, "Name", &mut notes).ok_or_else(|| {
            format!(
                "{}: the lines of {} were not found",
                extension.folder, model.project
            )
        })?;
    let resource_indent = yaml_text::section(lines, "Resources").map_or(2, |(_, i)| i);
    let mut blocks = vec![format!(
        "{}# --- {} ({}), shaped like {}\n",
        " ".repeat(resource_indent),
        extension.type_name().unwrap_or_default(),
        extension.folder,
        model.action.name
    )];
    if let Some(role) = beta_handler_role_of(kind, extension) {
        let boundary = handler_boundary_block(extension, &role);
        blocks[0].push_str(&yaml_text::shift(
            &boundary,
            resource_indent.saturating_sub(2),
        ));
    }
    let mut kept = String::new();
    let (mut kept_count, mut left_out) = (0, 0);
    for statement in model_statements(template, model) {
        if is_pipelines(statement, template, &model.project) {
            kept.push_str(&statement_item(statement, &renames));
            kept_count += 1;
        } else {
            left_out += 1;
        }
    }
    let joined = |block: &[String]| -> String { block.iter().map(|l| format!("{l}\n")).collect() };
    if let Some(role) = &model.role
        && let Some((block, indent)) = copy_of(role, "RoleName", &mut notes)
    {
        let mut block = yaml_text::without_property(&block, indent, "Policies");
        let owned_refs: Vec<String> = model.owned.iter().map(|p| format!("- !Ref {p}")).collect();
        block.retain(|line| !owned_refs.iter().any(|r| line.trim() == r));
        let kept = Kept {
            from: role.clone(),
            statements: std::mem::take(&mut kept),
        };
        let policy = policy_block(&kind.required(extension), kind, extension, Some(&kept));
        blocks[0].push_str(&joined(&block));
        blocks[0].push_str(&yaml_text::shift(&policy, indent.saturating_sub(6)));
    }
    if let Some(block) = logs_block {
        let renamed: Vec<String> = block.iter().map(|l| renames.apply(l)).collect();
        blocks.push(joined(&renamed));
    }
    blocks.push(joined(&project_block));
    let text = format!("\n{}", blocks.join("\n"));
    let role_note = match &model.role {
        Some(role) => {
            let mut note = format!(
                "; the role grants what {}'s schema and {} need",
                extension.folder,
                kind.templates()
            );
            if kept_count > 0 {
                note.push_str(&format!(
                    ", and (inline policy `pipeline`) {kept_count} statement(s) of {role} that are the pipeline's"
                ));
            }
            if left_out > 0 {
                note.push_str(&format!(
                    "; {left_out} statement(s) of {role} that were its own extension's were left out"
                ));
            }
            note
        }
        None => format!(
            "; {} runs as a role the template does not declare: grant it what {} needs by hand",
            model.project, extension.folder
        ),
    };
    notes.insert(
        0,
        format!(
            "{}: shaped like {} ({}): its environment, image, buildspec, variables, managed policies and logs{role_note}",
            extension.folder, model.action.name, model.project
        ),
    );
    let model_lines: Vec<Range<usize>> = spans.iter().map(|(_, r)| r.clone()).collect();
    // After the last of the resources copied (the model's own policies may come later).
    let after = [
        Some(&model.project),
        model.role.as_ref(),
        model.logs.as_ref(),
    ]
    .into_iter()
    .flatten()
    .filter_map(|id| span_of(id))
    .map(|span| span.end)
    .max()
    .unwrap_or(lines.len());
    let role = model
        .role
        .as_ref()
        .and_then(|old| ids.iter().find(|(o, _)| o == old))
        .map(|(_, new)| new.clone());
    let project = ids
        .iter()
        .find(|(old, _)| *old == model.project)
        .map(|(_, new)| new.clone())
        .unwrap_or_default();
    let name_line = project_block
        .iter()
        .find(|line| yaml_text::is_property(line, project_indent, "Name"))
        .map(|line| line.trim().to_string());
    Ok(Copied {
        text,
        role,
        project,
        name_line,
        listed: ids,
        after,
        model_lines,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_renamed_by_stem_or_type_whatever_their_case() {
        let kit = || "KitBuildProject".to_string();
        let names = [
            "IAMPasswordPolicy".to_string(),
            "PasswordPolicy".to_string(),
        ];
        assert_eq!(
            renamed_id("IamPasswordPolicyBuildProject", &names, "S3Thing", kit()),
            "S3ThingBuildProject"
        );
        let names = [
            "AccountAlternateContact".to_string(),
            "AlternateContact".to_string(),
        ];
        assert_eq!(
            renamed_id("AlternateContactBuildProjectRole", &names, "S3Thing", kit()),
            "S3ThingBuildProjectRole"
        );
        assert_eq!(
            renamed_id("SharedProject", &names, "S3Thing", kit()),
            "KitBuildProject"
        );
        let forms: Vec<String> = name_forms("resources/S3_Thing", Some("Acme::S3::Thing"))
            .into_iter()
            .flatten()
            .collect();
        assert_eq!(
            forms,
            [
                "resources/S3_Thing",
                "S3_Thing",
                "acme-s3-thing",
                "s3-thing",
                "S3Thing",
                "s3thing"
            ]
        );
    }
}
