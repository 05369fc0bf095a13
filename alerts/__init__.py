"""Delivery-rate alerts: Plivo's hosted Delivery Alerts rules, over our own store.

Both providers are judged the same way, each on its own messages.

When a message happened: `messages.sent_at`, the time the provider says it was sent (Plivo
QueuedTime or MessageTime, Vonage message-timestamp, our own send time for messages the send
scripts recorded), else the time its first report arrived. The window is the hour before the
evaluation, [now - 1 hour, now).

Delivery rate: delivered / messages with a final outcome in the window.
- Delivered: outcome `delivered`. That includes `sent` to a +1 (US/Canada) number, where no
  receipts exist (the store applies this rule when it saves the message).
- Final outcome: delivered, failed (undelivered, failed, rejected, expired) or unknown.
  `unknown` counts in the denominator, as undelivered: it is final (the provider will say no
  more), nobody confirmed the message arrived, and a failing route often shows up as a wave of
  "unknown" receipts that leaving them out would hide.
- Messages still pending (queued, or sent outside +1 without a receipt yet) are not counted.

Outbound rule: evaluated only when at least 250 outbound messages (pending ones included: the
seed counts messages processed) fall in the hour. The hour's rate is compared with the plain
average of the rates of the same hour-window on each of the previous 7 days that have data; a
day has data when at least 25 of its messages in that window have a final outcome (ours, not the
seed's: one message would make a day 0% or 100%). Alert when the relative drop
(average - rate) / average is 25% or more: 70% against 95% is a 26.3% drop. No qualifying
previous day: no alert (nothing to compare with).

Inbound rule: "undelivered" means an inbound message this app received but could not accept.
The Plivo app records one (signature valid, content malformed) as direction `inbound`, state
`undelivered`, outcome `failed`, with the reason on its event; Plivo, which got no 2xx, marks it
undelivered too. Evaluated only when at least 10 inbound messages fall in the hour; alert when
undelivered / all inbound messages is more than 5% (exactly 5% does not alert).

Per-country outbound rule (Plivo's newer rule, beside seed 001's, which stay as they are): the
same comparison for each destination country on its own, judged when at least 100 outbound
messages to that country (`messages.country`, the handset's ISO code) fall in the hour, against
that country's same hour on the previous 7 days (each with at least 25 final outcomes). Messages
whose number no country was told for are left out. ALERT_PER_COUNTRY=false turns it off.

At most one alert per hour per direction and provider, and per destination country: the clock
hour (UTC) of the evaluation, recorded in the table `delivery_alerts` before the alert is
printed or emailed (see `record`).
"""
