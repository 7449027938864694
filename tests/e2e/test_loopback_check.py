"""The harness's loopback check (offline: runs in `make test`), on /proc/net text and on a real socket."""

import socket
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from loopback import assert_loopback_only, decode_address, listeners_of, parse_proc_net  # noqa: E402

TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:11D6 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1001 1
   1: 00000000:22B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1002 1
   2: 0100007F:11D6 0100007F:9C40 01 00000000:00000000 00:00000000 00000000     0        0 1003 1
"""
TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue
   0: 00000000000000000000000001000000:0050 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 2001 1
   1: 00000000000000000000000000000000:01BB 00000000000000000000000000000000:0000 0A 0:0 0:0 0 0 0 2002 1
"""


def test_decodes_proc_net_addresses():
    assert decode_address("0100007F") == "127.0.0.1"
    assert decode_address("00000000") == "0.0.0.0"
    assert decode_address("00000000000000000000000001000000") == "::1"


def test_parses_only_listening_sockets_and_flags_wildcards():
    found = parse_proc_net(TCP, "tcp")
    expected = [("127.0.0.1", 4566, 1001), ("0.0.0.0", 8883, 1002)]
    assert [(s.address, s.port, s.inode) for s in found] == expected
    assert [s.is_loopback for s in found] == [True, False]
    found6 = parse_proc_net(TCP6, "tcp6")
    assert [str(s) for s in found6] == ["tcp6 [::1]:80", "tcp6 [::]:443"]
    assert [s.is_loopback for s in found6] == [True, False]


def fake_proc(root: Path) -> Path:
    """A /proc with an emulator (PID 100) and its worker (PID 101), each owning one listening socket."""
    proc = root / "proc"
    for pid, ppid, inode in ((100, 1, 1001), (101, 100, 1002), (200, 1, 2001)):
        (proc / str(pid) / "fd").mkdir(parents=True)
        (proc / str(pid) / "stat").write_text(f"{pid} (py thon) S {ppid} {pid} {pid} 0 -1\n")
        (proc / str(pid) / "fd" / "3").symlink_to(f"socket:[{inode}]")
    (proc / "net").mkdir()
    (proc / "net" / "tcp").write_text(TCP)
    (proc / "net" / "tcp6").write_text(TCP6)
    return proc


def test_a_child_listening_beyond_loopback_fails_the_check(tmp_path):
    proc = fake_proc(tmp_path)
    assert [str(s) for s in listeners_of(100, proc)] == ["tcp 0.0.0.0:8883", "tcp 127.0.0.1:4566"]
    with pytest.raises(RuntimeError, match=r"beyond loopback: tcp 0\.0\.0\.0:8883"):
        assert_loopback_only(100, proc)


def test_sockets_of_other_processes_are_not_counted(tmp_path):
    proc = fake_proc(tmp_path)
    (proc / "101" / "fd" / "3").unlink()  # the worker closed its wildcard socket
    assert [str(s) for s in assert_loopback_only(100, proc)] == ["tcp 127.0.0.1:4566"]


@pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc")
def test_finds_a_real_loopback_listener_of_this_process():
    import os

    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert any(s.port == port and s.is_loopback for s in assert_loopback_only(os.getpid()))
