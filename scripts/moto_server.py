"""moto in server mode, with the CloudFormation support a Compose project needs and moto
lacks; the AWS API endpoint `tests/up.rs` runs `up`, `down`, `ps` and `logs` against.

Use: .venv/bin/python scripts/moto_server.py -H 127.0.0.1 -p PORT   (moto_server's flags)

moto (pinned in scripts/tools-venv.sh) serves Cloud Map (`servicediscovery`) and EFS, but
its CloudFormation cannot create `AWS::ServiceDiscovery::PrivateDnsNamespace` or
`AWS::ServiceDiscovery::Service` (every ECS service of a project registers in Cloud Map,
so `Fn::GetAtt <Svc>ServiceDiscoveryEntry.Arn` fails the stack), and its EFS file system and
access point answer no `Fn::GetAtt` (a project with a named volume breaks its stack's
resource list); deleting a stack leaves its internet gateway attached and its route table
behind, so the VPC is never deleted; and a stack created or updated by a change set keeps the
outputs of its first template. This adds them to moto's CloudFormation, creating the resources in moto's own
backends, then starts moto's server unchanged. Nothing here touches the code under test:
the CLI still speaks HTTP to a server that keeps state.
"""

import sys
from typing import Any

from moto.core.common_models import CloudFormationModel
from moto.cloudformation.models import ChangeSet
from moto.ec2.models import ec2_backends
from moto.ec2.models.route_tables import RouteTable
from moto.ec2.models.vpn_gateway import VPCGatewayAttachment
from moto.efs.models import AccessPoint, FileSystem
from moto.servicediscovery.models import servicediscovery_backends


def _backend(account_id: str, region_name: str) -> Any:
    return servicediscovery_backends[account_id][region_name]


class CfnPrivateDnsNamespace(CloudFormationModel):
    # moto files a model under the service its module names.
    __module__ = "moto.servicediscovery.models"

    def __init__(self, namespace: Any):
        self.namespace = namespace

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceDiscovery::PrivateDnsNamespace"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Id", "Arn", "HostedZoneId")

    @property
    def physical_resource_id(self) -> str:
        return self.namespace.id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        if attribute_name == "Id":
            return self.namespace.id
        if attribute_name == "Arn":
            return self.namespace.arn
        return self.namespace.dns_properties.get("HostedZoneId", "")

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnPrivateDnsNamespace":
        props = cloudformation_json["Properties"]
        backend = _backend(account_id, region_name)
        name = props.get("Name", resource_name)
        backend.create_private_dns_namespace(
            name=name,
            creator_request_id=resource_name,
            description=props.get("Description", ""),
            vpc=props.get("Vpc"),
            tags=[],
            properties=props.get("Properties"),
        )
        namespace = next(n for n in backend.namespaces.values() if n.name == name)
        return cls(namespace)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        pass

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).namespaces.pop(self.namespace.id, None)


class CfnServiceDiscoveryService(CloudFormationModel):
    # moto files a model under the service its module names.
    __module__ = "moto.servicediscovery.models"

    def __init__(self, service: Any):
        self.service = service

    @staticmethod
    def cloudformation_name_type() -> str:
        return "Name"

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::ServiceDiscovery::Service"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("Id", "Arn", "Name")

    @property
    def physical_resource_id(self) -> str:
        return self.service.id

    def get_cfn_attribute(self, attribute_name: str) -> Any:
        return {"Id": self.service.id, "Arn": self.service.arn, "Name": self.service.name}[attribute_name]

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str, **kwargs: Any
    ) -> "CfnServiceDiscoveryService":
        props = cloudformation_json["Properties"]
        service = _backend(account_id, region_name).create_service(
            name=props.get("Name", resource_name),
            namespace_id=props.get("NamespaceId"),
            creator_request_id=resource_name,
            description=props.get("Description", ""),
            dns_config=props.get("DnsConfig"),
            health_check_config=props.get("HealthCheckConfig"),
            health_check_custom_config=props.get("HealthCheckCustomConfig"),
            tags=[],
            service_type=props.get("Type"),
        )
        return cls(service)

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls, resource_name: str, cloudformation_json: Any, account_id: str, region_name: str
    ) -> None:
        pass

    def delete(self, account_id: str, region_name: str) -> None:
        _backend(account_id, region_name).services.pop(self.service.id, None)


def _file_system_attribute(self: Any, attribute_name: str) -> Any:
    if attribute_name == "Arn":
        return self.file_system_arn
    if attribute_name == "FileSystemId":
        return self.file_system_id
    raise KeyError(attribute_name)


def _access_point_attribute(self: Any, attribute_name: str) -> Any:
    if attribute_name == "Arn":
        return self.access_point_arn
    if attribute_name == "AccessPointId":
        return self.access_point_id
    raise KeyError(attribute_name)


FileSystem.get_cfn_attribute = _file_system_attribute  # type: ignore[attr-defined]
FileSystem.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Arn", "FileSystemId"))  # type: ignore[method-assign]
AccessPoint.get_cfn_attribute = _access_point_attribute  # type: ignore[attr-defined]
AccessPoint.has_cfn_attr = classmethod(lambda cls, attr: attr in ("Arn", "AccessPointId"))  # type: ignore[method-assign]

def _detach(self: Any, account_id: str, region_name: str) -> None:
    if self.gateway_id and self.gateway_id.startswith("igw-"):
        ec2_backends[account_id][region_name].detach_internet_gateway(self.gateway_id, self.vpc_id)


def _delete_route_table(self: Any, account_id: str, region_name: str) -> None:
    backend = ec2_backends[account_id][region_name]
    self._associations.clear()
    backend.delete_route_table(self.id)


_apply = ChangeSet.apply


def _apply_with_outputs(self: Any) -> None:
    _apply(self)
    stack = self.stack
    stack.template = self.template
    stack._parse_template()
    stack.output_map = stack._create_output_map()


# Executing a change set: moto keeps the outputs of the stack's first template (none, for a
# stack created by a change set), where `UpdateStack` recomputes them.
ChangeSet.apply = _apply_with_outputs  # type: ignore[method-assign]

# Deleting a stack: moto leaves the internet gateway attached and the route table in place,
# so the VPC is never free to delete.
VPCGatewayAttachment.delete = _detach  # type: ignore[attr-defined]
RouteTable.delete = _delete_route_table  # type: ignore[attr-defined]

if __name__ == "__main__":
    from moto.server import main

    main(sys.argv[1:])
