#!/usr/bin/env bash
# Post-deploy check of one CD4ML Platform environment, run by the delivery
# pipeline after the environment's stacks deployed. Reads what the stage's
# outputs and names give it, through the target account's CDK lookup role
# (read-only), and fails the pipeline unless:
#   - the Studio domain (STUDIO_DOMAIN_ID, when the stage has Studio) is InService;
#   - every EventBridge rule of the loop stack (LOOP_STACK) is ENABLED.
# Inputs: ENVIRONMENT, CHECK_ROLE_ARN, LOOP_STACK, TARGET_REGION, optional
# STUDIO_DOMAIN_ID.
set -euo pipefail

: "${ENVIRONMENT:?}" "${CHECK_ROLE_ARN:?}" "${LOOP_STACK:?}" "${TARGET_REGION:?}"
# The environment's region, not the pipeline's.
export AWS_REGION="$TARGET_REGION" AWS_DEFAULT_REGION="$TARGET_REGION"

credentials=$(aws sts assume-role --role-arn "$CHECK_ROLE_ARN" \
  --role-session-name "cd4ml-check-${ENVIRONMENT}" \
  --query 'Credentials.[AccessKeyId,SecretAccessKey,SessionToken]' --output text)
read -r AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN <<<"$credentials"
export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN

failures=0

if [[ -n "${STUDIO_DOMAIN_ID:-}" ]]; then
  status=$(aws sagemaker describe-domain --domain-id "$STUDIO_DOMAIN_ID" \
    --query Status --output text)
  if [[ "$status" == "InService" ]]; then
    echo "ok: Studio domain $STUDIO_DOMAIN_ID is InService"
  else
    echo "FAILED: Studio domain $STUDIO_DOMAIN_ID is $status, expected InService"
    failures=$((failures + 1))
  fi
fi

rules=$(aws cloudformation list-stack-resources --stack-name "$LOOP_STACK" \
  --query "StackResourceSummaries[?ResourceType=='AWS::Events::Rule'].PhysicalResourceId" \
  --output text)
if [[ -z "${rules//[[:space:]]/}" || "$rules" == "None" ]]; then
  echo "FAILED: $LOOP_STACK has no EventBridge rules; the loop would never run"
  failures=$((failures + 1))
fi
for rule in $rules; do
  [[ "$rule" == "None" ]] && continue
  state=$(aws events describe-rule --name "${rule##*|}" --query State --output text)
  if [[ "$state" == "ENABLED" ]]; then
    echo "ok: rule ${rule##*|} is ENABLED"
  else
    echo "FAILED: rule ${rule##*|} is $state, expected ENABLED"
    failures=$((failures + 1))
  fi
done

if ((failures > 0)); then
  echo "$ENVIRONMENT: $failures post-deploy check(s) failed"
  exit 1
fi
echo "$ENVIRONMENT: post-deploy checks passed"
