"""Test vectors copied from the protocol document (``docs/protocol.md``).

§12.1: SDK unit-test constants and values the author derived from them.
§12.3: the author's self-contained vector with known private scalars.
"""

SPEC_12_1 = {
    "device_spki": bytes.fromhex(
        "3059301306072a8648ce3d020106082a8648ce3d030107034200041ad7fc5304372cb0d7faa53ae9efbe7b"
        "a14891dc9ca5a570591fc5cc159f0d686393dbf538f619c9dbae4fd7a46b4aa730747535bdc4c0866787a9"
        "3d0136a19e"
    ),
    "device_spki_sha256": bytes.fromhex("e3b60dc8e471cb1a6ed014a3465f6d7cc246d2324eba663fba425ec5add005c5"),
    "nonce": bytes.fromhex("00112233445566778899aabb"),
    "ami": bytes.fromhex("3fba425ec5add005c5"),
    # the task test's product index bytes 0x11223344 → SSID
    "product_index_task": bytes.fromhex("11223344"),
    "ssid_task": "A/x<X#Xt<VL<5h62001+ZHL{(;Yh?%Op",
    # the LNX sample device with product index "Q9pp" → SSID
    "product_index_lnx": b"Q9pp",
    "ssid_lnx": "A/x<X#Xt<VL<Q8{pM01+ZHL{(;Yh?%Op",
    # the task test mocks HMAC to return TEST_HASH_BYTES
    "mock_passphrase": "47YNyORxyxpu0BSjRl9tfMJG0jJOumY/ukJexa3QBcU=",
    # real ECDH with the LNX sample key pair
    "lnx_hmac": bytes.fromhex("bd762689b5bffc83a295d6dd6789659c2d52f70307b812870ba3172172be32e6"),
    "lnx_passphrase": "vXYmibW//IOildbdZ4llnC1S9wMHuBKHC6MXIXK+MuY=",
}

SPEC_12_3 = {
    "device_scalar": int("d1ed737832c15457a847c0cd74a77d16e0aa2914e86526c3f014960a33b139f1", 16),
    "device_spki": bytes.fromhex(
        "3059301306072a8648ce3d020106082a8648ce3d03010703420004a780b9651835e48d4222c281432cae48"
        "0c8e248ce59eaaf364797016fc1679101f8505334539a71455bd93433110d357e090837a4bec949ad2c1ae"
        "2a63b8084c"
    ),
    "cloud_scalar": int("2986d7f6291e98e4cf6e5797ae194f3a5d6121b06f8f912bcc2f7c37449cfeea", 16),
    "cloud_spki": bytes.fromhex(
        "3059301306072a8648ce3d020106082a8648ce3d030107034200041741d179ae933683d2956d1bff3b37aa"
        "a8bea64e40ff9cbbf46a5649fea68022a3d69b890f4d05c755b4b9a6d4b7cd615e8f7a2fde3196c5378d35"
        "aa70567015"
    ),
    "product_index": b"AbCd",
    "nonce": bytes.fromhex("0f1e2d3c4b5a69788796a5b4"),
    "device_spki_sha256": bytes.fromhex("dd59f3ba919d1e1ba76ea52b67a2c6653803866bd3eb685e6fd56754e3817855"),
    "ami": bytes.fromhex("5e6fd56754e3817855"),
    "prefix": "Be",
    "base85_input": bytes.fromhex("6fd56754e3817855416243640f1e2d3c4b5a69788796a5b4"),
    "ssid": "BeZ`Eg1<AHcpL1IH>4<0Q%OIm4ohnA(Z",
    "z": bytes.fromhex("4a74a0298e8abf9d723d1734c200abb963fa3d86a881e4a432d4678cb90eef30"),
    "k": bytes.fromhex("8a1e0ea7fee0bdf757064beed3c22ded85f7ea14550a13776f7f2046d50a7d9a"),
    "hmac": bytes.fromhex("fb4b38626deed38f9867bf82b8061bd891d04abcc6c83ef8f62450759fe7e71a"),
    "passphrase": "+0s4Ym3u04+YZ7+CuAYb2JHQSrzGyD749iRQdZ/n5xo=",
    "pin": "12345678",
    "salt": "Zx9Kq2Lm",
    "hashed_pin": "7iLRqtGmpbEXEcQm64iMz7B/WIYWrze8mNdLeeHt/uI=",
    # RFC 6979 signature with the cloud key (any valid signature is acceptable)
    "signed_body": b'{"canProceed":true,"nextProvisioningState":"COMPUTE_CONFIGURATION","nonce":'
    b'"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","sessionId":"test-session-1"}',
    "signature_header": (
        "MEUCIQD7/k10zDmeb2cdbjqGLyOA1ftUcGIgfPMgJv3JNS972AIgCC+55hKLTQ1jlAPHSYtmgk1G20tMxuhEJsDew3oZdGU="
    ),
}
