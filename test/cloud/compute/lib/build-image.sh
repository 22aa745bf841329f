#!/usr/bin/env bash
# The Debian 13 (trixie) server image of the test cloud, built from Debian's
# packages with mmdebstrap:  build-image.sh OUTDIR
#   -> OUTDIR/disk.qcow2 (ext4 root fs, no partition table, no bootloader),
#      OUTDIR/vmlinuz + OUTDIR/initrd.img (Glance kernel_id/ramdisk_id: Nova
#      boots the kernel directly, root=/dev/vda).
# start.sh caches the result under a hash of THIS FILE: any change to the
# recipe below rebuilds the image, nothing else does.
set -euo pipefail
OUT=${1:?usage: build-image.sh OUTDIR}
APT_PROXY=${FAAFO_IMAGE_APT_PROXY:-http://10.99.0.1:3142}   # apt-cacher-ng on the host bridge (host-network.sh)
mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
export TMPDIR=$WORK

# Packages: minbase + the cloud kernel (virtio, ata_piix/sr_mod/isofs for the
# config drive), cloud-init (reads user data from the config drive), systemd
# (networkd does DHCP), curl (wait condition signals), python3 (cloud-init's own
# dependency; also serves HTTP in the smoke test), e2fsprogs (cloud-init's
# resizefs grows the root fs to the flavor's disk).
PKGS=systemd-sysv,udev,linux-image-cloud-amd64,initramfs-tools,cloud-init,python3,ca-certificates,curl,iproute2,procps,less,e2fsprogs,netbase

mmdebstrap --mode=root --variant=minbase --include="$PKGS" \
  --customize-hook='echo faafo-server > "$1/etc/hostname"' \
  --customize-hook='printf "127.0.0.1 localhost\n" > "$1/etc/hosts"' \
  --customize-hook='printf "/dev/vda / ext4 rw,errors=remount-ro 0 1\n" > "$1/etc/fstab"' \
  `# DHCP on every NIC by networkd; cloud-init must not render its own network config;` \
  `# UseMTU: tenant networks are VXLAN (MTU 1450, announced by Neutron's DHCP)` \
  --customize-hook='mkdir -p "$1/etc/systemd/network"; printf "[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n\n[DHCPv4]\nUseMTU=yes\n" > "$1/etc/systemd/network/20-dhcp.network"' \
  --customize-hook='chroot "$1" systemctl enable systemd-networkd.service systemd-networkd-wait-online.service' \
  --customize-hook='printf "datasource_list: [ ConfigDrive, None ]\nnetwork: {config: disabled}\n" > "$1/etc/cloud/cloud.cfg.d/90-faafo.cfg"' \
  `# apt reaches Debian only through the host's apt-cacher-ng (no NAT to the outside here);` \
  `# the proxy resolves deb.debian.org, so the server needs no working DNS for apt` \
  --customize-hook="printf 'Acquire::http::Proxy \"$APT_PROXY\";\nAcquire::https::Proxy \"DIRECT\";\nAcquire::Retries \"3\";\n' > \"\$1/etc/apt/apt.conf.d/01faafo-proxy\"" \
  `# no DNS server answers on the tenant networks' way out: fail fast instead of 5 s timeouts` \
  --customize-hook='rm -f "$1/etc/resolv.conf"; printf "nameserver 10.99.0.1\noptions timeout:1 attempts:1\n" > "$1/etc/resolv.conf"' \
  `# the apt timers would take the dpkg lock while user data installs packages` \
  --customize-hook='chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer' \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
  `# test image only: the servers install PostgreSQL, RabbitMQ and Node under QEMU TCG, where dpkg's fsyncs and` \
  `# unpacking man pages, docs and translations cost minutes per server (Debian's container images do the same)` \
  --customize-hook='printf "force-unsafe-io\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\npath-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/locale/*\npath-include=/usr/share/locale/locale.alias\n" > "$1/etc/dpkg/dpkg.cfg.d/01faafo-test-image"' \
  `# test image: root/root on the serial console (virsh console) for debugging` \
  --customize-hook='echo root:root | chroot "$1" chpasswd' \
  --customize-hook='cp -L "$1/vmlinuz" "'"$WORK"'/vmlinuz"; cp -L "$1/initrd.img" "'"$WORK"'/initrd.img"' \
  trixie "$WORK/rootfs" \
  "deb http://deb.debian.org/debian trixie main" \
  "deb http://deb.debian.org/debian trixie-updates main" \
  "deb http://deb.debian.org/debian-security trixie-security main"

mkfs.ext4 -q -F -L root -d "$WORK/rootfs" "$WORK/disk.img" 3G
qemu-img convert -O qcow2 "$WORK/disk.img" "$WORK/disk.qcow2"
mv "$WORK/vmlinuz" "$WORK/initrd.img" "$WORK/disk.qcow2" "$OUT/"
ls -la "$OUT"
