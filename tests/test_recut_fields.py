"""Signed bytes cut into other fields are refused: the signature still matches, the shapes and
field names do not (Plivo V3 joins name and value with no separator; Vonage replaces `&` and `=`
in values only)."""

from urllib.parse import urlencode

import pytest

from nexmo_app.signature import signing_string
from plivo_app.signature import v3_base
from tests.callbacks import PLIVO_URL, VONAGE_PATH, stored_ids
from tests.payloads import plivo_inbound, plivo_status, vonage_receipt
from tests.signing import plivo_headers, vonage_signed

PARENT = "a1b2c3d4-0000-4000-8000-000000000001"
PART_2 = "a1b2c3d4-0000-4000-8000-000000000002"


def recut(fields: dict[str, str], into: str, absorbed: list[str]) -> dict[str, str]:
    """`into`'s value swallows the names and values of the fields after it (Plivo V3)."""
    cut = {key: value for key, value in fields.items() if key not in absorbed}
    cut[into] = fields[into] + "".join(f"{key}{fields[key]}" for key in absorbed)
    return cut


PLIVO_RECUTS = {
    # A part-2 report that no longer says it is part 2 (nor which message it belongs to).
    "PartInfo into ParentMessageUUID": ("ParentMessageUUID", ["PartInfo"], "ParentMessageUUID"),
    "From into ErrorCode": ("ErrorCode", ["From"], "ErrorCode"),
    "Status into Sequence": ("Sequence", ["Status"], "Sequence"),
}


@pytest.mark.parametrize("into, absorbed, named", PLIVO_RECUTS.values(), ids=PLIVO_RECUTS)
def test_a_recut_plivo_report_is_refused_though_its_signature_matches(plivo, into, absorbed,
                                                                      named):
    fields = plivo_status(MessageUUID=PART_2, ParentMessageUUID=PARENT, PartInfo="2 of 2")
    cut = recut(fields, into, absorbed)
    assert v3_base("POST", PLIVO_URL, cut) == v3_base("POST", PLIVO_URL, fields)
    response = plivo.post("/delivery", data=cut, headers=plivo_headers(fields))
    assert response.status_code == 400, response.text
    assert named in response.text
    assert stored_ids(plivo) == []


def test_a_plivo_field_name_outside_plivos_characters_is_refused(plivo):
    fields = {**plivo_status(), "Extra Field=1&": "x"}
    response = plivo.post("/delivery", data=fields, headers=plivo_headers(fields))
    assert response.status_code == 400
    assert "'Extra Field=1&'" in response.text


VICTIM = "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c6"
SENDER_UUID = "2a8fa0d4-5bd6-11ee-8f53-0242ac110003"


def plivo_recut_answer(plivo, forged, genuine, method="POST"):
    """Send `forged` with the signature Plivo made when it POSTed `genuine` (same signed bytes);
    as a query string when `method` is GET."""
    headers = plivo_headers(genuine)
    if method == "GET":
        forged_url = f"{PLIVO_URL}?{urlencode(forged)}"
        assert v3_base("GET", forged_url, {}) == v3_base("POST", PLIVO_URL, genuine)
        return plivo.get(forged_url, headers=headers)
    assert v3_base("POST", PLIVO_URL, forged) == v3_base("POST", PLIVO_URL, genuine)
    return plivo.post(PLIVO_URL, data=forged, headers=headers)


def test_an_inbound_sms_cut_again_into_a_status_callback_for_another_message_is_refused(plivo):
    # The sender wrote the text; Plivo signed it; the same bytes, cut again, say another
    # message was undelivered. The name "F" swallows the start of the genuine callback.
    genuine = {"From": "447700900999", "MessageUUID": SENDER_UUID, "To": "14155550100",
               "Text": f"MessageUUID{VICTIM}Sequence9Statusundelivered", "Type": "sms"}
    forged = {"F": f"rom447700900999MessageUUID{SENDER_UUID}Text", "MessageUUID": VICTIM,
              "Sequence": "9", "Status": "undelivered", "To": "14155550100", "Type": "sms"}
    response = plivo_recut_answer(plivo, forged, genuine)
    assert response.status_code == 400, response.text
    assert "'F' is not one Plivo sends" in response.text
    assert stored_ids(plivo) == []


def test_an_inbound_sms_cut_again_into_a_posts_url_query_and_body_is_refused(plivo):
    # A POST signs the URL's sorted query, ".", then the body: the genuine body's start, cut at
    # the "=" and "." its sender wrote, moves into the query, and the rest is a status callback.
    genuine = {"From": "+447700900999", "MessageUUID": SENDER_UUID, "To": "+14155550100",
               "Text": f"hi=x.From+14155550100MessageUUID{VICTIM}Sequence9Statusundelivered",
               "Type": "sms"}
    query = {f"From+447700900999MessageUUID{SENDER_UUID}Texthi": "x"}
    forged = {"From": "+14155550100", "MessageUUID": VICTIM, "Sequence": "9",
              "Status": "undelivered", "To": "+14155550100", "Type": "sms"}
    forged_url = f"{PLIVO_URL}?{urlencode(query)}"
    assert v3_base("POST", forged_url, forged) == v3_base("POST", PLIVO_URL, genuine)
    response = plivo.post(forged_url, data=forged, headers=plivo_headers(genuine))
    assert response.status_code == 400, response.text
    assert "URL's query field" in response.text
    assert stored_ids(plivo) == []


def test_a_query_of_the_hosts_own_on_a_post_callback_url_is_fine(plivo):
    url = f"{PLIVO_URL}?tenant=acme"
    fields = plivo_status()
    response = plivo.post(url, data=fields, headers=plivo_headers(fields, url=url))
    assert response.status_code == 200, response.text


def test_an_inbound_mms_cut_again_into_a_status_callback_with_plivos_own_names_is_refused(
        plivo):
    # Every name is Plivo's: the sender's Body holds a whole status callback, and Text swallows
    # the genuine fields up to To. A status callback never carries Body or Text.
    media = "https://media.plivo.com/Account/MA/Message/x/Media/y"
    genuine = {"Body": f"xFrom447700900999MessageUUID{VICTIM}Sequence9StatusundeliveredText",
               "From": "447700900999", "Media0": media, "MediaCount": "1",
               "MessageUUID": SENDER_UUID, "To": "14155550100", "Type": "mms"}
    forged = {"Body": "x", "From": "447700900999", "MessageUUID": VICTIM, "Sequence": "9",
              "Status": "undelivered",
              "Text": f"From447700900999Media0{media}MediaCount1MessageUUID{SENDER_UUID}",
              "To": "14155550100", "Type": "mms"}
    response = plivo_recut_answer(plivo, forged, genuine)
    assert response.status_code == 400, response.text
    assert "never carries Body" in response.text
    assert stored_ids(plivo) == []


def test_a_posted_inbound_sms_cut_again_into_a_get_status_callback_is_refused(plivo):
    # POST signs key+value, GET signs k=v&k=v: text holding "=" and "&" re-cuts as a query.
    text = f"=1&MessageUUID={VICTIM}&Sequence=9&Status=undelivered&Text=x"
    genuine = {"From": "447700900999", "MessageUUID": SENDER_UUID, "Text": text,
               "To": "14155550100", "Type": "sms"}
    signed = "".join(f"{key}{genuine[key]}" for key in sorted(genuine))
    forged = dict(pair.split("=", 1) for pair in signed.split("&"))
    assert forged["MessageUUID"] == VICTIM and forged["Status"] == "undelivered"
    response = plivo_recut_answer(plivo, forged, genuine, method="GET")
    assert response.status_code == 400, response.text
    assert "is not one Plivo sends" in response.text
    assert stored_ids(plivo) == []


def swallowed(fields: dict[str, str], names: list[str]) -> str:
    return "".join(f"{name}{fields[name]}" for name in names)


def cut_into(fields: dict[str, str], names: list[str], **new: str) -> dict[str, str]:
    return {key: value for key, value in fields.items() if key not in names} | new


SENT = plivo_status(Status="sent", Sequence="2")
TAIL = ["To", "TotalAmount", "TotalRate", "Type", "Units"]
UNDELIVERED = plivo_status(Status="undelivered", ErrorCode="30")
DROPPED = ["DeliveryReportTime", "ErrorCode"]
STATUS_RECUTS = {
    # "sent" becomes "se" and a new field "nt" swallows To and what follows: status unknown.
    "Status=se, nt=To…": (SENT, cut_into(SENT, TAIL, Status="se", nt=swallowed(SENT, TAIL))),
    # A new field "D" swallows DeliveryReportTime and the ErrorCode after it.
    "D=eliveryReportTime…ErrorCode": (UNDELIVERED, cut_into(
        UNDELIVERED, DROPPED, D=swallowed(UNDELIVERED, DROPPED)[1:])),
}


@pytest.mark.parametrize("genuine, forged", STATUS_RECUTS.values(), ids=STATUS_RECUTS)
def test_a_status_callback_cut_again_with_a_new_field_name_is_refused(plivo, genuine, forged):
    response = plivo_recut_answer(plivo, forged, genuine)
    assert response.status_code == 400, response.text
    assert "is not one Plivo sends" in response.text
    assert stored_ids(plivo) == []


def test_an_inbound_sms_whose_text_swallows_to_is_refused_and_not_kept(plivo):
    genuine = plivo_inbound(Text="hello")
    forged = cut_into(genuine, ["To"], Text="hello" + swallowed(genuine, ["To"]))
    response = plivo_recut_answer(plivo, forged, genuine)
    assert response.status_code == 400, response.text
    assert "To is missing" in response.text
    assert stored_ids(plivo) == []  # not even kept as an undelivered inbound message


def test_a_get_inbound_whose_text_swallows_to_and_type_is_refused_and_not_kept(plivo):
    # GET signs k=v&k=v of the decoded query: "hi&To=…&Type=sms" as one Text signs alike.
    genuine = plivo_inbound(Text="hi")
    forged = cut_into(genuine, TAIL[:-1],
                      Text="hi&" + "&".join(f"{k}={genuine[k]}" for k in TAIL[:-1]))
    genuine_url = f"{PLIVO_URL}?{urlencode(genuine)}"
    forged_url = f"{PLIVO_URL}?{urlencode(forged)}"
    assert v3_base("GET", forged_url, {}) == v3_base("GET", genuine_url, {})
    response = plivo.get(forged_url, headers=plivo_headers({}, url=genuine_url, method="GET"))
    assert response.status_code == 400, response.text
    assert "To is missing" in response.text
    assert stored_ids(plivo) == []


def test_a_recut_vonage_receipt_is_refused_though_its_signature_matches(vonage):
    # "&err-code=0&message-timestamp=…" becomes one field whose name holds "=0&": the receipt
    # would lose its err-code.
    signed = vonage_signed(vonage_receipt())
    cut = {key: value for key, value in signed.items() if key != "err-code"}
    cut["err-code=0&message-timestamp"] = cut.pop("message-timestamp")
    assert signing_string(cut) == signing_string(signed)  # the signature still matches
    response = vonage.post(VONAGE_PATH, data=cut)
    assert response.status_code == 400, response.text
    assert "never uses in one" in response.text
    assert stored_ids(vonage) == []


@pytest.mark.parametrize("network_code", ["US-TOLL-FREE", "23410", "anything at all"])
def test_free_text_fields_stay_free(vonage, network_code):
    response = vonage.post(VONAGE_PATH, data=vonage_signed(
        vonage_receipt(**{"network-code": network_code})))
    assert response.status_code == 204
