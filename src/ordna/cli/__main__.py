"""`python -m ordna.cli ...`: the same as the `ordna` console script (how `ordna serve` starts its worker)."""

from ordna.cli import main

main()
