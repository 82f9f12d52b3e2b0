"""Run the Tansu broker (argv[1:]) and stop it when our parent goes away.

The parent holds the other end of our stdin pipe: when it exits, however it exits (SIGKILL included),
stdin reaches EOF and we kill the broker. On Linux the broker also gets SIGKILL if this launcher itself
is killed (PR_SET_PDEATHSIG), so neither process can outlive the one that started the stage or the tests.
We exit when the broker exits, so the parent sees a broker that died at start (a port already taken).
"""

import ctypes
import os
import signal
import subprocess
import sys
import threading

LAUNCHER_PID = os.getpid()


def die_with_launcher():
    try:
        # PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        return  # not Linux: the stdin watch below still stops the broker
    if os.getppid() != LAUNCHER_PID:
        os._exit(1)  # the launcher died before prctl took effect


broker = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, preexec_fn=die_with_launcher)


def watch_parent():
    sys.stdin.buffer.read()
    broker.kill()


threading.Thread(target=watch_parent, daemon=True).start()
code = broker.wait()
sys.exit(code if code > 0 else 1)
