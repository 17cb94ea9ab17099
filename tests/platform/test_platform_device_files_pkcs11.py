"""The PKI folder's layout with the device key in a token: ``device/private_key.pkcs11``."""

from __future__ import annotations

import pytest

from wss.errors import ConfigError
from wss.platform.device_files import DeviceFiles

URI = "pkcs11:token=dev;object=dha;id=%01"


def _folder(tmp_path, pem=False, uri=None):
    (tmp_path / "device").mkdir()
    if pem:
        (tmp_path / "device" / "private_key.pem").write_text("-----BEGIN PRIVATE KEY-----\n")
    if uri is not None:
        (tmp_path / "device" / "private_key.pkcs11").write_text(uri)
    return tmp_path


def test_the_uri_file_names_the_device_key(tmp_path):
    files = DeviceFiles.from_pki(_folder(tmp_path, uri=URI + "\n"), pkcs11_module="/lib/token.so")
    assert files.device_key == URI and files.pkcs11_module == "/lib/token.so"


def test_a_pem_key_wins_over_the_uri_file(tmp_path):
    files = DeviceFiles.from_pki(_folder(tmp_path, pem=True, uri=URI))
    assert files.device_key == tmp_path / "device" / "private_key.pem"


def test_without_either_the_pem_path_is_kept_for_its_own_error(tmp_path):
    assert DeviceFiles.from_pki(_folder(tmp_path)).device_key == tmp_path / "device" / "private_key.pem"


@pytest.mark.parametrize(
    "text, message", [("pkcs11:object=dha?pin-value=2468", "pin-value is refused"), ("/etc/key.pem", "'pkcs11:'")]
)
def test_a_bad_uri_file_is_one_line_naming_the_file_never_its_pin(tmp_path, text, message):
    with pytest.raises(ConfigError) as err:
        DeviceFiles.from_pki(_folder(tmp_path, uri=text))
    assert "private_key.pkcs11" in str(err.value) and message in str(err.value)
    assert "2468" not in str(err.value)
