"""`python -m patlint._dcregen`: write the table of patlint/dcache.py for the running Python;
`--check`: exit 1, writing nothing, when the table on disk is not what the records give now."""

import sys

from patlint.dcache import main

sys.exit(main(sys.argv[1:]))
