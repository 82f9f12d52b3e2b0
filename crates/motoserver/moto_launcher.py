"""Run moto server on 127.0.0.1 and stop when our parent goes away.

Binds port 0 (or argv[1]) so the kernel picks a free port without a race, prints the port on one line,
then serves until stdin reaches EOF: the parent holds the other end of the pipe, so when the parent
exits, however it exits, the emulator exits too and never outlives a test run.
"""

import os
import sys
import threading

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import make_server

app = DomainDispatcherApplication(create_backend_app)
server = make_server(
    "127.0.0.1",
    int(sys.argv[1]) if len(sys.argv) > 1 else 0,
    app,
    threaded=True,
    request_handler=MotoRequestHandler,
)
# moto builds some URLs (SQS queue URLs) from MOTO_PORT.
os.environ["MOTO_PORT"] = str(server.server_port)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_port, flush=True)
sys.stdin.read()
server.shutdown()
