"""CMCD (CTA-5004) as players send it: keys sorted, values typed, as one
query argument or split into four headers."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from harness.load import cmcd

KEYS = {"sid": 'a"b\\c', "br": 620, "ot": "v", "su": True, "bs": False, "mtp": 4800,
        "bl": 2300, "d": 1000, "tb": 1390, "sf": "h", "st": "l", "cid": "/live/master.m3u8"}


def test_encoding_sorts_keys_quotes_strings_and_leaves_tokens_and_booleans_bare():
    assert cmcd.encode(KEYS) == ('bl=2300,br=620,cid="/live/master.m3u8",d=1000,mtp=4800,ot=v,'
                                 'sf=h,sid="a\\"b\\\\c",st=l,su,tb=1390')


def test_decoding_reads_back_what_was_encoded_without_the_false_ones():
    assert cmcd.decode(cmcd.encode(KEYS)) == {k: v for k, v in KEYS.items() if v is not False}


def test_as_a_query_one_argument_url_encoded_after_the_others():
    session = cmcd.Session("query", "/live/master.m3u8", sid="s-1")
    url, headers = session.apply("http://h/live/1.ts?token=x", {"ot": "av", "br": 620})
    query = parse_qs(urlsplit(url).query)
    assert headers == {} and query["token"] == ["x"]
    assert query["CMCD"] == ['br=620,cid="/live/master.m3u8",ot=av,sid="s-1"']
    assert "%2C" in url and "%22" in url  # commas and quotes encoded
    assert session.apply("http://h/m.m3u8", {})[0].startswith("http://h/m.m3u8?CMCD=")


def test_as_headers_each_key_in_its_header_and_empty_headers_left_out():
    session = cmcd.Session("headers", "/c", sid="s-1")
    url, headers = session.apply("http://h/1.m4s", {"ot": "a", "bl": 100, "su": True, "d": 1000})
    assert url == "http://h/1.m4s"
    assert headers == {"CMCD-Object": "d=1000,ot=a", "CMCD-Request": "bl=100,su",
                       "CMCD-Session": 'cid="/c",sid="s-1"'}


def test_a_session_id_per_session_and_a_content_id_that_fits():
    assert cmcd.Session("query", "/c").sid != cmcd.Session("query", "/c").sid
    assert cmcd.content_id("http://h/live/e1/master.m3u8?token=1") == "/live/e1/master.m3u8"
    long = cmcd.content_id("http://h/" + "x" * 100)
    assert len(long) == cmcd.MAX_CID and long == cmcd.content_id("http://other/" + "x" * 100)


def test_bitrates_and_buffer_units():
    assert cmcd.kbps(620_400) == 620 and cmcd.kbps(0) is None
    assert cmcd.rounded_ms(2.349) == 2300 and cmcd.rounded_ms(2.351) == 2400
