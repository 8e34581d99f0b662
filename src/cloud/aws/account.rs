//! AWS Account Management: which regions the account has enabled (opt-in status); EC2
//! DescribeRegions where ListRegions is unavailable or denied.

use aws_sdk_account::types::RegionOptStatus;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{CloudError, CloudErrorKind, RegionOptIn};

impl AwsCloud {
    /// Every region and its opt-in status for this account: ListRegions, or where it is denied
    /// or not served, EC2 DescribeRegions with AllRegions (which says the same of each region).
    pub async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
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
