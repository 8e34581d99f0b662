//! `regship completions SHELL` and `regship man`: both generated from the clap definitions, so
//! that `--help`, the completions and the man page cannot disagree.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use clap::CommandFactory;

use super::UsageError;
use crate::cli::Cli;

/// The completion script of `shell` on stdout.
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    // Into memory first: the generator panics on a write error (a closed pipe).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "regship", &mut script);
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(&script).and_then(|()| stdout.flush());
    ExitCode::SUCCESS
}

/// The man page on stdout, or every page (one per subcommand) written into `dir`.
pub fn man(dir: Option<&Path>) -> Result<ExitCode, UsageError> {
    let command = Cli::command();
    match dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command)
                .render(&mut page)
                .map_err(|err| UsageError(format!("the man page could not be rendered: {err}")))?;
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(&page).and_then(|()| stdout.flush());
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|err| UsageError(format!("{} cannot be created: {err}", dir.display())))?;
            clap_mangen::generate_to(command, dir).map_err(|err| {
                UsageError(format!(
                    "the man pages could not be written to {}: {err}",
                    dir.display()
                ))
            })?;
            eprintln!(
                "wrote the man pages to {} (man -l {}/regship.1)",
                dir.display(),
                dir.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
