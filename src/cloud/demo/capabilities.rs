//! The demo's answer to each capability of the port: the stage's account and region, its
//! stacks, registry, rollouts, regions, storage, pipeline and builds, from the demo's world.

use async_trait::async_trait;

use super::*;

impl Cloud for DemoCloud {
    fn context(&self) -> &StageContext {
        &self.context
    }

    fn sources(&self) -> (String, Option<String>) {
        ("the demo".into(), Some("the demo's accounts".into()))
    }
}

#[async_trait]
impl Identities for DemoCloud {
    async fn identity(&self) -> Result<Identity, CloudError> {
        let account = self.account();
        let role = self
            .context
            .profile
            .clone()
            .unwrap_or_else(|| "demo".into());
        Ok(Identity {
            arn: format!("arn:aws:sts::{account}:assumed-role/{role}/regship-demo"),
            account,
        })
    }

    async fn role_exists(&self, name: &str) -> Result<bool, CloudError> {
        Ok(name.starts_with("AWS-SystemsManager-Automation"))
    }
}

#[async_trait]
impl Stacks for DemoCloud {
    async fn describe_stack(&self, stack: &str) -> Result<Option<Stack>, CloudError> {
        Ok(self
            .world
            .lock()
            .stacks
            .describe(&self.place(), stack, self.world.now()))
    }

    async fn list_stacks(&self, prefix: &str) -> Result<Vec<StackSummary>, CloudError> {
        Ok(self
            .world
            .lock()
            .stacks
            .list(&self.place(), prefix, self.world.now()))
    }

    async fn stack_events_page(
        &self,
        stack: &str,
        next_token: Option<String>,
    ) -> Result<EventPage, CloudError> {
        self.world
            .lock()
            .stacks
            .events_page(&self.place(), stack, next_token, self.world.now())
    }

    async fn stack_template(&self, stack: &str) -> Result<String, CloudError> {
        self.world
            .lock()
            .stacks
            .template(&self.place(), stack, self.world.now())
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::NotFound,
                    format!("Stack with id {stack} does not exist"),
                    "",
                )
            })
    }

    async fn list_exports(&self) -> Result<Vec<Export>, CloudError> {
        Ok(self
            .world
            .lock()
            .stacks
            .exports(&self.place(), self.world.now()))
    }

    async fn create_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
        tags: &[(String, String)],
    ) -> Result<String, CloudError> {
        self.apply(authorization, stack, true, tags)
            .await?
            .ok_or_else(|| {
                CloudError::new(
                    CloudErrorKind::Invalid,
                    format!("{}: the template creates nothing", stack.stack),
                    "",
                )
            })
    }

    async fn update_stack(
        &self,
        authorization: &Authorization,
        stack: &StackTemplate<'_>,
    ) -> Result<bool, CloudError> {
        Ok(self
            .apply(authorization, stack, false, &[])
            .await?
            .is_some())
    }

    async fn delete_stack(
        &self,
        authorization: &Authorization,
        stack: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        let (now, world) = (self.world.now(), &self.world);
        world
            .lock()
            .stacks
            .delete(&self.place(), stack, now, &|at| world.at_ms(at))
    }

    async fn create_change_set(
        &self,
        authorization: &Authorization,
        request: &ChangeSetRequest<'_>,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let (now, world) = (self.world.now(), &self.world);
        let mut state = world.lock();
        let body = self.template_text(&state, request.template)?;
        state.stacks.create_change_set(
            &self.place(),
            (request.stack, &body, &[]),
            request.create,
            now,
            &|at| world.at_ms(at),
        )
    }

    async fn describe_change_set(&self, id: &str) -> Result<ChangeSet, CloudError> {
        self.world
            .lock()
            .stacks
            .describe_change_set(id, self.world.now())
    }

    async fn execute_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        let (now, world) = (self.world.now(), &self.world);
        let mut guard = world.lock();
        let (stack, create) = guard.stacks.target(id)?;
        let mishap = world.mishap(&guard, self.context.stage, &stack, create);
        self.count_create(&mut guard, create);
        let World { rng, stacks, .. } = &mut *guard;
        stacks.execute(id, mishap, now, rng, &|at| world.at_ms(at))
    }

    async fn delete_change_set(
        &self,
        authorization: &Authorization,
        id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.world.lock().stacks.delete_change_set(id)
    }
}

#[async_trait]
impl Registry for DemoCloud {
    async fn describe_private_type(&self, type_name: &str) -> Result<RegisteredType, CloudError> {
        let stage = self.context.stage;
        let versions = self
            .world
            .lock()
            .registry
            .get(&(stage, type_name.to_string()))
            .copied();
        match versions {
            Some(version) => Ok(RegisteredType {
                type_name: type_name.to_string(),
                private: true,
                default_version: Some(format!("{version:08}")),
                last_updated_ms: Some(self.world.at_ms(self.world.now())),
            }),
            _ => Err(CloudError::new(
                CloudErrorKind::NotFound,
                format!(
                    "The type {type_name} does not exist in the demo's {} registry",
                    self.context.stage
                ),
                "submit it first (u in the TUI, regship submit on the command line)",
            )),
        }
    }

    async fn describe_publisher(&self) -> Result<Publisher, CloudError> {
        Ok(Publisher {
            id: Some(DEMO_PUBLISHER.to_string()),
            verified: self.region() != UNVERIFIED_PUBLISHER,
        })
    }

    async fn public_version(
        &self,
        _kind: ArtifactType,
        type_name: &str,
        _publisher_id: &str,
    ) -> Result<Option<String>, CloudError> {
        let region = self.region();
        let now = self.world.now();
        let rolled = self
            .world
            .lock()
            .rollouts
            .iter()
            .rev()
            .find_map(|r| r.published(type_name, &region, now));
        if rolled.is_some() {
            return Ok(rolled);
        }
        let published = self.world.maturity.get(type_name) == Some(&Maturity::Prod)
            && !NEWLY_ENABLED.contains(&region.as_str())
            && region != UNVERIFIED_PUBLISHER;
        Ok(published.then(|| PUBLISHED_VERSION.to_string()))
    }

    async fn list_types(
        &self,
        kind: ArtifactType,
        public_of: Option<&str>,
    ) -> Result<Vec<TypeListing>, CloudError> {
        let of_kind = |name: &str| (kind == ArtifactType::Module) == name.ends_with("::MODULE");
        let names: Vec<String> = self
            .world
            .maturity
            .keys()
            .filter(|name| of_kind(name))
            .cloned()
            .collect();
        let mut found = Vec::new();
        for type_name in names {
            let version = match public_of {
                Some(publisher) => self.public_version(kind, &type_name, publisher).await?,
                None => self
                    .describe_private_type(&type_name)
                    .await
                    .ok()
                    .and_then(|registered| registered.default_version),
            };
            if version.is_some() {
                found.push(TypeListing { type_name, version });
            }
        }
        Ok(found)
    }

    async fn set_hook_configuration(
        &self,
        authorization: &Authorization,
        type_name: &str,
        configuration: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.world
            .lock()
            .hook_configurations
            .insert(type_name.to_string(), configuration.to_string());
        Ok(())
    }
}

#[async_trait]
impl Rollouts for DemoCloud {
    async fn default_document(&self, name: &str) -> Result<Option<(String, String)>, CloudError> {
        let world = self.world.lock();
        Ok(world
            .documents
            .get(&(self.account(), name.to_string()))
            .and_then(|versions| Some((versions.len().to_string(), versions.last()?.clone()))))
    }

    async fn put_automation_document(
        &self,
        authorization: &Authorization,
        name: &str,
        content: &str,
    ) -> Result<DocumentVersion, CloudError> {
        authorization.permits(&self.context)?;
        let mut world = self.world.lock();
        let versions = world
            .documents
            .entry((self.account(), name.to_string()))
            .or_default();
        let change = match versions.last() {
            None => DocumentChange::Created,
            Some(latest) if latest.trim_end() == content.trim_end() => DocumentChange::Unchanged,
            Some(_) => DocumentChange::Updated,
        };
        if change != DocumentChange::Unchanged {
            versions.push(content.to_string());
        }
        Ok(DocumentVersion {
            name: name.to_string(),
            version: versions.len().to_string(),
            change,
        })
    }

    async fn start_rollout(
        &self,
        authorization: &Authorization,
        request: &RolloutRequest,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let now = self.world.now();
        let mut world = self.world.lock();
        let scale = self.world.rollout_scale;
        let mut rng = std::mem::replace(&mut world.rng, fastrand::Rng::with_seed(0));
        let id = world.start_rollout(self.region(), request.clone(), (now, scale), &mut rng);
        world.rng = rng;
        Ok(id)
    }

    async fn rollout(&self, execution_id: &str) -> Result<RolloutState, CloudError> {
        let (world, now) = (&self.world, self.world.now());
        let guard = world.lock();
        let ms = |at| world.at_ms(at);
        let here = |id: &str, home: &str| id == execution_id && home == self.region();
        guard
            .rollouts
            .iter()
            .find(|r| here(&r.id, &r.home) && r.begun(now))
            .map(|r| r.state(now, &ms))
            .or_else(|| {
                guard
                    .canaries
                    .iter()
                    .find(|c| here(&c.id, &c.home))
                    .map(|c| c.state(now, &ms))
            })
            .ok_or_else(|| not_a_rollout(execution_id))
    }

    async fn rollout_steps(&self, child_execution_id: &str) -> Result<Vec<StepRun>, CloudError> {
        let (world, now) = (&self.world, self.world.now());
        let guard = world.lock();
        guard
            .rollouts
            .iter()
            .find_map(|r| {
                r.child_steps((child_execution_id, &self.region()), now, &|at| {
                    world.at_ms(at)
                })
            })
            .ok_or_else(|| not_a_rollout(child_execution_id))
    }

    async fn list_rollouts(&self, _document: &str) -> Result<Vec<RolloutSummary>, CloudError> {
        let (world, now) = (&self.world, self.world.now());
        let guard = world.lock();
        let ms = |at| world.at_ms(at);
        // A canary run's nested runs are its children: only the runs started by hand.
        let mut rollouts: Vec<RolloutSummary> = guard
            .rollouts
            .iter()
            .filter(|r| r.home == self.region() && r.parent.is_none())
            .map(|r| r.summary(now, &ms))
            .chain(
                guard
                    .canaries
                    .iter()
                    .filter(|c| c.home == self.region())
                    .map(|c| c.summary(now, &ms)),
            )
            .collect();
        rollouts.sort_by(|a, b| b.execution_id.cmp(&a.execution_id));
        Ok(rollouts)
    }

    async fn stop_rollout(
        &self,
        authorization: &Authorization,
        execution_id: &str,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        let now = self.world.now();
        let mut world = self.world.lock();
        let region = self.region();
        // A canary run stops with its nested runs (the others' never start).
        let mut stopping = vec![execution_id.to_string()];
        if let Some(canary) = world
            .canaries
            .iter_mut()
            .find(|c| c.id == execution_id && c.home == region)
        {
            canary.stop(now);
            stopping = std::iter::once(canary.canary_run.clone())
                .chain(canary.others_run.clone())
                .collect();
        }
        let mut found = false;
        for rollout in world
            .rollouts
            .iter_mut()
            .filter(|r| stopping.contains(&r.id) && r.home == region)
        {
            rollout.stop(now);
            found = true;
        }
        if found {
            Ok(())
        } else {
            Err(not_a_rollout(execution_id))
        }
    }
}

#[async_trait]
impl Regions for DemoCloud {
    async fn service_regions(&self, _service: &str) -> Result<Vec<String>, CloudError> {
        Ok(CLOUDFORMATION_REGIONS
            .iter()
            .map(|r| r.to_string())
            .collect())
    }

    async fn region_partitions(
        &self,
        regions: &[String],
    ) -> Result<Vec<(String, String)>, CloudError> {
        Ok(regions
            .iter()
            .map(|region| (region.clone(), partition_of(region).to_string()))
            .collect())
    }

    async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        // ListRegions answers for the account's own partition.
        Ok(CLOUDFORMATION_REGIONS
            .iter()
            .filter(|region| partition_of(region) == "aws")
            .map(|region| {
                let status = if ENABLED_BY_DEFAULT.contains(region) {
                    RegionOptIn::EnabledByDefault
                } else if OPTED_IN.contains(region) {
                    RegionOptIn::Enabled
                } else {
                    RegionOptIn::Disabled
                };
                (region.to_string(), status)
            })
            .collect())
    }
}

#[async_trait]
impl Storage for DemoCloud {
    async fn artifact_bucket(&self, authorization: &Authorization) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        Ok(format!(
            "regship-artifacts-{}-{}",
            self.account(),
            self.region()
        ))
    }

    async fn has_object(&self, object: ObjectRef<'_>) -> Result<bool, CloudError> {
        Ok(self
            .world
            .lock()
            .objects
            .contains_key(&(object.bucket.to_string(), object.key.to_string())))
    }

    async fn put_object(
        &self,
        authorization: &Authorization,
        object: ObjectRef<'_>,
        body: Vec<u8>,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.world
            .lock()
            .objects
            .insert((object.bucket.to_string(), object.key.to_string()), body);
        Ok(())
    }
}

#[async_trait]
impl Pipelines for DemoCloud {
    async fn pipeline_state(&self, pipeline: &str) -> Result<PipelineState, CloudError> {
        self.in_pipeline(pipeline, |demo, _, now, ms| demo.state(pipeline, now, ms))
    }

    async fn pipeline_build_projects(
        &self,
        pipeline: &str,
    ) -> Result<Vec<(String, String)>, CloudError> {
        self.in_pipeline(pipeline, |demo, _, _, _| demo.build_projects(pipeline))
    }

    async fn pipeline_executions(
        &self,
        pipeline: &str,
        max: i32,
    ) -> Result<Vec<PipelineExecution>, CloudError> {
        self.in_pipeline(pipeline, |demo, _, now, ms| {
            demo.executions(pipeline, max, now, ms)
        })
    }

    async fn pipeline_execution(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<PipelineExecution, CloudError> {
        let (pipeline, execution_id) = (execution.pipeline, execution.execution_id);
        self.in_pipeline(pipeline, |demo, _, now, ms| {
            demo.execution_record(pipeline, execution_id, now, ms)
        })
    }

    async fn action_executions(
        &self,
        execution: ExecutionRef<'_>,
    ) -> Result<Vec<ActionExecutionRecord>, CloudError> {
        let (pipeline, execution_id) = (execution.pipeline, execution.execution_id);
        self.in_pipeline(pipeline, |demo, _, now, ms| {
            demo.action_executions(pipeline, execution_id, now, ms)
        })
    }

    async fn start_pipeline(
        &self,
        authorization: &Authorization,
        pipeline: &str,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        self.in_pipeline(pipeline, |demo, rng, now, _| demo.start(pipeline, now, rng))
    }

    async fn retry_failed_actions(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        stage: &str,
    ) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let (pipeline, execution_id) = (execution.pipeline, execution.execution_id);
        self.in_pipeline(pipeline, |demo, rng, now, _| {
            demo.retry(pipeline, stage, execution_id, now, rng)
        })
    }

    async fn stop_pipeline(
        &self,
        authorization: &Authorization,
        execution: ExecutionRef<'_>,
        _stop: &PipelineStop,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.in_pipeline(execution.pipeline, |demo, _, now, _| {
            demo.stop(execution.pipeline, execution.execution_id, now)
        })
    }
}

#[async_trait]
impl Builds for DemoCloud {
    async fn build(&self, build_id: &str) -> Result<Build, CloudError> {
        let world = &self.world;
        world
            .lock()
            .pipeline
            .build(build_id, world.now(), &|at| world.at_ms(at))
    }

    async fn latest_build_id(&self, project: &str) -> Result<Option<String>, CloudError> {
        Ok(self
            .world
            .lock()
            .pipeline
            .latest_build_id(project, self.world.now()))
    }

    async fn log_lines(
        &self,
        location: &LogLocation,
        token: Option<&str>,
        tail: i32,
    ) -> Result<LogPage, CloudError> {
        let world = &self.world;
        world
            .lock()
            .pipeline
            .log_lines(location, token, tail, world.now(), &|at| world.at_ms(at))
    }
}
