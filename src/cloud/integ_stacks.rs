//! The names of the beta account's integration-test stacks, which `regship integ` makes and the
//! demo's beta account already holds: the long-lived copy of each extension, its fresh copies,
//! their tags and the parameter that tells runs apart.

/// The parameter a template declares to be told each run apart (so that an update always has
/// something to change).
pub const REVISION_PARAMETER: &str = "IntegRevision";
pub use crate::workspace::permissions::ROLE_BOUNDARY_PARAMETER;

/// The tag naming the run that created a fresh stack.
pub const RUN_TAG: &str = "regship:integ-run";
/// The tag naming the extension folder of a fresh stack.
pub const EXTENSION_TAG: &str = "regship:integ-extension";

/// The stack-name form of a folder's last part (`resources/S3_DeleteBucketContents` ->
/// `S3-DeleteBucketContents`).
fn dashed(folder: &str) -> String {
    folder
        .rsplit('/')
        .next()
        .unwrap_or(folder)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

pub const KEEP_STACK_PREFIX: &str = "integ-keep-";

/// The long-lived stack of the extension in `folder`.
pub fn keep_stack_of(folder: &str) -> String {
    format!("{KEEP_STACK_PREFIX}{}", dashed(folder))
}

/// Whether `stack` is an extension's long-lived copy (see [`keep_stack_of`]).
pub fn is_keep_stack(stack: &str) -> bool {
    stack.starts_with(KEEP_STACK_PREFIX)
}

/// The prefix of the fresh stacks of the extension in `folder` (the run id follows).
pub fn fresh_stack_prefix(folder: &str) -> String {
    format!("integ-fresh-{}-", dashed(folder))
}
