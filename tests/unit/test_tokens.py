from kickoff_stack import tokens

SECRET = "s3cret"
NOW = 1_800_000_000.0


def test_issued_token_opens_its_event_until_it_expires():
    token, expires = tokens.issue(SECRET, "match", now=NOW)
    assert expires >= NOW + tokens.VALIDITY_SECONDS
    assert tokens.verify(SECRET, token, "match", now=NOW) is None
    assert tokens.verify(SECRET, token, "match", now=expires) is None
    assert tokens.verify(SECRET, token, "match", now=expires + 1) == "token expired"


def test_viewers_in_the_same_window_share_a_token_so_the_edge_can_cache():
    first, _ = tokens.issue(SECRET, "match", now=NOW)
    later, _ = tokens.issue(SECRET, "match", now=NOW + 10)
    assert first == later


def test_forged_foreign_and_malformed_tokens_are_refused():
    token, expires = tokens.issue(SECRET, "match", now=NOW)
    assert tokens.verify("other", token, "match", now=NOW) == "bad signature"
    assert tokens.verify(SECRET, token, "another-match", now=NOW) == "token is for another event"
    tampered = token.replace(str(expires), str(expires + 3600))
    assert tokens.verify(SECRET, tampered, "match", now=NOW) == "bad signature"
    for bad in ("", "a.b", "match.notanumber.sig", "a.b.c.d"):
        assert tokens.verify(SECRET, bad, "match", now=NOW) == "malformed token"
