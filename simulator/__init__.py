"""A fake provider, like `stripe trigger`: realistic, correctly signed callbacks on localhost.

The engine is provider-neutral; each provider package passes its wire format in:

- `model`: the pieces a provider fills in (`FakeProvider`), and what a scenario is made of.
- `scenarios`: lifecycle, failure, multipart, inbound, duplicate, out-of-order, campaign, and
  the replays of a week for the alerts: degradation, country-degradation.
- `handsets`: where messages go: numbers in several countries, on their networks.
- `delivery`: posts each report at its time and retries it the way the provider does.
- `summary` and `progress`: what the person running it sees.
- `cli`: `python -m plivo_app.simulate …` and `python -m nexmo_app.simulate …`.
"""
