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

# Goes to the extension's folder; fails at once (and says which variable to set) when the
# build action names none: `cd "$(extension_dir)"` alone would stay where it is.
enter_extension() {
  local dir
  dir="$(extension_dir)" || return 1
  cd "$dir" || return 1
}

# The port `sam local start-lambda` serves the handlers on, for `cfn test`.
sam_local_port() {
  echo "${SAM_LOCAL_PORT:-3001}"
}

# Waits until sam local accepts connections on its port (at most SAM_LOCAL_WAIT seconds,
# default 120): no fixed sleep, which is too short on a cold image and wasted on a warm one.
# Fails, with its log, when sam exits first or never listens.
wait_for_sam_local() {
  local pid="$1" port waited=0 limit="${SAM_LOCAL_WAIT:-120}"
  port="$(sam_local_port)"
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "sam local start-lambda exited before it listened on $port:" >&2
      tail -n 20 sam-local.log >&2
      return 1
    fi
    if [ "$waited" -ge "$limit" ]; then
      echo "sam local start-lambda did not listen on $port within ${limit}s:" >&2
      tail -n 20 sam-local.log >&2
      return 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
  echo "sam local start-lambda is listening on $port (after ${waited}s)"
}

# Whether package.json's test script is the placeholder `npm init` writes (and the TypeScript
# plugin keeps): it exits 1, so running it would fail every new extension's build.
npm_test_is_placeholder() {
  python3 -c 'import json, sys; t = json.load(open("package.json")).get("scripts", {}).get("test", ""); sys.exit(0 if "no test specified" in t else 1)' 2>/dev/null
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

# Whether the template $1 declares the parameter $2 (as CloudFormation reads the template).
declares_parameter() {
  [ "$(aws cloudformation get-template-summary --template-body "file://$1" \
    --query "length(Parameters[?ParameterKey=='$2'])" --output text)" = 1 ]
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
  # The roles the setup creates carry the kit's permissions boundary (the build role creates
  # roles only under it), through the template's RoleBoundary parameter.
  local overrides=()
  if [ -n "${SETUP_ROLE_BOUNDARY:-}" ] && declares_parameter "$template" RoleBoundary; then
    overrides=(--parameter-overrides "RoleBoundary=$SETUP_ROLE_BOUNDARY")
  fi
  echo "deploying $template as $stack"
  if ! aws cloudformation deploy --stack-name "$stack" --template-file "$template" \
    --capabilities CAPABILITY_IAM CAPABILITY_NAMED_IAM CAPABILITY_AUTO_EXPAND \
    --no-fail-on-empty-changeset "${overrides[@]}"; then
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
    typescript*)
      { npm ci && npm run build; } || return 1
      if npm_test_is_placeholder; then
        echo "npm test is the generated placeholder (\"no test specified\"): no unit tests to run, skipped"
      else
        npm test || return 1
      fi
      ;;
    *)
      echo "unknown language \`$language\` in .rpdk-config" >&2
      return 1
      ;;
  esac
  cfn submit --dry-run || return 1
  local port pid status=0
  port="$(sam_local_port)"
  sam local start-lambda --port "$port" > sam-local.log 2>&1 &
  pid=$!
  echo "$pid" > sam-local.pid
  wait_for_sam_local "$pid" || { kill "$pid" 2>/dev/null; return 1; }
  cfn test --enforce-timeout 90 --region "$AWS_DEFAULT_REGION" \
    --endpoint "http://127.0.0.1:$port" || status=$?
  kill "$pid" 2>/dev/null
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
