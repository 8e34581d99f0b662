//! The demo's one-line guide: what is happening on screen and which key shows or moves it,
//! derived from the state alone. `{action}` stands for the key the keymap binds to that action.

use super::{AppState, Dialog, JobStatus, Loadable, PlanKind, Screen, ViewKind};
use crate::ops::cfn::CfnVerb;
use crate::ops::plans::PipelineChange;

/// The guide for the state in sight, or nothing outside the demo.
pub fn demo_guide(state: &AppState) -> Option<String> {
    if !state.demo {
        return None;
    }
    Some(guide(state).to_string())
}

fn guide(state: &AppState) -> &'static str {
    if let Some(dialog) = &state.dialog {
        return match dialog {
            Dialog::Confirm { plan, .. } => match &plan.kind {
                PlanKind::Deploy { .. } => {
                    "the change set is shown before anything runs: y chooses Yes, enter deploys"
                }
                PlanKind::Delete => "y chooses Yes, enter deletes the stack",
                PlanKind::Pipeline(PipelineChange::Retry { .. }) => {
                    "y chooses Yes, enter runs the failed actions again"
                }
                PlanKind::Pipeline(_) => "y chooses Yes, enter goes ahead; the default is No",
            },
            Dialog::Busy(_) => "regship is asking the account (the guard checks who you are first)",
            Dialog::Message { body, .. } if body.contains("ROLLBACK_COMPLETE") => {
                "a rolled-back stack cannot be updated: enter closes this, {delete_setup} deletes it"
            }
            Dialog::Message { .. } => "enter closes the message",
            Dialog::Scaffold { .. } => "the diff is shown before anything is written; the default is No",
        };
    }
    if state.help {
        return "every key and what it does; any key closes the help";
    }
    match state.screen() {
        Screen::List(ViewKind::Events) => events_guide(state),
        Screen::List(ViewKind::Jobs) => jobs_guide(state),
        Screen::List(ViewKind::Pipeline) => pipeline_guide(state),
        Screen::Build(_) => build_guide(state),
        Screen::Execution(_) => "every action this execution ran, retries included; {back} goes back",
        Screen::List(ViewKind::Accounts) => {
            "the demo's four accounts: {open} on one switches to that stage"
        }
        Screen::ResourceDetail(_) => {
            "the extension's files, findings and exports; {deploy_setup} deploys its setup stack"
        }
        Screen::List(ViewKind::Resources) => resources_guide(state),
    }
}

/// The outcome of the setup stack last followed: `None` while none was, or it runs.
fn setup_outcome(state: &AppState) -> Option<(bool, bool)> {
    let events = state.events.as_ref()?;
    let outcome = events.watch.outcome()?;
    let deleted = events.watch.stack_status.as_deref() == Some("DELETE_COMPLETE");
    Some((outcome, deleted))
}

fn tests_passed(state: &AppState) -> bool {
    state.jobs.iter().any(|job| {
        job.verb == CfnVerb::Test
            && job.status == JobStatus::Exited(0)
            && job.summary.complete
            && job.summary.failed == 0
    })
}

fn resources_guide(state: &AppState) -> &'static str {
    if !matches!(state.extensions, Loadable::Loaded { .. }) {
        return "reading the workspace…";
    }
    if tests_passed(state) {
        return "the sandbox is done: type :stage cicd (enter), then {pipeline} shows the CI/CD pipeline";
    }
    match setup_outcome(state) {
        None => "a new extension starts in the sandbox: {deploy_setup} deploys the setup stack of the selected one",
        Some((true, true)) => "the rolled-back stack is gone: {deploy_setup} deploys the setup again",
        Some((true, false)) => "the setup stack is up: {test} runs the contract tests",
        Some((false, _)) => "the setup stack rolled back: {delete_setup} deletes it, then {deploy_setup} deploys again",
    }
}

fn events_guide(state: &AppState) -> &'static str {
    match setup_outcome(state) {
        None => "the stack is deploying: each resource's events arrive live, newest at the bottom",
        Some((false, _)) => "the setup stack failed: the reason is pinned in red above; {back}, then {delete_setup} deletes it",
        Some((true, true)) => "the stack is deleted: {back}, then {deploy_setup} deploys the setup again",
        Some((true, false)) => "the setup stack is up and its export is live: {back}, then {test} runs the contract tests",
    }
}

fn jobs_guide(state: &AppState) -> &'static str {
    if tests_passed(state) {
        "the contract tests passed: type :stage cicd (enter), then {pipeline} shows the CI/CD pipeline"
    } else if state.jobs.iter().any(|job| job.status == JobStatus::Running) {
        "cfn test runs the contract tests against the setup stack's exports"
    } else {
        "each job's output and exit status; {back} goes back"
    }
}

fn pipeline_guide(state: &AppState) -> &'static str {
    let Some(view) = state.pipeline.value() else {
        return match state.pipeline {
            Loadable::Failed { .. } => "the pipeline lives in the cicd stage: type :stage cicd (enter)",
            _ => "reading the pipeline…",
        };
    };
    if view.state.failed_stage().is_some() {
        "a build failed: select it (j/k) and press {open} to read its log, or {retry_stage} to retry it"
    } else if view.running() {
        "a merge to main runs one build per extension in parallel, refreshed every 5 s"
    } else {
        "the release went through CI/CD: that is the demo's end ({quit} quits)"
    }
}

fn build_guide(state: &AppState) -> &'static str {
    match state.build.as_ref().and_then(|b| b.build.as_ref()) {
        Some(build) if build.status == "FAILED" => {
            "the log says which contract test failed: {back}, then {retry_stage} retries the failed actions"
        }
        Some(build) if build.is_complete() => "the build passed: {back} goes back to the pipeline",
        _ => "the build's phases and log stream live while it runs",
    }
}
