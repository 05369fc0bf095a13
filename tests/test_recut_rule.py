"""plivo_app.recut: a callback whose signed bytes were cut again into other fields is refused,
and a callback Plivo sent is not, whatever fields it adds and whatever query the URL carries.

"Refused" means what the route will do once it calls recut.problem after the signature check:
problem() gives a sentence, or fields.py (its shapes and the fields that must come, without the
name rules recut replaces) answers 400. The property tests draw genuine callbacks and cut their
signed bytes again at other places, checking each cut with plivo_app.signature.v3_base.
"""

import random
import re
from datetime import datetime
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from werkzeug.exceptions import BadRequest

from plivo_app import fields as plivo_fields
from plivo_app import recut
from plivo_app.signature import v3_base
from tests import test_recut_fields as known_cuts
from tests.callbacks import PLIVO_URL, stored_ids
from tests.payloads import plivo_inbound, plivo_status
from tests.signing import plivo_headers

MESSAGE_UUID = plivo_status()["MessageUUID"]


# -- what the route will do --------------------------------------------------------------------

def refusal(method: str, query: dict, body: dict) -> str | None:
    """Why the wired route would answer 400, or None if it would store the report."""
    if sentence := recut.problem(method, query, body):
        return sentence
    try:
        plivo_fields.parse(query if method == "GET" else body)
    except BadRequest as refused:
        return refused.description
    return None


@pytest.fixture
def wired(plivo):
    """The Plivo app: recut.problem runs after the signature check, before the fields are read."""
    return plivo


def signed_post(client, fields, query=None):
    url = f"{PLIVO_URL}?{urlencode(query)}" if query else PLIVO_URL
    return client.post(url, data=fields, headers=plivo_headers(fields, url=url))


def signed_get(client, fields):
    url = f"{PLIVO_URL}?{urlencode(fields)}"
    return client.get(url, headers=plivo_headers({}, url=url, method="GET"))


# -- real reports are kept ---------------------------------------------------------------------

OWN_QUERIES = [{"ref": "A17"}, {"order_id": "9d2f-77"}, {"tenant": "acme", "Ref": "B-2"},
               {"Campaign": "BodyShop.spring", "x": "a=b&c"}]
ADDED_BY_PLIVO = {"ErrorCodeDescription": "Destination number is invalid",
                  "SentTimeUTC": "2026-11-23 10:00:01.227012", "requester_ip": "18.215.142.38",
                  "DestinationCountryISO2": "GB", "CarrierFees": "0.0012",
                  "CarrierNote": "From the team", "Signature": "From the team at Acme",
                  "FromName": "Acme Ltd", "StatusReason": "Delivered to handset",
                  "carrier_name": "Vodafone UK"}


@pytest.mark.parametrize("query", OWN_QUERIES, ids=lambda query: "&".join(query))
def test_a_status_callback_posted_to_a_url_with_its_own_query_is_kept(wired, query):
    response = signed_post(wired, plivo_status(), query)
    assert response.status_code == 200, response.text
    assert stored_ids(wired) == [MESSAGE_UUID]


@pytest.mark.parametrize("query", OWN_QUERIES, ids=lambda query: "&".join(query))
def test_a_status_callback_sent_as_a_get_beside_the_urls_own_query_is_kept(wired, query):
    response = signed_get(wired, {**plivo_status(), **query})
    assert response.status_code == 200, response.text
    assert stored_ids(wired) == [MESSAGE_UUID]


@pytest.mark.parametrize("name", ADDED_BY_PLIVO)
def test_a_field_plivo_adds_one_day_is_kept_on_post_and_get(wired, name):
    fields = plivo_status(**{name: ADDED_BY_PLIVO[name]})
    assert signed_post(wired, fields).status_code == 200
    assert signed_get(wired, fields).status_code == 200
    assert stored_ids(wired) == [MESSAGE_UUID]


@pytest.mark.parametrize("text", ["Tom & Jerry", "a=b", "x&y=z", "MessageUUID 5b40 Status ok",
                                  "Statusundelivered", "hi&Status=undelivered&To=+1",
                                  "From+447700900111To+1Typesms"])
def test_an_inbound_sms_is_kept_whatever_its_sender_wrote(wired, text):
    fields = plivo_inbound(Text=text, SmsFeedback="From the team")
    assert signed_post(wired, fields).status_code == 200
    assert signed_get(wired, fields).status_code == 200


# -- cuts are refused --------------------------------------------------------------------------

KNOWN_CUTS = [  # every check of tests/test_recut_fields.py on Plivo, and its arguments
    *[(known_cuts.test_a_recut_plivo_report_is_refused_though_its_signature_matches, args)
      for args in known_cuts.PLIVO_RECUTS.values()],
    *[(known_cuts.test_a_status_callback_cut_again_with_a_new_field_name_is_refused, args)
      for args in known_cuts.STATUS_RECUTS.values()],
    *[(getattr(known_cuts, name), ()) for name in dir(known_cuts) if name.startswith((
        "test_an_inbound_", "test_a_posted_inbound_", "test_a_get_inbound_",
        "test_a_query_of_the_hosts_own_"))],
]


@pytest.mark.parametrize("check, args", KNOWN_CUTS,
                         ids=[f"{check.__name__[5:45]}-{index}"
                              for index, (check, _) in enumerate(KNOWN_CUTS)])
def test_the_known_cuts_get_the_same_answers_from_the_wired_route(wired, check, args):
    check(wired, *args)


def test_a_field_name_outside_plivos_characters_is_left_to_fields_py(wired):
    # The one known cut whose answer changes: fields.py's character check answers it.
    fields = {**plivo_status(), "Extra Field=1&": "x"}
    response = signed_post(wired, fields)
    assert response.status_code == 400
    assert "has characters Plivo never uses in one" in response.text
    assert stored_ids(wired) == []


def test_a_name_that_could_begin_a_cut_is_named_in_the_answer():
    forged = {"F": f"rom447700900999MessageUUID{known_cuts.SENDER_UUID}Text",
              "MessageUUID": known_cuts.VICTIM, "Sequence": "9", "Status": "undelivered",
              "To": "14155550100", "Type": "sms"}
    assert recut.problem("POST", {}, forged) == (
        "The field 'F' is not one Plivo sends: it holds Plivo's field name From where the "
        "signed bytes could be cut again into a field From of their own.")


def test_an_mms_whose_sender_id_could_be_its_bodys_tail_is_refused():
    # Plivo's FromName after From is safe where nothing before From is free text. Behind an
    # MMS Body it is not: the same bytes read as an MMS from "NameAcme" whose sender wrote
    # "hiFrom+14155550100", and no rule on the bytes can tell which one Plivo sent.
    fields = {**plivo_inbound(Type="mms", MediaCount="0"), "Body": "hi", "FromName": "Acme"}
    del fields["Text"]
    assert "FromName" in recut.problem("POST", {}, fields)
    cut = {key: value for key, value in fields.items() if key not in ("From", "FromName")}
    cut.update(Body="hiFrom" + fields["From"], From="NameAcme")
    assert v3_base("POST", PLIVO_URL, cut) == v3_base("POST", PLIVO_URL, fields)
    assert refusal("POST", {}, cut) is None


@pytest.mark.parametrize("field, value, stricter", [
    ("To", "Acme", "a phone number"), ("From", " Acme", "begins with a letter or digit"),
    ("Status", "sentStatusReasonx", "lower-case word")])
def test_to_from_and_status_are_held_to_what_plivo_sends(field, value, stricter):
    # What the rule's argument leans on; fields.py's shapes hold them (400 before any storing).
    assert stricter in refusal("POST", {}, plivo_status(**{field: value}))


def test_plivos_names_in_a_post_urls_own_query_are_refused():
    assert "URL's query field 'Status'" in recut.problem("POST", {"Status": "x"}, plivo_status())


def test_every_documented_field_has_the_start_of_its_value_written_down():
    assert set(recut.VALUE_START) == set(plivo_fields.FIELD_SHAPES)


# -- the property: genuine callbacks pass, their cuts do not -----------------------------------

DOCUMENTED = set(recut.VALUE_START)
MEDIA = [re.compile(pattern) for pattern in recut.MEDIA_START]
NAME_CHARS = re.compile(r"[A-Za-z0-9_-]+")
uuids = st.uuids().map(str)
phones = st.from_regex(r"\+?[1-9][0-9]{6,14}", fullmatch=True)
sender_ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9 ]{0,10}", fullmatch=True)
times = st.datetimes(datetime(2000, 1, 1), datetime(2099, 12, 31)).map(
    lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S.%f"))
numbers = st.integers(0, 99999).map(str)
amounts = st.from_regex(r"[0-9]{1,3}\.[0-9]{1,5}", fullmatch=True)
statuses = st.sampled_from(["queued", "sent", "delivered", "undelivered", "failed", "read"]) | \
    st.from_regex(r"[a-z][a-z_-]{0,10}", fullmatch=True)
STATUS_FIELDS = {  # optional fields of a status callback, as Plivo writes them
    "ErrorCode": numbers | st.just(""), "Units": numbers, "TotalRate": amounts,
    "TotalAmount": amounts, "MCC": numbers, "MNC": numbers, "Sequence": numbers,
    "MessageTime": times, "QueuedTime": times, "SentTime": times,
    "DeliveryReportTime": times | st.just(""), "ParentMessageUUID": uuids | st.just(""),
    "PartInfo": st.from_regex(r"[1-9] of [1-9]", fullmatch=True) | st.just(""),
    "PowerpackUUID": uuids | st.just(""), "requester_ip": st.ip_addresses().map(str),
    "DestinationCountryISO2": st.from_regex(r"[A-Z]{2}", fullmatch=True),
    "MessageState": statuses, "ConversationOrigin": st.just("service"),
}
INBOUND_FIELDS = {"Units": numbers, "TotalRate": amounts, "TotalAmount": amounts,
                  "MessageIntent": st.sampled_from(["", "optout", "help"]),
                  "PowerpackUUID": uuids | st.just(""), "MessageTime": times}
FRAGMENTS = st.sampled_from(sorted(DOCUMENTED) + ["Media0", "=", "&", ".", "+", " "]) | uuids | \
    numbers | statuses | phones | st.text(max_size=4)
FAKE_VALUES = {"MessageUUID": uuids, "ParentMessageUUID": uuids, "From": phones | sender_ids,
               "To": phones, "Status": statuses, "Sequence": numbers, "ErrorCode": numbers,
               "PartInfo": st.just("2 of 2"), "Type": st.just("sms"), "Units": numbers,
               "MessageTime": times, "DeliveryReportTime": times, "Text": st.text(max_size=3),
               "Body": st.text(max_size=3), "MediaCount": numbers}
fake_fields = st.builds(  # a callback of its own: From, MessageUUID and To, and more
    lambda core, more: {**more, **core},
    st.fixed_dictionaries({name: FAKE_VALUES[name] for name in recut.ALWAYS_SENT}),
    st.dictionaries(st.sampled_from(sorted(FAKE_VALUES)), st.none()).flatmap(
        lambda names: st.fixed_dictionaries({name: FAKE_VALUES[name] for name in names})))


def carried_callbacks(form: str = "any"):
    """Texts holding a callback, signed as `form` would sign it: glued for a POST, behind "=x."
    for a POST with a query, as "&k=v" pieces for a GET."""
    head = {"POST": st.just(""), "POST with a query": st.just("=x."), "GET": st.just("=&")}.get(
        form, st.sampled_from(["", "=", "=x.", "=&"]))
    return st.tuples(head, FRAGMENTS, fake_fields, FRAGMENTS).map(
        lambda parts: parts[1] + parts[0] + ("&".join(
            f"{name}={parts[2][name]}" for name in sorted(parts[2])) + "&zz=" if "&" in parts[0]
            else "".join(f"{name}{parts[2][name]}" for name in sorted(parts[2]))) + parts[3])


# What the sender of an inbound message may write, cuts included: Plivo's names with values, and
# whole callbacks as a POST or a GET would sign them.
sender_texts = st.lists(FRAGMENTS, max_size=12).map("".join) | carried_callbacks()
WORDS = ["Carrier", "Fees", "Error", "Code", "Description", "Sent", "Time", "UTC", "Country",
         "Destination", "Network", "Name", "Id", "Total", "Tax", "Message", "Status", "Reason",
         "Text", "From", "Body", "Media", "Units", "Type", "Queued", "Part", "Info", "Count"]
extra_names = (st.sampled_from(sorted(ADDED_BY_PLIVO))
               | st.lists(st.sampled_from(WORDS), min_size=1, max_size=3).map("".join)
               | st.from_regex(r"[a-z]{1,8}(_[a-z0-9]{1,6}){0,2}", fullmatch=True))
extra_values = st.sampled_from(list(ADDED_BY_PLIVO.values())) | FRAGMENTS | st.text(max_size=12)


def documented(name: str) -> bool:
    return name in DOCUMENTED or any(media.fullmatch(name) for media in MEDIA)


def occurrences(signed: str):
    """Every place where one of Plivo's names is followed by a character its value can begin
    with (or, for a GET field, by "=" and such a character): recut.VALUE_START, read plainly."""
    starts = {**recut.VALUE_START, **{name: "h" for name in ("Media0", "Media1", "MediaUrl0")}}
    for name, start in starts.items():
        for found in re.finditer(f"(?={re.escape(name)})", signed):
            at, after = found.start(), found.start() + len(name)
            following = signed[after:after + 1]
            if following == "=" and start and (at == 0 or signed[at - 1] == "&"):
                following = signed[after + 1:after + 2]
            if start is None or (following and re.fullmatch(f"[{start}]", following)):
                yield name, at


def fields_in(method: str, query: dict, body: dict):
    """Where each field lies in the signed bytes: (name, value, start, value start, end, whose),
    worked out here from v3_base's description, not from recut."""
    if method == "GET" or not body:
        runs = [(query, "=", "&", "plivo" if method == "GET" else "url")]
    else:
        runs = ([(query, "=", "&", "url")] if query else []) + [(body, "", "", "plivo")]
    position, laid_out = 0, []
    for number, (fields, equals, separator, whose) in enumerate(runs):
        position += number  # the "." between a POST's query and its body
        for index, name in enumerate(sorted(fields)):
            position += len(separator) if index else 0
            value_start = position + len(name) + len(equals)
            position = value_start + len(fields[name])
            laid_out.append((name, fields[name], position - len(fields[name]) - len(equals)
                             - len(name), value_start, position, whose))
    return laid_out


def signed_bytes(method: str, query: dict, body: dict) -> str:
    url = f"{PLIVO_URL}?{urlencode(query)}" if query else PLIVO_URL
    return v3_base(method, url, body if method == "POST" else {})


def assumed_of_plivo(method: str, query: dict, body: dict) -> bool:
    """The module's assumption (3), in a stricter form: outside the sender's text, every
    occurrence of a documented name is the field itself, or comes after the field itself where
    no Text or Body comes before that (FromName after From), or is the MessageUUID inside
    ParentMessageUUID."""
    laid_out = [field for field in fields_in(method, query, body) if field[5] == "plivo"]
    signed = signed_bytes(method, query, body).removeprefix(PLIVO_URL + "?")
    own = {name: start for name, _, start, _, _, _ in laid_out if documented(name)}
    free = [(start, value_start, end) for name, _, start, value_start, end, _ in laid_out
            if name in ("Text", "Body")]
    free_from = min((start for start, _, _ in free), default=len(signed))
    parent = {start + 6 for name, _, start, _, _, _ in laid_out if name == "ParentMessageUUID"}
    return all(own.get(name) == at or at in parent
               or any(value_start <= at < end for _, value_start, end in free)
               or own.get(name, len(signed)) < min(at, free_from)
               for name, at in occurrences(signed))


@st.composite
def genuine_callbacks(draw, carrying=None):
    """(method, query, body) as Plivo would send them: a status callback or an inbound SMS, MMS
    or media-only message, fields Plivo may add, the URL's own query, on GET or POST. Those
    `carrying` a form are inbound messages whose sender wrote a callback, signed as that form
    signs it, into the text."""
    kind = draw(st.sampled_from(["sms", "mms"] if carrying else
                                ["status", "sms", "mms", "media"]))
    texts = carried_callbacks(carrying) if carrying else sender_texts
    sent = {"MessageUUID": draw(uuids), "To": draw(phones),
            "From": draw(phones | sender_ids if kind == "status" else phones)}
    optional = STATUS_FIELDS if kind == "status" else INBOUND_FIELDS
    for name in draw(st.lists(st.sampled_from(sorted(optional)), unique=True)):
        sent[name] = draw(optional[name])
    if kind == "status":
        sent.update(Status=draw(statuses), Type=draw(st.sampled_from(["sms", "mms"])))
    elif kind == "sms":
        sent.update(Text=draw(texts), Type="sms")
    else:
        count = draw(st.integers(1, 2))
        sent.update(Type="mms", MediaCount=str(count), **{
            f"Media{index}": f"https://media.plivo.com/Account/MA/Message/{draw(uuids)}/Media/x"
            for index in range(count)})
        if kind == "mms":
            sent["Body"] = draw(texts)
    for _ in range(draw(st.integers(0, 3))):
        name = draw(extra_names)
        if not documented(name) and name not in sent:
            sent[name] = draw(extra_values)
    method = draw(st.sampled_from(["GET", "POST"]))
    own_query = draw(st.dictionaries(
        st.sampled_from(["ref", "order_id", "tenant", "Ref", "x", "A"]),
        st.sampled_from(["A17", "9d2f-77", "acme", "a.b", "x&y", "From the team"]), max_size=2))
    if method == "GET":
        query, body = {**sent, **{k: v for k, v in own_query.items() if k not in sent}}, {}
    else:
        query, body = own_query, sent
    assume(assumed_of_plivo(method, query, body))
    return method, query, body


@settings(max_examples=400, deadline=None)
@given(genuine_callbacks())
def test_a_callback_plivo_sent_is_never_refused(callback):
    assert refusal(*callback) is None, callback
    signed = signed_bytes(*callback).removeprefix(PLIVO_URL).removeprefix("?")
    assert recut.layout(*callback)[0] == signed  # recut reads the bytes V3 signs


def read_by_the_app(method: str, query: dict, body: dict, alphanumeric_from: bool):
    """What the app reads from a callback, with the limits the module states: the sender's
    text runs up to To (after Text) or From (after Body), an alphanumeric From up to the next
    documented field that is not blank."""
    sent = query if method == "GET" else body
    laid_out = fields_in(method, query, body)
    signed = signed_bytes(method, query, body).removeprefix(PLIVO_URL + "?")
    plivos = [field for field in laid_out if field[5] == "plivo"]

    def running(name, until):
        index = next(i for i, field in enumerate(plivos) if field[0] == name)
        stop = next((field[2] for field in plivos[index + 1:] if until(field)), len(signed))
        return signed[plivos[index][3]:stop]

    def value(name):
        return sent.get(name, "").strip() or None

    read = {"MessageUUID": value("MessageUUID"), "To": value("To"), "From": value("From")}
    if alphanumeric_from and "From" in sent:
        read["From"] = running("From", lambda field: documented(field[0]) and field[1])
    if "Status" in sent:
        read["kind"] = "status"
        for name in ("Status", "ErrorCode", "Sequence", "ParentMessageUUID", "PartInfo",
                     "MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime"):
            read[name] = value(name)
    elif any(name in sent for name in ("Text", "Body", "MediaCount")):
        read["kind"] = "inbound"
        read["MessageTime"] = value("MessageTime")
        for text, until in (("Text", "To"), ("Body", "From")):
            if text in sent:
                read[text] = running(text, lambda field, until=until: field[0] == until)
    return read


def cut_body(draw, signed: str, hints: list[int]):
    """The body bytes `signed` cut into sorted fields: name+value, nothing between."""
    body, at, previous = {}, 0, None
    while at < len(signed):
        run = NAME_CHARS.match(signed, at)
        if not run:
            return None
        names = [run.group()[:length] for length in range(1, min(len(run.group()), 80) + 1)]
        names = [name for name in names if previous is None or name > previous]
        if not names:
            return None
        ours = [name for name in names if documented(name)]
        name = draw(st.sampled_from(ours if ours and draw(st.booleans()) else names))
        value_start = at + len(name)
        ends = [len(signed)] + [
            end for end in hints if end >= value_start and end < len(signed)
            and (follows := NAME_CHARS.match(signed, end)) and follows.group() > name]
        end = draw(st.sampled_from(sorted(set(ends))))
        body[name], at, previous = signed[value_start:end], end, name
    return body


def cut_query(draw, signed: str):
    """The query bytes `signed` cut again at "&": each field begins with a piece holding "=",
    names sorted."""
    query, name = {}, None
    for piece in signed.split("&"):
        key = piece.split("=", 1)[0]
        if "=" in piece and key and (name is None or key > name) and (
                name is None or draw(st.booleans())):
            name = key
            query[name] = piece[len(key) + 1:]
        elif name is None:
            return None
        else:
            query[name] += "&" + piece
    return query


@st.composite
def cuts(draw):
    """A genuine callback, and its signed bytes cut again into another GET, POST or POST with a
    query, checked to carry the same signature."""
    genuine = draw(genuine_callbacks())
    signed = signed_bytes(*genuine).removeprefix(PLIVO_URL + "?")
    hints = sorted({at for _, at in occurrences(signed)}
                   | {start for *_, start, _, _, _ in fields_in(*genuine)}
                   | set(draw(st.lists(st.integers(0, len(signed)), max_size=4))))
    form = draw(st.sampled_from(["POST", "GET", "POST with a query"]))
    if form == "POST":
        cut = ("POST", {}, cut_body(draw, signed, hints))
    elif form == "GET":
        cut = ("GET", cut_query(draw, signed), {})
    else:
        dots = [at for at, byte in enumerate(signed) if byte == "."]
        assume(dots)
        dot = draw(st.sampled_from(dots))
        body = cut_body(draw, signed[dot + 1:], [at - dot - 1 for at in hints if at > dot])
        cut = ("POST", cut_query(draw, signed[:dot]), body)
    assume(cut[1] is not None and cut[2] is not None and (cut[1] or cut[2]))
    assume(cut != genuine)
    assert signed_bytes(*cut) == signed_bytes(*genuine)
    return genuine, cut


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.filter_too_much,
                                                                   HealthCheck.too_slow])
@given(cuts())
def test_a_cut_that_changes_what_the_app_reads_is_refused(genuine_and_cut):
    genuine, cut = genuine_and_cut
    alphanumeric = bool(re.search("[A-Za-z]", (genuine[1] | genuine[2]).get("From", "")))
    if read_by_the_app(*cut, alphanumeric) != read_by_the_app(*genuine, alphanumeric):
        assert refusal(*cut), (genuine, cut)


# -- the property, on the cuts that matter: fields.py takes them, what is read changes ---------

def fits(name: str, value: str) -> bool:
    """Whether fields.py takes `value` for the documented field `name`."""
    if not value.strip() or name in ("Text", "Body"):
        return True
    if name in ("MessageTime", "QueuedTime", "SentTime", "DeliveryReportTime"):
        try:
            datetime.fromisoformat(value.strip())
        except ValueError:
            return False
        return True
    if plivo_fields.MEDIA_FIELD.fullmatch(name):
        media = name.startswith("MediaContentType")
        return bool((plivo_fields.MEDIA_TYPE if media else plivo_fields.MEDIA_URL)[0]
                    .fullmatch(value))
    return bool(plivo_fields.FIELD_SHAPES[name][0].fullmatch(value))


def documented_at(signed: str, at: int) -> list[str]:
    names = [name for name in DOCUMENTED if signed.startswith(name, at)]
    media = re.compile(r"(Media|MediaUrl|MediaContentType)([0-9]{1,2})")
    if found := media.match(signed, at):
        names += [found.group(1) + found.group(2)[:length]
                  for length in range(1, len(found.group(2)) + 1)]
    return names


def missing_before(name: str, fields: list) -> bool:
    """Whether a field called `name` would come after a name fields.py requires that is not
    there yet (the names are sorted, so it could never come)."""
    return any(always < name and always not in dict(fields) for always in recut.ALWAYS_SENT)


def glued_readings(signed: str, rng, budget: list[int]):
    """Readings of glued body bytes whose documented fields all fit, depth first in a random
    order: fields sorted by name, each name+value, nothing between."""
    anchors = [at for at in range(len(signed)) if documented_at(signed, at)]

    def can_follow(end: int, name: str) -> bool:
        run = NAME_CHARS.match(signed, end)
        return end == len(signed) or bool(run and run.group() > name)

    def walk(at: int, previous: str | None, fields: list):
        budget[0] -= 1
        if at == len(signed):
            yield dict(fields)
            return
        if budget[0] < 0 or not (run := NAME_CHARS.match(signed, at)):
            return
        names = [name for name in documented_at(signed, at) if not previous or name > previous]
        unknown = [run.group()[:length] for length in range(1, min(len(run.group()), 60) + 1)]
        unknown = [name for name in unknown if (not previous or name > previous)
                   and not documented(name)]
        names = rng.sample(names, len(names)) + rng.sample(unknown, min(2, len(unknown)))
        for name in names:
            if missing_before(name, fields):
                continue
            value_start = at + len(name)
            if documented(name) and name not in ("Text", "Body"):
                ends = range(value_start, min(len(signed), value_start + 60) + 1)
            else:  # free text and fields Plivo has not documented end where one of its begins
                ends = [end for end in anchors if end >= value_start] + [len(signed)]
            ends = [end for end in ends if can_follow(end, name)
                    and (not documented(name) or fits(name, signed[value_start:end]))]
            for end in rng.sample(ends, min(3, len(ends))):
                yield from walk(end, name, [*fields, (name, signed[value_start:end])])

    return walk(0, None, [])


def piece_readings(signed: str, rng, budget: list[int], plivos: bool = True):
    """Readings of "k=v&k=v" bytes: each field begins at a piece holding "=", names sorted;
    Plivo's fields fit (or, for a POST URL's own query, any names but Plivo's)."""
    pieces = signed.split("&")

    def walk(index: int, previous: str | None, fields: list):
        budget[0] -= 1
        if index == len(pieces):
            yield dict(fields)
            return
        name = pieces[index].split("=", 1)[0]
        if budget[0] < 0 or "=" not in pieces[index] or not name or (
                previous and name <= previous) or (documented(name) and not plivos) or (
                plivos and (missing_before(name, fields) or not NAME_CHARS.fullmatch(name))):
            return
        ends = list(range(index + 1, len(pieces) + 1))
        for end in rng.sample(ends, min(3, len(ends))):
            value = "&".join([pieces[index][len(name) + 1:], *pieces[index + 1:end]])
            if not documented(name) or fits(name, value):
                yield from walk(end, name, [*fields, (name, value)])

    return walk(0, None, [])


def hard_cuts(genuine, form: str, rng, wanted: int = 3):
    """Cuts of a genuine callback's signed bytes that fields.py takes, whose read fields
    differ from the genuine ones: the cuts only recut can refuse."""
    signed = signed_bytes(*genuine).removeprefix(PLIVO_URL + "?")
    alphanumeric = bool(re.search("[A-Za-z]", (genuine[1] | genuine[2]).get("From", "")))
    budget = [4000]
    if form == "POST":
        candidates = (("POST", {}, body) for body in glued_readings(signed, rng, budget))
    elif form == "GET":
        candidates = (("GET", query, {}) for query in piece_readings(signed, rng, budget))
    else:
        dots = [at for at, byte in enumerate(signed) if byte == "." and "=" in signed[:at]]
        dot = rng.choice(dots) if dots else 0
        candidates = (("POST", query, body)
                      for query in piece_readings(signed[:dot], rng, budget, plivos=False)
                      for body in glued_readings(signed[dot + 1:], rng, budget)) if dots else ()
    found = []
    for cut in candidates:
        if len(found) == wanted or budget[0] < 0:
            break
        try:
            plivo_fields.parse(cut[1] if cut[0] == "GET" else cut[2])
        except BadRequest:
            continue
        if read_by_the_app(*cut, alphanumeric) != read_by_the_app(*genuine, alphanumeric):
            assert signed_bytes(*cut) == signed_bytes(*genuine)
            found.append(cut)
    return found


@pytest.mark.parametrize("form", ["POST", "GET", "POST with a query"])
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_cut_fields_py_takes_that_changes_what_is_read_is_refused(form, data):
    genuine = data.draw(genuine_callbacks(carrying=form))
    for cut in hard_cuts(genuine, form, data.draw(st.randoms(use_true_random=False))):
        assert recut.problem(*cut), (genuine, cut)


def test_the_search_for_cuts_finds_the_known_ones():
    # The inbound SMS of tests/test_recut_fields.py whose text holds a status callback: the
    # search finds cuts of it that fields.py takes (the "F" cut, and others).
    genuine = ("POST", {}, {
        "From": "447700900999", "MessageUUID": known_cuts.SENDER_UUID, "To": "14155550100",
        "Text": f"From447700900999MessageUUID{known_cuts.VICTIM}Sequence9Statusundelivered",
        "Type": "sms"})
    found = [cut for seed in range(20)
             for cut in hard_cuts(genuine, "POST", random.Random(seed))]
    assert any(cut[2].get("MessageUUID") == known_cuts.VICTIM for cut in found)
    assert all(recut.problem(*cut) for cut in found)
