"""A Plivo inbound MMS or WhatsApp message of media only: no Body, only MediaCount and URLs."""

from tests import payloads
from tests.callbacks import message, plivo_post

UUID = "2a8fa0d4-5bd6-11ee-8f53-0242ac110009"


def media_only(**overrides) -> dict[str, str]:
    fields = payloads.plivo_inbound(**{
        "MessageUUID": UUID, "Type": "mms", "MediaCount": "1",
        "Media0": "https://media.plivo.com/Account/MA/Media/1.jpg", **overrides})
    del fields["Text"]
    return fields


def test_a_media_only_mms_is_stored_as_an_inbound_message(plivo):
    assert plivo_post(plivo, media_only()).status_code == 200
    m = message(plivo, UUID)
    assert (m["direction"], m["state"], m["outcome"], m["text"]) == (
        "inbound", "received", "delivered", None)
    assert m["events"][0]["fields"]["Media0"].endswith("/1.jpg")


def test_a_media_only_whatsapp_message_is_stored_too(plivo):
    assert plivo_post(plivo, media_only(Type="whatsapp")).status_code == 200
    assert message(plivo, UUID)["state"] == "received"


def test_a_callback_with_neither_status_text_body_nor_media_is_still_a_400(plivo):
    fields = media_only()
    del fields["MediaCount"]
    assert plivo_post(plivo, fields).status_code == 400
