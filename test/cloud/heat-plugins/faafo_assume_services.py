"""TEST-ONLY Heat plugin: resource types of services the cloud does not run count as available.

Loaded by the local Heat from its plugin_dirs (test/cloud/start.sh copies it there unless
OS_LOCAL_ASSUME_SERVICES=0).  Heat refuses templates that use a resource type whose service has no
endpoint in the Keystone catalog ("HEAT-E99001 Service nova is not available for resource type
OS::Nova::Server") and hides such types from `resource type list`.  Without compute only Keystone, Heat
(and Swift, Gnocchi, Aodh) run, so a full production template could not even be validated.  With this
plugin the availability check passes for absent services: validation checks the template against the
real resource schemas; creating an unmapped resource of an absent service still fails at create time
(EndpointNotFound), so tests map those types to OS::Heat::None with env-none.yaml.

Decided per request from the caller's catalog: for a service that IS there (Nova, Glance, Neutron with
`start.sh --with-compute`) Heat's own answer stands (including its required-extension checks), and
OS::Nova::Server.validate() asks the real Glance and Nova about the image, flavor, microversions and
limits.  Only when Nova is absent are those questions answered locally.  Never install this into a real
cloud.
"""
import socket
import time
import urllib.parse

from heat.engine import resource


_answers = {}  # endpoint URL -> (monotonic time of the check, whether it accepted a connection)


def _answers_now(url):
    """A TCP connect to URL's host:port within 1 s, remembered for 10 s."""
    seen = _answers.get(url)
    if seen and time.monotonic() - seen[0] < 10:
        return seen[1]
    u = urllib.parse.urlsplit(url)
    try:
        socket.create_connection((u.hostname, u.port or 80), timeout=1).close()
        ok = True
    except OSError:
        ok = False
    _answers[url] = (time.monotonic(), ok)
    return ok


def service_in_catalog(context, service):
    """True when the request's catalog has an endpoint for SERVICE and that endpoint answers.

    "Answers" matters: compute/stop.sh leaves Nova, Glance and Neutron in the catalog, and a stopped
    service must count as absent so the cloud without compute works exactly as before."""
    try:
        plugin = context.clients.client_plugin(service)
        endpoint_type = plugin._get_client_option(service, 'endpoint_type')
        for stype in plugin.service_types or ():
            if plugin.does_endpoint_exist(service_type=stype, service_name=service) and _answers_now(
                    plugin.url_for(service_type=stype, endpoint_type=endpoint_type)):
                return True
        return False
    except Exception:  # no such client plugin / no catalog: treat as absent
        return False


def original(owner, name):
    """Heat's own OWNER.NAME, kept on OWNER: Heat may load this module more than once, and a second load
    must not wrap the first one's replacement (endless recursion)."""
    key = '_faafo_heat_' + name
    if key not in owner.__dict__:
        setattr(owner, key, owner.__dict__[name])
    return owner.__dict__[key]


_heat_is_service_available = original(resource.Resource, 'is_service_available').__func__


@classmethod
def _available_unless_present(cls, context):
    try:
        answer = _heat_is_service_available(cls, context)
    except Exception:
        answer = (False, None)
    if answer[0] or (cls.default_client_name and service_in_catalog(context, cls.default_client_name)):
        return answer
    return (True, None)


resource.Resource.is_service_available = _available_unless_present


def constraint_mapping():  # the plugin loader needs a *_mapping function
    return {}


# Server.validate() asks Glance/Nova about the image, flavor, API microversions and metadata limits.
# Without Nova, answer locally so a preview (`openstack stack create --dry-run`, POST /stacks/preview) of
# a template with real OS::Nova::Server resources still runs its full property checks.
try:
    from heat.engine.clients.os import nova as _nova
    from heat.engine.resources.openstack.nova import server as _server

    _LIMITS = {'maxServerMeta': 128, 'maxPersonality': 5,
               'maxPersonalitySize': 10240}  # Nova's defaults

    _validate_image_flavor = original(_server.Server, '_validate_image_flavor')
    _absolute_limits = original(_nova.NovaClientPlugin, 'absolute_limits')
    _is_version_supported = original(_nova.NovaClientPlugin, 'is_version_supported')

    def _server_validate_image_flavor(self, image, flavor):
        if service_in_catalog(self.context, 'nova'):
            return _validate_image_flavor(self, image, flavor)
        return None

    def _nova_absolute_limits(self):
        if service_in_catalog(self.context, 'nova'):
            return _absolute_limits(self)
        return dict(_LIMITS)

    def _nova_is_version_supported(self, version):
        if service_in_catalog(self.context, 'nova'):
            return _is_version_supported(self, version)
        return True

    _server.Server._validate_image_flavor = _server_validate_image_flavor
    _nova.NovaClientPlugin.absolute_limits = _nova_absolute_limits
    _nova.NovaClientPlugin.is_version_supported = _nova_is_version_supported
except Exception:  # pragma: no cover - best effort, Heat version specific
    pass
