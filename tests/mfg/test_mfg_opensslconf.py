"""The OpenSSL configuration subset: the real files, the syntax, and errors naming the line."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wss.errors import ConfigError
from wss.mfg.opensslconf import DEFAULT_SECTION, load, parse


def test_real_device_conf(vectors):
    conf = load(vectors / "device.conf")
    assert conf.get(DEFAULT_SECTION, "oid_section").value == "OIDs"
    assert [(e.key, e.value) for e in conf.section("req_ext")] == [
        ("authorityKeyIdentifier", "keyid"),
        ("keyUsage", "digitalSignature,keyEncipherment"),
    ]
    assert {k: v.dotted_string for k, v in conf.oids().items()} == {"DeviceTypeId": "1.3.6.1.4.1.4843.1.3"}
    assert conf.get("dn", "DeviceTypeId").line == 14


def test_real_dak_conf(vectors):
    conf = load(vectors / "dak.conf")
    assert {k: v.dotted_string for k, v in conf.oids().items()} == {
        "DeviceTypeId": "1.3.6.1.4.1.4843.1.3",
        "DakType": "1.3.6.1.4.1.4843.1.5",
    }
    assert [e.key for e in conf.section("req")] == [
        "default_bits",
        "prompt",
        "encrypt_key",
        "default_md",
        "distinguished_name",
    ]


def test_comments_blanks_and_whitespace():
    conf = parse('# header\n\n  [  s  ]  # note\n  a =  b c   # tail\nq = "x # y"\n', "t")
    assert [(e.key, e.value, e.line) for e in conf.section("s")] == [("a", "b c", 4), ("q", "x # y", 5)]


def test_escapes_and_quotes():
    conf = parse(
        r"""[s]
a = one\#two
b = tab\there
c = 'lit $x \' q'
d = "dq \"in\" \n"
""",
        "t",
    )
    values = {e.key: e.value for e in conf.section("s")}
    assert values == {"a": "one#two", "b": "tab\there", "c": "lit $x ' q", "d": 'dq "in" n'}


def test_continuation_lines_keep_the_first_line_number():
    conf = parse("[s]\na = one \\\n  two \\\n three\nb = x\n", "t")
    a, b = conf.section("s")
    assert (a.value, a.line) == ("one   two  three", 2)
    assert b.line == 5


def test_variable_expansion(monkeypatch):
    monkeypatch.setenv("WSS_TEST_VAR", "from-env")
    conf = parse(
        "top = T\n[a]\nx = X\n[s]\nlocal = L\n"
        "v1 = $local-${local}-$(local)\nv2 = $top\nv3 = $a::x ${a::x}\nv4 = $ENV::WSS_TEST_VAR\n"
        "v5 = cost \\$5\n",
        "t",
    )
    values = {e.key: e.value for e in conf.section("s")}
    assert values["v1"] == "L-L-L"
    assert values["v2"] == "T"
    assert values["v3"] == "X X"
    assert values["v4"] == "from-env"
    assert values["v5"] == "cost $5"


def test_lookup_falls_back_to_default_and_last_wins():
    conf = parse("k = default\n[s]\nk2 = 1\nk2 = 2\n", "t")
    assert conf.get("s", "k").value == "default"
    assert conf.get("s", "k2").value == "2"
    assert [e.value for e in conf.section("s")] == ["1", "2"]
    assert conf.get("s", "missing") is None


@pytest.mark.parametrize(
    "text,line,fragment",
    [
        ("[s]\na = $nosuch\n", 2, "$nosuch has no value"),
        ("[s]\na = $ENV::WSS_SURELY_NOT_SET_42\n", 2, "environment variable WSS_SURELY_NOT_SET_42 is not set"),
        ("[s]\nthis line has no equals sign\n", 2, "expected 'key = value'"),
        ("[s\na=b\n", 1, "bad section header"),
        ("[ two words ]\n", 1, "bad section header"),
        ("a=1\n.pragma dollarid:on\n", 2, "directive .pragma is not supported"),
        ('[s]\na = "open\n', 2, 'unterminated " quote'),
        ("[s]\na = x $ y\n", 2, "'$' must start a variable"),
        ("oid_section = o\n[o]\nBad = not.an.oid\n", 3, "is not a dotted OID"),
        ("oid_section = o\n[o]\nBad = 1.2.3, 4.5\n", 3, "is not a dotted OID"),
    ],
)
def test_errors_name_file_and_line(text, line, fragment):
    with pytest.raises(ConfigError) as info:
        conf = parse(text, "my.conf")
        conf.oids()
    assert str(info.value).startswith(f"my.conf:{line}: ")
    assert fragment in str(info.value)


def test_missing_section_lists_known_ones():
    conf = parse("[alpha]\na=1\n[beta]\nb=2\n", "x.conf")
    with pytest.raises(ConfigError, match=r"section \[gamma\] not found; sections: alpha, beta"):
        conf.section("gamma")


def test_unreadable_and_non_utf8_files(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path / "absent.conf")
    (tmp_path / "latin1.conf").write_bytes(b"[s]\na = caf\xe9\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load(tmp_path / "latin1.conf")


_safe_value = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E, blacklist_characters="#\\\"'$"),
    min_size=1,
    max_size=30,
)
_key = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,15}", fullmatch=True)


@given(st.dictionaries(_key, _safe_value, min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_written_entries_read_back(entries):
    text = "[sec]\n" + "".join(f"{k} = {v}\n" for k, v in entries.items())
    conf = parse(text, "gen")
    assert {e.key: e.value for e in conf.section("sec")} == entries


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_any_text_parses_or_raises_config_error(text):
    try:
        parse(text, "fuzz")
    except ConfigError as exc:
        assert str(exc).startswith("fuzz")


def test_a_variable_bomb_is_refused_like_openssl_does():
    """40 variables each doubling the last would grow to gigabytes; OpenSSL refuses the
    file at the first value over 65535 characters ("variable expansion too long"), line
    16 here (a15 = 65536 characters), and so do we, at once."""
    text = "\n".join(["a0 = xx"] + [f"a{i} = $a{i - 1}$a{i - 1}" for i in range(1, 40)]) + "\n"
    with pytest.raises(ConfigError, match=r"bomb.conf:16: variable expansion too long \(over 65535"):
        parse(text, "bomb.conf")


def test_expansion_up_to_the_limit_is_kept():
    text = "x = " + "y" * 65534 + "\nv = ${x}z\nw = ${x}zz\n"
    with pytest.raises(ConfigError, match=":3: variable expansion too long"):
        parse(text, "edge.conf")
    assert len(parse(text.rsplit("w =", 1)[0], "edge.conf").get("default", "v").value) == 65535


def test_many_lines_just_under_the_limit_are_bounded_in_total():
    """Each value below the per-value limit, but 100 of them would hold 6 MB."""
    text = "x = " + "y" * 60000 + "\n" + "".join(f"v{i} = $x\n" for i in range(100))
    with pytest.raises(ConfigError, match="add up to more than"):
        parse(text, "many.conf")


def test_an_oid_that_cannot_be_encoded_is_a_config_error():
    """Fuzzing finding (fuzz/openssl_conf/corpus/regression-huge-oid-arc): a dotted OID
    whose arc does not fit made cryptography raise a bare ValueError."""
    conf = parse("oid_section = OIDs\n[ OIDs ]\nDakType = 1.3.6.1.4.1.4843" + "5" * 40 + "\n", "oid.conf")
    with pytest.raises(ConfigError, match=r"oid.conf:3: 'DakType': .* is not a valid OID"):
        conf.oids()
