//! Configuration: the workspace's `regship.yml` and the user's own config, keymap and theme files.

pub mod files;
pub mod user;
mod workspace_file;

pub use workspace_file::{
    AccountId, ConfigError, Maturity, ProdAccount, Regions, RuleLevel, Stage, StageAccount,
    WORKSPACE_FILE, WorkspaceConfig, names_folder,
};
