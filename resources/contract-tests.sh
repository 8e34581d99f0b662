# The steps of resources/buildspec.yml, sourced into the build's shell (bash). Each function
# returns non-zero on failure (never `exit`, so that the buildspec's `finally` still runs), and
# says why in the log.
#
# The extension is the folder named by RESOURCE_PATH, HOOK_PATH or MODULE_PATH (relative to the
# repository root); its language and kind come from its .rpdk-config.

extension_dir() {
  local path="${RESOURCE_PATH:-${HOOK_PATH:-$MODULE_PATH}}"
  if [ -z "$path" ]; then
    echo "none of RESOURCE_PATH, HOOK_PATH, MODULE_PATH is set on this build action" >&2
    return 1
  fi
  echo "${CODEBUILD_SRC_DIR:-$PWD}/$path"
}

# A key of .rpdk-config (language, artifact_type).
rpdk_config() {
  python3 -c 'import json, sys; print(json.load(open(".rpdk-config")).get(sys.argv[1], ""))' "$1"
}

# The setup stack regship derives: setup-<folder with _ replaced by ->. The CodeBuild projects
# run one build at a time, so two builds never share it.
setup_stack_name() {
  echo "setup-$(basename "$(extension_dir)" | tr '_' '-')"
}

setup_template() {
  local template
  for template in test/setup.yml test/setup.yaml test/setup.json; do
    if [ -f "$template" ]; then
      echo "$template"
      return 0
    fi
  done
}

# What failed in a stack, one line per resource: for the log, when a deploy or delete fails.
stack_failures() {
  aws cloudformation describe-stack-events --stack-name "$1" \
    --query "StackEvents[?contains(ResourceStatus, 'FAILED')].[LogicalResourceId, ResourceStatus, ResourceStatusReason]" \
    --output text 2>/dev/null | sed 's/^/  /'
}

# Deploys test/setup.* (if any); a failure fails the build at once, with the stack's reasons.
deploy_setup() {
  local template stack
  template="$(setup_template)"
  if [ -z "$template" ]; then
    echo "no test/setup template: nothing to deploy"
    return 0
  fi
  stack="$(setup_stack_name)"
  echo "deploying $template as $stack"
  if ! aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
    --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
    --no-fail-on-empty-changeset; then
    echo "the setup stack $stack failed to deploy:" >&2
    stack_failures "$stack" >&2
    return 1
  fi
}

# Builds and unit-tests the handlers the way each language plugin's projects do, then runs
# the contract tests (modules: validation only, `cfn test` does not support them).
build_and_test() {
  local language kind
  language="$(rpdk_config language)"
  kind="$(rpdk_config artifact_type)"
  cfn validate || return 1
  if [ "$kind" = "MODULE" ]; then
    echo "a module: validated (cfn test does not run modules; the beta integ template uses it)"
    return 0
  fi
  cfn generate || return 1
  case "$language" in
    python*) ;; # cfn submit --dry-run builds the package with pip
    java*) mvn --batch-mode --quiet clean verify || return 1 ;;
    go*) make build || return 1 ;;
    typescript*) { npm ci && npm run build && npm test; } || return 1 ;;
    *)
      echo "unknown language \`$language\` in .rpdk-config" >&2
      return 1
      ;;
  esac
  cfn submit --dry-run || return 1
  sam local start-lambda > sam-local.log 2>&1 &
  echo $! > sam-local.pid
  sleep 10
  local status=0
  cfn test --enforce-timeout 90 --region "$AWS_DEFAULT_REGION" || status=$?
  kill "$(cat sam-local.pid)" 2>/dev/null
  return $status
}

# Deletes the setup stack if it exists; a DELETE_FAILED is reported (with the resources left
# behind) and fails the build. Runs in `finally`: also after a failed deploy or test.
cleanup_setup() {
  local stack status
  stack="$(setup_stack_name)"
  status="$(aws cloudformation describe-stacks --stack-name "$stack" \
    --query 'Stacks[0].StackStatus' --output text 2>/dev/null)"
  if [ -z "$status" ]; then
    echo "no setup stack $stack to delete"
    return 0
  fi
  echo "deleting $stack ($status)"
  aws cloudformation delete-stack --stack-name "$stack" || return 1
  if ! aws cloudformation wait stack-delete-complete --stack-name "$stack"; then
    echo "the setup stack $stack could not be deleted (DELETE_FAILED); these resources are left:" >&2
    stack_failures "$stack" >&2
    return 1
  fi
}
