"""A targets file's https Toxiproxy: toxiproxy_ca names the CA bundle its
certificate is checked against, read relative to the targets file."""

from __future__ import annotations

import pytest

from harness.spec.errors import InvalidInput
from harness.platforms.targets import load_targets
from tests.remote.servers import certificate

HTTPS = "toxiproxy: https://127.0.0.1:8443/toxiproxy/\n"


def test_the_ca_bundle_is_read_from_the_targets_files_folder(tmp_path):
    certificate(tmp_path)
    (tmp_path / "t.yaml").write_text(HTTPS + "toxiproxy_ca: cert.pem\n")
    targets = load_targets(tmp_path / "t.yaml")
    assert targets.toxiproxy == "https://127.0.0.1:8443/toxiproxy/"
    assert targets.toxiproxy_ca == str((tmp_path / "cert.pem").absolute())


def test_without_a_ca_bundle_the_system_trust_store_is_used(tmp_path):
    (tmp_path / "t.yaml").write_text(HTTPS)
    assert load_targets(tmp_path / "t.yaml").toxiproxy_ca is None


SECRET = "root:$6$notshown$hash:19000:0:99999:7:::\n"


@pytest.mark.parametrize("text, expected", [
    (HTTPS + "toxiproxy_ca: none.pem\n", ":2: toxiproxy_ca: no file 'none.pem' (a relative path "
                                         "is read from the targets file's folder)"),
    (HTTPS + "toxiproxy_ca: shadow\n", ":2: toxiproxy_ca: 'shadow' holds no PEM CA certificate "
                                       "(give the CA that signed Toxiproxy's certificate, PEM)"),
    (HTTPS + "toxiproxy_ca: .\n", ":2: toxiproxy_ca: '.' is not a regular file of at most 1 MB "
                                  "(give a PEM file of CA certificates)"),
    ("toxiproxy: http://127.0.0.1:8474\ntoxiproxy_ca: cert.pem\n",
     ":2: toxiproxy_ca: is only used with an https toxiproxy: URL (remove it, or make toxiproxy "
     "https)"),
    ("toxiproxy: https://127.0.0.1:8443/x?y=1\n", ":1: toxiproxy: takes no user, ?query or "
     "#fragment: Toxiproxy's API is the URL's scheme, host, port and path prefix"),
])
def test_a_wrong_ca_bundle_is_one_line_that_never_quotes_it(tmp_path, text, expected):
    (tmp_path / "shadow").write_text(SECRET)
    certificate(tmp_path)
    path = tmp_path / "t.yaml"
    path.write_text(text)
    with pytest.raises(InvalidInput) as error:
        load_targets(path)
    assert str(error.value).removeprefix(str(path)) == expected
    assert "notshown" not in str(error.value)
