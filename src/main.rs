//! The regship binary: parse the command line, then hand over to one subcommand.

use std::process::ExitCode;

use clap::Parser;
use regship::cli::{Cli, Command};
use regship::commands::{self, UsageError};

fn run(cli: Cli) -> Result<ExitCode, UsageError> {
    let start = commands::start_dir(cli.workspace.as_deref())?;
    match cli.command {
        Some(Command::Check { paths }) => commands::check::run(&start, &paths, cli.json),
        Some(Command::List) | None => Ok(commands::list::run(&start, cli.json)),
        Some(Command::Rules) => Ok(commands::rules(cli.json)),
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
