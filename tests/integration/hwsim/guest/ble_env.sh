#!/bin/bash
# The guest's Bluetooth environment for the BLE tests; runs INSIDE the guest, as root, in
# the root network namespace (AF_BLUETOOTH sockets exist only there; the device's Python in
# namespace "sta" reaches bluetoothd over the system bus's Unix socket, a path).
#
#   ble_env.sh start   # hci_vhci, three virtual LE controllers, a system bus, bluetoothd
#   ble_env.sh status  # adapters as bluetoothd sees them
#   ble_env.sh mtu N   # bluetoothd started again with [GATT] ExchangeMTU = N (48..517;
#                      # 517 is bluetoothd's default; below 48 its BR/EDR ATT listener
#                      # fails, L2CAP's minimum): its GATT client and server then agree
#                      # on an ATT MTU of N, so values past N-3 / N-1 bytes take long
#                      # writes and Read Blob requests
#
# * hci_vhci + `btvirt -L -l3` (bluez-test-tools): three LE-only controllers linked by
#   btvirt's emulator, so an advertisement of one is received by the others: hci1 is the
#   device's, hci0 the phone's, hci2 a second phone's (the two-clients test).
# * A private system dbus-daemon: /run is the guest's own tmpfs, so this bus is the
#   guest's alone.
# * bluetoothd under `chrt -f 10`: the emulator answers instantly, and a bluetoothd at
#   normal priority under TCG misses the connection-complete event (a scout saw 0 of 6
#   connects succeed without real-time priority, 23 of 23 with it).
# Logs: $HWSIM_WORK/logs/{btvirt,dbus,bluetoothd}.log. Prints "BLE-ENV-READY" when the three
# adapters are registered with bluetoothd, or one line naming the step that failed.
set -uo pipefail
LOGS=${HWSIM_WORK:-/tmp}/logs
mkdir -p "$LOGS"
fail() { echo "BLE-ENV-FAILED: $*"; exit 1; }

start_bluetoothd() {  # $1: a main.conf for -f, or nothing; the pid goes to $LOGS/bluetoothd.pid
  # BLE_BLUETOOTHD_DEBUG=1: bluetoothd's debug log (every ATT request) in bluetoothd.log
  setsid chrt -f 10 /usr/libexec/bluetooth/bluetoothd -n ${BLE_BLUETOOTHD_DEBUG:+-d} ${1:+-f "$1"} \
    >> "$LOGS/bluetoothd.log" 2>&1 < /dev/null &
  echo $! > "$LOGS/bluetoothd.pid"
}

# bluetoothd until it shows the three adapters: under a loaded host its set-up of an
# adapter can fail on a Busy reply and leave the adapter out, so it is started again (at
# most 3 times, 20 s each). $1: a main.conf, or nothing.
run_bluetoothd() {
  for round in 1 2 3; do
    start_bluetoothd "${1:-}"
    btpid=$(cat "$LOGS/bluetoothd.pid")
    end=$((SECONDS + 20))
    while [ "$SECONDS" -lt "$end" ] && [ "$(adapters)" -lt 3 ]; do sleep 0.2; done
    [ "$(adapters)" -ge 3 ] && return 0
    echo "bluetoothd round $round: $(adapters) of 3 adapters; starting it again" >> "$LOGS/bluetoothd.log"
    kill "$btpid"; wait "$btpid" 2>/dev/null; sleep 0.5
  done
  return 1
}

adapters() {
  dbus-send --system --print-reply --dest=org.bluez / org.freedesktop.DBus.ObjectManager.GetManagedObjects 2>/dev/null \
    | grep -o 'object path "/org/bluez/hci[0-9]*"' | sort -u | wc -l
}

case "${1:-start}" in
start)
  if [ "$(adapters)" -ge 3 ]; then echo "BLE-ENV-READY (already running)"; exit 0; fi
  modprobe hci_vhci || fail "modprobe hci_vhci"
  [ -c /dev/vhci ] || fail "/dev/vhci is missing after modprobe hci_vhci"
  # bluetoothd keeps adapter settings and known devices here; the host's is read-only
  # in the guest: a tmpfs, so every boot starts with no cached device
  mkdir -p /var/lib/bluetooth 2>/dev/null; mount -t tmpfs -o mode=0700 tmpfs /var/lib/bluetooth \
    || fail "cannot mount a tmpfs on /var/lib/bluetooth"
  mkdir -p /run/dbus
  dbus-daemon --system --fork --nopidfile > "$LOGS/dbus.log" 2>&1 || fail "dbus-daemon: $(tail -3 "$LOGS/dbus.log")"
  for _ in $(seq 50); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.1; done
  [ -S /run/dbus/system_bus_socket ] || fail "no /run/dbus/system_bus_socket"
  # the controllers first, then bluetoothd, which sets each up
  setsid btvirt -L -l3 > "$LOGS/btvirt.log" 2>&1 < /dev/null &
  for _ in $(seq 100); do [ -e /sys/class/bluetooth/hci2 ] && break; sleep 0.1; done
  [ -e /sys/class/bluetooth/hci2 ] || fail "btvirt made no hci2: $(tail -3 "$LOGS/btvirt.log")"
  run_bluetoothd || fail "bluetoothd shows $(adapters) of 3 adapters: $(tail -5 "$LOGS/bluetoothd.log")"
  echo "BLE-ENV-READY"
  ;;
mtu)
  mtu=${2:-}
  case "$mtu" in ''|*[!0-9]*) fail "usage: ble_env.sh mtu 48..517";; esac
  [ "$mtu" -ge 48 ] && [ "$mtu" -le 517 ] || fail "bluetoothd takes an ExchangeMTU of 48..517, not $mtu"
  pid=$(cat "$LOGS/bluetoothd.pid" 2>/dev/null)
  [ -n "$pid" ] || fail "no bluetoothd started by ble_env.sh start"
  kill "$pid" 2>/dev/null
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  conf=/run/wss-bluetoothd-mtu.conf
  printf '[GATT]\nExchangeMTU = %s\n' "$mtu" > "$conf"
  run_bluetoothd "$conf" || fail "bluetoothd (MTU $mtu) shows $(adapters) of 3 adapters: $(tail -5 "$LOGS/bluetoothd.log")"
  echo "BLE-ENV-READY (ExchangeMTU $mtu)"
  ;;
status)
  echo "adapters: $(adapters)"
  ls /sys/class/bluetooth
  ;;
*)
  fail "usage: ble_env.sh start|status|mtu N"
  ;;
esac
