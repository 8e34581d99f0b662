//! Following a stack: poll, print each event once, say what goes wrong, stop at a final state.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use super::output::{clock, colour_enabled, event_line, paint, visible};
use crate::cloud::StatusCategory;
use crate::cloud::clock::Clock;
use crate::watch::heartbeat::Heartbeat;

use crate::watch::stack_events::{PollProblem, StackEventPoller, StackWatch};

/// How a follow prints.
#[derive(Debug, Clone, Copy)]
pub struct FollowOptions {
    pub json: bool,
    /// Keep polling until a final state (else: one poll).
    pub follow: bool,
}

/// Polls until the stack settles (or once), printing events; the exit code says how it ended.
pub async fn follow(mut poller: StackEventPoller, options: FollowOptions) -> ExitCode {
    let colour = !options.json && colour_enabled();
    let mut one_shot_events = Vec::new();
    let clock = Clock::real();
    let mut heartbeat = Heartbeat::new(clock.now_ms());
    loop {
        let report = poller.poll().await;
        if !report.new_events.is_empty() {
            heartbeat.heard(clock.now_ms());
        } else if options.follow
            && let Some(line) = heartbeat.due(&poller.watch, clock.now_ms())
        {
            eprintln!("{}", visible(&line));
        }
        for event in &report.new_events {
            if !options.follow && options.json {
                one_shot_events.push(event.clone());
            } else if options.json {
                println!("{}", serde_json::to_string(event).unwrap_or_default());
            } else {
                println!("{}", event_line(event, colour));
            }
        }
        match &report.problem {
            Some(PollProblem::Retrying { error, attempt }) => {
                eprintln!(
                    "{} (attempt {attempt}); retrying in {:.1}s",
                    error.message,
                    report.delay.as_secs_f64()
                );
                if !options.follow {
                    eprintln!("hint: {}", error.hint);
                    return ExitCode::from(1);
                }
            }
            Some(PollProblem::Stopped(error)) => {
                eprintln!("{}", error.message);
                eprintln!("hint: {}", error.hint);
                if !(options.follow && std::io::stdin().is_terminal()) {
                    return ExitCode::from(1);
                }
                eprintln!("press Enter to retry once you have new credentials (Ctrl-C to stop)");
                let mut line = String::new();
                if std::io::stdin().lock().read_line(&mut line).unwrap_or(0) == 0 {
                    return ExitCode::from(1);
                }
                poller.resume();
                continue;
            }
            Some(PollProblem::Failed(error)) => {
                eprintln!("error: {}", error.with_hint());
                return ExitCode::from(1);
            }
            None => {}
        }
        if !options.follow && report.problem.is_none() {
            if options.json {
                return super::print_json(&one_shot_events);
            }
            return ExitCode::SUCCESS;
        }
        if let Some(success) = poller.watch.outcome() {
            if !options.json {
                print_summary(&poller.watch, colour);
            }
            return if success {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            };
        }
        tokio::select! {
            _ = tokio::time::sleep(report.delay) => {}
            _ = tokio::signal::ctrl_c() => {
                eprintln!("stopped following; the stack operation goes on in AWS");
                return ExitCode::from(130);
            }
        }
    }
}

/// The final status, counts like rain, and the pinned failure reasons.
pub fn print_summary(watch: &StackWatch, colour: bool) {
    println!("{}", summary_line(watch, colour));
    if !watch.failures.is_empty() {
        println!("failures:");
        for failure in &watch.failures {
            println!(
                "  {} {} {} ({}){}: {}",
                clock(failure.timestamp_ms),
                paint(
                    StatusCategory::Failed.symbol(),
                    StatusCategory::Failed,
                    colour
                ),
                visible(&failure.logical_id),
                visible(&failure.resource_type),
                failure
                    .physical_id
                    .as_deref()
                    .map(|id| format!(" [{}]", visible(id)))
                    .unwrap_or_default(),
                visible(&failure.reason)
            );
        }
    }
}

/// `setup-X: ✓ CREATE_COMPLETE in 42s — 3 complete, 0 failed, 0 in progress, 0 pending`; once
/// the stack has settled, a resource that never had an event is "not started", not pending.
fn summary_line(watch: &StackWatch, colour: bool) -> String {
    let status = watch.stack_status.as_deref().unwrap_or("UNKNOWN");
    let category = StatusCategory::of(status);
    let counts = watch.counts();
    let elapsed = match (watch.events.front(), watch.events.back()) {
        (Some(first), Some(last)) => {
            format!(" in {}s", (last.timestamp_ms - first.timestamp_ms) / 1000)
        }
        _ => String::new(),
    };
    let pending = if watch.outcome().is_some() {
        "not started"
    } else {
        "pending"
    };
    format!(
        "{}: {}{elapsed} — {} complete, {} failed, {} in progress, {} {pending}",
        watch.stack_name,
        paint(&format!("{} {status}", category.symbol()), category, colour),
        counts.complete,
        counts.failed,
        counts.in_progress,
        counts.pending
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::heartbeat::tests::event;

    #[test]
    fn a_settled_stack_never_ends_with_a_pending_resource() {
        let mut watch = StackWatch::new("setup-S3-Thing", 100);
        watch.expect_resources([
            ("Bucket".to_string(), "AWS::S3::Bucket".to_string()),
            ("Queue".to_string(), "AWS::SQS::Queue".to_string()),
        ]);
        watch.merge(vec![
            event(2, "Bucket", "CREATE_IN_PROGRESS"),
            event(1, "setup-S3-Thing", "CREATE_IN_PROGRESS"),
        ]);
        assert!(summary_line(&watch, false).ends_with("1 in progress, 1 pending"));
        watch.merge(vec![
            event(5, "setup-S3-Thing", "CREATE_COMPLETE"),
            event(4, "Bucket", "CREATE_COMPLETE"),
        ]);
        assert_eq!(
            summary_line(&watch, false),
            "setup-S3-Thing: ✓ CREATE_COMPLETE in 4s — 1 complete, 0 failed, 0 in progress, 1 not started"
        );
    }
}
