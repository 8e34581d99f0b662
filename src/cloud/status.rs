//! Every CloudFormation status mapped to one category, with its symbol and colour, in one place.

use serde::Serialize;

/// rain's five categories of a stack or resource status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusCategory {
    Pending,
    InProgress,
    Complete,
    Failed,
    Cancelled,
}

impl StatusCategory {
    /// The category of a status string such as `UPDATE_ROLLBACK_IN_PROGRESS`.
    pub fn of(status: &str) -> StatusCategory {
        if status.contains("FAILED") || status.contains("ROLLBACK") {
            StatusCategory::Failed
        } else if status.contains("CANCEL") {
            StatusCategory::Cancelled
        } else if status == "REVIEW_IN_PROGRESS" {
            StatusCategory::Pending
        } else if status.ends_with("IN_PROGRESS") {
            StatusCategory::InProgress
        } else if status.ends_with("COMPLETE") || status.ends_with("SKIPPED") {
            StatusCategory::Complete
        } else {
            StatusCategory::Pending
        }
    }

    /// The category of a CodePipeline stage, action or execution status (`InProgress`, `Succeeded` ...).
    pub fn of_pipeline(status: &str) -> StatusCategory {
        match status {
            "InProgress" | "Stopping" => StatusCategory::InProgress,
            "Succeeded" => StatusCategory::Complete,
            "Failed" => StatusCategory::Failed,
            "Stopped" | "Cancelled" | "Superseded" | "Abandoned" => StatusCategory::Cancelled,
            _ => StatusCategory::Pending,
        }
    }

    /// The category of a CodeBuild build or phase status (`IN_PROGRESS`, `SUCCEEDED`, `FAULT` ...).
    pub fn of_build(status: &str) -> StatusCategory {
        match status {
            "IN_PROGRESS" => StatusCategory::InProgress,
            "SUCCEEDED" => StatusCategory::Complete,
            "FAILED" | "FAULT" | "TIMED_OUT" => StatusCategory::Failed,
            "STOPPED" => StatusCategory::Cancelled,
            _ => StatusCategory::Pending,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            StatusCategory::Pending => "○",
            StatusCategory::InProgress => "◐",
            StatusCategory::Complete => "✓",
            StatusCategory::Failed => "✗",
            StatusCategory::Cancelled => "⊘",
        }
    }

    /// The ANSI SGR colour code for plain terminal output.
    pub fn ansi_colour(self) -> &'static str {
        match self {
            StatusCategory::Pending => "90",
            StatusCategory::InProgress => "33",
            StatusCategory::Complete => "32",
            StatusCategory::Failed => "31",
            StatusCategory::Cancelled => "35",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            StatusCategory::Pending => "pending",
            StatusCategory::InProgress => "in progress",
            StatusCategory::Complete => "complete",
            StatusCategory::Failed => "failed",
            StatusCategory::Cancelled => "cancelled",
        }
    }
}

/// Whether a stack status is final (nothing is in progress).
pub fn is_terminal(status: &str) -> bool {
    !status.ends_with("IN_PROGRESS")
}

/// Whether a final stack status is a success: the operation did what was asked.
pub fn is_success(status: &str) -> bool {
    matches!(
        status,
        "CREATE_COMPLETE" | "UPDATE_COMPLETE" | "DELETE_COMPLETE" | "IMPORT_COMPLETE"
    )
}

/// Where an SSM Automation execution (or a rollout's region) stands: every one of the 19
/// `AutomationExecutionStatus` values of the botocore model (`ssm/2014-11-06/service-2.json`)
/// mapped, plus regship's own `NotStarted` for a region that a final rollout never started
/// (its error budget was spent, or it was stopped first).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AutomationPhase {
    /// Queued, not started yet (`Pending`, `Scheduled`).
    Waiting,
    /// Running, or waiting on an approval or a change calendar.
    Running,
    Succeeded,
    /// Ended without publishing: failed, timed out, cancelled, rejected, exited.
    Failed,
    /// Never started: the rollout ended first.
    NotStarted,
    /// A status this version of regship does not know: shown as it is and treated as running.
    Unknown,
}

/// The status regship gives a region that a final rollout never started.
pub const NOT_STARTED: &str = "NotStarted";

impl AutomationPhase {
    pub fn of(status: &str) -> AutomationPhase {
        match status {
            "Pending" | "Scheduled" => AutomationPhase::Waiting,
            "InProgress"
            | "Waiting"
            | "Cancelling"
            | "PendingApproval"
            | "Approved"
            | "RunbookInProgress"
            | "PendingChangeCalendarOverride"
            | "ChangeCalendarOverrideApproved" => AutomationPhase::Running,
            "Success" | "CompletedWithSuccess" => AutomationPhase::Succeeded,
            // `Exited`: the execution stopped before its end step; the region was not published.
            "Failed"
            | "TimedOut"
            | "Cancelled"
            | "Rejected"
            | "ChangeCalendarOverrideRejected"
            | "CompletedWithFailure"
            | "Exited" => AutomationPhase::Failed,
            NOT_STARTED => AutomationPhase::NotStarted,
            _ => AutomationPhase::Unknown,
        }
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            AutomationPhase::Succeeded | AutomationPhase::Failed | AutomationPhase::NotStarted
        )
    }

    /// It ended without publishing: a retry starts it again.
    pub fn needs_retry(self) -> bool {
        matches!(self, AutomationPhase::Failed | AutomationPhase::NotStarted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_terminal_states_and_success() {
        use StatusCategory::*;
        for (status, category, terminal, success) in [
            ("CREATE_IN_PROGRESS", InProgress, false, false),
            ("CREATE_COMPLETE", Complete, true, true),
            ("CREATE_FAILED", Failed, true, false),
            ("ROLLBACK_IN_PROGRESS", Failed, false, false),
            ("ROLLBACK_COMPLETE", Failed, true, false),
            (
                "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS",
                InProgress,
                false,
                false,
            ),
            ("UPDATE_ROLLBACK_COMPLETE", Failed, true, false),
            ("DELETE_COMPLETE", Complete, true, true),
            ("DELETE_SKIPPED", Complete, true, false),
            ("REVIEW_IN_PROGRESS", Pending, false, false),
            ("UPDATE_CANCELLED", Cancelled, true, false),
        ] {
            assert_eq!(StatusCategory::of(status), category, "{status}");
            assert_eq!(is_terminal(status), terminal, "{status}");
            assert_eq!(is_success(status), success, "{status}");
        }
        assert_ne!(Complete.symbol(), Failed.symbol());
        assert_eq!(StatusCategory::of_pipeline("InProgress"), InProgress);
        assert_eq!(StatusCategory::of_pipeline("Succeeded"), Complete);
        assert_eq!(StatusCategory::of_pipeline("Failed"), Failed);
        assert_eq!(StatusCategory::of_pipeline("Superseded"), Cancelled);
    }

    #[test]
    fn every_automation_status_has_a_phase_and_an_unknown_one_runs() {
        use AutomationPhase::*;
        // The 19 values of AutomationExecutionStatus (botocore ssm/2014-11-06/service-2.json).
        let all = [
            ("Pending", Waiting),
            ("InProgress", Running),
            ("Waiting", Running),
            ("Success", Succeeded),
            ("TimedOut", Failed),
            ("Cancelling", Running),
            ("Cancelled", Failed),
            ("Failed", Failed),
            ("PendingApproval", Running),
            ("Approved", Running),
            ("Rejected", Failed),
            ("Scheduled", Waiting),
            ("RunbookInProgress", Running),
            ("PendingChangeCalendarOverride", Running),
            ("ChangeCalendarOverrideApproved", Running),
            ("ChangeCalendarOverrideRejected", Failed),
            ("CompletedWithSuccess", Succeeded),
            ("CompletedWithFailure", Failed),
            ("Exited", Failed),
        ];
        assert_eq!(all.len(), 19);
        for (status, phase) in all {
            assert_eq!(AutomationPhase::of(status), phase, "{status}");
        }
        assert!(AutomationPhase::of("ChangeCalendarOverrideRejected").is_final());
        assert_eq!(AutomationPhase::of("Paused"), Unknown);
        assert!(
            !Unknown.is_final(),
            "an unknown status is treated as running"
        );
        assert!(AutomationPhase::of(NOT_STARTED).needs_retry());
        assert!(!Succeeded.needs_retry());
    }
}
