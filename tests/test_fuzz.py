"""Whatever a client throws at either app gets an answer below 500, and nothing is stored unless
the provider signed it."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.callbacks import VONAGE_PATH
from tests.payloads import plivo_status, vonage_receipt
from tests.signing import plivo_app_on, plivo_headers, vonage_app_on, vonage_signed
from tests.stored import event_count

PATHS = ["/delivery", "/webhooks/delivery-receipt", "/messages", "/messages/x", "/healthz"]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
CONTENT_TYPES = ["application/x-www-form-urlencoded", "application/json", "text/plain",
                 "multipart/form-data; boundary=x", "application/json; charset=latin-1", ""]
HEADER_NAMES = [
    "X-Plivo-Signature-V3", "X-Plivo-Signature-Ma-V3", "X-Plivo-Signature-V3-Nonce",
    "X-Plivo-Signature-V2", "X-Plivo-Signature-V2-Nonce", "X-Forwarded-For", "X-Forwarded-Host",
    "X-Forwarded-Proto", "Host", "Accept", "Authorization", "Content-Encoding",
]
header_text = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=60)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner,
                                                                max_size=4),
    max_leaves=20)
# Bodies: bytes, real fields with one changed, JSON of any shape.
fields = st.sampled_from([plivo_status(), vonage_receipt()]).flatmap(
    lambda base: st.dictionaries(st.sampled_from(sorted(base)) | st.text(max_size=12),
                                 st.text(max_size=40), max_size=len(base) + 2).map(
        lambda changes: {**base, **changes}))
bodies = st.one_of(
    st.binary(max_size=300),
    fields.map(lambda f: "&".join(f"{k}={v}" for k, v in f.items()).encode()),
    fields.map(lambda f: json.dumps(f).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
)
requests = st.fixed_dictionaries({
    "method": st.sampled_from(METHODS),
    "path": st.sampled_from(PATHS),
    "query_string": st.text(max_size=60),
    "content_type": st.sampled_from(CONTENT_TYPES) | header_text,
    "data": bodies,
    "headers": st.dictionaries(st.sampled_from(HEADER_NAMES), header_text, max_size=5),
})


@pytest.mark.parametrize("make_app", [plivo_app_on, vonage_app_on], ids=["plivo", "vonage"])
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=requests)
def test_any_request_gets_a_4xx_or_2xx_and_stores_nothing_unsigned(database_url, make_app,
                                                                   request):
    app = make_app(database_url)
    response = app.test_client().open(**request)
    assert response.status_code < 500, (request, response.get_data(as_text=True))
    assert event_count(app.extensions["sms_store"]) == 0


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plivo_fields=fields, vonage_fields=fields, as_json=st.booleans())
def test_any_signed_set_of_fields_is_stored_or_refused_with_a_4xx(database_url, plivo_fields,
                                                                 vonage_fields, as_json):
    """Signed with the providers' algorithms, so the checks after the signature run too."""
    plivo = plivo_app_on(database_url).test_client()
    response = plivo.post("/delivery", data=plivo_fields, headers=plivo_headers(plivo_fields))
    assert response.status_code in (200, 400), (plivo_fields, response.text)
    vonage = vonage_app_on(database_url).test_client()
    signed = vonage_signed(vonage_fields)
    response = (vonage.post(VONAGE_PATH, json=signed) if as_json
                else vonage.post(VONAGE_PATH, data=signed))
    assert response.status_code in (204, 400), (signed, response.text)
