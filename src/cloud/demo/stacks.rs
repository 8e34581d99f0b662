//! The demo's CloudFormation: stacks created, updated and deleted through change sets, their
//! events scheduled on the demo clock from the real template's resources. What goes wrong is
//! the caller's [`Mishap`]: a create denied on one resource (rolled back), or an update the
//! extension's resource refuses (rolled back to what the stack was).

use std::time::Duration;

use serde_norway::Value;

use crate::cloud::{
    ChangeSet, CloudError, CloudErrorKind, EventPage, Export, ResourceChange, Stack, StackEvent,
    StackOutput, StackSummary,
};
use crate::workspace::template::{ExportName, Template, intrinsic};

/// DescribeStackEvents returns at most this many events a page.
const PAGE_SIZE: usize = 100;

/// What the demo makes go wrong in one stack operation, on purpose.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mishap {
    None,
    /// One resource's create is denied (the role lacks a permission): the stack rolls back.
    CreateDenied,
    /// The resource of this type refuses the update, as a new version that renamed a property
    /// would: the stack rolls back to its previous template.
    UpdateRefused {
        type_name: String,
    },
}

/// Where a stack lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub account: String,
    pub region: String,
}

#[derive(Debug)]
struct DemoStack {
    place: Place,
    id: String,
    name: String,
    /// Scheduled events, in the order they were scheduled (times ascend).
    events: Vec<(Duration, StackEvent)>,
    /// The template the stack last ran, for the next change set.
    template: Option<String>,
    /// The parameters it last ran with.
    parameters: Vec<(String, String)>,
    /// The resources that exist once the scheduled events have run: (logical id, type).
    resources: Vec<(String, String)>,
    /// Outputs, from the time the last operation completed.
    outputs: Option<(Duration, Vec<StackOutput>)>,
    /// When a delete completes: from then on the name no longer answers.
    deleted_at: Option<Duration>,
    tags: Vec<(String, String)>,
}

#[derive(Debug)]
struct DemoChangeSet {
    id: String,
    stack_id: String,
    template: String,
    parameters: Vec<(String, String)>,
    create: bool,
    ready_at: Duration,
    no_changes: bool,
    changes: Vec<ResourceChange>,
}

/// Every stack of every demo account.
#[derive(Debug, Default)]
pub struct DemoStacks {
    stacks: Vec<DemoStack>,
    change_sets: Vec<DemoChangeSet>,
    next_id: u64,
}

fn not_found(what: &str) -> CloudError {
    CloudError::new(
        CloudErrorKind::NotFound,
        format!("{what} does not exist"),
        "check the name, the stage and the region",
    )
}

/// `AWS::S3::Bucket` -> (`s3`, `CreateBucket`).
fn create_permission(resource_type: &str) -> (String, String) {
    let mut parts = resource_type.split("::").skip(1);
    let service = parts
        .next()
        .unwrap_or("cloudformation")
        .to_ascii_lowercase();
    let noun = parts.next().unwrap_or("Resource");
    (service, format!("Create{noun}"))
}

impl DemoStack {
    fn visible(&self, now: Duration) -> impl DoubleEndedIterator<Item = &StackEvent> {
        self.events
            .iter()
            .filter(move |(at, _)| *at <= now)
            .map(|(_, event)| event)
    }

    /// The newest stack-level event by `now`.
    fn status(&self, now: Duration) -> Option<&StackEvent> {
        self.visible(now).rev().find(|e| e.is_stack_event())
    }

    fn ends_at(&self) -> Duration {
        self.events.last().map_or(Duration::ZERO, |(at, _)| *at)
    }

    fn is_gone(&self, now: Duration) -> bool {
        self.deleted_at.is_some_and(|at| at <= now)
    }

    fn physical_id(&self, logical_id: &str) -> String {
        self.events
            .iter()
            .rev()
            .find(|(_, e)| e.logical_id == logical_id && e.physical_id.is_some())
            .and_then(|(_, e)| e.physical_id.clone())
            .unwrap_or_else(|| format!("{}-{}", self.name, logical_id.to_ascii_lowercase()))
    }
}

/// Builds the events of one operation, timed from `start`.
struct Schedule<'a> {
    stack: &'a mut DemoStack,
    at: Duration,
    timestamp: &'a dyn Fn(Duration) -> i64,
}

impl Schedule<'_> {
    fn push(&mut self, at: Duration, logical_id: &str, kind: &str, status: &str, reason: &str) {
        let stack_level = logical_id == self.stack.name;
        let physical_id = if stack_level {
            self.stack.id.clone()
        } else {
            self.stack.physical_id(logical_id)
        };
        let number = self.stack.events.len();
        self.stack.events.push((
            at,
            StackEvent {
                event_id: format!("{logical_id}-{status}-{number:04}"),
                stack_id: self.stack.id.clone(),
                stack_name: self.stack.name.clone(),
                logical_id: logical_id.to_string(),
                physical_id: Some(physical_id),
                resource_type: if stack_level {
                    "AWS::CloudFormation::Stack".into()
                } else {
                    kind.to_string()
                },
                status: status.to_string(),
                reason: (!reason.is_empty()).then(|| reason.to_string()),
                timestamp_ms: (self.timestamp)(at),
            },
        ));
        self.at = self.at.max(at);
    }

    fn stack_event(&mut self, at: Duration, status: &str, reason: &str) {
        let name = self.stack.name.clone();
        self.push(at, &name, "", status, reason);
    }
}

fn secs(s: f64) -> Duration {
    Duration::from_secs_f64(s)
}

impl DemoStacks {
    fn find(&self, place: &Place, name_or_id: &str, now: Duration) -> Option<usize> {
        self.stacks.iter().rposition(|s| {
            s.place == *place && (s.id == name_or_id || (s.name == name_or_id && !s.is_gone(now)))
        })
    }

    /// GetTemplate: what the stack last ran.
    pub fn template(&self, place: &Place, name_or_id: &str, now: Duration) -> Option<String> {
        self.stacks[self.find(place, name_or_id, now)?]
            .template
            .clone()
    }

    /// DescribeStacks of every live stack whose name starts with `prefix`.
    pub fn list(&self, place: &Place, prefix: &str, now: Duration) -> Vec<StackSummary> {
        self.stacks
            .iter()
            .filter(|s| s.place == *place && s.name.starts_with(prefix) && !s.is_gone(now))
            .filter_map(|s| {
                Some(StackSummary {
                    stack_id: s.id.clone(),
                    name: s.name.clone(),
                    status: s.status(now)?.status.clone(),
                    tags: s.tags.clone(),
                })
            })
            .collect()
    }

    /// CreateStack and UpdateStack: a change set made and executed at once. `Ok(None)` when an
    /// update would change nothing.
    #[allow(clippy::too_many_arguments)]
    pub fn apply_template(
        &mut self,
        place: &Place,
        (stack_name, template, parameters): (&str, &str, &[(String, String)]),
        create: bool,
        tags: &[(String, String)],
        mishap: Mishap,
        now: Duration,
        rng: &mut fastrand::Rng,
        timestamp: &dyn Fn(Duration) -> i64,
    ) -> Result<Option<String>, CloudError> {
        let id = self.create_change_set(
            place,
            (stack_name, template, parameters),
            create,
            now,
            timestamp,
        )?;
        let index = self
            .change_sets
            .iter()
            .position(|c| c.id == id)
            .ok_or_else(|| not_found(&format!("ChangeSet [{id}]")))?;
        if self.change_sets[index].no_changes {
            self.change_sets.remove(index);
            return Ok(None);
        }
        self.change_sets[index].ready_at = now;
        let stack_id = self.change_sets[index].stack_id.clone();
        self.execute(&id, mishap, now, rng, timestamp)?;
        if create && let Some(stack) = self.stacks.iter_mut().rfind(|s| s.id == stack_id) {
            stack.tags = tags.to_vec();
        }
        Ok(Some(stack_id))
    }

    /// DescribeStacks.
    pub fn describe(&self, place: &Place, name_or_id: &str, now: Duration) -> Option<Stack> {
        let stack = &self.stacks[self.find(place, name_or_id, now)?];
        let status = stack.status(now)?;
        let outputs = match &stack.outputs {
            Some((from, outputs)) if *from <= now && !stack.is_gone(now) => outputs.clone(),
            _ => Vec::new(),
        };
        Some(Stack {
            stack_id: stack.id.clone(),
            name: stack.name.clone(),
            status: status.status.clone(),
            reason: status.reason.clone(),
            outputs,
        })
    }

    /// DescribeStackEvents, newest first, a page at a time.
    pub fn events_page(
        &self,
        place: &Place,
        name_or_id: &str,
        next_token: Option<String>,
        now: Duration,
    ) -> Result<EventPage, CloudError> {
        let index = self
            .find(place, name_or_id, now)
            .ok_or_else(|| not_found(&format!("Stack [{name_or_id}]")))?;
        let visible: Vec<&StackEvent> = self.stacks[index].visible(now).collect();
        let skip: usize = next_token.and_then(|t| t.parse().ok()).unwrap_or(0);
        let events: Vec<StackEvent> = visible
            .iter()
            .rev()
            .skip(skip)
            .take(PAGE_SIZE)
            .map(|e| (*e).clone())
            .collect();
        let next = skip + events.len();
        Ok(EventPage {
            next_token: (next < visible.len()).then(|| next.to_string()),
            events,
        })
    }

    /// ListExports: the outputs with an export name of every complete stack.
    pub fn exports(&self, place: &Place, now: Duration) -> Vec<Export> {
        self.stacks
            .iter()
            .filter(|s| s.place == *place && !s.is_gone(now))
            .filter_map(|s| match &s.outputs {
                Some((from, outputs)) if *from <= now => Some((s, outputs)),
                _ => None,
            })
            .flat_map(|(stack, outputs)| {
                outputs.iter().filter_map(|output| {
                    Some(Export {
                        name: output.export_name.clone()?,
                        value: output.value.clone(),
                        exporting_stack_id: stack.id.clone(),
                    })
                })
            })
            .collect()
    }

    /// CreateChangeSet: the changes are the template's resources; a create makes the stack
    /// (REVIEW_IN_PROGRESS) as CloudFormation does.
    pub fn create_change_set(
        &mut self,
        place: &Place,
        (stack_name, template, parameters): (&str, &str, &[(String, String)]),
        create: bool,
        now: Duration,
        timestamp: &dyn Fn(Duration) -> i64,
    ) -> Result<String, CloudError> {
        let parsed = Template::parse(template).map_err(|problem| {
            CloudError::new(
                CloudErrorKind::Invalid,
                format!("Template format error: {}", problem.message),
                "fix the template, then deploy again",
            )
        })?;
        // CloudFormation reads no rain directive and no tag it does not know.
        let unresolved = parsed
            .rain_directives()
            .first()
            .map(|(directive, _)| directive.tag().to_string())
            .or_else(|| parsed.unknown_tags.first().map(|t| t.tag.clone()));
        if let Some(tag) = unresolved {
            return Err(CloudError::new(
                CloudErrorKind::Invalid,
                format!("Template format error: unsupported structure ({tag})"),
                "package the template (rain directives) before deploying it",
            ));
        }
        let resources: Vec<(String, String)> = parsed
            .resources()
            .map(|r| {
                (
                    r.logical_id.to_string(),
                    r.type_name
                        .unwrap_or("AWS::CloudFormation::WaitConditionHandle")
                        .to_string(),
                )
            })
            .collect();
        self.next_id += 1;
        let index = match self.find(place, stack_name, now) {
            Some(index) if !create => index,
            Some(index)
                if self.stacks[index]
                    .status(now)
                    .is_some_and(|s| s.status == "REVIEW_IN_PROGRESS") =>
            {
                index
            }
            Some(_) => {
                return Err(CloudError::new(
                    CloudErrorKind::Invalid,
                    format!("Stack [{stack_name}] already exists and cannot be created again"),
                    "deploy it as an update",
                ));
            }
            None if !create => return Err(not_found(&format!("Stack [{stack_name}]"))),
            None => {
                let id = format!(
                    "arn:aws:cloudformation:{}:{}:stack/{stack_name}/{:08x}-demo-{:04}",
                    place.region,
                    place.account,
                    self.next_id * 2_654_435_761 % 0xffff_ffff,
                    self.next_id
                );
                self.stacks.push(DemoStack {
                    place: place.clone(),
                    id,
                    name: stack_name.to_string(),
                    events: Vec::new(),
                    template: None,
                    parameters: Vec::new(),
                    resources: Vec::new(),
                    outputs: None,
                    deleted_at: None,
                    tags: Vec::new(),
                });
                let index = self.stacks.len() - 1;
                let mut schedule = Schedule {
                    stack: &mut self.stacks[index],
                    at: now,
                    timestamp,
                };
                schedule.stack_event(now, "REVIEW_IN_PROGRESS", "User Initiated");
                index
            }
        };
        let stack = &self.stacks[index];
        let no_changes = !create
            && stack.template.as_deref() == Some(template)
            && stack.parameters == parameters;
        let changes = resources
            .iter()
            .map(|(logical_id, resource_type)| ResourceChange {
                action: if create || !stack.resources.iter().any(|(id, _)| id == logical_id) {
                    "Add".into()
                } else {
                    "Modify".into()
                },
                logical_id: logical_id.clone(),
                resource_type: resource_type.clone(),
                replacement: (!create).then(|| "False".to_string()),
            })
            .collect();
        let id = format!(
            "arn:aws:cloudformation:{}:{}:changeSet/regship-{}/demo-{:04}",
            place.region, place.account, self.next_id, self.next_id
        );
        self.change_sets.push(DemoChangeSet {
            id: id.clone(),
            stack_id: stack.id.clone(),
            template: template.to_string(),
            parameters: parameters.to_vec(),
            create,
            ready_at: now + secs(1.5),
            no_changes,
            changes,
        });
        Ok(id)
    }

    fn change_set(&self, id: &str) -> Result<&DemoChangeSet, CloudError> {
        self.change_sets
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| not_found(&format!("ChangeSet [{id}]")))
    }

    /// DescribeChangeSet: computing for a moment, then complete (or failed: no changes).
    pub fn describe_change_set(&self, id: &str, now: Duration) -> Result<ChangeSet, CloudError> {
        let change_set = self.change_set(id)?;
        let (status, reason) = if now < change_set.ready_at {
            ("CREATE_IN_PROGRESS", None)
        } else if change_set.no_changes {
            (
                "FAILED",
                Some("The submitted information didn't contain changes. Submit different information to create a change set.".to_string()),
            )
        } else {
            ("CREATE_COMPLETE", None)
        };
        Ok(ChangeSet {
            id: change_set.id.clone(),
            stack_id: change_set.stack_id.clone(),
            status: status.into(),
            reason,
            changes: change_set.changes.clone(),
        })
    }

    pub fn delete_change_set(&mut self, id: &str) -> Result<(), CloudError> {
        self.change_set(id)?;
        self.change_sets.retain(|c| c.id != id);
        Ok(())
    }

    /// The stack a change set is for and whether it creates it.
    pub fn target(&self, id: &str) -> Result<(String, bool), CloudError> {
        let change_set = self.change_set(id)?;
        let name = self
            .stacks
            .iter()
            .find(|s| s.id == change_set.stack_id)
            .map(|s| s.name.clone())
            .ok_or_else(|| not_found(&format!("Stack [{}]", change_set.stack_id)))?;
        Ok((name, change_set.create))
    }

    /// ExecuteChangeSet: schedules the operation's events from `now`, with `mishap` in them.
    pub fn execute(
        &mut self,
        id: &str,
        mishap: Mishap,
        now: Duration,
        rng: &mut fastrand::Rng,
        timestamp: &dyn Fn(Duration) -> i64,
    ) -> Result<(), CloudError> {
        let change_set = self.change_set(id)?;
        let (stack_id, template, parameters, create) = (
            change_set.stack_id.clone(),
            change_set.template.clone(),
            change_set.parameters.clone(),
            change_set.create,
        );
        let resources: Vec<(String, String)> = change_set
            .changes
            .iter()
            .map(|c| (c.logical_id.clone(), c.resource_type.clone()))
            .collect();
        self.change_sets.retain(|c| c.stack_id != stack_id);
        let index = self
            .stacks
            .iter()
            .position(|s| s.id == stack_id)
            .ok_or_else(|| not_found(&format!("Stack [{stack_id}]")))?;
        let stack = &mut self.stacks[index];
        let operation = if create { "CREATE" } else { "UPDATE" };
        let mut schedule = Schedule {
            stack,
            at: now,
            timestamp,
        };
        schedule.stack_event(now, &format!("{operation}_IN_PROGRESS"), "User Initiated");
        let failing = match &mishap {
            Mishap::CreateDenied if create => Some(rng.usize(..resources.len().max(1))),
            Mishap::UpdateRefused { type_name } if !create => Some(
                resources
                    .iter()
                    .position(|(_, kind)| kind == type_name)
                    .unwrap_or(0),
            ),
            _ => None,
        };
        let first_event = schedule.stack.events.len();
        let mut finished = Vec::new();
        for (n, (logical_id, kind)) in resources.iter().enumerate() {
            let start = now + secs(1.0 + 0.7 * n as f64);
            let done = start + secs(3.0 + rng.f64() * 6.0);
            // A resource the stack has not had before gets a physical id of its own.
            let new_resource = create
                && !schedule
                    .stack
                    .events
                    .iter()
                    .any(|(_, e)| e.logical_id == *logical_id);
            let physical = new_resource.then(|| {
                let suffix: String = (0..12)
                    .map(|_| rng.alphanumeric().to_ascii_lowercase())
                    .collect();
                format!(
                    "{}-{}-{suffix}",
                    schedule.stack.name,
                    logical_id.to_ascii_lowercase()
                )
            });
            let status = format!("{operation}_IN_PROGRESS");
            schedule.push(start, logical_id, kind, &status, "");
            if let (Some(physical), Some((_, event))) = (physical, schedule.stack.events.last_mut())
            {
                event.physical_id = Some(physical);
            }
            schedule.push(
                start + secs(0.4),
                logical_id,
                kind,
                &format!("{operation}_IN_PROGRESS"),
                "Resource creation Initiated",
            );
            finished.push((n, logical_id.clone(), kind.clone(), start, done));
        }
        let outcome_at;
        if let Some(failing) = failing.filter(|f| !create && *f < finished.len()) {
            let (_, failed_id, failed_kind, _, failed_at) = finished[failing].clone();
            // Nothing starts after the failure.
            let late: Vec<&String> = finished
                .iter()
                .filter(|(_, _, _, start, _)| *start > failed_at)
                .map(|(_, logical_id, ..)| logical_id)
                .collect();
            let tail = schedule.stack.events.split_off(first_event);
            schedule.stack.events.extend(
                tail.into_iter()
                    .filter(|(at, e)| !(*at > failed_at && late.contains(&&e.logical_id))),
            );
            let key = first_property(&template, &failed_id).unwrap_or_else(|| "Properties".into());
            schedule.push(
                failed_at,
                &failed_id,
                &failed_kind,
                "UPDATE_FAILED",
                &format!(
                    "Resource handler returned message: \"Model validation failed (#: extraneous key [{key}] is not permitted)\" (RequestToken: demo-{:08x}, HandlerErrorCode: InvalidRequest)",
                    rng.u32(..)
                ),
            );
            for (n, logical_id, kind, start, done) in &finished {
                if *n == failing || *start > failed_at {
                    continue;
                }
                let (status, reason) = if *done > failed_at {
                    ("UPDATE_FAILED", "Resource update cancelled")
                } else {
                    ("UPDATE_COMPLETE", "")
                };
                schedule.push(
                    (*done).min(failed_at + secs(0.2)),
                    logical_id,
                    kind,
                    status,
                    reason,
                );
            }
            let mut rollback = failed_at + secs(0.5);
            schedule.stack_event(
                rollback,
                "UPDATE_ROLLBACK_IN_PROGRESS",
                &format!("The following resource(s) failed to update: [{failed_id}]. "),
            );
            for (_, logical_id, kind, start, _) in finished.iter().rev() {
                if *start > failed_at {
                    continue;
                }
                rollback += secs(0.6);
                schedule.push(rollback, logical_id, kind, "UPDATE_IN_PROGRESS", "");
                schedule.push(
                    rollback + secs(1.2),
                    logical_id,
                    kind,
                    "UPDATE_COMPLETE",
                    "",
                );
            }
            outcome_at = schedule.at + secs(1.0);
            schedule.stack_event(
                outcome_at,
                "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS",
                "",
            );
            schedule.stack_event(outcome_at + secs(0.5), "UPDATE_ROLLBACK_COMPLETE", "");
            // Newest last, as DescribeStackEvents orders them; the stack keeps what it ran before.
            schedule.stack.events[first_event..].sort_by_key(|(at, _)| *at);
        } else if let Some(failing) = failing.filter(|f| *f < finished.len()) {
            let (_, failed_id, failed_kind, _, failed_at) = finished[failing].clone();
            let (service, action) = create_permission(&failed_kind);
            let account = schedule.stack.place.account.clone();
            let physical = schedule.stack.physical_id(&failed_id);
            schedule.push(
                failed_at,
                &failed_id,
                &failed_kind,
                "CREATE_FAILED",
                &format!(
                    "Resource handler returned message: \"User: arn:aws:sts::{account}:assumed-role/developer/regship-demo is not authorized to perform: {service}:{action} on resource: \"{physical}\" because no identity-based policy allows the {service}:{action} action (Service: {service}, Status Code: 403, Request ID: DEMO{:08X})\" (HandlerErrorCode: AccessDenied)",
                    rng.u32(..)
                ),
            );
            let mut rollback = failed_at + secs(0.5);
            for (n, logical_id, kind, start, done) in &finished {
                if *n != failing && *start <= failed_at && *done > failed_at {
                    schedule.push(
                        failed_at + secs(0.2),
                        logical_id,
                        kind,
                        "CREATE_FAILED",
                        "Resource creation cancelled",
                    );
                }
            }
            schedule.stack_event(
                rollback,
                "ROLLBACK_IN_PROGRESS",
                &format!("The following resource(s) failed to create: [{failed_id}]. Rollback requested by user."),
            );
            for (_, logical_id, kind, start, _) in finished.iter().rev() {
                if *start > failed_at {
                    continue;
                }
                rollback += secs(0.4);
                schedule.push(rollback, logical_id, kind, "DELETE_IN_PROGRESS", "");
                schedule.push(
                    rollback + secs(1.5),
                    logical_id,
                    kind,
                    "DELETE_COMPLETE",
                    "",
                );
            }
            outcome_at = schedule.at + secs(1.0);
            schedule.stack_event(outcome_at, "ROLLBACK_COMPLETE", "");
            schedule.stack.resources.clear();
            schedule.stack.outputs = None;
        } else {
            for (_, logical_id, kind, _, done) in &finished {
                schedule.push(
                    *done,
                    logical_id,
                    kind,
                    &format!("{operation}_COMPLETE"),
                    "",
                );
            }
            outcome_at = schedule.at + secs(1.0);
            if !create {
                schedule.stack_event(outcome_at, "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "");
            }
            schedule.stack_event(
                outcome_at + secs(if create { 0.0 } else { 0.5 }),
                &format!("{operation}_COMPLETE"),
                "",
            );
            let stack = schedule.stack;
            stack.resources = resources;
            stack.template = Some(template.clone());
            stack.parameters = parameters;
            let outputs = outputs_of(stack, &template);
            stack.outputs = Some((stack.ends_at(), outputs));
        }
        Ok(())
    }

    /// DeleteStack: each resource deleted, then the stack; its exports go with it.
    pub fn delete(
        &mut self,
        place: &Place,
        name_or_id: &str,
        now: Duration,
        timestamp: &dyn Fn(Duration) -> i64,
    ) -> Result<(), CloudError> {
        let index = self
            .find(place, name_or_id, now)
            .ok_or_else(|| not_found(&format!("Stack [{name_or_id}]")))?;
        let stack = &mut self.stacks[index];
        if stack.deleted_at.is_some() {
            return Ok(());
        }
        let resources = std::mem::take(&mut stack.resources);
        let mut schedule = Schedule {
            stack,
            at: now,
            timestamp,
        };
        schedule.stack_event(now, "DELETE_IN_PROGRESS", "User Initiated");
        let mut at = now + secs(0.8);
        for (logical_id, kind) in resources.iter().rev() {
            schedule.push(at, logical_id, kind, "DELETE_IN_PROGRESS", "");
            at += secs(2.5);
            schedule.push(at, logical_id, kind, "DELETE_COMPLETE", "");
        }
        let end = schedule.at + secs(1.0);
        schedule.stack_event(end, "DELETE_COMPLETE", "");
        let stack = &mut self.stacks[index];
        stack.deleted_at = Some(end);
        stack.template = None;
        Ok(())
    }
}

/// The first property the template gives resource `logical_id`.
fn first_property(template: &str, logical_id: &str) -> Option<String> {
    let parsed = Template::parse(template).ok()?;
    let resource = parsed.resources().find(|r| r.logical_id == logical_id)?;
    resource
        .properties?
        .keys()
        .next()?
        .as_str()
        .map(String::from)
}

/// The template's outputs as the deployed stack shows them: `Ref`s become physical ids,
/// `${AWS::StackName}`-style names are filled in.
fn outputs_of(stack: &DemoStack, template: &str) -> Vec<StackOutput> {
    let Ok(parsed) = Template::parse(template) else {
        return Vec::new();
    };
    let exports = parsed.exports();
    let substitute = |pattern: &str| {
        pattern
            .replace("${AWS::StackName}", &stack.name)
            .replace("${AWS::Region}", &stack.place.region)
            .replace("${AWS::AccountId}", &stack.place.account)
    };
    let Some(outputs) = parsed.root.get("Outputs").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    outputs
        .iter()
        .filter_map(|(key, body)| {
            let key = key.as_str()?.to_string();
            let value = match body.get("Value") {
                Some(Value::String(text)) => text.clone(),
                Some(other) => match intrinsic(other) {
                    Some(("Ref", Value::String(target))) => stack.physical_id(target),
                    Some(("Fn::GetAtt", _)) => format!("arn:aws:demo:::{}", stack.name),
                    Some(("Fn::Sub", Value::String(pattern))) => substitute(pattern),
                    _ => format!("{}-{}", stack.name, key.to_ascii_lowercase()),
                },
                None => String::new(),
            };
            let export_name =
                exports
                    .iter()
                    .find(|e| e.output == key)
                    .and_then(|e| match &e.name {
                        ExportName::Literal(name) => Some(name.clone()),
                        ExportName::Sub(pattern) => Some(substitute(pattern)),
                        ExportName::Computed => None,
                    });
            Some(StackOutput {
                key,
                value,
                export_name,
            })
        })
        .collect()
}
