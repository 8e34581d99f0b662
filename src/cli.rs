//! The command line: subcommands and the flags they share.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::cloud::context::Overrides;
use crate::config::Stage;

/// Carry CloudFormation registry extensions from a sandbox to every region.
///
/// Without a subcommand, opens the terminal UI on the workspace.
#[derive(Debug, Parser)]
#[command(name = "regship", version, about)]
pub struct Cli {
    /// The workspace (a registry monorepo); default: found from the current folder.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(flatten)]
    pub aws: AwsArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Where AWS calls go, over what regship.yml says.
#[derive(Debug, Clone, Default, Args)]
pub struct AwsArgs {
    /// The AWS profile, instead of the stage's.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// The region, instead of the stage's.
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// A custom AWS endpoint (e.g. a local emulator); AWS_ENDPOINT_URL works too.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// Refuse every call that changes anything.
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Every stage uses the environment's credentials (CI with OIDC or keys, no profiles),
    /// whatever profile regship.yml names; the account guard still checks each stage.
    /// Without it, a stage that names a profile uses that profile, as the AWS CLI does.
    #[arg(
        long,
        global = true,
        env = "REGSHIP_ENVIRONMENT_CREDENTIALS",
        value_parser = clap::builder::BoolishValueParser::new(),
        conflicts_with = "profile"
    )]
    pub environment_credentials: bool,
}

impl AwsArgs {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            profile: self.profile.clone(),
            region: self.region.clone(),
            endpoint_url: self.endpoint_url.clone(),
            environment_credentials: self.environment_credentials,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the workspace against the release process (exit 1 when any error is found).
    Check {
        /// Check only the extensions in these folders (default: the whole workspace).
        paths: Vec<PathBuf>,
    },
    /// List the workspace's extensions.
    List,
    /// The terminal UI on a scripted release with four demo accounts: no AWS account needed,
    /// nothing read from your credentials, no connection made.
    Demo {
        /// How many times faster than real time the demo runs.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
        /// The seed of the demo's timeline (names, timings, which resource fails).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// List every check rule with its code.
    Rules,
    /// Print the completion script of a shell, e.g.
    /// `regship completions bash > ~/.local/share/bash-completion/completions/regship`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. `regship man > ~/.local/share/man/man1/regship.1`; with
    /// `--dir`, write one page per subcommand there (`make man`).
    Man {
        /// Write regship.1 and one page per subcommand (regship-setup-deploy.1 ...) into DIR.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
    /// The files regship reads and writes: config, keymap, theme, logs.
    Info,
    /// Each stage's profile, region and caller identity, and whether it is the configured account.
    Accounts,
    /// Deploy or delete an extension's test/setup template (the contract tests' prerequisites).
    Setup {
        #[command(subcommand)]
        action: SetupAction,
    },
    /// The beta integration run: test/integ created and deleted, and the long-lived copy created
    /// or updated; exit 1 when the result blocks the release (an alpha extension's functional
    /// failure or compatibility break does not).
    Integ {
        /// The extension: its folder, folder name or type name.
        #[arg(required_unless_present = "all")]
        extension: Option<String>,
        /// Every extension of the workspace, `--concurrency` at a time, with a summary at the end.
        #[arg(long, conflicts_with = "extension")]
        all: bool,
        /// How many extensions run at once with --all.
        #[arg(long, default_value_t = crate::ops::integ::DEFAULT_CONCURRENCY as u16, value_parser = clap::value_parser!(u16).range(1..=64))]
        concurrency: u16,
        /// First register the working tree's version as the default in the stage's private
        /// registry (`cfn submit --set-default`, through the account guard).
        #[arg(long)]
        submit: bool,
        #[arg(long, value_enum, default_value = "beta")]
        stage: Stage,
    },
    /// A stack's events; with --follow, live until the stack settles (exit 1 if it failed).
    Events {
        stack: String,
        #[arg(long, value_enum, default_value = "sandbox")]
        stage: Stage,
        /// Keep polling until the stack reaches a final state.
        #[arg(long)]
        follow: bool,
        /// Events kept in memory while following.
        #[arg(long, default_value_t = crate::watch::stack_events::DEFAULT_HISTORY_CAP)]
        history_cap: usize,
    },
    /// Write contract-test inputs or the integ template, shown as a diff first.
    Scaffold {
        #[command(subcommand)]
        what: ScaffoldWhat,
    },
    /// Run `cfn validate` in the extension's folder, output streamed.
    Validate(CfnArgs),
    /// Run `cfn generate`.
    Generate(CfnArgs),
    /// Run `cfn submit` to the stage's private registry (sandbox only), then show the registered type.
    Submit {
        #[command(flatten)]
        cfn: CfnArgs,
        /// Make the new version the default.
        #[arg(long)]
        set_default: bool,
    },
    /// Run `cfn test` after a preflight: inputs pass the checks, the setup stack is complete, and
    /// every `{{Name}}` is a live export (cfn test silently ignores the inputs otherwise).
    Test {
        #[command(flatten)]
        cfn: CfnArgs,
        /// Run without the preflight (says what it skips).
        #[arg(long)]
        skip_preflight: bool,
    },
    /// The CI/CD pipeline: its state now (the default), executions, build logs, start / retry /
    /// stop; and the template's build actions (add, sync).
    Pipeline {
        #[command(flatten)]
        options: PipelineOptions,
        #[command(subcommand)]
        action: Option<PipelineAction>,
    },
    /// The CloudFormation exports of a stage's region.
    Exports {
        #[arg(long, value_enum, default_value = "sandbox")]
        stage: Stage,
    },
    /// The prod account's publishing regions: where CloudFormation is offered, in the account's
    /// partition, enabled for the account, as `accounts.prod.regions` and `exclude_regions`
    /// say; each region in or out, with the reason.
    Regions,
    /// Every extension's public version (and private default) in each publishing region of
    /// the prod account; the regions that lag the newest public version or miss the type.
    Versions {
        /// One extension: its folder, folder name or type name (default: all).
        extension: Option<String>,
    },
    /// The readiness board: every extension's standing in each stage (checks, sandbox, CI/CD,
    /// beta, prod); with --gate, exit 1 when a prod extension is not ready for that stage.
    Status {
        /// Extensions to show: folders, folder names or type names (default: all).
        extensions: Vec<String>,
        /// Fail (exit 1) when a prod-maturity extension is not ready for this stage (beta:
        /// checks clean and the CI/CD build green; prod: and beta passed), naming each blocker
        /// and the command that fixes or explains it. Alpha extensions never block.
        #[arg(long, value_enum)]
        gate: Option<Stage>,
        /// With --gate: accept this column (cicd, beta) when it cannot be read from here, as a
        /// pipeline in another account must; the output says it was not verified.
        #[arg(long)]
        unverified: Vec<String>,
        /// With --gate beta: the CI/CD verdict handed over with the release, as the beta build
        /// reads it from the source object's metadata (the green CI/CD execution and its
        /// commit): the cicd column passes, saying which execution passed it.
        #[arg(long, value_name = "EXECUTION@COMMIT")]
        cicd_passed: Option<String>,
    },
    /// The prod rollout of an extension to its publishing regions.
    Rollout {
        #[command(subcommand)]
        action: RolloutAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum RolloutAction {
    /// Each publishing region checked before anything starts: enabled, the account a verified
    /// publisher there, the automation's execution role present, the version newer than the
    /// public one. Exit 1 when a region is not ready.
    Preflight {
        /// The extension: its folder, folder name or type name.
        extension: String,
        /// The public version to publish (MAJOR.MINOR.PATCH); absent: PublishType's next.
        #[arg(long)]
        version: Option<String>,
    },
    /// The preflight, then the plan (regions, document, package, concurrency), the typed prod
    /// confirmation, the handler package (`cfn submit --dry-run`) uploaded to the kit's bucket,
    /// the publish document made current, and one multi-region automation started.
    Start {
        /// The extension: its folder, folder name or type name.
        extension: String,
        #[command(flatten)]
        options: StartOptions,
    },
    /// Follows a rollout region by region until it ends (without an id: the newest running
    /// one); exit 1 when a region failed.
    Watch {
        /// The rollout's (parent) execution id.
        execution: Option<String>,
        /// Save every raw response (one file each) in DIR: fixtures of a real rollout.
        #[arg(long, value_name = "DIR")]
        record: Option<std::path::PathBuf>,
    },
    /// The publish document's rollouts, newest first.
    List,
    /// Starts the document again in a rollout's failed and never-started regions only (a
    /// canary that did not publish goes first again).
    Retry { execution: String },
    /// Stops a rollout: running regions are cancelled, no new region starts.
    Stop { execution: String },
}

/// How `regship rollout start` publishes.
#[derive(Debug, Clone, clap::Args)]
pub struct StartOptions {
    /// The public version to publish (MAJOR.MINOR.PATCH); absent: PublishType's next.
    #[arg(long)]
    pub version: Option<String>,
    /// Only these publishing regions (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub regions: Vec<String>,
    /// Regions at once.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=50))]
    pub concurrency: u32,
    /// Failed regions after which no new region starts.
    #[arg(long, default_value_t = 1)]
    pub max_errors: u32,
    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Publish an alpha extension too (alpha stays out of prod otherwise).
    #[arg(long)]
    pub include_alpha: bool,
    /// Publish to the ready regions when some fail the preflight (they are named).
    #[arg(long)]
    pub skip_unready: bool,
    /// Start although the prod gate (`regship status --gate prod`: clean checks, a green
    /// CI/CD build, a passed beta run) names blockers; they are printed.
    #[arg(long)]
    pub skip_gate: bool,
    /// Also publish the tested version publicly (PublishType); otherwise register and test.
    #[arg(long)]
    pub publish: bool,
    /// A handler package already built, instead of running `cfn submit --dry-run`.
    #[arg(long, value_name = "ZIP")]
    pub package: Option<std::path::PathBuf>,
    /// Private versions of the type kept in each region after a successful run (a type keeps
    /// at most 50; the default version always stays).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(2..=49))]
    pub keep_versions: u32,
    /// Save every raw response (one file each) in DIR: fixtures of a real rollout (account ids
    /// kept, credentials never).
    #[arg(long, value_name = "DIR")]
    pub record: Option<std::path::PathBuf>,
    /// Canary first: REGION (default: the prod home region) publishes alone, and the others
    /// only once it did, with the same settings; the account runs both parts, no laptop needed.
    #[arg(long, value_name = "REGION", num_args = 0..=1, default_missing_value = "")]
    pub canary: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SetupAction {
    /// Create or update `setup-<folder>` through a change set, shown before it runs.
    Deploy(SetupArgs),
    /// Delete `setup-<folder>`.
    Delete(SetupArgs),
}

#[derive(Debug, Args)]
pub struct SetupArgs {
    /// The extension: its folder, folder name or type name.
    pub extension: String,
    #[arg(long, value_enum, default_value = "sandbox")]
    pub stage: Stage,
    /// Do not ask (never enough for prod, which needs the account id typed).
    #[arg(long, short = 'y')]
    pub yes: bool,
    /// Return once the change is started instead of following it.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Subcommand)]
pub enum ScaffoldWhat {
    /// inputs/: from example_inputs/ (the default when only that exists) or from the schema.
    Inputs {
        /// The extension: its folder, folder name or type name.
        extension: String,
        /// Copy example_inputs/ and fill its placeholders from the schema.
        #[arg(long, conflicts_with = "from_schema")]
        from_example: bool,
        /// Derive create, update and invalid inputs from the schema.
        #[arg(long)]
        from_schema: bool,
        /// Also add an Output/Export to test/setup.yml (creating it if absent) for each `{{Name}}`.
        #[arg(long)]
        with_setup: bool,
        /// Replace input files that exist (yours) with generated ones; without it, only
        /// missing files are added.
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// test/integ.yml: standalone, with the type's required properties and no hard-coded names.
    Integ {
        extension: String,
        #[command(flatten)]
        write: WriteArgs,
    },
}

/// How a scaffold writes.
#[derive(Debug, Args)]
pub struct WriteArgs {
    /// Show the diff and write nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Overwrite existing files without asking (their old content is kept in regship's data folder).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

/// What every cfn job takes.
#[derive(Debug, Args)]
pub struct CfnArgs {
    /// The extension: its folder, folder name or type name.
    pub extension: String,
    #[arg(long, value_enum, default_value = "sandbox")]
    pub stage: Stage,
    /// Passed on to cfn after its own arguments (for test: to pytest).
    #[arg(last = true)]
    pub extra: Vec<String>,
}

/// What every pipeline subcommand shares.
#[derive(Debug, Clone, Copy, Args)]
pub struct PipelineOptions {
    /// Whose pipeline: cicd or beta.
    #[arg(long, value_enum, default_value = "cicd", global = true)]
    pub stage: Stage,
    /// Keep going: the state until the running execution ends (polling every 5 s while it
    /// runs, 30 s otherwise), or a build log until the build ends.
    #[arg(long, short = 'f', global = true)]
    pub follow: bool,
}

#[derive(Debug, Subcommand)]
pub enum PipelineAction {
    /// Insert an extension's build action, CodeBuild project and role into the pipeline template,
    /// keeping everything else as it is (idempotent; the diff is shown first).
    Add {
        /// The extension: its folder, folder name or type name.
        extension: String,
        #[command(flatten)]
        write: WriteArgs,
    },
    /// The pipeline now: stages and actions (each build action mapped to its extension), errors,
    /// and the latest executions with their source revision (the default).
    Status,
    /// The execution history, newest first (ListPipelineExecutions).
    Executions {
        /// How many executions.
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(i32).range(1..=100))]
        max: i32,
    },
    /// One execution: its source revision, trigger and every action it ran.
    Execution {
        /// The pipeline execution id (see `regship pipeline executions`).
        id: String,
    },
    /// The latest build log of an extension's build action, as plain lines.
    Logs {
        /// The extension: its folder, folder name or type name.
        extension: String,
        /// How many of the last lines to print first.
        #[arg(long, default_value_t = 200, value_parser = clap::value_parser!(i32).range(1..=10_000))]
        lines: i32,
    },
    /// Start an execution on the branch's latest commit (asks first).
    Start {
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Retry the failed actions of a stage (asks first).
    Retry {
        /// The pipeline stage, e.g. Build (default: the stage that failed).
        #[arg(value_name = "PIPELINE_STAGE")]
        pipeline_stage: Option<String>,
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Stop the running execution (asks first): running actions finish unless --abandon.
    Stop {
        /// The execution (default: the one in progress).
        execution: Option<String>,
        /// Abandon the running actions instead of letting them finish.
        #[arg(long)]
        abandon: bool,
        /// Why, recorded with the execution.
        #[arg(long, default_value = "stopped with regship")]
        reason: String,
        /// Do not ask.
        #[arg(long, short = 'y')]
        yes: bool,
    },
    /// Add the build action of every extension that has none, and report roles whose permissions
    /// drifted from the schema's handler permissions and the setup template.
    Sync {
        #[command(flatten)]
        write: WriteArgs,
    },
}
