import sys

from cqpkit.cli import main

sys.exit(main())
