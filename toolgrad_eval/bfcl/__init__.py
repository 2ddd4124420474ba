"""BFCL (Berkeley Function Calling Leaderboard) single-turn evaluation."""
