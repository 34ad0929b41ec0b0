"""A simulated library system (ILS) speaking SIP2 and Koha's REST API on loopback ports, for the local stack and the
tests."""

from ils_simulator.rest import KohaRestApi, RestClient
from ils_simulator.server import (
    FULL_CATEGORY,
    ID_NUMBER_ATTRIBUTE,
    LIBRARY_ID,
    PROVISIONAL_CATEGORY,
    READER_ID_ATTRIBUTE,
    Account,
    IlsFaults,
    IlsSimulator,
    PatronRefused,
    SimulatedPatron,
    patrons_from_json,
    sample_patrons,
)

__all__ = [
    "FULL_CATEGORY",
    "ID_NUMBER_ATTRIBUTE",
    "LIBRARY_ID",
    "PROVISIONAL_CATEGORY",
    "READER_ID_ATTRIBUTE",
    "Account",
    "IlsFaults",
    "IlsSimulator",
    "KohaRestApi",
    "PatronRefused",
    "RestClient",
    "SimulatedPatron",
    "patrons_from_json",
    "sample_patrons",
]
