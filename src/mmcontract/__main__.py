import sys

from mmcontract.cli import main

sys.exit(main())
