//! The demo's one-line guide: what is happening on screen and which key shows or moves it,
//! derived from the state alone; keys are bindings, shown as the keymap binds them.

use super::bindings::Binding;
use super::{AppState, Dialog, JobStatus, Loadable, PlanKind, Screen, ViewKind};
use crate::ops::cfn::CfnVerb;
use crate::ops::plans::PipelineChange;

/// One piece of the guide: words, or the key of a binding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuidePart {
    Text(&'static str),
    Key(Binding),
}

use GuidePart::{Key as K, Text as T};

type Guide = &'static [GuidePart];

/// The guide for the state in sight, or nothing outside the demo.
pub fn demo_guide(state: &AppState) -> Option<Guide> {
    state.demo.then(|| guide(state))
}

fn guide(state: &AppState) -> Guide {
    if let Some(dialog) = &state.dialog {
        return match dialog {
            Dialog::Confirm { plan, .. } => match &plan.kind {
                PlanKind::Deploy { .. } => &[T(
                    "the change set is shown before anything runs: y chooses Yes, enter deploys",
                )],
                PlanKind::Delete => &[T("y chooses Yes, enter deletes the stack")],
                PlanKind::Pipeline(PipelineChange::Retry { .. }) => {
                    &[T("y chooses Yes, enter runs the failed actions again")]
                }
                PlanKind::Pipeline(_) => &[T("y chooses Yes, enter goes ahead; the default is No")],
                PlanKind::Rollout(_) => &[T(
                    "this is PROD: type the account id or the word prod, then enter; anything else cancels",
                )],
            },
            Dialog::Busy(_) => &[T(
                "regship is asking the account (the guard checks who you are first)",
            )],
            Dialog::Message { body, .. } if body.contains("ROLLBACK_COMPLETE") => &[
                T("a rolled-back stack cannot be updated: enter closes this, "),
                K(Binding::DeleteSetup),
                T(" deletes it"),
            ],
            Dialog::Message { .. } => &[T("enter closes the message")],
            Dialog::QuitWithJobs { .. } => &[T(
                "a job still runs: y then enter ends it and quits; enter alone keeps it running",
            )],
            Dialog::Scaffold { .. } => &[T(
                "the diff is shown before anything is written; the default is No",
            )],
        };
    }
    if state.help {
        return &[T("every key and what it does; any key closes the help")];
    }
    match state.screen() {
        Screen::List(ViewKind::Events) => events_guide(state),
        Screen::List(ViewKind::Jobs) => jobs_guide(state),
        Screen::List(ViewKind::Beta) => beta_guide(state),
        Screen::List(ViewKind::Prod) => prod_guide(state),
        Screen::List(ViewKind::Rollout) => rollout_guide(state),
        Screen::List(ViewKind::Pipeline) => pipeline_guide(state),
        Screen::Build(_) => build_guide(state),
        Screen::Execution(_) => &[
            T("every action this execution ran, retries included; "),
            K(Binding::Back),
            T(" goes back"),
        ],
        Screen::RolloutRegion(_) => &[
            T("this region's steps, read from its own execution there, and the whole failure; "),
            K(Binding::Back),
            T(" goes back"),
        ],
        Screen::List(ViewKind::Accounts) => &[
            T("the demo's four accounts: "),
            K(Binding::Open),
            T(" on one switches to that stage"),
        ],
        Screen::ResourceDetail(_) => &[
            T("the extension's files, findings and exports; "),
            K(Binding::DeploySetup),
            T(" deploys its setup stack"),
        ],
        Screen::List(ViewKind::Resources) => resources_guide(state),
    }
}

/// Whether the stack the events view follows is an extension's setup stack (not an
/// integration test's).
fn following_setup_stack(state: &AppState) -> bool {
    state.events.as_ref().is_some_and(|events| {
        state.extensions.value().is_some_and(|extensions| {
            extensions
                .iter()
                .any(|e| e.setup_stack == events.watch.stack_name)
        })
    })
}

/// The outcome of the setup stack last followed: `None` while none was, or it runs.
fn setup_outcome(state: &AppState) -> Option<(bool, bool)> {
    if !following_setup_stack(state) {
        return None;
    }
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

fn resources_guide(state: &AppState) -> Guide {
    if !matches!(state.extensions, Loadable::Loaded { .. }) {
        return &[T("reading the workspace…")];
    }
    if state.stage == crate::config::Stage::Prod {
        return &[
            T(
                "the release at a glance: a column per stage, PROD the regions on the newest version; ",
            ),
            K(Binding::Open),
            T(" says what moves each forward"),
        ];
    }
    if tests_passed(state) {
        return &[
            T("the sandbox is done: type :stage cicd (enter), then "),
            K(Binding::Pipeline),
            T(" shows the CI/CD pipeline"),
        ];
    }
    let selected_has_setup = state
        .current_extension()
        .is_none_or(|extension| extension.row.setup);
    match setup_outcome(state) {
        None if !selected_has_setup => &[
            T("a module has no setup stack: "),
            K(Binding::Down),
            T(" selects the resource, then "),
            K(Binding::DeploySetup),
            T(" deploys the setup stack"),
        ],
        None => &[
            T("a new extension starts in the sandbox: "),
            K(Binding::DeploySetup),
            T(" deploys the setup stack of the selected one"),
        ],
        Some((true, true)) => &[
            T("the rolled-back stack is gone: "),
            K(Binding::DeploySetup),
            T(" deploys the setup again"),
        ],
        Some((true, false)) => &[
            T("the setup stack is up: "),
            K(Binding::Test),
            T(" runs the contract tests"),
        ],
        Some((false, _)) => &[
            T("the setup stack rolled back: "),
            K(Binding::DeleteSetup),
            T(" deletes it, then "),
            K(Binding::DeploySetup),
            T(" deploys again"),
        ],
    }
}

fn events_guide(state: &AppState) -> Guide {
    if !following_setup_stack(state) {
        return integ_stack_guide(state);
    }
    match setup_outcome(state) {
        None => &[T(
            "the stack is deploying: each resource's events arrive live, newest at the bottom",
        )],
        Some((false, _)) => &[
            T("the setup stack failed: the reason is pinned in red above; "),
            K(Binding::Back),
            T(", then "),
            K(Binding::DeleteSetup),
            T(" deletes it"),
        ],
        Some((true, true)) => &[
            T("the stack is deleted: "),
            K(Binding::Back),
            T(", then "),
            K(Binding::DeploySetup),
            T(" deploys the setup again"),
        ],
        Some((true, false)) => &[
            T("the setup stack is up and its export is live: "),
            K(Binding::Back),
            T(", then "),
            K(Binding::Test),
            T(" runs the contract tests"),
        ],
    }
}

/// The events of an integration test's stack (the beta view's `enter`).
fn integ_stack_guide(state: &AppState) -> Guide {
    let outcome = state
        .events
        .as_ref()
        .and_then(|events| events.watch.outcome());
    match outcome {
        Some(false) => &[
            T("the long-lived copy's update was refused: the reason is pinned above; "),
            K(Binding::Back),
            T(" goes back to the beta view"),
        ],
        Some(true) => &[
            T("the integration stack's operation ended well; "),
            K(Binding::Back),
            T(" goes back to the beta view"),
        ],
        None => &[T(
            "the integration run's stack: each resource's events arrive live, newest at the bottom",
        )],
    }
}

fn jobs_guide(state: &AppState) -> Guide {
    // The newest job decides: a submit from the beta view is not the sandbox's contract tests.
    if let Some(job) = state.jobs.iter().max_by_key(|job| job.id)
        && job.verb == CfnVerb::Submit
    {
        return match job.status {
            JobStatus::Running => &[T(
                "cfn submit registers the working tree's version as the default in this account's private registry",
            )],
            JobStatus::Exited(0) => &[
                T("the new version is the default: "),
                K(Binding::Beta),
                T(" goes back to the beta view, where "),
                K(Binding::RunInteg),
                T(" runs its integration tests again"),
            ],
            _ => &[
                T("the submit failed: its output says why; "),
                K(Binding::Back),
                T(" goes back"),
            ],
        };
    }
    if tests_passed(state) {
        &[
            T("the contract tests passed: type :stage cicd (enter), then "),
            K(Binding::Pipeline),
            T(" shows the CI/CD pipeline"),
        ]
    } else if state
        .jobs
        .iter()
        .any(|job| job.status == JobStatus::Running)
    {
        &[T(
            "cfn test runs the contract tests against the setup stack's exports",
        )]
    } else {
        &[
            T("each job's output and exit status; "),
            K(Binding::Back),
            T(" goes back"),
        ]
    }
}

fn pipeline_guide(state: &AppState) -> Guide {
    let Some(view) = state.cicd.pipeline.value() else {
        return match state.cicd.pipeline {
            Loadable::Failed { .. } => &[T(
                "the pipeline lives in the cicd stage: type :stage cicd (enter)",
            )],
            _ => &[T("reading the pipeline…")],
        };
    };
    if view.state.failed_stage().is_some() {
        &[
            T("a build failed: select it (j/k) and press "),
            K(Binding::Open),
            T(" to read its log, or "),
            K(Binding::RetryStage),
            T(" to retry it"),
        ]
    } else if view.running() {
        &[T(
            "a merge to main runs one build per extension in parallel, refreshed every 5 s",
        )]
    } else {
        &[
            T("the release went through CI/CD: type :stage beta (enter), then "),
            K(Binding::Beta),
            T(" shows the beta account's integration runs"),
        ]
    }
}

fn prod_guide(state: &AppState) -> Guide {
    match &state.versions {
        Loadable::Loaded { .. } => &[
            T(
                "each extension's public version in every region CloudFormation offers the account; ",
            ),
            K(Binding::Rollout),
            T(" follows the rollout of the new version"),
        ],
        Loadable::Failed { .. } => &[T(
            "the prod account could not be read: the message says why; r tries again",
        )],
        _ => &[T(
            "reading every publishing region of the prod account, 8 at a time…",
        )],
    }
}

fn rollout_guide(state: &AppState) -> Guide {
    let Some(watch) = state.prod_rollout.watch.value() else {
        return &[T("finding the newest rollout of the publish document…")];
    };
    let finished = watch
        .state
        .as_ref()
        .is_some_and(|s| crate::ops::rollout_watch::is_final(&s.status));
    let canary_running = watch.state.as_ref().is_some_and(|s| {
        s.request.canary.as_ref().is_some_and(|canary| {
            s.regions.iter().any(|r| {
                r.region == canary.region && !crate::ops::rollout_watch::is_final(&r.status)
            })
        })
    });
    let canary_failed = watch
        .state
        .as_ref()
        .and_then(crate::ops::rollout_watch::canary_failed)
        .is_some();
    match (finished, watch.totals().failed) {
        _ if canary_running => &[T(
            "canary first: the top region publishes alone; the account starts the others only once it did",
        )],
        (true, _) if canary_failed => &[
            T("the canary region did not publish, so no other region started: "),
            K(Binding::RetryStage),
            T(" runs the canary first again"),
        ],
        (false, 0) => &[T(
            "one automation publishes in 5 regions at a time; each region's step is live (2 calls a poll)",
        )],
        (false, _) => &[T(
            "a region failed: its step and message are shown while the others go on",
        )],
        (true, 0) => &[
            T("every region published: that is the demo's end ("),
            K(Binding::Quit),
            T(" quits)"),
        ],
        (true, _) => &[
            T("the rollout ended with a failed region: "),
            K(Binding::RetryStage),
            T(" starts the document again there (and where it never started), only there"),
        ],
    }
}

fn beta_guide(state: &AppState) -> Guide {
    if !state.integ.live.is_empty() {
        return &[
            T("each run creates and deletes a fresh copy, then updates the long-lived one; "),
            K(Binding::Open),
            T(" follows the stack it works on"),
        ];
    }
    let Some(rows) = state.integ.rows.value() else {
        return &[T("reading the integration history…")];
    };
    let last = || rows.iter().filter_map(|row| row.last.as_ref());
    if last().any(|run| run.blocks) {
        return &[
            T("a compatibility break blocks the release ("),
            K(Binding::Open),
            T(" shows it pinned). Prod publishes what passed: :stage prod (enter), then "),
            K(Binding::Prod),
            T(" shows every region"),
        ];
    }
    if last().any(|run| run.allowed) {
        return &[
            T("the alpha module's break is allowed. Select the resource (j), "),
            K(Binding::Submit),
            T(" submits its working tree to beta, "),
            K(Binding::RunInteg),
            T(" runs it again"),
        ];
    }
    &[
        T("yesterday's release made the long-lived copies: "),
        K(Binding::RunIntegAll),
        T(" runs every extension's integration tests, "),
        K(Binding::RunInteg),
        T(" the selected one's"),
    ]
}

fn build_guide(state: &AppState) -> Guide {
    let pinned = state
        .cicd
        .build
        .as_ref()
        .is_some_and(|view| view.summary.failed().next().is_some());
    match state.cicd.build.as_ref().and_then(|b| b.build.as_ref()) {
        Some(build) if build.status == "FAILED" && pinned => &[
            T("the failed contract test is pinned above, its log below: "),
            K(Binding::Back),
            T(", then "),
            K(Binding::RetryStage),
            T(" retries the failed actions"),
        ],
        Some(build) if build.status == "FAILED" => &[
            T("the log says which contract test failed: "),
            K(Binding::Back),
            T(", then "),
            K(Binding::RetryStage),
            T(" retries the failed actions"),
        ],
        Some(build) if build.is_complete() => &[
            T("the build passed: "),
            K(Binding::Back),
            T(" goes back to the pipeline"),
        ],
        _ => &[T("the build's phases and log stream live while it runs")],
    }
}
