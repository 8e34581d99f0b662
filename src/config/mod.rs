//! Configuration: the workspace's own `regship.yml` (accounts, namespace, maturity).

mod workspace_file;

pub use workspace_file::{
    AccountId, ConfigError, Maturity, ProdAccount, Regions, Stage, StageAccount, WORKSPACE_FILE,
    WorkspaceConfig,
};
