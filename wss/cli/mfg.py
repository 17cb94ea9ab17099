"""``wss mfg``: manufacturing tools (DAK and DHA certificates for the factory line).

Sub-commands::

    wss mfg dak-csr    --config dak.conf --out DIR
    wss mfg device-csr --config device.conf --out DIR
                       [--key pkcs11:URI --pkcs11-module PATH [--generate-in-token]]
    wss mfg sign       --csr device.csr --config device.conf --extensions req_ext \\
                       --ca dak-certificate.pem --ca-key dak_private_key.pem --days 1825 --out DIR
    wss mfg control-log --cert device-certificate.pem [--append control-log.csv]
                       [--key pkcs11:URI --pkcs11-module PATH]
    wss mfg batch      --count N --config device.conf --extensions req_ext \\
                       --ca dak-certificate.pem --ca-key dak_private_key.pem --out DIR
    wss mfg dev-pki    --out DIR [--devices N]

Private keys are written with mode 0600 and never printed or logged. Every command
writes its outputs atomically: all of them or none; existing files are not overwritten
without ``--force``.

Source: guide "Provision AVS devices for FFS"; issue 4.
"""

from __future__ import annotations

import argparse
import re
import sys

from ..errors import UsageError
from .arguments import existing_file, file_to_write, folder_to_create, int_range, pkcs11_uri, product_index

#: Bounds of the command line's numbers; the library checks the same (wss.mfg.sign.MAX_DAYS,
#: wss.mfg.batch.MAX_COUNT, wss.mfg.dev_pki), which tests/cli keeps equal to these. Kept
#: here so that `wss --help` does not import cryptography.
MAX_DAYS = 36525
MAX_COUNT = 999999
MAX_DEV_DEVICES = 9999


def section_name(text: str) -> str:
    """A ``type=``: a section name of an OpenSSL configuration file."""
    if not re.fullmatch(r"[A-Za-z0-9_.\-]+", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a configuration section name")
    return text


def device_type(text: str) -> str:
    """A ``type=``: a device type id, 1 to 64 letters and digits."""
    if not re.fullmatch(r"[A-Za-z0-9]{1,64}", text):
        raise argparse.ArgumentTypeError(f"{text!r} is not a device type id (1 to 64 letters and digits)")
    return text


def _add_out(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument("--out", required=True, type=folder_to_create, help=f"{what} (created if missing)")
    parser.add_argument("--force", action="store_true", help="replace existing output files")


def _add_signing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, type=existing_file, help="device.conf")
    parser.add_argument(
        "--extensions", type=section_name, default="req_ext", help="extension section of the config (default: req_ext)"
    )
    parser.add_argument(
        "--ca", required=True, type=existing_file, help="DAK certificate file (dak-certificate.pem, issuers may follow)"
    )
    parser.add_argument("--ca-key", required=True, type=existing_file, help="DAK private key")
    parser.add_argument(
        "--days", type=int_range(1, MAX_DAYS, "a number of days"), default=1825, help="validity in days (default 1825)"
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``mfg`` parser and its sub-commands."""
    parser = subparsers.add_parser(
        "mfg",
        help="manufacturing: DAK/DHA keys, CSRs, certificates, control log, dev PKI",
        description="Manufacturing tools: DAK and DHA certificates for the factory line.",
    )
    sub = parser.add_subparsers(dest="mfg_command", metavar="STEP")
    sub.required = True

    p = sub.add_parser("dak-csr", help="DAK key and CSR from dak.conf (upload the CSR to the console)")
    p.add_argument("--config", required=True, type=existing_file, help="dak.conf from the developer console")
    _add_out(p, "folder for dak_private_key.pem and dak.csr")
    p.set_defaults(func=_run_csr, key_name="dak_private_key.pem", csr_name="dak.csr")

    p = sub.add_parser("device-csr", help="device (DHA) key and CSR from device.conf")
    p.add_argument("--config", required=True, type=existing_file, help="device.conf from the developer console")
    _add_out(p, "folder for private_key.pem and device.csr (device.csr only with --key pkcs11:)")
    token = _add_token_key(p)
    token.add_argument(
        "--generate-in-token", action="store_true", help="generate the key pair in the token first (never replaces one)"
    )
    p.set_defaults(func=_run_csr, key_name="private_key.pem", csr_name="device.csr")

    p = sub.add_parser("sign", help="sign a device CSR with the DAK: device-certificate.pem, certificate.pem")
    p.add_argument("--csr", required=True, type=existing_file, help="device.csr")
    _add_signing(p)
    _add_out(p, "folder for device-certificate.pem and certificate.pem")
    p.set_defaults(func=_run_sign)

    p = sub.add_parser("control-log", help="DHA public key and barcode value; append to the CSV log")
    p.add_argument("--cert", required=True, type=existing_file, nargs="+", help="device-certificate.pem (one or more)")
    p.add_argument("--append", type=file_to_write, help="control log CSV to add one row per certificate to")
    p.add_argument(
        "--public-key-out",
        type=file_to_write,
        help="also write the public key text (as dha-control-log-public-key.txt); one --cert only",
    )
    _add_token_key(p, "the DHA key in a token: the public key is read from it, and --cert must certify it")
    p.set_defaults(func=_run_control_log)

    p = sub.add_parser("batch", help="a resumable production run, one folder per device")
    p.add_argument(
        "--count", required=True, type=int_range(1, MAX_COUNT, "a number of devices"), help="devices in the whole batch"
    )
    _add_signing(p)
    p.add_argument("--out", required=True, type=folder_to_create, help="batch folder (created if missing)")
    p.add_argument(
        "--with-serial",
        action="store_true",
        help="put a unique 12-character device serial (OID 1.3.6.1.4.1.4843.1.1) in each subject",
    )
    p.set_defaults(func=_run_batch)

    p = sub.add_parser("dev-pki", help="create a development PKI for tests and the local DSS")
    p.add_argument("--out", required=True, type=folder_to_create, help="folder to create")
    p.add_argument(
        "--devices",
        type=int_range(0, MAX_DEV_DEVICES, "a number of devices"),
        default=0,
        help="extra devices under devices/NNNN",
    )
    p.add_argument("--device-type", type=device_type, default="A3K2R0ZE9ZRABY", help="device type id")
    p.add_argument("--product-index", type=product_index, help="4-character product index (default: random)")
    p.add_argument("--force", action="store_true", help="replace an existing folder")
    p.set_defaults(func=_run_dev_pki)


def _add_token_key(p: argparse.ArgumentParser, what: str = "the device key in a token") -> argparse._ArgumentGroup:
    """``--key pkcs11:…``, ``--pkcs11-module``, ``--pkcs11-pin-env`` (docs/pkcs11.md)."""
    token = p.add_argument_group("the key in a PKCS#11 token (docs/pkcs11.md)")
    token.add_argument("--key", type=pkcs11_uri, metavar="pkcs11:URI", help=f"{what} (RFC 7512)")
    token.add_argument("--pkcs11-module", type=existing_file, metavar="PATH", help="the token's PKCS#11 module")
    token.add_argument("--pkcs11-pin-env", metavar="NAME", help="environment variable holding the token's PIN")
    return token


def _run_csr(args: argparse.Namespace) -> int:
    from ..mfg.csr import create_key_and_csr

    if getattr(args, "key", None) is not None:
        return _run_token_csr(args)
    if getattr(args, "generate_in_token", False) or getattr(args, "pkcs11_module", None):
        raise UsageError("--generate-in-token and --pkcs11-module need --key pkcs11:…")
    key_path, csr_path, csr = create_key_and_csr(
        args.config, args.out, args.key_name, args.csr_name, overwrite=args.force
    )
    print(f"wrote {key_path} (private key, mode 0600) and {csr_path}")
    print(f"subject: {csr.subject.rfc4514_string()}")
    return 0


def _run_token_csr(args: argparse.Namespace) -> int:
    from ..mfg.token_csr import create_token_csr, token_key_for_csr

    module = None if args.pkcs11_module is None else str(args.pkcs11_module)
    key = token_key_for_csr(args.key, module, args.pkcs11_pin_env, args.generate_in_token)
    csr_path, csr = create_token_csr(args.config, args.out, args.csr_name, key, overwrite=args.force)
    made = "generated in the token" if args.generate_in_token else "in the token"
    print(f"wrote {csr_path} (the key stays {made}: {args.key})")
    print(f"subject: {csr.subject.rfc4514_string()}")
    return 0


def _run_sign(args: argparse.Namespace) -> int:
    from ..mfg.certs import serial_hex
    from ..mfg.opensslconf import load
    from ..mfg.sign import load_ca, sign_files

    config = load(args.config)
    ca = load_ca(args.ca, args.ca_key)
    paths, cert = sign_files(args.csr, config, args.extensions, ca, args.days, args.out, overwrite=args.force)
    print(
        f"wrote {paths[0]} (serial {serial_hex(cert.serial_number)}) and {paths[1]} ({1 + len(ca.chain)} certificates)"
    )
    return 0


def _run_control_log(args: argparse.Namespace) -> int:
    from ..errors import ConfigError
    from ..mfg.chain import load_chain
    from ..mfg.control_log import append_rows, barcode_value, control_log_row, public_key_text
    from ..mfg.files import OutputSet

    if args.public_key_out and len(args.cert) != 1:
        raise ConfigError("--public-key-out needs exactly one --cert")
    if args.key is not None and len(args.cert) != 1:
        raise UsageError("--key pkcs11:… needs exactly one --cert (the certificate of that key)")
    if args.key is None and (args.pkcs11_module or args.pkcs11_pin_env):
        raise UsageError("--pkcs11-module and --pkcs11-pin-env need --key pkcs11:…")
    certs = []
    for path in args.cert:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from exc
        certs.append(load_chain(data, str(path))[0])
    if args.key is not None:
        from ..mfg.control_log import public_key_der
        from ..mfg.token_csr import token_key_for_csr

        module = None if args.pkcs11_module is None else str(args.pkcs11_module)
        key = token_key_for_csr(args.key, module, args.pkcs11_pin_env, generate=False)
        if public_key_der(certs[0]) != key.public_key_der():
            raise ConfigError(f"{args.cert[0]} certifies another key than the token's {args.key}")
    if args.public_key_out:
        out = OutputSet(args.public_key_out.parent, overwrite=True)
        out.add(args.public_key_out.name, public_key_text(certs[0]).encode("ascii"))
        out.commit()
    if args.append:
        added = append_rows(args.append, [control_log_row(cert) for cert in certs])
        print(f"{args.append}: {added} row(s) added", file=sys.stderr)
    for cert in certs:
        sys.stdout.write(public_key_text(cert))
        print(f"barcode: {barcode_value(cert)}")
    return 0


def _run_batch(args: argparse.Namespace) -> int:
    from ..mfg.batch import run_batch

    def progress(name: str, done: int, total: int) -> None:
        print(f"device {name} done ({done}/{total})", flush=True)

    summary = run_batch(
        args.count,
        args.config,
        args.extensions,
        args.ca,
        args.ca_key,
        args.days,
        args.out,
        with_serial=args.with_serial,
        progress=progress,
    )
    print(
        f"batch {summary.folder}: {summary.total} device(s) of device type "
        f"{summary.device_type or '-'} ({summary.created} made now, {summary.existing} already "
        f"there, {summary.removed_partials} unfinished removed); control log {summary.control_log}"
    )
    return 0


def _run_dev_pki(args: argparse.Namespace) -> int:
    from ..mfg.dev_pki import create_dev_pki

    pki = create_dev_pki(
        args.out,
        devices=args.devices,
        device_type=args.device_type,
        product_index=args.product_index,
        overwrite=args.force,
    )
    print(
        f"development PKI in {pki.folder}: device type {pki.device_type}, "
        f"product index {pki.product_index}, {1 + len(pki.devices)} device(s)"
    )
    print(f"  trust anchor for device chains: {pki.dha_root}")
    print(f"  device chain: {pki.device.certificate}")
    print(f"  DSS server certificate: {pki.dss_certificate} (CA {pki.dss_ca})")
    return 0
