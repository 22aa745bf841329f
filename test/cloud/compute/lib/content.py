#!/usr/bin/python3
"""The test cloud's content that the generated templates take for granted,
created idempotently in one process (no dozen `openstack` CLI calls):

- flavor m1.small (1 vCPU, 2048 MB, 5 GB; the templates' default), public
- external network `public` (flat, physnet `public` = br-faafo) with subnet
  10.99.0.0/24, gateway 10.99.0.1 (this host), a pool for router gateways and
  floating IPs, no DHCP
- quotas for the demo project: ~8 servers with their ports, floating IPs and
  security groups
- key pair `faafo` for the demo user (its public key from OSC_KEY_FILE)
- images debian-13 (qcow2) + debian-13-vmlinuz (aki) + debian-13-initrd (ari),
  public, direct kernel boot; tagged with the recipe hash, replaced when the
  recipe changes

Env: OSC_KEYSTONE_URL, OS_LOCAL_PUBLIC_HOST, OSC_IMAGE_DIR, OSC_IMAGE_HASH, OSC_KEY_FILE."""
import ipaddress
import os
import sys
import time

import openstack

E = os.environ
PUB = E.get("OS_LOCAL_PUBLIC_HOST", "10.99.0.1")
NET = ipaddress.ip_network(PUB + "/24", strict=False)
IMAGE_DIR = E["OSC_IMAGE_DIR"]
IMAGE_HASH = E["OSC_IMAGE_HASH"]
IMAGE = "debian-13"
COMMAND_LINE = "root=/dev/vda rw console=tty0 console=ttyS0"


def log(msg):
    print("[compute/content %s] %s" % (time.strftime("%H:%M:%S"), msg), file=sys.stderr)


def connect(who):
    return openstack.connect(
        auth_url=E["OSC_KEYSTONE_URL"] + "/v3", username=who, password=E.get("OS_LOCAL_PASSWORD", "secret"),
        project_name=who, user_domain_name="Default", project_domain_name="Default",
        region_name="RegionOne", interface="public", identity_api_version="3",
        # Keystone at the URL we were given, not the catalog's (the base may be moving its address)
        identity_endpoint_override=E["OSC_KEYSTONE_URL"] + "/v3")


def main():
    admin = connect("admin")
    demo = connect("demo")
    demo_project = admin.identity.find_project("demo", domain_id="default", ignore_missing=False)

    # ---- flavor -------------------------------------------------------------------
    if not admin.compute.find_flavor("m1.small"):
        admin.compute.create_flavor(name="m1.small", vcpus=1, ram=2048, disk=5, is_public=True)
        log("flavor m1.small created")

    # ---- external network ------------------------------------------------------------
    public = admin.network.find_network("public")
    if not public:
        public = admin.network.create_network(
            name="public", is_router_external=True, is_shared=False,
            provider_network_type="flat", provider_physical_network="public")
        log("network public created")
    if not admin.network.find_subnet("public-subnet", network_id=public.id):
        hosts = list(NET.hosts())
        admin.network.create_subnet(
            network_id=public.id, name="public-subnet", ip_version=4, cidr=str(NET), gateway_ip=PUB,
            # .2-.99 stay free for the host side; routers and floating IPs take .100-.250
            allocation_pools=[{"start": str(hosts[99]), "end": str(hosts[249])}], is_dhcp_enabled=False)
        log("subnet public-subnet created")

    # ---- quotas for demo (~8 servers, each with ports, a floating IP, its groups) -------
    admin.set_compute_quotas(demo_project.id, instances=12, cores=16, ram=12 * 2048, key_pairs=20)
    admin.set_network_quotas(demo_project.id, network=20, subnet=20, port=100, router=10,
                             floatingip=20, security_group=40, security_group_rule=400)

    # ---- key pair for demo ------------------------------------------------------------
    with open(E["OSC_KEY_FILE"]) as f:
        pubkey = f.read().strip()
    kp = demo.compute.find_keypair("faafo")
    if kp and kp.public_key.strip() != pubkey:
        demo.compute.delete_keypair(kp)
        kp = None
    if not kp:
        demo.compute.create_keypair(name="faafo", public_key=pubkey)
        log("key pair faafo created for demo")

    # ---- images -------------------------------------------------------------------------
    glance = admin.image

    def find(name):
        return [i for i in glance.images(name=name)]

    def upload(name, path, disk_format, container_format, **props):
        body = dict(name=name, disk_format=disk_format, container_format=container_format,
                    visibility="public", faafo_image_recipe=IMAGE_HASH, **props)
        r = glance.post("/images", json=body)
        r.raise_for_status()
        image_id = r.json()["id"]
        with open(path, "rb") as f:
            glance.put("/images/%s/file" % image_id, data=f,
                       headers={"Content-Type": "application/octet-stream"}).raise_for_status()
        return image_id

    current = [i for i in find(IMAGE) if i.properties.get("faafo_image_recipe") == IMAGE_HASH and i.status == "active"]
    if not current:
        t = time.time()
        old = find(IMAGE) + find(IMAGE + "-vmlinuz") + find(IMAGE + "-initrd")
        k = upload(IMAGE + "-vmlinuz", os.path.join(IMAGE_DIR, "vmlinuz"), "aki", "aki")
        r = upload(IMAGE + "-initrd", os.path.join(IMAGE_DIR, "initrd.img"), "ari", "ari")
        upload(IMAGE, os.path.join(IMAGE_DIR, "disk.qcow2"), "qcow2", "bare",
               kernel_id=k, ramdisk_id=r, os_command_line=COMMAND_LINE,
               os_distro="debian", os_version="13")
        # older generations: servers already booted keep their own copy (Nova's _base)
        for i in old:
            glance.delete_image(i, ignore_missing=True)
        log("image %s (recipe %s) uploaded in %ds%s" % (IMAGE, IMAGE_HASH, time.time() - t,
                                                       ", %d old image(s) deleted" % len(old) if old else ""))
    log("content ok")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # one line, no stack trace: the caller says what failed
        print("[compute/content] %s: %s" % (type(e).__name__, str(e).splitlines()[0] if str(e) else ""), file=sys.stderr)
        sys.exit(1)
