"""Where the catalog publishes the project template: names the catalog and Studio share.

The catalog bucket has a deterministic name, ``cd4ml-<env>-tmpl-<account>-<region>``
(at most 63 characters for any environment name config allows), so the Studio
domain can carry the tag ``sagemaker:projectS3TemplatesLocation`` pointing at
it without a reference to the catalog stack: Studio deploys before the catalog
and never depends on it.
"""

from __future__ import annotations

import aws_cdk as cdk

from cd4ml_constructs.loop.naming import LoopNames

# The object tag Studio lists S3 templates (and Service Catalog products) by.
VISIBILITY_TAG = ("sagemaker:studio-visibility", "true")
# The domain tag that tells Studio where the S3 templates are.
TEMPLATES_LOCATION_TAG = "sagemaker:projectS3TemplatesLocation"
TEMPLATES_PREFIX = "templates/"
# Studio lists each object under the prefix as one template. The content is the
# synthesized JSON, which is YAML too (YAML 1.2 includes JSON).
TEMPLATE_FILE = "cd4ml-ml-project.yaml"
# CreateProject's TemplateName (1-32 letters, digits and '-').
TEMPLATE_NAME = "cd4ml-ml-project"


def catalog_bucket_name(names: LoopNames) -> str:
    """``cd4ml-<env>-tmpl-<account>-<region>``, resolved where it is used (any stack)."""
    return cdk.Fn.join("-", [f"{names.prefix}-tmpl", cdk.Aws.ACCOUNT_ID, cdk.Aws.REGION])


def template_key() -> str:
    """The object key of the published project template."""
    return f"{TEMPLATES_PREFIX}{TEMPLATE_FILE}"


def templates_location(names: LoopNames) -> str:
    """``s3://<catalog bucket>/templates/``: the value of the domain's templates location tag."""
    return cdk.Fn.join("", ["s3://", catalog_bucket_name(names), f"/{TEMPLATES_PREFIX}"])


def template_url(names: LoopNames) -> str:
    """The https URL ``CreateProject`` takes as ``TemplateURL`` for the published template."""
    return cdk.Fn.join(
        "",
        [
            "https://",
            catalog_bucket_name(names),
            ".s3.",
            cdk.Aws.REGION,
            ".",
            cdk.Aws.URL_SUFFIX,
            f"/{template_key()}",
        ],
    )


def studio_origin() -> str:
    """The browser origin of Studio here: ``https://<domain id>.studio.<region>.sagemaker.aws``."""
    return cdk.Fn.join("", ["https://*.studio.", cdk.Aws.REGION, ".sagemaker.aws"])


def asset_object(http_url: str) -> tuple[str, str]:
    """Bucket name and key of a file asset from its URL, ``https://s3.<region>.<suffix>/<bucket>/<key>``.

    aws-cdk-lib knows a product stack's template location only as that URL
    (it is hashed at synthesis); CloudFormation takes it apart.
    """
    parts = cdk.Fn.split("/", http_url)
    return cdk.Fn.select(3, parts), cdk.Fn.select(4, parts)
