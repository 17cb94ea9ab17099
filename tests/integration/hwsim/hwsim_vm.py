"""Host side of the mac80211_hwsim test guest: checks, boot files, QEMU, agent client.

The guest is a QEMU machine booting the host's Debian kernel (``linux-image-amd64``)
with the host's root file system shared read-only over virtio-9p, so every binary
(hostapd, wpa_supplicant, busybox, this repository, the Python interpreter running
pytest) is the host's own. A 1-2 MB initramfs mounts the share and runs
``guest/setup.sh``, which loads ``mac80211_hwsim``, starts the access points and
wpa_supplicant, then ``guest/agent.py``: a JSON-lines agent on the guest's second serial
port, which QEMU connects to the host Unix socket ``<work>/agent.sock``.

Under TCG (software emulation) the kernel is booted through its PVH entry point: the
xz payload of ``/boot/vmlinuz-*`` is unpacked once to an ELF ``vmlinux`` (cached in the
work folder), which saves about 4.5 s of decompression per boot.

Source: ``tests/integration/README.md`` (how it works, and what the kernel shows).
"""

from __future__ import annotations

import json
import lzma
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

HERE = Path(__file__).resolve().parent
GUEST_DIR = HERE / "guest"
REPO = HERE.parents[2]

#: Host tools the guest needs (all from the host root) -> the Debian package with them.
TOOLS = {
    "qemu-system-x86_64": "qemu-system-x86",
    "hostapd": "hostapd",
    "hostapd_cli": "hostapd",
    "wpa_supplicant": "wpasupplicant",
    "iw": "iw",
    "ip": "iproute2",
    "busybox": "busybox-static",
    "modprobe": "kmod",
    "cpio": "cpio",
}
#: Modules the initramfs loads to mount the 9p share (dependencies are added).
INITRAMFS_MODULES = ("virtio_pci", "9pnet_virtio", "9p")
INSTALL_HINT = "run tests/integration/hwsim/install-deps.sh as root (or make system-deps)"


class GuestError(RuntimeError):
    """The guest failed to boot, or its agent did not answer."""


# ------------------------------------------------------------------ preflight --


def _tool(name: str) -> Optional[str]:
    return shutil.which(name, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin")


def _has_interp(path: str) -> bool:
    """Whether an ELF file asks for a dynamic loader (PT_INTERP), i.e. is not static."""
    with open(path, "rb") as f:
        head = f.read(64)
        if head[:4] != b"\x7fELF" or head[4] != 2:
            return True
        (phoff,) = struct.unpack_from("<Q", head, 32)
        phentsize, phnum = struct.unpack_from("<HH", head, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    return any(struct.unpack_from("<I", table, i * phentsize)[0] == 3 for i in range(phnum))


def find_kernel() -> Tuple[Optional[Path], str]:
    """The newest ``/boot/vmlinuz-*-amd64`` whose modules include mac80211_hwsim.

    Returns:
        ``(path, version)``, or ``(None, reason)`` when there is none.
    """
    pinned = os.environ.get("HWSIM_KERNEL")
    images = (
        [Path(pinned)]
        if pinned
        else sorted(Path("/boot").glob("vmlinuz-*"), key=lambda p: [int(n) for n in re.findall(r"\d+", p.name)])
    )
    for image in reversed(images):
        version = image.name[len("vmlinuz-") :]
        mods = Path("/lib/modules") / version
        if image.is_file() and any(mods.glob("kernel/drivers/net/wireless/**/mac80211_hwsim.ko*")):
            return image, version
    return (
        None,
        "no /boot/vmlinuz-* with a matching /lib/modules/<version>/.../mac80211_hwsim.ko (apt: linux-image-amd64)",
    )


def missing_requirements() -> List[str]:
    """Everything that stops the guest from booting here, in words; empty when ready."""
    if not sys.platform.startswith("linux"):
        return [f"Linux host (this is {sys.platform})"]
    problems = []
    if os.geteuid() != 0:
        problems.append("root (QEMU exports / to the guest over 9p; the guest runs hostapd as root)")
    absent = sorted({pkg for tool, pkg in TOOLS.items() if _tool(tool) is None})
    if absent:
        how = INSTALL_HINT if _tool("apt-get") else "apt-get is not available to install them"
        problems.append(f"Debian packages {', '.join(absent)} ({how})")
    busybox = _tool("busybox")
    if busybox and "busybox-static" not in absent and _has_interp(busybox):
        problems.append(f"a static busybox ({busybox} is dynamically linked; apt: busybox-static)")
    image, why = find_kernel()
    if image is None:
        problems.append(why)
    return problems


# ----------------------------------------------------------------- boot files --


def pvh_kernel(image: Path, version: str, cache: Path) -> Path:
    """The uncompressed ELF kernel for PVH boot (cached in ``cache``), or ``image``."""
    config = Path("/boot") / f"config-{version}"
    if os.environ.get("HWSIM_NO_PVH") or "CONFIG_PVH=y" not in config.read_text(errors="replace"):
        return image
    target = cache / f"vmlinux-{version}"
    if target.is_file() and target.stat().st_mtime >= image.stat().st_mtime:
        return target
    data = image.read_bytes()
    start = data.find(b"\xfd7zXZ\x00")
    if start < 0:
        return image
    elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[start:])
    if elf[:4] != b"\x7fELF":
        return image
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    tmp.write_bytes(elf)
    tmp.replace(target)
    return target


def build_initramfs(version: str, work: Path) -> Path:
    """A gzip'ed newc cpio: static busybox, the 9p modules, ``guest/init``."""
    root = work / "initramfs.d"
    shutil.rmtree(root, ignore_errors=True)
    for d in ("bin", "dev", "proc", "sys", "newroot", "mods"):
        (root / d).mkdir(parents=True)
    shutil.copy2(_tool("busybox") or "/bin/busybox", root / "bin" / "busybox")
    order: List[str] = []
    for module in INITRAMFS_MODULES:
        out = subprocess.run(
            ["modprobe", "-S", version, "--show-depends", module], check=True, capture_output=True, text=True
        ).stdout
        for line in out.splitlines():
            parts = line.split()
            if parts[:1] == ["insmod"] and Path(parts[1]).name not in order:
                shutil.copy2(parts[1], root / "mods" / Path(parts[1]).name)
                order.append(Path(parts[1]).name)
    (root / "mods" / "order").write_text("\n".join(order) + "\n")
    shutil.copy2(GUEST_DIR / "init", root / "init")
    (root / "init").chmod(0o755)
    target = work / "initramfs.cpio.gz"
    files = subprocess.run(["find", "."], cwd=root, check=True, capture_output=True).stdout
    cpio = subprocess.run(
        ["cpio", "-o", "-H", "newc", "--quiet"], cwd=root, input=files, check=True, capture_output=True
    ).stdout
    import gzip

    target.write_bytes(gzip.compress(cpio, compresslevel=1))
    return target


def accelerator() -> Tuple[List[str], int]:
    """QEMU accelerator arguments and vCPU count.

    KVM only when /dev/kvm is usable *and* the CPU has vmx/svm: a PVM /dev/kvm (nested
    software virtualisation, as on these CI machines) cannot boot a stock kernel in
    reasonable time. Under TCG one vCPU is faster on a 2-core host (QEMU's 9p I/O
    thread needs the other core).
    """
    choice = os.environ.get("HWSIM_ACCEL", "auto")
    flags = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    kvm = os.access("/dev/kvm", os.R_OK | os.W_OK) and re.search(r"\b(vmx|svm)\b", flags)
    if choice == "kvm" or (choice == "auto" and kvm):
        return ["-accel", "kvm", "-cpu", "host"], 2
    return ["-accel", "tcg,thread=multi", "-cpu", "max"], 1


# ---------------------------------------------------------------- agent link --


class AgentClient:
    """Newline-delimited JSON requests to ``guest/agent.py`` over the serial socket."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buf = b""
        self._next_id = 0

    def request(self, op: str, timeout_s: float = 300.0, **fields: Any) -> Dict[str, Any]:
        self._next_id += 1
        rid = self._next_id
        self._sock.sendall((json.dumps(dict(fields, id=rid, op=op)) + "\n").encode())
        deadline = time.monotonic() + timeout_s
        while True:
            line = self._readline(deadline)
            if not line.startswith(b"{"):
                continue  # serial noise from before the agent set the port raw
            try:
                reply = json.loads(line)
            except ValueError:
                continue
            if reply.get("id") == rid:
                return reply

    def _readline(self, deadline: float) -> bytes:
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from the guest agent")
            self._sock.settimeout(left)
            try:
                chunk = self._sock.recv(65536)
            except socket.timeout:
                raise TimeoutError("no answer from the guest agent") from None
            except OSError as exc:
                raise GuestError(f"the guest agent's serial socket failed ({exc})") from exc
            if not chunk:
                raise GuestError("the guest agent's serial socket closed")
            self._buf += chunk
        line, self._buf = self._buf.split(b"\n", 1)
        return line.strip()

    def close(self) -> None:
        self._sock.close()


def run_folder(base: Path) -> Path:
    """A work folder of this process's own under ``base``, so that concurrent test
    sessions on one machine do not share sockets or logs; folders of processes that
    have ended are removed (the PVH kernel cache stays in ``base``)."""
    base.mkdir(parents=True, exist_ok=True)
    for old in base.glob("run-*"):
        pid = old.name[len("run-") :]
        if pid.isdigit() and int(pid) != os.getpid() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(old, ignore_errors=True)
    return base / f"run-{os.getpid()}"


class HwsimGuest:
    """One booted guest with its agent. Use :meth:`boot`, then :meth:`sh` / :meth:`call`.

    Args:
        work: Folder of this guest: initramfs, logs, agent socket, shared read-write
            with the guest at the same path.
        cache: Folder for the PVH kernel, kept across sessions (default: ``work``).
    """

    def __init__(self, work: Path, cache: Optional[Path] = None) -> None:
        self.work = work
        self.cache = cache or work
        self.logs = work / "logs"
        self.proc: Optional[subprocess.Popen] = None
        self.agent: Optional[AgentClient] = None
        self.timings: Dict[str, float] = {}

    # -- lifecycle --
    def boot(self, timeout_s: float = 300.0) -> None:
        """Build the boot files, start QEMU, wait until the agent answers a ping."""
        t0 = time.monotonic()
        image, version = find_kernel()
        if image is None:
            raise GuestError(version)
        self.work.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.logs, ignore_errors=True)
        self.logs.mkdir()
        kernel = pvh_kernel(image, version, self.cache)
        initrd = build_initramfs(version, self.work)
        self._write_guest_env()
        self.timings["prepare_s"] = time.monotonic() - t0
        sock_path = self.work / "agent.sock"
        if sock_path.exists():
            sock_path.unlink()
        accel, smp = accelerator()
        # an upper bound on the guest's life, so that a test session killed outright
        # does not leave QEMU running
        lifetime = os.environ.get("HWSIM_VM_LIFETIME", "1800")
        cmd = [
            "timeout",
            "--kill-after=10",
            lifetime,
            "qemu-system-x86_64",
            "-machine",
            "q35",
            *accel,
            "-smp",
            str(smp),
            "-m",
            os.environ.get("HWSIM_MEM_MB", "1024"),
            "-kernel",
            str(kernel),
            "-initrd",
            str(initrd),
            "-append",
            (f"console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init wss_hwsim_work={self.work} wss_hwsim_repo={REPO}"),
            "-display",
            "none",
            "-vga",
            "none",
            "-monitor",
            "none",
            "-no-reboot",
            "-net",
            "none",
            "-serial",
            "stdio",
            "-serial",
            f"unix:{sock_path},server=on,wait=off",
            "-virtfs",
            "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
            "-virtfs",
            f"local,path={self.work},mount_tag=work,security_model=none",
            # the checkout again, on its own: the guest puts tmpfs on /tmp, where a
            # CI clone may live, so the host root's view of it may be hidden
            "-virtfs",
            f"local,path={REPO},mount_tag=repo,security_model=none,readonly=on",
        ]
        (self.logs / "qemu-cmdline.txt").write_text(" ".join(cmd) + "\n")
        with open(self.logs / "console.log", "wb") as console:
            self.proc = subprocess.Popen(
                cmd, stdin=subprocess.DEVNULL, stdout=console, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + timeout_s
        self.agent = AgentClient(self._connect(sock_path, deadline))
        while True:
            self._check_alive()
            try:
                if self.agent.request("ping", timeout_s=5).get("pong"):
                    break
            except GuestError:
                self._check_alive()
                raise
            except TimeoutError:
                if time.monotonic() > deadline:
                    raise GuestError(f"guest agent not ready after {timeout_s:.0f} s; {self.log_hint()}") from None
        self.timings["ready_s"] = time.monotonic() - t0

    def _write_guest_env(self) -> None:
        env = {
            "WSS_REPO": str(REPO),
            "WSS_PYTHON": sys.executable,
            "HWSIM_GUEST_DIR": str(GUEST_DIR),
            "HWSIM_WORK": str(self.work),
        }
        text = "".join(f"{k}='{v}'\n" for k, v in env.items())
        (self.work / "guest.env").write_text(text)

    def _connect(self, path: Path, deadline: float) -> socket.socket:
        while time.monotonic() < deadline:
            self._check_alive()
            if path.exists():
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    s.connect(str(path))
                    return s
                except OSError:
                    s.close()
            time.sleep(0.1)
        raise GuestError(f"QEMU never opened {path}; {self.log_hint()}")

    def _check_alive(self) -> None:
        if self.proc is not None and self.proc.poll() is not None:
            raise GuestError(f"QEMU exited with status {self.proc.returncode}; {self.log_hint()}")

    def log_hint(self) -> str:
        return f"see {self.logs}/console.log and {self.logs}/setup.log"

    def shutdown(self) -> None:
        """Ask the agent to power the guest off; kill QEMU's process group if it lingers."""
        if self.agent is not None and self.proc is not None and self.proc.poll() is None:
            try:
                self.agent.request("exit", timeout_s=20)
            except (OSError, TimeoutError, GuestError):
                pass
        if self.agent is not None:
            self.agent.close()
        if self.proc is None:
            return
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    # -- requests --
    def sh(self, cmd: str, ns: str = "sta", timeout_s: float = 120.0) -> Dict[str, Any]:
        """Run ``bash -c cmd`` in the guest: ``ns="sta"`` (the device) or ``"root"`` (the APs).

        Returns:
            ``{"rc": int, "stdout": str, "stderr": str}``.
        """
        reply = self.agent.request(
            "sh",
            cmd=cmd,
            ns=ns,
            timeout=timeout_s,  # type: ignore[union-attr]
            timeout_s=timeout_s + 30,
        )
        if not reply.get("ok"):
            raise GuestError(f"sh {cmd!r} failed in the guest: {reply.get('error')}")
        return reply

    def call(self, fn: str, *args: Any, call_timeout_s: float = 300.0, **kwargs: Any) -> Any:
        """Call ``module:function`` inside the guest agent's Python and return its result.

        ``call_timeout_s`` bounds the wait on the host; every other keyword goes to ``fn``.

        Raises:
            GuestError: The call raised in the guest (the message has its traceback).
        """
        reply = self.agent.request(
            "call",
            fn=fn,
            args=list(args),
            kwargs=kwargs,  # type: ignore[union-attr]
            timeout_s=call_timeout_s,
        )
        if not reply.get("ok"):
            raise GuestError(f"{fn} raised in the guest:\n{reply.get('traceback') or reply.get('error')}")
        return reply["result"]
