"""What gunicorn serves in pages_benchmark.py: the tracker, and beside it at /hello a bare Flask app that
answers "hello", so that both are measured by the same server, workers and machine in the same run.

The hello app is the benchmark's yardstick, not part of the product.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from tracker import create_app

hello = Flask("hello")


@hello.get("/")
def say_hello():
    return "hello"


tracker = create_app(
    {
        "SQLALCHEMY_DATABASE_URI": os.environ["BENCH_DATABASE_URL"],
        "SECRET_KEY": "benchmark-secret",
        "RATELIMIT_ENABLED": False,
    }
)
application = DispatcherMiddleware(tracker.wsgi_app, {"/hello": hello})
