//! S3: the artifact bucket packaged templates upload their files (and themselves) to.

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketLocationConstraint, CreateBucketConfiguration, PublicAccessBlockConfiguration,
    ServerSideEncryption, ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration,
    ServerSideEncryptionRule,
};

use async_trait::async_trait;

use super::AwsCloud;
use super::errors::classify;
use crate::cloud::guard::Authorization;
use crate::cloud::{CloudError, CloudErrorKind};
use crate::cloud::{ObjectRef, Storage};

#[async_trait]
impl Storage for AwsCloud {
    /// `regship-artifacts-<account>-<region>`, created when absent (encrypted with S3-managed
    /// keys, every kind of public access blocked).
    async fn artifact_bucket(&self, authorization: &Authorization) -> Result<String, CloudError> {
        authorization.permits(&self.context)?;
        let region = self.client_region();
        let bucket = format!("regship-artifacts-{}-{region}", authorization.account());
        let s3 = &self.clients.s3;
        match s3.head_bucket().bucket(&bucket).send().await {
            Ok(_) => return Ok(bucket),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => {}
            Err(err) => return Err(classify(err, &self.context, "HeadBucket")),
        }
        let mut create = s3.create_bucket().bucket(&bucket);
        if region != "us-east-1" {
            create = create.create_bucket_configuration(
                CreateBucketConfiguration::builder()
                    .location_constraint(BucketLocationConstraint::from(region.as_str()))
                    .build(),
            );
        }
        create
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "CreateBucket"))?;
        let encryption = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(
                        ServerSideEncryptionByDefault::builder()
                            .sse_algorithm(ServerSideEncryption::Aes256)
                            .build()
                            .map_err(invalid)?,
                    )
                    .build(),
            )
            .build()
            .map_err(invalid)?;
        s3.put_bucket_encryption()
            .bucket(&bucket)
            .server_side_encryption_configuration(encryption)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "PutBucketEncryption"))?;
        s3.put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .block_public_policy(true)
                    .ignore_public_acls(true)
                    .restrict_public_buckets(true)
                    .build(),
            )
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "PutPublicAccessBlock"))?;
        Ok(bucket)
    }

    /// HeadObject: whether the object is there.
    async fn has_object(&self, object: ObjectRef<'_>) -> Result<bool, CloudError> {
        match self
            .clients
            .s3
            .head_object()
            .bucket(object.bucket)
            .key(object.key)
            .send()
            .await
        {
            Ok(_) => Ok(true),
            Err(err) if err.as_service_error().is_some_and(|e| e.is_not_found()) => Ok(false),
            Err(err) => Err(classify(err, &self.context, "HeadObject")),
        }
    }

    /// PutObject, encrypted at rest like the bucket.
    async fn put_object(
        &self,
        authorization: &Authorization,
        object: ObjectRef<'_>,
        body: Vec<u8>,
    ) -> Result<(), CloudError> {
        authorization.permits(&self.context)?;
        self.clients
            .s3
            .put_object()
            .bucket(object.bucket)
            .key(object.key)
            .body(ByteStream::from(body))
            .server_side_encryption(ServerSideEncryption::Aes256)
            .send()
            .await
            .map_err(|err| classify(err, &self.context, "PutObject"))?;
        Ok(())
    }
}

fn invalid(err: aws_sdk_s3::error::BuildError) -> CloudError {
    CloudError::new(
        CloudErrorKind::Invalid,
        format!("an S3 request could not be built: {err}"),
        "this is a bug in regship: please report it",
    )
}
