"""The AWS session the deploy checks use: this account's, or a role in the endpoint's account.

When the endpoint runs in another account, the pipeline sets ``TARGET_ROLE_ARN``
to that account's verify role (``cd4ml-<env>-<project>-<stage>-verify``) and the
checks assume it; otherwise they use the CodeBuild project's own role.
"""

from __future__ import annotations

import os

import boto3


def target_session(environ: dict[str, str] | None = None) -> boto3.Session:
    """A session in the endpoint's account (assumes ``TARGET_ROLE_ARN`` when it is set)."""
    env = dict(os.environ) if environ is None else environ
    role_arn = env.get("TARGET_ROLE_ARN", "").strip()
    if not role_arn:
        return boto3.Session()
    credentials = boto3.client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName=f"cd4ml-deploy-check-{env.get('STAGE', 'endpoint')}"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


def required(env: dict[str, str], name: str) -> str:
    """The value of environment variable ``name``; SystemExit naming it when empty."""
    value = env.get(name, "").strip()
    if not value:
        raise SystemExit(f"{name} is not set: the deploy pipeline sets it for this check")
    return value
