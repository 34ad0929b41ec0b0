"""A simulated library system (ILS) speaking SIP2 on a loopback port, for the local stack and the tests."""

from ils_simulator.server import (
    Account,
    IlsFaults,
    IlsSimulator,
    PatronRefused,
    SimulatedPatron,
    patrons_from_json,
    sample_patrons,
)

__all__ = [
    "Account",
    "IlsFaults",
    "IlsSimulator",
    "PatronRefused",
    "SimulatedPatron",
    "patrons_from_json",
    "sample_patrons",
]
