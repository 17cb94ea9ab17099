"""Raw netlink attributes of nl80211 messages: the constants and the thin parser we use.

pyroute2 (0.9.x) opens the generic-netlink socket, resolves the ``nl80211`` family and its
multicast groups, encodes requests and runs dumps; the driver relies on it for that. We
read the *attributes* of the replies ourselves, from the raw message bytes, because:

* decoding ``NL80211_ATTR_BSS`` through pyroute2 runs its information-element decoders,
  which raise on malformed or PMKID-carrying elements (see :mod:`hal.nl80211.ies`);
* the raw bytes of an attribute are only reachable through pyroute2 internals
  (``nla_slot.cell``; 0.9 has no ``get_nla()``);
* ``NL80211_ATTR_STATUS_CODE``, ``NL80211_ATTR_SCAN_FREQUENCIES`` and
  ``NL80211_ATTR_PRESP_DATA``-style flags are declared ``'hex'`` there, so they come back
  as colon-separated hex strings;
* multicast events are read from a plain ``socket.socket`` with a timeout, because a
  pyroute2 0.9 socket keeps per-thread state (event loop, transport) and its ``get()``
  has no timeout; the messages are then split and parsed here.

The format is small: ``struct nlattr { u16 nla_len; u16 nla_type; }`` followed by the
payload, padded to 4 octets; the two top bits of ``nla_type`` are flags.

Source: RFC 3549 §2.3.2 (netlink attributes); Linux ``include/uapi/linux/netlink.h``,
``genetlink.h`` and ``nl80211.h`` (attribute and command numbers, stable ABI).
"""

from __future__ import annotations

import struct
from typing import Dict, Iterator, List, Tuple

__all__ = [
    "iter_attrs",
    "attr_map",
    "u16",
    "u32",
    "s32",
    "split_genl_messages",
    "pack_u32_list",
    "band_frequencies",
]

NLA_TYPE_MASK = 0x3FFF  # clears NLA_F_NESTED and NLA_F_NET_BYTEORDER
NLMSG_HDRLEN = 16
GENL_HDRLEN = 4
NLMSG_ERROR = 2
NLMSG_DONE = 3

# nl80211 commands (enum nl80211_commands)
CMD_GET_WIPHY = 1
CMD_GET_INTERFACE = 5
CMD_GET_SCAN = 32
CMD_TRIGGER_SCAN = 33
CMD_NEW_SCAN_RESULTS = 34
CMD_SCAN_ABORTED = 35
CMD_DEL_INTERFACE = 8
CMD_ABORT_SCAN = 114

# nl80211 top-level attributes (enum nl80211_attrs)
ATTR_WIPHY = 1
ATTR_IFINDEX = 3
ATTR_IFNAME = 4
ATTR_IFTYPE = 5
ATTR_WIPHY_BANDS = 22
ATTR_MAX_NUM_SCAN_SSIDS = 43
ATTR_SCAN_FREQUENCIES = 44
ATTR_BSS = 47

# nested in ATTR_BSS (enum nl80211_bss)
BSS_BSSID = 1
BSS_FREQUENCY = 2
BSS_CAPABILITY = 5
BSS_INFORMATION_ELEMENTS = 6
BSS_SIGNAL_MBM = 7
BSS_SIGNAL_UNSPEC = 8
BSS_STATUS = 9
BSS_SEEN_MS_AGO = 10
BSS_BEACON_IES = 11
BSS_PRESP_DATA = 14

# nested in a band of ATTR_WIPHY_BANDS (enum nl80211_band_attr / nl80211_frequency_attr)
BAND_ATTR_FREQS = 1
FREQ_ATTR_FREQ = 1
FREQ_ATTR_DISABLED = 2

IFTYPE_STATION = 2


def iter_attrs(buf: bytes) -> Iterator[Tuple[int, bytes]]:
    """Yield ``(type, payload)`` for each attribute in ``buf``; stop at a malformed one.

    Args:
        buf: A sequence of netlink attributes (e.g. a nested attribute's payload).
    """
    off, end = 0, len(buf)
    while off + 4 <= end:
        length, kind = struct.unpack_from("=HH", buf, off)
        if length < 4 or off + length > end:
            return
        yield kind & NLA_TYPE_MASK, bytes(buf[off + 4 : off + length])
        off += (length + 3) & ~3


def attr_map(buf: bytes) -> Dict[int, bytes]:
    """The attributes of ``buf`` by type; the first of a repeated type wins."""
    out: Dict[int, bytes] = {}
    for kind, payload in iter_attrs(buf):
        out.setdefault(kind, payload)
    return out


def u16(payload: bytes) -> int:
    """A host-order u16 attribute."""
    return struct.unpack_from("=H", payload)[0]


def u32(payload: bytes) -> int:
    """A host-order u32 attribute."""
    return struct.unpack_from("=I", payload)[0]


def s32(payload: bytes) -> int:
    """A host-order s32 attribute."""
    return struct.unpack_from("=i", payload)[0]


def split_genl_messages(buf: bytes) -> List[Tuple[int, int, bytes]]:
    """Split a datagram from a generic-netlink socket into its messages.

    Args:
        buf: What one ``recv()`` returned (one or more ``nlmsghdr`` + payload).
    Returns:
        ``(nlmsg_type, genl command, attributes)`` per message; error and done
        messages come back with command -1 and their raw payload.
    """
    out = []
    off = 0
    while off + NLMSG_HDRLEN <= len(buf):
        length, kind = struct.unpack_from("=IH", buf, off)
        if length < NLMSG_HDRLEN or off + length > len(buf):
            break
        body = bytes(buf[off + NLMSG_HDRLEN : off + length])
        if kind in (NLMSG_ERROR, NLMSG_DONE) or len(body) < GENL_HDRLEN:
            out.append((kind, -1, body))
        else:
            out.append((kind, body[0], body[GENL_HDRLEN:]))
        off += (length + 3) & ~3
    return out


def pack_u32_list(values: List[int]) -> bytes:
    """A nested list of u32 attributes numbered 1.. (the shape of
    ``NL80211_ATTR_SCAN_FREQUENCIES``), without the outer header."""
    return b"".join(struct.pack("=HHI", 8, i + 1, v) for i, v in enumerate(values))


def band_frequencies(bands: bytes) -> List[int]:
    """Enabled channel centre frequencies (MHz) in an ``NL80211_ATTR_WIPHY_BANDS`` payload.

    Args:
        bands: The attribute's payload: one nested attribute per band.
    Returns:
        Frequencies without ``NL80211_FREQUENCY_ATTR_DISABLED``, in the order listed; a
        frequency attribute shorter than its 4 octets is skipped (as a malformed one).
    """
    freqs = []
    for _band, band_attrs in iter_attrs(bands):
        for kind, freq_list in iter_attrs(band_attrs):
            if kind != BAND_ATTR_FREQS:
                continue
            for _index, freq_attrs in iter_attrs(freq_list):
                attrs = attr_map(freq_attrs)
                if len(attrs.get(FREQ_ATTR_FREQ, b"")) >= 4 and FREQ_ATTR_DISABLED not in attrs:
                    freqs.append(u32(attrs[FREQ_ATTR_FREQ]))
    return freqs
