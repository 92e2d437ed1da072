"""Ordna: verified offboarding, key users and supplier follow-up for organisations that outsource office IT."""

__version__ = "0.1.0"
