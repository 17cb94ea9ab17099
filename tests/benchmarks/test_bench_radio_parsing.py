"""The radio benchmark's host side on real ``wss provision`` output (issue 14).

``benchmarks/bench_radio.py`` reads the CLI's transition, attempt and result lines by
regular expression in the hwsim guest; this runs ``wss provision`` on the mock radio
(the local DSS, real mutual TLS, as ``tests/e2e`` does) with a saved network whose PSK
is wrong before the home network, and feeds what the command printed and what the DSS
recorded to the benchmark's parser, run record, floor sum and summary. A change of the
CLI's output format breaks this test, not only the next hwsim benchmark. No timing is
asserted (docs/design.md §5.R10); floors are canned numbers.

Source: issue 14 "Build" (``radio.json``: ``total_s``, per-phase seconds, ``floor_s``).
"""

from __future__ import annotations

import contextlib
import io
import json
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "benchmarks"), str(ROOT / "tests" / "e2e")]
import bench_radio  # noqa: E402
from e2e_world import HOME_KEY, accounts, provision_args  # noqa: E402

from wss.cli import main  # noqa: E402
from wss.cloud import DSSServer  # noqa: E402
from wss.mfg.dev_pki import create_dev_pki  # noqa: E402
from wss.provisionee import dss_transcript  # noqa: E402
from wss.provisionee.states import NORMAL_PATH  # noqa: E402

#: The customer's saved networks: one the device hears but whose PSK is wrong, then HomeNet.
SAVED = accounts(
    {"ssid": "Neighbour", "security": "WPA_PSK", "key": "an-old-password"},
    {"ssid": "HomeNet", "security": "WPA_PSK", "key": HOME_KEY},
)
#: Canned floor samples (s); the floor of each is the minimum.
SAMPLES = {
    "full_scan": [3.0, 2.0],
    "directed_scan_2g4": [0.5, 0.4],
    "directed_scan_1_6_11": [0.2, 0.25],
    "association": [0.3],
    "wrong_psk": [1.5, 1.0],
    "dhcp_lease": [0.1],
    "tls_handshake": [0.05],
    "dss_round_trip": [0.01, 0.02],
}


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory):
    """One ``wss provision`` on the mock: (its output, the DSS transcript's file and records)."""
    tmp = tmp_path_factory.mktemp("radio-parsing")
    pki = create_dev_pki(tmp / "pki", product_index="AbCd")
    out = io.StringIO()  # capsys is function-scoped: the module's one run is captured here
    with DSSServer(pki.folder, SAVED) as server, contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        status = main(provision_args(tmp, pki, server))
        records = server.transcript.records()
    assert status == 0, out.getvalue()
    transcript = tmp / "dss-transcript.jsonl"
    transcript.write_text("".join(json.dumps(record) + "\n" for record in records))
    return out.getvalue(), transcript, records


def test_parse_run_reads_the_phases_attempts_and_result_the_cli_prints(provisioned):
    text, _transcript, records = provisioned
    run = bench_radio.parse_run(text)
    assert run["outcome"] == "DONE"
    # every state of the normal path but DONE, in the order the device went through them
    assert list(run["phases_s"]) == [state.name for state in NORMAL_PATH[:-1]]
    assert all(seconds > 0 for seconds in run["phases_s"].values())
    assert 0 < sum(run["phases_s"].values()) <= run["total_s"] + 0.002  # ms rounding of each line
    tls = [r for r in records if r.get("event") == "tls_connection"]
    assert run["tls_handshakes"] == len(tls) == 2  # the setup network's and the home network's
    assert run["associations"] == 2  # the setup network, HomeNet
    assert run["wrong_psk"] == 1  # Neighbour's 3:2:0:1


def test_a_run_without_its_result_line_is_refused(provisioned):
    text = "\n".join(line for line in provisioned[0].splitlines() if not line.startswith("result:"))
    with pytest.raises(RuntimeError, match="did not finish"):
        bench_radio.parse_run(text)


def test_the_record_counts_the_dss_exchanges_of_the_run_by_listener(provisioned):
    text, transcript, records = provisioned
    counts = bench_radio._exchanges(transcript)
    exchanges = dss_transcript.exchanges(records)
    assert sum(counts.values()) == len(exchanges) and counts["setup"] > 0 and counts["dss"] > 0
    run = bench_radio.record_run(text, {"setup": 1, "dss": 0}, counts, 0.5)
    assert run["dss_exchanges_by_port"] == {"setup": counts["setup"] - 1, "dss": counts["dss"]}
    assert run["dss_exchanges"] == len(exchanges) - 1 and run["process_s"] == 0.5


def test_floor_and_summary_add_up_the_floors_the_run_needed(provisioned):
    text, transcript, _records = provisioned
    run = bench_radio.record_run(text, {}, bench_radio._exchanges(transcript), 1.0)
    setup, dss = run["dss_exchanges_by_port"]["setup"], run["dss_exchanges_by_port"]["dss"]
    floors = {name: min(values) for name, values in SAMPLES.items()}
    # one 2.4 GHz directed scan, one full scan, two joins (association + lease), one wrong
    # PSK, two TLS handshakes and a round trip per DSS exchange
    expected = 0.4 + 2.0 + 2 * (0.3 + 0.1) + 1.0 + 2 * 0.05 + (setup + dss) * 0.01
    assert bench_radio.floor_of(run, floors) == pytest.approx(expected)
    assert bench_radio.floor_of(run, floors, "directed_scan_1_6_11") == pytest.approx(expected - 0.2)

    result = bench_radio.summarize([run], SAMPLES, "the mock radio")
    assert result["floor_s"] == pytest.approx(expected, abs=1e-3) and result["total_s"] == run["total_s"]
    assert result["floors_s"] == pytest.approx(floors)
    stages = result["stages_s"]
    assert list(stages) == [name for name, _states in bench_radio.STAGES]
    # the stages cover every phase, and their strict floors add up to the strict floor
    assert sum(s["wall"] for s in stages.values()) == pytest.approx(sum(run["phases_s"].values()), abs=2e-3)
    assert sum(s["floor"] for s in stages.values()) == pytest.approx(result["floor_strict_s"], abs=2e-3)
    assert stages["joining the home network"]["floor"] == pytest.approx(1.0 + 0.4 + 0.05 + dss * 0.01)
    printed = bench_radio.table(result)
    assert "total / floor_s = " in printed and "run 1 needed: 2 joins, 1 wrong PSK, 2 TLS handshakes" in printed
