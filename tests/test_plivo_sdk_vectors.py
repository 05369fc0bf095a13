"""Our Plivo signature code against the fixed vectors of Plivo's own SDK test suites, against the
installed SDK on any ASCII input, and on the non-ASCII GET callbacks the SDK cannot check."""

from urllib.parse import urlencode

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from plivo.utils import validate_signature
from plivo.utils.signature_v3 import validate_v3_signature

from plivo_app import create_app
from plivo_app.signature import verify
from plivo_app.signature_v2 import verify as verify_v2
from plivo_app.simulate import sign_v2, sign_v3
from tests.callbacks import PLIVO_URL, message
from tests.payloads import plivo_inbound
from tests.signing import PLIVO_AUTH_TOKEN, plivo_headers

# plivo-go utils_test.go (TestValidateSignatureV3Pass1..4) and plivo-ruby
# spec/signature_spec.rb ("valid_signatureV3?"): the same four vectors in both.
V3_TOKEN = "Y2Q2ZDgxZmY5YWRiOTI5YmQ1Njg0MTAxZWIyOTc4"
V3_NONCE = "31627761595286130198"
V3_PARAMS = {
    "Direction": "outbound", "From": "19792014278",
    "ALegUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36", "CallStatus": "in-progress",
    "BillRate": "0.002", "ParentAuthID": "MANWVLYTK4ZWU1YTY4QA",
    "To": "sip:PlivoSignature382029104058171078704104@phone-qa.voice.plivodev.com",
    "ALegRequestUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
    "CallUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
    "RequestUUID": "3e82ae9d-2c78-4d85-b1a4-6eae7dbafb36",
    "SIP-H-To": "<sip:PlivoSignature382029104058171078704104@52.9.11.55;transport=udp>;tag=1",
    "SessionStart": "2020-04-08 11:34:33.238707", "Event": "StartApp",
}
V3_WITH_QUERY = "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml/?a=b&c=d"
V3_WITHOUT_QUERY = "https://plivobin.non-prod.plivops.com/api/v1/validate_signature03.xml"
V3_VECTORS = [
    ("POST", V3_WITH_QUERY, "k7Pusd4OxCIjR5IfA9iedDNu/h/gbdYqdzG/MiYtd1c="),
    ("GET", V3_WITH_QUERY, "UBq8jAtd32wR8EK9VgxbBn4n5rpI/l1H9iN4WfSEHFQ="),
    ("POST", V3_WITHOUT_QUERY, "iAjE5QqI37mbkYe4w3jTMudqEzbDufdqi7sYwTu64e0="),
    ("GET", V3_WITHOUT_QUERY, "i/MQsaQSAd6fiKhOh2qeeeLHZ9faldADSb3/7+Akfbc="),
]

# V2: plivo-python tests/resources/test_signature.py, plivo-ruby spec/signature_spec.rb,
# plivo-go utils_test.go (TestValidateSignatureV2Pass) and plivo-java UtilsTest.java.
V2_VECTORS = [
    ("https://answer.url", "12345", "my_auth_token",
     "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="),
    ("https://answer.url/", "12345", "my_auth_token",  # plivo-java, trailing slash
     "do1CXv+k99A6+B+eTcyqbxWlezFIxJ/1vz72787r37g="),
    ("https://answer.url:8000", "12345", "my_auth_token",  # plivo-java, with a port
     "Gm7Z7AGBmf5JpSHrtUmeofrGyA4xV0ZiV0rH8JPXWGU="),
]


@pytest.mark.parametrize("method, url, expected", V3_VECTORS)
def test_our_v3_signer_makes_the_signature_of_the_sdk_test_vectors(method, url, expected):
    assert sign_v3(method, url, V3_PARAMS, V3_NONCE, V3_TOKEN) == expected


@pytest.mark.parametrize("method, url, expected", [
    (method, url, expected) for method, url, expected in V3_VECTORS if method == "POST"])
def test_our_v3_verify_accepts_the_sdk_test_vectors(method, url, expected):
    headers = {"X-Plivo-Signature-V3": expected, "X-Plivo-Signature-V3-Nonce": V3_NONCE}
    assert verify(method, url, headers, V3_PARAMS, V3_TOKEN) is None


def test_our_v3_verify_refuses_a_sdk_vector_signed_with_another_token():
    method, url, expected = V3_VECTORS[0]
    headers = {"X-Plivo-Signature-V3": expected, "X-Plivo-Signature-V3-Nonce": V3_NONCE}
    assert verify(method, url, headers, V3_PARAMS, V3_TOKEN + "x") is not None


@pytest.mark.parametrize("url, nonce, token, expected", V2_VECTORS)
def test_our_v2_signer_makes_the_signature_of_the_sdk_test_vectors(url, nonce, token, expected):
    assert sign_v2(url, nonce, token) == expected
    headers = {"X-Plivo-Signature-V2": expected, "X-Plivo-Signature-V2-Nonce": nonce}
    assert verify_v2("POST", url, headers, token, accept_v2=True) is None
    assert verify_v2("POST", url, headers, token + "s", accept_v2=True) is not None


# Field names and values as Plivo sends them: ASCII letters, digits and punctuation.
ascii_text = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=20)
ascii_names = st.text(st.characters(min_codepoint=33, max_codepoint=126,
                                    exclude_characters="&=#%+?"), min_size=1, max_size=12)
paths = st.text(st.sampled_from("abcxyz019-_/"), max_size=12)


@settings(max_examples=200, deadline=None)
@given(method=st.sampled_from(["GET", "POST"]), path=paths,
       query=st.dictionaries(ascii_names, ascii_text, max_size=4),
       params=st.dictionaries(ascii_names, ascii_text, max_size=6),
       nonce=st.text(st.sampled_from("0123456789"), min_size=1, max_size=20))
def test_our_v3_verify_agrees_with_the_sdk_on_ascii_input(method, path, query, params, nonce):
    url = f"https://example.com/{path}" + (f"?{urlencode(query)}" if query else "")
    ours = sign_v3(method, url, params, nonce, PLIVO_AUTH_TOKEN)
    assert validate_v3_signature(method, url, nonce, PLIVO_AUTH_TOKEN, ours, dict(params))
    other = sign_v3(method, url, params, nonce + "1", PLIVO_AUTH_TOKEN)
    sdk_accepts = validate_v3_signature(method, url, nonce, PLIVO_AUTH_TOKEN, other, dict(params))
    headers = {"X-Plivo-Signature-V3": other, "X-Plivo-Signature-V3-Nonce": nonce}
    assert (verify(method, url, headers, params, PLIVO_AUTH_TOKEN) is None) == sdk_accepts


@settings(max_examples=100, deadline=None)
@given(path=paths, nonce=st.text(st.sampled_from("0123456789"), min_size=1, max_size=20))
def test_our_v2_signer_agrees_with_the_sdk_on_ascii_input(path, nonce):
    url = f"https://example.com/{path}?a=1"
    assert validate_signature(url, nonce, sign_v2(url, nonce, PLIVO_AUTH_TOKEN), PLIVO_AUTH_TOKEN)


GREETING = "Grüße 👍"


def test_the_sdk_raises_on_a_get_url_with_non_ascii_in_its_query():
    # Why plivo_app.signature is our own code: the SDK's construct_get_url (plivo 4.63.0).
    url = f"{PLIVO_URL}?{urlencode(plivo_inbound(Text=GREETING))}"
    with pytest.raises(UnicodeEncodeError):
        validate_v3_signature("GET", url, "1", PLIVO_AUTH_TOKEN, "x", {})


@pytest.mark.parametrize("public_base_url", [None, "https://abc123.ngrok.app"])
@pytest.mark.parametrize("version", ["V3", "V2"])
def test_a_get_inbound_message_with_non_ascii_text_is_stored_with_its_exact_text(
        database_url, public_base_url, version):
    app = create_app({"DATABASE_URL": database_url, "PLIVO_AUTH_TOKEN": PLIVO_AUTH_TOKEN,
                      "PUBLIC_BASE_URL": public_base_url, "PLIVO_ACCEPT_V2": True})
    fields = plivo_inbound(Text=GREETING)
    query = urlencode(fields)
    signed = f"{public_base_url or 'http://localhost'}/delivery?{query}"
    headers = plivo_headers({}, url=signed, method="GET")
    if version == "V2":
        del headers["X-Plivo-Signature-V3"], headers["X-Plivo-Signature-V3-Nonce"]
    client = app.test_client()
    response = client.get(f"/delivery?{query}", headers=headers)
    assert response.status_code == 200, response.text
    assert message(client, fields["MessageUUID"])["text"] == GREETING
