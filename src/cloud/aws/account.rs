//! AWS Account Management: which regions the account has enabled (opt-in status).

use aws_sdk_account::types::RegionOptStatus;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::{CloudError, RegionOptIn};

impl AwsCloud {
    /// Every region and its opt-in status for this account (ListRegions, every page).
    pub async fn region_opt_in(&self) -> Result<Vec<(String, RegionOptIn)>, CloudError> {
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
