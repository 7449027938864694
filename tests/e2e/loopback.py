"""Which TCP/UDP sockets a process tree listens on, read from /proc (Linux), and whether all are loopback.

The e2e harness fails the run if the emulator (or any process it started, e.g. a Lambda worker) has a
listener on anything but 127.0.0.0/8 or ::1.
"""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass
from pathlib import Path

_TCP_LISTEN = "0A"
_UDP_UNCONNECTED = "07"


@dataclass(frozen=True)
class Listener:
    proto: str
    address: str
    port: int
    inode: int

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.address).is_loopback

    def __str__(self) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"{self.proto} {host}:{self.port}"


def decode_address(hex_address: str) -> str:
    """An address as /proc/net/{tcp,tcp6} prints it (host byte order per 32-bit word) -> text."""
    raw = bytes.fromhex(hex_address)
    # Each 32-bit word is printed in the host's (little-endian) byte order.
    ordered = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    return str(ipaddress.ip_address(ordered))


def parse_proc_net(text: str, proto: str) -> list[Listener]:
    """Listening (TCP) or unconnected-bound (UDP) sockets in one /proc/net/<proto> table."""
    wanted = _TCP_LISTEN if proto.startswith("tcp") else _UDP_UNCONNECTED
    found = []
    for line in text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 10 or fields[3] != wanted:
            continue
        address, port = fields[1].split(":")
        found.append(Listener(proto, decode_address(address), int(port, 16), int(fields[9])))
    return found


def process_tree(root: int, proc: Path = Path("/proc")) -> set[int]:
    """``root`` and every descendant that is alive now."""
    children: dict[int, list[int]] = {}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # The command name may contain spaces and parentheses: the ppid follows the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        if pid not in tree:
            tree.add(pid)
            todo.extend(children.get(pid, []))
    return tree


def socket_inodes(pid: int, proc: Path = Path("/proc")) -> set[int]:
    inodes = set()
    try:
        fds = list((proc / str(pid) / "fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[len("socket:[") : -1]))
    return inodes


def listeners_of(root: int, proc: Path = Path("/proc")) -> list[Listener]:
    """Every listener owned by ``root`` or one of its descendants."""
    inodes: set[int] = set()
    for pid in process_tree(root, proc):
        inodes |= socket_inodes(pid, proc)
    found = []
    for proto in ("tcp", "tcp6", "udp", "udp6"):
        try:
            text = (proc / "net" / proto).read_text()
        except OSError:
            continue
        found += [s for s in parse_proc_net(text, proto) if s.inode in inodes]
    return sorted(found, key=str)


def assert_loopback_only(root: int, proc: Path = Path("/proc")) -> list[Listener]:
    """The listeners of ``root``'s tree; raise if any of them is reachable from outside this machine."""
    found = listeners_of(root, proc)
    exposed = [s for s in found if not s.is_loopback]
    if exposed:
        raise RuntimeError(
            "the emulator listens beyond loopback: "
            + ", ".join(map(str, exposed))
            + " (stop it and fix the launcher)"
        )
    return found
