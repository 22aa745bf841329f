#!/usr/bin/python3
"""Idempotently register everything Heat needs in the local Keystone.

Run by start.sh after `keystone-manage bootstrap` (which created admin/admin,
the 'admin', 'member' and 'reader' roles and the identity endpoints), and
again whenever the cloud's public address changes: every catalog URL names
OS_LOCAL_PUBLIC_HOST (servers booted on the cloud use them), while this
script talks to Keystone on OS_LOCAL_HOST.  One python process with
keystoneclient is much faster than many `openstack` CLI calls.  All values
come from environment variables set by start.sh (see there for defaults).
Test credentials only.
"""
import os
import sys

from keystoneauth1 import session
from keystoneauth1.identity import v3
from keystoneclient.v3 import client

E = os.environ
HOST = E.get("OS_LOCAL_HOST", "127.0.0.1")
PUBLIC = E.get("OS_LOCAL_PUBLIC_HOST", HOST)
KS = "http://%s:%s/v3" % (HOST, E.get("OS_LOCAL_KEYSTONE_PORT", "5000"))
REGION = E.get("OS_LOCAL_REGION", "RegionOne")
PW = E.get("OS_LOCAL_PASSWORD", "secret")

ks = client.Client(session=session.Session(auth=v3.Password(
    auth_url=KS, username="admin", password=PW, project_name="admin",
    user_domain_id="default", project_domain_id="default")))


def one(items):
    return items[0] if items else None


def domain(name, desc):
    return one(ks.domains.list(name=name)) or ks.domains.create(name, description=desc)


def project(name, dom):
    return (one(ks.projects.list(name=name, domain=dom))
            or ks.projects.create(name, dom))


def user(name, dom, proj=None):
    u = one(ks.users.list(name=name, domain=dom))
    if u:  # keep the password in sync with OS_LOCAL_PASSWORD
        return ks.users.update(u, password=PW)
    return ks.users.create(name, domain=dom, password=PW, default_project=proj)


def role(name):
    return one(ks.roles.list(name=name)) or ks.roles.create(name)


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


default = ks.domains.get("default")
admin_role, member = role("admin"), role("member")
owner, stack_user = role("heat_stack_owner"), role("heat_stack_user")

# 'service' project and the 'heat' service user (admin in 'service').
service_prj = project("service", default)
heat = user("heat", default, service_prj)
ks.roles.grant(admin_role, user=heat, project=service_prj)

# Stack user domain: Heat creates users for signals / wait conditions here.
heat_dom = domain("heat", "Owns users and projects created by heat")
hda = user("heat_domain_admin", heat_dom)
ks.roles.grant(admin_role, user=hda, domain=heat_dom)

# Admin may own stacks too.
admin = one(ks.users.list(name="admin", domain=default))
admin_prj = project("admin", default)
ks.roles.grant(owner, user=admin, project=admin_prj)

# Non-admin tenant for the application's own tests.
demo_prj = project("demo", default)
demo = user("demo", default, demo_prj)
ks.roles.grant(member, user=demo, project=demo_prj)
ks.roles.grant(owner, user=demo, project=demo_prj)

# Catalog: identity (created by bootstrap; follows the public address),
# orchestration (native API) and cloudformation (CFN API, used for
# pre-signed alarm_url / AWS-style wait conditions).
endpoints(service("identity", "keystone", "Identity"),
          "http://%s:%s/v3" % (PUBLIC, E.get("OS_LOCAL_KEYSTONE_PORT", "5000")))
heat_url = "http://%s:%s/v1/%%(tenant_id)s" % (PUBLIC, E.get("OS_LOCAL_HEAT_PORT", "8004"))
cfn_url = "http://%s:%s/v1" % (PUBLIC, E.get("OS_LOCAL_CFN_PORT", "8000"))
endpoints(service("orchestration", "heat", "Orchestration"), heat_url)
endpoints(service("cloudformation", "heat-cfn", "Orchestration CFN"), cfn_url)

# Optional Swift (start.sh --with-swift): service user + object-store.
if E.get("OS_LOCAL_WITH_SWIFT") == "1":
    swift = user("swift", default, service_prj)
    ks.roles.grant(admin_role, user=swift, project=service_prj)
    role("ResellerAdmin")
    swift_url = "http://%s:%s/v1/AUTH_%%(tenant_id)s" % (
        PUBLIC, E.get("OS_LOCAL_SWIFT_PORT", "8080"))
    endpoints(service("object-store", "swift", "Object Storage"), swift_url)

# Optional Gnocchi + Aodh (start.sh --with-telemetry): service users (+ a
# "ceilometer" user that tests use to push measures like Ceilometer) +
# metric and alarming endpoints.
if E.get("OS_LOCAL_WITH_TELEMETRY") == "1":
    for name in ("gnocchi", "aodh", "ceilometer"):  # ceilometer: for tests (lib/fake_ceilometer.py)
        u = user(name, default, service_prj)
        ks.roles.grant(admin_role, user=u, project=service_prj)
    endpoints(service("metric", "gnocchi", "Metric (Gnocchi)"), "http://%s:%s" % (
        PUBLIC, E.get("OS_LOCAL_GNOCCHI_PORT", "8041")))
    endpoints(service("alarming", "aodh", "Alarming (Aodh)"), "http://%s:%s" % (
        PUBLIC, E.get("OS_LOCAL_AODH_PORT", "8042")))

print("keystone registration done", file=sys.stderr)
