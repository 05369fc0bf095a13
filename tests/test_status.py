"""Status words and error codes, interpreted as the README's status table and the providers'
docs say."""

import pytest

from shared.report import Report, is_north_american, outcome
from tests.codes import CODES, explain_error, interpret

# (provider word, normalized state, final, outcome): the README's status table, read row by row.
PLIVO_STATUSES = [
    ("queued", "queued", False, "pending"),
    ("sent", "sent", False, "pending"),
    ("delivered", "delivered", True, "delivered"),
    ("read", "delivered", True, "delivered"),
    ("undelivered", "undelivered", True, "failed"),
    ("failed", "failed", True, "failed"),
    ("rejected", "rejected", True, "failed"),
    ("received", "received", True, "delivered"),
]
VONAGE_STATUSES = [
    ("accepted", "sent", False, "pending"),
    ("buffered", "sent", False, "pending"),
    ("delivered", "delivered", True, "delivered"),
    ("failed", "failed", True, "failed"),
    ("rejected", "rejected", True, "failed"),
    ("expired", "expired", True, "failed"),
    ("unknown", "unknown", True, "unknown"),
]

# The providers' error-code tables, with whether sending again later may succeed (temporary).
PLIVO_ERRORS = [
    ("10", "Invalid Message", False),
    ("20", "Network Error", True),
    ("30", "Spam Detected", False),
    ("40", "Invalid Source Number", False),
    ("50", "Invalid Destination Number", False),
    ("60", "Loop Detected", False),
    ("70", "Destination Permanently Unavailable", False),
    ("80", "Destination Temporarily Unavailable", True),
    ("90", "No Route Available", False),
    ("100", "Prohibited by Carrier", False),
    ("110", "Message Too Long", False),
    ("200", "Source number blocked by STOP from destination", False),
    ("201", "US toll-free to Canadian destinations blocked", False),
    ("300", "Failed to dispatch message", True),
    ("420", "Message expired", True),
    ("450", "Destination country barred (geo permissions)", False),
    ("451", "Messages-per-hour threshold blocked", True),
    ("900", "Insufficient credit", True),
    ("910", "Account disabled", False),
    ("1000", "Unknown Error", True),
]
VONAGE_ERRORS = [
    ("1", "Unknown", True),
    ("2", "Absent Subscriber - Temporary", True),
    ("3", "Absent Subscriber - Permanent", False),
    ("4", "Call Barred by User", False),
    ("5", "Portability Error", False),
    ("6", "Anti-Spam Rejection", False),
    ("7", "Handset Busy", True),
    ("8", "Network Error", True),
    ("9", "Illegal Number", False),
    ("10", "Illegal Message", False),
    ("11", "Unroutable", False),
    ("12", "Destination Unreachable", True),
    ("13", "Subscriber Age Restriction", False),
    ("14", "Number Blocked by Carrier", False),
    ("15", "Prepaid Insufficient Funds", True),
    ("16", "Gateway Quota Exceeded", True),
    ("50", "Entity Filter", False),
    ("51", "Header Filter", False),
    ("52", "Content Filter", False),
    ("53", "Consent Filter", False),
    ("54", "Regulation Error", False),
    ("99", "General Error", True),
]

UK_NUMBER = "+447700900111"


@pytest.mark.parametrize("word, state, final, expected_outcome", PLIVO_STATUSES)
def test_each_plivo_status_maps_to_its_normalized_state(word, state, final, expected_outcome):
    i = interpret("plivo", word, None, UK_NUMBER)
    assert (i.state, i.final, i.outcome) == (state, final, expected_outcome)


@pytest.mark.parametrize("word, state, final, expected_outcome", VONAGE_STATUSES)
def test_each_vonage_status_maps_to_its_normalized_state(word, state, final, expected_outcome):
    i = interpret("vonage", word, "0", "447700900111")
    assert (i.state, i.final, i.outcome) == (state, final, expected_outcome)


def test_a_send_call_record_is_queued_for_either_provider():
    for provider in ("plivo", "vonage"):
        report = Report(codes=CODES[provider], kind="send", message_id="m", status="queued",
                        fields={}, to_number="447700900111")
        i = report.interpretation
        assert (i.state, i.final, i.outcome) == ("queued", False, "pending")


def test_a_vonage_receipt_saying_queued_is_unknown_since_vonage_has_no_such_status():
    assert interpret("vonage", "queued", "0", "447700900111").state == "unknown"


@pytest.mark.parametrize("provider", ["plivo", "vonage"])
@pytest.mark.parametrize("word", ["Delivered", "DELIVERED", " delivered "])
def test_status_words_are_read_regardless_of_case_and_surrounding_spaces(provider, word):
    assert interpret(provider, word, None).state == "delivered"


@pytest.mark.parametrize("provider", ["plivo", "vonage"])
@pytest.mark.parametrize("word", ["exploded", "", None, "  ", "délivré", "x" * 10_000])
def test_an_unknown_status_is_final_and_unknown_instead_of_an_exception(provider, word):
    i = interpret(provider, word, None, UK_NUMBER)
    assert (i.state, i.final, i.outcome) == ("unknown", True, "unknown")


def test_plivo_expired_is_not_a_plivo_word_so_it_is_unknown():
    assert interpret("plivo", "expired", None).state == "unknown"


def test_vonage_undelivered_is_not_a_vonage_word_so_it_is_unknown():
    assert interpret("vonage", "undelivered", None).state == "unknown"


@pytest.mark.parametrize("code, text, retryable", PLIVO_ERRORS)
def test_each_plivo_error_code_has_its_text_and_retryable_flag(code, text, retryable):
    i = interpret("plivo", "undelivered", code, UK_NUMBER)
    assert (i.error_code, i.error_text, i.retryable) == (code, text, retryable)


@pytest.mark.parametrize("code, text, retryable", VONAGE_ERRORS)
def test_each_vonage_err_code_has_its_text_and_retryable_flag(code, text, retryable):
    i = interpret("vonage", "failed", code, "447700900111")
    assert (i.error_code, i.error_text, i.retryable) == (code, text, retryable)


def test_vonage_temporary_and_permanent_codes_are_the_ones_facts_names():
    # Vonage: 2, 7, 8, 16 are temporary; 3, 9, 11 permanent.
    assert all(explain_error("vonage", c)[1] is True for c in ("2", "7", "8", "16"))
    assert all(explain_error("vonage", c)[1] is False for c in ("3", "9", "11"))


@pytest.mark.parametrize("provider, code", [
    ("plivo", None), ("plivo", ""), ("plivo", "0"), ("plivo", "000"),
    ("vonage", None), ("vonage", ""), ("vonage", "0"),
])
def test_a_success_code_means_no_error_at_all(provider, code):
    i = interpret(provider, "delivered", code)
    assert (i.error_code, i.error_text, i.retryable) == (None, None, None)


def test_an_unknown_plivo_error_code_is_explained_not_raised():
    i = interpret("plivo", "undelivered", "777", UK_NUMBER)
    assert (i.error_code, i.error_text, i.retryable) == ("777", "unknown Plivo error 777", None)
    assert (i.state, i.outcome) == ("undelivered", "failed")


def test_an_unknown_vonage_err_code_is_explained_not_raised():
    i = interpret("vonage", "failed", "77", "447700900111")
    assert (i.error_code, i.error_text, i.retryable) == ("77", "unknown Vonage err-code 77", None)


@pytest.mark.parametrize("code", ["abc", "-1", "5 0", "99999999999999999999", "🙂", "0x32"])
def test_malformed_error_codes_are_explained_as_unknown(code):
    assert explain_error("plivo", code) == (f"unknown Plivo error {code}", None)
    assert explain_error("vonage", code) == (f"unknown Vonage err-code {code}", None)


def test_an_error_code_with_surrounding_spaces_is_still_looked_up():
    i = interpret("plivo", "undelivered", " 50 ")
    assert (i.error_code, i.error_text) == ("50", "Invalid Destination Number")


def test_an_error_code_with_leading_zeros_is_looked_up_by_its_number():
    assert explain_error("plivo", "050") == ("Invalid Destination Number", False)
    assert explain_error("vonage", "02") == ("Absent Subscriber - Temporary", True)


def test_a_code_that_is_only_a_success_for_plivo_is_an_error_for_vonage():
    # Plivo's message record says "000" for success; Vonage never sends it.
    assert interpret("plivo", "delivered", "000").error_code is None
    assert interpret("vonage", "delivered", "000").error_code == "000"


@pytest.mark.parametrize("number", ["+14155550111", "14155550111", "+16135550123"])
def test_sent_to_a_plus_one_number_counts_as_delivered(number):
    i = interpret("plivo", "sent", None, number)
    assert (i.state, i.final, i.outcome) == ("sent", False, "delivered")


def test_vonage_accepted_to_a_us_msisdn_counts_as_delivered():
    assert interpret("vonage", "accepted", "0", "14155550111").outcome == "delivered"


@pytest.mark.parametrize("number", [
    "+447700900111", "447700900111", "+1415555011", "+141555501110", "+1415555011x", "", None,
])
def test_sent_elsewhere_or_to_a_malformed_number_stays_pending(number):
    assert interpret("plivo", "sent", None, number).outcome == "pending"


@pytest.mark.parametrize("state, expected", [
    ("queued", "pending"), ("undelivered", "failed"), ("failed", "failed"),
    ("delivered", "delivered"), ("unknown", "unknown"),
])
def test_the_plus_one_rule_applies_only_to_sent(state, expected):
    assert outcome(state, "+14155550111") == expected


def test_north_american_numbers_are_eleven_digits_starting_with_one():
    assert is_north_american("+14155550111") and is_north_american("14155550111")
    assert not is_north_american("+4155550111") and not is_north_american("+24155550111")
