"""The apps run where the OS has no flock and no fork (Windows): nothing POSIX-only is needed
on the import path of the apps, the core, the simulator or the alerts."""

import subprocess
import sys

from tests.servers import ROOT

# Run in a fresh interpreter: fcntl made unimportable, os.fork and os.register_at_fork removed
# before anything else is imported, as on Windows (the standard library's random module looks
# for os.fork before it registers with os.register_at_fork).
PRELUDE = """
import os, sys
sys.modules["fcntl"] = None
del os.fork, os.register_at_fork
"""

SCRIPT = PRELUDE + """
import nexmo_app, plivo_app  # noqa: F401
import alerts, simulator, sms_log  # noqa: F401
from tests.callbacks import SEED_ACCEPTED, message, plivo_post, status_callback, vonage_post_form
from tests.signing import plivo_app_on, vonage_app_on

url = sys.argv[1]
plivo = plivo_app_on(url).test_client()
vonage = vonage_app_on(url).test_client()
fields = status_callback("delivered", sequence=3)
assert plivo_post(plivo, fields).status_code == 200
assert vonage_post_form(vonage, SEED_ACCEPTED).status_code == 204
print(message(plivo, fields["MessageUUID"])["state"], message(vonage, "0B00000127FDBC63")["state"])
"""


def test_both_apps_should_store_signed_reports_without_fcntl_or_register_at_fork(tmp_path):
    probe = subprocess.run([sys.executable, "-c", PRELUDE + "import fcntl"], cwd=ROOT,
                           capture_output=True, text=True)
    assert "ModuleNotFoundError" in probe.stderr or "ImportError" in probe.stderr

    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, f"sqlite:///{tmp_path}/sms.db"], cwd=ROOT,
        capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["delivered", "sent"]
