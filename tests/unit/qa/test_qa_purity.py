"""qa is a pure package: importing all of it pulls in no web framework, ORM or app code."""

import subprocess
import sys


def test_qa_imports_no_flask_sqlalchemy_or_app():
    code = (
        "import sys, qa, qa.agreement, qa.consensus, qa.accuracy, qa.sampling\n"
        "roots = ('flask', 'sqlalchemy', 'app')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in roots)\n"
        "print(','.join(bad))\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == ""
