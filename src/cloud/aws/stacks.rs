//! CloudFormation: stacks, events, exports and change sets.

use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter, Tag};

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{
    ChangeSet, CloudError, CloudErrorKind, EventPage, Export, MAX_INLINE_TEMPLATE_BYTES,
    ResourceChange, Stack, StackEvent, StackOutput, StackSummary, TemplateSource,
};
use crate::cloud::{ChangeSetRequest, StackTemplate, Stacks};

fn millis(time: Option<&aws_sdk_cloudformation::primitives::DateTime>) -> i64 {
    time.and_then(|t| t.to_millis().ok()).unwrap_or_default()
}

#[async_trait]
impl Stacks for AwsCloud {
    /// DescribeStacks for one stack; `None` when it does not exist.
    async fn describe_stack(&self, stack: &str) -> Result<Option<Stack>, CloudError> {
        let result = self
            .clients
            .cloudformation
            .describe_stacks()
            .stack_name(stack)
            .send()
            .await;
        let output = match result {
            Ok(output) => output,
            Err(err) => {
                let err = classify(err, &self.context, "DescribeStacks");
                return if err.kind == CloudErrorKind::NotFound {
                    Ok(None)
                } else {
                    Err(err)
                };
            }
        };
        Ok(output.stacks().first().map(|stack| Stack {
            stack_id: stack.stack_id().unwrap_or_default().to_string(),
            name: stack.stack_name().unwrap_or_default().to_string(),
            status: stack
                .stack_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            reason: stack.stack_status_reason().map(String::from),
            outputs: stack
                .outputs()
                .iter()
                .map(|output| StackOutput {
                    key: output.output_key().unwrap_or_default().to_string(),
                    value: output.output_value().unwrap_or_default().to_string(),
                    export_name: output.export_name().map(String::from),
                })
                .collect(),
        }))
    }

    /// DescribeStacks of every stack, all pages, kept when the name starts with `prefix`.
    async fn list_stacks(&self, prefix: &str) -> Result<Vec<StackSummary>, CloudError> {
        Ok(self.list_stack_pages(prefix).await?.0)
    }

    async fn list_stack_pages(&self, prefix: &str) -> Result<(Vec<StackSummary>, u32), CloudError> {
        let mut stacks = Vec::new();
        let mut next_token = None;
        let mut pages = 0;
        loop {
            pages += 1;
            let output = self
                .clients
                .cloudformation
                .describe_stacks()
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "DescribeStacks"))?;
            stacks.extend(
                output
                    .stacks()
                    .iter()
                    .filter(|stack| stack.stack_name().is_some_and(|n| n.starts_with(prefix)))
                    .map(|stack| StackSummary {
                        stack_id: stack.stack_id().unwrap_or_default().to_string(),
                        name: stack.stack_name().unwrap_or_default().to_string(),
                        status: stack
                            .stack_status()
                            .map(|s| s.as_str().to_string())
                            .unwrap_or_default(),
                        tags: stack
                            .tags()
                            .iter()
                            .map(|t| {
                                (
                                    t.key().unwrap_or_default().to_string(),
                                    t.value().unwrap_or_default().to_string(),
                                )
                            })
                            .collect(),
                    }),
            );
            next_token = output.next_token().map(String::from);
            if next_token.is_none() {
                return Ok((stacks, pages));
            }
        }
    }

    /// One page of DescribeStackEvents (newest first).
    async fn stack_events_page(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, CloudError> {
        let output = self
            .clients
            .cloudformation
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(next_token)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "DescribeStackEvents"))?;
        Ok(EventPage {
            events: output
                .stack_events()
                .iter()
                .map(|event| StackEvent {
                    event_id: event.event_id().unwrap_or_default().to_string(),
                    stack_id: event.stack_id().unwrap_or_default().to_string(),
                    stack_name: event.stack_name().unwrap_or_default().to_string(),
                    logical_id: event.logical_resource_id().unwrap_or_default().to_string(),
                    physical_id: event
                        .physical_resource_id()
                        .filter(|id| !id.is_empty())
                        .map(String::from),
                    resource_type: event.resource_type().unwrap_or_default().to_string(),
                    status: event
                        .resource_status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: event.resource_status_reason().map(String::from),
                    timestamp_ms: millis(event.timestamp()),
                })
                .collect(),
            next_token: output.next_token().map(String::from),
        })
    }

    /// GetTemplate: the template as it was submitted.
    async fn stack_template(&self, stack: &str) -> Result<String, CloudError> {
        let output = self
            .clients
            .cloudformation
            .get_template()
            .stack_name(stack)
            .template_stage(aws_sdk_cloudformation::types::TemplateStage::Original)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "GetTemplate"))?;
        Ok(output.template_body().unwrap_or_default().to_string())
    }

    /// Every export of the region (ListExports, all pages).
    async fn list_exports(&self) -> Result<Vec<Export>, CloudError> {
        let mut exports = Vec::new();
        let mut next_token = None;
        loop {
            let output = self
                .clients
                .cloudformation
                .list_exports()
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "ListExports"))?;
            exports.extend(output.exports().iter().map(|export| Export {
                name: export.name().unwrap_or_default().to_string(),
                value: export.value().unwrap_or_default().to_string(),
                exporting_stack_id: export.exporting_stack_id().unwrap_or_default().to_string(),
            }));
            next_token = output.next_token().map(String::from);
            if next_token.is_none() {
                return Ok(exports);
            }
        }
    }

    /// CreateStack (IAM capabilities acknowledged) with parameters and tags.
    async fn create_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
        tags: &[(String, String)],
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let &StackTemplate {
            stack,
            template,
            parameters,
        } = stack;
        let mut request = self
            .clients
            .cloudformation
            .create_stack()
            .stack_name(stack)
            .set_parameters(Some(stack_parameters(parameters)))
            .set_capabilities(Some(capabilities()));
        for (key, value) in tags {
            request = request.tags(Tag::builder().key(key).value(value).build());
        }
        let request = match template {
            TemplateSource::Body(body) => request.template_body(body),
            TemplateSource::Url(url) => request.template_url(url),
        };
        let output = request
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "CreateStack"))?;
        Ok(output.stack_id().unwrap_or(stack).to_string())
    }

    /// UpdateStack; `Ok(false)` when there is nothing to update.
    async fn update_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
    ) -> Result<bool, CloudError> {
        authorization.permits(&self.context)?;
        let &StackTemplate {
            stack,
            template,
            parameters,
        } = stack;
        let request = self
            .clients
            .cloudformation
            .update_stack()
            .stack_name(stack)
            .set_parameters(Some(stack_parameters(parameters)))
            .set_capabilities(Some(capabilities()));
        let request = match template {
            TemplateSource::Body(body) => request.template_body(body),
            TemplateSource::Url(url) => request.template_url(url),
        };
        match request.send().await {
            Ok(_) => Ok(true),
            Err(err) => {
                let err = classify(err, &self.context, "UpdateStack");
                if err.message.contains("No updates are to be performed") {
                    Ok(false)
                } else {
                    Err(err)
                }
            }
        }
    }

    async fn delete_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .cloudformation
            .delete_stack()
            .stack_name(stack)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "DeleteStack"))?;
        Ok(())
    }

    /// CreateChangeSet for a template given inline or by URL; returns the change set id.
    async fn create_change_set(
        &self,
        authorization: &Authorization,
        request: &ChangeSetRequest<'_>,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let &ChangeSetRequest {
            stack,
            name,
            template,
            create,
        } = request;
        let request = self
            .clients
            .cloudformation
            .create_change_set()
            .stack_name(stack)
            .change_set_name(name);
        let request = match template {
            TemplateSource::Body(body) if body.len() > MAX_INLINE_TEMPLATE_BYTES => {
                return Err(CloudError::new(
                    CloudErrorKind::Invalid,
                    format!(
                        "the template is {} bytes; CloudFormation takes at most {MAX_INLINE_TEMPLATE_BYTES} inline",
                        body.len()
                    ),
                    "upload it to S3 and deploy it by URL (regship's deploy does this by itself)",
                ));
            }
            TemplateSource::Body(body) => request.template_body(body),
            TemplateSource::Url(url) => request.template_url(url),
        };
        let output = request
            .change_set_type(if create {
                ChangeSetType::Create
            } else {
                ChangeSetType::Update
            })
            .set_capabilities(Some(capabilities()))
            .description("created by regship")
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "CreateChangeSet"))?;
        Ok(output.id().unwrap_or(name).to_string())
    }

    /// DescribeChangeSet, all pages of changes.
    async fn describe_change_set(&self, id: &str) -> Result<ChangeSet, CloudError> {
        let mut changes = Vec::new();
        let mut next_token = None;
        loop {
            let output = self
                .clients
                .cloudformation
                .describe_change_set()
                .change_set_name(id)
                .set_next_token(next_token)
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "DescribeChangeSet"))?;
            changes.extend(
                output
                    .changes()
                    .iter()
                    .filter_map(|change| change.resource_change())
                    .map(|change| ResourceChange {
                        action: change
                            .action()
                            .map(|a| a.as_str().to_string())
                            .unwrap_or_default(),
                        logical_id: change.logical_resource_id().unwrap_or_default().to_string(),
                        resource_type: change.resource_type().unwrap_or_default().to_string(),
                        replacement: change.replacement().map(|r| r.as_str().to_string()),
                    }),
            );
            next_token = output.next_token().map(String::from);
            if next_token.is_none() {
                return Ok(ChangeSet {
                    id: output.change_set_id().unwrap_or(id).to_string(),
                    stack_id: output.stack_id().unwrap_or_default().to_string(),
                    status: output
                        .status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    reason: output.status_reason().map(String::from),
                    changes,
                });
            }
        }
    }

    async fn execute_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .cloudformation
            .execute_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "ExecuteChangeSet"))?;
        Ok(())
    }

    async fn delete_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .cloudformation
            .delete_change_set()
            .change_set_name(id)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "DeleteChangeSet"))?;
        Ok(())
    }
}

/// What every stack regship creates or changes acknowledges: IAM resources (named too) and
/// macros or nested stacks expanding.
fn capabilities() -> Vec<Capability> {
    vec![
        Capability::CapabilityIam,
        Capability::CapabilityNamedIam,
        Capability::CapabilityAutoExpand,
    ]
}

fn stack_parameters(parameters: &[(String, String)]) -> Vec<Parameter> {
    parameters
        .iter()
        .map(|(key, value)| {
            Parameter::builder()
                .parameter_key(key)
                .parameter_value(value)
                .build()
        })
        .collect()
}
