"""TEST-ONLY Heat plugin: custom constraints of services the cloud does not run accept any value.

Loaded by the local Heat from its plugin_dirs (test/cloud/start.sh copies it there unless
OS_LOCAL_NOOP_CONSTRAINTS=0).  Parameters and properties with constraints such as glance.image,
nova.flavor, nova.keypair, neutron.network, octavia.loadbalancer ... make Heat call that service's API
during validate / preview / create / update; without the service in the catalog Heat fails with
"EndpointNotFound" (HTTP 500), even for a stack whose resources env-none.yaml maps to OS::Heat::None,
because top-level parameters are always validated.

Decided per request, from the caller's Keystone catalog: a service that IS in the catalog and answers (Nova, Glance,
Neutron once `start.sh --with-compute` runs) gets Heat's real check, so a missing image, flavor, key pair
or network is still reported; only an absent one (Octavia, Cinder, ... and, without compute, Nova, Glance,
Neutron) accepts any value.  Keystone constraints (keystone.*) and the pure value checks (ip_addr,
net_cidr, iso_8601, cron_expression, timezone, ...) are never touched.  Never install this into a real
cloud.
"""
from importlib import metadata
import socket
import time
import urllib.parse

from heat.engine import constraints

# Services whose constraints this plugin may answer for (the prefix of the constraint name is the
# name of Heat's client plugin for that service).
SERVICES = ('barbican', 'blazar', 'cinder', 'designate', 'glance', 'ironic', 'magnum', 'manila',
            'mistral', 'monasca', 'neutron', 'nova', 'octavia', 'sahara', 'senlin', 'trove', 'zaqar')


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


def catalog_aware(service, real_cls):
    """A constraint that runs REAL_CLS when SERVICE is in the catalog and accepts anything otherwise."""

    class CatalogAwareConstraint(constraints.BaseCustomConstraint):
        message = getattr(real_cls, 'message', None)

        def __init__(self):
            self._real = real_cls()

        def validate(self, value, context, *args, **kwargs):
            if not service_in_catalog(context, service):
                return True
            return self._real.validate(value, context, *args, **kwargs)

        def error(self, value):
            return self._real.error(value)

    CatalogAwareConstraint.__name__ = 'CatalogAware' + real_cls.__name__
    return CatalogAwareConstraint


def constraint_mapping():
    eps = metadata.entry_points()
    group = (eps.select(group='heat.constraints') if hasattr(eps, 'select')
             else eps.get('heat.constraints', []))
    mapping = {}
    for ep in group:
        service = ep.name.split('.', 1)[0]
        if service not in SERVICES or ep.name in mapping:
            continue
        try:
            mapping[ep.name] = catalog_aware(service, ep.load())
        except Exception:  # a constraint whose client library is not installed: nothing to check with
            mapping[ep.name] = catalog_aware(service, constraints.BaseCustomConstraint)
    return mapping
