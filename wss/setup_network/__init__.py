"""Setup networks of Wi-Fi Simple Setup: the Amazon custom encoded network and its fallback.

:mod:`wss.setup_network.encoding` holds the pure SSID/passphrase codec (no crypto
library). Device-side code that joins the setup network lives beside it.

Source: protocol §7.
"""
