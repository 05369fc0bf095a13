"""Where the fake providers' messages go: handsets in several countries, on their networks.

The numbers are never a real person's. Where a country sets a range aside for fiction, they come
from it: the UK's 07700 900xxx (Ofcom's drama numbers), North America's 555-01xx (NANPA), eight
of ACMA's fictitious Australian mobiles in 0491 570 and Berlin's 030 23125 xxx (the
Bundesnetzagentur's drama numbers: a landline, the one German block set aside as a whole).
Elsewhere they are well formed but in a block libphonenumber knows no operator for (it reads
them as invalid, and still places them in their country by the calling code): France's
06 39 98 xx xx, India's 50000 00xxx, Brazil's area code 10 (no Brazilian area is numbered so).

The networks are each country's real mobile networks, as MCC and MNC: Plivo sends them apart
(`MCC`, `MNC`), Vonage joined (`network-code`, `destination.network_code`).
"""

import random
from typing import NamedTuple


class Country(NamedTuple):
    iso: str  # ISO 3166-1 alpha-2, as the log stores it
    weight: int  # its share of a campaign's messages, in percent
    numbers: tuple[str, ...]  # E.164 without the "+"
    networks: tuple[tuple[str, str], ...]  # (MCC, MNC) of its mobile networks


class Handset(NamedTuple):
    number: str  # E.164 without the "+": "447700900123"
    mcc: str
    mnc: str

    @property
    def network_code(self) -> str:
        """MCC and MNC joined, as Vonage writes them: "23410"."""
        return self.mcc + self.mnc


def _block(prefix: str, size: int) -> tuple[str, ...]:
    width = len(str(size - 1))
    return tuple(f"{prefix}{n:0{width}d}" for n in range(size))


COUNTRIES = (
    # O2, Vodafone, Three, EE
    Country("GB", 40, _block("447700900", 1000),
            (("234", "10"), ("234", "15"), ("234", "20"), ("234", "30"))),
    # T-Mobile, AT&T, Verizon
    Country("US", 15, _block("120255501", 100),
            (("310", "260"), ("310", "410"), ("311", "480"))),
    # Telekom, Vodafone, O2
    Country("DE", 10, _block("493023125", 1000), (("262", "01"), ("262", "02"), ("262", "03"))),
    # Orange, SFR, Free, Bouygues
    Country("FR", 10, _block("336399800", 1000),
            (("208", "01"), ("208", "10"), ("208", "15"), ("208", "20"))),
    # Airtel, Vi, Jio
    Country("IN", 10, _block("915000000", 1000), (("404", "10"), ("404", "20"), ("405", "857"))),
    # Telstra, Optus, Vodafone
    Country("AU", 8, tuple(f"61491570{n}" for n in ("006", "110", "156", "157", "158", "159",
                                                     "313", "737")),
            (("505", "01"), ("505", "02"), ("505", "03"))),
    # Claro, Vivo, TIM
    Country("BR", 7, _block("5510987650", 1000), (("724", "05"), ("724", "06"), ("724", "04"))),
)
BY_ISO = {country.iso: country for country in COUNTRIES}


def pick(rng: random.Random, country: str | None = None,
         network: str | None = None) -> Handset:
    """A handset in `country` (by default one drawn by the countries' weights), on `network`
    (MCC+MNC; by default one of the country's)."""
    if country is None:
        chosen = rng.choices(COUNTRIES, weights=[c.weight for c in COUNTRIES])[0]
    else:
        chosen = BY_ISO[country]
    number = rng.choice(chosen.numbers)
    networks = [n for n in chosen.networks if network in (None, n[0] + n[1])]
    mcc, mnc = rng.choice(networks)
    return Handset(number, mcc, mnc)
