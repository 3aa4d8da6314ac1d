"""`python -m leadingtrusts.gateway members ...`"""

from .cli import main

raise SystemExit(main())
