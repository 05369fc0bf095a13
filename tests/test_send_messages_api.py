"""`python -m nexmo_app.send_sms --api messages` against the Messages API's real endpoint, and
the SMS API's encoding: both mocked with `responses` as in tests/test_send_sms.py."""

import json
from urllib.parse import parse_qsl

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from nexmo_app import send_sms as vonage_send
from nexmo_app import sms_parts
from tests import payloads, test_send_sms
from tests.callbacks import MESSAGE_STATUS_PATH, message, messages_api_post
from tests.test_send_sms import PUBLIC_BASE_URL, VONAGE_API, one_line, vonage_answer, vonage_part

# The tests' signature secret is shorter than the 32 bytes PyJWT asks of an HS256 key, as
# Vonage's own can be; the warning would repeat on every signed request.
pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

# The send tests' fixtures: the providers' APIs mocked with `responses`, and the settings.
environment, api = test_send_sms.environment, test_send_sms.api

MESSAGES_API = "https://api.nexmo.com/v1/messages"
APPLICATION_ID = "aaaaaaaa-bbbb-cccc-dddd-0123456789ab"
UUID = payloads.vonage_message_status()["message_uuid"]
ARGS = ["--api", "messages", "--to", "447700900000", "--text", "Hello from Vonage",
        "--client-ref", "order-42"]


@pytest.fixture(scope="module")
def key_pair():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, key.public_key()


@pytest.fixture
def application(environment, key_pair, tmp_path):
    path = tmp_path / "private"  # no extension: the SDK alone would take it for the key text
    path.write_bytes(key_pair[0])
    environment.setenv("VONAGE_APPLICATION_ID", APPLICATION_ID)
    environment.setenv("VONAGE_PRIVATE_KEY", str(path))
    return environment


def accepted(mock):
    mock.post(MESSAGES_API, status=202, json={"message_uuid": UUID})


# -- Messages API ---------------------------------------------------------------------------

def test_messages_api_send_posts_json_with_webhook_url_and_an_application_jwt(
        api, application, key_pair, capsys):
    accepted(api)
    assert vonage_send.main(ARGS) == 0
    request = api.calls[0].request
    assert json.loads(request.body) == {
        "to": "447700900000", "from": "AcmeInc", "text": "Hello from Vonage",
        "client_ref": "order-42", "channel": "sms", "message_type": "text",
        "webhook_url": f"{PUBLIC_BASE_URL}/webhooks/message-status"}
    authorization = request.headers["Authorization"]  # the SDK sends it as bytes
    scheme, token = (authorization.decode() if isinstance(authorization, bytes)
                     else authorization).split(" ")
    claims = jwt.decode(token, key_pair[1], algorithms=["RS256"])
    assert (scheme, claims["application_id"]) == ("Bearer", APPLICATION_ID)
    assert capsys.readouterr().out == f"{UUID}\n"


def test_a_messages_api_send_is_recorded_and_its_status_webhook_lands_on_it(
        api, application, vonage):
    accepted(api)
    vonage_send.main(ARGS)
    assert message(vonage, UUID)["state"] == "queued"
    status = payloads.vonage_message_status(status="delivered")
    assert messages_api_post(vonage, MESSAGE_STATUS_PATH, status).status_code == 200
    m = message(vonage, UUID)
    assert (m["state"], m["text"], m["client_ref"]) == ("delivered", "Hello from Vonage",
                                                        "order-42")
    assert [e["kind"] for e in m["events"]] == ["send", "DLR"]


def test_a_messages_api_error_is_one_line_in_vonages_words(api, application, capsys):
    api.post(MESSAGES_API, status=422, json={
        "type": "https://developer.vonage.com/api-errors/messages#1150", "title": "Invalid params",
        "detail": "The value of one or more parameters is invalid.",
        "instance": "bf0ca0bf927b3b52e3cb03217e1a1ddf"})
    assert vonage_send.main(ARGS) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("Vonage answered HTTP 422") and "Invalid params" in line


@pytest.mark.parametrize("name", ["VONAGE_APPLICATION_ID", "VONAGE_PRIVATE_KEY"])
def test_messages_api_send_without_application_auth_names_the_setting(
        api, application, capsys, name):
    application.delenv(name)
    with pytest.raises(SystemExit) as exit_:
        vonage_send.main(ARGS)
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err).startswith(f"{name} is not set")
    assert len(api.calls) == 0


def test_an_unreadable_private_key_is_named_before_any_request(api, application, tmp_path,
                                                                capsys):
    application.setenv("VONAGE_PRIVATE_KEY", str(tmp_path / "missing.key"))
    with pytest.raises(SystemExit) as exit_:
        vonage_send.main(ARGS)
    assert exit_.value.code == 2
    assert one_line(capsys.readouterr().err).startswith("VONAGE_PRIVATE_KEY: cannot read")
    assert len(api.calls) == 0


def test_the_sms_api_stays_the_default_and_needs_no_application(api, capsys):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    assert vonage_send.main(ARGS[2:]) == 0
    assert api.calls[0].request.url == VONAGE_API


# -- the SMS API's encoding -------------------------------------------------------------------

@pytest.mark.parametrize("text, unicode", [
    ("Crème brûlée à 5 €", True),  # è, é and à are GSM-7; û is not
    ("Your code is 1234 👍", True),
    ("Привет, ваш код 1234", True),
    ("您的验证码是 1234", True),
    ("Price: 5€ [promo] {today} ~ ^ | \\", False),  # the extension table is GSM-7
    ("Ça coûte 5 £, ¿vale?", True),  # û again; Ç, £ and ¿ alone would be GSM-7
])
def test_an_sms_api_text_outside_gsm7_is_sent_as_unicode(api, capsys, text, unicode):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    assert vonage_send.main(["--to", "447700900000", "--text", text]) == 0
    body = dict(parse_qsl(api.calls[0].request.body))
    assert body["text"] == text
    assert body.get("type") == ("unicode" if unicode else None)
    said = capsys.readouterr().err
    assert ("Sending as unicode" in said) is unicode and "UCS-2" in said


def test_the_script_says_how_many_parts_in_either_encoding(api, capsys):
    api.post(VONAGE_API, json=vonage_answer(vonage_part("0A0000000123ABCD1")))
    vonage_send.main(["--to", "447700900000", "--text", "a" * 161])
    assert capsys.readouterr().err == (
        "Sending as GSM-7: 2 parts (161 septets); as unicode it would take "
        "UCS-2 3 parts (161 units).\n")


@pytest.mark.parametrize("text, parts", [
    ("", 0), ("a" * 160, 1), ("a" * 161, 2), ("a" * 306, 2), ("a" * 307, 3),
    ("€" * 80, 1), ("€" * 81, 2),
    ("a" * 152 + "€" * 77, 3),  # an escape pair is never split: 152+0, 76 €, 1 €
])
def test_gsm7_counts_160_then_153_per_part_and_extension_characters_twice(text, parts):
    assert sms_parts.gsm7_parts(text).parts == parts


@pytest.mark.parametrize("text, parts", [
    ("я" * 70, 1), ("я" * 71, 2), ("я" * 134, 2), ("я" * 135, 3),
    ("😀" * 35, 1), ("😀" * 36, 2),
    ("я" * 66 + "😀" * 34, 3),  # a surrogate pair is never split: 66 я, 33 😀, 1 😀
    ("您" * 70, 1),
])
def test_ucs2_counts_70_then_67_utf16_units_per_part(text, parts):
    assert sms_parts.ucs2_parts(text).parts == parts


def test_gsm7_cannot_carry_what_is_outside_its_alphabet():
    assert sms_parts.gsm7_parts("naïve") is None
    assert sms_parts.outside_gsm7("naïve façade") == "ïç"
