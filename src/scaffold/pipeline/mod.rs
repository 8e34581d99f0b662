//! `regship pipeline add|sync`: each extension's build action, CodeBuild project and role in the
//! pipeline template, inserted as text so that everything else (comments, order) stays as it was.

use std::collections::{BTreeMap, BTreeSet};

use serde_norway::Value;

mod conventions;
mod kit;

use std::ops::Range;

use super::Plan;
use super::yaml_text;
use crate::workspace::permissions::{self, RequiredActions};
use crate::workspace::pipeline::{build_actions, pipeline_role, source_action};
use crate::workspace::template::{Template, intrinsic, names_referred};
use crate::workspace::{ArtifactType, Extension, Workspace};

/// The logical-id stem of an extension: its folder name without separators (`S3DeleteBucketContents`).
pub fn stem(extension: &Extension) -> String {
    folder_stem(&extension.folder)
}

/// A folder's last part without separators (`S3_Thing` -> `S3Thing`), as logical ids spell it.
fn folder_stem(folder: &str) -> String {
    let name = folder.rsplit('/').next().unwrap_or(folder);
    name.chars().filter(char::is_ascii_alphanumeric).collect()
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
/// names where its service allows, IAM writes only under the kit's permissions boundary;
/// `kept` are statements copied from another build role (items at 14 spaces).
fn policy_block(
    required: &RequiredActions,
    kind: PipelineKind,
    extension: &Extension,
    kept: Option<&Kept>,
) -> String {
    let mut statements = scoped_statements(&required.actions, kind, extension);
    if let Some(role) = beta_handler_role_of(kind, extension) {
        statements.push_str(&handler_role_statements(&role, &stem(extension)));
    }
    let copied = kept
        .filter(|kept| !kept.statements.is_empty())
        .map(|kept| {
            format!(
                "        - PolicyName: {PIPELINE_POLICY}\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            # Copied from {}: what the builds of this pipeline need, whatever the extension.\n            Statement:\n{}",
                kept.from, kept.statements
            )
        })
        .unwrap_or_default();
    if statements.is_empty() && copied.is_empty() {
        return String::new();
    }
    let ours = if statements.is_empty() {
        String::new()
    } else {
        let left_out: String = required
            .left_out
            .iter()
            .map(|note| format!("            # Left out: {note}.\n"))
            .collect();
        format!(
            "        - PolicyName: {name}\n          PolicyDocument:\n            Version: \"2012-10-17\"\n            # {needs}, and what the provider schemas ({source})\n            # list for the resource types of {templates} (`regship pipeline sync` compares them).\n{left_out}            Statement:\n{statements}",
            source = permissions::source(),
            name = kind.policy_name(),
            needs = match kind {
                PipelineKind::Cicd => "The schema's handler permissions",
                PipelineKind::Beta => "Custom resources (invoked as the caller)",
            },
            templates = kind.templates(),
        )
    };
    format!("      Policies:\n{ours}{copied}")
}

/// The name of the inline policy that holds what a copied build role kept of its model's.
const PIPELINE_POLICY: &str = "pipeline";

/// Statements kept from the build role a new one is shaped like (items at 14 spaces).
#[derive(Debug)]
pub struct Kept {
    pub from: String,
    pub statements: String,
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

    /// The name of the inline policy regship writes the extension's permissions in.
    fn policy_name(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "contract-tests",
            PipelineKind::Beta => "integ-tests",
        }
    }

    /// The templates the role's permissions come from, for notes.
    fn templates(self) -> &'static str {
        match self {
            PipelineKind::Cicd => "test/setup",
            PipelineKind::Beta => "test/integ",
        }
    }
}

/// The role, log group and project of an extension in the kit's shape; `log_key` is whether the
/// template has the kit's PipelineKey to encrypt the log group with.
fn resources_block(extension: &Extension, kind: PipelineKind, log_key: bool) -> String {
    let stem = stem(extension);
    let policy = policy_block(&kind.required(extension), kind, extension, None);
    let common = kind.common_policy();
    let buildspec = kind.buildspec();
    let privileged = kind.privileged(extension);
    let handler_boundary = beta_handler_role_of(kind, extension)
        .map(|role| handler_boundary_block(extension, &role))
        .unwrap_or_default();
    format!(
        "  # --- {type_name} ({folder})\n{handler_boundary}  {stem}BuildRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument:\n        Version: \"2012-10-17\"\n        Statement:\n          - Effect: Allow\n            Principal:\n              Service: codebuild.amazonaws.com\n            Action: sts:AssumeRole\n            Condition:\n              StringEquals:\n                aws:SourceAccount: !Ref AWS::AccountId\n      ManagedPolicyArns:\n        - !Ref {common}\n{policy}\n  {stem}BuildLogs:\n    Type: AWS::Logs::LogGroup\n    DeletionPolicy: Delete\n    UpdateReplacePolicy: Delete\n    Properties:\n      LogGroupName: !Sub \"/aws/codebuild/${{AWS::StackName}}-{stem}\"\n      RetentionInDays: !Ref BuildLogRetentionDays\n{key}\n  {stem}BuildProject:\n    Type: AWS::CodeBuild::Project\n    Properties:\n      ServiceRole: !GetAtt {stem}BuildRole.Arn\n      # One build at a time: a retry waits, so two builds never share a stack.\n      ConcurrentBuildLimit: 1\n      TimeoutInMinutes: 60\n      Artifacts:\n        Type: CODEPIPELINE\n      Source:\n        Type: CODEPIPELINE\n        BuildSpec: {buildspec}\n      LogsConfig:\n        CloudWatchLogs:\n          Status: ENABLED\n          GroupName: !Ref {stem}BuildLogs\n      Environment:\n        Type: LINUX_CONTAINER\n        ComputeType: BUILD_GENERAL1_SMALL\n        Image: aws/codebuild/standard:7.0\n        PrivilegedMode: {privileged}\n        EnvironmentVariables:\n          - Name: {variable}\n            Type: PLAINTEXT\n            Value: {folder}\n{boundary}\n",
        type_name = extension.type_name().unwrap_or_default(),
        folder = extension.folder,
        variable = path_variable(extension),
        key = if log_key {
            "      KmsKeyId: !GetAtt PipelineKey.Arn\n"
        } else {
            ""
        },
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

/// The build action of an extension on `project`: it takes the `artifact` the template's actions
/// take; in beta, the source object's version is read from the source action's `namespace`.
fn action_block(
    extension: &Extension,
    kind: PipelineKind,
    (indent, artifact, namespace): (&str, &str, Option<&str>),
    project: &str,
) -> String {
    let stem = stem(extension);
    // Beta: the version of the handed-over source object, whose metadata the gate reads.
    let source_version = match (kind, namespace) {
        (PipelineKind::Beta, Some(namespace)) => format!(
            r##",{{"name":"SOURCE_VERSION_ID","type":"PLAINTEXT","value":"#{{{namespace}.VersionId}}"}}"##
        ),
        _ => String::new(),
    };
    let body = format!(
        "- Name: {stem}\n  RunOrder: 1\n  InputArtifacts:\n    - Name: {artifact}\n  ActionTypeId:\n    Category: Build\n    Owner: AWS\n    Provider: CodeBuild\n    Version: \"1\"\n  Configuration:\n    ProjectName: !Ref {project}\n    EnvironmentVariables: '[{{\"name\":\"{variable}\",\"type\":\"PLAINTEXT\",\"value\":\"{folder}\"}}{source_version}]'\n",
        variable = path_variable(extension),
        folder = extension.folder,
    );
    body.lines()
        .map(|line| format!("{indent}{line}\n"))
        .collect()
}

/// Whether the template has the kit's PipelineKey for every deploy (not under a condition).
fn has_log_key(template: &Template) -> bool {
    template
        .root
        .get("Resources")
        .and_then(|r| r.get("PipelineKey"))
        .is_some_and(|key| key.get("Condition").is_none())
}

/// Where the kit-shaped blocks go: before the pipeline's role, or the pipeline.
fn kit_anchor(lines: &[String], template: &Template, pipeline_id: &str) -> Option<usize> {
    [
        pipeline_role(template),
        Some("PipelineRole".into()),
        Some(pipeline_id.into()),
    ]
    .into_iter()
    .flatten()
    .find_map(|id| yaml_text::entry_span(lines, "Resources", &id))
    .map(|span| span.start)
}

/// The line after which the kit-shaped projects are granted to the pipeline: the last
/// `- !GetAtt <project>.Arn` of the template.
fn kit_grant_line(lines: &[String], template: &Template) -> Option<usize> {
    let projects: BTreeSet<&str> = template
        .resources()
        .filter(|r| r.type_name == Some("AWS::CodeBuild::Project"))
        .map(|r| r.logical_id)
        .collect();
    lines.iter().rposition(|line| {
        line.trim_start()
            .strip_prefix("- !GetAtt ")
            .and_then(|rest| rest.trim_end().strip_suffix(".Arn"))
            .is_some_and(|id| projects.contains(id) || id.ends_with("BuildProject"))
    })
}

/// Where the lists of the template that name one of `copied`'s model resources (the pipeline
/// role's grants, a key policy's principals, a shared policy's roles) get the copy's item.
fn list_insertions(
    lines: &[String],
    listed: &[(String, String)],
    skip: &[Range<usize>],
) -> Vec<(usize, String)> {
    let mut insertions: Vec<(usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if skip.iter().any(|range| range.contains(&i)) {
            continue;
        }
        let item = line.trim();
        for (old, new) in listed {
            let renamed = if item == format!("- !GetAtt {old}.Arn") {
                format!("- !GetAtt {new}.Arn")
            } else if item == format!("- !Ref {old}") {
                format!("- !Ref {new}")
            } else {
                continue;
            };
            let indent = yaml_text::indentation(line);
            let end = yaml_text::list_end(lines, i);
            // The list starts after its key, the last line above the item that is less indented.
            let start = (0..i)
                .rev()
                .find(|&at| {
                    !lines[at].trim().is_empty() && yaml_text::indentation(&lines[at]) < indent
                })
                .map_or(0, |at| at + 1);
            if lines[start..end].iter().any(|l| l.trim() == renamed) {
                continue;
            }
            let text = format!("{}{renamed}", " ".repeat(indent));
            if !insertions.contains(&(end, text.clone())) {
                insertions.push((end, text));
            }
        }
    }
    insertions
}

/// The CodeBuild project of the template, other than `model`, that declares `name_line` (the
/// copy's `Name:` line): one made for the extension before, which its action should run.
fn project_named(
    lines: &[String],
    template: &Template,
    name_line: &str,
    model: &str,
) -> Option<String> {
    template
        .resources()
        .filter(|r| r.type_name == Some("AWS::CodeBuild::Project") && r.logical_id != model)
        .find(|r| {
            yaml_text::entry_span(lines, "Resources", r.logical_id)
                .is_some_and(|span| lines[span].iter().any(|line| line.trim() == name_line))
        })
        .map(|r| r.logical_id.to_string())
}

/// Plans the build action, project and role of each of `extensions` that has none yet, in the
/// template's own conventions: shaped like a build action of the same kind it has (its source
/// artifact, project settings, managed policies and logs), else in the regship kit's shape with
/// the parameters and shared resources that needs added from the kit.
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
    if text.trim_start().starts_with('{') {
        return Err(format!(
            "{display} is JSON: `pipeline add` edits YAML templates line by line so that the rest stays as it is; convert it to YAML (`rain fmt --yaml`, `cfn-flip`) or add the build action by hand"
        ));
    }
    let pipeline_id = template
        .resources()
        .find(|r| r.type_name == Some("AWS::CodePipeline::Pipeline"))
        .map(|r| r.logical_id.to_string())
        .ok_or_else(|| format!("{display} has no AWS::CodePipeline::Pipeline"))?;
    let lines: Vec<String> = text.lines().map(String::from).collect();
    // The stage the template's build actions are in (`Build` in the kit's).
    let default_stage = existing
        .iter()
        .find_map(|a| a.stage.clone())
        .unwrap_or_else(|| "Build".into());
    let stage_end = |stage: &str| {
        yaml_text::stage_actions_end(&lines, stage).ok_or_else(|| {
            format!(
                "{display}: no pipeline stage `{stage}` with Actions to add the build action to"
            )
        })
    };
    let resource_indent = yaml_text::section(&lines, "Resources").map_or(2, |(_, i)| i);
    let pipeline_lines = yaml_text::entry_span(&lines, "Resources", &pipeline_id);
    let source = source_action(&template);
    let kit_renames = kit::renames_for(&template);
    let log_key = has_log_key(&template);
    let mut given = BTreeSet::new();
    let mut insertions: Vec<(usize, String)> = Vec::new();
    let mut kit_shaped: Vec<&Extension> = Vec::new();
    let mut kit_additions = kit::Additions::default();
    let mut kit_blocks = String::new();
    let mut roles: Vec<(&Extension, String)> = Vec::new();
    let mut copied_any = false;
    for extension in &missing {
        let model = conventions::model(workspace, &template, extension)
            .filter(|model| !model.is_kits(&template, kind));
        let artifact = model
            .as_ref()
            .and_then(|m| m.action.input.clone())
            .or_else(|| existing.iter().find_map(|a| a.input.clone()))
            .or_else(|| source.as_ref().and_then(|s| s.artifact.clone()))
            .unwrap_or_else(|| "Source".into());
        let namespace = source.as_ref().and_then(|s| s.namespace.as_deref());
        let stage = model
            .as_ref()
            .and_then(|m| m.action.stage.clone())
            .unwrap_or_else(|| default_stage.clone());
        let (build_end, action_indent) = stage_end(&stage)?;
        let action = (action_indent.as_str(), artifact.as_str(), namespace);
        match model {
            Some(model) => {
                let copied = conventions::copy(&lines, &template, &model, extension, kind)?;
                let mut skip = copied.model_lines.clone();
                skip.extend(pipeline_lines.clone());
                let made_before = copied
                    .name_line
                    .as_deref()
                    .and_then(|name| project_named(&lines, &template, name, &model.project));
                if let Some(existing) = made_before {
                    // The template has the extension's project already, named as the copy
                    // would be, but no action runs it: the action runs that one.
                    insertions.push((build_end, action_block(extension, kind, action, &existing)));
                    let listed = [(model.project.clone(), existing.clone())];
                    insertions.extend(list_insertions(&lines, &listed, &skip));
                    plan.notes.push(format!(
                        "{}: {display} already declares {existing}, named as its project would be, but no action runs it: the new action runs {existing} as it is (its role and permissions unchanged)",
                        extension.folder
                    ));
                    continue;
                }
                insertions.push((
                    build_end,
                    action_block(extension, kind, action, &copied.project),
                ));
                insertions.extend(list_insertions(&lines, &copied.listed, &skip));
                insertions.push((copied.after, copied.text.clone()));
                plan.notes.extend(copied.notes.iter().cloned());
                kit_additions.extend(kit::missing(
                    &copied.text,
                    &template,
                    kind,
                    &kit_renames,
                    &mut given,
                ));
                copied_any = true;
                if let Some(role) = copied.role {
                    roles.push((extension, role));
                }
            }
            None => {
                let project = format!("{}BuildProject", stem(extension));
                insertions.push((build_end, action_block(extension, kind, action, &project)));
                let block = kit_renames.apply(&resources_block(extension, kind, log_key));
                kit_additions.extend(kit::missing(
                    &block,
                    &template,
                    kind,
                    &kit_renames,
                    &mut given,
                ));
                kit_blocks.push_str(&block);
                kit_shaped.push(extension);
                roles.push((extension, format!("{}BuildRole", stem(extension))));
            }
        }
    }
    if kind == PipelineKind::Beta && source.as_ref().and_then(|s| s.namespace.as_ref()).is_none() {
        plan.notes.push(format!(
            "{display}: the source action has no Namespace, so the new builds are not told the source object's version (SOURCE_VERSION_ID, which the beta gate reads)"
        ));
    }
    let shift = resource_indent.saturating_sub(2);
    let folders: Vec<&str> = kit_shaped.iter().map(|e| e.folder.as_str()).collect();
    if !kit_shaped.is_empty() {
        // The kit-shaped projects are granted to the pipeline after its last grant.
        match kit_grant_line(&lines, &template) {
            Some(last) => {
                let indent = " ".repeat(yaml_text::indentation(&lines[last]));
                let grants: String = kit_shaped
                    .iter()
                    .map(|e| format!("{indent}- !GetAtt {}BuildProject.Arn\n", stem(e)))
                    .filter(|grant| !lines.iter().any(|line| format!("{line}\n") == *grant))
                    .collect();
                insertions.push((last + 1, grants.trim_end_matches('\n').to_string()));
            }
            None => plan.notes.push("no `- !GetAtt <X>BuildProject.Arn` list in the pipeline role: grant codebuild:StartBuild on the new projects by hand".into()),
        }
        if !log_key {
            plan.notes.push(format!(
                "{display} has no PipelineKey for every deploy: the build logs of {} are encrypted with CloudWatch's own key",
                folders.join(", ")
            ));
        }
    }
    if !kit_shaped.is_empty() || !kit_additions.resources.is_empty() {
        let anchor = kit_anchor(&lines, &template, &pipeline_id)
            .ok_or_else(|| format!("{display}: the pipeline's resource line was not found"))?;
        let resources = format!("{}{kit_blocks}", kit_additions.resources);
        insertions.push((anchor, yaml_text::shift(&resources, shift)));
    }
    if !kit_additions.parameters.is_empty() {
        let parameters = yaml_text::shift(&kit_additions.parameters, shift);
        match yaml_text::section(&lines, "Parameters") {
            Some((header, _)) => {
                let end = yaml_text::section_end(&lines, header);
                insertions.push((end, parameters.trim_end_matches('\n').to_string()));
            }
            None => {
                let resources = yaml_text::section(&lines, "Resources").map_or(0, |(h, _)| h);
                insertions.push((resources, format!("Parameters:\n{parameters}")));
            }
        }
    }
    if !kit_additions.names.is_empty() {
        let shape = if folders.is_empty() {
            String::new()
        } else {
            format!(
                "{display} has no build action of the same kind to copy, so {} get(s) the regship kit's shape; ",
                folders.join(", ")
            )
        };
        plan.notes.push(format!(
            "{shape}added from the regship kit what the new blocks refer to: {}",
            kit_additions.names.join(", ")
        ));
    }
    if copied_any
        && kit_additions
            .names
            .iter()
            .any(|name| name == "RoleBoundary")
    {
        plan.notes.push(match kind {
            PipelineKind::Cicd => "the new build roles create IAM roles only with the permissions boundary RoleBoundary: the setup templates must give their roles that boundary (the kit's resources/contract-tests.sh passes it as the RoleBoundary parameter, from SETUP_ROLE_BOUNDARY)".into(),
            PipelineKind::Beta => "the new build roles create IAM roles only with the permissions boundary RoleBoundary, which `regship integ` gives the integ templates as their RoleBoundary parameter".into(),
        });
    }
    for name in &kit_additions.unresolved {
        plan.notes.push(format!(
            "the new blocks refer to {name}, which neither {display} nor the regship kit declares: declare it before deploying"
        ));
    }
    for extension in &missing {
        for type_name in kind.required(extension).unlisted {
            plan.notes.push(format!(
                "{}: no provider schema lists the permissions of {type_name} ({}): grant what creating and deleting it needs in {}'s build role by hand",
                extension.folder,
                kind.templates(),
                stem(extension)
            ));
        }
    }
    let new = yaml_text::insert_all(&lines, insertions, text.ends_with('\n'));
    match Template::parse(&new) {
        Ok(written) => {
            for name in undeclared(&template, &written) {
                plan.notes.push(format!(
                    "the added lines refer to {name}, which {display} does not declare: the deploy would fail until it does"
                ));
            }
            for (extension, role) in &roles {
                let size = inline_policy_size(&written, role);
                if size > INLINE_POLICY_LIMIT {
                    plan.notes.push(format!(
                        "{}: {role}'s inline policy is about {size} characters, over IAM's {INLINE_POLICY_LIMIT} for a role's inline policies, so the deploy would fail: move statements into a managed policy ({MANAGED_POLICY_LIMIT} characters each) or split {}",
                        extension.folder,
                        kind.templates()
                    ));
                }
            }
        }
        Err(problem) => {
            return Err(format!(
                "{display}: adding the build actions would leave a template that does not parse ({}); nothing was written",
                problem.message
            ));
        }
    }
    plan.write(path, display, new);
    Ok(plan)
}

/// What `written` refers to that it does not declare and `before` did not leave undeclared.
fn undeclared(before: &Template, written: &Template) -> BTreeSet<String> {
    let missing = |template: &Template| -> BTreeSet<String> {
        ["Parameters", "Resources", "Outputs"]
            .iter()
            .filter_map(|section| template.root.get(*section))
            .flat_map(names_referred)
            .filter(|name| !template.defines(name))
            .collect()
    };
    missing(written)
        .difference(&missing(before))
        .cloned()
        .collect()
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
    // What a copied role kept of its model's is the pipeline's, not the extension's.
    let own = policies
        .iter()
        .filter(|p| p.get("PolicyName").and_then(Value::as_str) != Some(PIPELINE_POLICY));
    for policy in own {
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
    let granted = granted_actions(template, &conventions::build_role(template, extension)?)?;
    let required: BTreeSet<String> = RequiredActions::of(extension).actions.into_keys().collect();
    let missing: Vec<String> = required
        .iter()
        .filter(|a| !RequiredActions::covers(&granted, a))
        .cloned()
        .collect();
    let extra: Vec<String> = granted.difference(&required).cloned().collect();
    Some((missing, extra))
}
