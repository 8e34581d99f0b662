//! The beta view: its rows, and the integration runs in progress and their verdicts.

use super::super::*;

/// Applies a result of this view.
pub(super) fn apply(state: &mut AppState, result: BetaResult) -> Vec<Command> {
    match result {
        BetaResult::Loaded(result) => {
            state.integ.rows = Loadable::from_result(result, state.now_ms);
            Vec::new()
        }
        BetaResult::IntegProgress {
            folder,
            line,
            stack_id,
        } => {
            if let Some(live) = state.integ.live.get_mut(&folder) {
                live.line = line;
                if stack_id.is_some() {
                    live.stack_id = stack_id;
                }
            }
            Vec::new()
        }
        BetaResult::IntegFinished { folder, result } => {
            state.integ.live.remove(&folder);
            let text = match &result {
                Ok(result) => {
                    let verdict = if result.allowed {
                        format!("{} (allowed: alpha)", result.class.describe())
                    } else {
                        result.class.describe().to_string()
                    };
                    format!("{folder}: integration run {verdict}")
                }
                Err(message) => format!("{folder}: {message}"),
            };
            let blocks = result.as_ref().map_or(true, |r| r.blocks);
            let Some(tally) = &mut state.integ.batch else {
                notice(state, text, blocks);
                return vec![Command::LoadBeta, Command::ReadBoard { stages: Vec::new() }];
            };
            match &result {
                Ok(result) if result.blocks => tally.blocking.push(folder),
                Err(_) => tally.blocking.push(folder),
                Ok(result) if result.allowed => tally.allowed += 1,
                Ok(result) if result.class == crate::ops::integ::IntegClass::Passed => {
                    tally.passed += 1
                }
                Ok(_) => tally.warned += 1,
            }
            if state.integ.live.is_empty() {
                let tally = state.integ.batch.take().unwrap_or_default();
                let mut counts = vec![format!("{} passed", tally.passed)];
                if tally.allowed > 0 {
                    counts.push(format!("{} allowed (alpha)", tally.allowed));
                }
                if tally.warned > 0 {
                    counts.push(format!("{} update not exercised", tally.warned));
                }
                let verdict = match tally.blocking.len() {
                    0 => "nothing blocks the release".to_string(),
                    1 => format!("1 blocks the release: {}", tally.blocking[0]),
                    n => format!("{n} block the release: {}", tally.blocking.join(", ")),
                };
                let summary = format!("all runs ended: {}; {verdict}", counts.join(", "));
                notice(state, summary, !tally.blocking.is_empty());
            } else {
                notice(state, text, blocks);
            }
            vec![Command::LoadBeta, Command::ReadBoard { stages: Vec::new() }]
        }
    }
}
