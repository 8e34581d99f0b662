"""Handlers for AwsCommunity::S3::DeleteBucketContents.

The resource marks an existing bucket with a tag while it exists; deleting the
resource empties the bucket (every object version and delete marker under
KeyPrefix) and removes the tag, so the stack can then delete the bucket itself.
"""
import logging
from typing import Any, MutableMapping, Optional

from botocore.exceptions import ClientError
from cloudformation_cli_python_lib import (
    Action,
    HandlerErrorCode,
    OperationStatus,
    ProgressEvent,
    Resource,
    SessionProxy,
)

from .models import ResourceHandlerRequest, ResourceModel

LOG = logging.getLogger(__name__)
TYPE_NAME = "AwsCommunity::S3::DeleteBucketContents"
MARKER_TAG = "awscommunity:deletebucketcontents:prefix"

resource = Resource(TYPE_NAME, ResourceModel)
test_entrypoint = resource.test_entrypoint


def _s3(session: Optional[SessionProxy]):
    if not isinstance(session, SessionProxy):
        raise RuntimeError("no AWS session was passed to the handler")
    return session.client("s3")


def _tags(s3, bucket: str) -> dict:
    try:
        tag_set = s3.get_bucket_tagging(Bucket=bucket)["TagSet"]
    except ClientError as err:
        if err.response["Error"]["Code"] == "NoSuchTagSet":
            return {}
        raise
    return {tag["Key"]: tag["Value"] for tag in tag_set}


def _put_tags(s3, bucket: str, tags: dict) -> None:
    if tags:
        tag_set = [{"Key": key, "Value": value} for key, value in tags.items()]
        s3.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": tag_set})
    else:
        s3.delete_bucket_tagging(Bucket=bucket)


def _failed(err: ClientError) -> ProgressEvent:
    code = err.response["Error"]["Code"]
    if code in ("NoSuchBucket", "404"):
        return ProgressEvent.failed(HandlerErrorCode.NotFound, str(err))
    if code in ("AccessDenied", "403"):
        return ProgressEvent.failed(HandlerErrorCode.AccessDenied, str(err))
    return ProgressEvent.failed(HandlerErrorCode.ServiceInternalError, str(err))


def _model(
    bucket: str, prefix: Optional[str], request: ResourceHandlerRequest
) -> ResourceModel:
    # The partition the request comes from (aws, aws-cn, aws-us-gov ...), never assumed.
    partition = request.awsPartition or "aws"
    return ResourceModel(
        BucketName=bucket,
        KeyPrefix=prefix or None,
        BucketArn=f"arn:{partition}:s3:::{bucket}",
    )


@resource.handler(Action.CREATE)
def create_handler(
    session: Optional[SessionProxy],
    request: ResourceHandlerRequest,
    callback_context: MutableMapping[str, Any],
) -> ProgressEvent:
    model = request.desiredResourceState
    s3 = _s3(session)
    try:
        tags = _tags(s3, model.BucketName)
        if MARKER_TAG in tags:
            return ProgressEvent.failed(
                HandlerErrorCode.AlreadyExists,
                f"{model.BucketName} already has a DeleteBucketContents resource",
            )
        tags[MARKER_TAG] = model.KeyPrefix or "/"
        _put_tags(s3, model.BucketName, tags)
    except ClientError as err:
        return _failed(err)
    return ProgressEvent(
        status=OperationStatus.SUCCESS,
        resourceModel=_model(model.BucketName, model.KeyPrefix, request),
    )


@resource.handler(Action.UPDATE)
def update_handler(
    session: Optional[SessionProxy],
    request: ResourceHandlerRequest,
    callback_context: MutableMapping[str, Any],
) -> ProgressEvent:
    model = request.desiredResourceState
    s3 = _s3(session)
    try:
        tags = _tags(s3, model.BucketName)
        if MARKER_TAG not in tags:
            return ProgressEvent.failed(HandlerErrorCode.NotFound, model.BucketName)
        tags[MARKER_TAG] = model.KeyPrefix or "/"
        _put_tags(s3, model.BucketName, tags)
    except ClientError as err:
        return _failed(err)
    return ProgressEvent(
        status=OperationStatus.SUCCESS,
        resourceModel=_model(model.BucketName, model.KeyPrefix, request),
    )


@resource.handler(Action.DELETE)
def delete_handler(
    session: Optional[SessionProxy],
    request: ResourceHandlerRequest,
    callback_context: MutableMapping[str, Any],
) -> ProgressEvent:
    model = request.desiredResourceState
    s3 = _s3(session)
    try:
        tags = _tags(s3, model.BucketName)
        if MARKER_TAG not in tags:
            return ProgressEvent.failed(HandlerErrorCode.NotFound, model.BucketName)
        prefix = tags.pop(MARKER_TAG).lstrip("/")
        paginator = s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=model.BucketName, Prefix=prefix):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in page.get("Versions", []) + page.get("DeleteMarkers", [])
            ]
            if doomed:
                s3.delete_objects(
                    Bucket=model.BucketName, Delete={"Objects": doomed, "Quiet": True}
                )
        _put_tags(s3, model.BucketName, tags)
    except ClientError as err:
        return _failed(err)
    return ProgressEvent(status=OperationStatus.SUCCESS)


@resource.handler(Action.READ)
def read_handler(
    session: Optional[SessionProxy],
    request: ResourceHandlerRequest,
    callback_context: MutableMapping[str, Any],
) -> ProgressEvent:
    model = request.desiredResourceState
    s3 = _s3(session)
    try:
        tags = _tags(s3, model.BucketName)
    except ClientError as err:
        return _failed(err)
    if MARKER_TAG not in tags:
        return ProgressEvent.failed(HandlerErrorCode.NotFound, model.BucketName)
    prefix = tags[MARKER_TAG].lstrip("/")
    return ProgressEvent(
        status=OperationStatus.SUCCESS,
        resourceModel=_model(model.BucketName, prefix, request),
    )


@resource.handler(Action.LIST)
def list_handler(
    session: Optional[SessionProxy],
    request: ResourceHandlerRequest,
    callback_context: MutableMapping[str, Any],
) -> ProgressEvent:
    s3 = _s3(session)
    models = []
    try:
        for bucket in s3.list_buckets()["Buckets"]:
            try:
                tags = _tags(s3, bucket["Name"])
            except ClientError:
                continue
            if MARKER_TAG in tags:
                prefix = tags[MARKER_TAG].lstrip("/")
                models.append(_model(bucket["Name"], prefix, request))
    except ClientError as err:
        return _failed(err)
    return ProgressEvent(status=OperationStatus.SUCCESS, resourceModels=models)
