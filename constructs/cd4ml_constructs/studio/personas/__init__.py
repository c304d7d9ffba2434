"""The platform's personas, one module each, and the construct that makes their roles.

``data_scientist``, ``ml_engineer``, ``model_approver`` and ``platform_admin``
hold what each persona may do; ``builder`` what the two builders share;
``separation_of_duties`` the denies between them; ``studio_access`` the use
of the domain and of MLflow; :class:`PlatformPersonas` puts them together.
"""

from cd4ml_constructs.studio.personas.actions import (
    APPROVAL_ACTIONS,
    APPROVAL_PARAMETER_ACTIONS,
    APPROVAL_POLICY_ACTIONS,
    MLFLOW_TRACKING_ACTIONS,
    STUDIO_SPACE_ACTIONS,
)
from cd4ml_constructs.studio.personas.builder import ZoneGrants
from cd4ml_constructs.studio.personas.platform_personas import PlatformPersonas
from cd4ml_constructs.studio.personas.resources import PersonaResources

__all__ = [
    "APPROVAL_ACTIONS",
    "APPROVAL_PARAMETER_ACTIONS",
    "APPROVAL_POLICY_ACTIONS",
    "MLFLOW_TRACKING_ACTIONS",
    "STUDIO_SPACE_ACTIONS",
    "PersonaResources",
    "PlatformPersonas",
    "ZoneGrants",
]
