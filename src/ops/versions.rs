//! Published versions: for every extension and publishing region, the public version (the
//! account's public type, as DescribeType of its publisher id shows it) and the private default;
//! each region current, lagging behind the newest public version, or missing the type.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Serialize;

use super::regions;
use crate::cloud::context::StageContext;
use crate::cloud::{Cloud, CloudError, Connections};
use crate::config::{Maturity, ProdAccount};
use crate::workspace::{ArtifactType, Extension};

/// Where a region stands for one extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// On the newest public version.
    Current,
    /// On an older public version.
    Lagging,
    /// Not published there.
    Missing,
    /// The region could not be read (the detail says why).
    Unknown,
}

/// One region of one extension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionVersion {
    pub region: String,
    pub public: Option<String>,
    pub private_default: Option<String>,
    pub standing: Standing,
    pub detail: Option<String>,
}

/// One extension across the publishing regions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtensionVersions {
    pub extension: String,
    pub type_name: String,
    pub maturity: Maturity,
    /// The newest public version in any region.
    pub newest: Option<String>,
    pub regions: Vec<RegionVersion>,
}

impl ExtensionVersions {
    /// (regions on the newest version, publishing regions).
    pub fn coverage(&self) -> (usize, usize) {
        let current = self
            .regions
            .iter()
            .filter(|r| r.standing == Standing::Current)
            .count();
        (current, self.regions.len())
    }

    /// `23/26 on 1.0.2`, or `unpublished`.
    pub fn summary(&self) -> String {
        let (current, total) = self.coverage();
        match &self.newest {
            Some(newest) => format!("{current}/{total} on {newest}"),
            None => "unpublished".to_string(),
        }
    }
}

/// `1.2.3` as numbers, for ordering public versions (`None` for anything else).
pub fn semver(version: &str) -> Option<(u64, u64, u64)> {
    let mut parts = version.trim().split('.').map(|p| p.parse::<u64>().ok());
    let version = (parts.next()??, parts.next()??, parts.next()??);
    parts.next().is_none().then_some(version)
}

/// What one region holds of each extension: (public, private default) or why it is unknown.
type Found = Vec<Result<(Option<String>, Option<String>), String>>;

/// One region's versions of every extension, whatever their number: DescribePublisher, then
/// one public and one private listing per kind of extension (ListTypes).
async fn read_region(cloud: Result<Arc<dyn Cloud>, CloudError>, extensions: &[Extension]) -> Found {
    let unknown = |error: CloudError| extensions.iter().map(|_| Err(error.with_hint())).collect();
    let cloud = match cloud {
        Ok(cloud) => cloud,
        Err(error) => return unknown(error),
    };
    let publisher = match cloud.describe_publisher().await {
        Ok(publisher) => publisher.id,
        Err(error) => return unknown(error),
    };
    let kinds = kinds_of(extensions);
    let mut public = BTreeMap::new();
    let mut private = BTreeMap::new();
    for kind in kinds {
        if let Some(id) = &publisher {
            match cloud.list_types(kind, Some(id)).await {
                Ok(listed) => public.extend(listed.into_iter().map(|t| (t.type_name, t.version))),
                Err(error) => return unknown(error),
            }
        }
        // The private default is a detail: a failed listing leaves it blank.
        if let Ok(listed) = cloud.list_types(kind, None).await {
            private.extend(listed.into_iter().map(|t| (t.type_name, t.version)));
        }
    }
    extensions
        .iter()
        .map(|extension| {
            let type_name = extension.type_name().unwrap_or_default();
            Ok((
                public.get(type_name).cloned().flatten(),
                private.get(type_name).cloned().flatten(),
            ))
        })
        .collect()
}

/// The publishing regions of `prod` (as `regship regions` decides).
async fn publishing_regions(
    cloud: &dyn Cloud,
    prod: &ProdAccount,
) -> Result<Vec<String>, CloudError> {
    Ok(regions::included(prod, &regions::facts(cloud).await?))
}

/// Every extension of `extensions` in every publishing region of `prod`.
pub async fn versions(
    connections: &Connections,
    home: &StageContext,
    prod: &ProdAccount,
    extensions: &[Extension],
) -> Result<Vec<ExtensionVersions>, CloudError> {
    let cloud = connections.get(home).await?;
    let names = publishing_regions(cloud.as_ref(), prod).await?;
    let shared: Arc<Vec<Extension>> = Arc::new(extensions.to_vec());
    let per_region = regions::in_each_region(connections, home, names.clone(), {
        let shared = shared.clone();
        move |_, cloud| {
            let extensions = shared.clone();
            async move { read_region(cloud, &extensions).await }
        }
    })
    .await?;
    let subjects: Vec<Subject> = extensions.iter().map(Subject::from).collect();
    Ok(assemble(&subjects, &names, |region, extension| {
        per_region[region][extension].clone()
    }))
}

/// Where the prod account publishes, and as whom: the publishing regions and the publisher id
/// (DescribePublisher in the home region; the id is the account's in every region), in three
/// calls. What the board reads before it reads the regions a few at a time.
pub async fn publishing(
    connections: &Connections,
    home: &StageContext,
    prod: &ProdAccount,
) -> Result<(Vec<String>, Option<String>), CloudError> {
    let cloud = connections.get(home).await?;
    let facts = regions::publishing_facts(cloud.as_ref()).await?;
    let names = regions::included(prod, &facts);
    let publisher = cloud.describe_publisher().await?.id;
    Ok((names, publisher))
}

/// One region's public versions of the publisher's extensions: type name -> latest public
/// version, or why the region could not be read.
pub type RegionListing = Result<BTreeMap<String, Option<String>>, String>;

/// The public versions in each of `regions`: one public ListTypes per region and kind.
pub async fn public_in(
    connections: &Connections,
    home: &StageContext,
    regions: Vec<String>,
    publisher: &str,
    kinds: &[ArtifactType],
) -> Vec<(String, RegionListing)> {
    let (publisher, kinds) = (publisher.to_string(), kinds.to_vec());
    let names = regions.clone();
    let listings = regions::in_each_region(connections, home, regions, move |_, cloud| {
        let (publisher, kinds) = (publisher.clone(), kinds.clone());
        async move {
            let cloud = cloud.map_err(|e| e.with_hint())?;
            let mut found = BTreeMap::new();
            for kind in kinds {
                let listed = cloud
                    .list_types(kind, Some(&publisher))
                    .await
                    .map_err(|e| e.with_hint())?;
                found.extend(listed.into_iter().map(|t| (t.type_name, t.version)));
            }
            Ok(found)
        }
    })
    .await;
    match listings {
        Ok(listings) => names.into_iter().zip(listings).collect(),
        Err(error) => names
            .into_iter()
            .map(|name| (name, Err(error.with_hint())))
            .collect(),
    }
}

/// The kinds of `extensions`, each once (a listing is per kind).
pub fn kinds_of(extensions: &[Extension]) -> Vec<ArtifactType> {
    let mut kinds: Vec<ArtifactType> = extensions.iter().map(|e| e.artifact_type()).collect();
    kinds.sort_by_key(|kind| kind.to_string());
    kinds.dedup();
    kinds
}

/// An extension as the versions name it.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub folder: &'a str,
    pub type_name: &'a str,
    pub maturity: Maturity,
}

impl<'a> From<&'a Extension> for Subject<'a> {
    fn from(extension: &'a Extension) -> Subject<'a> {
        Subject {
            folder: &extension.folder,
            type_name: extension.type_name().unwrap_or_default(),
            maturity: extension.maturity,
        }
    }
}

/// Each extension's standing in each of `names`: `found(region, extension)` is what the
/// region holds of it (public version, private default), or why it is unknown.
pub fn assemble(
    extensions: &[Subject],
    names: &[String],
    found: impl Fn(usize, usize) -> Result<(Option<String>, Option<String>), String>,
) -> Vec<ExtensionVersions> {
    extensions
        .iter()
        .enumerate()
        .map(|(index, extension)| {
            let found: Vec<(&String, Result<_, String>)> = names
                .iter()
                .enumerate()
                .map(|(region, name)| (name, found(region, index)))
                .collect();
            let newest = found
                .iter()
                .filter_map(|(_, f)| f.as_ref().ok()?.0.clone())
                .max_by_key(|v| semver(v));
            let regions = found
                .into_iter()
                .map(|(region, f)| match f {
                    Ok((public, private_default)) => RegionVersion {
                        region: region.clone(),
                        standing: match &public {
                            None => Standing::Missing,
                            Some(v) if Some(v) == newest.as_ref() => Standing::Current,
                            Some(_) => Standing::Lagging,
                        },
                        public,
                        private_default,
                        detail: None,
                    },
                    Err(message) => RegionVersion {
                        region: region.clone(),
                        public: None,
                        private_default: None,
                        standing: Standing::Unknown,
                        detail: Some(message),
                    },
                })
                .collect();
            ExtensionVersions {
                extension: extension.folder.to_string(),
                type_name: extension.type_name.to_string(),
                maturity: extension.maturity,
                newest,
                regions,
            }
        })
        .collect()
}
