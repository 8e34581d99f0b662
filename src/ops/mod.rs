//! What the CLI and the TUI both do, on the cloud port: preflight and cfn job arguments, deploy
//! and pipeline plans through the guard, extension rows, pipeline lookups.

pub mod cfn;
pub mod format;
pub mod handler_role;
pub mod integ;
pub mod journal;
pub mod package;
pub mod pipeline;
pub mod plans;
pub mod preflight;
pub mod regions;
pub mod rollout;
pub mod rollout_start;
pub mod rollout_watch;
pub mod rows;
pub mod setup_stack;
pub mod stack_budget;
pub mod status;
pub mod tasks;
pub mod versions;
