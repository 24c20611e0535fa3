"""`python -m numen.cli ...`: the same as the `numen` command."""

import sys

from numen.cli import main

sys.exit(main())
