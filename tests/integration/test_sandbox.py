"""Commands run through streams.infra.sandbox cannot reach the network, not even the host."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

from streams.infra.proc import run
from streams.infra.sandbox import offline_argv, offline_method

CONNECT = (
    "import socket, sys\n"
    "try:\n"
    "    socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=5).close()\n"
    "except OSError as exc:\n"
    "    print(type(exc).__name__); sys.exit(7)\n"
    "print('connected')\n"
)


def test_offline_command_cannot_reach_a_listening_port_that_is_reachable_otherwise() -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(4)
        port = str(server.getsockname()[1])
        online = run([sys.executable, "-c", CONNECT, port], check=False)
        assert online.ok and "connected" in online.stdout
        offline = run(offline_argv([sys.executable, "-c", CONNECT, port]), check=False)
    assert offline.returncode == 7, (offline_method(), offline.stdout, offline.stderr)


def test_offline_command_keeps_files_and_exit_status(tmp_path: Path) -> None:
    marker = tmp_path / "written"
    code = f"open({str(marker)!r}, 'w').write('x'); raise SystemExit(3)"
    done = run(offline_argv([sys.executable, "-c", code]), check=False)
    assert done.returncode == 3 and marker.read_text() == "x"
