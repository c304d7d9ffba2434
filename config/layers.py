"""The published Lambda layers the loop functions use, per partition and region.

A checked-in table, not a lookup: synth makes no AWS call, and a region the
table lacks is a config error (``region``) instead of a deploy that fails on a
layer ARN that does not exist.

Sources, read on 2026-12-02:

- AWS SDK for pandas 3.17.0 (numpy for the drift check),
  ``AWSSDKPandas-Python313-Arm64``: the layer table in aws/aws-sdk-pandas
  ``docs/source/layers.rst`` (last changed 2026-06-25, "Update layers.rst",
  #3389). Opt-in regions publish from their own accounts and numbers. Not
  published for ap-east-2, ap-southeast-5, ap-southeast-6, ap-southeast-7,
  me-south-1 and mx-central-1, so those regions are refused.
- Powertools for AWS Lambda (Python) V3, ``AWSLambdaPowertoolsPythonV3-python313-arm64:27``
  from account 017000801446 in the commercial regions: aws-powertools/
  powertools-lambda-python ``docs/index.md`` (layer version 27, the
  aws-lambda-powertools 3.x pin of the "lambda" dependency group). The docs
  give one ARN template for every commercial region; the table was not
  checked region by region against ``aws lambda get-layer-version-by-arn``.

China (aws-cn) and GovCloud (aws-us-gov) publish both layers from other
accounts; they are not in the table because no environment may name them
(see ``config.regions.AWS_REGIONS``).

Sizes: Lambda refuses a function whose code and layers exceed 250 MB
unzipped (262,144,000 bytes). ``UNZIPPED_BYTES`` records an upper bound per
layer: for AWS SDK for pandas the 180 MB that its own build checks the
Python 3.13 layer against (``building/verify-layer-size.sh``; 3.16.1 broke
that limit, 3.17.0 is expected at about 167 MB); for Powertools 50 MB, about
twice what its Python packages take installed (aws-lambda-powertools,
pydantic, pydantic-core and the tracer, validation and data-masking extras).
Neither was measured from the published zip.
"""

from __future__ import annotations

from dataclasses import dataclass

POWERTOOLS_LAYER_NAME = "AWSLambdaPowertoolsPythonV3-python313-arm64"
POWERTOOLS_ACCOUNT = "017000801446"
POWERTOOLS_VERSION = 27
SDK_FOR_PANDAS_LAYER_NAME = "AWSSDKPandas-Python313-Arm64"
SDK_FOR_PANDAS_LIBRARY_VERSION = "3.17.0"

# Lambda's limit on a function's code and layers, unzipped.
UNZIPPED_LIMIT_BYTES = 262_144_000
UNZIPPED_BYTES: dict[str, int] = {
    "powertools": 50 * 1024 * 1024,
    "sdk_for_pandas": 180 * 1024 * 1024,
}


@dataclass(frozen=True)
class RegionLayers:
    """The layer versions published in one region.

    :param partition: the region's partition (``aws``, ``aws-cn``, ``aws-us-gov``).
    :param sdk_for_pandas: account and version of the AWS SDK for pandas layer.
    :param powertools: account and version of the Powertools layer.
    """

    partition: str
    sdk_for_pandas: tuple[str, int]
    powertools: tuple[str, int] = (POWERTOOLS_ACCOUNT, POWERTOOLS_VERSION)

    def arn(self, region: str, layer: str) -> str:
        """The layer version ARN of ``layer`` (``powertools`` or ``sdk_for_pandas``)."""
        if layer == "powertools":
            (account, version), name = self.powertools, POWERTOOLS_LAYER_NAME
        elif layer == "sdk_for_pandas":
            (account, version), name = self.sdk_for_pandas, SDK_FOR_PANDAS_LAYER_NAME
        else:
            raise ValueError(f"unknown layer {layer!r}: powertools or sdk_for_pandas")
        return f"arn:{self.partition}:lambda:{region}:{account}:layer:{name}:{version}"


LAYERS: tuple[str, ...] = ("powertools", "sdk_for_pandas")

PUBLISHED_LAYERS: dict[str, RegionLayers] = {
    "af-south-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 13)),
    "ap-east-1": RegionLayers("aws", sdk_for_pandas=("839552336658", 11)),
    "ap-northeast-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-northeast-2": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-northeast-3": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-south-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-south-2": RegionLayers("aws", sdk_for_pandas=("246107603503", 11)),
    "ap-southeast-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-southeast-2": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ap-southeast-3": RegionLayers("aws", sdk_for_pandas=("258944054355", 11)),
    "ap-southeast-4": RegionLayers("aws", sdk_for_pandas=("945386623051", 11)),
    "ca-central-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "ca-west-1": RegionLayers("aws", sdk_for_pandas=("941713567376", 3)),
    "eu-central-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "eu-central-2": RegionLayers("aws", sdk_for_pandas=("956415814219", 11)),
    "eu-north-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "eu-south-1": RegionLayers("aws", sdk_for_pandas=("774444163449", 11)),
    "eu-south-2": RegionLayers("aws", sdk_for_pandas=("982086096842", 11)),
    "eu-west-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "eu-west-2": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "eu-west-3": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "il-central-1": RegionLayers("aws", sdk_for_pandas=("263840725265", 11)),
    "me-central-1": RegionLayers("aws", sdk_for_pandas=("593833071574", 11)),
    "sa-east-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "us-east-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "us-east-2": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "us-west-1": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
    "us-west-2": RegionLayers("aws", sdk_for_pandas=("336392948345", 14)),
}
