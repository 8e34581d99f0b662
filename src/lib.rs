//! regship: carry CloudFormation registry extensions from a sandbox to every region.
//!
//! The library holds everything the binary and the tests share; `main.rs` only
//! parses the command line and hands over.

pub mod app;
pub mod checks;
pub mod cli;
pub mod cloud;
pub mod commands;
pub mod config;
pub mod jobs;
pub mod ops;
pub mod scaffold;
pub mod text;
pub mod tui;
pub mod ui;
pub mod watch;
pub mod workspace;
