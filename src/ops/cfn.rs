//! The cfn jobs both the CLI and the TUI run: the verb, its arguments and job spec, the submit
//! guard and handler role, and the preflight of `cfn test`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::checks::{Severity, check_extensions};
use crate::cloud::guard::{AccountGuard, Authorization, Denial};
use crate::cloud::{Cloud, CloudError};
use crate::config::Stage;
use crate::jobs::JobSpec;
use crate::workspace::{Extension, Workspace, unique_export_names};

/// The cfn commands the TUI runs as jobs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CfnVerb {
    Validate,
    Generate,
    /// After the preflight (inputs, setup stack, exports).
    Test,
    /// To the sandbox's private registry, through the account guard.
    Submit,
}

impl CfnVerb {
    pub fn name(self) -> &'static str {
        match self {
            CfnVerb::Validate => "validate",
            CfnVerb::Generate => "generate",
            CfnVerb::Test => "test",
            CfnVerb::Submit => "submit",
        }
    }
}

/// Options of a cfn job beyond the command itself.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CfnOptions {
    /// submit: make the new version the default.
    pub set_default: bool,
    /// test: run without the preflight.
    pub skip_preflight: bool,
    /// submit: the handler role to register the type with, instead of the one `cfn submit`
    /// would make (beta: the kit's bounded role).
    pub role_arn: Option<String>,
}

/// Whether the command calls AWS (and so takes a profile and region).
pub fn calls_aws(verb: CfnVerb) -> bool {
    matches!(verb, CfnVerb::Submit | CfnVerb::Test)
}

/// cfn's arguments: the command, the stage's region and profile passed explicitly (cfn test
/// ignores the profile's region otherwise), then `extra` (for test: pytest's, verbose by default).
pub fn cfn_args(
    verb: CfnVerb,
    aws: Option<(&str, Option<&str>)>,
    options: &CfnOptions,
    extra: &[String],
) -> Vec<String> {
    let mut args = vec![verb.name().to_string()];
    if let Some((region, profile)) = aws {
        args.extend(["--region".to_string(), region.to_string()]);
        if let Some(profile) = profile {
            args.extend(["--profile".to_string(), profile.to_string()]);
        }
    }
    if verb == CfnVerb::Submit && options.set_default {
        args.push("--set-default".into());
    }
    if let (CfnVerb::Submit, Some(role)) = (verb, &options.role_arn) {
        args.extend(["--role-arn".to_string(), role.clone()]);
    }
    if !extra.is_empty() {
        args.push("--".into());
        args.extend(extra.iter().cloned());
    } else if verb == CfnVerb::Test {
        args.extend(["--".to_string(), "-v".to_string(), "-ra".to_string()]);
    }
    args
}

/// The job spec of a cfn command in the extension's folder; pytest gets a wide terminal so
/// that it keeps failure messages whole.
pub fn cfn_job(
    root: &Path,
    extension: &Extension,
    args: Vec<String>,
    log_file: Option<PathBuf>,
) -> JobSpec {
    JobSpec {
        program: cfn_program(root),
        args,
        dir: extension.dir.clone(),
        env: vec![("COLUMNS".to_string(), "1000".to_string())],
        log_file,
    }
}

/// In beta, the handler role `cfn submit` registers the type with: the kit's bounded role, whose
/// stack regship deploys first (a build role may not make an unbounded one). `None` elsewhere,
/// where `cfn submit` makes its own, and for a module.
pub async fn submit_role(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    extension: &Extension,
) -> Result<Option<String>, CloudError> {
    if authorization.stage() != Stage::Beta {
        return Ok(None);
    }
    super::handler_role::deploy_beta(cloud, authorization, extension, Duration::from_secs(5)).await
}

/// Refuses a submit outside the private registries that take one (the sandbox, and beta,
/// where each new default version is integration-tested) or in another account than the
/// stage's.
pub async fn authorize_submit(
    cloud: &dyn Cloud,
    guard: AccountGuard,
) -> Result<Authorization, String> {
    let stage = cloud.context().stage;
    if !matches!(stage, Stage::Sandbox | Stage::Beta) {
        return Err(format!(
            "submit goes to the sandbox's or beta's private registry; {stage} publishes through its own process"
        ));
    }
    guard
        .authorize(cloud, "submit to the private registry")
        .await
        .map_err(|denial| match denial {
            Denial::Refused(refusal) => format!("{refusal}\nhint: {}", refusal.hint),
            Denial::Cloud(error) => error.with_hint(),
        })
}

/// The cfn program: `REGSHIP_CFN`, else the workspace's `.venv/bin/cfn`, else `cfn` on PATH.
pub fn cfn_program(root: &Path) -> String {
    if let Ok(program) = std::env::var("REGSHIP_CFN") {
        return program;
    }
    let local = root.join(".venv/bin/cfn");
    if local.is_file() {
        local.display().to_string()
    } else {
        "cfn".to_string()
    }
}

/// The pip packages that bring the CloudFormation CLI and the extension's language plugin.
pub fn install_hint(extension: &Extension) -> String {
    let plugin = match extension.language().unwrap_or("python") {
        language if language.starts_with("python") => " cloudformation-cli-python-plugin",
        language if language.starts_with("java") => " cloudformation-cli-java-plugin",
        "go" => " cloudformation-cli-go-plugin",
        "typescript" => " cloudformation-cli-typescript-plugin",
        _ => "",
    };
    format!("pip install cloudformation-cli{plugin}")
}

/// Why `cfn test` would run with useless values, or nothing when it would not.
pub async fn preflight(
    workspace: &Workspace,
    extension: &Extension,
    cloud: &dyn Cloud,
) -> Vec<String> {
    let mut problems: Vec<String> = check_extensions(workspace, |e| e.folder == extension.folder)
        .into_iter()
        .filter(|f| {
            f.severity == Severity::Error
                && (f.code.starts_with("INP")
                    || f.code.starts_with("SET")
                    || f.code.starts_with("LAY"))
        })
        .map(|f| format!("{}: {} ({})", f.location(), f.message, f.code))
        .collect();
    let region = cloud.region();
    let stage = cloud.context().stage;
    if !extension.setup.is_empty() {
        let stack = extension.setup_stack_name();
        match cloud.describe_stack(&stack).await {
            Ok(None) => problems.push(format!("{stack} is not deployed in {stage} {region}: run `regship setup deploy {} --stage {stage}`", extension.folder)),
            Ok(Some(found)) if !matches!(found.status.as_str(), "CREATE_COMPLETE" | "UPDATE_COMPLETE") => {
                problems.push(format!("{stack} is {} in {stage} {region}: it must be CREATE_COMPLETE or UPDATE_COMPLETE", found.status));
            }
            Ok(Some(_)) => {}
            Err(error) => problems.push(format!("the setup stack could not be read: {}", error.with_hint())),
        }
    }
    let references = extension.export_references();
    if !references.is_empty() {
        match cloud.list_exports().await {
            Ok(exports) => {
                let missing: Vec<String> = unique_export_names(&references)
                    .into_iter()
                    .filter(|name| !exports.iter().any(|e| &e.name == name))
                    .collect();
                for name in missing {
                    problems.push(format!("{{{{{name}}}}} is not an export in {stage} {region}: cfn test would ignore the inputs that use it"));
                }
            }
            Err(error) => problems.push(format!(
                "the exports could not be read: {}",
                error.with_hint()
            )),
        }
    }
    problems
}
