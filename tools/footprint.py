"""What a reader (and a copier) takes on: the project's files a receiver loads, and their lines.

    python -m tools.footprint

For each provider, a fresh interpreter builds a plain `Flask(__name__)`, adds the receiver
alone (`plivo_app.init_app(app)` / `nexmo_app.init_app(app)`), stores one signed report through
Flask's test client, and lists every module of this project then in `sys.modules`. The report is
signed here with the standard library, so the signing adds no module of the project's. Then the
Python lines of the two folders a copier takes for each provider.
"""

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

EMBED = """
import base64, hashlib, hmac, json, sys, time
from pathlib import Path
from flask import Flask

provider, database, root = sys.argv[1], sys.argv[2], Path(sys.argv[3])
app = Flask(__name__)
app.config.update(DATABASE_URL=database, PLIVO_AUTH_TOKEN="footprint-token",
                  VONAGE_SIGNATURE_SECRET="footprint-secret", VONAGE_SIGNATURE_METHOD="md5hash")
client = app.test_client()
if provider == "plivo":
    import plivo_app
    plivo_app.init_app(app)
    fields = {"MessageUUID": "5b40a428-bfc7-4daf-9d40-3a0ee4a9a0c6", "From": "+14155550100",
              "To": "+447700900111", "Type": "sms", "Status": "delivered", "ErrorCode": "",
              "MCC": "234", "MNC": "10", "Sequence": "3"}
    url, nonce = "http://localhost/delivery", "12345678901234567890"
    signed = url + "?" + "".join(k + fields[k] for k in sorted(fields)) + "." + nonce
    digest = hmac.new(b"footprint-token", signed.encode(), hashlib.sha256).digest()
    answer = client.post(url, data=fields, headers={
        "X-Plivo-Signature-V3": base64.b64encode(digest).decode(),
        "X-Plivo-Signature-V3-Nonce": nonce})
else:
    import nexmo_app
    nexmo_app.init_app(app)
    fields = {"err-code": "0", "message-timestamp": "2018-10-25 12:10:26",
              "messageId": "0B00000127FDBC63", "msisdn": "447547232824",
              "network-code": "23410", "price": "0.03330000", "scts": "1810251210",
              "status": "delivered", "to": "Nexmo CLI", "timestamp": str(int(time.time()))}
    text = "".join("&%s=%s" % (k, fields[k].replace("&", "_").replace("=", "_"))
                   for k in sorted(fields))
    fields["sig"] = hashlib.md5((text + "footprint-secret").encode()).hexdigest()
    answer = client.post("/webhooks/delivery-receipt", data=fields)
assert answer.status_code in (200, 204), answer.get_data(as_text=True)
packages = {p.parent for p in root.glob("*/__init__.py")}  # the project's, not .venv's
loaded = sorted({Path(m.__file__).resolve() for m in list(sys.modules.values())
                 if getattr(m, "__file__", None)
                 and any(Path(m.__file__).resolve().is_relative_to(p) for p in packages)})
print(json.dumps([str(p.relative_to(root)) for p in loaded]))
"""


def lines(path: Path) -> int:
    with open(path, encoding="utf-8") as file:
        return sum(1 for _ in file)


def embed(provider: str, root: Path, prelude: str = "") -> subprocess.CompletedProcess:
    """EMBED in a fresh interpreter, with the project's folders found in `root`."""
    with tempfile.TemporaryDirectory() as folder:
        environment = {**os.environ, "PYTHONPATH": str(root)}
        for name in ("DATABASE_URL", "PUBLIC_BASE_URL", "TRUST_PROXY", "TRUSTED_HOSTS",
                     "ALLOW_UNSIGNED_CALLBACKS", "VONAGE_CALLBACK_TOKEN"):
            environment[name] = ""  # a developer's .env must not change what is measured
        return subprocess.run(
            [sys.executable, "-c", prelude + EMBED, provider, f"sqlite:///{folder}/sms.db",
             str(root)], cwd=folder, env=environment, capture_output=True, text=True,
            timeout=120)


def loaded_files(provider: str) -> list[str]:
    """The project's files in sys.modules after one signed report to the embedded receiver."""
    result = embed(provider, ROOT)
    if result.returncode:
        raise SystemExit(f"{provider}: the embedded receiver failed:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def folder_lines(*folders: str) -> int:
    return sum(lines(path) for folder in folders for path in (ROOT / folder).rglob("*.py"))


def main() -> int:
    for provider, folder in (("plivo", "plivo_app"), ("vonage", "nexmo_app")):
        files = loaded_files(provider)
        total = sum(lines(ROOT / name) for name in files)
        print(f"{provider}: {len(files)} files, {total} lines loaded by a plain Flask app with "
              f"{folder}.init_app(app) after one signed report")
        for name in files:
            print(f"    {lines(ROOT / name):5d}  {name}")
        print(f"    {folder}/ + shared/: {folder_lines(folder, 'shared')} lines of Python")
    largest = max((ROOT / "shared").rglob("*.py"), key=lines)
    print(f"largest module in shared/: {largest.relative_to(ROOT)}, {lines(largest)} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
