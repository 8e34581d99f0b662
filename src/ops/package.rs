//! A template made deployable: rain directives resolved and their files uploaded to the
//! account's artifact bucket (only what is not there yet), and a template over CloudFormation's
//! inline limit uploaded and deployed by URL.

use std::path::Path;

use serde::Serialize;

use crate::cloud::ObjectRef;
use crate::cloud::guard::Authorization;
use crate::cloud::{Cloud, CloudError, CloudErrorKind, MAX_INLINE_TEMPLATE_BYTES, TemplateSource};
use crate::workspace::rain::{self, content_key, https_url};
use crate::workspace::template::Template;

/// One file the deploy put in (or found in) the artifact bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Upload {
    /// The path as the template wrote it (`the template itself` for a template sent by URL).
    pub source: String,
    /// `s3://bucket/key`.
    pub uri: String,
    pub bytes: usize,
    /// False when the bucket already held the same content.
    pub uploaded: bool,
}

impl Upload {
    /// `uploaded src (1240 bytes) -> s3://...`, or `unchanged ...`.
    pub fn describe(&self) -> String {
        format!("{} -> {}", self.summary(), self.uri)
    }

    /// `uploaded src (1240 bytes)`, or `unchanged ...`, without where to.
    pub fn summary(&self) -> String {
        let what = if self.uploaded {
            "uploaded"
        } else {
            "unchanged"
        };
        format!("{what} {} ({} bytes)", self.source, self.bytes)
    }

    /// The bucket the file is in.
    pub fn bucket(&self) -> &str {
        let path = self.uri.trim_start_matches("s3://");
        path.split_once('/').map_or(path, |(bucket, _)| bucket)
    }
}

/// What CloudFormation is given, and what was uploaded for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployable {
    pub source: TemplateSource,
    pub uploads: Vec<Upload>,
}

fn invalid(message: String) -> CloudError {
    CloudError::new(
        CloudErrorKind::Invalid,
        message,
        "fix the template, or package it with `rain pkg` and deploy the output",
    )
}

/// Makes the template `display` (at `path`, text `text`) deployable in `cloud`'s account.
pub async fn deployable(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    path: &Path,
    display: &str,
    text: &str,
) -> Result<Deployable, CloudError> {
    let template = Template::parse(text)
        .map_err(|problem| invalid(format!("{display}: {}", problem.message)))?;
    let directives = !template.rain_directives().is_empty();
    if !directives && text.len() <= MAX_INLINE_TEMPLATE_BYTES {
        return Ok(Deployable {
            source: TemplateSource::Body(text.to_string()),
            uploads: Vec::new(),
        });
    }
    let region = cloud.region();
    let mut bucket = None;
    if rain::uploads_files(&template) {
        bucket = Some(cloud.artifact_bucket(authorization).await?);
    }
    let packaged = if directives {
        rain::package(path, text, bucket.as_deref().unwrap_or_default(), &region).map_err(
            |err| {
                invalid(match err.line {
                    Some(line) => format!("{display}:{line}: {}", err.message),
                    None => format!("{display}: {}", err.message),
                })
            },
        )?
    } else {
        rain::Packaged {
            text: text.to_string(),
            artifacts: Vec::new(),
        }
    };
    let mut uploads = Vec::new();
    for artifact in packaged.artifacts {
        let bucket = bucket.as_deref().unwrap_or_default();
        uploads.push(
            upload(
                cloud,
                authorization,
                bucket,
                artifact.source,
                &artifact.key,
                artifact.bytes,
            )
            .await?,
        );
    }
    if packaged.text.len() <= MAX_INLINE_TEMPLATE_BYTES {
        return Ok(Deployable {
            source: TemplateSource::Body(packaged.text),
            uploads,
        });
    }
    let bucket = match bucket {
        Some(bucket) => bucket,
        None => cloud.artifact_bucket(authorization).await?,
    };
    let key = content_key(packaged.text.as_bytes(), ".yaml");
    uploads.push(
        upload(
            cloud,
            authorization,
            &bucket,
            format!("{display} (over {MAX_INLINE_TEMPLATE_BYTES} bytes: deployed by URL)"),
            &key,
            packaged.text.into_bytes(),
        )
        .await?,
    );
    Ok(Deployable {
        source: TemplateSource::Url(https_url(&bucket, &region, &key)),
        uploads,
    })
}

async fn upload(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    bucket: &str,
    source: String,
    key: &str,
    bytes: Vec<u8>,
) -> Result<Upload, CloudError> {
    let size = bytes.len();
    let object = ObjectRef { bucket, key };
    let present = cloud.has_object(object).await?;
    if !present {
        cloud.put_object(authorization, object, bytes).await?;
    }
    Ok(Upload {
        source,
        uri: format!("s3://{bucket}/{key}"),
        bytes: size,
        uploaded: !present,
    })
}

/// A template staged in `cloud`'s region for a stack that an automation creates there by URL:
/// its rain directives resolved for the region's artifact bucket, their files and the packaged
/// template uploaded there. The key is the same in every region (named from the template's
/// text and its files' content keys), so one document parameter serves every region, while
/// each region's copy points at that region's files.
pub async fn stage_template(
    cloud: &dyn Cloud,
    authorization: &Authorization,
    (path, display, text): (&Path, &str, &str),
    prefix: &str,
) -> Result<(String, Vec<Upload>), CloudError> {
    let template = Template::parse(text)
        .map_err(|problem| invalid(format!("{display}: {}", problem.message)))?;
    let bucket = cloud.artifact_bucket(authorization).await?;
    let packaged = if template.rain_directives().is_empty() {
        rain::Packaged {
            text: text.to_string(),
            artifacts: Vec::new(),
        }
    } else {
        rain::package(path, text, &bucket, &cloud.region()).map_err(|err| {
            invalid(match err.line {
                Some(line) => format!("{display}:{line}: {}", err.message),
                None => format!("{display}: {}", err.message),
            })
        })?
    };
    let mut identity = text.to_string();
    for artifact in &packaged.artifacts {
        identity.push('\n');
        identity.push_str(&artifact.key);
    }
    let key = format!("{prefix}/{}", content_key(identity.as_bytes(), ".yaml"));
    let mut uploads = Vec::new();
    for artifact in packaged.artifacts {
        uploads.push(
            upload(
                cloud,
                authorization,
                &bucket,
                artifact.source,
                &artifact.key,
                artifact.bytes,
            )
            .await?,
        );
    }
    uploads.push(
        upload(
            cloud,
            authorization,
            &bucket,
            display.to_string(),
            &key,
            packaged.text.into_bytes(),
        )
        .await?,
    );
    Ok((key, uploads))
}
