"""``EspAtEmulator``: an ESP32 with ESP-AT firmware behind a pseudo-terminal, for a desk.

Open the path it prints like a USB serial adapter (``wss provision --hal esp_at
--hal-option port=PATH``, Adafruit's ``adafruit_espatcontrol``, a terminal at 115200
8N1). Behind it:

* the firmware (:mod:`.firmware`, :mod:`.basic`, :mod:`.wifi`, :mod:`.net`), following
  ESP-AT v3.x/v4.x (``docs/esp-at.md`` says where versions differ and which we follow);
* the radio: the mock radio's YAML environment (:class:`hal.mock.WifiDriverMock`): the
  same access points, the same provisioner that brings up the encoded setup network
  (built from the environment's ``provisioner:`` section: its cloud private key and the
  devices it knows);
* TCP links as real sockets to 127.0.0.1 (the local DSS), through the joined network's
  rules;
* the SoftAP (:mod:`.softap`): ``AT+CWSAP``, ``AT+CIPAP``, ``AT+CIPSERVER``, and the
  "phone" side: while the module's server runs, a TCP connection to
  :meth:`EspAtEmulator.phone_address` is a station connecting to it;
* the UART paced at the baud rate (:mod:`.uart`), and the faults of :mod:`.faults`.

This is a tool (``wss esp-at-emulator``); the device path never imports it.

Source: issue 11; ESP-AT documentation (see ``docs/esp-at.md``).
"""

from __future__ import annotations

import copy
import logging
import time
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple, Union

from hal.errors import HALError, InvalidArgument
from hal.mock import ProvisionerSpec, WifiDriverMock
from hal.types import parse_bssid

from ...errors import ConfigError
from .basic import BASIC_COMMANDS, gmr_lines
from .faults import FaultPlan, LinkFault, parse_faults
from .firmware import Firmware, ModuleState
from .net import NET_COMMANDS, Links
from .softap import SOFTAP_COMMANDS
from .uart import PacedPty
from .wifi import WIFI_COMMANDS, Station

__all__ = ["EspAtEmulator", "provisioner_from_spec", "CHIPS"]

log = logging.getLogger("wss.emulators.esp_at")

#: Chips the emulator can be: name → whether it has a 5 GHz radio.
CHIPS: Mapping[str, bool] = {"ESP32": False, "ESP32C3": False, "ESP32C6": False, "ESP32C5": True}


def provisioner_from_spec(spec: ProvisionerSpec) -> Any:
    """The environment's provisioner: ``Provisioner.from_files`` with its cloud private key
    and the device certificates (or public keys) it lists.

    Raises:
        ConfigError: the ``provisioner:`` section names no cloud private key.
    """
    from ...cloud.provisioner import Provisioner

    if spec.cloud_private_key is None:
        raise ConfigError("the environment's provisioner needs cloud_private_key (or give --pki DIR)")
    return Provisioner.from_files(spec.cloud_private_key, [path for path in spec.devices if Path(path).exists()])


def _load_yaml(path: Path) -> Any:
    import yaml

    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror})") from None
    except yaml.YAMLError:
        raise ConfigError(f"{path}: not valid YAML") from None


class EspAtEmulator:
    """An emulated ESP-AT module on a pty.

    Args:
        environment: The radio: a YAML path or a dict (``hal/mock/README.md``).
        baud: UART rate at power-up and after every restart.
        link: Path of a symbolic link to make to the pty (None: none).
        faults: Faults: a YAML path, a list, or a mapping with ``faults:`` (:mod:`.faults`);
            radio faults join the environment's.
        base_dir: Folder relative paths of the environment resolve against (default: the
            YAML file's folder).
        provisioner: A ready provisioner (``passphrase_for(ssid)``); default: built from
            the environment's ``provisioner:`` section (:func:`provisioner_from_spec`).
        cloud_private_key, devices: Replace / extend the ``provisioner:`` section (``--pki``).
        dss_host, dss_setup_port: Replace ``internet:`` values.
        chip: One of :data:`CHIPS` (``ESP32C5`` hears 5 GHz).
        version: The firmware version ``AT+GMR`` reports.
        boot_time_s: Seconds from a restart to ``ready``.
        mac: The station's MAC address (``AT+CIPSTAMAC?``; the SoftAP's is one more),
            e.g. ``"24:6f:28:26:1f:cc"``; default ``02:e5:a7:00:00:01``.
        phone_port: Loopback port where phones reach the module's TCP server while it
            runs (0: a free one, see :meth:`phone_address`).
    Raises:
        ConfigError: a bad environment, faults document or chip (the message names it).
    """

    def __init__(
        self,
        environment: Union[str, Path, Mapping[str, Any]],
        *,
        baud: int = 115200,
        link: Union[str, Path, None] = None,
        faults: Union[str, Path, Sequence[Any], Mapping[str, Any], None] = None,
        base_dir: Union[str, Path, None] = None,
        provisioner: Any = None,
        cloud_private_key: Union[str, Path, None] = None,
        devices: Sequence[Union[str, Path]] = (),
        dss_host: Optional[str] = None,
        dss_setup_port: Optional[int] = None,
        chip: str = "ESP32",
        version: str = "4.0.0.0",
        boot_time_s: float = 0.05,
        mac: Optional[str] = None,
        phone_port: int = 0,
    ) -> None:
        chip = chip.upper().replace("-", "")
        if chip not in CHIPS:
            raise ConfigError(f"chip {chip!r}: one of {sorted(CHIPS)}")
        if baud <= 0:
            raise ConfigError(f"baud {baud}: must be positive")
        try:
            self.mac = parse_bssid(mac) if mac is not None else None
        except InvalidArgument as exc:
            raise ConfigError(f"mac: {exc}") from None
        if self.mac is not None and self.mac[0] & 1:
            raise ConfigError(f"mac {mac}: a multicast address")
        if not 0 <= phone_port <= 65535:
            raise ConfigError(f"phone_port {phone_port}: must be 0-65535")
        self.phone_port = phone_port
        link_faults, radio_faults = self._faults(faults)
        env_source, base = self._environment(environment, radio_faults, base_dir)
        try:
            self.radio = WifiDriverMock(
                env_source,
                base_dir=base,
                provisioner=provisioner,
                provisioner_factory=None if provisioner is not None else self._factory(devices),
                cloud_private_key=cloud_private_key,
                dss_host=dss_host,
                dss_setup_port=dss_setup_port,
                capabilities={"band_5ghz": CHIPS[chip], "softap": False},
            )
        except HALError as exc:
            raise ConfigError(str(exc)) from None
        self.baud, self.link_path, self.chip, self.version = baud, link, chip, version
        self.boot_time_s = boot_time_s
        self.plan = FaultPlan(link_faults)
        self.uart: Optional[PacedPty] = None
        self.firmware: Optional[Firmware] = None
        self.links: Optional[Links] = None

    @staticmethod
    def _faults(faults: Any) -> tuple:
        if faults is None:
            return [], []
        if isinstance(faults, (str, Path)):
            return parse_faults(_load_yaml(Path(faults)), str(faults))
        if isinstance(faults, (list, tuple)) and all(isinstance(f, LinkFault) for f in faults):
            return list(faults), []
        return parse_faults(faults)

    @staticmethod
    def _environment(environment: Any, radio_faults: list, base_dir: Any) -> tuple:
        """The environment for the mock radio, with the radio faults added."""
        if not radio_faults:
            return environment, base_dir
        if isinstance(environment, (str, Path)):
            path = Path(environment)
            data = _load_yaml(path) or {}
            base_dir = base_dir if base_dir is not None else path.resolve().parent
        else:
            data = copy.deepcopy(dict(environment))
        if not isinstance(data, dict):
            raise ConfigError(f"{environment}: the environment must be a mapping")
        data["faults"] = list(data.get("faults") or []) + radio_faults
        return data, base_dir

    @staticmethod
    def _factory(devices: Sequence[Union[str, Path]]) -> Any:
        def make(spec: ProvisionerSpec) -> Any:
            from dataclasses import replace

            return provisioner_from_spec(replace(spec, devices=tuple(Path(d) for d in devices) + spec.devices))

        return make

    # ------------------------------------------------------------------ lifecycle --

    def start(self) -> str:
        """Open the pty, power the module on; return the pty's path."""
        commands: Dict[bytes, Any] = {**BASIC_COMMANDS, **WIFI_COMMANDS, **NET_COMMANDS, **SOFTAP_COMMANDS}
        self.radio.open()
        uart = PacedPty(self.baud, self._receive, self.link_path)
        firmware = Firmware(
            uart, commands, self.plan, start_baud=self.baud, boot_time_s=self.boot_time_s, on_restart=self._restarted
        )
        firmware.gmr = gmr_lines(self.version, self.chip)
        firmware.station = Station(self.radio)
        firmware.links = self.links = Links(firmware, self.phone_port)
        firmware.fresh_state = self._fresh_state
        firmware.state = self._fresh_state()
        self.uart, self.firmware = uart, firmware
        uart.start()
        self.links.start()
        firmware.power_on()
        log.info("ESP-AT emulator on %s (%s, %d baud)", uart.path, self.chip, self.baud)
        return uart.path

    def _receive(self, data: bytes) -> None:
        if self.firmware is not None:
            self.firmware.receive(data)

    def _fresh_state(self) -> ModuleState:
        """The module's state at power-up (with the configured MAC addresses)."""
        state = ModuleState()
        if self.mac is not None:
            state.sta_mac = self.mac
            state.ap_mac = self.mac[:5] + bytes([(self.mac[5] + 1) & 0xFF])
            state.ap_ssid = b"ESP_" + state.ap_mac[3:].hex().upper().encode()
        return state

    def _restarted(self) -> None:
        assert self.firmware is not None and self.links is not None
        self.links.close_gate()
        self.links.cut_all(report=False)
        self.firmware.station.leave()

    def close(self) -> None:
        """Power off: stop every thread, close the links and the pty (idempotent)."""
        if self.firmware is not None:
            self.firmware.stop()
        if self.links is not None:
            self.links.stop()
        if self.uart is not None:
            self.uart.close()
        self.radio.close()
        self.firmware, self.links, self.uart = None, None, None

    @property
    def path(self) -> str:
        """The pty's path (after start())."""
        if self.uart is None:
            raise RuntimeError("the emulator is not started")
        return self.uart.path

    def phone_address(self) -> Tuple[str, int]:
        """Where a phone on the SoftAP reaches the module's TCP server: ``(host, port)``
        on loopback (a connection there makes the module print ``<id>,CONNECT``).

        Raises:
            RuntimeError: no server runs (``AT+CIPSERVER=1`` not sent yet).
        """
        gate = self.links.gate if self.links is not None else None
        if gate is None:
            raise RuntimeError("the emulated module runs no TCP server (AT+CIPSERVER=1 first)")
        return gate.address

    def wait_for_server(self, timeout_s: float) -> Tuple[str, int]:
        """:meth:`phone_address` once the host has started the server, within ``timeout_s``.

        Raises:
            TimeoutError: no server within ``timeout_s`` seconds.
        """
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                return self.phone_address()
            except RuntimeError:
                if time.monotonic() >= deadline:
                    raise TimeoutError(f"the emulated module started no TCP server within {timeout_s:g} s") from None
                time.sleep(0.02)

    @property
    def restarts(self) -> int:
        """How many times the module restarted since power-on."""
        return self.firmware.restarts if self.firmware is not None else 0

    def __enter__(self) -> EspAtEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
