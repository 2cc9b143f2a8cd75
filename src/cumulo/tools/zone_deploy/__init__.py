"""Build zones from a definition file through the API, in Marvin's deployment order."""

from cumulo.tools.zone_deploy.client import ApiFailure, CloudStackClient
from cumulo.tools.zone_deploy.deployer import Deployer, DeployError
from cumulo.tools.zone_deploy.spec import SpecError, load_spec

__all__ = [
    "ApiFailure",
    "CloudStackClient",
    "DeployError",
    "Deployer",
    "SpecError",
    "load_spec",
]
