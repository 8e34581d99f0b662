//! Dialogs: a change to confirm (default No; prod needs the account typed), a scaffold's diff,
//! a message, work under way; and the input that opens the pipeline's confirmations.

use super::*;

/// In read-only mode, says so and returns true: the change must not start.
pub(super) fn refused_read_only(state: &mut AppState) -> bool {
    if state.read_only {
        notice(
            state,
            "read-only: restart without --read-only to change anything",
            true,
        );
    }
    state.read_only
}

/// R and X in the rollout view: retry its failed regions, or stop it (the guard checks the
/// account in the runner, then the typed prod confirmation).
fn control_rollout(state: &mut AppState, control: PipelineControl) -> Vec<Command> {
    if refused_read_only(state) {
        return Vec::new();
    }
    let Some(rollout) = state
        .prod_rollout
        .watch
        .value()
        .and_then(|w| w.state.clone())
    else {
        notice(state, "the rollout is still being read", true);
        return Vec::new();
    };
    let change = match control {
        PipelineControl::RetryFailed => match crate::ops::rollout_watch::retry_request(&rollout) {
            Ok(request) => crate::ops::plans::RolloutChange::Retry {
                execution_id: rollout.execution_id.clone(),
                request: Box::new(request),
            },
            Err(why) => {
                notice(state, &why, true);
                return Vec::new();
            }
        },
        PipelineControl::Stop => {
            if crate::ops::rollout_watch::is_final(&rollout.status) {
                notice(state, "the rollout has ended: nothing to stop", true);
                return Vec::new();
            }
            crate::ops::plans::RolloutChange::Stop {
                execution_id: rollout.execution_id.clone(),
            }
        }
        PipelineControl::Start => {
            notice(
                state,
                "a rollout starts from the command line: regship rollout start EXTENSION (it shows the plan first)",
                true,
            );
            return Vec::new();
        }
    };
    state.dialog = Some(Dialog::Busy("checking the prod account".into()));
    vec![Command::PlanRolloutChange {
        generation: state.generation,
        change,
    }]
}

/// S, R, X in the pipeline view (R and X in the rollout view): what to change, checked by the
/// guard in the runner.
pub(super) fn control_pipeline(state: &mut AppState, control: PipelineControl) -> Vec<Command> {
    if state.view() == ViewKind::Rollout {
        return control_rollout(state, control);
    }
    if state.view() != ViewKind::Pipeline {
        return Vec::new();
    }
    if refused_read_only(state) {
        return Vec::new();
    }
    let Some(view) = state.cicd.pipeline.value() else {
        let why = match &state.cicd.pipeline {
            Loadable::Failed { message, .. } => {
                format!(
                    "the pipeline could not be read, so nothing can change: {message} (r reads it again)"
                )
            }
            _ => format!(
                "the {} pipeline is still being read: try again once it shows",
                state.stage
            ),
        };
        notice(state, why, true);
        return Vec::new();
    };
    let change = match control {
        PipelineControl::Start => PipelineChange::Start,
        PipelineControl::RetryFailed => {
            let Some((stage, execution_id)) = view.state.failed_stage() else {
                notice(state, "no stage has failed: nothing to retry", true);
                return Vec::new();
            };
            let failed = view
                .state
                .failed_actions(stage)
                .into_iter()
                .map(String::from)
                .collect();
            PipelineChange::Retry {
                stage: stage.to_string(),
                execution_id: execution_id.to_string(),
                failed,
            }
        }
        PipelineControl::Stop => {
            let Some(execution_id) = view.state.running_execution() else {
                notice(state, "nothing runs: nothing to stop", true);
                return Vec::new();
            };
            PipelineChange::Stop {
                execution_id: execution_id.to_string(),
            }
        }
    };
    state.dialog = Some(Dialog::Busy("checking the account".into()));
    vec![Command::PlanPipelineChange {
        generation: state.generation,
        stage: state.stage,
        change,
    }]
}

pub(super) fn handle_dialog(state: &mut AppState, action: &Input) -> Option<Vec<Command>> {
    let dialog = state.dialog.as_mut()?;
    match dialog {
        Dialog::Busy(_) => match action {
            Input::Quit => None,
            _ => Some(Vec::new()),
        },
        Dialog::Message { .. } => {
            if matches!(
                action,
                Input::InputSubmit | Input::InputCancel | Input::Back | Input::Open
            ) {
                state.dialog = None;
                state.overlay_scroll = 0;
            } else {
                scroll_overlay(state, action);
            }
            Some(Vec::new())
        }
        Dialog::QuitWithJobs { yes, .. } => {
            if choose(yes, action) {
                return Some(Vec::new());
            }
            match action {
                Input::InputCancel | Input::Back => state.dialog = None,
                Input::InputSubmit if *yes => {
                    // The jobs' process groups are ended on the way out (the runner's last act).
                    state.dialog = None;
                    state.quit = true;
                }
                Input::InputSubmit => {
                    state.dialog = None;
                    notice(state, "not quitting: the jobs go on", false);
                }
                _ => {}
            }
            Some(Vec::new())
        }
        Dialog::Scaffold { plan, yes } => {
            if choose(yes, action) {
                return Some(Vec::new());
            }
            match action {
                Input::InputCancel | Input::Back => {
                    state.dialog = None;
                    notice(state, "cancelled: nothing was written", false);
                }
                Input::InputSubmit => {
                    let (plan, confirmed) = (plan.clone(), *yes);
                    state.dialog = None;
                    if !confirmed {
                        notice(state, "not confirmed: nothing was written", false);
                        return Some(Vec::new());
                    }
                    state.dialog = Some(Dialog::Busy("writing the files".into()));
                    return Some(vec![Command::ApplyScaffold { plan }]);
                }
                _ => {}
            }
            Some(Vec::new())
        }
        Dialog::Confirm { plan, yes, typed } => {
            let prod = plan.authorization.stage() == Stage::Prod;
            if !prod && choose(yes, action) {
                return Some(Vec::new());
            }
            match action {
                Input::InputChar(c) if prod => typed.push(*c),
                Input::InputBackspace if prod => {
                    typed.pop();
                }
                Input::InputCancel | Input::Back => {
                    let plan = (**plan).clone();
                    state.dialog = None;
                    notice(state, "cancelled: nothing was changed", false);
                    return Some(discard(plan));
                }
                Input::InputSubmit => {
                    let confirmed = if prod {
                        typed.trim() == plan.authorization.account() || typed.trim() == "prod"
                    } else {
                        *yes
                    };
                    let plan = (**plan).clone();
                    state.dialog = None;
                    if !confirmed {
                        notice(state, "not confirmed: nothing was changed", false);
                        return Some(discard(plan));
                    }
                    let stage = plan.authorization.stage();
                    state.dialog = Some(Dialog::Busy(format!(
                        "starting the change on {}",
                        plan.target
                    )));

                    return Some(vec![Command::Execute {
                        generation: state.generation,
                        stage,
                        plan,
                    }]);
                }
                _ => {}
            }
            Some(Vec::new())
        }
    }
}

/// The No / Yes choice of a dialog: tab or arrows toggle, y and n pick. Whether the action was one.
fn choose(yes: &mut bool, action: &Input) -> bool {
    match action {
        Input::DialogToggle => *yes = !*yes,
        Input::InputChar('y' | 'Y') => *yes = true,
        Input::InputChar('n' | 'N') => *yes = false,
        _ => return false,
    }
    true
}

fn discard(plan: ChangePlan) -> Vec<Command> {
    match plan.kind {
        PlanKind::Deploy { .. } => vec![Command::Discard {
            stage: plan.authorization.stage(),
            plan,
        }],
        PlanKind::Delete | PlanKind::Pipeline(_) | PlanKind::Rollout(_) => Vec::new(),
    }
}
