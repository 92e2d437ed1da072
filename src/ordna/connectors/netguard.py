"""Where admin-entered connector URLs may point: never at link-local or cloud metadata addresses.

A connector runs inside the organisation's network with Ordna's privileges; a URL that reached the cloud's
metadata service (169.254.169.254) could leak the host's credentials. Checked when the URL is saved and again
when a connection opens (the name may resolve elsewhere by then). ORDNA_CONNECTOR_ALLOW_LINK_LOCAL lifts it.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ordna.core.errors import ServiceError

METADATA_NAMES = frozenset({"metadata.google.internal", "metadata", "metadata.azure.internal", "instance-data"})
METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),
        ipaddress.ip_address("fd00:ec2::254"),
        ipaddress.ip_address("100.100.100.200"),
    }
)


class AddressRefused(ServiceError):
    """The URL points at an address connectors may not reach; the message names it."""


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address in METADATA_ADDRESSES


def url_check(url: str, *, schemes: tuple[str, ...], resolve: bool = True) -> str:
    """`url` if its scheme is one of `schemes` and its host is allowed; else AddressRefused naming why."""
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in schemes:
        raise AddressRefused(
            _("The address %(url)s must start with %(schemes)s."),
            field="url",
            url=repr(url),
            schemes=" / ".join(s + "://" for s in schemes),
        )
    host = (parts.hostname or "").lower()
    if not host:
        raise AddressRefused(_("The address %(url)s names no host."), field="url", url=repr(url))
    if settings.ORDNA_CONNECTOR_ALLOW_LINK_LOCAL:
        return url.strip()
    if host.rstrip(".") in METADATA_NAMES:
        raise AddressRefused(
            _("The address %(url)s names %(host)s, a cloud metadata service, which connectors may not reach."),
            field="url",
            url=repr(url),
            host=host,
        )
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = []
        if resolve:
            try:
                infos = socket.getaddrinfo(host, parts.port or 443, proto=socket.IPPROTO_TCP)
            except OSError:
                infos = []  # an unknown name fails clearly when the connector connects
            addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        if _refused(address):
            raise AddressRefused(
                _(
                    "The address %(url)s names %(host)s, a link-local or metadata address (%(address)s), which "
                    "connectors may not reach (ORDNA_CONNECTOR_ALLOW_LINK_LOCAL=true allows it)."
                ),
                field="url",
                url=repr(url),
                host=host,
                address=str(address),
            )
    return url.strip()
