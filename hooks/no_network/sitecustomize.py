"""Loaded by every snippet the tests run (via PYTHONPATH): the network is out of reach.

Any attempt to resolve a host name or open an internet connection raises at once, so a snippet
that downloads something fails its test instead of passing on a machine that happens to be online.
"""

import socket


def _unreachable(*args, **kwargs):
    raise OSError(
        "network access is disabled while the tests run snippets (no example may download)"
    )


class _NoInternetSocket(socket.socket):
    def connect(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _unreachable()
        return super().connect(address)

    def connect_ex(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _unreachable()
        return super().connect_ex(address)


socket.socket = _NoInternetSocket
socket.create_connection = _unreachable
socket.getaddrinfo = _unreachable
socket.gethostbyname = _unreachable
