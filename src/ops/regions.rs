//! The prod account's publishing regions: where CloudFormation is offered (the public
//! parameters, which list every partition's regions), in the account's partition, enabled for
//! the account (opt-in status), as `accounts.prod.regions` and `exclude_regions` say; each
//! region with the reason it is in or out.

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;

use crate::cloud::context::StageContext;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, Connections, RegionOptIn, StageRegions};
use crate::config::{ProdAccount, Regions};

/// One region and why it is published to or not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionRow {
    pub region: String,
    pub included: bool,
    pub reason: String,
}

/// The partition of an ARN (`arn:aws-cn:sts::...` -> `aws-cn`).
pub fn partition_of_arn(arn: &str) -> Option<&str> {
    arn.strip_prefix("arn:")?.split(':').next()
}

/// How many regions are asked at once.
const REGIONS_AT_ONCE: usize = 8;

/// Runs `ask` in each of `regions`, on that region's connection of `home`'s stage, a few regions
/// at a time; the answers sorted by region.
pub async fn in_each_region<T, F, Fut>(
    connections: &Connections,
    home: &StageContext,
    regions: Vec<String>,
    ask: F,
) -> Result<Vec<T>, CloudError>
where
    F: Fn(String, Result<Arc<dyn Cloud>, CloudError>) -> Fut + Clone + Send + 'static,
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(REGIONS_AT_ONCE));
    let mut asked = tokio::task::JoinSet::new();
    let stage = StageRegions::new(connections.clone(), home.clone());
    for region in regions {
        let (stage, slots, ask) = (stage.clone(), slots.clone(), ask.clone());
        asked.spawn(async move {
            let _slot = slots.acquire_owned().await;
            let cloud = stage.region(&region).await;
            (region.clone(), ask(region, cloud).await)
        });
    }
    let mut answers = Vec::new();
    while let Some(answer) = asked.join_next().await {
        answers.push(answer.map_err(|err| {
            CloudError::new(
                CloudErrorKind::Invalid,
                format!("a region's calls stopped: {err}"),
                "this is a bug in regship: please report it",
            )
        })?);
    }
    answers.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(answers.into_iter().map(|(_, answer)| answer).collect())
}

/// What the calls found, for [`decide`].
#[derive(Debug, Clone, Default)]
pub struct RegionFacts {
    /// The account's partition (from its identity's ARN).
    pub partition: String,
    /// Where CloudFormation is offered (every partition's).
    pub offered: Vec<String>,
    /// Region -> partition.
    pub partitions: Vec<(String, String)>,
    /// Region -> opt-in status, for the account's partition.
    pub opt_in: Vec<(String, RegionOptIn)>,
}

/// Reads the facts: the caller's identity, the public parameters and the opt-in statuses.
pub async fn facts(cloud: &dyn Cloud) -> Result<RegionFacts, CloudError> {
    let identity = cloud.identity().await?;
    let offered = cloud.service_regions("cloudformation").await?;
    let partitions = cloud.region_partitions(&offered).await?;
    let opt_in = cloud.region_opt_in().await?;
    Ok(RegionFacts {
        partition: partition_of_arn(&identity.arn).unwrap_or("aws").to_string(),
        offered,
        partitions,
        opt_in,
    })
}

/// The facts the publishing regions need, in two calls where [`facts`] makes four or more: a
/// region is in the account's partition when the account's ListRegions lists it (it lists every
/// region of that partition, enabled or not), so neither the caller's ARN nor each region's
/// partition parameter is read. For the readiness board, which needs the regions and not the
/// reasons (`regship regions` gives those, from [`facts`]).
pub async fn publishing_facts(cloud: &dyn Cloud) -> Result<RegionFacts, CloudError> {
    const OURS: &str = "the account's";
    let offered = cloud.service_regions("cloudformation").await?;
    let opt_in = cloud.region_opt_in().await?;
    let partitions = offered
        .iter()
        .map(|region| {
            let ours = opt_in.iter().any(|(name, _)| name == region);
            (
                region.clone(),
                if ours { OURS } else { "another" }.to_string(),
            )
        })
        .collect();
    Ok(RegionFacts {
        partition: OURS.to_string(),
        offered,
        partitions,
        opt_in,
    })
}

/// The regions `decide` includes.
pub fn included(prod: &ProdAccount, facts: &RegionFacts) -> Vec<String> {
    decide(prod, facts)
        .into_iter()
        .filter(|row| row.included)
        .map(|row| row.region)
        .collect()
}

/// Every region offered, and every region the configuration names, in or out with a reason;
/// sorted by name.
pub fn decide(prod: &ProdAccount, facts: &RegionFacts) -> Vec<RegionRow> {
    let lookup = |region: &str| {
        facts
            .partitions
            .iter()
            .find(|(name, _)| name == region)
            .map(|(_, partition)| partition.as_str())
    };
    let opt_in = |region: &str| {
        facts
            .opt_in
            .iter()
            .find(|(name, _)| name == region)
            .map(|(_, status)| *status)
    };
    let listed = match &prod.regions {
        Regions::All => None,
        Regions::List(list) => Some(list),
    };
    let mut rows: Vec<RegionRow> = facts
        .offered
        .iter()
        .map(|region| {
            let out = |reason: String| RegionRow {
                region: region.clone(),
                included: false,
                reason,
            };
            let partition = lookup(region).unwrap_or("unknown");
            if partition != facts.partition {
                return out(format!(
                    "in the {partition} partition; the account is in {}",
                    facts.partition
                ));
            }
            match opt_in(region) {
                Some(status) if status.usable() => {}
                Some(RegionOptIn::Enabling) => {
                    return out("being enabled for the account: not usable yet".into());
                }
                Some(_) | None => {
                    return out(
                        "an opt-in region the account has not enabled (Account settings, or `aws account enable-region`)"
                            .into(),
                    );
                }
            }
            if prod.exclude_regions.iter().any(|r| r == region) {
                return out("in accounts.prod.exclude_regions".into());
            }
            if let Some(list) = listed
                && !list.iter().any(|r| r == region)
            {
                return out("not in accounts.prod.regions".into());
            }
            let how = if opt_in(region) == Some(RegionOptIn::Enabled) {
                "opted in"
            } else {
                "enabled by default"
            };
            RegionRow {
                region: region.clone(),
                included: true,
                reason: format!("CloudFormation is offered; {how}"),
            }
        })
        .collect();
    for named in listed.into_iter().flatten() {
        if !facts.offered.contains(named) {
            rows.push(RegionRow {
                region: named.clone(),
                included: false,
                reason: "named in accounts.prod.regions, but CloudFormation is not offered there (check the name)".into(),
            });
        }
    }
    rows.sort_by(|a, b| a.region.cmp(&b.region));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> RegionFacts {
        let offered = [
            "cn-north-1",
            "eu-west-1",
            "me-south-1",
            "ap-east-2",
            "us-east-1",
        ];
        RegionFacts {
            partition: "aws".into(),
            offered: offered.iter().map(|r| r.to_string()).collect(),
            partitions: offered
                .iter()
                .map(|r| {
                    let partition = if r.starts_with("cn-") {
                        "aws-cn"
                    } else {
                        "aws"
                    };
                    (r.to_string(), partition.to_string())
                })
                .collect(),
            opt_in: vec![
                ("eu-west-1".into(), RegionOptIn::EnabledByDefault),
                ("me-south-1".into(), RegionOptIn::Enabled),
                ("ap-east-2".into(), RegionOptIn::Disabled),
                ("us-east-1".into(), RegionOptIn::EnabledByDefault),
            ],
        }
    }

    fn verdicts(rows: &[RegionRow]) -> Vec<(&str, bool)> {
        rows.iter()
            .map(|r| (r.region.as_str(), r.included))
            .collect()
    }

    #[test]
    fn all_means_offered_in_the_partition_and_enabled_minus_the_exclusions() {
        let prod = ProdAccount {
            exclude_regions: vec!["eu-west-1".into()],
            ..ProdAccount::default()
        };
        let rows = decide(&prod, &facts());
        assert_eq!(
            verdicts(&rows),
            [
                ("ap-east-2", false),
                ("cn-north-1", false),
                ("eu-west-1", false),
                ("me-south-1", true),
                ("us-east-1", true),
            ]
        );
        assert!(rows[0].reason.contains("opt-in region"));
        assert!(rows[1].reason.contains("aws-cn partition"));
        assert!(rows[2].reason.contains("exclude_regions"));
        assert_eq!(rows[3].reason, "CloudFormation is offered; opted in");
    }

    #[test]
    fn a_list_keeps_its_regions_and_names_the_ones_that_do_not_exist() {
        let prod = ProdAccount {
            regions: Regions::List(vec!["us-east-1".into(), "us-esat-2".into()]),
            ..ProdAccount::default()
        };
        let rows = decide(&prod, &facts());
        let included: Vec<&str> = rows
            .iter()
            .filter(|r| r.included)
            .map(|r| r.region.as_str())
            .collect();
        assert_eq!(included, ["us-east-1"]);
        let typo = rows.iter().find(|r| r.region == "us-esat-2").unwrap();
        assert!(typo.reason.contains("not offered there"), "{typo:?}");
        assert!(
            rows.iter()
                .find(|r| r.region == "me-south-1")
                .unwrap()
                .reason
                .contains("not in accounts.prod.regions")
        );
    }

    #[test]
    fn the_partition_comes_from_the_arn() {
        assert_eq!(
            partition_of_arn("arn:aws-us-gov:sts::1:assumed-role/x"),
            Some("aws-us-gov")
        );
        assert_eq!(partition_of_arn("not an arn"), None);
    }
}
