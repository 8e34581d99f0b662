//! Regions: where a service is offered and in which partition (the SSM public parameters), and
//! which regions the account has enabled (AWS Account Management ListRegions; EC2
//! DescribeRegions where ListRegions is unavailable or denied).

use aws_sdk_account::types::RegionOptStatus;

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{CloudError, CloudErrorKind, RegionOptIn, Regions};

/// Where the public parameters of the regions and services are.
const GLOBAL_INFRASTRUCTURE: &str = "/aws/service/global-infrastructure";
/// GetParameters takes at most this many names.
const NAMES_PER_CALL: usize = 10;

#[async_trait]
impl Regions for AwsCloud {
    /// The regions where `service` is offered, from the public parameters (every partition's).
    async fn service_regions(&self, service: &str) -> Result<Vec<String>, CloudError> {
        let path = format!("{GLOBAL_INFRASTRUCTURE}/services/{service}/regions");
        let mut regions = Vec::new();
        let mut pages = self
            .clients
            .ssm
            .get_parameters_by_path()
            .path(&path)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| classify(err, &self.context, "GetParametersByPath"))?;
            regions.extend(
                page.parameters
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| p.value),
            );
        }
        if regions.is_empty() {
            return Err(CloudError::new(
                CloudErrorKind::NotFound,
                format!("no public parameter lists the regions of {service} ({path})"),
                "check the region of the prod stage: the public parameters are read there",
            ));
        }
        regions.sort();
        Ok(regions)
    }

    /// The partition of each of `regions` (`aws`, `aws-cn`, `aws-us-gov` ...), from the public
    /// parameters; a region without one is left out.
    async fn region_partitions(
        &self,
        regions: &[String],
    ) -> Result<Vec<(String, String)>, CloudError> {
        let mut partitions = Vec::new();
        for batch in regions.chunks(NAMES_PER_CALL) {
            let names: Vec<String> = batch
                .iter()
                .map(|region| format!("{GLOBAL_INFRASTRUCTURE}/regions/{region}/partition"))
                .collect();
            let answer = self
                .clients
                .ssm
                .get_parameters()
                .set_names(Some(names))
                .send()
                .await
                .map_err(|err| classify(err, &self.context, "GetParameters"))?;
            for parameter in answer.parameters.unwrap_or_default() {
                let (Some(name), Some(value)) = (parameter.name, parameter.value) else {
                    continue;
                };
                let region = name
                    .trim_start_matches(&format!("{GLOBAL_INFRASTRUCTURE}/regions/"))
                    .trim_end_matches("/partition")
                    .to_string();
                partitions.push((region, value));
            }
        }
        partitions.sort();
        Ok(partitions)
    }

    /// Every region and its opt-in status for this account: ListRegions, or where it is denied
    /// or not served, EC2 DescribeRegions with AllRegions (which says the same of each region).
    async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        match self.list_regions().await {
            Ok(regions) => Ok(regions),
            Err(error)
                if error.is_transient() || error.kind == CloudErrorKind::ExpiredCredentials =>
            {
                Err(error)
            }
            Err(error) => match self.clients.ec2_regions.describe_regions().await {
                Ok(regions) => {
                    tracing::info!("ListRegions failed ({error}); EC2 DescribeRegions answered");
                    Ok(regions)
                }
                Err(fallback) => Err(CloudError {
                    hint: format!(
                        "{} (EC2 DescribeRegions, tried next, failed too: {fallback})",
                        error.hint
                    ),
                    ..error
                }),
            },
        }
    }
}

impl AwsCloud {
    /// ListRegions, every page.
    async fn list_regions(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
        let mut regions = Vec::new();
        let mut pages = self.clients.account.list_regions().into_paginator().send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|err| classify(err, &self.context, "ListRegions"))?;
            for region in page.regions.unwrap_or_default() {
                let Some(name) = region.region_name else {
                    continue;
                };
                let status = match region.region_opt_status {
                    Some(RegionOptStatus::Enabled) => RegionOptIn::Enabled,
                    Some(RegionOptStatus::EnabledByDefault) => RegionOptIn::EnabledByDefault,
                    Some(RegionOptStatus::Enabling) => RegionOptIn::Enabling,
                    Some(RegionOptStatus::Disabling) => RegionOptIn::Disabling,
                    _ => RegionOptIn::Disabled,
                };
                regions.push((name, status));
            }
        }
        regions.sort();
        Ok(regions)
    }
}
