#!/bin/bash
# Runs INSIDE the guest (started by guest/init after switch_root), as root.
#
# Topology (radio -> network namespace -> role):
#   wlan0  netns "sta"  the device under test: wpa_supplicant (control socket in
#                       /run/wpa_supplicant, no config file) and the guest agent
#   ap1    root         ch 1:  HomeNet (WPA2-PSK), Wpa3Only (SAE, PMF required),
#                              MixedNet (WPA2/WPA3 transition)
#   ap2    root         ch 6:  simple_setup (hidden WPA2-PSK), OldWpa (WPA1 TKIP),
#                              CorpNet (WPA2-Enterprise)
#   ap3    root         ch 11: OpenCafe (open, captive portal on 192.168.70.1:80),
#                              NoLease (open, no DHCP), LegacyWep (WEP-104)
#   ap4    root         spare radio for a test's own hostapd (the WSS provisioner)
# Every AP network except CorpNet and NoLease runs a busybox udhcpd; a TCP echo server
# (busybox nc) listens on port 7777 of every AP address.
# The device radio lives in its own network namespace, so traffic between the device and
# an AP crosses the simulated air instead of the loopback interface.
set -uo pipefail
G=$HWSIM_GUEST_DIR
LOGS=$HWSIM_WORK/logs
up() { cut -d' ' -f1 /proc/uptime; }
log() { echo "[guest +$(up)s] $*"; }
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
}
trap cleanup EXIT

log "setup start: kernel $(uname -r), $(nproc) vCPU"
ip link set lo up
t0=$(up)
modprobe mac80211_hwsim radios=5 || { log "modprobe mac80211_hwsim failed"; exit 2; }
log "mac80211_hwsim loaded in $(echo "$(up) - $t0" | bc) s"

# the device radio: wlan0 into its own namespace; the AP radios are renamed apN
ip netns add sta
iw phy "$(cat /sys/class/net/wlan0/phy80211/name)" set netns name sta
ip netns exec sta ip link set lo up
ip netns exec sta ip link set wlan0 up
for i in 1 2 3 4; do ip link set "wlan$i" name "ap$i"; done

# name resolution: the guest's own hosts file, and a resolver that fails at once for
# unknown names (nothing listens on 127.0.0.1:53) instead of timing out
mkdir -p /tmp/etc
printf '127.0.0.1 localhost\n192.168.50.1 gateway.home.test\n' > /tmp/etc/hosts
echo 'nameserver 127.0.0.1' > /tmp/etc/resolv.conf
mount --bind /tmp/etc/hosts /etc/hosts
mount --bind /tmp/etc/resolv.conf /etc/resolv.conf

# access points
mkdir -p /run/hostapd
t0=$(up)
for r in 1 2 3; do
  hostapd -t "$G/hostapd-ap$r.conf" > "$LOGS/hostapd-ap$r.log" 2>&1 &
  PIDS+=($!)
done
for radio in ap1 ap2 ap3; do
  for _ in $(seq 150); do
    hostapd_cli -p /run/hostapd -i "$radio" status 2>/dev/null | grep -q '^state=ENABLED' && break
    sleep 0.1
  done
done
for bss in ap1 ap1b ap1c ap2 ap2b ap2c ap3 ap3b ap3c; do
  [ "$(hostapd_cli -p /run/hostapd -i "$bss" ping 2>/dev/null)" = PONG ] \
    || { log "hostapd BSS $bss did not start"; ls /run/hostapd; ip -br link; hostapd_cli -p /run/hostapd -i "$bss" ping; exit 3; }
done
log "9 BSS up in $(echo "$(up) - $t0" | bc) s"

# addresses and DHCP servers on the AP side (-a 200: ARP-check offers for 200 ms, not 2 s)
serve() {  # serve IFACE NET(a.b.c) dhcp|nodhcp
  ip addr add "$2.1/24" dev "$1"
  [ "$3" = dhcp ] || return 0
  printf 'interface %s\nstart %s.100\nend %s.150\nlease_file /tmp/udhcpd-%s.leases\npidfile /tmp/udhcpd-%s.pid\nopt subnet 255.255.255.0\nopt router %s.1\nopt lease 3600\n' \
    "$1" "$2" "$2" "$1" "$1" "$2" > "/tmp/udhcpd-$1.conf"
  touch "/tmp/udhcpd-$1.leases"
  busybox udhcpd -f -a 200 "/tmp/udhcpd-$1.conf" >> "$LOGS/udhcpd.log" 2>&1 &
  PIDS+=($!)
}
serve ap1 192.168.50 dhcp
serve ap1b 192.168.51 dhcp
serve ap1c 192.168.52 dhcp
serve ap2 192.168.60 dhcp
serve ap2b 192.168.61 dhcp
serve ap2c 192.168.62 nodhcp
serve ap3 192.168.70 dhcp
serve ap3b 192.168.71 nodhcp
serve ap3c 192.168.72 dhcp
busybox nc -ll -p 7777 -e /bin/cat > "$LOGS/echo-server.log" 2>&1 &
PIDS+=($!)
busybox httpd -f -p 192.168.70.1:80 -h "$G/portal" > "$LOGS/portal.log" 2>&1 &
PIDS+=($!)

# the device's wpa_supplicant: control socket only, networks come from the driver
mkdir -p /run/wpa_supplicant
ip netns exec sta wpa_supplicant -t -i wlan0 -D nl80211 -C /run/wpa_supplicant \
  > "$LOGS/wpa_supplicant.log" 2>&1 &
PIDS+=($!)
log "AP side ready"

# the agent: JSON requests on /dev/ttyS1 (host: $HWSIM_WORK/agent.sock), in netns sta
export PYTHONPATH="$WSS_REPO:$G:$(dirname "$G")" PYTHONDONTWRITEBYTECODE=1 WSS_HWSIM_GUEST=1
ip netns exec sta "$WSS_PYTHON" "$G/agent.py" /dev/ttyS1 > "$LOGS/agent.log" 2>&1
rc=$?
log "agent exited with status $rc"
exit $rc
