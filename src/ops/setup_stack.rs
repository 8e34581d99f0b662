//! Deploying and deleting a setup stack, shared by the CLI and the TUI: plan (a change set),
//! then start the change once the user said yes.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::cloud::ChangeSetRequest;
use crate::cloud::guard::Authorization;
use crate::cloud::status::is_terminal;
use crate::cloud::{ChangeSet, Cloud, CloudError, CloudErrorKind, TemplateSource};

/// What a deploy would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployPlan {
    /// A computed change set, waiting to be executed or discarded.
    Changes { change_set: ChangeSet, create: bool },
    /// The stack already matches the template (the empty change set was deleted).
    NoChanges,
}

fn refused(message: String) -> CloudError {
    CloudError::new(CloudErrorKind::Invalid, message, "")
}

/// Creates a change set for `template` on `stack_name` and waits until CloudFormation has computed it.
pub async fn plan_deploy(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    stack_name: &str,
    template: &TemplateSource,
) -> Result<DeployPlan, CloudError> {
    let create = match cloud.describe_stack(stack_name).await? {
        None => true,
        Some(stack) if stack.status == "REVIEW_IN_PROGRESS" => true,
        Some(stack) if stack.status == "ROLLBACK_COMPLETE" => {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("{stack_name} is ROLLBACK_COMPLETE and cannot be updated"),
                "delete the setup stack first, then deploy again",
            ));
        }
        Some(stack) if !is_terminal(&stack.status) => {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("{stack_name} is busy ({})", stack.status),
                format!("wait, or follow it: regship events {stack_name} --follow"),
            ));
        }
        Some(_) => false,
    };
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let id = cloud
        .create_change_set(
            authorization,
            &ChangeSetRequest {
                stack: stack_name,
                name: &format!("regship-{stamp}"),
                template,
                create,
            },
        )
        .await?;
    for attempt in 0u32..300 {
        let change_set = cloud.describe_change_set(&id).await?;
        if matches!(
            change_set.status.as_str(),
            "CREATE_PENDING" | "CREATE_IN_PROGRESS"
        ) {
            tokio::time::sleep(Duration::from_millis(if attempt < 5 { 500 } else { 2_000 })).await;
            continue;
        }
        if change_set.is_empty_change() {
            cloud.delete_change_set(authorization, &id).await?;
            return Ok(DeployPlan::NoChanges);
        }
        if change_set.status != "CREATE_COMPLETE" {
            let reason = change_set
                .reason
                .clone()
                .unwrap_or(change_set.status.clone());
            return Err(refused(format!("the change set failed: {reason}")));
        }
        return Ok(DeployPlan::Changes { change_set, create });
    }
    Err(refused(format!(
        "change set {id} was still being computed after 10 minutes"
    )))
}

/// The newest event of a stack, so that following starts after it.
pub async fn newest_event_id(cloud: &dyn Cloud, stack: &str) -> Option<String> {
    let page = cloud.stack_events_page(stack, None).await.ok()?;
    page.events.first().map(|e| e.event_id.clone())
}

/// Executes the change set `change_set_id` of `stack_id`; returns the event to follow from.
pub async fn execute(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    change_set_id: &str,
    stack_id: &str,
) -> Result<Option<String>, CloudError> {
    let after = newest_event_id(cloud, stack_id).await;
    cloud
        .execute_change_set(authorization, change_set_id)
        .await?;
    Ok(after)
}

/// Deletes a stack by id; returns the event to follow from.
pub async fn delete(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    stack_id: &str,
) -> Result<Option<String>, CloudError> {
    let after = newest_event_id(cloud, stack_id).await;
    cloud.delete_stack(authorization, stack_id).await?;
    Ok(after)
}

/// Deletes a change set the user declined; a stack that only existed for it (REVIEW_IN_PROGRESS,
/// left by a CREATE change set) is deleted too, so that no empty stack is left behind.
pub async fn discard(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    change_set_id: &str,
    stack: &str,
) -> Result<(), CloudError> {
    cloud
        .delete_change_set(authorization, change_set_id)
        .await?;
    if let Some(found) = cloud.describe_stack(stack).await?
        && found.status == "REVIEW_IN_PROGRESS"
    {
        cloud.delete_stack(authorization, &found.stack_id).await?;
    }
    Ok(())
}
