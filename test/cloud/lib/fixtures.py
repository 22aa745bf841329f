#!/usr/bin/python3
"""Test fixtures that the base cloud's tests need once the cloud has compute (run by start.sh --with-compute
after compute/start.sh; idempotent, ~2 s).

With Neutron in the catalog, Heat checks `neutron.network` / `neutron.subnet` parameters for real
(heat-plugins/faafo_noop_constraints.py). The sample templates (samples/*.yaml) and the tests' Heat helpers
pass network `private` and subnet `private-subnet` of the `demo` project, so those must exist: one network
without DHCP (no dnsmasq to run; nothing boots on it, env-none.yaml maps the servers away). The image
(`debian-13`), flavor (`m1.small`) and key pair (`faafo`) the samples name come from compute/start.sh.
Test credentials only.
"""
import os

import openstack

E = os.environ
demo = openstack.connect(
    auth_url="http://%s:%s/v3" % (E.get("OS_LOCAL_HOST", "127.0.0.1"), E.get("OS_LOCAL_KEYSTONE_PORT", "5000")),
    username="demo", password=E.get("OS_LOCAL_PASSWORD", "secret"), project_name="demo",
    user_domain_name="Default", project_domain_name="Default", region_name=E.get("OS_LOCAL_REGION", "RegionOne"),
    interface="public", identity_api_version="3")

net = demo.network.find_network("private", project_id=demo.current_project_id)
if net is None:
    net = demo.network.create_network(name="private")
if demo.network.find_subnet("private-subnet", network_id=net.id) is None:
    demo.network.create_subnet(network_id=net.id, name="private-subnet", ip_version=4,
                               cidr="10.250.0.0/24", enable_dhcp=False, gateway_ip=None)
print("fixtures: demo's network private / subnet private-subnet ready", flush=True)
