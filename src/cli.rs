//! The command line: subcommands and the flags they share.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

/// Carry CloudFormation registry extensions from a sandbox to every region.
#[derive(Debug, Parser)]
#[command(name = "regship", version, about, arg_required_else_help = true)]
pub struct Cli {
    /// The workspace (a registry monorepo); default: found from the current folder.
    #[arg(short = 'C', long, global = true, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
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
    /// List every check rule with its code.
    Rules,
}
