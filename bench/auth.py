"""What logins cost a request: the same small API read (``GET /api/types``) through
Flask's test client anonymously, with an API token (a SHA-256 and one indexed lookup)
and with a session cookie (one indexed lookup of the session's login key), median of
``--rounds``; and one password check (Werkzeug's scrypt: slow on purpose).

    .venv/bin/python bench/auth.py [--rounds 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from webapp.store import open_store  # noqa: E402
from webapp.store.accounts import Accounts  # noqa: E402
from webapp.web import create_app  # noqa: E402


def median_ms(call, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    rounds = parser.parse_args().rounds
    with tempfile.TemporaryDirectory() as folder:
        db = Path(folder) / "events.sqlite"
        with open_store(db) as store:
            accounts = Accounts(store)
            accounts.add("ed", "editor", "bench-password", by="bench")
            token = accounts.make_token("ed", by="bench")
            link = accounts.make_login_link_token("ed", by="bench")
            password_ms = median_ms(lambda: accounts.check_password("ed", "bench-password"),
                                    max(3, rounds // 30))
        app = create_app({"DB": str(db), "SNAPSHOT_BROWSER": "none"},
                         instance_path=Path(folder) / "instance")
        anonymous = app.test_client()
        scripted = app.test_client(use_cookies=False)
        browser = app.test_client()
        assert browser.get(f"/login?token={link}").status_code == 303
        headers = {"Authorization": f"Bearer {token}"}
        for client, kwargs in ((anonymous, {}), (scripted, {"headers": headers}),
                               (browser, {})):
            assert client.get("/api/types", **kwargs).status_code == 200   # warm
        rows = [
            ("GET /api/types, anonymous", median_ms(lambda: anonymous.get("/api/types"),
                                                    rounds)),
            ("GET /api/types, API token", median_ms(
                lambda: scripted.get("/api/types", headers=headers), rounds)),
            ("GET /api/types, session cookie", median_ms(lambda: browser.get("/api/types"),
                                                         rounds)),
            ("password check (scrypt), one", password_ms),
        ]
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} ms |")


if __name__ == "__main__":
    main()
