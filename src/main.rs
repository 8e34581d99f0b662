//! The regship binary: parse the command line, then hand over to one subcommand.

use std::process::ExitCode;

use clap::Parser;
use regship::cli::{Cli, Command, RolloutAction, SetupAction};
use regship::commands::{self, UsageError};
use regship::ops::cfn::CfnOptions;
use regship::ops::cfn::CfnVerb;

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    // Generated from the command line's definition: no workspace read.
    let start = match &cli.command {
        Some(Command::Completions { .. } | Command::Man { .. }) => std::path::PathBuf::new(),
        _ => commands::start_dir(cli.workspace.as_deref())?,
    };
    let (aws, json) = (&cli.aws, cli.json);
    match cli.command {
        Some(Command::Check { paths }) => commands::check::run(&start, &paths, json),
        None => regship::tui::run(&start, aws, None),
        Some(Command::Demo { speed, seed }) => {
            regship::tui::run(&start, aws, Some(regship::tui::DemoOptions { speed, seed }))
        }
        Some(Command::List) => Ok(commands::list::run(&start, json)),
        Some(Command::Info) => Ok(commands::info(&start, json)),
        Some(Command::Rules) => Ok(commands::rules(json)),
        Some(Command::Completions { shell }) => Ok(commands::manual::completions(shell)),
        Some(Command::Man { dir }) => commands::manual::man(dir.as_deref()),
        Some(Command::Accounts) => commands::accounts::run(&start, aws, json),
        Some(Command::Scaffold { what }) => commands::scaffold::run(&start, &what, json),
        Some(Command::Validate(args)) => commands::cfn::run(
            &start,
            CfnVerb::Validate,
            CfnOptions::default(),
            &args,
            aws,
            json,
        ),
        Some(Command::Generate(args)) => commands::cfn::run(
            &start,
            CfnVerb::Generate,
            CfnOptions::default(),
            &args,
            aws,
            json,
        ),
        Some(Command::Submit { cfn, set_default }) => {
            let options = CfnOptions {
                set_default,
                ..CfnOptions::default()
            };
            commands::cfn::run(&start, CfnVerb::Submit, options, &cfn, aws, json)
        }
        Some(Command::Test {
            cfn,
            skip_preflight,
        }) => {
            let options = CfnOptions {
                skip_preflight,
                ..CfnOptions::default()
            };
            commands::cfn::run(&start, CfnVerb::Test, options, &cfn, aws, json)
        }
        Some(Command::Pipeline { options, action }) => {
            commands::pipeline::run(&start, options, action.as_ref(), aws, json)
        }
        Some(Command::Exports { stage }) => commands::exports::run(&start, stage, aws, json),
        Some(Command::Regions) => commands::regions::run(&start, aws, json),
        Some(Command::Status {
            extensions,
            gate,
            unverified,
            cicd_passed,
        }) => commands::status::run(
            &start,
            &extensions,
            commands::status::Gate {
                stage: gate,
                unverified: &unverified,
                cicd_passed: cicd_passed.as_deref(),
            },
            aws,
            json,
        ),
        Some(Command::Versions { extension }) => {
            commands::versions::run(&start, extension.as_deref(), aws, json)
        }
        Some(Command::Rollout {
            action: RolloutAction::Start { extension, options },
        }) => commands::rollout::start_command(&start, &extension, &options, aws, json),
        Some(Command::Rollout {
            action: RolloutAction::Watch { execution, record },
        }) => commands::rollout::watch_command(&start, execution.as_deref(), record, aws, json),
        Some(Command::Rollout {
            action: RolloutAction::List,
        }) => commands::rollout::list_command(&start, aws, json),
        Some(Command::Rollout {
            action: RolloutAction::Retry { execution },
        }) => commands::rollout::control_command(&start, &execution, true, aws, json),
        Some(Command::Rollout {
            action: RolloutAction::Stop { execution },
        }) => commands::rollout::control_command(&start, &execution, false, aws, json),
        Some(Command::Rollout {
            action: RolloutAction::Preflight { extension, version },
        }) => {
            commands::rollout::preflight_command(&start, &extension, version.as_deref(), aws, json)
        }
        Some(Command::Events {
            stack,
            stage,
            follow,
            history_cap,
        }) => commands::events::run(&start, &stack, stage, follow, history_cap, aws, json),
        Some(Command::Integ {
            extension,
            all,
            concurrency,
            submit,
            stage,
        }) => {
            let which = match (extension, all) {
                (Some(name), false) => commands::integ::Which::One(name),
                _ => commands::integ::Which::All {
                    concurrency: usize::from(concurrency),
                },
            };
            commands::integ::run(&start, which, stage, submit, aws, json)
        }
        Some(Command::Setup {
            action: SetupAction::Deploy(args),
        }) => commands::setup::deploy(&start, &args, aws, json),
        Some(Command::Setup {
            action: SetupAction::Delete(args),
        }) => commands::setup::delete(&start, &args, aws, json),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::from(2)
        }
    }
}
