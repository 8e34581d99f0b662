#!/usr/bin/env bash
# The CI/CD verdict on the release a beta build tests: the metadata the CI/CD pipeline's Handoff
# stage (resources/handoff-buildspec.yml) gave the source object, written only after every
# CI/CD build passed. Prints EXECUTION@COMMIT for `regship status --gate beta --cicd-passed`;
# fails, saying why, when the object carries no passing verdict.
set -euo pipefail

if [ -z "${SOURCE_BUCKET:-}" ] || [ -z "${SOURCE_VERSION_ID:-}" ]; then
  echo "SOURCE_BUCKET and SOURCE_VERSION_ID must both be set (the beta kit sets them on each build)" >&2
  exit 1
fi
read -r result execution commit < <(aws s3api head-object --bucket "$SOURCE_BUCKET" \
  --key source.zip --version-id "$SOURCE_VERSION_ID" --output text \
  --query '[Metadata."regship-cicd-result", Metadata."regship-cicd-execution", Metadata."regship-commit"]')
if [ "$result" != "Succeeded" ] || [ "$execution" = "None" ] || [ "$commit" = "None" ]; then
  echo "s3://$SOURCE_BUCKET/source.zip (version $SOURCE_VERSION_ID) carries no passing CI/CD verdict (result $result, execution $execution, commit $commit): beta tests only what the CI/CD pipeline handed over" >&2
  exit 1
fi
echo "$execution@$commit"
