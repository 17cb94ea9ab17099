"""The packaging barcode: rendered as Code 128, measured, decoded back by zbar (an independent decoder)."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy
import pytest
from PIL import Image

from wss.certify.barcode import BarcodeSpec, contrast_grade, device_barcode_value, measure, measure_file, render_code128
from wss.errors import UsageError
from wss.mfg.control_log import barcode_value

VALUE = "P7PCXSWT0AXF"  # the serial of Amazon's sample DHA (protocol §9)


def _png(image: Image.Image, dpi: int = 600) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


def _grey(png: bytes) -> numpy.ndarray:
    return numpy.asarray(Image.open(io.BytesIO(png)).convert("L"), dtype=numpy.float64)


def test_the_rendered_barcode_round_trips_with_its_dimensions():
    report = measure(render_code128(VALUE), VALUE)
    assert report.decoded == VALUE and report.passes, report.problems
    assert report.modules == 11 + 12 * 11 + 11 + 13  # start B, 12 characters, check character, stop
    assert report.module_px == 8.0 and report.module_mm == pytest.approx(8 * 25.4 / 600)  # 0.33 mm at 600 dpi
    assert report.quiet_modules == (10.0, 10.0)
    assert report.symbol_mm == pytest.approx(167 * 8 * 25.4 / 600)
    assert report.bar_height_mm == pytest.approx(15.0, abs=0.05)
    assert (report.pcs, report.symbol_contrast, report.grade) == (1.0, 1.0, "A")
    assert "pyzbar" in report.decoder


def test_the_module_width_is_a_whole_number_of_pixels_at_any_resolution():
    report = measure(render_code128("AB-12", BarcodeSpec(module_mm=0.25, dpi=300)), "AB-12")
    assert report.module_px == 3.0 and report.dpi == 300 and report.decoded == "AB-12" and report.passes


def test_the_value_is_the_one_wss_mfg_control_log_prints(pki):
    from cryptography import x509

    chain = pki.device.certificate.read_bytes()  # the DHA first, then its CAs
    expected = barcode_value(x509.load_pem_x509_certificate(chain))
    assert device_barcode_value(chain) == expected == pki.device.serial  # the dev PKI's DHA has a serial
    out = subprocess.run(
        [sys.executable, "-m", "wss", "mfg", "control-log", "--cert", str(pki.device.certificate)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert expected in out


def test_low_contrast_is_measured_and_refused():
    grey = _grey(render_code128(VALUE))
    faded = 110 + grey * (200 - 110) / 255  # dark grey bars on a light grey ground
    report = measure(_png(Image.fromarray(faded.astype("uint8"))), VALUE)
    assert report.decoded == VALUE  # still readable, but not good enough to ship
    assert report.pcs == pytest.approx(0.73, abs=0.01) and report.grade == "C"
    assert report.problems == [f"print contrast signal {report.pcs:.2f} is below 0.75"]
    assert contrast_grade(0.19) == "F" and contrast_grade(0.55) == "B"


def test_a_cropped_quiet_zone_and_a_wrong_value_are_refused():
    image = Image.open(io.BytesIO(render_code128(VALUE)))
    cropped = image.crop((40, 0, image.width, image.height))  # 5 of the 10 modules left
    report = measure(_png(cropped), VALUE)
    assert any("a quiet zone is 5.0 modules; 10 are needed" in p for p in report.problems)
    other = measure(render_code128("SOMEONE-ELSE"), VALUE)
    assert any("zbar read 'SOMEONE-ELSE', not the device's value" in p for p in other.problems)


def test_a_scan_without_resolution_or_without_a_barcode(tmp_path):
    plain = Image.open(io.BytesIO(render_code128(VALUE)))
    path = tmp_path / "scan.png"
    plain.save(path)  # no dpi recorded
    report = measure_file(path, VALUE)
    assert report.dpi == 300 and any("states no resolution" in p for p in report.problems)
    assert measure_file(path, VALUE, dpi=600).passes
    blank = tmp_path / "blank.png"
    Image.new("L", (200, 100), 255).save(blank)
    with pytest.raises(UsageError, match="no barcode found"):
        measure_file(blank, VALUE)
    with pytest.raises(UsageError, match="cannot read the barcode image"):
        measure_file(tmp_path / "missing.png", VALUE)


def test_a_value_that_code_128_cannot_carry_is_refused():
    with pytest.raises(ValueError, match="ASCII"):
        render_code128("Grüße")
