"""`python -m politburo`: the same as the `politburo` command."""

from politburo.cli import main

main()
