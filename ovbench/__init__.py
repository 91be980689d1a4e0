"""ovbench: exact, fast, reproducible evaluation for open-vocabulary GSR and HOI detection.

Data flows one way through the package:
annotations -> splits -> predictions -> scorers -> results -> (reports, leaderboard).
The command-line interface (``ovbench``) is a thin shell over these modules.
"""

__version__ = "0.1.0"
