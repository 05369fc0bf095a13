"""Bad input ends in a 4xx that names the problem; no input ends in a 5xx."""

import http.client
import io
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nexmo_app import create_app as create_vonage_app
from plivo_app import create_app as create_plivo_app
from tests.callbacks import plivo_post
from tests.payloads import plivo_inbound, plivo_status, vonage_receipt
from tests.servers import running_app
from tests.signing import vonage_signed

VONAGE = "/webhooks/delivery-receipt"


@pytest.fixture
def open_plivo(database_url):
    """Signature checks off, so the fuzz reaches the parsing and storing code."""
    return create_plivo_app({"DATABASE_URL": database_url,
                             "ALLOW_UNSIGNED_CALLBACKS": True}).test_client()


@pytest.fixture
def open_vonage(database_url):
    return create_vonage_app({"DATABASE_URL": database_url,
                              "ALLOW_UNSIGNED_CALLBACKS": True}).test_client()


def test_a_body_over_64_kb_is_413(plivo):
    response = plivo.post("/delivery", data=b"a=" + b"x" * 70_000,
                          content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413


def test_a_form_body_that_is_not_utf8_is_400(open_plivo):
    response = open_plivo.post("/delivery", data=b"MessageUUID=\xff\xfe&Status=sent",
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.text


def test_percent_escapes_that_are_not_utf8_are_400(open_plivo):
    response = open_plivo.post("/delivery", data="MessageUUID=%ff%fe&Status=sent",
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "not UTF-8" in response.text


def test_invalid_json_is_400_naming_the_position(open_vonage):
    response = open_vonage.post(VONAGE, data='{"messageId": ', content_type="application/json")
    assert response.status_code == 400
    assert "not valid JSON" in response.text


def test_a_json_array_is_400(open_vonage):
    response = open_vonage.post(VONAGE, json=[vonage_receipt()])
    assert response.status_code == 400
    assert "must be an object" in response.text


@pytest.mark.parametrize("value", [["a"], {"nested": "x"}, True])
def test_a_json_value_that_is_not_a_string_is_400_naming_the_field(open_vonage, value):
    response = open_vonage.post(VONAGE, json={**vonage_receipt(), "status": value})
    assert response.status_code == 400
    assert "'status' must be a string" in response.text


def test_a_json_number_is_kept_as_its_text(open_vonage):
    response = open_vonage.post(VONAGE, json={**vonage_receipt(), "err-code": 0})
    assert response.status_code == 204
    event = open_vonage.get("/messages/0B00000127FDBC63").json["events"][0]
    assert event["fields"]["err-code"] == "0"


def test_a_duplicated_json_key_is_400(open_vonage):
    body = '{"messageId": "A", "messageId": "B", "status": "delivered"}'
    response = open_vonage.post(VONAGE, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "'messageId' appears more than once" in response.text


def test_a_duplicated_form_key_is_400(open_plivo):
    body = "MessageUUID=a&MessageUUID=b&Status=sent"
    response = open_plivo.post("/delivery", data=body,
                               content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400
    assert "appears more than once" in response.text


def test_a_duplicated_query_key_is_400(open_vonage):
    response = open_vonage.get(f"{VONAGE}?messageId=a&messageId=b&status=delivered")
    assert response.status_code == 400


def test_an_absurdly_long_value_is_400(open_plivo):
    response = open_plivo.post("/delivery", data=plivo_status(Status="x" * 20_000))
    assert response.status_code == 400
    assert "longer than the provider ever sends" in response.text


def test_a_message_id_longer_than_100_characters_is_400(open_plivo):
    response = open_plivo.post("/delivery", data=plivo_status(MessageUUID="u" * 101))
    assert response.status_code == 400
    assert "MessageUUID must be a UUID" in response.text


def test_a_nul_character_is_400(open_vonage):
    response = open_vonage.post(VONAGE, data=vonage_receipt(msisdn="4475\x0047"))
    assert response.status_code == 400
    assert "NUL" in response.text


def test_an_unsupported_content_type_is_415(open_vonage):
    response = open_vonage.post(VONAGE, data="<xml/>", content_type="text/xml")
    assert response.status_code == 415


def test_a_malformed_time_is_400_naming_the_field(open_vonage):
    response = open_vonage.post(VONAGE, data=vonage_receipt(**{"message-timestamp": "yesterday"}))
    assert response.status_code == 400
    assert "message-timestamp is not a time" in response.text


def test_an_inbound_message_that_cannot_be_accepted_is_kept_as_undelivered(open_plivo):
    fields = plivo_inbound(MessageTime="not a time")
    response = open_plivo.post("/delivery", data=fields)
    assert response.status_code == 400
    message = open_plivo.get(f"/messages/{fields['MessageUUID']}").json
    assert (message["direction"], message["state"], message["outcome"]) == (
        "inbound", "undelivered", "failed")
    assert "MessageTime is not a time" in message["events"][0]["note"]


def test_a_wrong_method_is_405(plivo):
    assert plivo.put("/delivery", data=plivo_status()).status_code == 405


@pytest.mark.parametrize("method, path, code", [
    ("GET", "/no-such-page", 404), ("PUT", "/delivery", 405), ("DELETE", "/messages", 405)])
def test_a_wrong_path_or_method_on_the_standalone_app_is_one_plain_sentence(plivo, method, path,
                                                                            code):
    response = plivo.open(path, method=method)
    assert response.status_code == code
    assert response.mimetype == "text/plain"
    sentence = response.get_data(as_text=True)
    assert sentence.count("\n") == 1 and sentence.endswith(".\n") and "<" not in sentence
    if code == 405:
        assert "GET" in response.headers["Allow"]


# -- nothing produces a 5xx -------------------------------------------------------------

text = st.text(max_size=60)
plivo_keys = st.sampled_from(sorted(plivo_status()) + ["Text", "Body", "x"])
vonage_keys = st.sampled_from(sorted(vonage_receipt()) + ["timestamp", "sig", "nonce", "x"])
scalars = st.one_of(text, st.integers(), st.floats(allow_nan=True), st.booleans(), st.none())
json_values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(text, inner, max_size=3)), max_leaves=6)


def mutated(base: dict, changes: dict, dropped: set) -> dict:
    """A real payload with some fields replaced and some left out: deep into the parser."""
    return {k: v for k, v in {**base, **changes}.items() if k not in dropped}


plivo_payloads = st.builds(mutated, st.sampled_from([plivo_status(), plivo_inbound()]),
                           st.dictionaries(plivo_keys, text, max_size=4), st.sets(plivo_keys))
vonage_payloads = st.builds(mutated, st.just(vonage_receipt()),
                            st.dictionaries(vonage_keys, text, max_size=4), st.sets(vonage_keys))
FUZZ = settings(max_examples=600, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


def no_server_error(response):
    assert response.status_code < 500, (response.status_code, response.text)


@FUZZ
@given(fields=plivo_payloads, method=st.sampled_from(["GET", "POST"]))
def test_no_plivo_form_or_query_gives_a_5xx(open_plivo, plivo, fields, method):
    for client in (open_plivo, plivo):
        if method == "GET":
            no_server_error(client.get("/delivery", query_string=fields))
        else:
            no_server_error(plivo_post(client, fields))


@FUZZ
@given(body=st.binary(max_size=300), content_type=st.sampled_from([
    "application/x-www-form-urlencoded", "application/json", "text/plain", "",
    "multipart/form-data; boundary=x"]), headers=st.dictionaries(st.sampled_from([
        "X-Plivo-Signature-V3", "X-Plivo-Signature-V3-Nonce", "X-Plivo-Signature-V2",
        "X-Plivo-Signature-V2-Nonce", "X-Plivo-Signature-Ma-V3", "X-Forwarded-For"]),
        st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40), max_size=4))
def test_no_raw_body_or_header_gives_a_5xx(open_plivo, plivo, vonage, open_vonage, body,
                                           content_type, headers):
    for client, path in ((open_plivo, "/delivery"), (plivo, "/delivery"), (vonage, VONAGE),
                         (open_vonage, VONAGE)):
        no_server_error(client.post(path, data=body, content_type=content_type,
                                    headers=headers))


@FUZZ
@given(query=st.binary(max_size=200))
def test_no_query_string_gives_a_5xx(open_plivo, open_vonage, query):
    for client, path in ((open_plivo, "/delivery"), (open_vonage, VONAGE)):
        # WSGI carries the raw query as latin-1 text: any bytes get through unchanged.
        no_server_error(client.get(path, environ_overrides={
            "QUERY_STRING": query.decode("latin-1")}))


@FUZZ
@given(document=st.one_of(json_values, vonage_payloads,
                          st.dictionaries(vonage_keys, json_values, max_size=12)))
def test_no_json_document_gives_a_5xx(open_vonage, vonage, document):
    body = json.dumps(document)
    no_server_error(open_vonage.post(VONAGE, data=body, content_type="application/json"))
    if isinstance(document, dict) and all(isinstance(v, str) for v in document.values()):
        no_server_error(vonage.post(VONAGE, json=vonage_signed(document)))


# -- inputs the fuzz's alphabet does not reach: each once gave a 500 ------------------------

def test_a_lone_surrogate_in_json_is_400_before_any_signature_check(vonage):
    body = '{"messageId": "\\ud800", "status": "delivered", "timestamp": "1", "sig": "ab"}'
    response = vonage.post(VONAGE, data=body, content_type="application/json")
    assert response.status_code == 400
    assert "not valid Unicode text" in response.text


def test_plivo_which_posts_forms_only_answers_a_json_body_415_unread(open_plivo):
    body = '{"MessageUUID": "\\ud800", ' + '"a": [' * 1000 + "]" * 1000 + "}"
    response = open_plivo.post("/delivery", data=body, content_type="application/json")
    assert response.status_code == 415
    assert "'application/json' is not a form body" in response.text


def test_a_unicode_digit_timestamp_is_refused_not_a_crash(vonage):
    response = vonage.get(f"{VONAGE}?messageId=a&status=delivered&sig=ab&timestamp=%C2%B2")
    assert response.status_code == 403
    assert "not a Unix time" in response.text


def test_a_unicode_digit_sequence_is_400(plivo):
    fields = plivo_status(Sequence="²")
    response = plivo_post(plivo, fields)
    assert response.status_code == 400
    assert "Sequence must be a whole number" in response.text


@pytest.mark.parametrize("method", ["md5hash", "sha256"])
def test_a_sig_that_is_not_hex_is_403(database_url, method):
    client = create_vonage_app({"DATABASE_URL": database_url, "VONAGE_SIGNATURE_SECRET": "s",
                                "VONAGE_SIGNATURE_METHOD": method}).test_client()
    fields = {**vonage_signed(vonage_receipt(), secret="s", method=method), "sig": "é" * 32}
    response = client.post(VONAGE, data=fields)
    assert response.status_code == 403
    assert "not a hex digest" in response.text


def test_a_time_whose_offset_leaves_the_calendar_is_400(plivo):
    fields = plivo_status(SentTime="0001-01-01 00:00:00+01:00")
    response = plivo_post(plivo, fields)
    assert response.status_code == 400
    assert "SentTime is out of range" in response.text


@pytest.mark.parametrize("app", ["plivo", "vonage"])
def test_a_chunked_body_over_64_kb_is_413_not_cut_short(open_plivo, open_vonage, app):
    client, path = (open_plivo, "/delivery") if app == "plivo" else (open_vonage, VONAGE)
    body = b"status=delivered&text=" + b"x" * 70_000
    response = client.post(path, input_stream=io.BytesIO(body),
                           content_type="application/x-www-form-urlencoded",
                           headers={"Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 413, response.text
    assert "larger than 65536 bytes" in response.text


@pytest.mark.parametrize("body, words", [
    ("[" * 1000 + "]" * 1000, "nested too deeply"),
    ('{"a":' * 1000 + "1" + "}" * 1000, "nested too deeply"),
    ('{"MessageUUID": ' + "9" * 5000 + "}", "a number of 5000 digits"),
    ('{"MessageUUID": NaN}', "NaN"),
])
def test_deep_json_and_huge_numbers_are_400(open_vonage, body, words):
    response = open_vonage.post(VONAGE, data=body, content_type="application/json")
    assert response.status_code == 400, response.text
    assert words in response.text


def test_a_chunked_body_over_64_kb_is_413_from_a_real_server(database_url):
    def chunks():
        yield b"MessageUUID="
        for _ in range(20):
            yield b"a" * 5000

    with running_app("plivo_app", database_url) as (_, base_url):
        connection = http.client.HTTPConnection(base_url.removeprefix("http://"), timeout=10)
        connection.request("POST", "/delivery", body=chunks(), encode_chunked=True,
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        assert (response.status, response.read()) == (
            413, b"The body is larger than 65536 bytes; a callback is well under 2 KB.\n")
