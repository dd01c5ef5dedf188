"""`python -m harness.load PLAN.json`: the locust process (see harness.load.runner)."""

import sys

from harness.load.runner import main

raise SystemExit(main(sys.argv[1:]))
