"""A certification profile: the home the device is set up in, and the faults that strike.

A profile is one YAML file (the two shipped ones: :func:`shipped_profile_path`)::

    extends: default           # optional: start from another profile (a shipped name or a
                               # path relative to this file); the keys given here replace its
    name: default
    description: one line for the report
    seed: 20231020             # default seed of the plan (--seed wins)
    draw: exact                # exact | independent (see wss.certify.plan)
    home:                      # the mock radio environment (hal/mock/README.md) ...
      access_points: [...]
      provisioner: {bssid: "02:ec:40:00:00:01", channel: 6, rssi: -40}
      faults: [...]            # permanent faults, in every run (a cafe's captive portal)
      customers: [...]         # ... and the customer's account (wss/cloud/accounts.py format)
    faults:
      radio:                   # at most one per run; rates add up to at most 1
        - {rate: 0.05, type: wrong_psk, ssid: Home-5G}
        - {rate: 0.01, type: out_of_range, ssids: [Home, Home-5G]}
        - {rate: 0.01, type: no_provisioner}
      dss:                     # at most one per run; rates add up to at most 1
        - {rate: 0.05, kind: http_5xx, operation: [report, getWifiCredentials], count: 1}
    limits:
      run_s: 300               # a run that takes longer (device clock) fails

A radio fault is a fault of the mock radio (``type`` and its keys as in
``hal/mock/README.md``) or one of two changes to the home: ``out_of_range`` (these
SSIDs are off the air for the run: the router is off or too far) and
``no_provisioner`` (no Amazon device is in range to host the setup network). A DSS
fault is a rule of the local DSS (``wss/cloud/faults.py``) in which any field may be a
list: one element is chosen per run. ``rate`` is the share of runs the fault strikes.

Every entry is checked when the profile is loaded, by the same code that later runs it
(the mock's environment parser, the DSS's fault parser); a bad entry is a
:class:`~wss.errors.UsageError` naming the file and the entry.

Source: issue 13 (profile: home, radio and DSS faults, seeded); provisionee
certification guide.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

from ..errors import ConfigError, UsageError

__all__ = [
    "RADIO_FAULT_CODES",
    "RadioFault",
    "DSSFault",
    "Profile",
    "load_profile",
    "shipped_profile_path",
    "SHIPPED_PROFILES",
]

#: The profiles shipped as package data (``wss/certify/profiles/NAME.yaml``).
SHIPPED_PROFILES = ("default", "clean")

#: The error-details code a failed attempt on a faulted AP must carry, by fault type
#: (docs/provisionee.md, the DriverBridge table). ``slow_association`` fails only when
#: its delay passes the connect timeout; ``out_of_range`` leaves nothing to try when no
#: saved network is left on the air (3:1:0:1, checked on the empty-SSID attempt).
RADIO_FAULT_CODES: Dict[str, Optional[str]] = {
    "wrong_psk": "3:2:0:1",
    "ap_vanishes": "3:16:0:1",
    "captive_portal": "3:4:0:1",
    "limited_connectivity": "3:5:0:1",
    "slow_association": "3:6:0:3",
    "chip_error": "3:3:0:1",
    "out_of_range": None,
    "no_provisioner": None,
}
_HOME_CHANGES = ("out_of_range", "no_provisioner")
_TOP = ("extends", "name", "description", "seed", "draw", "home", "faults", "limits")
#: How many profiles deep ``extends`` may go.
_MAX_EXTENDS = 8
_DRAWS = ("exact", "independent")


@dataclass(frozen=True)
class RadioFault:
    """One radio fault of a profile.

    Attributes:
        name: a short label for reports (``wrong_psk@Home-5G``).
        rate: share of runs it strikes, 0..1.
        type: a mock fault type, ``out_of_range`` or ``no_provisioner``.
        entry: the mock fault entry (``hal/mock/README.md``), empty for home changes.
        ssids: the SSIDs taken off the air (``out_of_range``).
    """

    name: str
    rate: float
    type: str
    entry: Mapping[str, Any] = field(default_factory=dict)
    ssids: Tuple[str, ...] = ()

    def target(self) -> Optional[str]:
        """The SSID the mock fault targets; ``"<setup>"`` for the setup network; None for
        a home change or a BSSID target."""
        if self.entry.get("setup_network"):
            return "<setup>"
        ssid = self.entry.get("ssid")
        return str(ssid) if ssid is not None else None

    def expected_code(self, connect_timeout_s: float) -> Optional[str]:
        """The code a failed attempt on the target must carry (None: no attempt should fail).

        Args:
            connect_timeout_s: the device's time allowed per network, seconds.
        """
        if self.type == "slow_association" and float(self.entry.get("delay_s", 0)) <= connect_timeout_s:
            return None
        return RADIO_FAULT_CODES[self.type]


@dataclass(frozen=True)
class DSSFault:
    """One DSS fault of a profile: a local-DSS fault rule whose fields may list choices.

    Attributes:
        name: a short label for reports (``http_5xx``, ``bad_signature@report``).
        rate: share of runs it strikes, 0..1.
        rule: the rule's fields; a list value means one element chosen per run.
    """

    name: str
    rate: float
    rule: Mapping[str, Any]

    def choices(self) -> Dict[str, List[Any]]:
        """Every field as a list of its possible values (a scalar is a list of one)."""
        return {key: list(value) if isinstance(value, list) else [value] for key, value in self.rule.items()}


@dataclass(frozen=True)
class Profile:
    """A loaded and checked profile (format: module docstring).

    Attributes:
        name, description: from the file.
        source: the file it was read from.
        sha256: SHA-256 of the file's bytes (hex), for the report.
        seed: the default seed of a plan.
        draw: ``exact`` (each fault strikes round(rate x runs) runs, at least one) or
            ``independent`` (each run draws its faults on its own).
        home: the radio environment, ``customers`` removed (a mapping the mock loads).
        accounts: ``{"customers": [...]}`` for the local DSS.
        radio_faults, dss_faults: the faults.
        run_s: the longest a run may take on the device's clock, seconds (None: no limit).
        permanent: the home's own faults (``home.faults``), in every run: injected into
            a simulated radio; on real access points, a description of what they do (a
            network whose password changed), so that the checks expect its codes.
    """

    name: str
    description: str
    source: str
    sha256: str
    seed: int
    draw: str
    home: Mapping[str, Any]
    accounts: Mapping[str, Any]
    radio_faults: Tuple[RadioFault, ...]
    dss_faults: Tuple[DSSFault, ...]
    run_s: Optional[float]
    permanent: Tuple[RadioFault, ...] = ()

    @property
    def home_ssids(self) -> Tuple[str, ...]:
        """The SSIDs of the customer's saved networks (every customer of the accounts)."""
        return tuple(
            str(network["ssid"])
            for customer in self.accounts.get("customers") or []
            for network in customer.get("networks") or []
        )


def shipped_profile_path(name: str) -> Path:
    """The file of a shipped profile (``default`` or ``clean``).

    Raises:
        UsageError: no such shipped profile.
    """
    if name not in SHIPPED_PROFILES:
        raise UsageError(f"no shipped profile {name!r}; shipped: {', '.join(SHIPPED_PROFILES)}")
    return Path(__file__).resolve().parent / "profiles" / f"{name}.yaml"


def load_profile(source: Union[str, Path]) -> Profile:
    """Load a profile from a file, or a shipped one by name (``default``, ``clean``).

    Raises:
        UsageError: unreadable, not YAML, or an entry that is wrong (the message names
            the file and the entry).
    """
    path = _locate(source, None)
    digest = hashlib.sha256()
    document = _read_document(path, digest, ())
    return _Reader(str(path)).profile(document, digest.hexdigest())


def _locate(source: Union[str, Path], base: Optional[Path]) -> Path:
    """A profile's file: a shipped name (unless such a file exists), else a path (relative
    to ``base``, the folder of the profile that names it, when given)."""
    path = Path(source)
    if base is not None and not path.is_absolute():
        path = base / path
    if str(source) in SHIPPED_PROFILES and not path.exists():
        return shipped_profile_path(str(source))
    return path


def _read_document(path: Path, digest: Any, seen: Tuple[Path, ...]) -> Dict[str, Any]:
    """The profile document at ``path`` with its ``extends`` chain merged (top-level keys
    of the extending profile win); every file's bytes go into ``digest``."""
    from ..cloud.yamlfile import read_yaml

    if len(seen) >= _MAX_EXTENDS or path.resolve() in seen:
        raise UsageError(f"{path}: extends goes in a circle or deeper than {_MAX_EXTENDS} profiles")
    try:
        digest.update(path.read_bytes())
        document = read_yaml(str(path))
    except OSError as exc:
        raise UsageError(f"{path}: cannot read the profile ({exc.strerror or exc})") from None
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if document is None:
        document = {}
    if not isinstance(document, dict):
        raise UsageError(f"{path}: top level: must be a mapping")
    base = document.pop("extends", None)
    if base is None:
        return document
    if not isinstance(base, str):
        raise UsageError(f"{path}: extends: must be a profile name or a path, got {base!r}")
    parent = _read_document(_locate(base, path.parent), digest, seen + (path.resolve(),))
    return {**parent, **document}


class _Reader:
    """Checks a profile document, naming the file and entry of every problem."""

    def __init__(self, name: str) -> None:
        self.name = name

    def fail(self, where: str, message: str) -> UsageError:
        return UsageError(f"{self.name}: {where}: {message}")

    def mapping(self, raw: Any, where: str, allowed: Sequence[str]) -> Dict[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a mapping")
        unknown = sorted(set(map(str, raw)) - set(allowed))
        if unknown:
            raise self.fail(where, f"unknown keys {unknown}; expected some of {list(allowed)}")
        return dict(raw)

    def rate(self, raw: Any, where: str) -> float:
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not 0.0 <= raw <= 1.0:
            raise self.fail(f"{where}.rate", f"must be a number within 0..1, got {raw!r}")
        return float(raw)

    def profile(self, document: Any, sha256: str) -> Profile:
        top = self.mapping(document if document is not None else {}, "top level", _TOP)
        seed = top.get("seed", 0)
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise self.fail("seed", f"must be an integer, got {seed!r}")
        draw = top.get("draw", "exact")
        if draw not in _DRAWS:
            raise self.fail("draw", f"must be one of {', '.join(_DRAWS)}, got {draw!r}")
        home, accounts = self.home(top.get("home"))
        faults = self.mapping(top.get("faults") or {}, "faults", ("radio", "dss"))
        radio = tuple(
            self.radio_fault(item, f"faults.radio[{i}]", home) for i, item in enumerate(self.items(faults, "radio"))
        )
        dss = tuple(self.dss_fault(item, f"faults.dss[{i}]") for i, item in enumerate(self.items(faults, "dss")))
        for what, group in (("faults.radio", radio), ("faults.dss", dss)):
            total = sum(f.rate for f in group)
            if total > 1.0 + 1e-9:
                raise self.fail(
                    what, f"the rates add up to {total:g}; at most one fault of a kind strikes a run (<= 1)"
                )
        limits = self.mapping(top.get("limits") or {}, "limits", ("run_s",))
        run_s = limits.get("run_s")
        if run_s is not None and (
            isinstance(run_s, bool) or not isinstance(run_s, (int, float)) or not 0 < run_s < math.inf
        ):
            raise self.fail("limits.run_s", f"must be a positive number of seconds, got {run_s!r}")
        return Profile(
            name=str(top.get("name") or Path(self.name).stem),
            description=str(top.get("description") or ""),
            source=self.name,
            sha256=sha256,
            seed=seed,
            draw=draw,
            home=home,
            accounts=accounts,
            radio_faults=radio,
            dss_faults=dss,
            run_s=float(run_s) if run_s is not None else None,
            permanent=tuple(
                RadioFault(
                    f"{entry['type']}@{entry.get('ssid') or entry.get('bssid') or 'setup'}", 1.0, entry["type"], entry
                )
                for entry in home.get("faults") or []
            ),
        )

    def items(self, faults: Mapping[str, Any], kind: str) -> List[Any]:
        items = faults.get(kind) or []
        if not isinstance(items, list):
            raise self.fail(f"faults.{kind}", "must be a list")
        return items

    def home(self, raw: Any) -> Tuple[Dict[str, Any], Dict[str, Any]]:
        from hal.errors import HALError
        from hal.mock.environment import load_environment

        from ..cloud.accounts import load_accounts

        if not isinstance(raw, Mapping):
            raise self.fail("home", "must be a mapping: a radio environment with a customers section")
        home = {str(key): value for key, value in raw.items() if key != "customers"}
        accounts = {"customers": raw.get("customers") or []}
        if not accounts["customers"]:
            raise self.fail("home.customers", "the customer's account (its saved networks) is missing")
        try:
            load_environment(home)
        except HALError as exc:
            raise self.fail("home", _without_source(exc)) from None
        try:
            load_accounts(accounts)
        except ConfigError as exc:
            raise self.fail("home.customers", str(exc)) from None
        return home, accounts

    def radio_fault(self, raw: Any, where: str, home: Mapping[str, Any]) -> RadioFault:
        from hal.errors import HALError
        from hal.mock.environment import load_environment

        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a mapping")
        entry = {str(key): value for key, value in raw.items() if key not in ("rate", "name")}
        rate = self.rate(raw.get("rate"), where)
        kind = entry.get("type")
        if kind not in RADIO_FAULT_CODES:
            raise self.fail(f"{where}.type", f"must be one of {', '.join(RADIO_FAULT_CODES)}, got {kind!r}")
        on_air = {str(ap.get("ssid")) for ap in home.get("access_points") or [] if isinstance(ap, Mapping)}
        if kind == "no_provisioner":
            self.mapping(entry, where, ("type",))
            if not home.get("provisioner"):
                raise self.fail(where, "the home has no provisioner to take away")
            return RadioFault(str(raw.get("name") or kind), rate, kind)
        if kind == "out_of_range":
            ssids = self.mapping(entry, where, ("type", "ssids")).get("ssids")
            if not isinstance(ssids, list) or not ssids or not all(isinstance(s, str) for s in ssids):
                raise self.fail(f"{where}.ssids", "must be a non-empty list of SSIDs")
            missing = sorted(set(ssids) - on_air)
            if missing:
                raise self.fail(f"{where}.ssids", f"{missing} are not access points of the home")
            name = str(raw.get("name") or f"out_of_range@{'+'.join(ssids)}")
            return RadioFault(name, rate, kind, ssids=tuple(ssids))
        try:
            load_environment({**home, "faults": [entry]})
        except HALError as exc:
            text = _without_source(exc)
            if text.startswith("faults[0]"):  # "faults[0].delay_s: ..." is this entry's
                raise UsageError(f"{self.name}: {where}{text[len('faults[0]') :]}") from None
            raise self.fail(where, text) from None
        if entry.get("ssid") is not None and str(entry["ssid"]) not in on_air:
            raise self.fail(f"{where}.ssid", f"{entry['ssid']!r} is not an access point of the home")
        target = entry.get("ssid") or entry.get("bssid") or ("setup" if entry.get("setup_network") else "?")
        return RadioFault(str(raw.get("name") or f"{kind}@{target}"), rate, str(kind), entry)

    def dss_fault(self, raw: Any, where: str) -> DSSFault:
        from ..cloud.faults import load_faults

        if not isinstance(raw, Mapping):
            raise self.fail(where, "must be a mapping")
        rule = {str(key): value for key, value in raw.items() if key not in ("rate", "name")}
        rate = self.rate(raw.get("rate"), where)
        fault = DSSFault("", rate, rule)
        choices = fault.choices()
        for key, values in choices.items():
            if not values:
                raise self.fail(f"{where}.{key}", "an empty list of choices")
        for key, values in choices.items():
            for value in values:  # each choice with the first of every other field
                concrete = {k: (value if k == key else v[0]) for k, v in choices.items()}
                try:
                    load_faults({"faults": [concrete]})
                except ConfigError as exc:
                    raise self.fail(where, str(exc).replace("faults: faults[0]: ", "")) from None
        operation = rule.get("operation")
        suffix = f"@{operation}" if isinstance(operation, str) and operation != "*" else ""
        return DSSFault(str(raw.get("name") or f"{rule.get('kind')}{suffix}"), rate, rule)


def _without_source(exc: Exception) -> str:
    """A mock environment error without its ``<dict>: `` prefix (the profile names the file)."""
    text = str(exc)
    return text[len("<dict>: ") :] if text.startswith("<dict>: ") else text
