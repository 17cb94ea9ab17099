"""Configuration keys read and written through ``ffsGet/SetConfigurationValue``.

Source: protocol §5 (``ffs_configuration_map.c``).
"""

from __future__ import annotations

from typing import Tuple

__all__ = ["ConfigKey", "DEVICE_DETAILS_FIELDS"]


class ConfigKey:
    """The configuration key strings of protocol §5 (one attribute per C constant)."""

    COUNTRY_CODE = "LocaleConfiguration.CountryCode"
    REALM = "LocaleConfiguration.Realm"
    MARKETPLACE = "LocaleConfiguration.Marketplace"
    LANGUAGE_LOCALE = "LocaleConfiguration.LanguageLocale"
    COUNTRY_OF_RESIDENCE = "LocaleConfiguration.CountryOfResidence"
    REGION = "LocaleConfiguration.Region"
    REPORTING_URL = "DSS.ReportUrl"
    DSS_HOST = "DSS.Host"  #: STRING; NOT_IMPLEMENTED -> dp-sps-na.amazon.com
    DSS_PORT = "DSS.Port"  #: INTEGER; NOT_IMPLEMENTED -> 443
    DSS_SESSION_TOKEN = "FFS.SessionToken"
    ALEXA_EVENT_GATEWAY_ENDPOINT = "SmartHome.AlexaEventGatewayEndpoint"
    UTC_TIME = "Time.UTC"
    MANUFACTURER_NAME = "DeviceInformation.ManufacturerName"
    MODEL_NUMBER = "DeviceInformation.ModelNumber"
    SERIAL_NUMBER = "DeviceInformation.SerialNumber"
    HARDWARE_VERSION = "DeviceInformation.HardwareVersion"
    FIRMWARE_VERSION = "DeviceInformation.FirmwareVersion"
    PIN = "DeviceInformation.Pin"
    CPU_ID = "DeviceInformation.CpuId"
    BLE_DEVICE_NAME = "DeviceInformation.BleDeviceName"
    BLE_TRANSMIT_POWER = "DeviceInformation.BleTransmitPower"
    WIFI_MAC_ADDRESS = "DeviceInformation.WifiMacAddress"
    PRODUCT_INDEX = "DeviceInformation.ProductIndex"  #: STRING, 4 characters
    SOFTWARE_VERSION_INDEX = "DeviceInformation.SoftwareVersionIndex"
    DEVICE_EC_PUBLIC_KEY_DER = "DeviceInformation.PublicKey"  #: BYTES, 91-byte SPKI
    CLOUD_EC_PUBLIC_KEY_DER = "DSS.PublicKey"  #: BYTES, 91-byte SPKI

    @classmethod
    def all(cls) -> Tuple[str, ...]:
        """Every key string, in the order of protocol §5."""
        return tuple(value for name, value in vars(cls).items() if name.isupper() and isinstance(value, str))


#: ``deviceDetails`` members in request order: (JSON field name, configuration key).
#: The SDK fetches them in this order for every request but startProvisioningSession.
#: Source: protocol §5 (last paragraph) and §8.4.
DEVICE_DETAILS_FIELDS: Tuple[Tuple[str, str], ...] = (
    ("manufacturer", ConfigKey.MANUFACTURER_NAME),
    ("deviceModel", ConfigKey.MODEL_NUMBER),
    ("deviceSerial", ConfigKey.SERIAL_NUMBER),
    ("productIndex", ConfigKey.PRODUCT_INDEX),
    ("softwareVersionIndex", ConfigKey.SOFTWARE_VERSION_INDEX),
    ("deviceName", ConfigKey.BLE_DEVICE_NAME),
    ("firmwareVersion", ConfigKey.FIRMWARE_VERSION),
    ("hardwareVersion", ConfigKey.HARDWARE_VERSION),
)
