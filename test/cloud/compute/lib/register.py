#!/usr/bin/python3
"""Register Placement, Glance, Nova and Neutron in the test cloud's Keystone,
idempotently: service users nova/placement/glance/neutron (admin + service role
in project `service`), services, and public/internal/admin endpoints at the
public host (10.99.0.1 by default: the address servers and the host share).
Endpoints that already exist with another URL are moved. Test credentials only.

Env: OSC_KEYSTONE_URL (http://HOST:5000), OS_LOCAL_PUBLIC_HOST, OSC_*_PORT."""
import os
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

E = os.environ
KS = E["OSC_KEYSTONE_URL"].rstrip("/") + "/v3"
HOST = E.get("OS_LOCAL_PUBLIC_HOST", "10.99.0.1")
REGION = E.get("OS_LOCAL_REGION", "RegionOne")
PW = E.get("OS_LOCAL_PASSWORD", "secret")


def main():
    ks = client.Client(session=session.Session(auth=v3.Password(
        auth_url=KS, username="admin", password=PW, project_name="admin",
        user_domain_id="default", project_domain_id="default")),
        # the URL we were given, not the catalog's: the base may be moving its public address
        endpoint_override=KS)

    def one(items):
        return items[0] if items else None

    default = ks.domains.get("default")
    admin_role = one(ks.roles.list(name="admin"))
    svc_role = one(ks.roles.list(name="service")) or ks.roles.create("service")
    service_prj = (one(ks.projects.list(name="service", domain=default))
                   or ks.projects.create("service", default))
    for name in ("nova", "placement", "glance", "neutron"):
        u = one(ks.users.list(name=name, domain=default))
        u = ks.users.update(u, password=PW) if u else ks.users.create(
            name, domain=default, password=PW, default_project=service_prj)
        # admin: the services act on every project; service: Nova<->Neutron events
        ks.roles.grant(admin_role, user=u, project=service_prj)
        ks.roles.grant(svc_role, user=u, project=service_prj)

    def service(stype, name, desc):
        return (one(ks.services.list(type=stype))
                or ks.services.create(name, type=stype, description=desc))

    def endpoints(svc, url):
        have = {e.interface: e for e in ks.endpoints.list(service=svc, region=REGION)}
        for iface in ("public", "internal", "admin"):
            if iface in have:
                if have[iface].url != url:
                    ks.endpoints.update(have[iface], url=url)
            else:
                ks.endpoints.create(svc, url, interface=iface, region=REGION)

    def url(port_var, default, path=""):
        return "http://%s:%s%s" % (HOST, E.get(port_var, default), path)

    endpoints(service("placement", "placement", "Placement"), url("OSC_PLACEMENT_PORT", "8778"))
    endpoints(service("image", "glance", "Image"), url("OSC_GLANCE_PORT", "9292"))
    endpoints(service("compute", "nova", "Compute"), url("OSC_NOVA_PORT", "8774", "/v2.1"))
    endpoints(service("network", "neutron", "Networking"), url("OSC_NEUTRON_PORT", "9696"))
    print("keystone: compute services registered at %s" % HOST, file=sys.stderr)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line, no stack trace: the caller says what failed
        print("[compute/register] %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""), file=sys.stderr)
        sys.exit(1)
