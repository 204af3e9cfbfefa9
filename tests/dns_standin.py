"""A real DNS server on loopback (UDP, dnspython's message API) answering with records a test sets.

TXT, CNAME and A records; a TXT value longer than 255 bytes goes out as several strings of
one record, as DNS providers publish DKIM keys. A CNAME answers every type, followed by the
target's records when the server holds them. Names the test has not set get NXDOMAIN; a set
name asked for another type gets an empty NOERROR answer; `silent = True` makes the server
swallow queries, as a dead nameserver does.
"""

from __future__ import annotations

import socket
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset


def _key(name: str) -> str:
    return name.strip().lower().rstrip(".")


class DnsStandIn:
    """Start/stop a UDP DNS responder on 127.0.0.1; set its TXT records; count its queries."""

    def __init__(self) -> None:
        self.txt: dict[str, list[str]] = {}
        self.cname: dict[str, str] = {}
        self.a: dict[str, list[str]] = {}
        self.silent = False
        self.queries: list[str] = []
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="dns-standin", daemon=True)

    @property
    def address(self) -> str:
        """The `host:port` to put in DNS_RESOLVER."""
        return f"127.0.0.1:{self.port}"

    def set_txt(self, name: str, *values: str) -> None:
        """Publish TXT record(s) at `name`, replacing what was there."""
        self.txt[_key(name)] = list(values)

    def set_cname(self, name: str, target: str) -> None:
        """Point `name` at `target` with a CNAME record."""
        self.cname[_key(name)] = _key(target)

    def set_a(self, name: str, *addresses: str) -> None:
        """Publish IPv4 address records at `name`."""
        self.a[_key(name)] = list(addresses)

    def remove(self, name: str) -> None:
        """Delete every record at `name`."""
        for records in (self.txt, self.cname, self.a):
            records.pop(_key(name), None)

    def start(self) -> DnsStandIn:
        """Begin answering queries in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop answering and release the port."""
        self._stop.set()
        self._thread.join(timeout=2)
        self._sock.close()

    def _records(self, name: str, rdtype) -> dns.rrset.RRset | None:
        owner = dns.name.from_text(name)
        if rdtype == dns.rdatatype.TXT and name in self.txt:
            values = [
                " ".join(
                    '"' + chunk.replace("\\", "\\\\").replace('"', '\\"') + '"'
                    for chunk in (v[i : i + 255] for i in range(0, max(len(v), 1), 255))
                )
                for v in self.txt[name]
            ]
            return dns.rrset.from_text_list(owner, 60, dns.rdataclass.IN, "TXT", values)
        if rdtype == dns.rdatatype.A and name in self.a:
            return dns.rrset.from_text_list(owner, 60, dns.rdataclass.IN, "A", self.a[name])
        return None

    def _answer(self, query: dns.message.Message) -> dns.message.Message:
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        for question in query.question:
            name = _key(question.name.to_text())
            if name not in self.txt and name not in self.cname and name not in self.a:
                response.set_rcode(dns.rcode.NXDOMAIN)
            elif name in self.cname:
                target = self.cname[name]
                response.answer.append(
                    dns.rrset.from_text(question.name, 60, "IN", "CNAME", target + ".")
                )
                if question.rdtype != dns.rdatatype.CNAME:
                    followed = self._records(target, question.rdtype)
                    if followed is not None:
                        response.answer.append(followed)
            else:
                found = self._records(name, question.rdtype)
                if found is not None:
                    response.answer.append(found)
        return response

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                wire, peer = self._sock.recvfrom(4096)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                query = dns.message.from_wire(wire)
            except dns.exception.DNSException:  # noqa: S112 (servers drop malformed packets)
                continue
            self.queries.append(_key(query.question[0].name.to_text()) if query.question else "")
            if self.silent:
                continue
            self._sock.sendto(self._answer(query).to_wire(), peer)
