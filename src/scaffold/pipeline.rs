//! `regship pipeline add|sync`: each extension's build action, CodeBuild project and role in the
//! pipeline template, inserted as text so that everything else (comments, order) stays as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

use super::Plan;
use crate::workspace::permissions::{self, RequiredActions};
use crate::workspace::pipeline::build_actions;
use crate::workspace::template::{Template, intrinsic};
use crate::workspace::{ArtifactType, Extension, Workspace};

/// The logical-id stem of an extension: its folder name without separators (`S3DeleteBucketContents`).
pub fn stem(extension: &Extension) -> String {
    extension
        .folder_name()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect()
}

/// Where a build role's grant of one action applies: the job's own names where the service lets a
/// policy name them, anywhere otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Scope {
    /// Calls on nothing the job owns by name: account-wide lists, shared resources (layers, code
    /// signing configs), the handlers' own calls and services whose resources are not named
    /// after the stack.
    Anywhere,
    /// The buckets the job's stacks create (CloudFormation names them after the stack, lowercase).
    Buckets,
    /// The S3 table buckets the job's stacks create.
    TableBuckets,
    /// The Lambda functions the job's stacks create.
    Functions,
    /// KMS through the services whose resources need it.
    Kms,
    /// IAM on the job's own roles (users, policies, instance profiles) that sets no permission.
    Identities,
    /// IAM calls that set an identity's permissions: only while it carries the kit's boundary.
    BoundedWrites,
    /// Passing the job's own roles, to the services that trust them.
    PassRole,
}

/// IAM calls that set what an identity may do, all of which take the `iam:PermissionsBoundary`
/// condition key (IAM's service authorization reference).
const BOUNDED_WRITES: &[&str] = &[
    "iam:CreateRole",
    "iam:PutRolePolicy",
    "iam:AttachRolePolicy",
    "iam:DetachRolePolicy",
    "iam:DeleteRolePolicy",
    "iam:PutRolePermissionsBoundary",
    "iam:CreateUser",
    "iam:PutUserPolicy",
    "iam:AttachUserPolicy",
    "iam:DetachUserPolicy",
    "iam:DeleteUserPolicy",
    "iam:PutUserPermissionsBoundary",
];

/// IAM lists of the whole account (no resource of their own).
const IAM_ACCOUNT_LISTS: &[&str] = &[
    "iam:ListRoles",
    "iam:ListUsers",
    "iam:ListPolicies",
    "iam:ListInstanceProfiles",
];

/// Lambda calls on shared resources rather than the job's functions.
const LAMBDA_SHARED: &[&str] = &[
    "lambda:ListFunctions",
    "lambda:GetLayerVersion",
    "lambda:GetCodeSigningConfig",
    "lambda:PassCapacityProvider",
];

fn scope(action: &str, needed_by: &BTreeSet<String>) -> Scope {
    let is = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(action));
    let lower = action.to_ascii_lowercase();
    let (service, name) = lower.split_once(':').unwrap_or(("", &lower));
    match service {
        "iam" if name == "passrole" => Scope::PassRole,
        "iam" if is(BOUNDED_WRITES) => Scope::BoundedWrites,
        "iam" if is(IAM_ACCOUNT_LISTS) => Scope::Anywhere,
        "iam" => Scope::Identities,
        "s3" if name == "listallmybuckets" => Scope::Anywhere,
        "s3" => Scope::Buckets,
        "s3tables" => Scope::TableBuckets,
        "lambda" if is(LAMBDA_SHARED) => Scope::Anywhere,
        "lambda" => Scope::Functions,
        "kms" if services(needed_by).is_some() => Scope::Kms,
        _ => Scope::Anywhere,
    }
}

/// The services (`lambda`, `s3`) of the AWS resource types in `needed_by`, or `None` when one is
/// not an AWS type (a custom resource, the handlers) or is KMS's own.
fn services(needed_by: &BTreeSet<String>) -> Option<BTreeSet<String>> {
    needed_by
        .iter()
        .map(|type_name| {
            let service = type_name.strip_prefix("AWS::")?.split("::").next()?;
            (service != "KMS").then(|| service.to_ascii_lowercase())
        })
        .collect()
}

/// The services the job's templates let assume their roles (each role's trust policy), which the
/// build may pass those roles to.
fn trusted_services(templates: &[&Template]) -> BTreeSet<String> {
    let mut services = BTreeSet::new();
    for resource in templates.iter().flat_map(|t| t.resources()) {
        if resource.type_name != Some("AWS::IAM::Role") {
            continue;
        }
        let statements = resource
            .properties
            .and_then(|p| p.get("AssumeRolePolicyDocument"))
            .and_then(|d| d.get("Statement"))
            .and_then(Value::as_sequence);
        for statement in statements.into_iter().flatten() {
            match statement.get("Principal").and_then(|p| p.get("Service")) {
                Some(Value::String(service)) => {
                    services.insert(service.clone());
                }
                Some(Value::Sequence(list)) => {
                    services.extend(list.iter().filter_map(Value::as_str).map(String::from))
                }
                _ => {}
            }
        }
    }
    services
}

/// The resources and condition of a scope's statement, as template text, with the comment above.
fn scope_statement(
    scope: Scope,
    kind: PipelineKind,
    actions: &[(&String, &BTreeSet<String>)],
    kms_services: &BTreeSet<String>,
    pass_to: &BTreeSet<String>,
) -> (String, String) {
    let prefix = kind.stack_prefix();
    let arn = |rest: &str| format!("!Sub \"arn:${{AWS::Partition}}:{rest}\"");
    let list = |items: Vec<String>| -> String {
        items
            .iter()
            .map(|item| format!("                  - {item}\n"))
            .collect()
    };
    let condition = |operator: &str, key: &str, values: Vec<String>| {
        format!(
            "                Condition:\n                  {operator}:\n                    {key}:\n{}",
            values
                .iter()
                .map(|v| format!("                      - {v}\n"))
                .collect::<String>()
        )
    };
    let identities = || {
        let kinds: BTreeSet<&str> = actions
            .iter()
            .map(|(action, _)| identity_kind(action))
            .collect();
        let arns: Vec<String> = kinds
            .iter()
            .map(|kind| arn(&format!("iam::${{AWS::AccountId}}:{kind}/{prefix}*")))
            .collect();
        format!("                Resource:\n{}", list(arns))
    };
    let (comment, resources) = match scope {
        Scope::Anywhere => (
            "Calls on nothing the job owns by name: lists, shared resources, other services",
            "                Resource: \"*\"\n".into(),
        ),
        Scope::Buckets => (
            "S3 only on the buckets the job's stacks create (named after the stack, in lowercase)",
            format!(
                "                Resource:\n{}",
                list(vec![
                    arn(&format!("s3:::{prefix}*")),
                    arn(&format!("s3:::{prefix}*/*"))
                ])
            ),
        ),
        Scope::TableBuckets => (
            "S3 Tables only on the table buckets the job's stacks create",
            format!(
                "                Resource:\n{}",
                list(vec![
                    arn(&format!(
                        "s3tables:${{AWS::Region}}:${{AWS::AccountId}}:bucket/{prefix}*"
                    )),
                    arn(&format!(
                        "s3tables:${{AWS::Region}}:${{AWS::AccountId}}:bucket/{prefix}*/*"
                    )),
                ])
            ),
        ),
        Scope::Functions => (
            "Lambda only on the functions the job's stacks create (named after the stack)",
            format!(
                "                Resource: {}\n",
                arn(&format!(
                    "lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{prefix}*"
                ))
            ),
        ),
        Scope::Kms => (
            "KMS only through the services whose resources use a key",
            format!(
                "                Resource: \"*\"\n{}",
                condition(
                    "StringEquals",
                    "kms:ViaService",
                    kms_services
                        .iter()
                        .map(|s| format!("!Sub \"{s}.${{AWS::Region}}.amazonaws.com\""))
                        .collect()
                )
            ),
        ),
        Scope::Identities => (
            "IAM only on the job's own identities (named after the stack)",
            identities(),
        ),
        Scope::BoundedWrites => (
            "An identity's permissions are set only while it carries the kit's boundary (RoleBoundary),\nso nothing the build makes can do more than the boundary allows (and nothing removes it)",
            format!(
                "{}                Condition:\n                  StringEquals:\n                    iam:PermissionsBoundary: !Ref RoleBoundary\n",
                identities()
            ),
        ),
        Scope::PassRole => (
            "The job's own roles, only to the services that trust them: any other role would hand the\nbuild its permissions",
            format!(
                "                Resource: {}\n{}",
                arn(&format!("iam::${{AWS::AccountId}}:role/{prefix}*")),
                condition(
                    "StringEquals",
                    "iam:PassedToService",
                    pass_to.iter().cloned().collect()
                )
            ),
        ),
    };
    // The contract tests run the handlers with the build's credentials, on what inputs/ names.
    let handlers = scope != Scope::Anywhere
        && actions
            .iter()
            .any(|(_, needed_by)| needed_by.contains(permissions::HANDLERS));
    let comment = comment
        .lines()
        .chain(
            handlers
                .then_some("(the handlers' calls too: what they act on is named with this prefix)"),
        )
        .map(|line| format!("              # {line}\n"))
        .collect();
    (comment, resources)
}

/// The kind of IAM identity an action acts on, as its ARN names it.
fn identity_kind(action: &str) -> &'static str {
    let name = action.to_ascii_lowercase();
    if name.contains("instanceprofile") {
        "instance-profile"
    } else if name.contains("user") {
        "user"
    } else if name.contains("role") {
        "role"
    } else if name.contains("policy") {
        "policy"
    } else {
        "role"
    }
}

/// The policy of a build role: exactly the actions `required` lists (a wildcard only where a
/// provider schema lists one, with a comment naming who needs it), each scoped to the job's own
/// names where its service allows, IAM writes only under the kit's permissions boundary.
fn policy_block(required: &RequiredActions, kind: PipelineKind, extension: &Extension) -> String {
    let mut statements = scoped_statements(&required.actions, kind, extension);
    if let Some(role) = beta_handler_role_of(kind, extension) {
        statements.push_str(&handler_role_statements(&role, &stem(extension)));
    }
    if statements.is_empty() {
        return statements;
    }
    let left_out: String = required
        .left_out
        .iter()
        .map(|note| format!("            # Left out: {note}.\n"))
        .collect();
    format!(
        "      Policies:\n        - PolicyName: {name}\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            # {needs}, and what the provider schemas ({source})\n            # list for the resource types of {templates} (`regship pipeline sync` compares them).\n{left_out}            Statement:\n{statements}",
        source = permissions::source(),
        name = match kind {
            PipelineKind::Cicd => "contract-tests",
            PipelineKind::Beta => "integ-tests",
        },
        needs = match kind {
            PipelineKind::Cicd => "The schema's handler permissions",
            PipelineKind::Beta => "Custom resources (invoked as the caller)",
        },
        templates = kind.templates(),
    )
}

/// The statements granting `actions`, one per scope, each with its comment, indented for a
/// role's inline policy.
fn scoped_statements(
    actions: &BTreeMap<String, BTreeSet<String>>,
    kind: PipelineKind,
    extension: &Extension,
) -> String {
    let line = |(action, needed_by): (&String, &BTreeSet<String>)| {
        if action.contains(['*', '?']) {
            let types: Vec<&str> = needed_by.iter().map(String::as_str).collect();
            format!(
                "                  - {action} # listed by the {} provider schema\n",
                types.join(", ")
            )
        } else {
            format!("                  - {action}\n")
        }
    };
    let mut by_scope: BTreeMap<Scope, Vec<(&String, &BTreeSet<String>)>> = BTreeMap::new();
    let mut kms_services = BTreeSet::new();
    let mut pass_types = BTreeSet::new();
    for (action, needed_by) in actions {
        let scope = scope(action, needed_by);
        match scope {
            Scope::Kms => kms_services.extend(services(needed_by).unwrap_or_default()),
            Scope::PassRole => pass_types.extend(needed_by.iter().cloned()),
            _ => {}
        }
        by_scope.entry(scope).or_default().push((action, needed_by));
    }
    let templates = kind.templates_of(extension);
    let mut pass_to = trusted_services(&templates);
    if pass_to.is_empty() {
        // No role in the templates says who it trusts: the services of the types that pass one.
        pass_to.extend(
            services(&pass_types)
                .unwrap_or_default()
                .into_iter()
                .map(|service| format!("{service}.amazonaws.com")),
        );
    }
    let mut statements = String::new();
    for (scope, actions) in by_scope {
        let (comment, resources) = scope_statement(scope, kind, &actions, &kms_services, &pass_to);
        let actions: String = actions.into_iter().map(line).collect();
        statements.push_str(&format!(
            "{comment}              - Effect: Allow\n                Action:\n{actions}{resources}"
        ));
    }
    statements
}

/// The name of the extension's handler role in the beta account (and of its boundary), when
/// the pipeline is beta's and the extension has handlers.
fn beta_handler_role_of(kind: PipelineKind, extension: &Extension) -> Option<String> {
    let has_handlers = matches!(
        extension.artifact_type(),
        ArtifactType::Resource | ArtifactType::Hook
    );
    (kind == PipelineKind::Beta && has_handlers)
        .then(|| permissions::beta_handler_role(extension.type_name().unwrap_or_default()))
}

/// What the beta build role may do to the extension's handler role (`regship integ --submit`
/// deploys its stack before `cfn submit`): set its permissions only under the extension's
/// handler boundary, and pass it to the registry alone.
fn handler_role_statements(role: &str, stem: &str) -> String {
    let arn = format!("!Sub \"arn:${{AWS::Partition}}:iam::${{AWS::AccountId}}:role/{role}\"");
    let list = |actions: &[&str]| -> String {
        actions
            .iter()
            .map(|action| format!("                  - {action}\n"))
            .collect()
    };
    let writes = list(&[
        "iam:AttachRolePolicy",
        "iam:CreateRole",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:PutRolePolicy",
    ]);
    let others = list(&[
        "iam:DeleteRole",
        "iam:GetRole",
        "iam:GetRolePolicy",
        "iam:ListAttachedRolePolicies",
        "iam:ListRolePolicies",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateAssumeRolePolicy",
        "iam:UpdateRole",
        "iam:UpdateRoleDescription",
    ]);
    format!(
        "              # The handler role regship deploys before `cfn submit`: its permissions set only under\n              # {stem}HandlerBoundary, and passed to the registry alone\n              - Effect: Allow\n                Action:\n{writes}                Resource: {arn}\n                Condition:\n                  StringEquals:\n                    iam:PermissionsBoundary: !Ref {stem}HandlerBoundary\n              - Effect: Allow\n                Action:\n{others}                Resource: {arn}\n              - Effect: Allow\n                Action:\n                  - iam:PassRole\n                Resource: {arn}\n                Condition:\n                  StringEquals:\n                    iam:PassedToService:\n                      - resources.cloudformation.amazonaws.com\n                      - hooks.cloudformation.amazonaws.com\n"
    )
}

/// The beta handler boundary of an extension: the most its handler role may do there, its
/// schema's handler permissions scoped as the build roles' are (the handlers act on what the
/// integ stacks create), as a managed policy resource.
fn handler_boundary_block(extension: &Extension, role: &str) -> String {
    let handlers = RequiredActions::handlers(extension).actions;
    let statements = scoped_statements(&handlers, PipelineKind::Beta, extension);
    // From a role's inline policy (14 spaces) to a managed policy's document (10).
    let statements: String = statements
        .lines()
        .map(|line| format!("{}\n", line.strip_prefix("    ").unwrap_or(line)))
        .collect();
    let statements = if statements.is_empty() {
        // A schema without permissions: a boundary that allows nothing.
        "          - Effect: Deny\n            Action: \"*\"\n            Resource: \"*\"\n"
            .to_string()
    } else {
        statements
    };
    format!(
        "  # The most the handlers of {type_name} may do here: their\n  # schema's permissions, scoped as the build roles' are (`regship integ --submit` gives the\n  # handler role this boundary).\n  {stem}HandlerBoundary:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      ManagedPolicyName: {role}\n      PolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n{statements}\n",
        type_name = extension.type_name().unwrap_or_default(),
        stem = stem(extension),
    )
}

/// The `*_PATH` variable that names an extension of this kind.
fn path_variable(extension: &Extension) -> &'static str {
    match extension.artifact_type() {
        ArtifactType::Hook => "HOOK_PATH",
        ArtifactType::Module => "MODULE_PATH",
        ArtifactType::Resource => "RESOURCE_PATH",
    }
}

/// Which pipeline a block is for: the CI/CD account's contract tests, or the beta account's
/// integration runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PipelineKind {
    Cicd,
    Beta,
}

impl PipelineKind {
    /// What the build role needs beyond its pipeline's common policy.
    fn required(self, extension: &Extension) -> RequiredActions {
        match self {
            PipelineKind::Cicd => RequiredActions::of(extension),
            PipelineKind::Beta => RequiredActions::for_integ(extension),
        }
    }

    fn template_path(self, workspace: &Workspace) -> &str {
        match self {
            PipelineKind::Cicd => &workspace.config.pipeline_template,
            PipelineKind::Beta => &workspace.config.beta_pipeline_template,
        }
    }

    fn buildspec(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "resources/buildspec.yml",
            PipelineKind::Beta => "resources/integ-buildspec.yml",
        }
    }

    fn common_policy(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "CommonBuildPolicy",
            PipelineKind::Beta => "CommonIntegPolicy",
        }
    }

    /// Whether the build needs Docker, so runs privileged: the contract tests always do
    /// (`sam local start-lambda` runs the handlers in containers); a beta build only when
    /// `cfn submit` builds the package in Docker (`settings.use_docker`).
    fn privileged(self, extension: &Extension) -> bool {
        match self {
            PipelineKind::Cicd => true,
            PipelineKind::Beta => extension
                .rpdk_config
                .ok()
                .is_some_and(|config| config.builds_in_docker),
        }
    }

    /// The names of the stacks the job creates from its templates (`setup-<folder>`,
    /// `integ-<folder>-...`), which start the names of the roles they create.
    fn stack_prefix(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "setup-",
            PipelineKind::Beta => "integ-",
        }
    }

    /// The kit template of this pipeline in the regship repository.
    fn kit(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "release/cicd.yml",
            PipelineKind::Beta => "release/beta.yml",
        }
    }

    /// The job's templates, parsed.
    fn templates_of(self, extension: &Extension) -> Vec<&Template> {
        let loaded = match self {
            PipelineKind::Cicd => &extension.setup,
            PipelineKind::Beta => &extension.integ,
        };
        loaded.iter().filter_map(|t| t.ok()).collect()
    }

    /// The templates the role's permissions come from, for notes.
    fn templates(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "test/setup",
            PipelineKind::Beta => "test/integ",
        }
    }
}

fn resources_block(extension: &Extension, kind: PipelineKind) -> String {
    let stem = stem(extension);
    let policy = policy_block(&kind.required(extension), kind, extension);
    let common = kind.common_policy();
    let buildspec = kind.buildspec();
    let privileged = kind.privileged(extension);
    let handler_boundary = beta_handler_role_of(kind, extension)
        .map(|role| handler_boundary_block(extension, &role))
        .unwrap_or_default();
    format!(
        "  # --- {type_name} ({folder})\n{handler_boundary}  {stem}BuildRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: codebuild.amazonaws.com\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals:\n                aws:SourceAccount: !Ref AWS::AccountId\n      ManagedPolicyArns:\n        - !Ref {common}\n{policy}\n  {stem}BuildLogs:\n    Type: AWS::Logs::LogGroup\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      LogGroupName: !Sub \"/aws/codebuild/${{AWS::StackName}}-{stem}\"\n      RetentionInDays: !Ref BuildLogRetentionDays\n      KmsKeyId: !GetAtt PipelineKey.Arn\n\n  {stem}BuildProject:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      ServiceRole: !GetAtt {stem}BuildRole.Arn\n      # One build at a time: a retry waits, so two builds never share a stack.\n      ConcurrentBuildLimit: 1\n      TimeoutInMinutes: 60\n      Artifacts:\n        Type: CODEPIPELINE\n      Source:\n        Type: CODEPIPELINE\n        BuildSpec: {buildspec}\n      LogsConfig:\n        CloudWatchLogs:\n          Status: ENABLED\n          GroupName: !Ref {stem}BuildLogs\n      Environment:\n        Type: LINUX_CONTAINER\n        ComputeType: BUILD_GENERAL1_SMALL\n        Image: aws/codebuild/standard:7.0\n        PrivilegedMode: {privileged}\n        EnvironmentVariables:\n          - Name: {variable}\n            Type: PLAINTEXT\n            Value: {folder}\n{boundary}\n",
        type_name = extension.type_name().unwrap_or_default(),
        folder = extension.folder,
        variable = path_variable(extension),
        boundary = match kind {
            // contract-tests.sh gives it to a setup template that declares RoleBoundary.
            PipelineKind::Cicd =>
                "          - Name: SETUP_ROLE_BOUNDARY\n            Type: PLAINTEXT\n            Value: !Ref RoleBoundary\n",
            // regship integ gives the boundary (the kit's name in the build's account); the
            // build installs regship from the archive whose checksum the kit pins.
            PipelineKind::Beta =>
                "          - Name: SOURCE_BUCKET\n            Type: PLAINTEXT\n            Value: !Ref SourceBucket\n          - Name: REGSHIP_ARCHIVE\n            Type: PLAINTEXT\n            Value: !Sub \"s3://${ArtifactBucket}/${RegshipArchive}\"\n          - Name: REGSHIP_SHA256\n            Type: PLAINTEXT\n            Value: !Ref RegshipArchiveSha256\n",
        },
    )
}

fn action_block(extension: &Extension, kind: PipelineKind, indent: &str) -> String {
    let stem = stem(extension);
    // Beta: the version of the handed-over source object, whose metadata the gate reads.
    let source_version = match kind {
        PipelineKind::Cicd => "",
        PipelineKind::Beta => {
            r##",{"name":"SOURCE_VERSION_ID","type":"PLAINTEXT","value":"#{SourceVariables.VersionId}"}"##
        }
    };
    let body = format!(
        "- Name: {stem}\n  RunOrder: 1\n  InputArtifacts:\n    - Name: Source\n  ActionTypeId:\n    Category: Build\n    Owner: AWS\n    Provider: CodeBuild\n    Version: \"1\"\n  Configuration:\n    ProjectName: !Ref {stem}BuildProject\n    EnvironmentVariables: '[{{\"name\":\"{variable}\",\"type\":\"PLAINTEXT\",\"value\":\"{folder}\"}}{source_version}]'\n",
        variable = path_variable(extension),
        folder = extension.folder,
    );
    body.lines()
        .map(|line| format!("{indent}{line}\n"))
        .collect()
}

fn indentation(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

/// Where the Build stage's action list ends, and the indentation of its items.
fn build_actions_end(lines: &[&str]) -> Option<(usize, String)> {
    let stage = lines
        .iter()
        .position(|l| l.trim_start().starts_with("- Name: Build"))?;
    let stage_indent = indentation(lines[stage]);
    let actions =
        (stage + 1..lines.len()).find(|&i| lines[i].trim_start().starts_with("Actions:"))?;
    let mut item_indent = None;
    let mut end = actions + 1;
    for (i, line) in lines.iter().enumerate().skip(actions + 1) {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let indent = indentation(line);
        if indent <= stage_indent {
            break;
        }
        if line.trim_start().starts_with("- ") && item_indent.is_none() {
            item_indent = Some(indent);
        }
        end = i + 1;
    }
    Some((end, " ".repeat(item_indent.unwrap_or(stage_indent + 4))))
}

/// Plans the build action, project and role of each of `extensions` that has none yet.
pub fn plan_add(
    workspace: &Workspace,
    extensions: &[&Extension],
    kind: PipelineKind,
) -> Result<Plan, String> {
    let display = kind.template_path(workspace).to_string();
    let path = workspace.root.join(&display);
    let text = std::fs::read_to_string(&path).map_err(|err| {
        format!(
            "{display}: {err} (create it from the regship repository's {})",
            kind.kit()
        )
    })?;
    let template =
        Template::parse(&text).map_err(|problem| format!("{display}: {}", problem.message))?;
    let existing = build_actions(&template);
    let mut plan = Plan::default();
    let missing: Vec<&&Extension> = extensions
        .iter()
        .filter(|e| !existing.iter().any(|a| a.tests_folder(&e.folder)))
        .collect();
    for extension in extensions
        .iter()
        .filter(|e| existing.iter().any(|a| a.tests_folder(&e.folder)))
    {
        plan.notes
            .push(format!("{} already has a build action", extension.folder));
    }
    if missing.is_empty() {
        return Ok(plan);
    }
    let pipeline_id = template
        .resources()
        .find(|r| r.type_name == Some("AWS::CodePipeline::Pipeline"))
        .map(|r| r.logical_id.to_string())
        .ok_or_else(|| format!("{display} has no AWS::CodePipeline::Pipeline"))?;
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    // 1. The actions, at the end of the Build stage.
    let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
    let (end, indent) = build_actions_end(&borrowed)
        .ok_or_else(|| format!("{display}: no `- Name: Build` stage with Actions"))?;
    let actions: String = missing
        .iter()
        .map(|e| action_block(e, kind, &indent))
        .collect();
    lines.splice(end..end, actions.lines().map(String::from));
    // 2. The pipeline role may start the new projects (after its last `!GetAtt ...BuildProject.Arn`).
    if let Some(last) = lines.iter().rposition(|l| {
        l.trim_start().starts_with("- !GetAtt ") && l.trim_end().ends_with("BuildProject.Arn")
    }) {
        let indent = " ".repeat(indentation(&lines[last]));
        let grants: Vec<String> = missing
            .iter()
            .map(|e| format!("{indent}- !GetAtt {}BuildProject.Arn", stem(e)))
            .filter(|grant| !lines.iter().any(|line| line == grant))
            .collect();
        lines.splice(last + 1..last + 1, grants);
    } else {
        plan.notes.push("no `- !GetAtt <X>BuildProject.Arn` list in the pipeline role: grant codebuild:StartBuild on the new projects by hand".into());
    }
    // 3. The roles and projects, before the pipeline role (or the pipeline).
    let anchor = ["PipelineRole".to_string(), pipeline_id]
        .iter()
        .find_map(|id| {
            lines
                .iter()
                .position(|l| l.trim_end() == format!("  {id}:"))
        })
        .ok_or_else(|| format!("{display}: the pipeline's resource line was not found"))?;
    let resources: String = missing.iter().map(|e| resources_block(e, kind)).collect();
    for extension in &missing {
        for type_name in kind.required(extension).unlisted {
            plan.notes.push(format!(
                "{}: no provider schema lists the permissions of {type_name} ({}): grant what creating and deleting it needs in {}BuildRole by hand",
                extension.folder,
                kind.templates(),
                stem(extension)
            ));
        }
    }
    // What the new blocks refer to that the kit's template holds.
    for (logical, what) in [
        (
            "RoleBoundary",
            "the permissions boundary the new roles create roles under",
        ),
        ("PipelineKey", "the key the build logs are encrypted with"),
    ] {
        if resources.contains(&format!(" {logical}"))
            && !template.resources().any(|r| r.logical_id == logical)
        {
            plan.notes.push(format!(
                "{display} has no {logical}, {what}: copy it from the regship repository's {}",
                kind.kit()
            ));
        }
    }
    lines.splice(anchor..anchor, resources.lines().map(String::from));
    let mut new = lines.join("\n");
    if text.ends_with('\n') {
        new.push('\n');
    }
    if let Ok(written) = Template::parse(&new) {
        for extension in &missing {
            let role = format!("{}BuildRole", stem(extension));
            let size = inline_policy_size(&written, &role);
            if size > INLINE_POLICY_LIMIT {
                plan.notes.push(format!(
                    "{}: {role}'s inline policy is about {size} characters, over IAM's {INLINE_POLICY_LIMIT} for a role's inline policies, so the deploy would fail: move statements into a managed policy ({MANAGED_POLICY_LIMIT} characters each) or split {}",
                    extension.folder,
                    kind.templates()
                ));
            }
        }
    }
    plan.write(path, display, new);
    Ok(plan)
}

/// IAM's quota on the inline policies of one role, all together, in characters (whitespace
/// aside), and on one managed policy ("IAM and AWS STS quotas" in the IAM user guide).
const INLINE_POLICY_LIMIT: usize = 10_240;
const MANAGED_POLICY_LIMIT: usize = 6_144;

/// About how many characters IAM counts for a role's inline policies: their documents as
/// minified JSON, `!Sub`'s pseudo parameters as an account's values.
fn inline_policy_size(template: &Template, role: &str) -> usize {
    template
        .resources()
        .find(|r| r.logical_id == role)
        .and_then(|r| r.properties?.get("Policies")?.as_sequence())
        .map(|policies| {
            policies
                .iter()
                .filter_map(|policy| policy.get("PolicyDocument"))
                .map(json_size)
                .sum()
        })
        .unwrap_or(0)
}

/// The length of `value` as minified JSON once deployed: `!Sub` strings with the pseudo
/// parameters replaced, `!Ref` and `!GetAtt` as an ARN of usual length.
fn json_size(value: &Value) -> usize {
    let commas = |n: usize| n.saturating_sub(1);
    match value {
        Value::Null => 4,
        Value::Bool(b) => b.to_string().len(),
        Value::Number(n) => n.to_string().len(),
        Value::String(text) => {
            text.replace("${AWS::Partition}", "aws")
                .replace("${AWS::AccountId}", "123456789012")
                .replace("${AWS::Region}", "us-east-1")
                .len()
                + 2
        }
        Value::Sequence(items) => {
            2 + items.iter().map(json_size).sum::<usize>() + commas(items.len())
        }
        Value::Mapping(map) => {
            2 + map
                .iter()
                .map(|(key, value)| json_size(key) + 1 + json_size(value))
                .sum::<usize>()
                + commas(map.len())
        }
        Value::Tagged(tagged) => match tagged.tag.to_string().trim_start_matches('!') {
            "Ref" | "GetAtt" => 70,
            _ => json_size(&tagged.value),
        },
    }
}

/// Actions a build role grants (its inline policies), by the role's logical id.
fn granted_actions(template: &Template, role: &str) -> Option<BTreeSet<String>> {
    let resource = template.resources().find(|r| r.logical_id == role)?;
    let mut granted = BTreeSet::new();
    let policies = resource.properties?.get("Policies")?.as_sequence()?;
    for policy in policies {
        let Some(statements) = policy
            .get("PolicyDocument")
            .and_then(|d| d.get("Statement"))
            .and_then(Value::as_sequence)
        else {
            continue;
        };
        for statement in statements {
            if statement.get("Effect").and_then(Value::as_str) == Some("Deny") {
                continue;
            }
            match statement.get("Action") {
                Some(Value::String(action)) => {
                    granted.insert(action.clone());
                }
                Some(Value::Sequence(actions)) => {
                    granted.extend(actions.iter().filter_map(Value::as_str).map(String::from))
                }
                Some(other) if intrinsic(other).is_some() => return None,
                _ => {}
            }
        }
    }
    Some(granted)
}

/// Differences between what an extension's build role grants and what its schema and setup need.
pub fn drift(workspace: &Workspace, extension: &Extension) -> Option<(Vec<String>, Vec<String>)> {
    let template = workspace.pipeline.as_ref()?.ok()?;
    let granted = granted_actions(template, &format!("{}BuildRole", stem(extension)))?;
    let required: BTreeSet<String> = RequiredActions::of(extension).actions.into_keys().collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|a| !RequiredActions::covers(&granted, a))
        .cloned()
        .collect();
    let extra: Vec<String> = granted.difference(&required).cloned().collect();
    Some((missing, extra))
}
