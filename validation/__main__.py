"""``python -m validation`` is the ``singular`` command."""

import sys

from .cli import main

sys.exit(main())
