"""Which model packages a drift check may read: its own project's, in its own account and region.

A payload's ``model_package_arn`` makes the check call ``DescribeModelPackage`` and
read the baseline the package names. A package of another account or region, of a
group outside the environment's (``<RESOURCE_PREFIX>-<project>``), or of another
project's group would let a payload compare the project's traffic with a foreign
baseline and raise its drift alarm (which asks for a retrain). Such a payload raises
:class:`ForeignModelPackage` before any AWS call.
"""

from __future__ import annotations

import re
from typing import Final

from drift_check.request import DriftCheckRequest, InvalidDriftCheckRequest

# model-package/<group>/<version>: a versioned package; an unversioned one has no group.
_PACKAGE_RESOURCE: Final = re.compile(r"model-package/(?P<group>[^/]+)/(?P<version>[0-9]+)")


class ForeignModelPackage(InvalidDriftCheckRequest):
    """The payload names a model package the drift check must not read."""


def check_own_package(
    request: DriftCheckRequest, *, resource_prefix: str, region: str | None, account: str | None
) -> None:
    """Refuse a model package outside the request's project group, account or region.

    :param request: the validated payload; nothing is checked without a ``model_package_arn``.
    :param resource_prefix: the environment's ``RESOURCE_PREFIX`` (``cd4ml-<env>``).
    :param region: the function's region; not compared when unknown.
    :param account: the function's account; not compared when unknown.
    """
    arn = request.model_package_arn
    if arn is None:
        return
    if not resource_prefix:
        raise ForeignModelPackage("no RESOURCE_PREFIX is set: no model package group is ours")
    _, _, _, package_region, package_account, resource = arn.split(":", 5)
    if region and package_region != region:
        raise ForeignModelPackage(
            f"model_package_arn is in region {package_region}, not the function's {region}"
        )
    if account and package_account != account:
        raise ForeignModelPackage(
            f"model_package_arn is in account {package_account}, not the function's {account}"
        )
    match = _PACKAGE_RESOURCE.fullmatch(resource)
    if match is None:
        raise ForeignModelPackage(
            f"model_package_arn {arn!r} is not a version of a model package group"
        )
    group = match["group"]
    expected = f"{resource_prefix}-{request.project}"
    if group == expected:
        return
    if not group.startswith(f"{resource_prefix}-"):
        raise ForeignModelPackage(
            f"model_package_arn is in group {group}, outside the environment's groups "
            f"{resource_prefix}-<project>"
        )
    raise ForeignModelPackage(
        f"model_package_arn is in group {group}, not the group {expected} of project "
        f"{request.project}"
    )
