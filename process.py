"""thidua — tổng hợp thi đua, khen thưởng. Chạy: python process.py  (xem README.md)."""

import sys

from thidua.cli import main

if __name__ == "__main__":
    sys.exit(main())
